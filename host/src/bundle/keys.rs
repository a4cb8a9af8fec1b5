//! Signing keys: ed25519. A private key lives in a file only its owner can read (written
//! 0600 by `bundle keygen`, refused when others may read it); a public key is shown and
//! configured as 64 hex digits, and named by its key id (the first 16 hex digits of the
//! sha256 of its bytes). Private key bytes are never printed or logged.

use super::error::BundleError;
use super::limits::MAX_KEY_FILE_BYTES;
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::path::Path;

/// The first line of a private key file; the seed follows on the third.
const KEY_FILE_HEADER: &str = "# pmsync bundle signing key (ed25519). Keep it secret: whoever holds it signs for your organisation.";
const SEED_PREFIX: &str = "private-key: ";

/// An ed25519 public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(pub VerifyingKey);

impl PublicKey {
    /// 64 lowercase hex digits.
    pub fn hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    /// The key id: 16 hex digits.
    pub fn id(&self) -> String {
        key_id(self.0.as_bytes())
    }

    /// Parses 64 hex digits.
    pub fn parse(text: &str) -> Result<PublicKey, String> {
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                format!(
                    "`{}` is not an ed25519 public key (64 hex digits)",
                    cut(text)
                )
            })?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| format!("`{}` is not a valid ed25519 public key", cut(text)))
    }
}

fn cut(text: &str) -> String {
    text.chars().take(80).collect()
}

/// The key id of public key bytes: the first 16 hex digits of their sha256.
pub fn key_id(public_key: &[u8]) -> String {
    hex::encode(&Sha256::digest(public_key)[..8])
}

/// A new signing key from the operating system's random source.
pub fn generate_key() -> SigningKey {
    let seed: [u8; 32] = rand::random();
    SigningKey::from_bytes(&seed)
}

/// Writes `key` to a new file at `path`, readable only by its owner. An existing file is
/// never overwritten.
pub fn write_private_key(path: &Path, key: &SigningKey) -> Result<(), BundleError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => BundleError::refused(format!(
            "{} already exists; a key file is never overwritten (choose another --output)",
            path.display()
        )),
        _ => BundleError::failed(format!("cannot create {}: {e}", path.display())),
    })?;
    let public = PublicKey(key.verifying_key());
    let text = format!(
        "{KEY_FILE_HEADER}\n# public key: {} (key id {})\n{SEED_PREFIX}{}\n",
        public.hex(),
        public.id(),
        hex::encode(key.to_bytes())
    );
    file.write_all(text.as_bytes())
        .map_err(|e| BundleError::failed(format!("cannot write {}: {e}", path.display())))
}

/// Reads the private key at `path`; refused when the file may be read by others.
pub fn read_private_key(path: &Path) -> Result<SigningKey, BundleError> {
    let bytes = crate::plugin::read_bounded(path, MAX_KEY_FILE_BYTES, "the signing key file")
        .map_err(|e| BundleError::refused(format!("{}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| BundleError::failed(format!("{}: {e}", path.display())))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(BundleError::refused(format!(
                "{}: the signing key may be read by others (permissions {:o}); run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            )));
        }
    }
    let bad = || {
        BundleError::refused(format!(
            "{}: not a pmsync signing key (expected the file `pmsync-host bundle keygen` wrote)",
            path.display()
        ))
    };
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let seed = text
        .lines()
        .find_map(|l| l.strip_prefix(SEED_PREFIX))
        .and_then(|h| hex::decode(h.trim()).ok())
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(bad)?;
    Ok(SigningKey::from_bytes(&seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_key_reads_back_and_only_its_owner_may_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("acme.key");
        let key = generate_key();
        write_private_key(&path, &key).unwrap();
        assert_eq!(read_private_key(&path).unwrap().to_bytes(), key.to_bytes());
        let again = write_private_key(&path, &generate_key()).unwrap_err();
        assert!(again.message.contains("never overwritten"), "{again}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let open = read_private_key(&path).unwrap_err();
            assert!(open.message.contains("chmod 600"), "{open}");
        }
    }

    #[test]
    fn a_public_key_round_trips_through_hex_and_has_a_short_id() {
        let public = PublicKey(generate_key().verifying_key());
        assert_eq!(PublicKey::parse(&public.hex()).unwrap(), public);
        assert_eq!(public.id().len(), 16);
        assert!(PublicKey::parse("abc").is_err());
    }
}
