//! Turns a Linear GraphQL answer into its `data` or the typed error the host acts on.
//!
//! Linear answers most failures with a GraphQL `errors` list whose `extensions.code` says
//! what happened, and uses HTTP statuses loosely: rate limiting is HTTP **400** with
//! `extensions.code = "RATELIMITED"` (not 429), validation failures are 400 or 200 with
//! `INVALID_INPUT` / `GRAPHQL_VALIDATION_FAILED`, an unknown id is `Entity not found`.

use serde_json::Value;

use pmsync_sdk::PluginError;
use pmsync_sdk::http::DEFAULT_RETRY_AFTER_MS;

use crate::rate_limit;

/// How much of an unexpected body is quoted in a message.
const EXCERPT_CHARS: usize = 300;

/// One GraphQL error, as Linear reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GraphqlError {
    message: String,
    code: Option<String>,
    user_message: Option<String>,
}

impl GraphqlError {
    fn from_json(error: &Value) -> GraphqlError {
        let extensions = &error["extensions"];
        GraphqlError {
            message: error["message"]
                .as_str()
                .unwrap_or("(no message)")
                .to_owned(),
            code: extensions["code"].as_str().map(str::to_owned),
            user_message: extensions["userPresentableMessage"]
                .as_str()
                .map(str::to_owned),
        }
    }

    fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// `Argument Validation Error: title must be a non-empty string`.
    fn describe(&self) -> String {
        match &self.user_message {
            Some(user) if user != &self.message => format!("{}: {user}", self.message),
            _ => self.message.clone(),
        }
    }
}

/// The `data` of a successful answer to `operation`, or the error it stands for.
/// `request` (`POST https://api.linear.app/graphql`) names the endpoint in messages.
pub fn interpret(
    operation: &str,
    request: &str,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Value, PluginError> {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let errors: Vec<GraphqlError> = parsed
        .as_ref()
        .and_then(|json| json["errors"].as_array())
        .map(|list| list.iter().map(GraphqlError::from_json).collect())
        .unwrap_or_default();
    let context = format!("Linear {operation} ({request}) answered {status}");
    let described = || {
        if errors.is_empty() {
            excerpt_of(&context, body)
        } else {
            let joined: Vec<String> = errors.iter().map(GraphqlError::describe).collect();
            format!("{context}: {}", joined.join("; "))
        }
    };

    if status == 429 || errors.iter().any(|error| error.has_code("RATELIMITED")) {
        let delay = rate_limit::retry_after_ms(headers).unwrap_or(DEFAULT_RETRY_AFTER_MS);
        return Err(PluginError::rate_limited(delay, described()));
    }
    if status == 401
        || status == 403
        || errors
            .iter()
            .any(|error| error.has_code("AUTHENTICATION_ERROR") || error.has_code("FORBIDDEN"))
    {
        return Err(PluginError::unauthorized(described()));
    }
    if status >= 500
        || errors
            .iter()
            .any(|error| error.has_code("INTERNAL_SERVER_ERROR"))
    {
        return Err(PluginError::transient(described()));
    }
    if errors
        .iter()
        .any(|error| error.message.starts_with("Entity not found"))
    {
        return Err(PluginError::not_found(described()));
    }
    if !errors.is_empty() || !(200..300).contains(&status) {
        // A 404 here means there is no GraphQL endpoint at the base URL: a setting to fix,
        // not a missing item.
        return Err(PluginError::invalid_input(described()));
    }
    let Some(mut parsed) = parsed else {
        return Err(PluginError::transient(format!(
            "{}, but the body is not JSON",
            excerpt_of(&context, body)
        )));
    };
    match parsed.get_mut("data").map(Value::take) {
        Some(data @ Value::Object(_)) => Ok(data),
        _ => Err(PluginError::transient(format!(
            "{context} without `data`: {}",
            excerpt(body)
        ))),
    }
}

fn excerpt_of(context: &str, body: &[u8]) -> String {
    let text = excerpt(body);
    if text.is_empty() {
        context.to_owned()
    } else {
        format!("{context}: {text}")
    }
}

fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(EXCERPT_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const REQUEST: &str = "POST https://api.linear.app/graphql";

    fn answer(status: u16, headers: &[(&str, &str)], body: Value) -> Result<Value, PluginError> {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        interpret(
            "issues",
            REQUEST,
            status,
            &headers,
            body.to_string().as_bytes(),
        )
    }

    /// Linear's documented rate-limit answer: HTTP 400, code RATELIMITED.
    fn ratelimited_body() -> Value {
        json!({"errors": [{
            "message": "Rate limit exceeded",
            "extensions": {"code": "RATELIMITED", "type": "ratelimited", "statusCode": 429,
                "userPresentableMessage": "You have exceeded the rate limit. Please try again later."}
        }]})
    }

    #[test]
    fn ratelimited_with_http_400_waits_until_the_requests_reset() {
        let error = answer(
            400,
            &[
                ("Date", "Tue, 01 Jul 2025 12:00:00 GMT"),
                ("X-RateLimit-Requests-Remaining", "0"),
                // 12:00:30.000 UTC
                ("X-RateLimit-Requests-Reset", "1751371230000"),
            ],
            ratelimited_body(),
        )
        .unwrap_err();
        let PluginError::RateLimited(limit) = error else {
            panic!("RATELIMITED must be rate-limited, got {error:?}");
        };
        assert_eq!(limit.retry_after_ms, 30_000);
        assert!(limit.message.contains("Rate limit exceeded"), "{limit:?}");
    }

    #[test]
    fn ratelimited_without_any_timing_header_waits_the_default() {
        let error = answer(400, &[], ratelimited_body()).unwrap_err();
        assert_eq!(
            error,
            PluginError::rate_limited(
                DEFAULT_RETRY_AFTER_MS,
                "Linear issues (POST https://api.linear.app/graphql) answered 400: Rate limit \
                 exceeded: You have exceeded the rate limit. Please try again later."
            )
        );
    }

    #[test]
    fn authentication_errors_are_unauthorized_whatever_the_status() {
        let body = json!({"errors": [{"message": "Authentication required, not authenticated",
            "extensions": {"code": "AUTHENTICATION_ERROR", "type": "authentication error"}}]});
        assert!(matches!(
            answer(400, &[], body.clone()),
            Err(PluginError::Unauthorized(_))
        ));
        assert!(matches!(
            answer(200, &[], body),
            Err(PluginError::Unauthorized(_))
        ));
        assert!(matches!(
            answer(401, &[], json!({})),
            Err(PluginError::Unauthorized(_))
        ));
    }

    #[test]
    fn invalid_input_carries_linears_own_message() {
        let body = json!({"data": null, "errors": [{"message": "Argument Validation Error",
            "path": ["issueCreate"],
            "extensions": {"code": "INVALID_INPUT", "type": "invalid input",
                "userPresentableMessage": "title must be a non-empty string"}}]});
        let error = answer(200, &[], body).unwrap_err();
        assert_eq!(
            error,
            PluginError::invalid_input(
                "Linear issues (POST https://api.linear.app/graphql) answered 200: Argument \
                 Validation Error: title must be a non-empty string"
            )
        );
    }

    #[test]
    fn entity_not_found_is_not_found() {
        let body = json!({"data": null, "errors": [{"message": "Entity not found: Issue",
            "extensions": {"code": "INVALID_INPUT", "userPresentableMessage": "Could not find referenced Issue."}}]});
        assert!(matches!(
            answer(200, &[], body),
            Err(PluginError::NotFound(_))
        ));
    }

    #[test]
    fn server_errors_are_transient_and_quote_the_body() {
        let error =
            interpret("issues", REQUEST, 502, &[], b"<html>Bad Gateway</html>").unwrap_err();
        assert_eq!(
            error,
            PluginError::transient(
                "Linear issues (POST https://api.linear.app/graphql) answered 502: <html>Bad Gateway</html>"
            )
        );
    }

    #[test]
    fn a_success_status_with_a_body_that_is_not_json_is_transient() {
        let error = interpret("issues", REQUEST, 200, &[], b"upstream reset").unwrap_err();
        assert!(matches!(error, PluginError::Transient(_)), "{error:?}");
        assert!(error.message().contains("not JSON"), "{error:?}");
    }

    #[test]
    fn a_missing_endpoint_is_a_setting_to_fix_not_a_missing_item() {
        let error = interpret("issues", REQUEST, 404, &[], b"Not Found").unwrap_err();
        assert!(matches!(error, PluginError::InvalidInput(_)), "{error:?}");
    }

    #[test]
    fn data_is_returned_when_there_are_no_errors() {
        let data = answer(200, &[], json!({"data": {"issue": {"id": "a"}}})).expect("data");
        assert_eq!(data["issue"]["id"], "a");
    }
}
