//! The request builder.

use serde::Serialize;

use super::{Response, transport};
use crate::PluginError;

/// An outbound request, built step by step and sent with [`Request::send`].
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    credential: Option<String>,
}

impl Request {
    /// A request with any method (`GET`, `POST`, ...).
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Request {
        Request {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
            credential: None,
        }
    }

    /// A `GET` request.
    pub fn get(url: impl Into<String>) -> Request {
        Request::new("GET", url)
    }

    /// A `POST` request.
    pub fn post(url: impl Into<String>) -> Request {
        Request::new("POST", url)
    }

    /// A `PUT` request.
    pub fn put(url: impl Into<String>) -> Request {
        Request::new("PUT", url)
    }

    /// A `PATCH` request.
    pub fn patch(url: impl Into<String>) -> Request {
        Request::new("PATCH", url)
    }

    /// A `DELETE` request.
    pub fn delete(url: impl Into<String>) -> Request {
        Request::new("DELETE", url)
    }

    /// Adds a header (headers may repeat).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Appends `name=value` to the URL's query, percent-encoding both.
    pub fn query(mut self, name: &str, value: &str) -> Request {
        let (base, fragment) = match self.url.find('#') {
            Some(at) => (self.url[..at].to_owned(), self.url[at..].to_owned()),
            None => (self.url.clone(), String::new()),
        };
        let separator = if !base.contains('?') {
            "?"
        } else if base.ends_with('?') || base.ends_with('&') {
            ""
        } else {
            "&"
        };
        self.url = format!(
            "{base}{separator}{}={}{fragment}",
            percent_encode(name),
            percent_encode(value)
        );
        self
    }

    /// Asks the host to inject the credential the operator stored under `name` (for
    /// example `token`). The plugin never sees the secret itself.
    pub fn credential(mut self, name: impl Into<String>) -> Request {
        self.credential = Some(name.into());
        self
    }

    /// Sets the raw body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = Some(body.into());
        self
    }

    /// Sets the body to `body` as JSON, and `content-type: application/json` unless a
    /// content type was set already.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Request, PluginError> {
        let encoded = serde_json::to_vec(body).map_err(|error| {
            PluginError::invalid_input(format!(
                "cannot encode the body of {} as JSON: {error}",
                self.describe()
            ))
        })?;
        if self.header_value("content-type").is_none() {
            self.headers
                .push(("content-type".to_owned(), "application/json".to_owned()));
        }
        self.body = Some(encoded);
        Ok(self)
    }

    /// Sends the request through the host. Every status comes back as a [`Response`]; use
    /// [`Response::error_for_status`] to turn failures into a [`PluginError`]. Failures to
    /// get any response are mapped: not granted → `unauthorized`, timeout and connection
    /// failures → `transient`, malformed request → `invalid-input`.
    pub fn send(self) -> Result<Response, PluginError> {
        let described = self.describe();
        transport::send(self)
            .map(|raw| Response::new(raw.status, raw.headers, raw.body, described.clone()))
            .map_err(|error| transport::to_plugin_error(error, &described))
    }

    /// The method.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The URL, with any query added by [`Request::query`].
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The headers, in the order they were added.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first value of the header called `name` (case-insensitive).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body, if one was set.
    pub fn body_bytes(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// The name of the credential the host is asked to inject.
    pub fn credential_name(&self) -> Option<&str> {
        self.credential.as_deref()
    }

    /// `GET https://host/path`: method and URL without query or user info, for messages.
    pub(super) fn describe(&self) -> String {
        format!("{} {}", self.method, redact_url(&self.url))
    }

    pub(super) fn into_parts(
        self,
    ) -> (
        String,
        String,
        Vec<(String, String)>,
        Option<Vec<u8>>,
        Option<String>,
    ) {
        (
            self.method,
            self.url,
            self.headers,
            self.body,
            self.credential,
        )
    }
}

/// The URL without query, fragment or user info: what is safe to put in a message.
fn redact_url(url: &str) -> String {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let url = &url[..end];
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let authority_start = scheme_end + 3;
    let authority_end = url[authority_start..]
        .find('/')
        .map_or(url.len(), |at| authority_start + at);
    match url[authority_start..authority_end].rfind('@') {
        Some(at) => format!(
            "{}{}",
            &url[..authority_start],
            &url[authority_start + at + 1..]
        ),
        None => url.to_owned(),
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_percent_encoded_and_joined() {
        let request = Request::get("https://jira.example/rest/api/3/search/jql")
            .query("jql", "project = PROJ AND updated >= \"2024-05-01 12:00\"")
            .query("fields", "summary,status");
        assert_eq!(
            request.url(),
            "https://jira.example/rest/api/3/search/jql?jql=project%20%3D%20PROJ%20AND%20updated%20%3E%3D%20%222024-05-01%2012%3A00%22&fields=summary%2Cstatus"
        );
    }

    #[test]
    fn query_goes_before_a_fragment_and_after_an_existing_query() {
        let request = Request::get("https://x/a?b=1#top").query("c", "2");
        assert_eq!(request.url(), "https://x/a?b=1&c=2#top");
    }

    #[test]
    fn json_body_sets_content_type_unless_already_set() {
        let request = Request::post("https://x/issues")
            .json(&serde_json::json!({"title": "Bug"}))
            .expect("encodes");
        assert_eq!(
            request.header_value("Content-Type"),
            Some("application/json")
        );
        assert_eq!(request.body_bytes(), Some(&br#"{"title":"Bug"}"#[..]));

        let request = Request::post("https://x/graphql")
            .header("content-type", "application/json; charset=utf-8")
            .json(&1)
            .expect("encodes");
        assert_eq!(
            request
                .headers()
                .iter()
                .filter(|(name, _)| name == "content-type")
                .count(),
            1
        );
    }

    #[test]
    fn described_url_drops_query_and_user_info() {
        let request = Request::get("https://user:pw@api.example/a/b?token=secret");
        assert_eq!(request.describe(), "GET https://api.example/a/b");
        let request = Request::get("https://api.example/a?q=1");
        assert_eq!(request.describe(), "GET https://api.example/a");
    }

    #[test]
    fn credential_is_only_a_name() {
        let request = Request::get("https://x").credential("token");
        assert_eq!(request.credential_name(), Some("token"));
    }
}
