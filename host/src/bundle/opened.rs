//! A bundle read and checked: its archive, manifest, signature and files, every file's
//! bytes matching the sha256 and size the manifest gives (so a signature that verifies
//! vouches for every byte), and each plugin's `plugin.toml` agreeing with the manifest.

use super::archive::{self, MANIFEST, PLUGINS, SIGNATURE};
use super::error::BundleError;
use super::keys::PublicKey;
use super::limits::MAX_BUNDLE_BYTES;
use super::manifest::BundleManifest;
use super::signature::BundleSignature;
use crate::plugin::{Manifest, sha256_hex};
use std::collections::BTreeMap;
use std::path::Path;

/// A bundle whose structure and file digests are checked; whether its signature is
/// valid and trusted is asked separately ([`OpenedBundle::signer`]).
#[derive(Debug, Clone)]
pub struct OpenedBundle {
    pub manifest: BundleManifest,
    /// The exact bytes of `bundle.json` (what is signed).
    pub manifest_bytes: Vec<u8>,
    /// `bundle.sig`, if the bundle is signed.
    pub signature: Option<BundleSignature>,
    /// Plugin files by `FOLDER/FILE`.
    pub files: BTreeMap<String, Vec<u8>>,
    /// sha256 of the whole bundle file (hex).
    pub digest: String,
    /// Size of the bundle file.
    pub size: u64,
}

/// Reads the bundle file at `path` (a regular file within [`MAX_BUNDLE_BYTES`]).
pub fn read_bundle_file(path: &Path) -> Result<Vec<u8>, BundleError> {
    crate::plugin::read_bounded(path, MAX_BUNDLE_BYTES, "the bundle file")
        .map_err(|e| BundleError::refused(format!("{}: {e}", path.display())))
}

impl OpenedBundle {
    /// Opens the bundle in `bytes`: the archive, the manifest, the signature's form, and
    /// every file against the manifest.
    pub fn open(bytes: &[u8]) -> Result<OpenedBundle, BundleError> {
        let refuse = |m: String| BundleError::refused(m);
        let mut entries = archive::read(bytes).map_err(refuse)?;
        let manifest_bytes = entries
            .remove(MANIFEST)
            .ok_or_else(|| refuse("the bundle has no bundle.json; not a pmsync bundle".into()))?;
        let manifest = BundleManifest::parse(&manifest_bytes).map_err(refuse)?;
        let signature = match entries.remove(SIGNATURE) {
            None => None,
            Some(bytes) => Some(
                serde_json::from_slice::<BundleSignature>(&bytes)
                    .map_err(|e| refuse(format!("bundle.sig is not a bundle signature: {e}")))?,
            ),
        };
        let mut files = BTreeMap::new();
        for (name, data) in entries {
            let path = name.strip_prefix(PLUGINS).unwrap_or(&name).to_string();
            let Some(entry) = manifest.file(&path) else {
                return Err(refuse(format!(
                    "{name} is in the bundle but not in its signed manifest; refused"
                )));
            };
            let digest = sha256_hex(&data);
            if digest != entry.sha256.to_ascii_lowercase() || data.len() as u64 != entry.size {
                return Err(refuse(format!(
                    "{name} was changed after signing: its sha256 is {digest} ({} bytes), the signed manifest says {} ({} bytes)",
                    data.len(),
                    entry.sha256,
                    entry.size
                )));
            }
            files.insert(path, data);
        }
        for entry in &manifest.files {
            if !files.contains_key(&entry.path) {
                return Err(refuse(format!(
                    "{PLUGINS}{} is in the signed manifest but missing from the bundle",
                    entry.path
                )));
            }
        }
        let opened = OpenedBundle {
            manifest,
            manifest_bytes,
            signature,
            files,
            digest: sha256_hex(bytes),
            size: bytes.len() as u64,
        };
        opened.check_plugins()?;
        Ok(opened)
    }

    /// Each plugin folder holds exactly its `plugin.toml` and the component it names, and
    /// the manifest's name, version and kind are the plugin's.
    fn check_plugins(&self) -> Result<(), BundleError> {
        for plugin in &self.manifest.plugins {
            let toml_path = format!("{}/plugin.toml", plugin.folder);
            let text = std::str::from_utf8(&self.files[&toml_path]).map_err(|_| {
                BundleError::refused(format!("{PLUGINS}{toml_path} is not UTF-8 text"))
            })?;
            let parsed = Manifest::parse(text, Path::new(&format!("{PLUGINS}{toml_path}")))
                .map_err(|e| BundleError::refused(e.to_string()))?;
            if parsed.name != plugin.name
                || parsed.version != plugin.version
                || parsed.kind.as_str() != plugin.kind
            {
                return Err(BundleError::refused(format!(
                    "{PLUGINS}{toml_path} is plugin {} {} ({}), but bundle.json says {} {} ({})",
                    parsed.name,
                    parsed.version,
                    parsed.kind,
                    plugin.name,
                    plugin.version,
                    plugin.kind
                )));
            }
            let component = parsed
                .component
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let component_path = format!("{}/{component}", plugin.folder);
            if !self.files.contains_key(&component_path) {
                return Err(BundleError::refused(format!(
                    "{PLUGINS}{toml_path} names component `{component}`, which the bundle does not hold"
                )));
            }
            let prefix = format!("{}/", plugin.folder);
            for path in self.files.keys().filter(|p| p.starts_with(&prefix)) {
                if *path != toml_path && *path != component_path {
                    return Err(BundleError::refused(format!(
                        "{PLUGINS}{path} is neither plugin.toml nor the component it names; a bundle holds plugins only"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The signer, if the bundle is signed and the signature matches the manifest.
    pub fn signer(&self) -> Result<PublicKey, BundleError> {
        let signature = self.signature.as_ref().ok_or_else(|| {
            BundleError::refused(format!(
                "bundle {} is not signed (it has no bundle.sig)",
                self.manifest.label()
            ))
        })?;
        signature
            .verify(&self.manifest_bytes)
            .map_err(|e| BundleError::refused(format!("bundle {}: {e}", self.manifest.label())))
    }
}
