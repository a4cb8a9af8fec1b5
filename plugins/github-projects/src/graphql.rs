//! GraphQL calls: `POST {base_url}/graphql` with `{"query", "variables"}` — every argument
//! travels as a variable, never spliced into the query text. HTTP-level failures map like
//! REST ones; GraphQL `errors` map by their `type`: `NOT_FOUND` → not-found, `FORBIDDEN` and
//! `INSUFFICIENT_SCOPES` → unauthorized, `RATE_LIMITED` → rate-limited (until the
//! `x-ratelimit-reset` the response carries, else a minute), `INTERNAL`/`SERVICE_UNAVAILABLE`/
//! `TIMEOUT` → transient, anything else (bad arguments, validation) → invalid-input.

use pmsync_github_common::api;
use pmsync_sdk::PluginError;
use pmsync_sdk::http::{DEFAULT_RETRY_AFTER_MS, Request, Response};
use serde::Deserialize;
use serde_json::Value as Json;

use crate::settings::Settings;

#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<Json>,
    #[serde(default)]
    errors: Option<Vec<GraphqlError>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GraphqlError {
    #[serde(default)]
    pub message: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// The request for `query` with `variables`.
pub fn request(settings: &Settings, query: &str, variables: Json) -> Result<Request, PluginError> {
    Request::post(settings.graphql_url())
        .header("accept", "application/json")
        .credential("token")
        .json(&serde_json::json!({ "query": query, "variables": variables }))
}

/// Runs `query` and returns its `data`; `what` names the operation in errors.
pub fn execute(
    settings: &Settings,
    what: &str,
    query: &str,
    variables: Json,
) -> Result<Json, PluginError> {
    let response = api::send(request(settings, query, variables)?)?;
    read(&response, what)
}

/// The `data` of a GraphQL response, or the error its `errors` stand for.
pub fn read(response: &Response, what: &str) -> Result<Json, PluginError> {
    let envelope: Envelope = api::json(response, what)?;
    if let Some(errors) = envelope.errors.filter(|errors| !errors.is_empty()) {
        return Err(to_plugin_error(&errors, response, what));
    }
    envelope.data.filter(|data| !data.is_null()).ok_or_else(|| {
        PluginError::transient(format!(
            "GitHub GraphQL answered {what} with neither data nor errors"
        ))
    })
}

fn to_plugin_error(errors: &[GraphqlError], response: &Response, what: &str) -> PluginError {
    let messages: Vec<&str> = errors.iter().map(|error| error.message.as_str()).collect();
    let text = format!("GitHub GraphQL {what} failed: {}", messages.join("; "));
    let kind = errors
        .iter()
        .find_map(|error| error.kind.as_deref())
        .unwrap_or("");
    match kind {
        "NOT_FOUND" => PluginError::not_found(text),
        "FORBIDDEN" | "INSUFFICIENT_SCOPES" => PluginError::unauthorized(text),
        "RATE_LIMITED" => {
            let delay = api::rate_limit_delay_ms(response, pmsync_github_common::time::now_ms());
            PluginError::rate_limited(delay.unwrap_or(DEFAULT_RETRY_AFTER_MS), text)
        }
        "INTERNAL" | "SERVICE_UNAVAILABLE" | "TIMEOUT" => PluginError::transient(text),
        _ => PluginError::invalid_input(text),
    }
}

/// The value at `path` in `data`, or a transient error naming what was missing.
pub fn at<'a>(data: &'a Json, path: &[&str], what: &str) -> Result<&'a Json, PluginError> {
    let mut current = data;
    for key in path {
        current = current
            .get(key)
            .filter(|value| !value.is_null())
            .ok_or_else(|| {
                PluginError::not_found(format!(
                    "GitHub GraphQL answered {what} without `{}`",
                    path.join(".")
                ))
            })?;
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmsync_github_common::testing::reply_with;
    use pmsync_sdk::config;
    use pmsync_sdk::http::testing;

    fn settings() -> Settings {
        config::testing::clear();
        config::testing::set("org", "octo-org");
        config::testing::set("project_number", "1");
        Settings::load().expect("valid")
    }

    fn run(status: u16, headers: &[(&str, &str)], body: &str) -> Result<Json, PluginError> {
        let settings = settings();
        testing::set_handler(reply_with(status, headers, body));
        execute(
            &settings,
            "the project query",
            "query($id: ID!) { node(id: $id) { id } }",
            serde_json::json!({"id": "PVT_1"}),
        )
    }

    #[test]
    fn the_query_and_its_variables_travel_separately() {
        let request = request(
            &settings(),
            "query($id: ID!) { node(id: $id) { id } }",
            serde_json::json!({"id": "PVT_1"}),
        )
        .expect("builds");
        let body: Json = serde_json::from_slice(request.body_bytes().expect("body")).expect("json");
        assert_eq!(body["variables"], serde_json::json!({"id": "PVT_1"}));
        assert!(!body["query"].as_str().expect("query").contains("PVT_1"));
        assert_eq!(request.credential_name(), Some("token"));
    }

    #[test]
    fn graphql_error_types_become_typed_errors() {
        let error = |kind: &str| {
            run(
                200,
                &[],
                &format!(r#"{{"data":null,"errors":[{{"type":"{kind}","message":"nope"}}]}}"#),
            )
            .unwrap_err()
        };
        assert!(matches!(error("NOT_FOUND"), PluginError::NotFound(_)));
        assert!(matches!(error("FORBIDDEN"), PluginError::Unauthorized(_)));
        assert!(matches!(error("INTERNAL"), PluginError::Transient(_)));
        assert!(
            matches!(error("RATE_LIMITED"), PluginError::RateLimited(ref limit) if limit.retry_after_ms == DEFAULT_RETRY_AFTER_MS)
        );
        let bad = run(
            200,
            &[],
            r#"{"errors":[{"message":"Variable $id of type ID! was provided invalid value"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            bad,
            PluginError::invalid_input(
                "GitHub GraphQL the project query failed: Variable $id of type ID! was provided invalid value"
            )
        );
    }

    #[test]
    fn graphql_rate_limits_wait_until_the_reset() {
        let error = run(
            200,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1507651230"),
                ("date", "Tue, 10 Oct 2017 16:00:00 GMT"),
            ],
            r#"{"errors":[{"type":"RATE_LIMITED","message":"API rate limit exceeded"}]}"#,
        )
        .unwrap_err();
        assert!(
            matches!(error, PluginError::RateLimited(ref limit) if limit.retry_after_ms == 30_000),
            "{error:?}"
        );
    }

    #[test]
    fn http_failures_map_before_the_body_is_read() {
        assert!(matches!(
            run(401, &[], r#"{"message":"Bad credentials"}"#),
            Err(PluginError::Unauthorized(_))
        ));
        assert!(matches!(
            run(502, &[], "bad gateway"),
            Err(PluginError::Transient(_))
        ));
        assert!(matches!(
            run(200, &[], "<html>"),
            Err(PluginError::Transient(_))
        ));
        assert_eq!(
            run(200, &[], r#"{"data":{"node":{"id":"x"}}}"#).expect("data")["node"]["id"],
            "x"
        );
    }
}
