//! The sync engine's effects: carrying out a plan through connectors (executor), running a
//! whole sync (run), retries, progress, reports and crash injection for tests. The
//! decisions themselves are `pmsync_core::planner`, a pure function.

mod adopt;
pub mod call_with_retry;
pub mod crash;
pub mod executor;
mod fetch;
mod intent_recovery;
mod named_items;
mod pending_updates;
pub mod progress_events;
pub mod report;
mod resolutions;
pub mod run;
pub mod stop_signal;

pub use call_with_retry::{RetryPolicy, Sleeper, ThreadSleeper};
pub use crash::CrashPoint;
pub use executor::Executor;
pub use progress_events::{NoProgress, Progress, ProgressEvent};
pub use report::{
    Counts, ItemAction, ItemResult, MatchLine, MatchReport, RunMode, RunReport, render_matching,
    render_plan,
};
pub use run::{RunOptions, Runner, SyncContext};
pub use stop_signal::StopSignal;

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
