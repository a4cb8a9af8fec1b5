//! The executor: carries out a [`Plan`] through the connectors of both sides, in batches,
//! committing state per batch.
//!
//! Creates are idempotent: the intent (with the origin marker) is committed before the
//! platform is asked to create, and the link, base and completed intent are committed
//! together after. A crash in between leaves a pending intent that the next run looks up
//! by origin marker instead of creating again.

use super::EngineError;
use super::call_with_retry::{Attempted, RetryPolicy, Sleeper, call_with_retry};
use super::crash::CrashPoint;
use super::progress_events::{Progress, ProgressEvent};
use super::report::{ItemAction, ItemResult, RunReport};
use super::stop_signal::StopSignal;
use crate::connector::{Connector, CreateRequest, UpdateRequest};
use crate::store::{
    AuditStatus, ChangeRecord, CreateIntent, IntentState, NewAuditEntry, PendingUpdate,
    PendingWrite, Store, StoreResult, Tx,
};
use pmsync_core::config::SyncConfig;
use pmsync_core::plan::{Base, ConflictOutcome, Create, FieldChange, Link, Plan, Update};
use pmsync_core::{Item, ItemError, Side};

/// Everything the executor works with for one sync.
pub struct Executor<'a> {
    pub sync: &'a SyncConfig,
    pub source: &'a dyn Connector,
    pub target: &'a dyn Connector,
    pub policy: RetryPolicy,
    pub sleeper: &'a dyn Sleeper,
    pub progress: &'a dyn Progress,
    /// Stop as if the process died at this point (crash tests; only with the `testing`
    /// feature).
    #[cfg(feature = "testing")]
    pub crash_at: Option<CrashPoint>,
    pub run_id: String,
    /// Once requested, no new write starts (see [`StopSignal`]).
    pub stop: StopSignal,
}

/// The base values of `side` for every mapped field, taken from `item`.
pub(crate) fn side_base(
    sync: &SyncConfig,
    side: Side,
    item: &Item,
) -> std::collections::BTreeMap<String, pmsync_core::Value> {
    sync.field_mappings
        .iter()
        .map(|m| {
            let name = if side == Side::Source {
                &m.source_field
            } else {
                &m.target_field
            };
            (name.clone(), item.field(name).clone())
        })
        .collect()
}

fn base_side(
    base: &mut Base,
    side: Side,
) -> &mut std::collections::BTreeMap<String, pmsync_core::Value> {
    match side {
        Side::Source => &mut base.source,
        Side::Target => &mut base.target,
    }
}

fn direction(to_target: bool, to_source: bool) -> &'static str {
    match (to_target, to_source) {
        (true, true) => "both",
        (true, false) => "source_to_target",
        (false, true) => "target_to_source",
        (false, false) => "none",
    }
}

fn records(side: Side, changes: &[FieldChange]) -> Vec<ChangeRecord> {
    changes
        .iter()
        .map(|c| ChangeRecord {
            field: c.field.clone(),
            side,
            old: c.old.clone(),
            new: c.new.clone(),
        })
        .collect()
}

/// Whether a failed create certainly did not create anything (so its intent can go).
fn certainly_not_created(error: &ItemError) -> bool {
    matches!(
        error,
        ItemError::InvalidInput(_)
            | ItemError::Unauthorized(_)
            | ItemError::NotFound(_)
            | ItemError::Unsupported(_)
    )
}

/// An item found by its origin marker, completed with what its create meant to write: a
/// create that stopped half-way (GitHub: created, not yet closed; Jira: created, not yet
/// transitioned) gets its missing fields written now, so it is never taken as done.
pub(crate) fn complete_found(
    connector: &dyn Connector,
    found: Item,
    intended: &[(String, pmsync_core::Value)],
) -> Result<Item, ItemError> {
    let missing: Vec<(String, pmsync_core::Value)> = intended
        .iter()
        .filter(|(field, value)| found.field(field) != value)
        .cloned()
        .collect();
    if missing.is_empty() {
        return Ok(found);
    }
    tracing::info!(
        item = %found.key,
        fields = ?missing.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
        "an earlier create stopped half-way; writing what it left out"
    );
    connector
        .update(&[UpdateRequest {
            id: found.id.clone(),
            fields: missing,
        }])
        .into_iter()
        .next()
        .unwrap_or_else(|| {
            Err(ItemError::Plugin(
                "connector returned fewer results than requests".into(),
            ))
        })
}

/// Create items; on a retry, first look each origin marker up, because a create that
/// timed out may have happened (and complete what it found, see [`complete_found`]).
fn create_or_find(
    connector: &dyn Connector,
    requests: &[CreateRequest],
    attempt: u32,
) -> Vec<Result<Item, ItemError>> {
    if attempt <= 1 {
        return connector.create(requests);
    }
    let origins: Vec<String> = requests.iter().map(|r| r.origin.clone()).collect();
    let mut found = connector.find_by_origin(&origins);
    found.resize_with(requests.len(), || {
        Err(ItemError::Plugin(
            "connector returned fewer results than requests".into(),
        ))
    });
    let to_create: Vec<CreateRequest> = requests
        .iter()
        .zip(&found)
        .filter(|(_, f)| matches!(f, Ok(None)))
        .map(|(r, _)| r.clone())
        .collect();
    let mut created = if to_create.is_empty() {
        Vec::new()
    } else {
        connector.create(&to_create)
    }
    .into_iter();
    found
        .into_iter()
        .zip(requests)
        .map(|(f, request)| match f {
            Ok(Some(item)) => complete_found(connector, item, &request.fields),
            Ok(None) => created.next().unwrap_or_else(|| {
                Err(ItemError::Plugin(
                    "connector returned fewer results than requests".into(),
                ))
            }),
            Err(error) => Err(error),
        })
        .collect()
}

/// The link a create produces.
pub(crate) fn created_link(create_from: Side, from: &Item, created: &Item, base: Base) -> Link {
    let (source, target) = match create_from {
        Side::Source => (from, created),
        Side::Target => (created, from),
    };
    Link {
        source_id: source.id.clone(),
        target_id: target.id.clone(),
        source_key: source.key.clone(),
        target_key: target.key.clone(),
        base,
    }
}

impl<'a> Executor<'a> {
    pub fn connector(&self, side: Side) -> &'a dyn Connector {
        match side {
            Side::Source => self.source,
            Side::Target => self.target,
        }
    }

    /// Stops here as if the process died, when a crash test asked for this point. Without
    /// the `testing` feature there are no crash points and this does nothing.
    fn crash(&self, point: CrashPoint) -> Result<(), EngineError> {
        #[cfg(feature = "testing")]
        if self.crash_at == Some(point) {
            return Err(EngineError::Crashed(point));
        }
        let _ = point;
        Ok(())
    }

    /// An audit entry of this run and sync.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn entry(
        &self,
        source_key: &str,
        target_key: &str,
        direction: &str,
        status: AuditStatus,
        changes: Vec<ChangeRecord>,
        error: Option<String>,
        detail: Option<String>,
        retry_count: u32,
    ) -> NewAuditEntry {
        NewAuditEntry {
            run_id: self.run_id.clone(),
            sync: self.sync.name.clone(),
            source_platform: self.sync.source_platform.clone(),
            target_platform: self.sync.target_platform.clone(),
            source_key: source_key.to_string(),
            target_key: target_key.to_string(),
            direction: direction.to_string(),
            status,
            changes,
            error,
            detail,
            retry_count,
        }
    }

    pub(crate) fn audit(&self, tx: &Tx<'_>, entry: NewAuditEntry) -> StoreResult<()> {
        if self.sync.enable_audit {
            tx.audit(&entry)?;
        }
        Ok(())
    }

    /// Reports an item that failed: its audit entry (retry count = attempts − 1), the failed
    /// count and its line in the run report.
    pub(crate) fn report_failure(
        &self,
        tx: &Tx<'_>,
        report: &mut RunReport,
        failed: FailedItem<'_>,
    ) -> StoreResult<()> {
        self.audit(
            tx,
            self.entry(
                failed.source_key,
                failed.target_key,
                failed.direction,
                AuditStatus::Failed,
                failed.audit_changes,
                Some(failed.message.to_string()),
                None,
                failed.attempts.saturating_sub(1),
            ),
        )?;
        report.counts.failed += 1;
        report.items.push(ItemResult {
            action: ItemAction::Failed,
            source_key: failed.source_key.into(),
            target_key: failed.target_key.into(),
            changes: vec![],
            detail: failed.detail,
            error: Some(failed.message.to_string()),
            attempts: failed.attempts,
        });
        Ok(())
    }

    /// Carry out `plan`, adding what happened to `report`.
    pub fn execute(
        &self,
        store: &mut Store,
        plan: &Plan,
        report: &mut RunReport,
    ) -> Result<(), EngineError> {
        let total = plan.write_count();
        let mut done = 0usize;
        self.record_unlinks_skips_failures(store, plan, report)?;
        let step = self.round_size();
        for chunk in plan.creates.chunks(step) {
            if self.stop.requested() {
                report.stopped = true;
                return Ok(());
            }
            self.create_batch(store, chunk, report)?;
            done += chunk.len();
            self.progress.event(&ProgressEvent::Written { done, total });
        }
        for chunk in plan.updates.chunks(step) {
            if self.stop.requested() {
                report.stopped = true;
                return Ok(());
            }
            self.update_batch(store, chunk, report)?;
            done += chunk
                .iter()
                .map(|u| {
                    usize::from(!u.to_target.is_empty()) + usize::from(!u.to_source.is_empty())
                })
                .sum::<usize>();
            self.progress.event(&ProgressEvent::Written { done, total });
        }
        Ok(())
    }

    /// Items written per round: each round's writes are sent, then committed, then the next
    /// round starts. A round is at most `batch_size` items and at most one per write in
    /// flight (`concurrency`), so the progress moves per write, and a stop request waits for
    /// no more than one write per thread (a few seconds, even where the platform spaces
    /// writes a second apart).
    fn round_size(&self) -> usize {
        let batch = self.sync.batch_size.max(1) as usize;
        batch.min(self.policy.concurrency.max(1))
    }

    fn record_unlinks_skips_failures(
        &self,
        store: &mut Store,
        plan: &Plan,
        report: &mut RunReport,
    ) -> Result<(), EngineError> {
        if plan.unlinks.is_empty() && plan.skips.is_empty() && plan.failures.is_empty() {
            return Ok(());
        }
        let sync = &self.sync.name;
        store.write(|tx| {
            for link in &plan.unlinks {
                tx.remove_link(sync, &link.source_id)?;
                let detail = "link forgotten: the item was deleted on one side (on_delete: unlink)"
                    .to_string();
                self.audit(
                    tx,
                    self.entry(
                        &link.source_key,
                        &link.target_key,
                        "none",
                        AuditStatus::Skipped,
                        vec![],
                        None,
                        Some(detail.clone()),
                        0,
                    ),
                )?;
                report.counts.unlinked += 1;
                report.items.push(ItemResult {
                    action: ItemAction::Unlinked,
                    source_key: link.source_key.clone(),
                    target_key: link.target_key.clone(),
                    changes: vec![],
                    detail: Some(detail),
                    error: None,
                    attempts: 0,
                });
            }
            for skip in &plan.skips {
                let (sk, tk) = match skip.side {
                    Side::Source => (skip.key.as_str(), ""),
                    Side::Target => ("", skip.key.as_str()),
                };
                self.audit(
                    tx,
                    self.entry(
                        sk,
                        tk,
                        "none",
                        AuditStatus::Skipped,
                        vec![],
                        None,
                        Some(skip.reason.clone()),
                        0,
                    ),
                )?;
                report.counts.skipped += 1;
                report.items.push(ItemResult {
                    action: ItemAction::Skipped,
                    source_key: sk.into(),
                    target_key: tk.into(),
                    changes: vec![],
                    detail: Some(skip.reason.clone()),
                    error: None,
                    attempts: 0,
                });
            }
            for failure in &plan.failures {
                report
                    .failed_items
                    .push((failure.side, failure.item_id.clone()));
                tx.record_failure(
                    sync,
                    failure.side,
                    &failure.item_id,
                    &failure.key,
                    &failure.message,
                    false,
                    1,
                )?;
                let (sk, tk) = match failure.side {
                    Side::Source => (failure.key.as_str(), ""),
                    Side::Target => ("", failure.key.as_str()),
                };
                self.report_failure(
                    tx,
                    report,
                    FailedItem {
                        source_key: sk,
                        target_key: tk,
                        direction: "none",
                        message: &failure.message,
                        attempts: 0,
                        audit_changes: vec![],
                        detail: None,
                    },
                )?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// The base to record for a create: the from side's planned base, completed with every
    /// mapped field of the from item (fields this direction does not carry are in sync as
    /// they are).
    fn create_base(&self, create: &Create) -> Base {
        let mut base = create.base.clone();
        let side = base_side(&mut base, create.from);
        for (name, value) in side_base(self.sync, create.from, &create.item) {
            side.entry(name).or_insert(value);
        }
        base
    }

    fn create_batch(
        &self,
        store: &mut Store,
        creates: &[Create],
        report: &mut RunReport,
    ) -> Result<(), EngineError> {
        let sync = &self.sync.name;
        let bases: Vec<Base> = creates.iter().map(|c| self.create_base(c)).collect();
        store.write(|tx| {
            for (c, base) in creates.iter().zip(&bases) {
                tx.put_intent(&CreateIntent {
                    sync: sync.clone(),
                    origin: c.origin.clone(),
                    from_side: c.from,
                    from_id: c.item.id.clone(),
                    from_key: c.item.key.clone(),
                    base: base.clone(),
                    fields: c.fields.clone(),
                    state: IntentState::Pending,
                    created_id: None,
                })?;
            }
            Ok(())
        })?;
        self.crash(CrashPoint::AfterIntent)?;

        let mut results: Vec<Option<Attempted<Item>>> = creates.iter().map(|_| None).collect();
        for from in [Side::Source, Side::Target] {
            let indices: Vec<usize> = (0..creates.len())
                .filter(|&i| creates[i].from == from)
                .collect();
            if indices.is_empty() {
                continue;
            }
            let requests: Vec<CreateRequest> = indices
                .iter()
                .map(|&i| CreateRequest {
                    origin: creates[i].origin.clone(),
                    fields: creates[i].fields.clone(),
                })
                .collect();
            let connector = self.connector(from.other());
            let (answers, retries) = call_with_retry(
                &self.policy,
                self.sleeper,
                &requests,
                &|r: &[CreateRequest], attempt: u32| create_or_find(connector, r, attempt),
            );
            report.counts.retries += retries;
            for (i, answer) in indices.into_iter().zip(answers) {
                results[i] = Some(answer);
            }
        }
        self.crash(CrashPoint::AfterCreate)?;

        store.write(|tx| {
            for ((create, base), result) in creates.iter().zip(bases).zip(results) {
                let Some(Attempted { result, attempts }) = result else {
                    continue;
                };
                let to = create.from.other();
                match result {
                    Ok(created) => {
                        let mut base = base;
                        *base_side(&mut base, to) = side_base(self.sync, to, &created);
                        let link = created_link(create.from, &create.item, &created, base);
                        tx.put_link(sync, &link)?;
                        tx.complete_intent(sync, &create.origin, &created.id)?;
                        tx.clear_failure(sync, create.from, &create.item.id)?;
                        let changes: Vec<ChangeRecord> = create
                            .fields
                            .iter()
                            .map(|(field, _)| ChangeRecord {
                                field: field.clone(),
                                side: to,
                                old: pmsync_core::Value::Null,
                                new: created.field(field).clone(),
                            })
                            .collect();
                        let dir = direction(to == Side::Target, to == Side::Source);
                        self.audit(
                            tx,
                            self.entry(
                                &link.source_key,
                                &link.target_key,
                                dir,
                                AuditStatus::Created,
                                changes.clone(),
                                None,
                                None,
                                attempts - 1,
                            ),
                        )?;
                        report.counts.created += 1;
                        report.counts.writes += 1;
                        report.items.push(ItemResult {
                            action: ItemAction::Created,
                            source_key: link.source_key,
                            target_key: link.target_key,
                            changes,
                            detail: None,
                            error: None,
                            attempts,
                        });
                    }
                    Err(error) => {
                        if certainly_not_created(&error) {
                            tx.drop_intent(sync, &create.origin)?;
                        }
                        let message = format!("create on the {to} side: {error}");
                        report
                            .failed_items
                            .push((create.from, create.item.id.clone()));
                        tx.record_failure(
                            sync,
                            create.from,
                            &create.item.id,
                            &create.item.key,
                            &message,
                            error.is_retryable(),
                            attempts,
                        )?;
                        let (sk, tk) = match create.from {
                            Side::Source => (create.item.key.as_str(), ""),
                            Side::Target => ("", create.item.key.as_str()),
                        };
                        let dir = direction(to == Side::Target, to == Side::Source);
                        self.report_failure(
                            tx,
                            report,
                            FailedItem {
                                source_key: sk,
                                target_key: tk,
                                direction: dir,
                                message: &message,
                                attempts,
                                audit_changes: vec![],
                                detail: None,
                            },
                        )?;
                    }
                }
            }
            Ok(())
        })?;
        self.crash(CrashPoint::AfterLink)?;
        Ok(())
    }

    /// Write one side's changes of a batch of updates; one answer per update (None: no write).
    fn write_side(
        &self,
        updates: &[Update],
        side: Side,
        report: &mut RunReport,
    ) -> Vec<Option<Attempted<Item>>> {
        let changes = |u: &'_ Update| -> Vec<FieldChange> {
            match side {
                Side::Source => u.to_source.clone(),
                Side::Target => u.to_target.clone(),
            }
        };
        let indices: Vec<usize> = (0..updates.len())
            .filter(|&i| !changes(&updates[i]).is_empty())
            .collect();
        let mut out: Vec<Option<Attempted<Item>>> = updates.iter().map(|_| None).collect();
        if indices.is_empty() {
            return out;
        }
        let requests: Vec<UpdateRequest> = indices
            .iter()
            .map(|&i| {
                let u = &updates[i];
                UpdateRequest {
                    id: if side == Side::Source {
                        u.link.source_id.clone()
                    } else {
                        u.link.target_id.clone()
                    },
                    fields: changes(u).into_iter().map(|c| (c.field, c.new)).collect(),
                }
            })
            .collect();
        let connector = self.connector(side);
        let (answers, retries) = call_with_retry(
            &self.policy,
            self.sleeper,
            &requests,
            &|r: &[UpdateRequest], _attempt: u32| connector.update(r),
        );
        report.counts.retries += retries;
        for (i, answer) in indices.into_iter().zip(answers) {
            out[i] = Some(answer);
        }
        out
    }

    fn update_batch(
        &self,
        store: &mut Store,
        updates: &[Update],
        report: &mut RunReport,
    ) -> Result<(), EngineError> {
        self.record_pending(store, updates)?;
        let to_source = self.write_side(updates, Side::Source, report);
        let to_target = self.write_side(updates, Side::Target, report);
        self.crash(CrashPoint::AfterUpdate)?;
        store.write(|tx| {
            for ((update, source_answer), target_answer) in
                updates.iter().zip(to_source).zip(to_target)
            {
                self.record_update(tx, update, source_answer, target_answer, report)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Records the values about to be written, before they are sent (see
    /// `store::PendingUpdate`), so a run that dies before recording the new base knows them
    /// as its own next time.
    fn record_pending(&self, store: &mut Store, updates: &[Update]) -> Result<(), EngineError> {
        let pending: Vec<PendingUpdate> = updates
            .iter()
            .filter(|u| u.has_writes())
            .map(|u| PendingUpdate {
                source_id: u.link.source_id.clone(),
                writes: [(Side::Source, &u.to_source), (Side::Target, &u.to_target)]
                    .into_iter()
                    .flat_map(|(side, changes)| {
                        changes.iter().map(move |c| PendingWrite {
                            side,
                            field: c.field.clone(),
                            value: c.new.clone(),
                        })
                    })
                    .collect(),
                new_base: u.new_base.clone(),
            })
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        store.write(|tx| {
            for p in &pending {
                tx.put_pending_update(&self.sync.name, p)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Put the written field's base back to what it was, on both sides of its mappings, so
    /// the next run sees the change again.
    fn revert_field(&self, base: &mut Base, old: &Base, side: Side, field: &str) {
        for m in &self.sync.field_mappings {
            let name = if side == Side::Source {
                &m.source_field
            } else {
                &m.target_field
            };
            if name != field {
                continue;
            }
            for (s, f) in [
                (Side::Source, &m.source_field),
                (Side::Target, &m.target_field),
            ] {
                let old_value = match s {
                    Side::Source => old.source.get(f).cloned(),
                    Side::Target => old.target.get(f).cloned(),
                };
                let map = base_side(base, s);
                match old_value {
                    Some(v) => map.insert(f.clone(), v),
                    None => map.remove(f),
                };
            }
        }
    }

    fn record_update(
        &self,
        tx: &Tx<'_>,
        update: &Update,
        source_answer: Option<Attempted<Item>>,
        target_answer: Option<Attempted<Item>>,
        report: &mut RunReport,
    ) -> StoreResult<()> {
        let sync = &self.sync.name;
        let link = &update.link;
        let mut base = update.new_base.clone();
        let mut written: Vec<ChangeRecord> = Vec::new();
        let mut failures: Vec<(Side, String, bool, u32)> = Vec::new();
        let mut retries = 0;
        for (side, answer, changes) in [
            (Side::Source, source_answer, &update.to_source),
            (Side::Target, target_answer, &update.to_target),
        ] {
            let Some(Attempted { result, attempts }) = answer else {
                continue;
            };
            retries += attempts.saturating_sub(1);
            match result {
                Ok(item) => {
                    // Echo suppression: the base of a written field is what the platform
                    // stored, so the next fetch of our own write is no change.
                    for c in changes {
                        base_side(&mut base, side)
                            .insert(c.field.clone(), item.field(&c.field).clone());
                    }
                    written.extend(records(side, changes));
                    report.counts.writes += 1;
                }
                Err(error) => {
                    for c in changes {
                        self.revert_field(&mut base, &link.base, side, &c.field);
                    }
                    failures.push((
                        side,
                        format!("update on the {side} side: {error}"),
                        error.is_retryable(),
                        attempts,
                    ));
                }
            }
        }
        tx.set_base(sync, &link.source_id, &base)?;
        if failures.is_empty() {
            tx.clear_pending_update(sync, &link.source_id)?;
        }

        for conflict in &update.conflicts {
            let (status_detail, manual) = match &conflict.outcome {
                ConflictOutcome::Won(side) => {
                    (format!("{:?}: {side} wins", conflict.strategy), false)
                }
                ConflictOutcome::Merged(v) => {
                    (format!("{:?}: merged to {v}", conflict.strategy), false)
                }
                ConflictOutcome::Manual(why) => (why.clone(), true),
            };
            let detail = format!(
                "{} → {}: source {} vs target {}; {status_detail}",
                conflict.source_field,
                conflict.target_field,
                conflict.source_value,
                conflict.target_value
            );
            let fresh = if manual {
                report.counts.conflicts_manual += 1;
                tx.upsert_conflict(sync, link, conflict)?
            } else {
                report.counts.conflicts_auto += 1;
                true
            };
            if fresh {
                self.audit(
                    tx,
                    self.entry(
                        &link.source_key,
                        &link.target_key,
                        "none",
                        AuditStatus::Conflict,
                        vec![],
                        None,
                        Some(detail.clone()),
                        0,
                    ),
                )?;
            }
            report.items.push(ItemResult {
                action: if manual {
                    ItemAction::Conflict
                } else {
                    ItemAction::ConflictResolved
                },
                source_key: link.source_key.clone(),
                target_key: link.target_key.clone(),
                changes: vec![],
                detail: Some(detail),
                error: None,
                attempts: 0,
            });
        }

        if !written.is_empty() {
            let dir = direction(
                written.iter().any(|c| c.side == Side::Target),
                written.iter().any(|c| c.side == Side::Source),
            );
            self.audit(
                tx,
                self.entry(
                    &link.source_key,
                    &link.target_key,
                    dir,
                    AuditStatus::Updated,
                    written.clone(),
                    None,
                    None,
                    retries,
                ),
            )?;
            report.counts.updated += 1;
            report.items.push(ItemResult {
                action: ItemAction::Updated,
                source_key: link.source_key.clone(),
                target_key: link.target_key.clone(),
                changes: written,
                detail: None,
                error: None,
                attempts: retries + 1,
            });
        }
        for (side, message, retryable, attempts) in &failures {
            let (id, key) = match side {
                Side::Source => (&link.source_id, &link.source_key),
                Side::Target => (&link.target_id, &link.target_key),
            };
            tx.record_failure(sync, *side, id, key, message, *retryable, *attempts)?;
            report.failed_items.push((*side, id.clone()));
            let dir = direction(*side == Side::Target, *side == Side::Source);
            self.report_failure(
                tx,
                report,
                FailedItem {
                    source_key: &link.source_key,
                    target_key: &link.target_key,
                    direction: dir,
                    message,
                    attempts: *attempts,
                    audit_changes: vec![],
                    detail: None,
                },
            )?;
        }
        Ok(())
    }
}

/// What [`Executor::report_failure`] records about one failed item.
pub(crate) struct FailedItem<'a> {
    pub source_key: &'a str,
    pub target_key: &'a str,
    pub direction: &'a str,
    pub message: &'a str,
    pub attempts: u32,
    /// Field changes recorded in the audit entry (what was being written).
    pub audit_changes: Vec<ChangeRecord>,
    pub detail: Option<String>,
}
