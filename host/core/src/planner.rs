//! The planner: from the current items of both sides, the links with their base, and the
//! sync config, compute the [`Plan`]. Pure: conversions and custom resolvers are reached
//! through traits (transformer and resolver plugins are pure, fuel-metered functions).
//!
//! Conversions are collected first and run as one batch, so a WASM transform is one call
//! per run rather than one per value.

use crate::config::{Direction, FieldMapping, OnDelete, Strategy, SyncConfig};
use crate::item::{Item, Side};
use crate::merge::{self, Change, Decision, Flow};
use crate::plan::*;
use crate::plugins::{CustomResolvers, CustomTransforms, FieldConflict, Resolution, ResolveCall};
use crate::strategy;
use crate::transform::SyncPipelines;
use crate::value::Value;
use std::collections::BTreeMap;

pub use crate::transform::Way;

/// One value to convert through mapping `mapping` of the sync, in direction `way`.
#[derive(Debug, Clone, Copy)]
pub struct Conversion<'a> {
    pub mapping: usize,
    pub way: Way,
    pub value: &'a Value,
    pub item_key: &'a str,
}

/// Runs field pipelines (defaults, value maps, transforms, type conversion).
/// One result per conversion, in order; an error message names field, value and transform.
pub trait Converter {
    fn convert(&self, batch: &[Conversion<'_>]) -> Vec<Result<Value, String>>;
}

/// The real [`Converter`]: the sync's field pipelines (defaults, value maps, user map,
/// built-in and plugin transforms, type conversion), with plugin steps batched.
pub struct PipelineConverter<'a> {
    pipelines: SyncPipelines,
    custom: &'a dyn CustomTransforms,
}

impl<'a> PipelineConverter<'a> {
    pub fn new(sync: &SyncConfig, custom: &'a dyn CustomTransforms) -> PipelineConverter<'a> {
        PipelineConverter {
            pipelines: SyncPipelines::for_sync(sync),
            custom,
        }
    }
}

impl Converter for PipelineConverter<'_> {
    fn convert(&self, batch: &[Conversion<'_>]) -> Vec<Result<Value, String>> {
        let requests: Vec<(usize, Way, &Value, &str)> = batch
            .iter()
            .map(|c| (c.mapping, c.way, c.value, c.item_key))
            .collect();
        self.pipelines
            .run(&requests, self.custom)
            .into_iter()
            .map(|r| r.map_err(|e| e.to_string()))
            .collect()
    }
}

/// Which ways a mapping's values flow in this sync.
pub fn flow(sync: &SyncConfig, mapping: &FieldMapping) -> Flow {
    match sync.direction {
        Direction::Bidirectional => Flow {
            to_target: true,
            to_source: mapping.bidirectional,
        },
        Direction::SourceToTarget => Flow {
            to_target: true,
            to_source: false,
        },
        Direction::TargetToSource => Flow {
            to_target: false,
            to_source: true,
        },
    }
}

/// The origin marker a created item carries.
pub fn origin_marker(sync: &str, from: Side, item_id: &str) -> String {
    format!("pmsync:{sync}:{from}:{item_id}")
}

/// Collected conversions, run as one batch.
struct Batch<'a> {
    items: Vec<(usize, Way, &'a Value, &'a str)>,
}

impl<'a> Batch<'a> {
    fn push(&mut self, mapping: usize, way: Way, value: &'a Value, key: &'a str) -> usize {
        self.items.push((mapping, way, value, key));
        self.items.len() - 1
    }

    fn run(&self, converter: &dyn Converter) -> Vec<Result<Value, String>> {
        if self.items.is_empty() {
            return Vec::new();
        }
        let batch: Vec<Conversion<'_>> = self
            .items
            .iter()
            .map(|&(mapping, way, value, item_key)| Conversion {
                mapping,
                way,
                value,
                item_key,
            })
            .collect();
        let mut results = converter.convert(&batch);
        // A converter that breaks the one-result-per-input contract fails the values it
        // did not answer, never the planner.
        results.resize_with(batch.len(), || {
            Err("converter returned too few results".into())
        });
        results
    }
}

struct FieldWork {
    mapping: usize,
    change: Change,
    forward: Option<usize>,
    reverse: Option<usize>,
}

struct LinkWork {
    link: Link,
    source: Item,
    target: Item,
    fields: Vec<FieldWork>,
}

struct CreateWork {
    from: Side,
    item: Item,
    /// (mapping, slot) per carried field.
    fields: Vec<(usize, usize)>,
}

fn field_label(m: &FieldMapping) -> String {
    format!("{} → {}", m.source_field, m.target_field)
}

/// Compute the plan for one sync.
pub fn plan(
    sync: &SyncConfig,
    candidates: &[Candidate],
    converter: &dyn Converter,
    resolvers: &dyn CustomResolvers,
) -> Plan {
    let mut plan = Plan {
        sync: sync.name.clone(),
        ..Plan::default()
    };
    let flows: Vec<Flow> = sync.field_mappings.iter().map(|m| flow(sync, m)).collect();
    let mut batch = Batch { items: Vec::new() };
    let mut links = Vec::new();
    let mut creates = Vec::new();

    // Phase 1: detect changes and collect the conversions the decisions need.
    for candidate in candidates {
        match candidate {
            Candidate::Unlinked { side, item } => {
                let allowed = match side {
                    Side::Source => sync.direction != Direction::TargetToSource,
                    Side::Target => sync.direction != Direction::SourceToTarget,
                };
                if !allowed {
                    plan.skips.push(Skip {
                        side: *side,
                        item_id: item.id.clone(),
                        key: item.key.clone(),
                        reason: format!(
                            "unlinked {side} item; direction {:?} creates none on the {} side",
                            sync.direction,
                            side.other()
                        ),
                    });
                    continue;
                }
                let way = if *side == Side::Source {
                    Way::ToTarget
                } else {
                    Way::ToSource
                };
                let mut fields = Vec::new();
                for (i, m) in sync.field_mappings.iter().enumerate() {
                    let carries = match side {
                        Side::Source => flows[i].to_target,
                        Side::Target => flows[i].to_source,
                    };
                    if carries {
                        let name = if *side == Side::Source {
                            &m.source_field
                        } else {
                            &m.target_field
                        };
                        fields.push((i, batch.push(i, way, item.field(name), &item.key)));
                    }
                }
                creates.push(CreateWork {
                    from: *side,
                    item: item.clone(),
                    fields,
                });
            }
            Candidate::Linked {
                link,
                source,
                target,
            } => {
                let (source, target) = match (source, target) {
                    (Some(s), Some(t)) => (s, t),
                    (s, _) => {
                        let gone = if s.is_none() {
                            Side::Source
                        } else {
                            Side::Target
                        };
                        let (item_id, key) = match gone {
                            Side::Source => (&link.source_id, &link.source_key),
                            Side::Target => (&link.target_id, &link.target_key),
                        };
                        match sync.on_delete {
                            OnDelete::Unlink => plan.unlinks.push(link.clone()),
                            OnDelete::Ignore => plan.skips.push(Skip {
                                side: gone,
                                item_id: item_id.clone(),
                                key: key.clone(),
                                reason: format!("deleted on the {gone} side; on_delete: ignore keeps the other side and the link"),
                            }),
                        }
                        continue;
                    }
                };
                let mut fields = Vec::new();
                for (i, m) in sync.field_mappings.iter().enumerate() {
                    let s = source.field(&m.source_field);
                    let t = target.field(&m.target_field);
                    let change = merge::detect(
                        s,
                        link.base.source.get(&m.source_field),
                        t,
                        link.base.target.get(&m.target_field),
                    );
                    if change == Change::None {
                        continue;
                    }
                    let needs = merge::needs(change, flows[i]);
                    let forward = needs
                        .forward
                        .then(|| batch.push(i, Way::ToTarget, s, &source.key));
                    let reverse = needs
                        .reverse
                        .then(|| batch.push(i, Way::ToSource, t, &target.key));
                    fields.push(FieldWork {
                        mapping: i,
                        change,
                        forward,
                        reverse,
                    });
                }
                if !fields.is_empty() {
                    links.push(LinkWork {
                        link: link.clone(),
                        source: source.clone(),
                        target: target.clone(),
                        fields,
                    });
                }
            }
        }
    }

    // Phase 2: run every conversion as one batch.
    let converted = batch.run(converter);

    for work in creates {
        build_create(sync, work, &converted, &mut plan);
    }

    // Phase 3: decide each field; settle conflicts by built-in strategies, and collect the
    // ones a resolver plugin must settle.
    let mut drafts = Vec::new();
    for work in links {
        if let Some(draft) = draft_update(sync, &flows, work, &converted, &mut plan) {
            drafts.push(draft);
        }
    }
    resolve_custom(sync, &mut drafts, resolvers, converter, &mut plan);
    plan.updates
        .extend(drafts.into_iter().filter_map(|d| d.update));
    plan
}

fn build_create(
    sync: &SyncConfig,
    work: CreateWork,
    converted: &[Result<Value, String>],
    plan: &mut Plan,
) {
    let mut fields = Vec::new();
    let mut base = Base::default();
    for &(i, slot) in &work.fields {
        let m = &sync.field_mappings[i];
        match &converted[slot] {
            Ok(value) => {
                let (from_name, to_name) = match work.from {
                    Side::Source => (&m.source_field, &m.target_field),
                    Side::Target => (&m.target_field, &m.source_field),
                };
                let original = work.item.field(from_name).clone();
                match work.from {
                    Side::Source => base.source.insert(from_name.clone(), original),
                    Side::Target => base.target.insert(from_name.clone(), original),
                };
                if !value.is_null() {
                    fields.push((to_name.clone(), value.clone()));
                }
            }
            Err(message) => {
                plan.failures.push(Failure {
                    side: work.from,
                    item_id: work.item.id.clone(),
                    key: work.item.key.clone(),
                    message: format!("field {}: {message}", field_label(m)),
                });
                return;
            }
        }
    }
    for (field, value) in sync.create_fields.on(work.from.other()) {
        if !fields.iter().any(|(name, _)| name == field) {
            fields.push((field.clone(), Value::Text(value.clone())));
        }
    }
    plan.creates.push(Create {
        from: work.from,
        origin: origin_marker(&sync.name, work.from, &work.item.id),
        item: work.item,
        fields,
        base,
    });
}

/// An update being built, with the conflicts a resolver plugin still has to settle.
struct Draft {
    update: Option<Update>,
    pending: Vec<PendingConflict>,
    source: Item,
    target: Item,
}

struct PendingConflict {
    mapping: usize,
    resolver: String,
    /// The source value in target terms.
    forward: Value,
    /// The target value in source terms.
    reverse: Value,
}

fn draft_update(
    sync: &SyncConfig,
    flows: &[Flow],
    work: LinkWork,
    converted: &[Result<Value, String>],
    plan: &mut Plan,
) -> Option<Draft> {
    let mut update = Update {
        source_updated_at: work.source.updated_at,
        target_updated_at: work.target.updated_at,
        new_base: work.link.base.clone(),
        link: work.link,
        to_target: Vec::new(),
        to_source: Vec::new(),
        conflicts: Vec::new(),
    };
    let mut pending = Vec::new();
    for field in &work.fields {
        let m = &sync.field_mappings[field.mapping];
        let take = |slot: Option<usize>| -> Result<Option<Value>, String> {
            match slot {
                None => Ok(None),
                Some(slot) => converted[slot].clone().map(Some),
            }
        };
        let failed = |side: Side, message: String| {
            let item = if side == Side::Source {
                &work.source
            } else {
                &work.target
            };
            Failure {
                side,
                item_id: item.id.clone(),
                key: item.key.clone(),
                message: format!("field {}: {message}", field_label(m)),
            }
        };
        let forward = match take(field.forward) {
            Ok(v) => v,
            Err(message) => {
                plan.failures.push(failed(Side::Source, message));
                return None;
            }
        };
        let reverse = match take(field.reverse) {
            Ok(v) => v,
            Err(message) => {
                plan.failures.push(failed(Side::Target, message));
                return None;
            }
        };
        let s = work.source.field(&m.source_field);
        let t = work.target.field(&m.target_field);
        let decision = merge::decide(
            field.change,
            flows[field.mapping],
            s,
            t,
            forward.as_ref(),
            reverse.as_ref(),
        );
        match decision {
            Decision::InSync => {}
            Decision::Acknowledge => acknowledge(&mut update.new_base, m, s, t),
            Decision::WriteTarget(value) => write_target(&mut update, m, s, t, value),
            Decision::WriteSource(value) => write_source(&mut update, m, s, t, value),
            Decision::Conflict => {
                let held = update.link.base.held.contains(&m.source_field);
                let strategy = if held {
                    Strategy::Manual
                } else {
                    m.conflict_strategy.unwrap_or(sync.conflict_strategy)
                };
                let (forward, reverse) = (forward.unwrap_or_default(), reverse.unwrap_or_default());
                let conflict = |outcome| Conflict {
                    source_field: m.source_field.clone(),
                    target_field: m.target_field.clone(),
                    source_value: s.clone(),
                    target_value: t.clone(),
                    base_source: update.link.base.source.get(&m.source_field).cloned(),
                    base_target: update.link.base.target.get(&m.target_field).cloned(),
                    strategy,
                    outcome,
                };
                match strategy::winner(strategy, work.source.updated_at, work.target.updated_at) {
                    Some(Side::Source) => {
                        update
                            .conflicts
                            .push(conflict(ConflictOutcome::Won(Side::Source)));
                        write_target(&mut update, m, s, t, forward);
                    }
                    Some(Side::Target) => {
                        update
                            .conflicts
                            .push(conflict(ConflictOutcome::Won(Side::Target)));
                        write_source(&mut update, m, s, t, reverse);
                    }
                    None if strategy == Strategy::Custom => {
                        let resolver = m
                            .resolver
                            .clone()
                            .or_else(|| sync.resolver.clone())
                            .unwrap_or_default();
                        pending.push(PendingConflict {
                            mapping: field.mapping,
                            resolver,
                            forward,
                            reverse,
                        });
                    }
                    None if held => update.conflicts.push(conflict(ConflictOutcome::Manual(
                        "the values differed when the pair was matched (initial_winner: none) — resolve with `pmsync-host conflicts resolve`"
                            .into(),
                    ))),
                    None => update.conflicts.push(conflict(ConflictOutcome::Manual(
                        "conflict_strategy: manual — resolve with `pmsync-host conflicts resolve`"
                            .into(),
                    ))),
                }
            }
        }
    }
    Some(Draft {
        update: Some(update),
        pending,
        source: work.source,
        target: work.target,
    })
}

fn acknowledge(base: &mut Base, m: &FieldMapping, s: &Value, t: &Value) {
    base.held.remove(&m.source_field);
    base.source.insert(m.source_field.clone(), s.clone());
    base.target.insert(m.target_field.clone(), t.clone());
}

fn write_target(update: &mut Update, m: &FieldMapping, s: &Value, t: &Value, value: Value) {
    if !value.equivalent(t) {
        update.to_target.push(FieldChange {
            field: m.target_field.clone(),
            old: t.clone(),
            new: value.clone(),
        });
    }
    update.new_base.held.remove(&m.source_field);
    update
        .new_base
        .source
        .insert(m.source_field.clone(), s.clone());
    update.new_base.target.insert(m.target_field.clone(), value);
}

fn write_source(update: &mut Update, m: &FieldMapping, s: &Value, t: &Value, value: Value) {
    if !value.equivalent(s) {
        update.to_source.push(FieldChange {
            field: m.source_field.clone(),
            old: s.clone(),
            new: value.clone(),
        });
    }
    update.new_base.held.remove(&m.source_field);
    update.new_base.source.insert(m.source_field.clone(), value);
    update
        .new_base
        .target
        .insert(m.target_field.clone(), t.clone());
}

/// Settle the conflicts of `custom` fields through resolver plugins: one batch per
/// resolver, one request per linked pair.
fn resolve_custom(
    sync: &SyncConfig,
    drafts: &mut [Draft],
    resolvers: &dyn CustomResolvers,
    converter: &dyn Converter,
    plan: &mut Plan,
) {
    let mut by_resolver: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, draft) in drafts.iter().enumerate() {
        for p in &draft.pending {
            let list = by_resolver.entry(p.resolver.clone()).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    for (resolver, indices) in by_resolver {
        let calls: Vec<ResolveCall> = indices
            .iter()
            .map(|&i| {
                let d = &drafts[i];
                let base = &d.update.as_ref().map(|u| &u.link.base);
                ResolveCall {
                    resolver: resolver.clone(),
                    source: d.source.clone(),
                    target: d.target.clone(),
                    conflicts: d
                        .pending
                        .iter()
                        .filter(|p| p.resolver == resolver)
                        .map(|p| {
                            let m = &sync.field_mappings[p.mapping];
                            FieldConflict {
                                field: m.source_field.clone(),
                                source: p.forward.clone(),
                                target: d.target.field(&m.target_field).clone(),
                                base: base.and_then(|b| b.target.get(&m.target_field).cloned()),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        let answers = if resolvers.has(&resolver) {
            resolvers.resolve_batch(&calls)
        } else {
            calls
                .iter()
                .map(|_| {
                    Err(crate::ItemError::InvalidInput(format!(
                        "no resolver plugin provides `{resolver}`"
                    )))
                })
                .collect()
        };
        for (n, &i) in indices.iter().enumerate() {
            let answer = answers.get(n).cloned().unwrap_or_else(|| {
                Err(crate::ItemError::Plugin(format!(
                    "resolver `{resolver}` returned too few results"
                )))
            });
            apply_resolutions(sync, &mut drafts[i], &resolver, answer, converter, plan);
        }
    }
}

fn apply_resolutions(
    sync: &SyncConfig,
    draft: &mut Draft,
    resolver: &str,
    answer: Result<Vec<Resolution>, crate::ItemError>,
    converter: &dyn Converter,
    plan: &mut Plan,
) {
    let pending: Vec<&PendingConflict> = draft
        .pending
        .iter()
        .filter(|p| p.resolver == resolver)
        .collect();
    let fail = |plan: &mut Plan, draft: &Draft, message: String| {
        plan.failures.push(Failure {
            side: Side::Source,
            item_id: draft.source.id.clone(),
            key: draft.source.key.clone(),
            message,
        });
    };
    let resolutions = match answer {
        Ok(r) if r.len() == pending.len() => r,
        Ok(r) => {
            fail(
                plan,
                draft,
                format!(
                    "resolver `{resolver}` answered {} resolutions for {} conflicts",
                    r.len(),
                    pending.len()
                ),
            );
            draft.update = None;
            return;
        }
        Err(error) => {
            fail(plan, draft, format!("resolver `{resolver}`: {error}"));
            draft.update = None;
            return;
        }
    };
    // A merged value must be of the field's declared (target) type: a resolver answering
    // `merged(42)` for a text field fails the item, named, before anything is written.
    for (p, resolution) in pending.iter().zip(&resolutions) {
        let Resolution::Merged(value) = resolution else {
            continue;
        };
        let m = &sync.field_mappings[p.mapping];
        if let Some(actual) = crate::transform::type_of(value)
            && actual != m.target_type
        {
            fail(
                plan,
                draft,
                format!(
                    "resolver `{resolver}` merged {value} (a {actual}) for field `{}`, which is declared {}; nothing was written",
                    m.target_field, m.target_type
                ),
            );
            draft.update = None;
            return;
        }
    }
    // Merged values are in target terms; the source side needs them converted back.
    let merged: Vec<(usize, &Value)> = pending
        .iter()
        .zip(&resolutions)
        .filter_map(|(p, r)| match r {
            Resolution::Merged(v) => Some((p.mapping, v)),
            _ => None,
        })
        .collect();
    let key = draft.target.key.clone();
    let batch: Vec<Conversion<'_>> = merged
        .iter()
        .map(|&(mapping, value)| Conversion {
            mapping,
            way: Way::ToSource,
            value,
            item_key: &key,
        })
        .collect();
    let mut back = if batch.is_empty() {
        Vec::new()
    } else {
        converter.convert(&batch)
    }
    .into_iter();
    let Some(update) = draft.update.as_mut() else {
        return;
    };
    let mut outcomes = Vec::new();
    for (p, resolution) in pending.iter().zip(resolutions) {
        let m = &sync.field_mappings[p.mapping];
        let s = draft.source.field(&m.source_field).clone();
        let t = draft.target.field(&m.target_field).clone();
        let outcome = match resolution {
            Resolution::TakeSource => {
                write_target(update, m, &s, &t, p.forward.clone());
                ConflictOutcome::Won(Side::Source)
            }
            Resolution::TakeTarget => {
                write_source(update, m, &s, &t, p.reverse.clone());
                ConflictOutcome::Won(Side::Target)
            }
            Resolution::Merged(value) => match back.next() {
                Some(Ok(source_value)) => {
                    write_target(update, m, &s, &t, value.clone());
                    let t_new = value.clone();
                    write_source(update, m, &s, &t_new, source_value);
                    ConflictOutcome::Merged(value)
                }
                Some(Err(message)) => ConflictOutcome::Manual(format!(
                    "resolver `{resolver}` merged {value}, which cannot be converted back to the source: {message}"
                )),
                None => ConflictOutcome::Manual(format!(
                    "resolver `{resolver}` merged a value that cannot be converted back"
                )),
            },
            Resolution::Defer(reason) => {
                ConflictOutcome::Manual(format!("resolver `{resolver}` deferred: {reason}"))
            }
        };
        outcomes.push(Conflict {
            source_field: m.source_field.clone(),
            target_field: m.target_field.clone(),
            source_value: s,
            target_value: t,
            base_source: update.link.base.source.get(&m.source_field).cloned(),
            base_target: update.link.base.target.get(&m.target_field).cloned(),
            strategy: Strategy::Custom,
            outcome,
        });
    }
    update.conflicts.extend(outcomes);
}
