//! The base a matched pair starts from, by `initial_winner:`. Every difference is then
//! settled by the planner like any other change, so nothing is decided silently:
//!
//! - `source` / `target` (and `newer`, which picks one by the later edit): the loser's
//!   current values are its base, the winner's base is empty — where the two differ, the
//!   winner's value is written over the loser's; where they agree, nothing is written.
//! - `none`: both bases empty and every mapped field held — where the two differ, a
//!   conflict is recorded for a person whatever the sync's strategy; where they agree, the
//!   base settles.
//!
//! An empty value on one side only is filled from the other in every mode (no value is ever
//! cleared by matching).

use crate::config::{InitialWinner, SyncConfig};
use crate::item::{Item, Side};
use crate::plan::{Base, Link};

/// The side whose values win for this pair, or `None` for `initial_winner: none`.
pub fn winner(rule: InitialWinner, source: &Item, target: &Item) -> Option<Side> {
    match rule {
        InitialWinner::Source => Some(Side::Source),
        InitialWinner::Target => Some(Side::Target),
        InitialWinner::Newer if target.updated_at > source.updated_at => Some(Side::Target),
        InitialWinner::Newer => Some(Side::Source),
        InitialWinner::None => None,
    }
}

/// The link of a matched pair, with its initial base.
pub fn initial_link(sync: &SyncConfig, rule: InitialWinner, source: &Item, target: &Item) -> Link {
    let mut base = Base::default();
    match winner(rule, source, target) {
        Some(Side::Source) => {
            for m in &sync.field_mappings {
                base.target.insert(
                    m.target_field.clone(),
                    target.field(&m.target_field).clone(),
                );
            }
        }
        Some(Side::Target) => {
            for m in &sync.field_mappings {
                base.source.insert(
                    m.source_field.clone(),
                    source.field(&m.source_field).clone(),
                );
            }
        }
        None => {
            base.held = sync
                .field_mappings
                .iter()
                .map(|m| m.source_field.clone())
                .collect();
        }
    }
    Link {
        source_id: source.id.clone(),
        target_id: target.id.clone(),
        source_key: source.key.clone(),
        target_key: target.key.clone(),
        base,
    }
}
