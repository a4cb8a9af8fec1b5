//! Creates: intent first, then the platform, then link, base and the completed intent
//! together; a retried or recovered create looks its origin marker up and completes what a
//! half-done create left out.

use super::*;

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
fn created_link(create_from: Side, from: &Item, created: &Item, base: Base) -> Link {
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

impl Executor<'_> {
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

    pub(super) fn create_batch(
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
                &self.stop,
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
}
