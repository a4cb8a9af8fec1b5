//! Turning a plugin's request into one the host is willing to send: method and URL
//! parsed, destination checked against the grants, headers filtered, credential injected.
//!
//! Header rules (a plugin cannot choose where a request goes or what it is authenticated
//! with):
//! - `Host` set by the plugin: the request is **denied**. The destination comes from the
//!   URL only; a plugin that tries to override it is misbehaving.
//! - `Authorization`, `Proxy-Authorization`, `Cookie` (and the header of the credential
//!   being injected) set by the plugin: **stripped** with a warning that names the header,
//!   never its value. Only the host injects credentials; stripping (rather than denying)
//!   keeps a sloppy plugin working with the operator's credential.
//! - Framing and hop-by-hop headers (`Content-Length`, `Transfer-Encoding`, `Connection`,
//!   `Keep-Alive`, `Upgrade`, `TE`, `Proxy-Connection`): stripped; the HTTP stack sets them.
//! - URLs with user info (`https://user:pass@host`) are invalid: credentials come from the
//!   operator, never from the URL.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use super::allowed_host::{HostPattern, origin_of};
use super::credential::Credential;
use super::types::{HttpFailure, OutboundRequest};

const CREDENTIAL_HEADERS: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];
const FRAMING_HEADERS: [&str; 7] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "proxy-connection",
];

/// What a gateway checks a request against.
pub(crate) struct Permissions<'a> {
    pub plugin: &'a str,
    pub grants: &'a [HostPattern],
    pub declared_credentials: &'a BTreeSet<String>,
    pub credentials: &'a BTreeMap<String, Credential>,
}

/// A request that passed every check, ready to send (and to resend on retry).
#[derive(Debug)]
pub(crate) struct PreparedRequest {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Option<Vec<u8>>,
    /// `METHOD scheme://host:port/path` (no query), for messages and logs.
    pub label: String,
}

pub(crate) fn prepare(
    request: OutboundRequest,
    permissions: &Permissions<'_>,
) -> Result<PreparedRequest, HttpFailure> {
    let plugin = permissions.plugin;
    let method = parse_method(&request.method)?;
    let url = Url::parse(request.url.trim()).map_err(|e| {
        HttpFailure::InvalidRequest(format!("`{}` is not a valid URL: {e}", request.url))
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(HttpFailure::InvalidRequest(format!(
            "`{}`: only http and https URLs can be requested",
            request.url
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(HttpFailure::InvalidRequest(format!(
            "`{}` has no host",
            request.url
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(HttpFailure::InvalidRequest(
            "the URL carries user info (`user:password@`); credentials are injected by the host, \
             name one in `credential` instead"
                .into(),
        ));
    }
    let origin = origin_of(&url);
    if !permissions
        .grants
        .iter()
        .any(|grant| grant.allows_url(&url))
    {
        return Err(HttpFailure::Denied(format!(
            "plugin {plugin} is not granted {origin}"
        )));
    }
    let label = format!("{method} {origin}{}", url.path());

    let credential_header = match &request.credential {
        None => None,
        Some(name) => Some(resolve_credential(name, permissions)?),
    };

    let mut headers = HeaderMap::new();
    for (name, value) in &request.headers {
        let lower = name.trim().to_ascii_lowercase();
        if lower == "host" {
            return Err(HttpFailure::Denied(format!(
                "plugin {plugin} may not set the Host header ({label}); the destination is taken \
                 from the URL only"
            )));
        }
        let is_credential_header = CREDENTIAL_HEADERS.contains(&lower.as_str())
            || credential_header
                .as_ref()
                .is_some_and(|(injected, _)| injected.as_str() == lower);
        if is_credential_header {
            tracing::warn!(
                plugin,
                header = %lower,
                request = %label,
                "dropped a credential header set by the plugin; credentials are injected by the host"
            );
            continue;
        }
        if FRAMING_HEADERS.contains(&lower.as_str()) {
            continue;
        }
        let header_name = HeaderName::from_bytes(lower.as_bytes()).map_err(|_| {
            HttpFailure::InvalidRequest(format!("`{name}` is not a valid HTTP header name"))
        })?;
        let header_value = HeaderValue::from_str(value).map_err(|_| {
            HttpFailure::InvalidRequest(format!(
                "the value of header `{name}` contains characters not allowed in HTTP headers"
            ))
        })?;
        headers.append(header_name, header_value);
    }
    if let Some((name, value)) = credential_header {
        headers.insert(name, value);
    }

    Ok(PreparedRequest {
        method,
        url,
        headers,
        body: request.body,
        label,
    })
}

fn parse_method(method: &str) -> Result<Method, HttpFailure> {
    let upper = method.trim().to_ascii_uppercase();
    match upper.as_str() {
        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => {
            Method::from_bytes(upper.as_bytes()).map_err(|_| unsupported_method(method))
        }
        _ => Err(unsupported_method(method)),
    }
}

fn unsupported_method(method: &str) -> HttpFailure {
    HttpFailure::InvalidRequest(format!(
        "unsupported HTTP method `{method}` (expected GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS)"
    ))
}

fn resolve_credential(
    name: &str,
    permissions: &Permissions<'_>,
) -> Result<(HeaderName, HeaderValue), HttpFailure> {
    let plugin = permissions.plugin;
    if !permissions.declared_credentials.contains(name) {
        return Err(HttpFailure::Denied(format!(
            "plugin {plugin} asked for credential `{name}`, which it does not declare"
        )));
    }
    let credential = permissions.credentials.get(name).ok_or_else(|| {
        HttpFailure::Denied(format!(
            "credential `{name}` of plugin {plugin} is not configured by the operator"
        ))
    })?;
    credential.header().map_err(|e| {
        HttpFailure::Denied(format!(
            "credential `{name}` of plugin {plugin} cannot be used: {e}"
        ))
    })
}
