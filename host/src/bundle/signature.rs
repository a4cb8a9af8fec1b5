//! The detached signature over a bundle's manifest (`bundle.sig`): ed25519 over the exact
//! bytes of `bundle.json`, with the signer's public key and key id. The manifest lists every
//! other file's sha256, so the signature covers every byte of the bundle.

use super::keys::{PublicKey, key_id};
use ed25519_dalek::{Signature, Signer as _, SigningKey};
use serde::{Deserialize, Serialize};

/// The only algorithm.
pub const ALGORITHM: &str = "ed25519";

/// `bundle.sig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleSignature {
    /// Always `ed25519`.
    pub algorithm: String,
    /// The signer's key id (16 hex digits).
    pub key_id: String,
    /// The signer's public key (64 hex digits).
    pub public_key: String,
    /// The signature (128 hex digits).
    pub signature: String,
}

impl BundleSignature {
    /// Signs `manifest` (the bytes of `bundle.json`) with `key`.
    pub fn sign(manifest: &[u8], key: &SigningKey) -> BundleSignature {
        let public = key.verifying_key();
        BundleSignature {
            algorithm: ALGORITHM.to_string(),
            key_id: key_id(public.as_bytes()),
            public_key: hex::encode(public.as_bytes()),
            signature: hex::encode(key.sign(manifest).to_bytes()),
        }
    }

    /// The signer's key, if this is a valid signature of `manifest`; otherwise what is wrong.
    pub fn verify(&self, manifest: &[u8]) -> Result<PublicKey, String> {
        if self.algorithm != ALGORITHM {
            return Err(format!(
                "bundle.sig uses algorithm `{}`; only `{ALGORITHM}` is accepted",
                self.algorithm
            ));
        }
        let public = PublicKey::parse(&self.public_key).map_err(|e| format!("bundle.sig: {e}"))?;
        if public.id() != self.key_id {
            return Err(format!(
                "bundle.sig names key id {} but carries the public key of key id {}",
                self.key_id,
                public.id()
            ));
        }
        let bytes = hex::decode(&self.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .ok_or("bundle.sig: the signature is not 128 hex digits")?;
        public
            .0
            .verify_strict(manifest, &Signature::from_bytes(&bytes))
            .map_err(|_| {
                format!(
                    "the signature of key {} does not match bundle.json: the manifest was changed after it was signed",
                    public.id()
                )
            })?;
        Ok(public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::generate_key;

    #[test]
    fn a_signature_verifies_only_the_bytes_it_signed() {
        let key = generate_key();
        let signature = BundleSignature::sign(b"{\"name\":\"tools\"}", &key);
        let signer = signature.verify(b"{\"name\":\"tools\"}").unwrap();
        assert_eq!(signer.0, key.verifying_key());
        let err = signature.verify(b"{\"name\":\"tooms\"}").unwrap_err();
        assert!(err.contains("changed after it was signed"), "{err}");
    }
}
