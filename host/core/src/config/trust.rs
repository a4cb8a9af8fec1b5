//! `plugins.trust`: which organisations' plugin bundles the operator accepts, and signed by
//! which keys. Checked here for form only (names, 64-hex-digit public keys, key ids, a key
//! both trusted and revoked); the host checks signatures against it.

use super::error::ConfigPath;
use super::model::ConfigFile;
use super::validate::{Diagnostic, Severity};

/// Hex digits of an ed25519 public key.
pub const PUBLIC_KEY_HEX_LEN: usize = 64;
/// Hex digits of a key id (the start of the sha256 of the public key).
pub const KEY_ID_HEX_LEN: usize = 16;

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.chars().all(|c| c.is_ascii_hexdigit())
}

/// Whether `text` has the form of a public key (64 hex digits).
pub fn is_public_key_hex(text: &str) -> bool {
    is_hex(text, PUBLIC_KEY_HEX_LEN)
}

/// Whether `name` may name an organisation or a bundle: lowercase letters, digits, `-`
/// and `_`, starting with a letter or digit, at most 64 characters.
pub fn is_bundle_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The errors in `plugins.trust`, by config path (not yet located in the text).
pub fn check_trust(config: &ConfigFile) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut error = |path: ConfigPath, message: String| {
        out.push(Diagnostic {
            severity: Severity::Error,
            path,
            message,
            location: None,
        })
    };
    let root = ConfigPath::root().key("plugins").key("trust");
    for (organisation, trust) in &config.plugins.trust {
        let path = root.key(organisation.clone());
        if !is_bundle_name(organisation) {
            error(
                path.clone(),
                format!(
                    "`{organisation}` is not an organisation name (lowercase letters, digits, `-` and `_`, as given to `bundle pack --org`)"
                ),
            );
        }
        if trust.keys.is_empty() {
            error(
                path.key("keys"),
                format!(
                    "organisation `{organisation}` lists no keys, so none of its bundles can be accepted; add the public key `pmsync-host bundle keygen` printed"
                ),
            );
        }
        for (i, key) in trust.keys.iter().enumerate() {
            if !is_public_key_hex(key) {
                error(
                    path.key("keys").index(i),
                    format!(
                        "expected an ed25519 public key: {PUBLIC_KEY_HEX_LEN} hex digits, as `pmsync-host bundle keygen` prints it"
                    ),
                );
            }
        }
        for (i, revoked) in trust.revoked.iter().enumerate() {
            if !is_public_key_hex(revoked) && !is_hex(revoked, KEY_ID_HEX_LEN) {
                error(
                    path.key("revoked").index(i),
                    format!(
                        "expected a public key ({PUBLIC_KEY_HEX_LEN} hex digits) or a key id ({KEY_ID_HEX_LEN} hex digits, as `bundle verify` shows it)"
                    ),
                );
            } else if trust.keys.iter().any(|k| k.eq_ignore_ascii_case(revoked)) {
                error(
                    path.key("revoked").index(i),
                    "this key is also listed under `keys`; a revoked key is never trusted: remove it from `keys`".to_string(),
                );
            }
        }
    }
    out
}
