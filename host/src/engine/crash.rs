//! Crash injection: make the executor stop at a point as if the process died there, without
//! committing anything that would follow. Used by the crash tests; `None` in production.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashPoint {
    /// The create intents of a batch are committed; nothing was created yet.
    AfterIntent,
    /// The platform created the items; their links are not recorded.
    AfterCreate,
    /// Links and intents are committed; the run has not finished (no watermark moved).
    AfterLink,
    /// The platform applied the updates; the new base is not recorded.
    AfterUpdate,
}
