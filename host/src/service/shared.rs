//! What the HTTP side and the worker share: the running generation, the metrics, the stop
//! signal, a wake-up for the worker, and the state store connection deliveries are
//! committed through (the worker has a connection of its own).

use super::generation::Generation;
use super::metrics::ServiceMetrics;
use crate::engine::StopSignal;
use crate::store::Store;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::Duration;

/// How many recent runs the status page shows.
pub const RECENT_RUNS: usize = 50;

/// One finished run, for the status page.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub sync: String,
    /// `sweep` or `webhook`.
    pub kind: &'static str,
    pub finished_at: chrono::DateTime<chrono::Utc>,
    pub counts: Option<crate::engine::Counts>,
    pub elapsed_ms: u64,
    pub error: Option<String>,
}

pub struct Shared {
    current: RwLock<Arc<Generation>>,
    pub metrics: ServiceMetrics,
    pub stop: StopSignal,
    intake: Mutex<Store>,
    work: Mutex<bool>,
    work_ready: Condvar,
    /// Set once the worker has finished its first reconcile sweep.
    swept: AtomicBool,
    /// Why the last reload was refused, if it was.
    pub last_reload_error: Mutex<Option<String>>,
    recent: Mutex<VecDeque<RunSummary>>,
    sweep_requested: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub fn new(generation: Generation, intake: Store, stop: StopSignal) -> Shared {
        Shared {
            current: RwLock::new(Arc::new(generation)),
            metrics: ServiceMetrics::default(),
            stop,
            intake: Mutex::new(intake),
            work: Mutex::new(false),
            work_ready: Condvar::new(),
            swept: AtomicBool::new(false),
            last_reload_error: Mutex::new(None),
            recent: Mutex::new(VecDeque::new()),
            sweep_requested: AtomicBool::new(false),
        }
    }

    /// The generation running now.
    pub fn current(&self) -> Arc<Generation> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Runs `next` from now on (the worker picks it up between batches).
    pub fn replace(&self, mut next: Generation) {
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        next.number = current.number + 1;
        *current = Arc::new(next);
        drop(current);
        *lock(&self.last_reload_error) = None;
        self.wake();
    }

    /// The store connection deliveries are committed through.
    pub fn intake(&self) -> MutexGuard<'_, Store> {
        lock(&self.intake)
    }

    /// Tells the worker there is work (a delivery, a new config, a stop).
    pub fn wake(&self) {
        *lock(&self.work) = true;
        self.work_ready.notify_all();
    }

    /// Waits until woken or `limit` passed.
    pub fn wait_for_work(&self, limit: Duration) {
        let mut work = lock(&self.work);
        if !*work {
            work = self
                .work_ready
                .wait_timeout(work, limit)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        *work = false;
    }

    /// Records a finished run (the last [`RECENT_RUNS`] are kept).
    pub fn record_run(&self, run: RunSummary) {
        let mut recent = lock(&self.recent);
        if recent.len() == RECENT_RUNS {
            recent.pop_front();
        }
        recent.push_back(run);
    }

    /// The recent runs, newest first.
    pub fn recent_runs(&self) -> Vec<RunSummary> {
        lock(&self.recent).iter().rev().cloned().collect()
    }

    /// Asks the worker for a sweep now (a conflict was resolved: its choice gets written).
    pub fn request_sweep(&self) {
        self.sweep_requested.store(true, Ordering::SeqCst);
        self.wake();
    }

    /// Whether a sweep was asked for since the last call.
    pub fn take_sweep_request(&self) -> bool {
        self.sweep_requested.swap(false, Ordering::SeqCst)
    }

    pub fn mark_swept(&self) {
        self.swept.store(true, Ordering::SeqCst);
    }

    pub fn swept(&self) -> bool {
        self.swept.load(Ordering::SeqCst)
    }
}
