//! pmsync resolver plugin `priority_based`.
//!
//! When both sides changed a field differently, the item with the higher priority (the
//! lower number: 1 is the most urgent) wins all its conflicting fields. An item with a
//! priority beats one without. Equal priorities, or none on either side, fall back to last
//! write wins by `updated-at`; an exact tie goes to the source, so the outcome never
//! depends on call order.
//!
//! Priorities are read from the field named by the settings `source_priority_field` and
//! `target_priority_field` (both default to `priority`). A priority may be an integer
//! (Linear: 1 urgent .. 4 low, 0 no priority) or a name (Jira: Critical 1, High 2,
//! Medium 3, Low 4; Linear: Urgent 1, No priority).

mod decision;
mod plugin;
mod priority;

pub use decision::{Decision, Settings, Winner, decide};
pub use plugin::PriorityResolver;
pub use priority::{Priority, read_priority};
