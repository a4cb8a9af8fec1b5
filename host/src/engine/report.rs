//! What a run did (or, in a dry run, would do): counts, per-item results, elapsed time.

use crate::store::ChangeRecord;
use pmsync_core::Side;
use pmsync_core::plan::{ConflictOutcome, Plan};
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunMode {
    /// Only what changed since the per-side watermarks.
    Incremental,
    /// Everything the filters select.
    Full,
    /// Only the items named (webhook deliveries); watermarks stay.
    Items,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemAction {
    Created,
    Updated,
    /// A conflict left for a person.
    Conflict,
    /// A conflict settled by the strategy.
    ConflictResolved,
    /// A person's resolution was written.
    Resolved,
    Unlinked,
    Skipped,
    Failed,
    /// Two existing items were paired by a match rule (`link_existing:`).
    Matched,
    /// Existing items a match rule could not pair one to one; left for a person.
    Ambiguous,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemResult {
    pub action: ItemAction,
    pub source_key: String,
    pub target_key: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ChangeRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub attempts: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub fetched_source: usize,
    pub fetched_target: usize,
    pub created: usize,
    pub updated: usize,
    pub conflicts_auto: usize,
    pub conflicts_manual: usize,
    pub resolved: usize,
    pub unlinked: usize,
    /// Existing pairs found by `link_existing:` match rules.
    pub matched: usize,
    /// Groups of existing items the match rules could not pair one to one.
    pub ambiguous: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Successful writes to platforms (one per item created or item side updated).
    pub writes: usize,
    /// Connector calls repeated for transient or rate-limit errors.
    pub retries: u32,
}

/// One pair found by matching.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchLine {
    pub source_key: String,
    pub target_key: String,
    pub rule: String,
    /// Whose values the pair starts from (`source`, `target`, or `none`: a person decides).
    pub winner: String,
}

/// What matching found in a run: the pairs, the ambiguous groups, and how many unlinked
/// items it left to create (or, with `match_only`, to skip).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchReport {
    pub mode: String,
    pub matched: Vec<MatchLine>,
    pub ambiguous: Vec<pmsync_core::matching::Ambiguity>,
    /// Unlinked items that matched nothing and get a partner created this run.
    pub remaining_creates: usize,
    /// Items listed only as candidates (the other side's full listing on an incremental run).
    pub candidates_listed: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    pub sync: String,
    pub run_id: String,
    pub mode: RunMode,
    pub dry_run: bool,
    pub counts: Counts,
    pub items: Vec<ItemResult>,
    pub elapsed_ms: u64,
    /// The plan, in a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// What matching (`link_existing:`) found, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matching: Option<MatchReport>,
    /// Items recorded as failed by this run (side, item id).
    #[serde(skip)]
    pub failed_items: Vec<(Side, String)>,
    /// The run was asked to stop (a signal) and left the rest for the next run.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stopped: bool,
}

impl RunReport {
    pub fn new(sync: &str, run_id: &str, mode: RunMode, dry_run: bool) -> RunReport {
        RunReport {
            sync: sync.to_string(),
            run_id: run_id.to_string(),
            mode,
            dry_run,
            counts: Counts::default(),
            items: Vec::new(),
            elapsed_ms: 0,
            stopped: false,
            plan: None,
            matching: None,
            failed_items: Vec::new(),
        }
    }

    /// One line of counts, for people.
    pub fn summary(&self) -> String {
        let c = &self.counts;
        let matching = match &self.matching {
            Some(_) => format!(", matched {}, ambiguous {}", c.matched, c.ambiguous),
            None => String::new(),
        };
        format!(
            "{}{}: fetched {}+{}{matching}, created {}, updated {}, conflicts {} auto / {} manual, resolved {}, unlinked {}, skipped {}, failed {}, writes {}, retries {} in {} ms",
            if self.dry_run { "[dry run] " } else { "" },
            self.sync,
            c.fetched_source,
            c.fetched_target,
            c.created,
            c.updated,
            c.conflicts_auto,
            c.conflicts_manual,
            c.resolved,
            c.unlinked,
            c.skipped,
            c.failed,
            c.writes,
            c.retries,
            self.elapsed_ms
        )
    }
}

fn arrow(from: Side) -> &'static str {
    match from {
        Side::Source => "source → target",
        Side::Target => "target → source",
    }
}

/// What matching found, as text for people: each pair with its rule, each ambiguous group,
/// and how many creates remain.
pub fn render_matching(matching: &MatchReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "matching ({}): {} pair(s), {} ambiguous group(s), {} create(s) remain",
        matching.mode,
        matching.matched.len(),
        matching.ambiguous.len(),
        matching.remaining_creates
    );
    for m in &matching.matched {
        let _ = writeln!(
            out,
            "  match {} ↔ {} by {} (initial values: {})",
            m.source_key, m.target_key, m.rule, m.winner
        );
    }
    for a in &matching.ambiguous {
        let _ = writeln!(
            out,
            "  ambiguous {}: not linked; pair by hand with `pmsync-host links add`",
            a.describe()
        );
    }
    out
}

/// The plan as text for people: creates, updates with field old → new, conflicts and how
/// they would be resolved, unlinks, skips and failures.
pub fn render_plan(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "plan for sync {}: {} create(s), {} update(s) with writes, {} conflict(s), {} unlink(s), {} skip(s), {} failure(s)",
        plan.sync,
        plan.creates.len(),
        plan.updates.iter().filter(|u| u.has_writes()).count(),
        plan.conflicts().count(),
        plan.unlinks.len(),
        plan.skips.len(),
        plan.failures.len()
    );
    for c in &plan.creates {
        let _ = writeln!(
            out,
            "  create {} ({}) on the {} side [{}]",
            c.item.key,
            arrow(c.from),
            c.from.other(),
            c.origin
        );
        for (field, value) in &c.fields {
            let _ = writeln!(out, "      {field} = {value}");
        }
    }
    for u in &plan.updates {
        if !u.has_writes() && u.conflicts.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "  update {} ↔ {}",
            u.link.source_key, u.link.target_key
        );
        for f in &u.to_target {
            let _ = writeln!(out, "      target {}: {} → {}", f.field, f.old, f.new);
        }
        for f in &u.to_source {
            let _ = writeln!(out, "      source {}: {} → {}", f.field, f.old, f.new);
        }
        for c in &u.conflicts {
            let outcome = match &c.outcome {
                ConflictOutcome::Won(side) => format!("{side} wins"),
                ConflictOutcome::Merged(v) => format!("merged to {v}"),
                ConflictOutcome::Manual(why) => format!("left for a person: {why}"),
            };
            let _ = writeln!(
                out,
                "      conflict {} → {}: source {} vs target {} ({:?}): {outcome}",
                c.source_field, c.target_field, c.source_value, c.target_value, c.strategy
            );
        }
    }
    for l in &plan.unlinks {
        let _ = writeln!(out, "  unlink {} ↔ {}", l.source_key, l.target_key);
    }
    for s in &plan.skips {
        let _ = writeln!(out, "  skip {} ({}): {}", s.key, s.side, s.reason);
    }
    for f in &plan.failures {
        let _ = writeln!(out, "  fail {} ({}): {}", f.key, f.side, f.message);
    }
    out
}
