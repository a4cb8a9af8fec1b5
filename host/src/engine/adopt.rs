//! Adopting existing items (`link_existing:`): before anything is created, the run's
//! unlinked items are matched against the other side's unlinked items
//! (`pmsync_core::matching`). Pairs are linked with the initial base `initial_winner:` says
//! (recorded before any write, so a crash leaves links, never duplicates); ambiguous
//! groups are reported and audited and their items neither linked nor created; what matched
//! nothing is created (`match_then_create`) or skipped (`match_only`).
//!
//! On an incremental run the changed items are only part of a side, so a side whose listing
//! was partial is listed in full (same filters, bounded by `max_pages` / `max_items`) for
//! candidates — only when the other side has unlinked items to match.

use super::EngineError;
use super::executor::Executor;
use super::fetch::list_all;
use super::intent_recovery::Recovery;
use super::report::{ItemAction, ItemResult, MatchLine, MatchReport, RunReport};
use super::run::filter_for;
use crate::store::{AuditStatus, Store};
use pmsync_core::config::{InitialWinner, LinkMode};
use pmsync_core::matching::{self, initial_link, match_items};
use pmsync_core::plan::{Candidate, Skip};
use pmsync_core::planner::Converter;
use pmsync_core::{Item, Side};
use std::collections::{BTreeMap, HashSet};

/// What the run knows about each side's listing.
pub(crate) struct Listed<'a> {
    /// The side's platform name (for messages).
    pub platforms: &'a BTreeMap<Side, String>,
    /// Sides listed since a watermark (only what changed), not in full.
    pub partial: &'a HashSet<Side>,
}

/// Match the unlinked candidates; returns the skips to add to the plan (`match_only`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn adopt_existing(
    exec: &Executor<'_>,
    store: &mut Store,
    converter: &dyn Converter,
    recovery: &Recovery,
    listed: Listed<'_>,
    candidates: &mut Vec<Candidate>,
    dry_run: bool,
    report: &mut RunReport,
) -> Result<Vec<Skip>, EngineError> {
    let sync = exec.sync;
    let link_existing = &sync.link_existing;
    let mut originals: Vec<(Side, Item)> = Vec::new();
    candidates.retain_mut(|c| match c {
        Candidate::Unlinked { side, item } => {
            originals.push((*side, std::mem::replace(item, placeholder())));
            false
        }
        Candidate::Linked { .. } => true,
    });
    if originals.is_empty() {
        return Ok(Vec::new());
    }
    let original_ids: HashSet<(Side, String)> = originals
        .iter()
        .map(|(side, item)| (*side, item.id.clone()))
        .collect();
    let mut pool: BTreeMap<Side, Vec<Item>> = BTreeMap::new();
    for (side, item) in &originals {
        pool.entry(*side).or_default().push(item.clone());
    }

    // Candidates on sides listed only in part.
    let mut candidates_listed = 0;
    for side in [Side::Source, Side::Target] {
        let wanted = originals.iter().any(|(s, _)| *s == side.other());
        if !wanted || !listed.partial.contains(&side) {
            continue;
        }
        let platform = listed.platforms.get(&side).cloned().unwrap_or_default();
        let listing = list_all(
            exec,
            side,
            &platform,
            None,
            filter_for(&sync.filters, side),
            &mut report.counts.retries,
        )?;
        for item in listing.items {
            let key = (side, item.id.clone());
            if original_ids.contains(&key)
                || recovery.virtual_links.contains_key(&key)
                || store.link(&sync.name, side, &item.id)?.is_some()
            {
                continue;
            }
            candidates_listed += 1;
            pool.entry(side).or_default().push(item);
        }
    }

    let plan = match_items(
        sync,
        pool.remove(&Side::Source).unwrap_or_default(),
        pool.remove(&Side::Target).unwrap_or_default(),
        converter,
    );
    let rule = link_existing.initial_winner.unwrap_or(InitialWinner::None);
    let mut lines = Vec::new();
    let mut links = Vec::new();
    for pair in plan.pairs {
        let link = initial_link(sync, rule, &pair.source, &pair.target);
        let winner = matching::winner(rule, &pair.source, &pair.target)
            .map_or("none (a person decides differences)", |side| side.as_str());
        lines.push(MatchLine {
            source_key: link.source_key.clone(),
            target_key: link.target_key.clone(),
            rule: pair.rule.clone(),
            winner: winner.to_string(),
        });
        links.push(link.clone());
        candidates.push(Candidate::Linked {
            link,
            source: Some(pair.source),
            target: Some(pair.target),
        });
    }
    let mut skips = Vec::new();
    let mut remaining_creates = 0;
    for (side, item) in plan.unmatched {
        if !original_ids.contains(&(side, item.id.clone())) {
            continue;
        }
        match link_existing.mode {
            LinkMode::MatchOnly => skips.push(Skip {
                side,
                item_id: item.id.clone(),
                key: item.key.clone(),
                reason: "no existing partner matched; link_existing mode match_only creates none"
                    .to_string(),
            }),
            LinkMode::MatchThenCreate | LinkMode::CreateOnly => {
                remaining_creates += 1;
                candidates.push(Candidate::Unlinked { side, item });
            }
        }
    }

    for line in &lines {
        report.items.push(ItemResult {
            action: ItemAction::Matched,
            source_key: line.source_key.clone(),
            target_key: line.target_key.clone(),
            changes: Vec::new(),
            detail: Some(format!(
                "matched by {}; initial values: {}",
                line.rule, line.winner
            )),
            error: None,
            attempts: 0,
        });
    }
    for a in &plan.ambiguities {
        report.items.push(ItemResult {
            action: ItemAction::Ambiguous,
            source_key: keys(&a.sources),
            target_key: keys(&a.targets),
            changes: Vec::new(),
            detail: Some(format!(
                "{}: not linked; pair by hand with `pmsync-host links add`",
                a.describe()
            )),
            error: None,
            attempts: 0,
        });
    }
    report.counts.matched += lines.len();
    report.counts.ambiguous += plan.ambiguities.len();

    if !dry_run {
        store.write(|tx| {
            for (link, line) in links.iter().zip(&lines) {
                tx.put_link(&sync.name, link)?;
                exec.audit(
                    tx,
                    exec.entry(
                        &line.source_key,
                        &line.target_key,
                        "none",
                        AuditStatus::Matched,
                        Vec::new(),
                        None,
                        Some(format!(
                            "matched by {}; initial values: {}",
                            line.rule, line.winner
                        )),
                        0,
                    ),
                )?;
            }
            for a in &plan.ambiguities {
                exec.audit(
                    tx,
                    exec.entry(
                        &keys(&a.sources),
                        &keys(&a.targets),
                        "none",
                        AuditStatus::Ambiguous,
                        Vec::new(),
                        None,
                        Some(format!("{}: not linked, left for a person", a.describe())),
                        0,
                    ),
                )?;
            }
            Ok(())
        })?;
    }
    report.matching = Some(MatchReport {
        mode: link_existing.mode.as_str().to_string(),
        matched: lines,
        ambiguous: plan.ambiguities,
        remaining_creates,
        candidates_listed,
    });
    Ok(skips)
}

fn keys(items: &[matching::ItemRef]) -> String {
    items
        .iter()
        .map(|i| i.key.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What is left in a candidate whose item was moved out (the candidate is dropped at once).
fn placeholder() -> Item {
    Item {
        id: String::new(),
        key: String::new(),
        url: String::new(),
        updated_at: chrono::DateTime::UNIX_EPOCH,
        fields: Default::default(),
    }
}
