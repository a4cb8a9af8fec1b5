//! Request accounting per platform: totals, writes, statuses and routes, for benchmarks
//! ("requests per side") and tests.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// A snapshot of one platform's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestStats {
    /// Every request that reached the platform, faulted or not.
    pub total: u64,
    /// Requests that changed state (created, edited, transitioned, mutated).
    pub writes: u64,
    /// Answers by HTTP status; dropped connections are counted under status 0.
    pub by_status: BTreeMap<u16, u64>,
    /// Requests by `"METHOD /path"` (no query string). GraphQL requests are also counted as
    /// `"POST /graphql <rootField>"` per root field.
    pub by_route: BTreeMap<String, u64>,
}

impl RequestStats {
    /// Requests to `"METHOD /path"` (e.g. `"GET /rest/api/3/search/jql"`, `"POST /graphql issues"`).
    pub fn route(&self, route: &str) -> u64 {
        self.by_route.get(route).copied().unwrap_or(0)
    }
    /// Answers with this status (0 = dropped connection).
    pub fn status(&self, status: u16) -> u64 {
        self.by_status.get(&status).copied().unwrap_or(0)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    stats: Mutex<RequestStats>,
}

impl Counters {
    fn with<R>(&self, f: impl FnOnce(&mut RequestStats) -> R) -> R {
        let mut guard = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
    pub(crate) fn request(&self, route: String) {
        self.with(|s| {
            s.total += 1;
            *s.by_route.entry(route).or_default() += 1;
        });
    }
    pub(crate) fn route(&self, route: String) {
        self.with(|s| *s.by_route.entry(route).or_default() += 1);
    }
    pub(crate) fn status(&self, status: u16) {
        self.with(|s| *s.by_status.entry(status).or_default() += 1);
    }
    pub(crate) fn write(&self) {
        self.with(|s| s.writes += 1);
    }
    pub(crate) fn snapshot(&self) -> RequestStats {
        self.with(|s| s.clone())
    }
    pub(crate) fn reset(&self) {
        self.with(|s| *s = RequestStats::default());
    }
}
