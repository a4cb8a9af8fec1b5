//! Recovering create intents left pending by an interrupted run: the origin marker is
//! looked up before anything is created again.

use super::EngineError;
use super::call_with_retry::call_with_retry;
use super::executor::{Executor, complete_found, side_base};
use super::report::{ItemAction, ItemResult, RunReport};
use crate::store::{AuditStatus, ChangeRecord, Store};
use pmsync_core::plan::Link;
use pmsync_core::{Item, Side};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Default)]
pub(crate) struct Recovery {
    /// Items whose create did not happen: re-planned normally this run.
    pub requeue: Vec<(Side, String)>,
    /// Items whose create may have happened but the lookup failed: never created this run.
    pub blocked: HashSet<(Side, String)>,
    /// Sides where an item we created may exist unrecognised (its lookup failed): unlinked
    /// items there are not created back this run, and that side's watermark stays.
    pub blocked_sides: HashSet<Side>,
    /// Dry run only: links found by origin marker but not recorded, by (side, item id).
    pub virtual_links: HashMap<(Side, String), Link>,
}

pub(crate) fn recover(
    exec: &Executor<'_>,
    store: &mut Store,
    dry_run: bool,
    report: &mut RunReport,
) -> Result<Recovery, EngineError> {
    let sync = exec.sync.name.clone();
    let pending = store.pending_intents(&sync)?;
    let mut recovery = Recovery::default();
    if pending.is_empty() {
        return Ok(recovery);
    }
    let mut found: Vec<(usize, Item)> = Vec::new();
    let mut missing: Vec<usize> = Vec::new();
    for to in [Side::Source, Side::Target] {
        let indices: Vec<usize> = (0..pending.len())
            .filter(|&i| pending[i].target_side() == to)
            .collect();
        if indices.is_empty() {
            continue;
        }
        let origins: Vec<String> = indices.iter().map(|&i| pending[i].origin.clone()).collect();
        let connector = exec.connector(to);
        let (answers, retries) = call_with_retry(
            &exec.policy,
            exec.sleeper,
            &exec.stop,
            &origins,
            &|o: &[String], _attempt: u32| connector.find_by_origin(o),
        );
        report.counts.retries += retries;
        for (i, answer) in indices.into_iter().zip(answers) {
            let intent = &pending[i];
            // A create found by its marker may have stopped half-way: finish it first.
            let result = match answer.result {
                Ok(Some(item)) if !dry_run => {
                    complete_found(connector, item, &intent.fields).map(Some)
                }
                other => other,
            };
            match result {
                Ok(Some(item)) => found.push((i, item)),
                Ok(None) => missing.push(i),
                Err(error) => {
                    recovery
                        .blocked
                        .insert((intent.from_side, intent.from_id.clone()));
                    recovery.blocked_sides.insert(to);
                    report.counts.skipped += 1;
                    report.items.push(ItemResult {
                        action: ItemAction::Skipped,
                        source_key: if intent.from_side == Side::Source { intent.from_key.clone() } else { String::new() },
                        target_key: if intent.from_side == Side::Target { intent.from_key.clone() } else { String::new() },
                        changes: vec![],
                        detail: Some(format!(
                            "an earlier create of this item may have happened; looking up (or finishing) origin {} failed ({error}); not creating it again until that succeeds",
                            intent.origin
                        )),
                        error: None,
                        attempts: answer.attempts,
                    });
                }
            }
        }
    }

    let links: Vec<(usize, Link)> = found
        .into_iter()
        .map(|(i, created)| {
            let intent = &pending[i];
            let to = intent.target_side();
            let mut base = intent.base.clone();
            let created_base = side_base(exec.sync, to, &created);
            match to {
                Side::Source => base.source = created_base,
                Side::Target => base.target = created_base,
            }
            let (source_id, source_key, target_id, target_key) = match intent.from_side {
                Side::Source => (
                    intent.from_id.clone(),
                    intent.from_key.clone(),
                    created.id.clone(),
                    created.key.clone(),
                ),
                Side::Target => (
                    created.id.clone(),
                    created.key.clone(),
                    intent.from_id.clone(),
                    intent.from_key.clone(),
                ),
            };
            (
                i,
                Link {
                    source_id,
                    target_id,
                    source_key,
                    target_key,
                    base,
                },
            )
        })
        .collect();

    for &i in &missing {
        recovery
            .requeue
            .push((pending[i].from_side, pending[i].from_id.clone()));
    }
    if dry_run {
        for (_, link) in links {
            recovery
                .virtual_links
                .insert((Side::Source, link.source_id.clone()), link.clone());
            recovery
                .virtual_links
                .insert((Side::Target, link.target_id.clone()), link);
        }
        return Ok(recovery);
    }
    store.write(|tx| {
        for (i, link) in &links {
            let intent = &pending[*i];
            let created_id = if intent.from_side == Side::Source {
                &link.target_id
            } else {
                &link.source_id
            };
            if tx.link(&sync, intent.from_side, &intent.from_id)?.is_none() {
                tx.put_link(&sync, link)?;
            }
            tx.complete_intent(&sync, &intent.origin, created_id)?;
            tx.clear_failure(&sync, intent.from_side, &intent.from_id)?;
            let detail = format!(
                "created before an interruption; found by origin marker {} and linked",
                intent.origin
            );
            exec.audit(
                tx,
                exec.entry(
                    &link.source_key,
                    &link.target_key,
                    "none",
                    AuditStatus::Created,
                    Vec::<ChangeRecord>::new(),
                    None,
                    Some(detail.clone()),
                    0,
                ),
            )?;
            report.counts.created += 1;
            report.items.push(ItemResult {
                action: ItemAction::Created,
                source_key: link.source_key.clone(),
                target_key: link.target_key.clone(),
                changes: vec![],
                detail: Some(detail),
                error: None,
                attempts: 1,
            });
        }
        for &i in &missing {
            tx.drop_intent(&sync, &pending[i].origin)?;
        }
        Ok(())
    })?;
    Ok(recovery)
}
