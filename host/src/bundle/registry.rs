//! Bundles in an OCI registry (the CNCF distribution registry, GHCR, Harbor, ...), through
//! the `oci-client` crate. A bundle is one OCI artifact:
//!
//! | part | media type |
//! |---|---|
//! | manifest | `application/vnd.oci.image.manifest.v1+json`, `artifactType` [`ARTIFACT_TYPE`] |
//! | config blob | [`CONFIG_MEDIA_TYPE`]: organisation, name, version, api of the bundle (JSON) |
//! | the one layer | [`BUNDLE_MEDIA_TYPE`]: the bundle file itself, byte for byte |
//!
//! Pushing prints the manifest's digest; a reference pinned to it
//! (`registry/repo:tag@sha256:…`, or `registry/repo@sha256:…`) is what an operator pulls,
//! and pulling checks that the manifest served has that digest and the layer the digest
//! the manifest gives, so no registry (or proxy) can swap the content. Sizes are bounded
//! by [`MAX_BUNDLE_BYTES`] before a layer is downloaded.
//!
//! Registries on loopback (`localhost`, `127.0.0.1`, `[::1]`) are spoken to over plain
//! HTTP, all others over HTTPS. `PMSYNC_REGISTRY_USERNAME` and `PMSYNC_REGISTRY_PASSWORD`
//! (both set) authenticate; otherwise access is anonymous.

use super::error::BundleError;
use super::limits::MAX_BUNDLE_BYTES;
use super::opened::OpenedBundle;
use crate::plugin::sha256_hex;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::manifest::{OCI_IMAGE_MEDIA_TYPE, OciDescriptor};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use serde::{Deserialize, Serialize};
use std::pin::Pin;
use std::task::{Context, Poll};

/// The artifact type of a pmsync bundle.
pub const ARTIFACT_TYPE: &str = "application/vnd.pmsync.bundle.v1";
/// The media type of the config blob.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.pmsync.bundle.config.v1+json";
/// The media type of the layer: the bundle file.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.pmsync.bundle.v1.tar";
/// Largest OCI manifest accepted.
const MAX_OCI_MANIFEST_BYTES: usize = 64 << 10;

/// The config blob: what the bundle is, readable without downloading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactConfig {
    pub organisation: String,
    pub name: String,
    pub version: String,
    pub api: String,
}

/// Where a push or pull went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transferred {
    /// The reference as given.
    pub reference: String,
    /// The reference pinned to the manifest's digest: what to pull and install.
    pub pinned: String,
    /// The OCI manifest's digest (`sha256:…`).
    pub manifest_digest: String,
    /// The bundle file's digest (`sha256:…`).
    pub bundle_digest: String,
    pub bytes: u64,
}

/// Parses an OCI reference (`registry/repository:tag`, optionally `@sha256:…`).
pub fn parse_reference(text: &str) -> Result<Reference, BundleError> {
    text.parse::<Reference>().map_err(|e| {
        BundleError::refused(format!(
            "`{text}` is not a registry reference (REGISTRY/REPOSITORY:TAG, optionally @sha256:DIGEST): {e}"
        ))
    })
}

/// Whether `text` looks like a registry reference rather than a file path.
pub fn looks_like_reference(text: &str) -> bool {
    let first = text.split('/').next().unwrap_or("");
    text.contains('/')
        && !first.starts_with('.')
        && (first.contains(':') || first.contains('.') || first == "localhost")
        && !std::path::Path::new(text).exists()
}

fn client_for(reference: &Reference) -> Client {
    let registry = reference.resolve_registry().to_string();
    let host = registry
        .rsplit_once(':')
        .filter(|(h, port)| !h.is_empty() && port.chars().all(|c| c.is_ascii_digit()))
        .map(|(h, _)| h)
        .unwrap_or(&registry)
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let protocol = if loopback {
        ClientProtocol::HttpsExcept(vec![registry])
    } else {
        ClientProtocol::Https
    };
    Client::new(ClientConfig {
        protocol,
        ..ClientConfig::default()
    })
}

fn auth() -> RegistryAuth {
    match (
        std::env::var("PMSYNC_REGISTRY_USERNAME"),
        std::env::var("PMSYNC_REGISTRY_PASSWORD"),
    ) {
        (Ok(user), Ok(password)) if !user.is_empty() => RegistryAuth::Basic(user, password),
        _ => RegistryAuth::Anonymous,
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, BundleError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| BundleError::failed(format!("cannot start the network runtime: {e}")))
}

fn network(reference: &Reference, what: &str, e: impl std::fmt::Display) -> BundleError {
    BundleError::failed(format!("{what} {}: {e}", reference.whole()))
}

/// Pushes the bundle file `bytes` (already opened and checked as `bundle`) to `reference`.
pub fn push(
    reference: &str,
    bytes: &[u8],
    bundle: &OpenedBundle,
) -> Result<Transferred, BundleError> {
    let reference = parse_reference(reference)?;
    if reference.digest().is_some() {
        return Err(BundleError::refused(format!(
            "push to a tag, not a digest: `{}` (the digest is known once pushed)",
            reference.whole()
        )));
    }
    let m = &bundle.manifest;
    let config = serde_json::to_vec(&ArtifactConfig {
        organisation: m.organisation.clone(),
        name: m.name.clone(),
        version: m.version.clone(),
        api: m.api.clone(),
    })
    .map_err(|e| BundleError::failed(e.to_string()))?;
    let layer_digest = format!("sha256:{}", sha256_hex(bytes));
    let config_digest = format!("sha256:{}", sha256_hex(&config));
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_IMAGE_MEDIA_TYPE,
        "artifactType": ARTIFACT_TYPE,
        "config": { "mediaType": CONFIG_MEDIA_TYPE, "digest": config_digest, "size": config.len() },
        "layers": [{
            "mediaType": BUNDLE_MEDIA_TYPE,
            "digest": layer_digest,
            "size": bytes.len(),
            "annotations": { "org.opencontainers.image.title": format!("{}-{}-{}.pmsync-bundle", m.organisation, m.name, m.version) }
        }],
        "annotations": {
            "org.opencontainers.image.version": m.version,
            "dev.pmsync.bundle.organisation": m.organisation,
            "dev.pmsync.bundle.name": m.name,
        }
    });
    let manifest_bytes =
        serde_json::to_vec(&manifest).map_err(|e| BundleError::failed(e.to_string()))?;
    let manifest_digest = format!("sha256:{}", sha256_hex(&manifest_bytes));
    let client = client_for(&reference);
    let auth = auth();
    runtime()?.block_on(async {
        client
            .store_auth_if_needed(reference.resolve_registry(), &auth)
            .await;
        client
            .push_blob(&reference, bytes, &layer_digest)
            .await
            .map_err(|e| network(&reference, "cannot push the bundle to", e))?;
        client
            .push_blob(&reference, &config, &config_digest)
            .await
            .map_err(|e| network(&reference, "cannot push the bundle's config to", e))?;
        client
            .push_manifest_raw(
                &reference,
                manifest_bytes.clone(),
                reqwest::header::HeaderValue::from_static(OCI_IMAGE_MEDIA_TYPE),
            )
            .await
            .map_err(|e| network(&reference, "cannot push the manifest to", e))
    })?;
    Ok(Transferred {
        reference: reference.whole(),
        pinned: pinned(&reference, &manifest_digest),
        manifest_digest,
        bundle_digest: layer_digest,
        bytes: bytes.len() as u64,
    })
}

/// `reference` pinned to `digest`.
fn pinned(reference: &Reference, digest: &str) -> String {
    let base = format!("{}/{}", reference.registry(), reference.repository());
    match reference.tag() {
        Some(tag) => format!("{base}:{tag}@{digest}"),
        None => format!("{base}@{digest}"),
    }
}

/// Pulls the bundle file at `reference`. When the reference is pinned, the manifest served
/// must have that digest; the layer must always have the digest the manifest gives.
pub fn pull(reference: &str) -> Result<(Vec<u8>, Transferred), BundleError> {
    let reference = parse_reference(reference)?;
    let client = client_for(&reference);
    let auth = auth();
    let (manifest_bytes, bytes) = runtime()?.block_on(async {
        let (manifest_bytes, _) = client
            .pull_manifest_raw(&reference, &auth, &[OCI_IMAGE_MEDIA_TYPE])
            .await
            .map_err(|e| pull_error(&reference, "the manifest", e))?;
        if manifest_bytes.len() > MAX_OCI_MANIFEST_BYTES {
            return Err(BundleError::refused(format!(
                "{}: the registry served a manifest of {} bytes (limit {MAX_OCI_MANIFEST_BYTES}); refused",
                reference.whole(),
                manifest_bytes.len()
            )));
        }
        if let Some(pin) = reference.digest() {
            let served = format!("sha256:{}", sha256_hex(&manifest_bytes));
            if served != pin {
                return Err(BundleError::refused(format!(
                    "{}: the registry served a manifest whose digest is {served}, not the pinned {pin}; refused",
                    reference.whole()
                )));
            }
        }
        let layer = bundle_layer(&reference, &manifest_bytes)?;
        let mut out = BoundedBuffer::new(layer.size as u64);
        client
            .pull_blob(&reference, &layer, &mut out)
            .await
            .map_err(|e| pull_error(&reference, "the bundle", e))?;
        let served = format!("sha256:{}", sha256_hex(&out.bytes));
        if served != layer.digest {
            return Err(BundleError::refused(format!(
                "{}: the registry served a bundle whose digest is {served}, not the {} its manifest gives; refused",
                reference.whole(),
                layer.digest
            )));
        }
        Ok((manifest_bytes, out.bytes))
    })?;
    let manifest_digest = format!("sha256:{}", sha256_hex(&manifest_bytes));
    let transferred = Transferred {
        reference: reference.whole(),
        pinned: pinned(&reference, &manifest_digest),
        manifest_digest,
        bundle_digest: format!("sha256:{}", sha256_hex(&bytes)),
        bytes: bytes.len() as u64,
    };
    Ok((bytes, transferred))
}

/// A pull that failed: a digest mismatch found by the client is a refusal, the rest a
/// network failure.
fn pull_error(
    reference: &Reference,
    what: &str,
    e: oci_client::errors::OciDistributionError,
) -> BundleError {
    let text = e.to_string();
    if matches!(e, oci_client::errors::OciDistributionError::DigestError(_)) {
        BundleError::refused(format!(
            "{}: the registry served {what} with another digest than it is pinned to ({text}); refused",
            reference.whole()
        ))
    } else {
        BundleError::failed(format!(
            "cannot pull {what} of {}: {text}",
            reference.whole()
        ))
    }
}

/// The one bundle layer of an OCI manifest, checked.
fn bundle_layer(reference: &Reference, manifest: &[u8]) -> Result<OciDescriptor, BundleError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Manifest {
        config: OciDescriptor,
        layers: Vec<OciDescriptor>,
    }
    let refuse = |m: String| BundleError::refused(format!("{}: {m}", reference.whole()));
    let parsed: Manifest = serde_json::from_slice(manifest).map_err(|e| {
        refuse(format!(
            "the registry served a manifest that cannot be read: {e}"
        ))
    })?;
    if parsed.config.media_type != CONFIG_MEDIA_TYPE {
        return Err(refuse(format!(
            "not a pmsync bundle (config media type `{}`, expected `{CONFIG_MEDIA_TYPE}`)",
            parsed.config.media_type
        )));
    }
    let [layer] = parsed.layers.as_slice() else {
        return Err(refuse(format!(
            "a pmsync bundle has exactly one layer; this artifact has {}",
            parsed.layers.len()
        )));
    };
    if layer.media_type != BUNDLE_MEDIA_TYPE {
        return Err(refuse(format!(
            "its layer has media type `{}`, expected `{BUNDLE_MEDIA_TYPE}`",
            layer.media_type
        )));
    }
    if layer.size < 0 || layer.size as u64 > MAX_BUNDLE_BYTES {
        return Err(refuse(format!(
            "its layer is {} bytes (limit {MAX_BUNDLE_BYTES}); refused without downloading it",
            layer.size
        )));
    }
    if !layer.digest.starts_with("sha256:") {
        return Err(refuse(format!(
            "its layer digest `{}` is not sha256",
            layer.digest
        )));
    }
    Ok(layer.clone())
}

/// Where a pulled layer goes: at most the size its manifest gave.
struct BoundedBuffer {
    bytes: Vec<u8>,
    max: u64,
}

impl BoundedBuffer {
    fn new(max: u64) -> BoundedBuffer {
        BoundedBuffer {
            bytes: Vec::new(),
            max,
        }
    }
}

impl tokio::io::AsyncWrite for BoundedBuffer {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.bytes.len() as u64 + buf.len() as u64 > self.max {
            return Poll::Ready(Err(std::io::Error::other(format!(
                "the registry sent more than the {} bytes the manifest gives",
                self.max
            ))));
        }
        self.bytes.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
