//! The lock file, `pmsync-bundles.lock` in the plugins folder: every installed bundle with
//! its digest, the exact signed manifest and its signature, where it came from, and whether
//! it was installed without trust (development). The loader loads a bundle's plugins only
//! when their files, this lock and the signature agree; only `bundle install` changes it.

use super::error::BundleError;
use super::limits::MAX_LOCK_BYTES;
use super::manifest::BundleManifest;
use super::signature::BundleSignature;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The lock file's name in the plugins folder.
pub const LOCK_FILE: &str = "pmsync-bundles.lock";
/// The lock format this host writes and reads.
const LOCK_FORMAT: &str = "pmsync-bundles-lock/1";

/// The installed bundles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleLock {
    pub format: String,
    pub bundles: Vec<LockedBundle>,
}

impl Default for BundleLock {
    fn default() -> Self {
        BundleLock {
            format: LOCK_FORMAT.to_string(),
            bundles: Vec::new(),
        }
    }
}

/// One installed bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedBundle {
    pub organisation: String,
    pub name: String,
    pub version: String,
    /// sha256 of the bundle file installed (hex).
    pub digest: String,
    /// The exact text of its signed `bundle.json`.
    pub manifest: String,
    /// Its `bundle.sig` (none only for a development install of an unsigned bundle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<BundleSignature>,
    /// The file or registry reference (with its digest) it was installed from.
    pub source: String,
    /// When it was installed (RFC 3339).
    pub installed_at: String,
    /// Installed with `--allow-untrusted`: its signer was not checked against the trust
    /// policy (its files are still checked against its manifest).
    #[serde(default)]
    pub development: bool,
}

impl LockedBundle {
    /// `organisation/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.organisation, self.name)
    }

    /// The manifest it records, parsed and checked.
    pub fn parsed_manifest(&self) -> Result<BundleManifest, String> {
        BundleManifest::parse(self.manifest.as_bytes())
    }
}

impl BundleLock {
    /// The lock file of `plugins_dir`.
    pub fn path(plugins_dir: &Path) -> PathBuf {
        plugins_dir.join(LOCK_FILE)
    }

    /// The lock of `plugins_dir`, or `None` when it has none.
    pub fn read(plugins_dir: &Path) -> Result<Option<BundleLock>, String> {
        let path = BundleLock::path(plugins_dir);
        if path.symlink_metadata().is_err() {
            return Ok(None);
        }
        let bytes = crate::plugin::read_bounded(&path, MAX_LOCK_BYTES, "the bundle lock file")
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let lock: BundleLock = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a bundle lock file: {e}", path.display()))?;
        if lock.format != LOCK_FORMAT {
            return Err(format!(
                "{}: lock format `{}`; this host reads `{LOCK_FORMAT}`",
                path.display(),
                lock.format
            ));
        }
        Ok(Some(lock))
    }

    /// Writes the lock of `plugins_dir` (a new file renamed over the old one).
    pub fn write(&self, plugins_dir: &Path) -> Result<(), BundleError> {
        let path = BundleLock::path(plugins_dir);
        let temp = plugins_dir.join(format!(".{LOCK_FILE}.{}", std::process::id()));
        let mut text = serde_json::to_vec_pretty(self)
            .map_err(|e| BundleError::failed(format!("cannot write the lock: {e}")))?;
        text.push(b'\n');
        std::fs::write(&temp, text)
            .and_then(|_| std::fs::rename(&temp, &path))
            .map_err(|e| BundleError::failed(format!("cannot write {}: {e}", path.display())))
    }

    /// The installed bundle `organisation/name`.
    pub fn find(&self, organisation: &str, name: &str) -> Option<&LockedBundle> {
        self.bundles
            .iter()
            .find(|b| b.organisation == organisation && b.name == name)
    }
}
