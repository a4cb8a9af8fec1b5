//! Installing a bundle into a plugins folder: refuse it unless it is signed by a key the
//! operator trusts for its organisation and is not older than (or a different build of)
//! the version installed; then put its plugin folders in place and record it in the lock.
//! `--allow-untrusted` (development only) lets an unsigned bundle, an untrusted or revoked
//! signer or a downgrade through, marked as such in the lock; a bundle whose files do not
//! match its signed manifest is never installed.

use super::error::BundleError;
use super::installed::check_files;
use super::lock::{BundleLock, LockedBundle};
use super::opened::OpenedBundle;
use super::trust::TrustPolicy;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What the operator allows beyond the trust policy.
#[derive(Debug, Clone, Copy, Default)]
pub struct InstallOptions {
    /// Development only: install a bundle that is unsigned, signed by a key the config
    /// does not trust (or revokes), or older than the one installed.
    pub allow_untrusted: bool,
}

/// What an install did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Installed {
    pub organisation: String,
    pub name: String,
    pub version: String,
    /// The version it replaced, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced: Option<String>,
    pub digest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// Plugin folders written.
    pub folders: Vec<PathBuf>,
    /// The same version with the same digest was installed already: nothing changed.
    pub unchanged: bool,
    /// Installed with `--allow-untrusted` past a refusal (the refusals are in `warnings`).
    pub development: bool,
    pub warnings: Vec<String>,
}

/// Installs `bundle` (read from `source`) into `plugins_dir`.
pub fn install(
    plugins_dir: &Path,
    bundle: &OpenedBundle,
    trust: Option<&TrustPolicy>,
    options: InstallOptions,
    source: &str,
) -> Result<Installed, BundleError> {
    let manifest = &bundle.manifest;
    let label = manifest.label();
    let mut warnings = Vec::new();
    let mut overridden = |reason: String| -> Result<(), BundleError> {
        if options.allow_untrusted {
            warnings.push(format!("{reason} (installed anyway: --allow-untrusted)"));
            Ok(())
        } else {
            Err(BundleError::refused(format!(
                "{reason}; nothing was installed"
            )))
        }
    };
    let signer = match (&bundle.signature, bundle.signer()) {
        (_, Ok(key)) => Some(key),
        (None, Err(e)) => {
            overridden(e.message)?;
            None
        }
        // A signature that does not match is tampering: never installed.
        (Some(_), Err(e)) => {
            return Err(BundleError::refused(format!(
                "{}; nothing was installed",
                e.message
            )));
        }
    };
    match (trust, &signer) {
        (Some(policy), Some(key)) => {
            if let Err(e) = policy.check(&manifest.organisation, key) {
                overridden(format!("bundle {label}: {e}"))?;
            }
        }
        (None, _) => overridden(format!(
            "bundle {label}: no trust policy to check its signer against: pass --config FILE whose plugins.trust.{} lists the organisation's public keys",
            manifest.organisation
        ))?,
        (Some(_), None) => {}
    }
    let mut lock = BundleLock::read(plugins_dir)
        .map_err(BundleError::refused)?
        .unwrap_or_default();
    let previous = lock.find(&manifest.organisation, &manifest.name).cloned();
    if let Some(old) = &previous {
        let old_version = semver::Version::parse(&old.version).ok();
        let new_version = manifest.semver();
        let intact = check_files(plugins_dir, manifest).is_ok();
        if old.version == manifest.version && old.digest == bundle.digest && intact {
            return Ok(Installed {
                organisation: manifest.organisation.clone(),
                name: manifest.name.clone(),
                version: manifest.version.clone(),
                replaced: None,
                digest: bundle.digest.clone(),
                signer: signer.map(|k| k.id()),
                folders: Vec::new(),
                unchanged: true,
                development: old.development,
                warnings,
            });
        }
        if old_version.as_ref() == Some(&new_version) && old.digest != bundle.digest {
            return Err(BundleError::refused(format!(
                "bundle {label} is already installed with other content (digest {}, this one {}); a new build needs a new version; nothing was installed",
                old.digest, bundle.digest
            )));
        }
        if old_version.as_ref().is_some_and(|old| *old > new_version) {
            overridden(format!(
                "bundle {label} is older than the installed version {}: a downgrade (a replayed old release?)",
                old.version
            ))?;
        }
    }
    let old_folders: Vec<String> = previous
        .as_ref()
        .and_then(|old| old.parsed_manifest().ok())
        .map(|m| m.plugins.into_iter().map(|p| p.folder).collect())
        .unwrap_or_default();
    for plugin in &manifest.plugins {
        let target = plugins_dir.join(&plugin.folder);
        if target.symlink_metadata().is_err() || old_folders.contains(&plugin.folder) {
            continue;
        }
        let owner = lock.bundles.iter().find(|b| {
            b.parsed_manifest()
                .is_ok_and(|m| m.plugins.iter().any(|p| p.folder == plugin.folder))
        });
        return Err(BundleError::refused(match owner {
            Some(other) => format!(
                "{} belongs to bundle {} {}; bundle {label} cannot take it over; nothing was installed",
                target.display(),
                other.id(),
                other.version
            ),
            None => format!(
                "{} exists and is not part of bundle {label} (a plugin copied by hand?); move it away first; nothing was installed",
                target.display()
            ),
        }));
    }
    let folders = put_in_place(plugins_dir, bundle, &old_folders)?;
    let development = !warnings.is_empty();
    let entry = LockedBundle {
        organisation: manifest.organisation.clone(),
        name: manifest.name.clone(),
        version: manifest.version.clone(),
        digest: bundle.digest.clone(),
        manifest: String::from_utf8_lossy(&bundle.manifest_bytes).into_owned(),
        signature: bundle.signature.clone(),
        source: source.to_string(),
        installed_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        development,
    };
    lock.bundles
        .retain(|b| !(b.organisation == entry.organisation && b.name == entry.name));
    lock.bundles.push(entry);
    lock.bundles.sort_by_key(|b| b.id());
    lock.write(plugins_dir)?;
    Ok(Installed {
        organisation: manifest.organisation.clone(),
        name: manifest.name.clone(),
        version: manifest.version.clone(),
        replaced: previous.map(|p| p.version),
        digest: bundle.digest.clone(),
        signer: signer.map(|k| k.id()),
        folders,
        unchanged: false,
        development,
        warnings,
    })
}

/// Writes the bundle's folders beside `plugins_dir`'s others: first into a staging
/// folder, then the previous version's folders are removed and the new ones renamed in.
fn put_in_place(
    plugins_dir: &Path,
    bundle: &OpenedBundle,
    old_folders: &[String],
) -> Result<Vec<PathBuf>, BundleError> {
    let io = |what: &Path, e: std::io::Error| {
        BundleError::failed(format!("cannot write {}: {e}", what.display()))
    };
    std::fs::create_dir_all(plugins_dir).map_err(|e| io(plugins_dir, e))?;
    let staging = plugins_dir.join(format!(".pmsync-install-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| io(&staging, e))?;
    }
    for (path, data) in &bundle.files {
        let file = staging.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&file, data).map_err(|e| io(&file, e))?;
    }
    for folder in old_folders {
        let old = plugins_dir.join(folder);
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(|e| io(&old, e))?;
        }
    }
    let mut written = Vec::new();
    for plugin in &bundle.manifest.plugins {
        let target = plugins_dir.join(&plugin.folder);
        std::fs::rename(staging.join(&plugin.folder), &target).map_err(|e| io(&target, e))?;
        written.push(target);
    }
    let _ = std::fs::remove_dir_all(&staging);
    Ok(written)
}
