//! The worker: takes committed deliveries in arrival order, asks each platform's connector
//! which items a delivery is about (`parse-webhook`), syncs just those items per sync
//! (a burst of deliveries about the same items is one run), marks the deliveries done, and
//! every `sync_interval` runs the reconcile sweep (the incremental run) that catches what
//! no delivery announced. One thread, so runs never overlap. A new config generation is
//! taken between batches.

use super::generation::Generation;
use super::shared::{RunSummary, Shared};
use crate::app::{Connectors, Setup};
use crate::engine::{NoProgress, RunOptions};
use crate::store::{QueuedDelivery, Store};
use chrono::Utc;
use pmsync_core::Side;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most deliveries taken in one batch.
pub const BATCH: usize = 200;
/// How often a delivery whose sync failed is tried before it is given up (the sweep still
/// reconciles its items).
pub const MAX_ATTEMPTS: u32 = 5;
/// Done deliveries are remembered (their ids recognised) this long.
pub const REMEMBER_DELIVERIES: chrono::Duration = chrono::Duration::days(7);

/// Runs until the stop signal; `store` is the worker's own connection.
pub fn run(shared: Arc<Shared>, mut store: Store) {
    let mut attempts: HashMap<i64, u32> = HashMap::new();
    let mut next_sweep = Instant::now();
    while !shared.stop.requested() {
        let generation = shared.current();
        let mut setup = match Setup::new(
            &generation.config,
            &generation.plugins,
            &generation.secrets,
            false,
        ) {
            Ok(setup) => setup,
            Err(e) => {
                tracing::error!(target: "pmsync::serve", "{e}; trying again in 5 s");
                shared.wait_for_work(Duration::from_secs(5));
                continue;
            }
        };
        setup.stop = shared.stop.clone();
        let mut connectors = Connectors::new(&setup);
        let interval = generation.sweep_interval();
        while !shared.stop.requested() && shared.current().number == generation.number {
            if shared.take_sweep_request() || Instant::now() >= next_sweep {
                sweep(&shared, &generation, &mut connectors, &mut store);
                shared.metrics.set_requests(setup.metrics());
                next_sweep = Instant::now() + interval;
                continue;
            }
            let batch = match store.queued_deliveries(BATCH) {
                Ok(batch) => batch,
                Err(e) => {
                    tracing::error!(target: "pmsync::serve", "cannot read the delivery queue: {e}");
                    shared.wait_for_work(Duration::from_secs(1));
                    continue;
                }
            };
            if batch.is_empty() {
                let until_sweep = next_sweep.saturating_duration_since(Instant::now());
                shared.wait_for_work(until_sweep.min(Duration::from_secs(1)));
                continue;
            }
            let failed = process(
                &shared,
                &generation,
                &mut connectors,
                &mut store,
                &batch,
                &mut attempts,
            );
            shared.metrics.set_requests(setup.metrics());
            if failed {
                // A sync failed as a whole (a platform is down): do not spin on it.
                shared.wait_for_work(Duration::from_secs(1));
            }
        }
    }
}

/// The reconcile sweep: every sync's incremental run, and old delivery ids forgotten.
fn sweep(
    shared: &Shared,
    generation: &Generation,
    connectors: &mut Connectors<'_>,
    store: &mut Store,
) {
    for sync in &generation.config.syncs {
        if shared.stop.requested() {
            return;
        }
        let result = connectors.run(sync, store, &RunOptions::default(), &NoProgress);
        shared.record_run(summary(&sync.name, "sweep", &result));
        match result {
            Ok(report) => {
                tracing::info!(
                    target: "pmsync::serve",
                    "sweep {}: {} created, {} updated, {} failed, {} conflicts left",
                    sync.name, report.counts.created, report.counts.updated, report.counts.failed,
                    report.counts.conflicts_manual
                );
                shared.metrics.run(&report, false);
            }
            Err(e) => {
                tracing::error!(target: "pmsync::serve", "sweep: {e}");
                shared.metrics.run_error();
            }
        }
    }
    if let Err(e) = store.write(|tx| tx.purge_deliveries(Utc::now() - REMEMBER_DELIVERIES)) {
        tracing::warn!(target: "pmsync::serve", "cannot forget old deliveries: {e}");
    }
    shared.mark_swept();
}

/// Syncs the items of `batch`. Returns whether some sync failed as a whole (its
/// deliveries stay queued, up to [`MAX_ATTEMPTS`]).
fn process(
    shared: &Shared,
    generation: &Generation,
    connectors: &mut Connectors<'_>,
    store: &mut Store,
    batch: &[QueuedDelivery],
    attempts: &mut HashMap<i64, u32>,
) -> bool {
    // Per sync: the ids per side, and which deliveries named them.
    let mut named: BTreeMap<&str, BTreeMap<Side, Vec<String>>> = BTreeMap::new();
    let mut named_by: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    let mut done: Vec<(i64, Option<String>)> = Vec::new();
    for delivery in batch {
        let parsed = connectors.connector(&delivery.platform).and_then(|c| {
            c.parse_webhook(&delivery.headers, &delivery.body)
                .map_err(|e| e.to_string())
        });
        let ids = match parsed {
            Ok(ids) => ids,
            Err(error) => {
                shared.metrics.unparsable();
                tracing::warn!(
                    target: "pmsync::serve",
                    "webhook {} {}: not understood: {error}", delivery.platform, delivery.delivery_id
                );
                done.push((delivery.id, Some(error)));
                continue;
            }
        };
        let mut used = false;
        for sync in &generation.config.syncs {
            for (side, entry) in [
                (Side::Source, &sync.source_platform),
                (Side::Target, &sync.target_platform),
            ] {
                if entry == &delivery.platform && !ids.is_empty() {
                    named
                        .entry(sync.name.as_str())
                        .or_default()
                        .entry(side)
                        .or_default()
                        .extend(ids.iter().cloned());
                    named_by
                        .entry(sync.name.as_str())
                        .or_default()
                        .push(delivery.id);
                    used = true;
                }
            }
        }
        if !used {
            // About nothing a sync follows (a ping, a label event, an unsynced platform).
            done.push((delivery.id, None));
        }
    }
    let mut failed_deliveries: Vec<i64> = Vec::new();
    let mut any_failed = false;
    for (sync_name, ids) in &named {
        let Some(sync) = generation
            .config
            .syncs
            .iter()
            .find(|s| s.name == *sync_name)
        else {
            continue;
        };
        let result = connectors.run_items(sync, store, ids, &NoProgress);
        shared.record_run(summary(&sync.name, "webhook", &result));
        match result {
            Ok(report) => {
                tracing::info!(
                    target: "pmsync::serve",
                    "webhook run {}: {} item(s) named, {} created, {} updated, {} failed",
                    sync.name,
                    ids.values().map(Vec::len).sum::<usize>(),
                    report.counts.created, report.counts.updated, report.counts.failed
                );
                shared.metrics.run(&report, true);
            }
            Err(e) => {
                tracing::error!(target: "pmsync::serve", "webhook run: {e}");
                shared.metrics.run_error();
                any_failed = true;
                failed_deliveries.extend(named_by.get(sync_name).into_iter().flatten());
            }
        }
    }
    let now = Utc::now();
    for delivery in batch {
        if done.iter().any(|(id, _)| *id == delivery.id) {
            continue;
        }
        if failed_deliveries.contains(&delivery.id) {
            let n = attempts.entry(delivery.id).or_insert(0);
            *n += 1;
            if *n < MAX_ATTEMPTS {
                continue;
            }
            attempts.remove(&delivery.id);
            done.push((
                delivery.id,
                Some(format!(
                    "given up after {MAX_ATTEMPTS} attempts; the sweep reconciles its items"
                )),
            ));
            continue;
        }
        attempts.remove(&delivery.id);
        let latency = (now - delivery.received_at).to_std().unwrap_or_default();
        shared.metrics.delivered(latency);
        done.push((delivery.id, None));
    }
    if let Err(e) = store.write(|tx| {
        for (id, error) in &done {
            tx.finish_delivery(*id, error.as_deref(), now)?;
        }
        Ok(())
    }) {
        tracing::error!(target: "pmsync::serve", "cannot mark deliveries done: {e}");
        return true;
    }
    any_failed
}

fn summary(
    sync: &str,
    kind: &'static str,
    result: &Result<crate::engine::RunReport, String>,
) -> RunSummary {
    RunSummary {
        sync: sync.to_string(),
        kind,
        finished_at: Utc::now(),
        counts: result.as_ref().ok().map(|r| r.counts.clone()),
        elapsed_ms: result.as_ref().map(|r| r.elapsed_ms).unwrap_or(0),
        error: result.as_ref().err().cloned(),
    }
}
