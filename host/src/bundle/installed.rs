//! The check the plugin loader makes before loading anything from a plugins folder with a
//! lock file: for every installed bundle, the lock's manifest is signed by the signature it
//! records, the signer is trusted (when the config's trust policy is known and the bundle
//! was not a development install), and every file on disk has the sha256 and size the
//! signed manifest gives. A bundle failing any of it is refused whole: none of its plugins
//! load.

use super::limits::MAX_BUNDLE_FILE_BYTES;
use super::lock::{BundleLock, LockedBundle};
use super::manifest::BundleManifest;
use super::trust::TrustPolicy;
use crate::plugin::{read_bounded, sha256_hex};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a plugin came from, as `plugins inspect` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleOrigin {
    pub organisation: String,
    pub bundle: String,
    pub version: String,
    /// The signer's key id (none for an unsigned development install).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// sha256 of the bundle file installed.
    pub digest: String,
    /// Installed with `--allow-untrusted`.
    pub development: bool,
}

/// A bundle refused at load: its plugin folders and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedBundle {
    /// `organisation/name version`.
    pub bundle: String,
    pub folders: Vec<PathBuf>,
    pub reason: String,
}

/// What the lock and the files on disk agree on.
#[derive(Debug, Clone, Default)]
pub struct InstalledCheck {
    /// Verified plugin folders and their bundle.
    pub verified: BTreeMap<PathBuf, BundleOrigin>,
    pub refused: Vec<RefusedBundle>,
}

impl InstalledCheck {
    /// Whether the plugin folder `folder` belongs to a refused bundle.
    pub fn refusal(&self, folder: &Path) -> Option<&RefusedBundle> {
        self.refused
            .iter()
            .find(|r| r.folders.iter().any(|f| f == folder))
    }
}

/// Checks every bundle the lock of `plugins_dir` records; `Ok` with nothing when there is
/// no lock, `Err` when the lock cannot be read (then nothing there can be trusted).
pub fn check_installed(
    plugins_dir: &Path,
    trust: Option<&TrustPolicy>,
) -> Result<InstalledCheck, String> {
    let mut check = InstalledCheck::default();
    let Some(lock) = BundleLock::read(plugins_dir)? else {
        return Ok(check);
    };
    for locked in &lock.bundles {
        let label = format!("{} {}", locked.id(), locked.version);
        match locked.parsed_manifest() {
            Err(e) => check.refused.push(RefusedBundle {
                bundle: label,
                folders: Vec::new(),
                reason: format!("the lock's manifest cannot be read: {e}"),
            }),
            Ok(manifest) => {
                let folders: Vec<PathBuf> = manifest
                    .plugins
                    .iter()
                    .map(|p| plugins_dir.join(&p.folder))
                    .collect();
                match verify(plugins_dir, locked, &manifest, trust) {
                    Ok(origin) => {
                        for folder in folders {
                            check.verified.insert(folder, origin.clone());
                        }
                    }
                    Err(reason) => check.refused.push(RefusedBundle {
                        bundle: label,
                        folders,
                        reason,
                    }),
                }
            }
        }
    }
    Ok(check)
}

fn verify(
    plugins_dir: &Path,
    locked: &LockedBundle,
    manifest: &BundleManifest,
    trust: Option<&TrustPolicy>,
) -> Result<BundleOrigin, String> {
    if (&manifest.organisation, &manifest.name, &manifest.version)
        != (&locked.organisation, &locked.name, &locked.version)
    {
        return Err(format!(
            "the lock records {} {}, but its manifest is {}",
            locked.id(),
            locked.version,
            manifest.label()
        ));
    }
    let signer = match &locked.signature {
        Some(signature) => Some(signature.verify(locked.manifest.as_bytes())?),
        None if locked.development => None,
        None => return Err("the lock records no signature for it".into()),
    };
    if let (Some(policy), Some(signer), false) = (trust, &signer, locked.development) {
        policy.check(&manifest.organisation, signer)?;
    }
    check_files(plugins_dir, manifest)?;
    Ok(BundleOrigin {
        organisation: manifest.organisation.clone(),
        bundle: manifest.name.clone(),
        version: manifest.version.clone(),
        signer: signer.map(|s| s.id()),
        digest: locked.digest.clone(),
        development: locked.development,
    })
}

/// Whether every file of `manifest` in `plugins_dir` has the sha256 and size it gives.
pub(super) fn check_files(plugins_dir: &Path, manifest: &BundleManifest) -> Result<(), String> {
    for file in &manifest.files {
        let path = plugins_dir.join(&file.path);
        let bytes = read_bounded(&path, MAX_BUNDLE_FILE_BYTES, "an installed bundle file")
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let digest = sha256_hex(&bytes);
        if !digest.eq_ignore_ascii_case(&file.sha256) || bytes.len() as u64 != file.size {
            return Err(format!(
                "{} was changed after installation: its sha256 is {digest}, the signed manifest says {}; reinstall the bundle with `pmsync-host bundle install`",
                path.display(),
                file.sha256
            ));
        }
    }
    Ok(())
}
