//! How long to wait after Linear said "rate limited", from the answer's own headers.
//!
//! Linear reports its budgets in `X-RateLimit-Requests-{Limit,Remaining,Reset}` and
//! `X-RateLimit-Complexity-{Limit,Remaining,Reset}`, the resets as epoch milliseconds. The
//! plugin has no trustworthy clock (the host gives components a fixed wall clock), so "now"
//! is the server's own `Date` header. Order of preference: `Retry-After` (seconds); the
//! latest reset of the exhausted budgets (or of all budgets when none says 0) minus `Date`;
//! otherwise `None` and the caller waits its default.

use chrono::DateTime;

/// Reset headers paired with the remaining-budget header they belong to.
const BUDGETS: [(&str, &str); 2] = [
    (
        "x-ratelimit-requests-remaining",
        "x-ratelimit-requests-reset",
    ),
    (
        "x-ratelimit-complexity-remaining",
        "x-ratelimit-complexity-reset",
    ),
];

/// The shortest wait we report: `Date` has whole seconds only.
const MIN_WAIT_MS: u64 = 1_000;

/// The wait the headers ask for, in milliseconds.
pub fn retry_after_ms(headers: &[(String, String)]) -> Option<u64> {
    if let Some(seconds) = header(headers, "retry-after").and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(seconds.saturating_mul(1_000));
    }
    let now_ms = header(headers, "date")
        .and_then(|date| DateTime::parse_from_rfc2822(date.trim()).ok())
        .map(|date| date.timestamp_millis())?;
    let resets = |only_exhausted: bool| -> Option<i64> {
        BUDGETS
            .iter()
            .filter(|(remaining, _)| {
                !only_exhausted || header(headers, remaining).map(str::trim) == Some("0")
            })
            .filter_map(|(_, reset)| header(headers, reset)?.trim().parse::<i64>().ok())
            .max()
    };
    let reset_ms = resets(true).or_else(|| resets(false))?;
    let wait = reset_ms.saturating_sub(now_ms).max(0) as u64;
    Some(wait.max(MIN_WAIT_MS))
}

/// A warning when a budget is nearly spent (under a tenth left), for the host log.
pub fn low_budget_warning(headers: &[(String, String)]) -> Option<String> {
    [
        ("requests", "x-ratelimit-requests"),
        ("complexity", "x-ratelimit-complexity"),
    ]
    .iter()
    .find_map(|(name, prefix)| {
        let number = |suffix: &str| {
            header(headers, &format!("{prefix}-{suffix}"))?
                .trim()
                .parse::<u64>()
                .ok()
        };
        let (limit, remaining) = (number("limit")?, number("remaining")?);
        (limit > 0 && remaining.saturating_mul(10) < limit)
            .then(|| format!("Linear {name} budget nearly spent: {remaining} of {limit} left"))
    })
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

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    const DATE: &str = "Tue, 01 Jul 2025 12:00:00 GMT"; // 1751371200000 ms

    #[test]
    fn retry_after_seconds_win_over_resets() {
        let headers = headers(&[
            ("Retry-After", "5"),
            ("Date", DATE),
            ("X-RateLimit-Requests-Reset", "1751371260000"),
        ]);
        assert_eq!(retry_after_ms(&headers), Some(5_000));
    }

    #[test]
    fn the_exhausted_budget_decides_the_wait() {
        let headers = headers(&[
            ("date", DATE),
            ("x-ratelimit-requests-remaining", "120"),
            ("x-ratelimit-requests-reset", "1751374800000"),
            ("x-ratelimit-complexity-remaining", "0"),
            ("x-ratelimit-complexity-reset", "1751371212000"),
        ]);
        assert_eq!(retry_after_ms(&headers), Some(12_000));
    }

    #[test]
    fn without_a_date_the_reset_cannot_be_turned_into_a_wait() {
        let headers = headers(&[("x-ratelimit-requests-reset", "1751371260000")]);
        assert_eq!(retry_after_ms(&headers), None);
    }

    #[test]
    fn a_reset_in_the_past_still_waits_a_second() {
        let headers = headers(&[
            ("date", DATE),
            ("x-ratelimit-requests-reset", "1751371100000"),
        ]);
        assert_eq!(retry_after_ms(&headers), Some(MIN_WAIT_MS));
    }

    #[test]
    fn a_nearly_spent_budget_is_reported_with_the_numbers_linear_sent() {
        let low = headers(&[
            ("X-RateLimit-Requests-Limit", "1500"),
            ("X-RateLimit-Requests-Remaining", "42"),
        ]);
        assert_eq!(
            low_budget_warning(&low).as_deref(),
            Some("Linear requests budget nearly spent: 42 of 1500 left")
        );
        let plenty = headers(&[
            ("X-RateLimit-Requests-Limit", "1500"),
            ("X-RateLimit-Requests-Remaining", "1400"),
        ]);
        assert_eq!(low_budget_warning(&plenty), None);
    }
}
