//! The sync plan: what a run will do, computed without I/O. The executor carries it out;
//! dry-run prints it.

use crate::config::Strategy;
use crate::item::{Item, Side};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The values both sides had at the last successful sync, by each side's field name.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Base {
    pub source: BTreeMap<String, Value>,
    pub target: BTreeMap<String, Value>,
    /// Source fields of a pair matched with `initial_winner: none` whose values differed:
    /// a conflict on one of them is left for a person whatever the strategy, until the
    /// field's base is settled (a write, an agreement, a person's resolution).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub held: BTreeSet<String>,
}

/// A pair of items, one on each side, and their base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub source_id: String,
    pub target_id: String,
    pub source_key: String,
    pub target_key: String,
    pub base: Base,
}

/// What the planner is asked to decide about.
// Most candidates of a run are linked pairs, so the larger variant is the common one; boxing
// it would add an allocation per pair for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Candidate {
    /// An item with no partner yet.
    Unlinked { side: Side, item: Item },
    /// A linked pair; `None` where the item no longer exists on that side.
    Linked {
        link: Link,
        source: Option<Item>,
        target: Option<Item>,
    },
}

/// A field's value before and after a write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field's name on the side written.
    pub field: String,
    pub old: Value,
    pub new: Value,
}

/// Create an item on the other side of `from`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Create {
    /// The side the original item lives on; the new item goes to the other side.
    pub from: Side,
    pub item: Item,
    /// The origin marker the new item carries, so a retry finds it instead of creating again.
    pub origin: String,
    /// The new item's fields, in its platform's terms.
    pub fields: Vec<(String, Value)>,
    /// The base to record once created: the `from` side's values; the new item's side is
    /// filled from what the platform returns.
    pub base: Base,
}

/// How a conflict was (or will be) settled.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", content = "value", rename_all = "snake_case")]
pub enum ConflictOutcome {
    /// This side's value is written to the other side.
    Won(Side),
    /// A resolver's merged value (target terms) is written to both sides.
    Merged(Value),
    /// Left for a person; the field is not touched until resolved.
    Manual(String),
}

/// A field changed differently on both sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub source_field: String,
    pub target_field: String,
    pub source_value: Value,
    pub target_value: Value,
    pub base_source: Option<Value>,
    pub base_target: Option<Value>,
    pub strategy: Strategy,
    pub outcome: ConflictOutcome,
}

/// The changes to one linked pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Update {
    pub link: Link,
    pub source_updated_at: chrono::DateTime<chrono::Utc>,
    pub target_updated_at: chrono::DateTime<chrono::Utc>,
    /// Writes to the target item (target field names and terms).
    pub to_target: Vec<FieldChange>,
    /// Writes to the source item (source field names and terms).
    pub to_source: Vec<FieldChange>,
    pub conflicts: Vec<Conflict>,
    /// The base to record once the writes succeed (written fields are then replaced by what
    /// the platform returned, so the echo of our own write is no change).
    pub new_base: Base,
}

impl Update {
    pub fn has_writes(&self) -> bool {
        !self.to_target.is_empty() || !self.to_source.is_empty()
    }
}

/// An item left alone, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skip {
    pub side: Side,
    pub item_id: String,
    pub key: String,
    pub reason: String,
}

/// An item that cannot be synced as it is (a failing transform, a required field without
/// value); other items go on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub side: Side,
    pub item_id: String,
    pub key: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Plan {
    pub sync: String,
    pub creates: Vec<Create>,
    /// Linked pairs with writes, conflicts or a base to move.
    pub updates: Vec<Update>,
    /// Links to forget (an item was deleted and `on_delete: unlink`).
    pub unlinks: Vec<Link>,
    pub skips: Vec<Skip>,
    pub failures: Vec<Failure>,
}

impl Plan {
    /// Number of writes the plan makes to platforms (creates + item updates per side).
    pub fn write_count(&self) -> usize {
        self.creates.len()
            + self
                .updates
                .iter()
                .map(|u| {
                    usize::from(!u.to_target.is_empty()) + usize::from(!u.to_source.is_empty())
                })
                .sum::<usize>()
    }

    pub fn conflicts(&self) -> impl Iterator<Item = (&Update, &Conflict)> {
        self.updates
            .iter()
            .flat_map(|u| u.conflicts.iter().map(move |c| (u, c)))
    }
}
