//! Per-platform request metrics, readable as a serializable snapshot.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

/// A point-in-time copy of one platform's metrics (for run summaries and benchmarks).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MetricsSnapshot {
    pub platform: String,
    /// `send` calls made by plugins.
    pub requests: u64,
    /// HTTP exchanges attempted (requests + retries, minus requests refused before sending).
    pub attempts: u64,
    pub retries: u64,
    /// Responses by status class (`"2xx"`, `"4xx"`, ...), one per attempt.
    pub responses_by_status_class: BTreeMap<String, u64>,
    pub transport_errors: u64,
    pub timeouts: u64,
    /// Requests refused by grants, header rules or credential rules.
    pub denied: u64,
    /// Latency of attempts that got a response or failed on the wire.
    pub latency_total_ms: f64,
    pub latency_avg_ms: f64,
    pub latency_max_ms: f64,
    /// Time spent waiting for rate-limit resets and `Retry-After`.
    pub rate_limit_wait_ms: f64,
    /// Time spent in backoff delays before retrying server and transport errors.
    pub backoff_wait_ms: f64,
    /// Time writes spent queued behind other writes or waiting for the write spacing.
    pub write_queue_wait_ms: f64,
    /// The rate-limit budget the platform last reported left (`None`: it reports none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_remaining: Option<i64>,
}

#[derive(Debug, Default)]
struct Counters {
    requests: u64,
    attempts: u64,
    retries: u64,
    by_class: BTreeMap<String, u64>,
    transport_errors: u64,
    timeouts: u64,
    denied: u64,
    latency_total: Duration,
    latency_max: Duration,
    rate_limit_wait: Duration,
    backoff_wait: Duration,
    write_queue_wait: Duration,
    rate_limit_remaining: Option<i64>,
}

/// Thread-safe metrics of one platform.
#[derive(Debug, Default)]
pub(crate) struct PlatformMetrics {
    counters: Mutex<Counters>,
}

/// How one attempt ended, for the metrics.
pub(crate) enum AttemptOutcome {
    Status(u16),
    Transport,
    Timeout,
}

impl PlatformMetrics {
    fn with<R>(&self, f: impl FnOnce(&mut Counters) -> R) -> R {
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut counters)
    }

    pub fn request(&self) {
        self.with(|c| c.requests += 1);
    }

    pub fn denied(&self) {
        self.with(|c| c.denied += 1);
    }

    pub fn retry(&self) {
        self.with(|c| c.retries += 1);
    }

    pub fn rate_limit_wait(&self, waited: Duration) {
        self.with(|c| c.rate_limit_wait += waited);
    }

    /// The budget the platform says is left, from its latest answer.
    pub fn rate_limit_remaining(&self, remaining: i64) {
        self.with(|c| c.rate_limit_remaining = Some(remaining));
    }

    pub fn backoff_wait(&self, waited: Duration) {
        self.with(|c| c.backoff_wait += waited);
    }

    pub fn write_queue_wait(&self, waited: Duration) {
        self.with(|c| c.write_queue_wait += waited);
    }

    pub fn attempt(&self, outcome: AttemptOutcome, latency: Duration) {
        self.with(|c| {
            c.attempts += 1;
            c.latency_total += latency;
            c.latency_max = c.latency_max.max(latency);
            match outcome {
                AttemptOutcome::Status(status) => {
                    *c.by_class.entry(format!("{}xx", status / 100)).or_insert(0) += 1;
                }
                AttemptOutcome::Transport => c.transport_errors += 1,
                AttemptOutcome::Timeout => c.timeouts += 1,
            }
        });
    }

    pub fn snapshot(&self, platform: &str) -> MetricsSnapshot {
        self.with(|c| {
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            MetricsSnapshot {
                platform: platform.to_string(),
                requests: c.requests,
                attempts: c.attempts,
                retries: c.retries,
                responses_by_status_class: c.by_class.clone(),
                transport_errors: c.transport_errors,
                timeouts: c.timeouts,
                denied: c.denied,
                latency_total_ms: ms(c.latency_total),
                latency_avg_ms: if c.attempts == 0 {
                    0.0
                } else {
                    ms(c.latency_total) / c.attempts as f64
                },
                latency_max_ms: ms(c.latency_max),
                rate_limit_wait_ms: ms(c.rate_limit_wait),
                backoff_wait_ms: ms(c.backoff_wait),
                write_queue_wait_ms: ms(c.write_queue_wait),
                rate_limit_remaining: c.rate_limit_remaining,
            }
        })
    }
}
