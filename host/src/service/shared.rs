//! What the HTTP side and the worker share: the running generation, the metrics, the stop
//! signal, a wake-up for the worker, and the state store connection deliveries are
//! committed through (the worker has a connection of its own).

use super::generation::Generation;
use super::metrics::ServiceMetrics;
use crate::engine::StopSignal;
use crate::store::Store;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::Duration;

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

    pub fn mark_swept(&self) {
        self.swept.store(true, Ordering::SeqCst);
    }

    pub fn swept(&self) -> bool {
        self.swept.load(Ordering::SeqCst)
    }
}
