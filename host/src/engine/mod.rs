//! The sync engine's effects: carrying out a plan through connectors (executor), running a
//! whole sync (run), retries, progress, reports and crash injection for tests. The
//! decisions themselves are `pmsync_core::planner`, a pure function.

pub mod crash;
pub mod executor;
mod fetch;
mod intents;
pub mod progress;
pub mod report;
mod resolutions;
pub mod retry;
pub mod run;

pub use crash::CrashPoint;
pub use executor::Executor;
pub use progress::{NoProgress, Progress, ProgressEvent};
pub use report::{Counts, ItemAction, ItemResult, RunMode, RunReport, render_plan};
pub use retry::{RetryPolicy, Sleeper, ThreadSleeper};
pub use run::{RunOptions, Runner, SyncContext};

use crate::store::StoreError;
use pmsync_core::{ItemError, Side};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{side} connector ({platform}): {operation} failed: {error}")]
    Connector {
        sync: String,
        side: Side,
        platform: String,
        operation: &'static str,
        error: ItemError,
    },
    /// The executor stopped at an injected crash point (tests only).
    #[error("simulated crash at {0:?}")]
    Crashed(CrashPoint),
}
