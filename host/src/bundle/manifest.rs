//! `bundle.json`: what a bundle is (organisation, name, version, the WIT API its plugins
//! were built for) and what it holds (its plugins, and every file with its sha256 and
//! size). The signature covers its exact bytes; [`BundleManifest::parse`] checks everything
//! a reader relies on (names, a semver version, safe file paths, limits).

use super::limits::{MAX_BUNDLE_FILE_BYTES, MAX_BUNDLE_FILES};
use pmsync_core::config::is_bundle_name;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The format this host writes and reads.
pub const FORMAT: &str = "pmsync-bundle/1";

/// `bundle.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleManifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The organisation whose keys sign it (`plugins.trust.ORGANISATION`).
    pub organisation: String,
    /// The bundle's name within the organisation.
    pub name: String,
    /// A semver version; installing an older one than is installed is a downgrade.
    pub version: String,
    /// The WIT API the plugins were built for (`pmsync:plugin@1.0.0`).
    pub api: String,
    pub plugins: Vec<BundlePlugin>,
    /// Every plugin file, by path under `plugins/` (`FOLDER/FILE`).
    pub files: Vec<BundleFile>,
}

/// One plugin of a bundle: its folder and what its `plugin.toml` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundlePlugin {
    pub folder: String,
    pub name: String,
    pub version: String,
    pub kind: String,
}

/// One file of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleFile {
    /// `FOLDER/FILE`, relative to the plugins folder it installs into.
    pub path: String,
    /// 64 hex digits.
    pub sha256: String,
    pub size: u64,
}

impl BundleManifest {
    /// The bytes that are signed and stored as `bundle.json`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// `organisation/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.organisation, self.name)
    }

    /// `organisation/name version`.
    pub fn label(&self) -> String {
        format!("{} {}", self.id(), self.version)
    }

    /// The version, parsed (checked by [`BundleManifest::parse`]).
    pub fn semver(&self) -> semver::Version {
        semver::Version::parse(&self.version).unwrap_or_else(|_| semver::Version::new(0, 0, 0))
    }

    /// Parses and checks `bundle.json`.
    pub fn parse(bytes: &[u8]) -> Result<BundleManifest, String> {
        let manifest: BundleManifest = serde_json::from_slice(bytes)
            .map_err(|e| format!("bundle.json is not a bundle manifest: {e}"))?;
        manifest.check()?;
        Ok(manifest)
    }

    /// What a manifest must hold to be read at all.
    pub fn check(&self) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!(
                "bundle.json has format `{}`; this host reads `{FORMAT}`",
                self.format
            ));
        }
        for (what, name) in [("organisation", &self.organisation), ("name", &self.name)] {
            if !is_bundle_name(name) {
                return Err(format!(
                    "bundle.json: {what} `{name}` is not a name (lowercase letters, digits, `-` and `_`, at most 64)"
                ));
            }
        }
        semver::Version::parse(&self.version).map_err(|e| {
            format!(
                "bundle.json: version `{}` is not a semver version: {e}",
                self.version
            )
        })?;
        let api = crate::plugin::ApiVersion::parse(&self.api)
            .map_err(|e| format!("bundle.json: api: {e}"))?;
        if !api.is_supported() {
            return Err(format!("bundle.json: {}", api.unsupported_message()));
        }
        if self.plugins.is_empty() {
            return Err("bundle.json lists no plugins".into());
        }
        if self.files.len() > MAX_BUNDLE_FILES {
            return Err(format!(
                "bundle.json lists {} files; at most {MAX_BUNDLE_FILES} are read",
                self.files.len()
            ));
        }
        let mut folders = BTreeSet::new();
        for plugin in &self.plugins {
            if !safe_component(&plugin.folder) {
                return Err(format!(
                    "bundle.json: plugin folder `{}` is not a plain folder name",
                    plugin.folder
                ));
            }
            if !folders.insert(plugin.folder.as_str()) {
                return Err(format!(
                    "bundle.json lists plugin folder `{}` twice",
                    plugin.folder
                ));
            }
        }
        let mut paths = BTreeSet::new();
        for file in &self.files {
            let Some((folder, _)) = split_path(&file.path) else {
                return Err(format!(
                    "bundle.json: file `{}` is not FOLDER/FILE with plain names (no `..`, no absolute paths, no deeper folders)",
                    file.path
                ));
            };
            if !folders.contains(folder) {
                return Err(format!(
                    "bundle.json: file `{}` is not in a plugin folder the manifest lists",
                    file.path
                ));
            }
            if !paths.insert(file.path.as_str()) {
                return Err(format!("bundle.json lists file `{}` twice", file.path));
            }
            if file.sha256.len() != 64 || !file.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!(
                    "bundle.json: file `{}` has no sha256 of 64 hex digits",
                    file.path
                ));
            }
            if file.size > MAX_BUNDLE_FILE_BYTES {
                return Err(format!(
                    "bundle.json: file `{}` is {} bytes; at most {MAX_BUNDLE_FILE_BYTES} are read",
                    file.path, file.size
                ));
            }
        }
        for plugin in &self.plugins {
            let manifest = format!("{}/plugin.toml", plugin.folder);
            if !paths.contains(manifest.as_str()) {
                return Err(format!(
                    "bundle.json: plugin folder `{}` has no plugin.toml",
                    plugin.folder
                ));
            }
        }
        Ok(())
    }

    /// The entry of the file at `path`.
    pub fn file(&self, path: &str) -> Option<&BundleFile> {
        self.files.iter().find(|f| f.path == path)
    }
}

/// `FOLDER/FILE` split in two, if both are plain names.
pub fn split_path(path: &str) -> Option<(&str, &str)> {
    let (folder, file) = path.split_once('/')?;
    (safe_component(folder) && safe_component(file)).then_some((folder, file))
}

/// A plain file or folder name: ASCII letters, digits, `.`, `-`, `_`; not starting with `.`.
pub fn safe_component(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> BundleManifest {
        BundleManifest {
            format: FORMAT.into(),
            organisation: "acme".into(),
            name: "tools".into(),
            version: "1.2.0".into(),
            api: "pmsync:plugin@1.0.0".into(),
            plugins: vec![BundlePlugin {
                folder: "shout".into(),
                name: "shout".into(),
                version: "0.1.0".into(),
                kind: "transformer".into(),
            }],
            files: vec![BundleFile {
                path: "shout/plugin.toml".into(),
                sha256: "0".repeat(64),
                size: 10,
            }],
        }
    }

    #[test]
    fn a_manifest_round_trips_through_its_bytes() {
        let m = manifest();
        assert_eq!(BundleManifest::parse(&m.to_bytes()).unwrap(), m);
    }

    #[test]
    fn paths_that_leave_the_plugin_folder_are_refused() {
        for path in [
            "../evil/plugin.toml",
            "/etc/passwd",
            "shout/../../x",
            "shout/sub/x.wasm",
            "shout/.hidden",
            "shout\\x",
        ] {
            let mut m = manifest();
            m.files.push(BundleFile {
                path: path.into(),
                sha256: "0".repeat(64),
                size: 1,
            });
            let err = BundleManifest::parse(&m.to_bytes()).unwrap_err();
            assert!(err.contains(path), "{path}: {err}");
        }
    }

    #[test]
    fn a_version_that_is_not_semver_is_refused() {
        let mut m = manifest();
        m.version = "one".into();
        let err = BundleManifest::parse(&m.to_bytes()).unwrap_err();
        assert!(err.contains("not a semver version"), "{err}");
    }
}
