//! What the operator grants each plugin, and the intersection a plugin actually gets.
//!
//! Hosts are [`HostPattern`]s (`crate::http::allowed_host`), the one allowed-host type.

use super::manifest::{Capabilities, Limits, Manifest};
use super::pins::Pin;
pub use crate::http::{HostPattern, Origin, PortPattern};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Operator maxima (or per-plugin caps) on limits; `None` leaves the limit as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitCaps {
    pub memory_mb: Option<u64>,
    pub timeout_ms: Option<u64>,
    pub fuel: Option<u64>,
    pub max_output_bytes: Option<u64>,
}

impl LimitCaps {
    /// The maxima applied when the operator says nothing.
    pub fn operator_defaults() -> LimitCaps {
        LimitCaps {
            memory_mb: Some(512),
            timeout_ms: Some(60_000),
            fuel: Some(200_000_000_000),
            max_output_bytes: Some(128 << 20),
        }
    }

    fn cap(&self, limits: Limits) -> Limits {
        let min = |asked: u64, cap: Option<u64>| cap.map_or(asked, |c| asked.min(c));
        Limits {
            memory_mb: min(limits.memory_mb, self.memory_mb),
            timeout_ms: min(limits.timeout_ms, self.timeout_ms),
            fuel: min(limits.fuel, self.fuel),
            max_output_bytes: min(limits.max_output_bytes, self.max_output_bytes),
        }
    }
}

/// What the operator grants one plugin.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginGrant {
    /// Destinations the plugin may reach (intersected with what it asked for).
    #[serde(default)]
    pub hosts: Vec<HostPattern>,
    /// Credentials the host may inject into its requests (intersected with what it asked for).
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Caps on this plugin's limits, below the operator maxima.
    #[serde(default)]
    pub limits: LimitCaps,
    /// Limits the operator sets for this plugin (`plugins.limits.NAME`): each replaces what
    /// the manifest asks and the maxima (the config checked it against its ceiling).
    #[serde(default)]
    pub set_limits: LimitCaps,
    /// Settings a transformer or resolver reads through the `config` import (connectors
    /// get theirs per instance). Never secrets.
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
}

/// The operator's grants for all plugins. The default grants no hosts and no secrets to
/// anyone and caps limits at [`LimitCaps::operator_defaults`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    /// Maxima for every plugin.
    #[serde(default = "LimitCaps::operator_defaults")]
    pub max: LimitCaps,
    /// Grants by plugin name.
    #[serde(default)]
    pub plugins: BTreeMap<String, PluginGrant>,
    /// Which plugin serves a platform, transform or resolver name (see [`Pin`]).
    #[serde(default)]
    pub pins: BTreeMap<String, Pin>,
    /// Whose plugin bundles are trusted (`plugins.trust`); `None` without a config: then
    /// installed bundles are checked against their lock and signature only.
    #[serde(default)]
    pub trust: Option<crate::bundle::TrustPolicy>,
}

impl Default for Grants {
    fn default() -> Self {
        Grants {
            max: LimitCaps::operator_defaults(),
            plugins: BTreeMap::new(),
            pins: BTreeMap::new(),
            trust: None,
        }
    }
}

/// What a plugin actually gets: the intersection of asked and granted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Granted {
    pub capabilities: Capabilities,
    pub limits: Limits,
}

impl Granted {
    /// Whether the plugin may call `url`.
    pub fn allows_url(&self, url: &str) -> Result<(), String> {
        let origin = Origin::of_url(url)?;
        if self.capabilities.hosts.iter().any(|p| p.allows(&origin)) {
            Ok(())
        } else {
            Err(format!(
                "{}://{}:{} is not a granted host",
                origin.scheme, origin.host, origin.port
            ))
        }
    }

    pub fn allows_secret(&self, name: &str) -> bool {
        self.capabilities.secrets.iter().any(|s| s == name)
    }
}

impl Grants {
    /// Grants `hosts` and `secrets` to the plugin `name` (a builder for tests and callers).
    pub fn grant(mut self, name: &str, hosts: &[&str], secrets: &[&str]) -> Result<Grants, String> {
        let entry = self.plugins.entry(name.to_string()).or_default();
        for host in hosts {
            entry.hosts.push(HostPattern::parse(host)?);
        }
        entry.secrets.extend(secrets.iter().map(|s| s.to_string()));
        Ok(self)
    }

    /// What `manifest`'s plugin gets.
    pub fn resolve(&self, manifest: &Manifest) -> Granted {
        let grant = self.plugins.get(&manifest.name);
        let asked = &manifest.capabilities;
        let mut hosts: Vec<HostPattern> = Vec::new();
        let mut secrets: Vec<String> = Vec::new();
        if let Some(grant) = grant {
            for a in &asked.hosts {
                for g in &grant.hosts {
                    if let Some(both) = a.intersect(g)
                        && !hosts.contains(&both)
                    {
                        hosts.push(both);
                    }
                }
            }
            secrets = asked
                .secrets
                .iter()
                .filter(|s| grant.secrets.contains(s))
                .cloned()
                .collect();
        }
        let mut limits = self.max.cap(manifest.limits);
        if let Some(grant) = grant {
            limits = grant.limits.cap(limits);
            let set = grant.set_limits;
            limits = Limits {
                memory_mb: set.memory_mb.unwrap_or(limits.memory_mb),
                timeout_ms: set.timeout_ms.unwrap_or(limits.timeout_ms),
                fuel: set.fuel.unwrap_or(limits.fuel),
                max_output_bytes: set.max_output_bytes.unwrap_or(limits.max_output_bytes),
            };
        }
        Granted {
            capabilities: Capabilities { hosts, secrets },
            limits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn manifest(hosts: &[&str], secrets: &[&str], memory_mb: u64) -> Manifest {
        let text = format!(
            "name = \"jira\"\nversion = \"1.0.0\"\nkind = \"connector\"\napi = \"pmsync:plugin@1.0.0\"\n\
             component = \"jira.wasm\"\n[provides]\nplatform = \"jira\"\n[capabilities]\nhosts = {hosts:?}\n\
             secrets = {secrets:?}\n[limits]\nmemory_mb = {memory_mb}\n"
        );
        Manifest::parse(&text, Path::new("plugin.toml")).unwrap()
    }

    #[test]
    fn limits_the_operator_sets_replace_the_manifests_and_the_maxima() {
        let m = manifest(&[], &[], 64);
        let mut grants = Grants::default();
        grants.plugins.entry("jira".into()).or_default().set_limits = LimitCaps {
            memory_mb: Some(1024),
            timeout_ms: Some(2_000),
            ..LimitCaps::default()
        };
        let granted = grants.resolve(&m);
        assert_eq!(
            granted.limits.memory_mb, 1024,
            "above the 512 MiB default maximum"
        );
        assert_eq!(
            granted.limits.timeout_ms, 2_000,
            "below what the manifest asks"
        );
        assert_eq!(granted.limits.fuel, m.limits.fuel, "unset: as asked");
    }

    #[test]
    fn default_grants_give_no_hosts_and_no_secrets() {
        let m = manifest(&["https://x.atlassian.net"], &["token"], 64);
        let g = Grants::default().resolve(&m);
        assert!(g.capabilities.hosts.is_empty());
        assert!(g.capabilities.secrets.is_empty());
        assert_eq!(g.limits.memory_mb, 64);
    }

    #[test]
    fn plugin_gets_the_intersection_of_asked_and_granted() {
        let m = manifest(
            &["https://x.atlassian.net", "http://127.0.0.1:*"],
            &["token", "other"],
            64,
        );
        let grants = Grants::default()
            .grant(
                "jira",
                &["http://127.0.0.1:8080", "https://elsewhere.com"],
                &["token", "admin"],
            )
            .unwrap();
        let g = grants.resolve(&m);
        let hosts: Vec<String> = g.capabilities.hosts.iter().map(|h| h.to_string()).collect();
        assert_eq!(hosts, vec!["http://127.0.0.1:8080"]);
        assert_eq!(g.capabilities.secrets, vec!["token"]);
        assert!(g.allows_url("http://127.0.0.1:8080/rest").is_ok());
        assert!(g.allows_url("http://127.0.0.1:9090/rest").is_err());
        assert!(g.allows_url("https://x.atlassian.net/rest").is_err());
    }

    #[test]
    fn limits_are_capped_by_operator_maxima_and_per_plugin_caps() {
        let m = manifest(&[], &[], 2048);
        let mut grants = Grants::default();
        assert_eq!(grants.resolve(&m).limits.memory_mb, 512);
        grants.plugins.insert(
            "jira".into(),
            PluginGrant {
                limits: LimitCaps {
                    memory_mb: Some(100),
                    ..LimitCaps::default()
                },
                ..PluginGrant::default()
            },
        );
        assert_eq!(grants.resolve(&m).limits.memory_mb, 100);
    }
}
