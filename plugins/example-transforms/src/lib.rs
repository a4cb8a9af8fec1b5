//! Example pmsync transformer plugin.
//!
//! - `jira_priority_to_number`: `Critical` 1, `High` 2, `Medium` 3, `Low` 4, anything else 3.
//! - `jira_status_to_linear`: `To Do` → `Todo`, `In Progress`, `Done` and `Blocked` unchanged,
//!   anything else → `Backlog`.
//!
//! The mappings are plain functions ([`jira_priority_to_number`], [`jira_status_to_linear`])
//! so the same logic can run natively and inside the component (benchmarks compare both).

mod mappings;
mod plugin;

pub use mappings::{jira_priority_to_number, jira_status_to_linear};
pub use plugin::ExampleTransforms;
