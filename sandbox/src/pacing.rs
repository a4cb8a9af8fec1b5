//! Write pacing like the real platforms. GitHub's secondary rate limit asks integrations to
//! send content-creating requests (`POST`, `PATCH`, `PUT`, `DELETE` on the REST API) one at a
//! time with at least one second between them; a write that comes sooner is refused with
//! GitHub's 403 secondary-limit answer and a `retry-after`. Jira and Linear have no fixed
//! spacing (their limits are the budgets and `Retry-After` answers of the fault plan).
//!
//! Time-scaled, never switched off: at `time_scale` 0.01 the spacing is 10 ms. Every answer
//! carries [`TIME_SCALE_HEADER`], so a client paces itself in the sandbox's time: it scales
//! the spacing it keeps and the `retry-after` it is told (which are in platform seconds).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::platform::{Platform, lock};

/// The header every sandbox answer carries: the factor from platform time to wall time.
pub const TIME_SCALE_HEADER: &str = "x-sandbox-time-scale";

/// How far under the spacing a write may arrive and still count as spaced (timer and
/// scheduling jitter of a client that keeps the spacing exactly).
const SLACK: f64 = 0.05;

/// The spacing of one platform's writes.
#[derive(Debug)]
pub(crate) struct Pacing {
    /// Platform time between two writes; `None`: the platform asks for no spacing.
    interval: Option<Duration>,
    time_scale: f64,
    last_write: Mutex<Option<Instant>>,
}

impl Pacing {
    pub(crate) fn new(platform: Platform, time_scale: f64) -> Pacing {
        let interval = match platform {
            Platform::GitHub => Some(Duration::from_secs(1)),
            Platform::Jira | Platform::Linear => None,
        };
        Pacing {
            interval,
            time_scale: sanitize(time_scale),
            last_write: Mutex::new(None),
        }
    }

    pub(crate) fn time_scale(&self) -> f64 {
        self.time_scale
    }

    /// Whether a request counts as a content-creating write (GraphQL goes through one `POST`
    /// for reads and writes alike and is paced by its point budget instead).
    pub(crate) fn is_paced_write(&self, method: &axum::http::Method, path: &str) -> bool {
        use axum::http::Method;
        self.interval.is_some()
            && path != "/graphql"
            && matches!(
                *method,
                Method::POST | Method::PATCH | Method::PUT | Method::DELETE
            )
    }

    /// Admits a write now, or says how much wall time is still missing.
    pub(crate) fn admit(&self) -> Result<(), Duration> {
        let Some(interval) = self.interval else {
            return Ok(());
        };
        let spacing = interval.mul_f64(self.time_scale);
        let now = Instant::now();
        let mut last = lock(&self.last_write);
        if let Some(previous) = *last {
            let since = now.duration_since(previous);
            if since < spacing.mul_f64(1.0 - SLACK) {
                return Err(spacing - since);
            }
        }
        *last = Some(now);
        Ok(())
    }
}

/// A usable time scale: positive and finite, at most 1 (real time).
pub(crate) fn sanitize(time_scale: f64) -> f64 {
    if time_scale.is_finite() && time_scale > 0.0 {
        time_scale.min(1.0)
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_writes_closer_than_the_scaled_second_are_refused() {
        let pacing = Pacing::new(Platform::GitHub, 0.05);
        assert!(pacing.admit().is_ok());
        let missing = pacing.admit().expect_err("a write right after another");
        assert!(missing <= Duration::from_millis(50), "{missing:?}");
        std::thread::sleep(Duration::from_millis(55));
        assert!(pacing.admit().is_ok());
    }

    #[test]
    fn jira_and_linear_writes_are_not_spaced() {
        for platform in [Platform::Jira, Platform::Linear] {
            let pacing = Pacing::new(platform, 1.0);
            assert!(pacing.admit().is_ok() && pacing.admit().is_ok());
        }
    }

    #[test]
    fn only_rest_writes_are_paced() {
        use axum::http::Method;
        let pacing = Pacing::new(Platform::GitHub, 1.0);
        assert!(pacing.is_paced_write(&Method::PATCH, "/repos/acme/widgets/issues/1"));
        assert!(!pacing.is_paced_write(&Method::GET, "/repos/acme/widgets/issues"));
        assert!(!pacing.is_paced_write(&Method::POST, "/graphql"));
    }
}
