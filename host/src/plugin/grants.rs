//! What the operator grants each plugin, and the intersection a plugin actually gets.
//!
//! Host patterns are written `scheme://host[:port]`:
//! - `scheme` is `http` or `https`;
//! - `host` is a DNS name or IP literal (IPv6 in brackets), matched exactly, case-insensitively,
//!   or `*.` and a domain of at least two labels, matching any subdomain of it (Jira Cloud
//!   sites are `<site>.atlassian.net`);
//! - `port` is a number, `*` (any port), or omitted (the scheme's default: 80 or 443).
//!
//! Examples: `https://api.github.com`, `http://127.0.0.1:*`, `https://jira.example.com:8443`.
//! No paths, no user info, no other wildcards in the host. A URL is matched on the scheme, host
//! and port the host itself parses from the request URL, never on a header.

use super::manifest::{Capabilities, Limits, Manifest};
use super::pins::Pin;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The port part of a [`HostPattern`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PortPattern {
    Any,
    Exact(u16),
}

/// One allowed destination, `scheme://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostPattern {
    pub scheme: String,
    pub host: String,
    pub port: PortPattern,
}

/// The scheme, host and port of a URL, as the host parsed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// Splits `scheme://authority...` into scheme and authority (`host[:port]`).
fn split_authority(text: &str) -> Result<(String, &str, &str), String> {
    let (scheme, rest) = text
        .split_once("://")
        .ok_or_else(|| format!("`{text}` has no scheme: expected scheme://host[:port]"))?;
    let scheme = scheme.to_ascii_lowercase();
    if default_port(&scheme).is_none() {
        return Err(format!("`{text}`: scheme `{scheme}` is not http or https"));
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(format!("`{text}`: user info in a URL is not allowed"));
    }
    if authority.is_empty() {
        return Err(format!("`{text}` has no host"));
    }
    Ok((scheme, authority, tail))
}

/// Splits `host[:port]` (IPv6 literals in brackets) into a lowercase host and the port text.
fn split_host_port(text: &str, authority: &str) -> Result<(String, Option<String>), String> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("`{text}`: unclosed `[` in host"))?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| format!("`{text}`: unexpected `{p}` after host"))?
                    .to_string(),
            ),
        };
        (format!("[{}]", inside.to_ascii_lowercase()), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_ascii_lowercase(), Some(p.to_string())),
            None => (authority.to_ascii_lowercase(), None),
        }
    };
    let name = host.strip_prefix("*.").unwrap_or(&host);
    let valid_host = !name.is_empty()
        && (host.starts_with('[')
            || name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        && (name.len() == host.len() || name.split('.').filter(|l| !l.is_empty()).count() >= 2);
    if !valid_host {
        return Err(format!(
            "`{text}`: `{host}` is not a host name or IP address"
        ));
    }
    Ok((host, port))
}

impl HostPattern {
    /// Parses `scheme://host[:port|:*]`.
    pub fn parse(text: &str) -> Result<HostPattern, String> {
        let (scheme, authority, tail) = split_authority(text)?;
        if !tail.is_empty() && tail != "/" {
            return Err(format!(
                "`{text}`: a host pattern has no path, query or fragment (expected scheme://host[:port])"
            ));
        }
        let (host, port) = split_host_port(text, authority)?;
        if host.starts_with('[') && host.contains('*') {
            return Err(format!("`{text}`: wildcards are for DNS names only"));
        }
        let port = match port.as_deref() {
            None => PortPattern::Exact(default_port(&scheme).unwrap_or(0)),
            Some("*") => PortPattern::Any,
            Some(p) => PortPattern::Exact(
                p.parse::<u16>()
                    .map_err(|_| format!("`{text}`: port `{p}` is not a number or `*`"))?,
            ),
        };
        Ok(HostPattern { scheme, host, port })
    }

    /// Whether this pattern allows `origin`.
    pub fn allows(&self, origin: &Origin) -> bool {
        self.scheme == origin.scheme
            && host_matches(&self.host, &origin.host)
            && match self.port {
                PortPattern::Any => true,
                PortPattern::Exact(p) => p == origin.port,
            }
    }

    /// The destinations both patterns allow, if any.
    pub fn intersect(&self, other: &HostPattern) -> Option<HostPattern> {
        if self.scheme != other.scheme {
            return None;
        }
        let host = host_intersection(&self.host, &other.host)?;
        let port = match (self.port, other.port) {
            (PortPattern::Any, p) | (p, PortPattern::Any) => p,
            (PortPattern::Exact(a), PortPattern::Exact(b)) if a == b => PortPattern::Exact(a),
            _ => return None,
        };
        Some(HostPattern {
            scheme: self.scheme.clone(),
            host,
            port,
        })
    }
}

/// Whether host pattern `pattern` (exact, or `*.domain`) matches the concrete `host`.
fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(domain) => host
            .strip_suffix(domain)
            .and_then(|sub| sub.strip_suffix('.'))
            .is_some_and(|sub| !sub.is_empty()),
        None => pattern == host,
    }
}

/// The hosts both patterns allow, as one pattern: the narrower of the two when one
/// contains the other.
fn host_intersection(a: &str, b: &str) -> Option<String> {
    if a == b {
        return Some(a.to_string());
    }
    let covers = |wide: &str, narrow: &str| match narrow.strip_prefix("*.") {
        // `*.x.y` is inside `*.y` when `x.y` is a subdomain of `y`.
        Some(domain) => host_matches(wide, domain),
        None => host_matches(wide, narrow),
    };
    if covers(a, b) {
        Some(b.to_string())
    } else if covers(b, a) {
        Some(a.to_string())
    } else {
        None
    }
}

impl Origin {
    /// The scheme, host and port of a request URL (`https://api.github.com/repos/x` ->
    /// `https`, `api.github.com`, `443`).
    pub fn of_url(url: &str) -> Result<Origin, String> {
        let (scheme, authority, _) = split_authority(url)?;
        let (host, port) = split_host_port(url, authority)?;
        if host.starts_with("*.") {
            return Err(format!("`{url}`: a URL's host cannot be a wildcard"));
        }
        let port = match port {
            None => default_port(&scheme).unwrap_or(0),
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| format!("`{url}`: port `{p}` is not a number"))?,
        };
        Ok(Origin { scheme, host, port })
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        match self.port {
            PortPattern::Any => f.write_str(":*"),
            PortPattern::Exact(p) if Some(p) == default_port(&self.scheme) => Ok(()),
            PortPattern::Exact(p) => write!(f, ":{p}"),
        }
    }
}

impl Serialize for HostPattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HostPattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        HostPattern::parse(&text).map_err(serde::de::Error::custom)
    }
}

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
        }
        Granted {
            capabilities: Capabilities { hosts, secrets },
            limits,
        }
    }
}

#[cfg(test)]
mod wildcard_tests {
    use super::*;

    #[test]
    fn a_wildcard_host_matches_subdomains_only() {
        let p = HostPattern::parse("https://*.atlassian.net").unwrap();
        assert!(p.allows(&Origin::of_url("https://acme.atlassian.net/rest").unwrap()));
        assert!(!p.allows(&Origin::of_url("https://atlassian.net/").unwrap()));
        assert!(!p.allows(&Origin::of_url("https://evilatlassian.net/").unwrap()));
        assert!(!p.allows(&Origin::of_url("http://acme.atlassian.net/").unwrap()));
    }

    #[test]
    fn a_wildcard_needs_a_real_domain() {
        assert!(HostPattern::parse("https://*.net").is_err());
        assert!(HostPattern::parse("https://*").is_err());
    }

    #[test]
    fn granting_one_site_narrows_a_wildcard_request() {
        let asked = HostPattern::parse("https://*.atlassian.net").unwrap();
        let granted = HostPattern::parse("https://acme.atlassian.net").unwrap();
        assert_eq!(
            asked.intersect(&granted).unwrap().to_string(),
            "https://acme.atlassian.net"
        );
        assert_eq!(
            granted.intersect(&asked).unwrap().to_string(),
            "https://acme.atlassian.net"
        );
        let other = HostPattern::parse("https://api.github.com").unwrap();
        assert!(asked.intersect(&other).is_none());
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
    fn host_pattern_round_trips_and_fills_default_ports() {
        let p = HostPattern::parse("HTTPS://API.GitHub.com").unwrap();
        assert_eq!(p.port, PortPattern::Exact(443));
        assert_eq!(p.to_string(), "https://api.github.com");
        assert_eq!(
            HostPattern::parse("http://127.0.0.1:*")
                .unwrap()
                .to_string(),
            "http://127.0.0.1:*"
        );
        assert_eq!(
            HostPattern::parse("http://[::1]:8080").unwrap().to_string(),
            "http://[::1]:8080"
        );
    }

    #[test]
    fn host_pattern_rejects_paths_user_info_and_other_schemes() {
        assert!(HostPattern::parse("https://api.github.com/repos").is_err());
        assert!(HostPattern::parse("https://user@api.github.com").is_err());
        assert!(HostPattern::parse("ftp://files.example.com").is_err());
        assert!(HostPattern::parse("api.github.com").is_err());
        assert!(HostPattern::parse("http://127.0.0.1:http").is_err());
    }

    #[test]
    fn url_matching_uses_scheme_host_and_port() {
        let p = HostPattern::parse("https://api.github.com").unwrap();
        assert!(p.allows(&Origin::of_url("https://api.github.com/repos/a/b?x=1").unwrap()));
        assert!(p.allows(&Origin::of_url("https://API.github.com:443/").unwrap()));
        assert!(!p.allows(&Origin::of_url("http://api.github.com/").unwrap()));
        assert!(!p.allows(&Origin::of_url("https://api.github.com:8443/").unwrap()));
        assert!(!p.allows(&Origin::of_url("https://api.github.com.evil.com/").unwrap()));
        assert!(Origin::of_url("https://api.github.com@evil.com/").is_err());
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
