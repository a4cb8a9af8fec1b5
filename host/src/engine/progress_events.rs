//! Progress events of a run, for a progress bar or a log.

use pmsync_core::Side;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ProgressEvent {
    /// A page of changed items (or partners) was fetched; `total` so far on that side.
    Fetched { side: Side, total: usize },
    /// The plan is ready: this many writes to make.
    Planned {
        creates: usize,
        updates: usize,
        conflicts: usize,
        writes: usize,
    },
    /// `done` of `total` planned writes are carried out (successfully or not).
    Written { done: usize, total: usize },
}

/// Receives progress events. Called from the thread running the sync.
pub trait Progress: Send + Sync {
    fn event(&self, event: &ProgressEvent);
}

/// Ignores progress.
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&self, _event: &ProgressEvent) {}
}

impl<F: Fn(&ProgressEvent) + Send + Sync> Progress for F {
    fn event(&self, event: &ProgressEvent) {
        self(event)
    }
}
