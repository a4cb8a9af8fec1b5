//! Settling updates an interrupted run left pending (see `store::PendingUpdate`): where the
//! platform holds the value we were writing, that value is ours — it becomes the base of the
//! field on both sides, as a recorded write would have made it. Where it holds something
//! else, the write did not land or a person changed the field since: the old base stays, so
//! the planner sees that change (and a conflict if both sides moved).

use super::EngineError;
use crate::store::{PendingUpdate, Store};
use pmsync_core::config::SyncConfig;
use pmsync_core::plan::{Base, Candidate};
use pmsync_core::{Item, Side};
use std::collections::HashMap;

/// Adjusts the bases of `candidates` with pending updates and, unless `dry_run`, records the
/// adjusted bases and drops the settled records. Records whose pair was not fetched this run
/// stay for the next one.
pub(crate) fn settle(
    sync: &SyncConfig,
    store: &mut Store,
    candidates: &mut [Candidate],
    dry_run: bool,
) -> Result<usize, EngineError> {
    let pending = store.pending_updates(&sync.name)?;
    if pending.is_empty() {
        return Ok(0);
    }
    let mut by_source: HashMap<String, PendingUpdate> = pending
        .into_iter()
        .map(|p| (p.source_id.clone(), p))
        .collect();
    let mut settled: Vec<(String, Base)> = Vec::new();
    for candidate in candidates.iter_mut() {
        let Candidate::Linked {
            link,
            source: Some(source),
            target: Some(target),
        } = candidate
        else {
            continue;
        };
        let Some(pending) = by_source.remove(&link.source_id) else {
            continue;
        };
        adopt(sync, &mut link.base, &pending, source, target);
        settled.push((link.source_id.clone(), link.base.clone()));
    }
    if !dry_run && !settled.is_empty() {
        store.write(|tx| {
            for (source_id, base) in &settled {
                tx.set_base(&sync.name, source_id, base)?;
                tx.clear_pending_update(&sync.name, source_id)?;
            }
            Ok(())
        })?;
    }
    Ok(settled.len())
}

/// For every pending write the platform holds, take it (and what it was written from) as
/// the field's base.
fn adopt(
    sync: &SyncConfig,
    base: &mut Base,
    pending: &PendingUpdate,
    source: &Item,
    target: &Item,
) {
    for write in &pending.writes {
        let item = match write.side {
            Side::Source => source,
            Side::Target => target,
        };
        if item.field(&write.field) != &write.value {
            continue;
        }
        for m in &sync.field_mappings {
            let (written, other, other_side) = match write.side {
                Side::Source => (&m.source_field, &m.target_field, Side::Target),
                Side::Target => (&m.target_field, &m.source_field, Side::Source),
            };
            if *written != write.field {
                continue;
            }
            side_mut(base, write.side).insert(written.clone(), write.value.clone());
            let planned = match other_side {
                Side::Source => pending.new_base.source.get(other),
                Side::Target => pending.new_base.target.get(other),
            };
            if let Some(value) = planned {
                side_mut(base, other_side).insert(other.clone(), value.clone());
            }
        }
    }
}

fn side_mut(
    base: &mut Base,
    side: Side,
) -> &mut std::collections::BTreeMap<String, pmsync_core::Value> {
    match side {
        Side::Source => &mut base.source,
        Side::Target => &mut base.target,
    }
}
