//! Requests to Jira, with Jira's error bodies turned into readable messages.

use pmsync_sdk::PluginError;
use pmsync_sdk::http::{Request, Response};
use serde_json::Value as Json;

/// Sends `request` with the `token` credential; a failure status becomes the matching
/// [`PluginError`], its message naming `what` and Jira's own error text.
pub fn send(request: Request, what: &str) -> Result<Response, PluginError> {
    let response = request
        .credential("token")
        .header("accept", "application/json")
        .send()?;
    match response.error() {
        None => Ok(response),
        Some(error) => Err(describe(error, &response, what)),
    }
}

/// The JSON body of a successful response; anything else is `transient` naming `what`.
pub fn json(response: &Response, what: &str) -> Result<Json, PluginError> {
    serde_json::from_slice(response.body()).map_err(|error| {
        PluginError::transient(format!(
            "{what}: Jira answered {} with a body that is not JSON: {error}",
            response.status()
        ))
    })
}

/// Jira's `{"errorMessages": [...], "errors": {"field": "message"}}` as one line.
pub fn jira_messages(body: &[u8]) -> Option<String> {
    let body: Json = serde_json::from_slice(body).ok()?;
    let mut parts: Vec<String> = body["errorMessages"]
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .filter_map(|m| m.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(errors) = body["errors"].as_object() {
        parts.extend(
            errors
                .iter()
                .map(|(field, message)| format!("{field}: {}", message.as_str().unwrap_or(""))),
        );
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn describe(error: PluginError, response: &Response, what: &str) -> PluginError {
    let Some(messages) = jira_messages(response.body()) else {
        return error;
    };
    let message = format!("{what}: Jira answered {}: {messages}", response.status());
    error.with_message(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{example, serve};

    fn status_error(status: u16, body: &'static str) -> PluginError {
        let _log = serve(move |_, _, _| (status, body.to_owned()));
        send(
            Request::get("https://acme.atlassian.net/rest/api/3/issue/1"),
            "GET PROJ-1",
        )
        .unwrap_err()
    }

    #[test]
    fn statuses_map_to_the_errors_the_host_acts_on() {
        assert!(matches!(
            status_error(400, "{}"),
            PluginError::InvalidInput(_)
        ));
        assert!(matches!(
            status_error(401, ""),
            PluginError::Unauthorized(_)
        ));
        assert!(matches!(status_error(404, ""), PluginError::NotFound(_)));
        assert!(matches!(status_error(429, ""), PluginError::RateLimited(_)));
        assert!(matches!(status_error(503, ""), PluginError::Transient(_)));
    }

    #[test]
    fn jira_error_bodies_become_the_message() {
        let error = status_error(
            400,
            r#"{"errorMessages":[],"errors":{"summary":"Summary must be less than 255 characters."}}"#,
        );
        assert_eq!(
            error,
            PluginError::invalid_input(
                "GET PROJ-1: Jira answered 400: summary: Summary must be less than 255 characters."
            )
        );
    }

    #[test]
    fn the_recorded_create_error_example_is_readable() {
        let Some(body) = example("createIssue.response.400.json") else {
            return;
        };
        assert_eq!(
            jira_messages(body.as_bytes()).as_deref(),
            Some("Field 'priority' is required")
        );
    }

    #[test]
    fn requests_carry_the_token_credential_name_only() {
        let log = serve(|_, _, _| (200, "{}".to_owned()));
        send(
            Request::get("https://acme.atlassian.net/rest/api/3/myself"),
            "me",
        )
        .unwrap();
        assert_eq!(log.borrow()[0].credential.as_deref(), Some("token"));
    }
}
