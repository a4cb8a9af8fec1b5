//! Fault injection: what can go wrong on a sandbox platform, decided deterministically per
//! request from a seeded random generator, BEFORE the request reaches a handler (so a
//! faulted write never changes state).

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Added latency before each response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Latency {
    #[default]
    None,
    Fixed(Duration),
    /// Uniformly distributed between the two bounds (inclusive).
    Range(Duration, Duration),
}

/// What the platforms do wrong, and how much request budget they grant. Probabilities are in
/// `0.0..=1.0`; the fault kinds are exclusive (one draw per request picks at most one).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultPlan {
    /// Seed of the decision generator; the same plan and request sequence gives the same faults.
    pub seed: u64,
    /// Probability of an HTTP 429 carrying `Retry-After` (Linear: its `RATELIMITED` error).
    pub rate_limited: f64,
    /// The `Retry-After` announced by rate-limit faults, in whole seconds.
    pub retry_after_secs: u64,
    /// Probability of a 5xx answer (502/503 alternate).
    pub server_error: f64,
    /// Probability that the connection is closed without any response.
    pub dropped_connection: f64,
    /// Probability that the request is carried out (a write is applied) and then the
    /// connection is closed before the answer: the client cannot tell it happened.
    pub applied_response_lost: f64,
    /// Probability of GitHub's secondary rate limit (403 with `retry-after`); on Jira and
    /// Linear it behaves like `rate_limited`.
    pub secondary_rate_limit: f64,
    pub latency: Latency,
    /// GitHub REST (`core`) requests per window; exhausted → 403 with `x-ratelimit-remaining: 0`.
    pub github_core_budget: u32,
    /// GitHub GraphQL requests per window (GitHub counts points; the sandbox counts 1 per request).
    pub github_graphql_budget: u32,
    /// Linear requests per window; exhausted → `RATELIMITED`.
    pub linear_request_budget: u32,
    /// Length of a budget window (GitHub and Linear use one hour).
    pub budget_window: Duration,
    /// Faults for chosen requests, before any drawn one: the first `times` requests whose
    /// method and path match get `fault` (to stop a multi-request operation at one step).
    pub scripted: Vec<ScriptedFault>,
}

/// A fault given to the first `times` requests of `method` whose path contains
/// `path_contains` (e.g. `PATCH` and `/issues/`: the close that follows a GitHub create).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptedFault {
    pub method: String,
    pub path_contains: String,
    pub fault: Fault,
    pub times: u32,
}

impl Default for FaultPlan {
    fn default() -> Self {
        FaultPlan {
            seed: 0x5eed,
            rate_limited: 0.0,
            retry_after_secs: 1,
            server_error: 0.0,
            dropped_connection: 0.0,
            applied_response_lost: 0.0,
            secondary_rate_limit: 0.0,
            latency: Latency::None,
            github_core_budget: 5000,
            github_graphql_budget: 5000,
            linear_request_budget: 5000,
            budget_window: Duration::from_secs(3600),
            scripted: Vec::new(),
        }
    }
}

impl FaultPlan {
    /// No faults, real-world default budgets.
    pub fn none() -> Self {
        Self::default()
    }
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    pub fn with_rate_limited(mut self, probability: f64, retry_after_secs: u64) -> Self {
        self.rate_limited = probability;
        self.retry_after_secs = retry_after_secs;
        self
    }
    pub fn with_server_errors(mut self, probability: f64) -> Self {
        self.server_error = probability;
        self
    }
    pub fn with_dropped_connections(mut self, probability: f64) -> Self {
        self.dropped_connection = probability;
        self
    }
    pub fn with_applied_response_lost(mut self, probability: f64) -> Self {
        self.applied_response_lost = probability;
        self
    }
    pub fn with_secondary_rate_limit(mut self, probability: f64, retry_after_secs: u64) -> Self {
        self.secondary_rate_limit = probability;
        self.retry_after_secs = retry_after_secs;
        self
    }
    pub fn with_latency(mut self, latency: Latency) -> Self {
        self.latency = latency;
        self
    }
    pub fn with_github_core_budget(mut self, requests_per_window: u32) -> Self {
        self.github_core_budget = requests_per_window;
        self
    }
    pub fn with_github_graphql_budget(mut self, requests_per_window: u32) -> Self {
        self.github_graphql_budget = requests_per_window;
        self
    }
    pub fn with_linear_request_budget(mut self, requests_per_window: u32) -> Self {
        self.linear_request_budget = requests_per_window;
        self
    }
    pub fn with_budget_window(mut self, window: Duration) -> Self {
        self.budget_window = window;
        self
    }
    /// The first `times` requests of `method` with `path_contains` in their path get `fault`.
    pub fn with_fault_on(
        mut self,
        method: &str,
        path_contains: &str,
        fault: Fault,
        times: u32,
    ) -> Self {
        self.scripted.push(ScriptedFault {
            method: method.to_ascii_uppercase(),
            path_contains: path_contains.to_string(),
            fault,
            times,
        });
        self
    }
}

/// The fault picked for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    RateLimited {
        retry_after_secs: u64,
    },
    SecondaryRateLimit {
        retry_after_secs: u64,
    },
    ServerError {
        status: u16,
    },
    DropConnection,
    /// Carried out, then the connection dropped before the answer.
    AppliedResponseLost,
}

/// A plan plus its generator; one per platform.
#[derive(Debug)]
pub(crate) struct FaultController {
    plan: FaultPlan,
    rng: StdRng,
    salt: u64,
}

impl FaultController {
    pub(crate) fn new(plan: FaultPlan, salt: u64) -> Self {
        let rng = StdRng::seed_from_u64(plan.seed ^ salt);
        FaultController { plan, rng, salt }
    }

    pub(crate) fn plan(&self) -> &FaultPlan {
        &self.plan
    }

    pub(crate) fn replace(&mut self, plan: FaultPlan) {
        *self = FaultController::new(plan, self.salt);
    }

    /// This request's fault (a scripted one, else one drawn) and latency.
    pub(crate) fn decide(&mut self, method: &str, path: &str) -> (Option<Fault>, Duration) {
        let scripted = self.plan.scripted.iter_mut().find(|s| {
            s.times > 0 && s.method.eq_ignore_ascii_case(method) && path.contains(&s.path_contains)
        });
        let scripted = scripted.map(|s| {
            s.times -= 1;
            s.fault
        });
        let (drawn, latency) = self.draw();
        (scripted.or(drawn), latency)
    }

    /// Draws a fault (if any) and latency from the plan's probabilities.
    fn draw(&mut self) -> (Option<Fault>, Duration) {
        let plan = &self.plan;
        let draw: f64 = self.rng.random();
        let retry_after_secs = plan.retry_after_secs;
        let mut threshold = plan.dropped_connection;
        let fault = if draw < threshold {
            Some(Fault::DropConnection)
        } else if draw < {
            threshold += plan.applied_response_lost;
            threshold
        } {
            Some(Fault::AppliedResponseLost)
        } else if draw < {
            threshold += plan.rate_limited;
            threshold
        } {
            Some(Fault::RateLimited { retry_after_secs })
        } else if draw < {
            threshold += plan.secondary_rate_limit;
            threshold
        } {
            Some(Fault::SecondaryRateLimit { retry_after_secs })
        } else if draw < threshold + plan.server_error {
            let status = if self.rng.random::<bool>() { 502 } else { 503 };
            Some(Fault::ServerError { status })
        } else {
            None
        };
        let latency = match plan.latency {
            Latency::None => Duration::ZERO,
            Latency::Fixed(d) => d,
            Latency::Range(lo, hi) if hi > lo => {
                let span = (hi - lo).as_micros() as u64;
                lo + Duration::from_micros(self.rng.random_range(0..=span))
            }
            Latency::Range(lo, _) => lo,
        };
        (fault, latency)
    }
}

/// `t` rounded up to a whole second: GitHub's windows reset on the epoch second its
/// `x-ratelimit-reset` header names.
fn whole_second_after(t: DateTime<Utc>) -> DateTime<Utc> {
    let whole = DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t);
    if whole < t {
        whole + chrono::Duration::seconds(1)
    } else {
        whole
    }
}

/// A request budget that refills at the end of each window, like GitHub's hourly limit.
#[derive(Debug, Clone)]
pub(crate) struct RateBudget {
    pub(crate) limit: u32,
    pub(crate) used: u32,
    pub(crate) reset_at: DateTime<Utc>,
    window: Duration,
}

/// The budget after (or while refusing) one request, for the rate-limit headers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BudgetState {
    pub(crate) limit: u32,
    pub(crate) used: u32,
    pub(crate) remaining: u32,
    pub(crate) reset_at: DateTime<Utc>,
}

impl RateBudget {
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        RateBudget {
            limit,
            used: 0,
            reset_at: whole_second_after(Utc::now() + window),
            window,
        }
    }

    /// Spends one request; `Err` when the budget of this window is exhausted.
    pub(crate) fn consume(&mut self) -> Result<BudgetState, BudgetState> {
        let now = Utc::now();
        if now >= self.reset_at {
            self.used = 0;
            self.reset_at = whole_second_after(now + self.window);
        }
        if self.used >= self.limit {
            return Err(self.state());
        }
        self.used += 1;
        Ok(self.state())
    }

    pub(crate) fn state(&self) -> BudgetState {
        BudgetState {
            limit: self.limit,
            used: self.used,
            remaining: self.limit.saturating_sub(self.used),
            reset_at: self.reset_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_fault_sequence() {
        let plan = FaultPlan::none()
            .with_seed(7)
            .with_rate_limited(0.3, 1)
            .with_server_errors(0.3);
        let mut a = FaultController::new(plan.clone(), 1);
        let mut b = FaultController::new(plan, 1);
        let seq_a: Vec<_> = (0..50).map(|_| a.decide("GET", "/x").0).collect();
        let seq_b: Vec<_> = (0..50).map(|_| b.decide("GET", "/x").0).collect();
        assert_eq!(seq_a, seq_b);
        assert!(seq_a.iter().any(Option::is_some));
        assert!(seq_a.iter().any(Option::is_none));
    }

    #[test]
    fn a_scripted_fault_hits_only_matching_requests_and_only_so_many_times() {
        let plan = FaultPlan::none().with_fault_on("patch", "/issues/", Fault::DropConnection, 2);
        let mut faults = FaultController::new(plan, 1);
        assert_eq!(faults.decide("POST", "/repos/a/b/issues").0, None);
        assert_eq!(faults.decide("GET", "/repos/a/b/issues/1").0, None);
        assert_eq!(
            faults.decide("PATCH", "/repos/a/b/issues/1").0,
            Some(Fault::DropConnection)
        );
        assert_eq!(
            faults.decide("PATCH", "/repos/a/b/issues/2").0,
            Some(Fault::DropConnection)
        );
        assert_eq!(faults.decide("PATCH", "/repos/a/b/issues/3").0, None);
    }

    #[test]
    fn exhausted_budget_refuses_until_reset() {
        let mut budget = RateBudget::new(2, Duration::from_secs(3600));
        assert_eq!(budget.consume().map(|s| s.remaining).ok(), Some(1));
        assert_eq!(budget.consume().map(|s| s.remaining).ok(), Some(0));
        let refused = budget.consume().err().map(|s| s.remaining);
        assert_eq!(refused, Some(0));
    }
}
