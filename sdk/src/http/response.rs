//! The response, with body decoding and status-to-error mapping.

use serde::de::DeserializeOwned;

use super::status;
use crate::PluginError;

/// What the platform answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// `GET https://host/path` of the request, for messages.
    request: String,
}

impl Response {
    pub(super) fn new(
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        request: String,
    ) -> Response {
        Response {
            status,
            headers,
            body,
            request,
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The first value of the header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// All headers, as received.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The raw body, by value.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The body as UTF-8 text; other bytes are an `invalid-input` error naming the request.
    pub fn text(&self) -> Result<&str, PluginError> {
        std::str::from_utf8(&self.body).map_err(|error| {
            PluginError::invalid_input(format!(
                "{} answered a body that is not UTF-8 text: {error}",
                self.request
            ))
        })
    }

    /// The body decoded as JSON into `T`. A body that is not JSON, or does not fit `T`, is
    /// an `invalid-input` error naming the request and where decoding failed.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, PluginError> {
        serde_json::from_slice(&self.body).map_err(|error| {
            PluginError::invalid_input(format!(
                "{} answered {} with a body that is not the expected JSON: {error}",
                self.request, self.status
            ))
        })
    }

    /// The [`PluginError`] this response's status stands for, or `None` for 1xx, 2xx and
    /// 3xx. See the [module docs](super) for the mapping.
    pub fn error(&self) -> Option<PluginError> {
        status::error_for(self.status, &self.headers, &self.body, &self.request)
    }

    /// `Ok(self)` unless the status is an error, then the matching [`PluginError`].
    pub fn error_for_status(self) -> Result<Response, PluginError> {
        match self.error() {
            Some(error) => Err(error),
            None => Ok(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Response {
        Response::new(
            status,
            vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body.as_bytes().to_vec(),
            "GET https://api.example/issues".to_owned(),
        )
    }

    #[test]
    fn json_body_decodes_into_the_callers_type() {
        #[derive(serde::Deserialize)]
        struct Issue {
            number: u64,
        }
        let issue: Issue = response(200, r#"{"number": 42}"#).json().expect("decodes");
        assert_eq!(issue.number, 42);
    }

    #[test]
    fn a_body_that_is_not_json_names_the_request_and_status() {
        let error = response(200, "<html>")
            .json::<serde_json::Value>()
            .unwrap_err();
        assert!(matches!(error, PluginError::InvalidInput(_)));
        assert!(
            error
                .message()
                .starts_with("GET https://api.example/issues answered 200"),
            "{error:?}"
        );
    }

    #[test]
    fn headers_are_found_whatever_their_case() {
        assert_eq!(
            response(200, "").header("content-type"),
            Some("application/json")
        );
    }

    #[test]
    fn success_passes_error_for_status_unchanged() {
        let ok = response(201, "{}");
        assert_eq!(ok.clone().error_for_status(), Ok(ok));
    }
}
