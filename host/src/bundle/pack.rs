//! `bundle pack`: a folder of plugins (or one plugin folder) made into a bundle: each
//! plugin's `plugin.toml` and the component it names, the manifest listing them with their
//! digests, signed with the organisation's key.

use super::archive::{self, Entries, MANIFEST, PLUGINS, SIGNATURE};
use super::error::BundleError;
use super::limits::{MAX_BUNDLE_BYTES, MAX_BUNDLE_FILE_BYTES, MAX_BUNDLE_FILES};
use super::manifest::{BundleFile, BundleManifest, BundlePlugin, FORMAT, safe_component};
use super::opened::OpenedBundle;
use super::signature::BundleSignature;
use crate::plugin::{ApiVersion, MAX_MANIFEST_BYTES, Manifest, read_bounded, sha256_hex};
use ed25519_dalek::SigningKey;
use pmsync_core::config::is_bundle_name;
use std::path::{Path, PathBuf};

/// What to pack.
pub struct PackRequest<'a> {
    /// A plugins folder (of plugin folders) or one plugin folder.
    pub dir: &'a Path,
    pub organisation: &'a str,
    pub name: &'a str,
    /// A semver version.
    pub version: &'a str,
    /// The signing key; `None` packs an unsigned bundle (development only: it is refused
    /// everywhere without `--allow-untrusted`).
    pub key: Option<&'a SigningKey>,
}

/// Packs the bundle; returns its bytes, opened (checked the way a reader checks it).
pub fn pack(request: &PackRequest) -> Result<(Vec<u8>, OpenedBundle), BundleError> {
    let refuse = BundleError::refused;
    for (what, name) in [
        ("organisation", request.organisation),
        ("name", request.name),
    ] {
        if !is_bundle_name(name) {
            return Err(refuse(format!(
                "{what} `{name}` is not a name: lowercase letters, digits, `-` and `_` (at most 64)"
            )));
        }
    }
    semver::Version::parse(request.version).map_err(|e| {
        refuse(format!(
            "version `{}` is not a semver version (e.g. 1.2.0): {e}",
            request.version
        ))
    })?;
    let folders = plugin_folders(request.dir)?;
    let mut entries = Entries::new();
    let mut plugins = Vec::new();
    let mut files = Vec::new();
    let mut apis: Vec<ApiVersion> = Vec::new();
    let mut total = 0u64;
    for folder in folders {
        let folder_name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !safe_component(&folder_name) {
            return Err(refuse(format!(
                "{}: a plugin folder in a bundle needs a plain name (letters, digits, `.`, `-`, `_`)",
                folder.display()
            )));
        }
        let manifest_path = folder.join("plugin.toml");
        let manifest = Manifest::from_file(&manifest_path).map_err(|e| refuse(e.to_string()))?;
        if !manifest.api.is_supported() {
            return Err(refuse(format!(
                "{}: {}",
                manifest_path.display(),
                manifest.api.unsupported_message()
            )));
        }
        let component_name = manifest
            .component
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let toml = read_bounded(&manifest_path, MAX_MANIFEST_BYTES, "the plugin manifest")
            .map_err(|e| refuse(format!("{}: {e}", manifest_path.display())))?;
        let component = read_bounded(
            &manifest.component,
            MAX_BUNDLE_FILE_BYTES,
            "the component file",
        )
        .map_err(|e| {
            refuse(format!(
                "{}: {e} (build the plugin first)",
                manifest.component.display()
            ))
        })?;
        for (file, data) in [
            ("plugin.toml".to_string(), toml),
            (component_name, component),
        ] {
            let path = format!("{folder_name}/{file}");
            total += data.len() as u64;
            files.push(BundleFile {
                path: path.clone(),
                sha256: sha256_hex(&data),
                size: data.len() as u64,
            });
            entries.insert(format!("{PLUGINS}{path}"), data);
        }
        plugins.push(BundlePlugin {
            folder: folder_name,
            name: manifest.name.clone(),
            version: manifest.version.clone(),
            kind: manifest.kind.as_str().to_string(),
        });
        apis.push(manifest.api.clone());
    }
    if files.len() > MAX_BUNDLE_FILES || total > MAX_BUNDLE_BYTES {
        return Err(refuse(format!(
            "{} files of {total} bytes: a bundle holds at most {MAX_BUNDLE_FILES} files and {MAX_BUNDLE_BYTES} bytes",
            files.len()
        )));
    }
    let api = apis
        .iter()
        .max_by_key(|a| (a.major, a.minor, a.patch))
        .map(|a| a.to_string())
        .unwrap_or_default();
    let manifest = BundleManifest {
        format: FORMAT.to_string(),
        organisation: request.organisation.to_string(),
        name: request.name.to_string(),
        version: request.version.to_string(),
        api,
        plugins,
        files,
    };
    let manifest_bytes = manifest.to_bytes();
    if let Some(key) = request.key {
        let signature = BundleSignature::sign(&manifest_bytes, key);
        let mut sig = serde_json::to_vec_pretty(&signature).unwrap_or_default();
        sig.push(b'\n');
        entries.insert(SIGNATURE.to_string(), sig);
    }
    entries.insert(MANIFEST.to_string(), manifest_bytes);
    let bytes = archive::write(&entries).map_err(BundleError::failed)?;
    let opened = OpenedBundle::open(&bytes)?;
    Ok((bytes, opened))
}

/// The plugin folders of `dir`: itself when it holds a `plugin.toml`, else each
/// subfolder that does, sorted.
fn plugin_folders(dir: &Path) -> Result<Vec<PathBuf>, BundleError> {
    if dir.join("plugin.toml").is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let entries = std::fs::read_dir(dir).map_err(|e| {
        BundleError::refused(format!("cannot read plugins folder {}: {e}", dir.display()))
    })?;
    let mut folders: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("plugin.toml").is_file())
        .collect();
    folders.sort();
    if folders.is_empty() {
        return Err(BundleError::refused(format!(
            "{} holds no plugin (no plugin.toml in it or in its folders)",
            dir.display()
        )));
    }
    if folders.len() > MAX_BUNDLE_FILES / 2 {
        return Err(BundleError::refused(format!(
            "{} holds {} plugins; a bundle holds at most {}",
            dir.display(),
            folders.len(),
            MAX_BUNDLE_FILES / 2
        )));
    }
    Ok(folders)
}
