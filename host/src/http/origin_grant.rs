//! Origin grants: which destinations a connector plugin may reach.
//!
//! A grant names a scheme, a host and a port. Written forms:
//! - `https://api.github.com` — the default port of the scheme (443 here);
//! - `https://jira.example.com:8443` — an explicit port;
//! - `http://127.0.0.1:*` — any port on that host (for the local sandbox);
//! - `https://*.atlassian.net` — any subdomain of `atlassian.net` (not the apex itself).
//!
//! Grants match the URL the host parsed from the plugin's request, never a header.

use std::fmt;
use std::str::FromStr;

use reqwest::Url;

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Exact(String),
    /// Any strict subdomain of this domain.
    Subdomains(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortPattern {
    Exact(u16),
    Any,
}

/// One allowed origin (scheme + host + port), possibly with a port or subdomain wildcard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginGrant {
    scheme: String,
    host: HostPattern,
    port: PortPattern,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid origin grant `{grant}`: {reason}")]
pub struct GrantError {
    pub grant: String,
    pub reason: String,
}

impl OriginGrant {
    pub fn parse(text: &str) -> Result<Self, GrantError> {
        let fail = |reason: &str| GrantError {
            grant: text.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = text.trim();
        let (scheme, rest) = trimmed.split_once("://").ok_or_else(|| {
            fail("expected `scheme://host[:port]`, e.g. `https://api.github.com`")
        })?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(fail("only http and https origins can be granted"));
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#', '@']) {
            return Err(fail(
                "a grant is an origin only: no path, query, fragment or user info",
            ));
        }
        let (authority, port_any) = match rest.strip_suffix(":*") {
            Some(authority) => (authority, true),
            None => (rest, false),
        };
        let (authority, subdomains) = match authority.strip_prefix("*.") {
            Some(domain) => (domain, true),
            None => (authority, false),
        };
        if authority.contains('*') {
            return Err(fail(
                "`*` is allowed only as the whole port (`:*`) or as a leading `*.` label",
            ));
        }
        let url = Url::parse(&format!("{scheme}://{authority}"))
            .map_err(|e| fail(&format!("not a valid origin ({e})")))?;
        let host = url
            .host_str()
            .ok_or_else(|| fail("the origin has no host"))?
            .to_string();
        let host = if subdomains {
            if url.domain().is_none() {
                return Err(fail(
                    "a `*.` wildcard needs a domain name, not an IP address",
                ));
            }
            HostPattern::Subdomains(host)
        } else {
            HostPattern::Exact(host)
        };
        let port = if port_any {
            if url.port().is_some() {
                return Err(fail("give either a port or `:*`, not both"));
            }
            PortPattern::Any
        } else {
            PortPattern::Exact(
                url.port_or_known_default()
                    .ok_or_else(|| fail("the origin has no port and its scheme has no default"))?,
            )
        };
        Ok(OriginGrant { scheme, host, port })
    }

    /// Whether this grant covers the origin of `url`.
    pub fn allows(&self, url: &Url) -> bool {
        if url.scheme() != self.scheme {
            return false;
        }
        let Some(host) = url.host_str() else {
            return false;
        };
        let host_ok = match &self.host {
            HostPattern::Exact(expected) => host == expected,
            HostPattern::Subdomains(domain) => host
                .strip_suffix(domain.as_str())
                .is_some_and(|prefix| prefix.len() > 1 && prefix.ends_with('.')),
        };
        let port_ok = match self.port {
            PortPattern::Any => true,
            PortPattern::Exact(expected) => url.port_or_known_default() == Some(expected),
        };
        host_ok && port_ok
    }
}

impl FromStr for OriginGrant {
    type Err = GrantError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OriginGrant::parse(s)
    }
}

impl fmt::Display for OriginGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        match &self.host {
            HostPattern::Exact(host) => write!(f, "{host}")?,
            HostPattern::Subdomains(domain) => write!(f, "*.{domain}")?,
        }
        match self.port {
            PortPattern::Any => write!(f, ":*"),
            PortPattern::Exact(port) => write!(f, ":{port}"),
        }
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
    fn default_port_grant_matches_urls_with_and_without_the_explicit_default_port() {
        let grant = OriginGrant::parse("https://api.github.com").unwrap();
        assert!(grant.allows(&url("https://api.github.com/repos/o/r/issues")));
        assert!(grant.allows(&url("https://API.GitHub.com:443/graphql")));
        assert!(!grant.allows(&url("https://api.github.com:8443/")));
        assert!(!grant.allows(&url("http://api.github.com/")));
        assert!(!grant.allows(&url("https://api.github.com.evil.example/")));
        assert_eq!(grant.to_string(), "https://api.github.com:443");
    }

    #[test]
    fn explicit_port_grant_matches_only_that_port() {
        let grant = OriginGrant::parse("http://127.0.0.1:8080").unwrap();
        assert!(grant.allows(&url("http://127.0.0.1:8080/x")));
        assert!(!grant.allows(&url("http://127.0.0.1:8081/x")));
        assert!(!grant.allows(&url("http://127.0.0.1/x")));
    }

    #[test]
    fn any_port_grant_matches_every_port_of_that_host_only() {
        let grant = OriginGrant::parse("http://127.0.0.1:*").unwrap();
        assert!(grant.allows(&url("http://127.0.0.1:1/x")));
        assert!(grant.allows(&url("http://127.0.0.1:65000/x")));
        assert!(grant.allows(&url("http://127.0.0.1/x")));
        assert!(!grant.allows(&url("http://127.0.0.2:80/x")));
        assert!(!grant.allows(&url("https://127.0.0.1:443/x")));
        assert_eq!(grant.to_string(), "http://127.0.0.1:*");
    }

    #[test]
    fn subdomain_grant_matches_subdomains_but_not_the_apex_or_lookalikes() {
        let grant = OriginGrant::parse("https://*.atlassian.net").unwrap();
        assert!(grant.allows(&url("https://acme.atlassian.net/rest/api/3/myself")));
        assert!(!grant.allows(&url("https://atlassian.net/")));
        assert!(!grant.allows(&url("https://evilatlassian.net/")));
        assert!(!grant.allows(&url("https://acme.atlassian.net.evil.example/")));
    }

    #[test]
    fn malformed_grants_are_rejected_with_the_reason() {
        for bad in [
            "api.github.com",
            "ftp://example.com",
            "https://example.com/path",
            "https://user@example.com",
            "https://ex*ample.com",
            "https://*.127.0.0.1",
            "https://example.com:80:*",
        ] {
            let error = OriginGrant::parse(bad).expect_err(bad);
            assert!(error.to_string().contains(bad), "{error}");
        }
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
