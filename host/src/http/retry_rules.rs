//! When to retry, and how long to wait. Pure functions.
//!
//! Retry rules:
//! - 429: always retried (the platform rejected the request without acting on it), after
//!   `Retry-After`, else the reported budget reset, else a backoff delay.
//! - GitHub 403 with `retry-after` (secondary limit) or with `x-ratelimit-remaining: 0`
//!   (primary limit): handled like a 429. Any other 403 is returned.
//! - 503 with `Retry-After` (Jira): handled like a 429.
//! - Linear reports GraphQL `RATELIMITED` errors with HTTP 429 (handled like any 429, the
//!   wait taken from `X-RateLimit-*-Reset`) or with HTTP 400; a 400 is returned to the
//!   plugin with its body, which the plugin maps to a rate-limited error.
//! - Other 5xx: retried with backoff for idempotent methods (GET, HEAD, OPTIONS, PUT,
//!   DELETE). For POST and PATCH only a 503 is retried (the server says it did not take
//!   the request); a 500/502/504 may have been acted on, so it is returned to the plugin.
//! - Transport errors and timeouts: retried for idempotent methods; for POST and PATCH only
//!   when the connection was never established (the request cannot have been sent).
//! - Every retry needs an attempt left (`max_attempts`), must start within `max_total`
//!   of the plugin's call, and a rate-limit wait must not exceed `max_rate_limit_wait`.

use std::time::Duration;

use rand::Rng;
use reqwest::Method;

use super::policy::{PlatformKind, RetryPolicy};

/// What a response means for the retry loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Return this response to the plugin.
    Final,
    /// Rate limited: retry after the given wait (`None`: after a backoff delay).
    RateLimited(Option<Duration>),
    /// A server error worth retrying after a backoff delay.
    ServerError,
}

pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
    )
}

pub(crate) fn is_write(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PATCH | Method::PUT | Method::DELETE
    )
}

/// `retry_after`: the response's `Retry-After`; `budget_wait`: the wait until the reset of
/// a budget the response reported as exhausted.
pub(crate) fn classify(
    kind: PlatformKind,
    method: &Method,
    status: u16,
    retry_after: Option<Duration>,
    budget_wait: Option<Duration>,
) -> Verdict {
    match status {
        429 => Verdict::RateLimited(retry_after.or(budget_wait)),
        403 if kind == PlatformKind::GitHub => match retry_after.or(budget_wait) {
            Some(wait) => Verdict::RateLimited(Some(wait)),
            None => Verdict::Final,
        },
        503 if retry_after.is_some() => Verdict::RateLimited(retry_after),
        500..=599 if is_idempotent(method) || status == 503 => Verdict::ServerError,
        _ => Verdict::Final,
    }
}

/// Whether a failed attempt that never got a response may be retried.
pub(crate) fn transport_failure_is_retryable(method: &Method, connection_failed: bool) -> bool {
    connection_failed || is_idempotent(method)
}

/// Full-jitter exponential backoff before retry number `retry` (1 = first retry):
/// uniform in `[0, min(max_delay, base_delay × 2^(retry-1))]`.
pub(crate) fn backoff_delay(retry: u32, policy: &RetryPolicy) -> Duration {
    let exponent = retry.saturating_sub(1).min(30);
    let ceiling = policy
        .base_delay
        .saturating_mul(1u32 << exponent)
        .min(policy.max_delay);
    let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rand::rng().random_range(0..=nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_within_the_doubling_ceiling_and_the_cap() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
            ..RetryPolicy::default()
        };
        for _ in 0..200 {
            assert!(backoff_delay(1, &policy) <= Duration::from_millis(100));
            assert!(backoff_delay(2, &policy) <= Duration::from_millis(200));
            assert!(backoff_delay(5, &policy) <= Duration::from_millis(300));
            assert!(backoff_delay(u32::MAX, &policy) <= Duration::from_millis(300));
        }
    }

    #[test]
    fn post_is_not_retried_after_a_500_but_get_is() {
        let generic = PlatformKind::Generic;
        assert_eq!(
            classify(generic, &Method::POST, 500, None, None),
            Verdict::Final
        );
        assert_eq!(
            classify(generic, &Method::GET, 500, None, None),
            Verdict::ServerError
        );
        assert_eq!(
            classify(generic, &Method::POST, 503, None, None),
            Verdict::ServerError
        );
    }

    #[test]
    fn github_403_is_a_rate_limit_only_with_limit_headers() {
        let github = PlatformKind::GitHub;
        let wait = Some(Duration::from_secs(3));
        assert_eq!(
            classify(github, &Method::GET, 403, None, None),
            Verdict::Final
        );
        assert_eq!(
            classify(github, &Method::GET, 403, wait, None),
            Verdict::RateLimited(wait)
        );
        assert_eq!(
            classify(github, &Method::GET, 403, None, wait),
            Verdict::RateLimited(wait)
        );
        assert_eq!(
            classify(PlatformKind::Jira, &Method::GET, 403, wait, None),
            Verdict::Final
        );
    }

    #[test]
    fn transport_failures_of_post_are_retried_only_before_the_connection() {
        assert!(transport_failure_is_retryable(&Method::POST, true));
        assert!(!transport_failure_is_retryable(&Method::POST, false));
        assert!(!transport_failure_is_retryable(&Method::PATCH, false));
        assert!(transport_failure_is_retryable(&Method::PUT, false));
        assert!(transport_failure_is_retryable(&Method::GET, false));
    }
}
