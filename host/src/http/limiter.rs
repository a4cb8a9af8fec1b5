//! Rate-limit state shared by every gateway of one platform: budgets reported by the
//! platform, platform-wide `Retry-After` blocks, write serialization and metrics.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use reqwest::Url;
use reqwest::header::HeaderMap;
use tokio::sync::{Mutex as AsyncMutex, MutexGuard as AsyncMutexGuard};

use super::metrics::{MetricsSnapshot, PlatformMetrics};
use super::policy::{PlatformKind, RatePolicy};
use super::rate_headers::{self, BudgetReport};
use super::wait_cancel::WaitCanceller;

/// Bucket name for a block that applies to every request of the platform.
const ALL: &str = "*";

/// A wait for a platform's rate limit to reset, announced as it starts: which platform and
/// budget, how long, and until when (UTC, RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RateLimitWait {
    pub platform: String,
    pub budget: String,
    pub wait_ms: u64,
    pub until: String,
}

/// Told of every rate-limit wait as it starts (a progress line, a `--json` event).
pub type WaitObserver = Arc<dyn Fn(&RateLimitWait) + Send + Sync>;

/// The observer of one run's waits, shared by its limiters.
#[derive(Clone, Default)]
struct SharedObserver(Arc<Mutex<Option<WaitObserver>>>);

impl std::fmt::Debug for SharedObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedObserver")
    }
}

impl SharedObserver {
    fn notify(&self, wait: &RateLimitWait) {
        let observer = self.0.lock().ok().and_then(|o| o.clone());
        if let Some(observer) = observer {
            observer(wait);
        }
    }
}

/// One per platform per run (`Arc`-shared by that platform's gateways).
#[derive(Debug)]
pub struct PlatformLimiter {
    platform: String,
    observer: SharedObserver,
    /// Ends this run's waits when it is asked to stop.
    pub(crate) cancel: WaitCanceller,
    policy: RatePolicy,
    /// Budget name → the instant requests of that budget may go out again.
    blocked_until: Mutex<HashMap<String, Instant>>,
    /// Held while a write is in flight; holds when the last write finished.
    write_gate: AsyncMutex<Option<Instant>>,
    /// Wall time per platform second (bits of an `f64`): 1 for real platforms; a sandbox
    /// announces its own in `x-sandbox-time-scale`, and its pace is kept in its time.
    time_scale: AtomicU64,
    pub(crate) metrics: PlatformMetrics,
}

/// The right to send one write. Dropping it records the end of the write, from which the
/// next write's spacing is measured.
pub(crate) struct WriteSlot<'a> {
    guard: AsyncMutexGuard<'a, Option<Instant>>,
}

impl Drop for WriteSlot<'_> {
    fn drop(&mut self) {
        *self.guard = Some(Instant::now());
    }
}

impl PlatformLimiter {
    pub fn new(platform: impl Into<String>, policy: RatePolicy) -> Arc<Self> {
        Arc::new(PlatformLimiter {
            platform: platform.into(),
            observer: SharedObserver::default(),
            cancel: WaitCanceller::new(),
            policy,
            blocked_until: Mutex::new(HashMap::new()),
            write_gate: AsyncMutex::new(None),
            time_scale: AtomicU64::new(1.0f64.to_bits()),
            metrics: PlatformMetrics::default(),
        })
    }

    /// Announces a wait that is about to start (see [`LimiterRegistry::observe_waits`]);
    /// returns what was announced, for the log.
    pub(crate) fn announce_wait(&self, budget: &str, wait: Duration) -> RateLimitWait {
        let until = chrono::Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
        let announced = RateLimitWait {
            platform: self.platform.clone(),
            budget: budget.to_string(),
            wait_ms: wait.as_millis().min(u64::MAX as u128) as u64,
            until: until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        self.observer.notify(&announced);
        announced
    }

    pub fn platform(&self) -> &str {
        &self.platform
    }

    pub fn policy(&self) -> &RatePolicy {
        &self.policy
    }

    /// The metrics of every request made through this limiter so far.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.metrics.snapshot(&self.platform)
    }

    /// Wall time per platform second (see `time_scale`).
    pub fn time_scale(&self) -> f64 {
        f64::from_bits(self.time_scale.load(Ordering::Relaxed))
    }

    /// A duration in the platform's time, in wall time.
    pub(crate) fn scaled(&self, platform_time: Duration) -> Duration {
        platform_time.mul_f64(self.time_scale())
    }

    /// The budget a request draws on. GitHub keeps separate budgets per resource; the
    /// URL tells GraphQL and search apart from the core REST budget.
    pub(crate) fn bucket_for(&self, url: &Url) -> &'static str {
        match self.policy.kind {
            PlatformKind::GitHub => {
                let path = url.path();
                if path.ends_with("/graphql") {
                    "graphql"
                } else if path.starts_with("/search/") || path.contains("/search/") {
                    "search"
                } else {
                    "core"
                }
            }
            _ => "all",
        }
    }

    /// How long a request on `bucket` must still wait, if at all.
    pub(crate) fn wait_for(&self, bucket: &str) -> Option<Duration> {
        let blocks = self.blocked_until.lock().unwrap_or_else(|p| p.into_inner());
        let until = [blocks.get(bucket), blocks.get(ALL)]
            .into_iter()
            .flatten()
            .max()
            .copied()?;
        until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Holds back every request of the platform for `delay` (a `Retry-After`).
    pub(crate) fn block_all_for(&self, delay: Duration) {
        self.block(ALL, Instant::now() + delay);
    }

    fn block(&self, bucket: &str, until: Instant) {
        let mut blocks = self.blocked_until.lock().unwrap_or_else(|p| p.into_inner());
        let entry = blocks.entry(bucket.to_string()).or_insert(until);
        *entry = (*entry).max(until);
    }

    /// Reads the budget headers of a response. Returns the wait the platform asked for
    /// when it reported `bucket` (or everything) as exhausted.
    pub(crate) fn record_response(&self, headers: &HeaderMap, bucket: &str) -> Option<Duration> {
        if let Some(scale) = rate_headers::time_scale(headers) {
            self.time_scale.store(scale.to_bits(), Ordering::Relaxed);
        }
        let report = match self.policy.kind {
            PlatformKind::GitHub => rate_headers::github_budget(headers, bucket),
            PlatformKind::Linear => rate_headers::linear_budget(headers),
            PlatformKind::Jira => {
                if let Some(reason) = rate_headers::jira_rate_limit_reason(headers) {
                    tracing::warn!(platform = %self.platform, reason, "Jira reports a rate limit");
                }
                BudgetReport::default()
            }
            PlatformKind::Generic => BudgetReport::default(),
        };
        if let Some(remaining) = report.remaining {
            self.metrics.rate_limit_remaining(remaining);
        }
        let mut blocks = self.blocked_until.lock().unwrap_or_else(|p| p.into_inner());
        for refreshed in &report.refreshed {
            blocks.remove(refreshed);
        }
        let now_wall = SystemTime::now();
        let now = Instant::now();
        let mut wait_for_this = None;
        for exhausted in &report.exhausted {
            let wait = exhausted
                .resets_at
                .duration_since(now_wall)
                .unwrap_or(Duration::ZERO);
            let entry = blocks.entry(exhausted.bucket.clone()).or_insert(now + wait);
            *entry = (*entry).max(now + wait);
            tracing::info!(
                platform = %self.platform,
                budget = %exhausted.bucket,
                resets_in_ms = wait.as_millis() as u64,
                "rate-limit budget exhausted"
            );
            if exhausted.bucket == bucket || exhausted.bucket == "all" {
                wait_for_this = Some(wait_for_this.map_or(wait, |w: Duration| w.max(wait)));
            }
        }
        wait_for_this
    }

    /// Waits for the right to send a write, when the policy serializes writes. Returns
    /// the slot (held until the write finished) and how long the caller waited.
    pub(crate) async fn write_slot(&self) -> Option<(WriteSlot<'_>, Duration)> {
        let interval = self.scaled(self.policy.min_write_interval?);
        let started = Instant::now();
        let guard = self.write_gate.lock().await;
        if let Some(last_finished) = *guard {
            tokio::time::sleep_until((last_finished + interval).into()).await;
        }
        Some((WriteSlot { guard }, started.elapsed()))
    }
}

/// Creates each platform's limiter once per run and hands out the shared instance.
#[derive(Debug, Default)]
pub struct LimiterRegistry {
    limiters: Mutex<BTreeMap<String, Arc<PlatformLimiter>>>,
    observer: SharedObserver,
    cancel: WaitCanceller,
}

impl LimiterRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// The limiter of `platform`, created with `policy` on first use.
    pub fn limiter(
        &self,
        platform: &str,
        policy: impl FnOnce() -> RatePolicy,
    ) -> Arc<PlatformLimiter> {
        let mut limiters = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
        limiters
            .entry(platform.to_string())
            .or_insert_with(|| {
                let mut limiter = PlatformLimiter::new(platform, policy());
                if let Some(fresh) = Arc::get_mut(&mut limiter) {
                    fresh.observer = self.observer.clone();
                    fresh.cancel = self.cancel.clone();
                }
                limiter
            })
            .clone()
    }

    /// Lets `cancel` end the waits of every platform of this run (a stop request).
    pub fn cancel_waits_with(&mut self, cancel: WaitCanceller) {
        self.cancel = cancel;
    }

    /// Tells `observer` of every rate-limit wait of every platform from now on.
    pub fn observe_waits(&self, observer: WaitObserver) {
        if let Ok(mut slot) = self.observer.0.lock() {
            *slot = Some(observer);
        }
    }

    /// Metrics of every platform, sorted by platform name.
    pub fn snapshots(&self) -> Vec<MetricsSnapshot> {
        let limiters = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
        limiters.values().map(|l| l.metrics()).collect()
    }
}
