//! The one allowed-host type: which destinations a plugin may reach. Used for what a plugin
//! asks for in its manifest, what the operator grants it, and the HTTP gateway's check of every
//! request.
//!
//! Host patterns are written `scheme://host[:port]`:
//! - `scheme` is `http` or `https`;
//! - `host` is a DNS name or IP literal (IPv6 in brackets), matched exactly, case-insensitively,
//!   or `*.` and a domain of at least two labels, matching any subdomain of it (Jira Cloud
//!   sites are `<site>.atlassian.net`), never the domain itself;
//! - `port` is a number, `*` (any port), or omitted (the scheme's default: 80 or 443).
//!
//! Examples: `https://api.github.com`, `http://127.0.0.1:*`, `https://jira.example.com:8443`.
//! No paths, no user info, no other wildcards in the host. A URL is matched on the scheme, host
//! and port the host itself parses from the request URL, never on a header.

use reqwest::Url;
use serde::{Deserialize, Serialize};
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
    let wildcard_on_address =
        name.len() != host.len() && name.parse::<std::net::Ipv4Addr>().is_ok();
    if !valid_host || wildcard_on_address {
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

impl HostPattern {
    /// Whether this pattern allows the URL the gateway parsed from a plugin's request.
    pub fn allows_url(&self, url: &Url) -> bool {
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return false;
        };
        self.allows(&Origin {
            scheme: url.scheme().to_string(),
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

/// `scheme://host:port` of a URL, with the default port made explicit. Used in messages.
pub fn origin_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    match url.port_or_known_default() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("test URL")
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
    fn a_wildcard_host_matches_subdomains_only() {
        let p = HostPattern::parse("https://*.atlassian.net").unwrap();
        assert!(p.allows(&Origin::of_url("https://acme.atlassian.net/rest").unwrap()));
        assert!(!p.allows(&Origin::of_url("https://atlassian.net/").unwrap()));
        assert!(!p.allows(&Origin::of_url("https://evilatlassian.net/").unwrap()));
        assert!(!p.allows(&Origin::of_url("http://acme.atlassian.net/").unwrap()));
        assert!(p.allows_url(&url("https://acme.atlassian.net/rest/api/3/myself")));
        assert!(!p.allows_url(&url("https://acme.atlassian.net.evil.example/")));
    }

    #[test]
    fn a_wildcard_needs_a_real_domain() {
        assert!(HostPattern::parse("https://*.net").is_err());
        assert!(HostPattern::parse("https://*").is_err());
        assert!(HostPattern::parse("https://*.127.0.0.1").is_err());
        assert!(HostPattern::parse("https://ex*ample.com").is_err());
        assert!(HostPattern::parse("https://example.com:80:*").is_err());
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

    #[test]
    fn a_parsed_request_url_is_matched_on_scheme_host_and_port() {
        let github = HostPattern::parse("https://api.github.com").unwrap();
        assert!(github.allows_url(&url("https://API.GitHub.com:443/graphql")));
        assert!(!github.allows_url(&url("https://api.github.com:8443/")));
        assert!(!github.allows_url(&url("http://api.github.com/")));
        let any_port = HostPattern::parse("http://127.0.0.1:*").unwrap();
        assert!(any_port.allows_url(&url("http://127.0.0.1:65000/x")));
        assert!(any_port.allows_url(&url("http://127.0.0.1/x")));
        assert!(!any_port.allows_url(&url("http://127.0.0.2/x")));
        let ipv6 = HostPattern::parse("http://[::1]:9").unwrap();
        assert!(ipv6.allows_url(&url("http://[::1]:9/x")));
    }

    #[test]
    fn origin_of_spells_out_the_default_port() {
        assert_eq!(
            origin_of(&url("https://evil.example/x")),
            "https://evil.example:443"
        );
        assert_eq!(origin_of(&url("http://[::1]:9/x")), "http://[::1]:9");
    }
}
