//! The operator's trust: per organisation, the public keys whose signatures are accepted
//! (several at once, so a key can be rotated) and the keys revoked (by key or key id), from
//! `plugins.trust` in the config. A revoked key is refused whatever else is listed.

use super::keys::PublicKey;
use pmsync_core::config::TrustConfig;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whose bundles are accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustPolicy {
    /// By organisation.
    pub organisations: BTreeMap<String, OrganisationKeys>,
}

/// One organisation's keys, lowercase hex.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationKeys {
    pub keys: Vec<String>,
    /// Public keys or key ids.
    pub revoked: Vec<String>,
}

impl TrustPolicy {
    /// The policy `plugins.trust` describes (checked for form by the config's validation).
    pub fn from_config(trust: &BTreeMap<String, TrustConfig>) -> TrustPolicy {
        let lower = |v: &[String]| v.iter().map(|k| k.trim().to_ascii_lowercase()).collect();
        TrustPolicy {
            organisations: trust
                .iter()
                .map(|(org, t)| {
                    (
                        org.clone(),
                        OrganisationKeys {
                            keys: lower(&t.keys),
                            revoked: lower(&t.revoked),
                        },
                    )
                })
                .collect(),
        }
    }

    /// Whether `signer` may sign `organisation`'s bundles; if not, exactly why.
    pub fn check(&self, organisation: &str, signer: &PublicKey) -> Result<(), String> {
        let key = signer.hex();
        let id = signer.id();
        let Some(org) = self.organisations.get(organisation) else {
            let known: Vec<&String> = self.organisations.keys().collect();
            return Err(format!(
                "organisation `{organisation}` is not trusted: the config has no plugins.trust.{organisation} (trusted organisations: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ));
        };
        if org.revoked.iter().any(|r| *r == key || *r == id) {
            return Err(format!(
                "signed by key {id}, which plugins.trust.{organisation}.revoked revokes; refused"
            ));
        }
        if !org.keys.contains(&key) {
            let ids: Vec<String> = org
                .keys
                .iter()
                .filter_map(|k| PublicKey::parse(k).ok())
                .map(|k| k.id())
                .collect();
            return Err(format!(
                "signed by key {id} ({key}), which is not one of organisation `{organisation}`'s keys (plugins.trust.{organisation}.keys: {})",
                if ids.is_empty() {
                    "none".to_string()
                } else {
                    ids.join(", ")
                }
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::generate_key;

    fn policy(keys: &[&PublicKey], revoked: &[String]) -> TrustPolicy {
        let mut trust = BTreeMap::new();
        trust.insert(
            "acme".to_string(),
            TrustConfig {
                keys: keys.iter().map(|k| k.hex().to_uppercase()).collect(),
                revoked: revoked.to_vec(),
            },
        );
        TrustPolicy::from_config(&trust)
    }

    #[test]
    fn a_listed_key_is_trusted_an_unlisted_or_revoked_one_is_not() {
        let old = PublicKey(generate_key().verifying_key());
        let new = PublicKey(generate_key().verifying_key());
        let p = policy(&[&new], &[old.id()]);
        assert!(p.check("acme", &new).is_ok());
        let revoked = p.check("acme", &old).unwrap_err();
        assert!(revoked.contains("revokes"), "{revoked}");
        let stranger = PublicKey(generate_key().verifying_key());
        let unknown = p.check("acme", &stranger).unwrap_err();
        assert!(
            unknown.contains("not one of organisation `acme`'s keys"),
            "{unknown}"
        );
        let org = p.check("globex", &new).unwrap_err();
        assert!(org.contains("no plugins.trust.globex"), "{org}");
    }
}
