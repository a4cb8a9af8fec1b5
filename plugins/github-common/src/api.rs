//! Sending a request to GitHub and turning its error answers into typed errors.
//!
//! On top of the SDK's status mapping this knows GitHub's specifics:
//! - rate limits come as 403 or 429 with `Retry-After` (secondary limits) or with
//!   `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch seconds; the primary limit):
//!   the delay is the time until the reset, measured against the response's `Date` header
//!   (the server's clock) when it has one;
//! - 422 (and 400) validation errors carry `message` and `errors[]` whose entries have a
//!   `message` or only `resource`/`field`/`code`: the error names them.

use pmsync_sdk::PluginError;
use pmsync_sdk::http::{DEFAULT_RETRY_AFTER_MS, Request, Response};
use serde_json::Value as Json;

use crate::time;

/// The least a rate-limited caller is told to wait (the reset time has second precision).
const MIN_RESET_WAIT_MS: u64 = 1_000;

/// Sends `request` and returns the response when its status is a success; GitHub's error
/// answers become the matching [`PluginError`].
pub fn send(request: Request) -> Result<Response, PluginError> {
    let described = describe(&request);
    let response = request.send()?;
    check(response, &described)
}

/// Decodes the JSON body, naming the request when it does not fit.
pub fn json<T: serde::de::DeserializeOwned>(
    response: &Response,
    what: &str,
) -> Result<T, PluginError> {
    serde_json::from_slice(response.body()).map_err(|error| {
        PluginError::transient(format!(
            "GitHub answered {what} with a body that is not the expected JSON: {error}"
        ))
    })
}

/// `GET https://api.github.com/repos/o/r/issues`: method and URL without the query.
pub fn describe(request: &Request) -> String {
    let url = request.url();
    let end = url.find(['?', '#']).unwrap_or(url.len());
    format!("{} {}", request.method(), &url[..end])
}

/// `Ok(response)` for a success, else the error GitHub's answer stands for.
pub fn check(response: Response, described: &str) -> Result<Response, PluginError> {
    if response.is_success() {
        return Ok(response);
    }
    let status = response.status();
    let message = error_message(response.body());
    let text = match &message {
        Some(message) => format!("{described} answered {status}: {message}"),
        None => format!("{described} answered {status}"),
    };
    if matches!(status, 403 | 429) {
        if let Some(delay) = rate_limit_delay_ms(&response, time::now_ms()) {
            return Err(PluginError::rate_limited(delay, text));
        }
        let says_rate_limit = message
            .as_deref()
            .is_some_and(|message| message.to_ascii_lowercase().contains("rate limit"));
        if status == 429 || says_rate_limit {
            return Err(PluginError::rate_limited(DEFAULT_RETRY_AFTER_MS, text));
        }
    }
    match status {
        400 | 422 => Err(PluginError::invalid_input(text)),
        _ => Err(response
            .error()
            .map(|error| retext(error, text))
            .unwrap_or_else(|| PluginError::transient(format!("{described} answered {status}")))),
    }
}

/// How long to wait before the next request, from `Retry-After` or the primary rate limit's
/// reset time; `None` when the response carries neither.
pub fn rate_limit_delay_ms(response: &Response, now_ms: i64) -> Option<u64> {
    if let Some(seconds) = response
        .header("retry-after")
        .and_then(|value| value.trim().parse::<u64>().ok())
    {
        return Some(seconds.saturating_mul(1_000).max(MIN_RESET_WAIT_MS));
    }
    if response.header("x-ratelimit-remaining").map(str::trim) != Some("0") {
        return None;
    }
    let reset = response
        .header("x-ratelimit-reset")
        .and_then(|value| value.trim().parse::<i64>().ok());
    let Some(reset) = reset else {
        return Some(DEFAULT_RETRY_AFTER_MS);
    };
    // GitHub sends epoch seconds; tolerate milliseconds (recorded fixtures normalise to them).
    let reset_ms = if reset > 100_000_000_000 {
        reset
    } else {
        reset.saturating_mul(1_000)
    };
    let now = response
        .header("date")
        .and_then(time::parse_http_date_ms)
        .unwrap_or(now_ms);
    let wait = reset_ms.saturating_sub(now).max(0) as u64;
    Some(wait.max(MIN_RESET_WAIT_MS))
}

/// GitHub's error text: `message` plus every `errors[]` entry's `message`, or
/// `resource.field code` when an entry has no message.
pub fn error_message(body: &[u8]) -> Option<String> {
    let parsed: Json = serde_json::from_slice(body).ok()?;
    let mut parts = Vec::new();
    if let Some(message) = parsed.get("message").and_then(Json::as_str) {
        parts.push(message.to_owned());
    }
    let details: Vec<String> = parsed
        .get("errors")
        .and_then(Json::as_array)
        .map(|errors| errors.iter().filter_map(describe_error_entry).collect())
        .unwrap_or_default();
    if !details.is_empty() {
        parts.push(details.join("; "));
    }
    (!parts.is_empty()).then(|| parts.join(": "))
}

fn describe_error_entry(entry: &Json) -> Option<String> {
    if let Some(text) = entry.as_str() {
        return Some(text.to_owned());
    }
    if let Some(message) = entry.get("message").and_then(Json::as_str) {
        return Some(message.to_owned());
    }
    let part = |key: &str| entry.get(key).and_then(Json::as_str).unwrap_or_default();
    let place = match (part("resource"), part("field")) {
        ("", "") => String::new(),
        (resource, "") => resource.to_owned(),
        ("", field) => field.to_owned(),
        (resource, field) => format!("{resource}.{field}"),
    };
    let code = part("code");
    let text = format!("{place} {code}").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn retext(error: PluginError, text: String) -> PluginError {
    error.with_message(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixture, reply_with};
    use pmsync_sdk::http::testing;

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Result<Response, PluginError> {
        testing::set_handler(reply_with(status, headers, body));
        send(Request::get(
            "https://api.github.com/repos/o/r/issues?since=x",
        ))
    }

    #[test]
    fn validation_errors_recorded_from_github_name_the_invalid_field() {
        let Some(fixture) = fixture("github-rest-octokit-fixtures/errors/normalized-fixture.json")
        else {
            return;
        };
        let body = serde_json::to_string(&fixture[0]["response"]).expect("fixture re-encodes");
        let error = answer(422, &[], &body).unwrap_err();
        assert_eq!(
            error,
            PluginError::invalid_input(
                "GET https://api.github.com/repos/o/r/issues answered 422: Validation Failed: Label.color invalid"
            )
        );
    }

    #[test]
    fn error_entries_with_messages_are_quoted() {
        let body = r#"{"message":"Validation Failed","errors":[{"resource":"Issue","code":"custom","field":"title","message":"title is too long (maximum is 256 characters)"}]}"#;
        let error = answer(422, &[], body).unwrap_err();
        assert!(
            error
                .message()
                .ends_with("title is too long (maximum is 256 characters)"),
            "{error:?}"
        );
    }

    #[test]
    fn exhausted_primary_limit_waits_until_the_reset_by_the_servers_clock() {
        let error = answer(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1507651290"),
                ("date", "Tue, 10 Oct 2017 16:00:00 GMT"),
            ],
            r#"{"message":"API rate limit exceeded for user ID 1."}"#,
        )
        .unwrap_err();
        let PluginError::RateLimited(limit) = error else {
            panic!("expected rate-limited, got {error:?}");
        };
        assert_eq!(limit.retry_after_ms, 90_000);
    }

    #[test]
    fn secondary_limits_wait_as_long_as_retry_after_says() {
        let error = answer(
            403,
            &[("Retry-After", "30")],
            r#"{"message":"You have exceeded a secondary rate limit"}"#,
        )
        .unwrap_err();
        assert!(
            matches!(error, PluginError::RateLimited(ref limit) if limit.retry_after_ms == 30_000),
            "{error:?}"
        );
        let error = answer(
            403,
            &[],
            r#"{"message":"You have exceeded a secondary rate limit."}"#,
        )
        .unwrap_err();
        assert!(
            matches!(error, PluginError::RateLimited(ref limit) if limit.retry_after_ms == DEFAULT_RETRY_AFTER_MS)
        );
        let error = answer(429, &[], "").unwrap_err();
        assert!(matches!(error, PluginError::RateLimited(_)));
    }

    #[test]
    fn a_plain_forbidden_is_unauthorized_and_missing_is_not_found() {
        let error = answer(
            403,
            &[("x-ratelimit-remaining", "4999")],
            r#"{"message":"Resource not accessible by integration"}"#,
        )
        .unwrap_err();
        assert_eq!(
            error,
            PluginError::unauthorized(
                "GET https://api.github.com/repos/o/r/issues answered 403: Resource not accessible by integration"
            )
        );
        assert!(matches!(
            answer(404, &[], r#"{"message":"Not Found"}"#),
            Err(PluginError::NotFound(_))
        ));
        assert!(matches!(
            answer(502, &[], "<html>"),
            Err(PluginError::Transient(_))
        ));
    }

    #[test]
    fn query_strings_never_appear_in_errors() {
        let error = answer(500, &[], "").unwrap_err();
        assert!(!error.message().contains("since"), "{error:?}");
    }
}
