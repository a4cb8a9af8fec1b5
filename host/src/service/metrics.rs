//! The service's counters, and `/metrics` in the Prometheus text exposition format
//! (version 0.0.4): runs, items, writes, failures, conflicts, deliveries, queue depth,
//! webhook-to-write latency, and per-platform requests.

use crate::engine::RunReport;
use crate::http::MetricsSnapshot;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the webhook-to-write latency histogram.
pub const LATENCY_BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0];

/// Why a delivery was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Signature,
    Stale,
    Oversized,
    UnknownPlatform,
    Malformed,
}

impl Rejection {
    fn label(self) -> &'static str {
        match self {
            Rejection::Signature => "signature",
            Rejection::Stale => "stale",
            Rejection::Oversized => "oversized",
            Rejection::UnknownPlatform => "unknown_platform",
            Rejection::Malformed => "malformed",
        }
    }
    const ALL: [Rejection; 5] = [
        Rejection::Signature,
        Rejection::Stale,
        Rejection::Oversized,
        Rejection::UnknownPlatform,
        Rejection::Malformed,
    ];
}

#[derive(Default)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct ServiceMetrics {
    sweep_runs: AtomicU64,
    webhook_runs: AtomicU64,
    run_errors: AtomicU64,
    created: AtomicU64,
    updated: AtomicU64,
    writes: AtomicU64,
    failed_items: AtomicU64,
    conflicts_auto: AtomicU64,
    conflicts_manual: AtomicU64,
    deliveries_queued: AtomicU64,
    deliveries_duplicate: AtomicU64,
    deliveries_unparsable: AtomicU64,
    rejected: [AtomicU64; 5],
    reloads: AtomicU64,
    reload_failures: AtomicU64,
    latency: Mutex<Histogram>,
    requests: Mutex<Vec<MetricsSnapshot>>,
}

fn add(counter: &AtomicU64, n: usize) {
    counter.fetch_add(n as u64, Ordering::Relaxed);
}

fn get(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

impl ServiceMetrics {
    /// A run finished: a sweep (`webhook` false) or one for deliveries.
    pub fn run(&self, report: &RunReport, webhook: bool) {
        add(
            if webhook {
                &self.webhook_runs
            } else {
                &self.sweep_runs
            },
            1,
        );
        let c = &report.counts;
        add(&self.created, c.created);
        add(&self.updated, c.updated);
        add(&self.writes, c.writes);
        add(&self.failed_items, c.failed);
        add(&self.conflicts_auto, c.conflicts_auto);
        add(&self.conflicts_manual, c.conflicts_manual);
    }

    pub fn run_error(&self) {
        add(&self.run_errors, 1);
    }

    pub fn queued(&self) {
        add(&self.deliveries_queued, 1);
    }

    pub fn duplicate(&self) {
        add(&self.deliveries_duplicate, 1);
    }

    pub fn unparsable(&self) {
        add(&self.deliveries_unparsable, 1);
    }

    pub fn rejected(&self, why: Rejection) {
        add(&self.rejected[why as usize], 1);
    }

    pub fn reloaded(&self, ok: bool) {
        add(
            if ok {
                &self.reloads
            } else {
                &self.reload_failures
            },
            1,
        );
    }

    /// A delivery's items were synced `latency` after it arrived.
    pub fn delivered(&self, latency: Duration) {
        let seconds = latency.as_secs_f64();
        let mut h = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.buckets[i] += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// The request counters of the connectors the worker uses now.
    pub fn set_requests(&self, snapshots: Vec<MetricsSnapshot>) {
        *self.requests.lock().unwrap_or_else(|p| p.into_inner()) = snapshots;
    }

    /// The Prometheus text exposition of everything, with the queue depth now.
    pub fn render(&self, queue_depth: u64, generation: u64) -> String {
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, samples: &[(String, f64)]| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, value) in samples {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        let one = |v: u64| vec![(String::new(), v as f64)];
        family(
            "pmsync_runs_total",
            "counter",
            "Sync runs finished, by kind (sweep: the reconcile run every sync_interval; webhook: items named by deliveries).",
            &[
                ("{kind=\"sweep\"}".into(), get(&self.sweep_runs) as f64),
                ("{kind=\"webhook\"}".into(), get(&self.webhook_runs) as f64),
            ],
        );
        family(
            "pmsync_run_errors_total",
            "counter",
            "Runs that failed as a whole (a side could not be listed, the store failed).",
            &one(get(&self.run_errors)),
        );
        family(
            "pmsync_items_total",
            "counter",
            "Items synced, by action.",
            &[
                ("{action=\"created\"}".into(), get(&self.created) as f64),
                ("{action=\"updated\"}".into(), get(&self.updated) as f64),
                ("{action=\"failed\"}".into(), get(&self.failed_items) as f64),
            ],
        );
        family(
            "pmsync_writes_total",
            "counter",
            "Successful writes to platforms.",
            &one(get(&self.writes)),
        );
        family(
            "pmsync_failures_total",
            "counter",
            "Items that failed to sync (each is retried by the next run).",
            &one(get(&self.failed_items)),
        );
        family(
            "pmsync_conflicts_total",
            "counter",
            "Conflicts found, by how they were settled.",
            &[
                (
                    "{outcome=\"auto\"}".into(),
                    get(&self.conflicts_auto) as f64,
                ),
                (
                    "{outcome=\"manual\"}".into(),
                    get(&self.conflicts_manual) as f64,
                ),
            ],
        );
        let mut deliveries = vec![
            (
                "{outcome=\"queued\"}".to_string(),
                get(&self.deliveries_queued) as f64,
            ),
            (
                "{outcome=\"duplicate\"}".to_string(),
                get(&self.deliveries_duplicate) as f64,
            ),
            (
                "{outcome=\"unparsable\"}".to_string(),
                get(&self.deliveries_unparsable) as f64,
            ),
        ];
        for why in Rejection::ALL {
            deliveries.push((
                format!("{{outcome=\"rejected_{}\"}}", why.label()),
                get(&self.rejected[why as usize]) as f64,
            ));
        }
        family(
            "pmsync_webhook_deliveries_total",
            "counter",
            "Webhook deliveries received, by outcome.",
            &deliveries,
        );
        family(
            "pmsync_queue_depth",
            "gauge",
            "Deliveries committed and not yet synced.",
            &one(queue_depth),
        );
        family(
            "pmsync_config_generation",
            "gauge",
            "The config generation running (1, then one more per successful reload).",
            &one(generation),
        );
        family(
            "pmsync_config_reloads_total",
            "counter",
            "Config reloads, by result (a refused one keeps the old config running).",
            &[
                ("{result=\"ok\"}".into(), get(&self.reloads) as f64),
                (
                    "{result=\"refused\"}".into(),
                    get(&self.reload_failures) as f64,
                ),
            ],
        );
        {
            let h = self.latency.lock().unwrap_or_else(|p| p.into_inner());
            let mut samples: Vec<(String, f64)> = LATENCY_BUCKETS
                .iter()
                .zip(h.buckets)
                .map(|(bound, n)| (format!("_bucket{{le=\"{bound}\"}}"), n as f64))
                .collect();
            samples.push(("_bucket{le=\"+Inf\"}".into(), h.count as f64));
            samples.push(("_sum".into(), h.sum));
            samples.push(("_count".into(), h.count as f64));
            family(
                "pmsync_webhook_to_write_seconds",
                "histogram",
                "From a delivery's arrival to its items synced on the other side.",
                &samples,
            );
        }
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let per_platform = |f: &dyn Fn(&MetricsSnapshot) -> f64| -> Vec<(String, f64)> {
            requests
                .iter()
                .map(|s| (format!("{{platform=\"{}\"}}", escape(&s.platform)), f(s)))
                .collect()
        };
        family(
            "pmsync_platform_requests_total",
            "counter",
            "Requests plugins made to each platform.",
            &per_platform(&|s| s.requests as f64),
        );
        family(
            "pmsync_platform_retries_total",
            "counter",
            "Requests retried, per platform.",
            &per_platform(&|s| s.retries as f64),
        );
        family(
            "pmsync_platform_rate_limit_wait_seconds_total",
            "counter",
            "Time spent waiting for rate-limit resets, per platform.",
            &per_platform(&|s| s.rate_limit_wait_ms / 1000.0),
        );
        let remaining: Vec<(String, f64)> = requests
            .iter()
            .filter_map(|s| {
                let left = s.rate_limit_remaining?;
                Some((
                    format!("{{platform=\"{}\"}}", escape(&s.platform)),
                    left as f64,
                ))
            })
            .collect();
        family(
            "pmsync_platform_rate_limit_remaining",
            "gauge",
            "The rate-limit budget each platform last reported left.",
            &remaining,
        );
        drop(requests);
        out
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_lands_in_every_bucket_at_or_above_it() {
        let metrics = ServiceMetrics::default();
        metrics.delivered(Duration::from_millis(300));
        metrics.delivered(Duration::from_secs(3));
        let text = metrics.render(7, 2);
        assert!(
            text.contains("pmsync_webhook_to_write_seconds_bucket{le=\"0.25\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("pmsync_webhook_to_write_seconds_bucket{le=\"0.5\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("pmsync_webhook_to_write_seconds_bucket{le=\"5\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("pmsync_webhook_to_write_seconds_bucket{le=\"+Inf\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("pmsync_webhook_to_write_seconds_count 2"),
            "{text}"
        );
        assert!(text.contains("pmsync_queue_depth 7"), "{text}");
        assert!(text.contains("# TYPE pmsync_runs_total counter"), "{text}");
    }
}
