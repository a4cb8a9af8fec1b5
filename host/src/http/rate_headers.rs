//! Reading rate-limit information from response headers. Pure functions.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// A rate-limit budget that a response reported as used up, and when it refills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exhausted {
    /// The budget's name: a GitHub resource (`core`, `graphql`, `search`, ...) or `all`.
    pub bucket: String,
    pub resets_at: SystemTime,
}

/// What one response says about the platform's budgets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct BudgetReport {
    /// Budgets that reported remaining > 0: any earlier block on them is lifted.
    pub refreshed: Vec<String>,
    pub exhausted: Vec<Exhausted>,
    /// The lowest remaining budget the response reported (requests, or Linear's complexity
    /// points), for the metrics.
    pub remaining: Option<i64>,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// `Retry-After` as a delay: either delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = header(headers, "retry-after")?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>()
        && seconds.is_finite()
        && seconds >= 0.0
    {
        return Some(Duration::from_secs_f64(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(date.timestamp()).ok()?);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// An epoch timestamp in seconds (GitHub) or milliseconds (Linear); told apart by size.
fn epoch_time(value: &str) -> Option<SystemTime> {
    let number = value
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)?;
    let seconds = if number > 100_000_000_000.0 {
        number / 1000.0
    } else if number.fract() == 0.0 {
        // Whole epoch seconds (GitHub's `x-ratelimit-reset`): the window reopens somewhere
        // in that second, so the first instant certainly past it is the second's end.
        number + 1.0
    } else {
        number
    };
    Some(UNIX_EPOCH + Duration::from_secs_f64(seconds))
}

/// GitHub's primary rate-limit headers. `default_bucket` names the resource when the
/// response does not say (`x-ratelimit-resource` is absent on some responses).
pub(crate) fn github_budget(headers: &HeaderMap, default_bucket: &str) -> BudgetReport {
    let mut report = BudgetReport::default();
    let Some(remaining) =
        header(headers, "x-ratelimit-remaining").and_then(|v| v.parse::<i64>().ok())
    else {
        return report;
    };
    report.remaining = Some(remaining);
    let bucket = header(headers, "x-ratelimit-resource")
        .filter(|r| !r.is_empty())
        .unwrap_or(default_bucket)
        .to_string();
    match header(headers, "x-ratelimit-reset").and_then(epoch_time) {
        Some(resets_at) if remaining <= 0 => report.exhausted.push(Exhausted { bucket, resets_at }),
        _ if remaining > 0 => report.refreshed.push(bucket),
        _ => {}
    }
    report
}

/// Linear's request and complexity budgets (`X-RateLimit-Requests-Remaining`/`-Reset`,
/// `X-RateLimit-Complexity-Remaining`/`-Reset`). Both apply to every request: bucket `all`.
pub(crate) fn linear_budget(headers: &HeaderMap) -> BudgetReport {
    let mut report = BudgetReport::default();
    let mut any_seen = false;
    let mut any_exhausted = false;
    for kind in ["requests", "complexity"] {
        let remaining = header(headers, &format!("x-ratelimit-{kind}-remaining"))
            .and_then(|v| v.parse::<f64>().ok());
        let Some(remaining) = remaining else { continue };
        any_seen = true;
        let whole = remaining.floor() as i64;
        report.remaining = Some(report.remaining.map_or(whole, |r| r.min(whole)));
        if remaining <= 0.0 {
            any_exhausted = true;
            if let Some(resets_at) =
                header(headers, &format!("x-ratelimit-{kind}-reset")).and_then(epoch_time)
            {
                report.exhausted.push(Exhausted {
                    bucket: "all".into(),
                    resets_at,
                });
            }
        }
    }
    if any_seen && !any_exhausted {
        report.refreshed.push("all".into());
    }
    report
}

/// Jira's `RateLimit-Reason` (which limit was hit), for the log.
pub(crate) fn jira_rate_limit_reason(headers: &HeaderMap) -> Option<&str> {
    header(headers, "ratelimit-reason")
}

/// The time scale a simulated platform (the pmsync sandbox) announces: wall time per
/// platform second, in (0, 1]. Real platforms send no such header.
pub(crate) fn time_scale(headers: &HeaderMap) -> Option<f64> {
    let text = headers.get("x-sandbox-time-scale")?.to_str().ok()?;
    let scale: f64 = text.trim().parse().ok()?;
    (scale.is_finite() && scale > 0.0 && scale <= 1.0).then_some(scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_470); // 2015-10-21T07:27:50Z
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")]), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(
                &headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]),
                now
            ),
            Some(Duration::from_secs(10))
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(retry_after(&headers(&[]), now), None);
    }

    #[test]
    fn github_budget_reports_exhausted_resource_with_reset_time() {
        let report = github_budget(
            &headers(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1700000000"),
                ("x-ratelimit-resource", "graphql"),
            ]),
            "core",
        );
        assert_eq!(
            report.exhausted,
            vec![Exhausted {
                bucket: "graphql".into(),
                // The end of the reset second: the window reopens within it.
                resets_at: UNIX_EPOCH + Duration::from_secs(1_700_000_001),
            }]
        );
        let report = github_budget(&headers(&[("x-ratelimit-remaining", "4999")]), "core");
        assert_eq!(report.refreshed, vec!["core".to_string()]);
    }

    #[test]
    fn linear_budget_reads_millisecond_resets_of_either_limit() {
        let report = linear_budget(&headers(&[
            ("x-ratelimit-requests-remaining", "12"),
            ("x-ratelimit-requests-reset", "1700000000000"),
            ("x-ratelimit-complexity-remaining", "0"),
            ("x-ratelimit-complexity-reset", "1700000005000"),
        ]));
        assert!(report.refreshed.is_empty());
        assert_eq!(
            report.exhausted,
            vec![Exhausted {
                bucket: "all".into(),
                resets_at: UNIX_EPOCH + Duration::from_secs(1_700_000_005),
            }]
        );
    }
}
