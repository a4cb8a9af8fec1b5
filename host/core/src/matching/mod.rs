//! Matching: pair items that already exist on both sides before anything is created
//! (`link_existing:`). Pure: the items of both sides that have no link yet go in, a
//! [`MatchPlan`] comes out — the pairs with the rule that found each, the ambiguous groups
//! (one item fitting several, several fitting one: never linked, left for a person) and the
//! items that matched nothing.
//!
//! Rules run in the config's order; each looks only at items no earlier rule paired, so an
//! ambiguity under a loose rule (equal titles) can be settled by a stricter one listed
//! before it. An item that was ambiguous under some rule and stays unpaired is reported and
//! neither linked nor created. Every rule is hash-indexed: the cost grows with the number of
//! items (and references in their text), never with their product.

pub mod date_window;
pub mod groups;
pub mod initial_base;
pub mod normalise;
pub mod references;

use crate::config::{MatchRule, SyncConfig};
use crate::item::{Item, Side};
use crate::planner::{Conversion, Converter, Way};
use groups::{Group, Ties};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

pub use initial_base::{initial_link, winner};

/// An item as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ItemRef {
    pub id: String,
    pub key: String,
}

impl ItemRef {
    pub fn of(item: &Item) -> ItemRef {
        ItemRef {
            id: item.id.clone(),
            key: item.key.clone(),
        }
    }
}

/// Two existing items found to be the same work.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchedPair {
    pub source: Item,
    pub target: Item,
    /// The rule that found them ([`MatchRule::label`]).
    pub rule: String,
}

/// Items a rule could not pair one to one: left for a person (`links add`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ambiguity {
    pub rule: String,
    pub sources: Vec<ItemRef>,
    pub targets: Vec<ItemRef>,
}

impl Ambiguity {
    /// One line for people: `PROJ-3, PROJ-9 ↔ #12 (fields summary)`.
    pub fn describe(&self) -> String {
        let keys = |items: &[ItemRef]| {
            items
                .iter()
                .map(|i| i.key.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "{} ↔ {} ({})",
            keys(&self.sources),
            keys(&self.targets),
            self.rule
        )
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct MatchPlan {
    pub pairs: Vec<MatchedPair>,
    pub ambiguities: Vec<Ambiguity>,
    /// Items that are neither paired nor ambiguous.
    pub unmatched: Vec<(Side, Item)>,
}

impl MatchPlan {
    /// The items held back as ambiguous (side, id).
    pub fn ambiguous_items(&self) -> BTreeSet<(Side, String)> {
        self.ambiguities
            .iter()
            .flat_map(|a| {
                a.sources
                    .iter()
                    .map(|i| (Side::Source, i.id.clone()))
                    .chain(a.targets.iter().map(|i| (Side::Target, i.id.clone())))
            })
            .collect()
    }
}

/// Pair `source` and `target` items (none of them linked yet) by the sync's match rules.
pub fn match_items(
    sync: &SyncConfig,
    source: Vec<Item>,
    target: Vec<Item>,
    converter: &dyn Converter,
) -> MatchPlan {
    let (ns, nt) = (source.len(), target.len());
    let mut source_free = vec![true; ns];
    let mut target_free = vec![true; nt];
    let mut pairs: Vec<(usize, usize, String)> = Vec::new();
    let mut ambiguous: Vec<(String, Group)> = Vec::new();

    for rule in &sync.link_existing.rules {
        let mut ties = Ties::new(ns, nt);
        match rule {
            MatchRule::Fields {
                fields,
                date_window,
            } => {
                let source_keys = converted_keys(sync, fields, &source, &source_free, converter);
                let target_keys: Vec<Vec<String>> = target
                    .iter()
                    .zip(&target_free)
                    .map(|(item, free)| {
                        if !free {
                            return Vec::new();
                        }
                        joined(fields.iter().map(|f| {
                            let name = target_field(sync, f).unwrap_or(f);
                            normalise::whole(item.field(name))
                        }))
                    })
                    .collect();
                match date_window {
                    None => tie_by_keys(&mut ties, &source_keys, &target_keys),
                    Some(window) => {
                        let dates = |items: &[Item], field: &str| -> Vec<Option<i64>> {
                            items
                                .iter()
                                .map(|item| date_window::seconds(item.field(field)))
                                .collect()
                        };
                        let (source_at, target_at) = (
                            dates(&source, &window.source),
                            dates(&target, &window.target),
                        );
                        for (sources, targets) in buckets(&source_keys, &target_keys) {
                            date_window::tie_within(
                                &mut ties,
                                &sources,
                                &targets,
                                &source_at,
                                &target_at,
                                i64::from(window.days) * 86_400,
                            );
                        }
                    }
                }
            }
            MatchRule::KeyField {
                source: source_field,
                target: target_field,
                prefix,
            } => {
                let keys = |items: &[Item], free: &[bool], field: &str| -> Vec<Vec<String>> {
                    items
                        .iter()
                        .zip(free)
                        .map(|(item, free)| {
                            if *free {
                                normalise::keys(item.field(field), prefix.as_deref())
                            } else {
                                Vec::new()
                            }
                        })
                        .collect()
                };
                tie_by_keys(
                    &mut ties,
                    &keys(&source, &source_free, source_field),
                    &keys(&target, &target_free, target_field),
                );
            }
            MatchRule::SameItem => {
                let target_names = name_index(&target, &target_free);
                for (s, item) in source.iter().enumerate() {
                    if source_free[s] {
                        for token in references::identity(item) {
                            if token.starts_with("url:") {
                                for &t in target_names.get(&token).into_iter().flatten() {
                                    ties.tie(s, t);
                                }
                            }
                        }
                    }
                }
            }
            MatchRule::CrossReference => {
                let source_names = name_index(&source, &source_free);
                let target_names = name_index(&target, &target_free);
                for (s, item) in source.iter().enumerate() {
                    if source_free[s] {
                        for token in references::mentioned(item) {
                            for &t in target_names.get(&token).into_iter().flatten() {
                                ties.tie(s, t);
                            }
                        }
                    }
                }
                for (t, item) in target.iter().enumerate() {
                    if target_free[t] {
                        for token in references::mentioned(item) {
                            for &s in source_names.get(&token).into_iter().flatten() {
                                ties.tie(s, t);
                            }
                        }
                    }
                }
            }
        }
        let label = rule.label();
        for group in ties.groups() {
            if let ([s], [t]) = (group.sources.as_slice(), group.targets.as_slice()) {
                source_free[*s] = false;
                target_free[*t] = false;
                pairs.push((*s, *t, label.clone()));
            } else {
                ambiguous.push((label.clone(), group));
            }
        }
    }

    // Ambiguities that later rules did not settle: one report per distinct group.
    let mut held_sources = vec![false; ns];
    let mut held_targets = vec![false; nt];
    let mut ambiguities = Vec::new();
    let mut seen: BTreeSet<(Vec<usize>, Vec<usize>)> = BTreeSet::new();
    for (rule, group) in ambiguous {
        let open_sources: Vec<usize> = group
            .sources
            .iter()
            .copied()
            .filter(|&s| source_free[s])
            .collect();
        let open_targets: Vec<usize> = group
            .targets
            .iter()
            .copied()
            .filter(|&t| target_free[t])
            .collect();
        if open_sources.is_empty() && open_targets.is_empty() {
            continue;
        }
        for &s in &open_sources {
            held_sources[s] = true;
        }
        for &t in &open_targets {
            held_targets[t] = true;
        }
        if !seen.insert((group.sources.clone(), group.targets.clone())) {
            continue;
        }
        let mut sources: Vec<ItemRef> = group
            .sources
            .iter()
            .map(|&s| ItemRef::of(&source[s]))
            .collect();
        let mut targets: Vec<ItemRef> = group
            .targets
            .iter()
            .map(|&t| ItemRef::of(&target[t]))
            .collect();
        sources.sort();
        targets.sort();
        ambiguities.push(Ambiguity {
            rule,
            sources,
            targets,
        });
    }

    let mut source: Vec<Option<Item>> = source.into_iter().map(Some).collect();
    let mut target: Vec<Option<Item>> = target.into_iter().map(Some).collect();
    let pairs = pairs
        .into_iter()
        .filter_map(|(s, t, rule)| {
            Some(MatchedPair {
                source: source[s].take()?,
                target: target[t].take()?,
                rule,
            })
        })
        .collect();
    let mut unmatched = Vec::new();
    for (s, item) in source.into_iter().enumerate() {
        if let Some(item) = item.filter(|_| !held_sources[s]) {
            unmatched.push((Side::Source, item));
        }
    }
    for (t, item) in target.into_iter().enumerate() {
        if let Some(item) = item.filter(|_| !held_targets[t]) {
            unmatched.push((Side::Target, item));
        }
    }
    MatchPlan {
        pairs,
        ambiguities,
        unmatched,
    }
}

/// The mapping's target field for a source field name.
fn target_field<'a>(sync: &'a SyncConfig, source_field: &str) -> Option<&'a str> {
    sync.field_mappings
        .iter()
        .find(|m| m.source_field == source_field)
        .map(|m| m.target_field.as_str())
}

/// All parts present: one key joining them; any part empty: no key.
fn joined(parts: impl Iterator<Item = Option<String>>) -> Vec<String> {
    let parts: Option<Vec<String>> = parts.collect();
    match parts {
        Some(parts) if !parts.is_empty() => vec![parts.join("\u{1f}")],
        _ => Vec::new(),
    }
}

/// The source items' keys for a `fields` rule: each field converted to target terms by its
/// mapping (one batch), then normalised.
fn converted_keys(
    sync: &SyncConfig,
    fields: &[String],
    items: &[Item],
    free: &[bool],
    converter: &dyn Converter,
) -> Vec<Vec<String>> {
    let mappings: Vec<Option<usize>> = fields
        .iter()
        .map(|f| {
            sync.field_mappings
                .iter()
                .position(|m| &m.source_field == f)
        })
        .collect();
    let mut batch = Vec::new();
    for (item, free) in items.iter().zip(free) {
        if !free {
            continue;
        }
        for (field, mapping) in fields.iter().zip(&mappings) {
            if let Some(mapping) = mapping {
                batch.push(Conversion {
                    mapping: *mapping,
                    way: Way::ToTarget,
                    value: item.field(field),
                    item_key: &item.key,
                });
            }
        }
    }
    let per_item = mappings.iter().filter(|m| m.is_some()).count();
    let mut results = converter.convert(&batch).into_iter();
    items
        .iter()
        .zip(free)
        .map(|(_, free)| {
            if !free {
                return Vec::new();
            }
            let parts: Vec<Option<String>> = (0..per_item)
                .map(|_| match results.next() {
                    Some(Ok(value)) => normalise::whole(&value),
                    _ => None,
                })
                .collect();
            if per_item < fields.len() {
                return Vec::new();
            }
            joined(parts.into_iter())
        })
        .collect()
}

/// The keys present on both sides, with the source and target items holding each.
fn buckets(source: &[Vec<String>], target: &[Vec<String>]) -> Vec<(Vec<usize>, Vec<usize>)> {
    let mut by_key: HashMap<&str, (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (s, keys) in source.iter().enumerate() {
        for key in keys {
            by_key.entry(key).or_default().0.push(s);
        }
    }
    for (t, keys) in target.iter().enumerate() {
        for key in keys {
            if let Some(entry) = by_key.get_mut(key.as_str()) {
                entry.1.push(t);
            }
        }
    }
    by_key
        .into_values()
        .filter(|(sources, targets)| !sources.is_empty() && !targets.is_empty())
        .collect()
}

/// Tie the items that share a key: every source and target item of a key present on both
/// sides stand in one group.
fn tie_by_keys(ties: &mut Ties, source: &[Vec<String>], target: &[Vec<String>]) {
    for (sources, targets) in buckets(source, target) {
        let (s0, t0) = (sources[0], targets[0]);
        for &s in &sources[1..] {
            ties.tie_sources(s0, s);
        }
        for &t in &targets[1..] {
            ties.tie_targets(t0, t);
        }
        ties.tie(s0, t0);
    }
}

/// The names of the free items: name → items going by it.
fn name_index(items: &[Item], free: &[bool]) -> HashMap<String, Vec<usize>> {
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        if free[i] {
            for name in references::identity(item) {
                index.entry(name).or_default().push(i);
            }
        }
    }
    index
}
