//! Which [`PluginError`] an HTTP status stands for.

use crate::PluginError;

/// The wait the host is told to observe after a rate-limit answer that carries no usable
/// `Retry-After` (GitHub documents "wait at least one minute" for that case).
pub const DEFAULT_RETRY_AFTER_MS: u64 = 60_000;

/// How much of an error body is quoted in the message.
const BODY_EXCERPT_CHARS: usize = 300;

/// The error for `status`, or `None` when the status is not an error (1xx, 2xx, 3xx).
pub(super) fn error_for(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    request: &str,
) -> Option<PluginError> {
    if status < 400 {
        return None;
    }
    let message = describe(status, body, request);
    let retry_after = retry_after_ms(headers);
    let error = match status {
        429 => PluginError::rate_limited(retry_after.unwrap_or(DEFAULT_RETRY_AFTER_MS), message),
        401 => PluginError::unauthorized(message),
        // GitHub answers its rate limits with 403 and either Retry-After (secondary
        // limits) or x-ratelimit-remaining: 0 (primary limit).
        403 if retry_after.is_some() || header(headers, "x-ratelimit-remaining") == Some("0") => {
            PluginError::rate_limited(retry_after.unwrap_or(DEFAULT_RETRY_AFTER_MS), message)
        }
        403 => PluginError::unauthorized(message),
        404 | 410 => PluginError::not_found(message),
        408 => PluginError::transient(message),
        500..=599 => match retry_after {
            Some(delay) => PluginError::rate_limited(delay, message),
            None => PluginError::transient(message),
        },
        _ => PluginError::invalid_input(message),
    };
    Some(error)
}

/// `GET https://x/y answered 404: {"message":"Not Found"}`, the body cut short.
fn describe(status: u16, body: &[u8], request: &str) -> String {
    let text = String::from_utf8_lossy(body);
    let excerpt: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(BODY_EXCERPT_CHARS)
        .collect();
    if excerpt.is_empty() {
        format!("{request} answered {status}")
    } else {
        format!("{request} answered {status}: {excerpt}")
    }
}

/// `Retry-After` in milliseconds, when it is given in seconds. An HTTP-date cannot be
/// turned into a delay without a clock, which plugins do not have; it counts as absent.
fn retry_after_ms(headers: &[(String, String)]) -> Option<u64> {
    let value = header(headers, "retry-after")?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds.saturating_mul(1_000));
    }
    let seconds = value.parse::<f64>().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| (seconds * 1_000.0).ceil() as u64)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUEST: &str = "GET https://api.example/issues/1";

    fn error(status: u16, headers: &[(&str, &str)]) -> Option<PluginError> {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        error_for(status, &headers, b"", REQUEST)
    }

    #[test]
    fn too_many_requests_waits_as_long_as_retry_after_says() {
        assert_eq!(
            error(429, &[("Retry-After", "7")]),
            Some(PluginError::rate_limited(
                7_000,
                "GET https://api.example/issues/1 answered 429"
            ))
        );
    }

    #[test]
    fn too_many_requests_without_retry_after_waits_the_default() {
        let Some(PluginError::RateLimited(limit)) = error(429, &[]) else {
            panic!("429 must be rate-limited");
        };
        assert_eq!(limit.retry_after_ms, DEFAULT_RETRY_AFTER_MS);
        let Some(PluginError::RateLimited(limit)) =
            error(429, &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")])
        else {
            panic!("429 must be rate-limited");
        };
        assert_eq!(limit.retry_after_ms, DEFAULT_RETRY_AFTER_MS);
    }

    #[test]
    fn github_rate_limit_403s_are_rate_limited_and_other_403s_unauthorized() {
        assert!(matches!(
            error(403, &[("x-ratelimit-remaining", "0")]),
            Some(PluginError::RateLimited(_))
        ));
        assert!(matches!(
            error(403, &[("retry-after", "60")]),
            Some(PluginError::RateLimited(_))
        ));
        assert!(matches!(
            error(403, &[]),
            Some(PluginError::Unauthorized(_))
        ));
    }

    #[test]
    fn server_errors_are_transient_unless_they_say_when_to_retry() {
        assert!(matches!(error(502, &[]), Some(PluginError::Transient(_))));
        assert!(matches!(
            error(503, &[("Retry-After", "2")]),
            Some(PluginError::RateLimited(limit)) if limit.retry_after_ms == 2_000
        ));
    }

    #[test]
    fn client_errors_map_to_what_the_host_acts_on() {
        assert!(matches!(
            error(401, &[]),
            Some(PluginError::Unauthorized(_))
        ));
        assert!(matches!(error(404, &[]), Some(PluginError::NotFound(_))));
        assert!(matches!(error(410, &[]), Some(PluginError::NotFound(_))));
        assert!(matches!(error(408, &[]), Some(PluginError::Transient(_))));
        assert!(matches!(
            error(400, &[]),
            Some(PluginError::InvalidInput(_))
        ));
        assert!(matches!(
            error(422, &[]),
            Some(PluginError::InvalidInput(_))
        ));
    }

    #[test]
    fn success_and_redirects_are_not_errors() {
        assert_eq!(error(200, &[]), None);
        assert_eq!(error(204, &[]), None);
        assert_eq!(error(304, &[]), None);
    }

    #[test]
    fn error_message_quotes_a_short_excerpt_of_the_body() {
        let body = format!("{{\"errorMessages\":[\"{}\"]}}", "x".repeat(1_000));
        let error = error_for(400, &[], body.as_bytes(), REQUEST).expect("400 is an error");
        assert!(error.message().starts_with(
            "GET https://api.example/issues/1 answered 400: {\"errorMessages\":[\"xxx"
        ));
        assert!(error.message().len() < REQUEST.len() + 20 + BODY_EXCERPT_CHARS);
    }
}
