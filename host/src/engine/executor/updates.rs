//! Updates: the values about to be written are recorded as pending first, then each side is
//! written, then the new base (and any conflicts) recorded.

use super::*;

impl Executor<'_> {
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
            &self.stop,
            &requests,
            &|r: &[UpdateRequest], _attempt: u32| connector.update(r),
        );
        report.counts.retries += retries;
        for (i, answer) in indices.into_iter().zip(answers) {
            out[i] = Some(answer);
        }
        out
    }

    pub(super) fn update_batch(
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
