//! Writing conflicts a person resolved (`conflicts resolve`): the chosen value goes to the
//! side(s) that differ, and the base of that field moves to what the platforms stored.

use super::EngineError;
use super::call_with_retry::call_with_retry;
use super::executor::{Executor, FailedItem};
use super::fetch::get_many;
use super::report::{ItemAction, ItemResult, RunReport};
use crate::connector::UpdateRequest;
use crate::store::{AuditStatus, ChangeRecord, ConflictChoice, Store, StoredConflict};
use pmsync_core::plan::Base;
use pmsync_core::planner::{Conversion, Converter, Way};
use pmsync_core::{Item, ItemError, Side, Value};
use std::collections::HashMap;

struct Work {
    conflict: StoredConflict,
    source: Item,
    target: Item,
    /// (side, field, old, new) to write.
    writes: Vec<(Side, String, Value, Value)>,
    error: Option<String>,
}

fn fetched(
    results: Vec<Result<Item, ItemError>>,
    ids: &[String],
) -> HashMap<String, Result<Item, ItemError>> {
    ids.iter().cloned().zip(results).collect()
}

pub(crate) fn apply(
    exec: &Executor<'_>,
    store: &mut Store,
    converter: &dyn Converter,
    report: &mut RunReport,
) -> Result<(), EngineError> {
    let sync = exec.sync.name.clone();
    let resolved = store.resolved_unapplied(&sync)?;
    if resolved.is_empty() {
        return Ok(());
    }
    let mut retries = 0;
    let source_ids: Vec<String> = resolved.iter().map(|c| c.source_id.clone()).collect();
    let target_ids: Vec<String> = resolved.iter().map(|c| c.target_id.clone()).collect();
    let sources = fetched(
        get_many(exec, Side::Source, &source_ids, &mut retries),
        &source_ids,
    );
    let targets = fetched(
        get_many(exec, Side::Target, &target_ids, &mut retries),
        &target_ids,
    );

    // Decide the values; conversions run as one batch.
    let mut works = Vec::new();
    let mut gone = Vec::new();
    let mut conversions: Vec<(usize, usize, Way, Value)> = Vec::new();
    for conflict in resolved {
        let items = (
            sources.get(&conflict.source_id).cloned(),
            targets.get(&conflict.target_id).cloned(),
        );
        let (source, target) = match items {
            (Some(Ok(s)), Some(Ok(t))) => (s, t),
            (s, t) => {
                let error = [s, t].into_iter().flatten().find_map(|r| r.err());
                // A deleted item makes the resolution moot; anything else is tried again.
                let moot = matches!(error, Some(ItemError::NotFound(_)));
                let why = error
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "item not fetched".into());
                gone.push((conflict, why, moot));
                continue;
            }
        };
        let Some(mapping) = exec.sync.field_mappings.iter().position(|m| {
            m.source_field == conflict.conflict.source_field
                && m.target_field == conflict.conflict.target_field
        }) else {
            gone.push((conflict, "the field mapping no longer exists".into(), true));
            continue;
        };
        let index = works.len();
        let choice = conflict
            .resolution
            .clone()
            .unwrap_or(ConflictChoice::Source);
        match choice {
            ConflictChoice::Source => conversions.push((
                index,
                mapping,
                Way::ToTarget,
                source.field(&conflict.conflict.source_field).clone(),
            )),
            ConflictChoice::Target => conversions.push((
                index,
                mapping,
                Way::ToSource,
                target.field(&conflict.conflict.target_field).clone(),
            )),
            ConflictChoice::Value(v) => conversions.push((index, mapping, Way::ToSource, v)),
        }
        works.push(Work {
            conflict,
            source,
            target,
            writes: Vec::new(),
            error: None,
        });
    }
    let batch: Vec<Conversion<'_>> = conversions
        .iter()
        .map(|(i, mapping, way, value)| Conversion {
            mapping: *mapping,
            way: *way,
            value,
            item_key: &works[*i].source.key,
        })
        .collect();
    let mut converted = if batch.is_empty() {
        Vec::new()
    } else {
        converter.convert(&batch)
    };
    converted.resize_with(batch.len(), || {
        Err("converter returned too few results".into())
    });
    drop(batch);
    for ((i, _, way, _), result) in conversions.iter().zip(converted) {
        let work = &mut works[*i];
        let c = &work.conflict;
        let (sf, tf) = (
            c.conflict.source_field.clone(),
            c.conflict.target_field.clone(),
        );
        let current_s = work.source.field(&sf).clone();
        let current_t = work.target.field(&tf).clone();
        match result {
            Err(message) => work.error = Some(format!("field {sf} → {tf}: {message}")),
            Ok(value) => {
                let (to_target, to_source) = match (&c.resolution, way) {
                    (Some(ConflictChoice::Value(v)), _) => (Some(v.clone()), Some(value)),
                    (_, Way::ToTarget) => (Some(value), None),
                    (_, Way::ToSource) => (None, Some(value)),
                };
                if let Some(v) = to_target.filter(|v| !v.equivalent(&current_t)) {
                    work.writes
                        .push((Side::Target, tf.clone(), current_t.clone(), v));
                }
                if let Some(v) = to_source.filter(|v| !v.equivalent(&current_s)) {
                    work.writes
                        .push((Side::Source, sf.clone(), current_s.clone(), v));
                }
            }
        }
    }

    // Write, per side, one request per conflict that needs it.
    let mut answers: HashMap<(usize, Side), Result<Item, ItemError>> = HashMap::new();
    for side in [Side::Source, Side::Target] {
        let mut owners = Vec::new();
        let mut requests = Vec::new();
        for (i, work) in works.iter().enumerate() {
            if work.error.is_some() {
                continue;
            }
            for (s, field, _, new) in &work.writes {
                if *s == side {
                    let id = if side == Side::Source {
                        &work.source.id
                    } else {
                        &work.target.id
                    };
                    owners.push(i);
                    requests.push(UpdateRequest {
                        id: id.clone(),
                        fields: vec![(field.clone(), new.clone())],
                    });
                }
            }
        }
        let connector = exec.connector(side);
        let (results, n) = call_with_retry(
            &exec.policy,
            exec.sleeper,
            &exec.stop,
            &requests,
            &|r: &[UpdateRequest], _attempt: u32| connector.update(r),
        );
        retries += n;
        for (i, result) in owners.into_iter().zip(results) {
            answers.insert((i, side), result.result);
        }
    }
    report.counts.retries += retries;

    let mut bases: HashMap<String, Base> = HashMap::new();
    store.write(|tx| {
        for (conflict, why, moot) in &gone {
            if *moot || tx.link(&sync, Side::Source, &conflict.source_id)?.is_none() {
                tx.mark_conflict_applied(conflict.id)?;
            }
            report.counts.skipped += 1;
            report.items.push(ItemResult {
                action: ItemAction::Skipped,
                source_key: conflict.source_key.clone(),
                target_key: conflict.target_key.clone(),
                changes: vec![],
                detail: Some(format!(
                    "resolution of conflict #{} not applied: {why}",
                    conflict.id
                )),
                error: None,
                attempts: 0,
            });
        }
        for (i, work) in works.iter().enumerate() {
            let c = &work.conflict;
            let mut error = work.error.clone();
            let mut source_now = work.source.field(&c.conflict.source_field).clone();
            let mut target_now = work.target.field(&c.conflict.target_field).clone();
            let mut changes = Vec::new();
            for (side, field, old, new) in &work.writes {
                match answers.remove(&(i, *side)) {
                    Some(Ok(item)) => {
                        let stored = item.field(field).clone();
                        match side {
                            Side::Source => source_now = stored,
                            Side::Target => target_now = stored,
                        }
                        changes.push(ChangeRecord {
                            field: field.clone(),
                            side: *side,
                            old: old.clone(),
                            new: new.clone(),
                        });
                        report.counts.writes += 1;
                    }
                    Some(Err(e)) => error = Some(format!("update on the {side} side: {e}")),
                    None => error = Some(format!("update on the {side} side was not made")),
                }
            }
            let dir = match (
                changes.iter().any(|c| c.side == Side::Target),
                changes.iter().any(|c| c.side == Side::Source),
            ) {
                (true, true) => "both",
                (true, false) => "source_to_target",
                (false, true) => "target_to_source",
                (false, false) => "none",
            };
            if let Some(message) = error {
                report
                    .failed_items
                    .push((Side::Source, c.source_id.clone()));
                tx.record_failure(
                    &sync,
                    Side::Source,
                    &c.source_id,
                    &c.source_key,
                    &message,
                    false,
                    1,
                )?;
                exec.report_failure(
                    tx,
                    report,
                    FailedItem {
                        source_key: &c.source_key,
                        target_key: &c.target_key,
                        direction: dir,
                        message: &message,
                        attempts: 1,
                        audit_changes: changes,
                        detail: Some(format!("resolution of conflict #{}", c.id)),
                    },
                )?;
                continue;
            }
            let base = match bases.get_mut(&c.source_id) {
                Some(b) => b,
                None => {
                    let Some(link) = tx.link(&sync, Side::Source, &c.source_id)? else {
                        tx.mark_conflict_applied(c.id)?;
                        continue;
                    };
                    bases.entry(c.source_id.clone()).or_insert(link.base)
                }
            };
            base.held.remove(&c.conflict.source_field);
            base.source
                .insert(c.conflict.source_field.clone(), source_now);
            base.target
                .insert(c.conflict.target_field.clone(), target_now);
            tx.set_base(&sync, &c.source_id, base)?;
            tx.mark_conflict_applied(c.id)?;
            let detail = format!("conflict #{} resolved: {:?}", c.id, c.resolution);
            exec.audit(
                tx,
                exec.entry(
                    &c.source_key,
                    &c.target_key,
                    dir,
                    AuditStatus::Resolved,
                    changes.clone(),
                    None,
                    Some(detail.clone()),
                    0,
                ),
            )?;
            report.counts.resolved += 1;
            report.items.push(ItemResult {
                action: ItemAction::Resolved,
                source_key: c.source_key.clone(),
                target_key: c.target_key.clone(),
                changes,
                detail: Some(detail),
                error: None,
                attempts: 1,
            });
        }
        Ok(())
    })?;
    Ok(())
}
