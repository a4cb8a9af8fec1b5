//! Bounds on what a bundle may make the host read.

/// Largest bundle file (and registry layer) read.
pub const MAX_BUNDLE_BYTES: u64 = 512 << 20;
/// Most files in one bundle (plugin files, plus `bundle.json` and `bundle.sig`).
pub const MAX_BUNDLE_FILES: usize = 256;
/// Largest single file in a bundle (a plugin's component may be this large).
pub const MAX_BUNDLE_FILE_BYTES: u64 = crate::plugin::MAX_COMPONENT_BYTES;
/// Largest `bundle.json`.
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// Largest `bundle.sig`.
pub const MAX_SIGNATURE_BYTES: u64 = 4 << 10;
/// Largest lock file.
pub const MAX_LOCK_BYTES: u64 = 16 << 20;
/// Largest private key file.
pub const MAX_KEY_FILE_BYTES: u64 = 4 << 10;
