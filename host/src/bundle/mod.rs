//! Organisation plugin bundles: one signed file holding plugins (each `plugin.toml` and its
//! `.wasm`), verified before anything of it is installed or loaded, pinned by digest in a
//! lock file beside the installed plugins, and distributed through an OCI registry.
//!
//! The file is a tar archive (see [`archive`]) of `bundle.json` (the [`BundleManifest`]:
//! organisation, bundle name, version, the WIT API, each file's sha256 and size),
//! `bundle.sig` (an ed25519 [`BundleSignature`] over the exact bytes of `bundle.json`) and
//! the plugin files under `plugins/`. Who may sign is the operator's [`TrustPolicy`]
//! (`plugins.trust` in the config); what is installed is the [`BundleLock`]
//! (`pmsync-bundles.lock` in the plugins folder), which the plugin loader checks on every
//! load ([`check_installed`]). A bundle carries plugins only: hosts, secrets and limits are
//! granted by the operator's config, never by the bundle.

pub mod archive;
mod error;
mod install;
mod installed;
mod keys;
mod limits;
mod lock;
mod manifest;
mod opened;
mod pack;
pub mod registry;
mod signature;
mod trust;

pub use error::BundleError;
pub use install::{InstallOptions, Installed, install};
pub use installed::{BundleOrigin, InstalledCheck, check_installed};
pub use keys::{PublicKey, generate_key, key_id, read_private_key, write_private_key};
pub use limits::{MAX_BUNDLE_BYTES, MAX_BUNDLE_FILE_BYTES, MAX_BUNDLE_FILES};
pub use lock::{BundleLock, LOCK_FILE, LockedBundle};
pub use manifest::{BundleFile, BundleManifest, BundlePlugin, FORMAT};
pub use opened::{OpenedBundle, read_bundle_file};
pub use pack::{PackRequest, pack};
pub use signature::BundleSignature;
pub use trust::TrustPolicy;
