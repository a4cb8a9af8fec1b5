//! Running one sync: apply resolved conflicts, recover interrupted creates, fetch what
//! changed on both sides (plus partners and previously failed items), plan, execute, and
//! only then move the watermarks.

use super::EngineError;
use super::adopt::{Listed, adopt_existing};
use super::call_with_retry::{RetryPolicy, Sleeper, ThreadSleeper};
use super::crash::CrashPoint;
use super::executor::Executor;
use super::fetch::{get_many, list_all};
use super::intent_recovery::{Recovery, recover};
use super::named_items;
use super::pending_updates;
use super::progress_events::{NoProgress, Progress, ProgressEvent};
use super::report::{ItemAction, ItemResult, RunMode, RunReport};
use super::resolutions;
use super::stop_signal::StopSignal;
use crate::connector::{Connector, Filter};
use crate::store::Store;
use chrono::{DateTime, Utc};
use pmsync_core::config::{Filters, SyncConfig};
use pmsync_core::plan::{Candidate, Link, Plan, Skip};
use pmsync_core::planner::{self, Converter};
use pmsync_core::plugins::CustomResolvers;
use pmsync_core::{Item, ItemError, Side};
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

/// How far incremental runs look back before the watermark: Jira's JQL compares
/// `updated` with minute precision, and platforms' clocks and indexes lag a little.
pub const WATERMARK_OVERLAP: chrono::Duration = chrono::Duration::minutes(5);

/// What a sync needs: its config, both connectors, and the field pipelines and resolvers.
#[derive(Clone, Copy)]
pub struct SyncContext<'a> {
    pub sync: &'a SyncConfig,
    pub source: &'a dyn Connector,
    pub target: &'a dyn Connector,
    pub converter: &'a dyn Converter,
    pub resolvers: &'a dyn CustomResolvers,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    pub mode: RunMode,
    /// Compute and return the plan; write nothing anywhere.
    pub dry_run: bool,
    /// Stop as if the process died there (crash tests; only with the `testing` feature).
    #[cfg(feature = "testing")]
    pub crash_at: Option<CrashPoint>,
}

impl RunOptions {
    /// A run of `mode`, writing or (`dry_run`) only planning.
    // Without the `testing` feature every field is given and the update is needless.
    #[allow(clippy::needless_update)]
    pub fn of(mode: RunMode, dry_run: bool) -> RunOptions {
        RunOptions {
            mode,
            dry_run,
            ..RunOptions::default()
        }
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            mode: RunMode::Incremental,
            dry_run: false,
            #[cfg(feature = "testing")]
            crash_at: None,
        }
    }
}

/// Runs a sync. Connector calls block; call `run` from a blocking context
/// (e.g. `tokio::task::spawn_blocking`). Writes within a batch run on up to
/// `concurrency` threads.
pub struct Runner<'a> {
    ctx: SyncContext<'a>,
    progress: &'a dyn Progress,
    sleeper: &'a dyn Sleeper,
    stop: StopSignal,
}

/// The connector `Filter` for one side: the common filters that side reads (see
/// [`Filters::for_side`]) and its platform query (`source_query` / `target_query`, which the
/// app fills from a connector's declared query key, such as `jql`).
pub fn filter_for(filters: &Filters, side: Side) -> Filter {
    let common = filters.for_side(side);
    Filter {
        projects: common.projects,
        issue_types: common.issue_types,
        labels: common.labels,
        query: filters.query_for(side).map(str::to_owned),
    }
}

fn new_run_id() -> String {
    format!(
        "{}-{:06x}",
        Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
        rand::random::<u32>() & 0xff_ffff
    )
}

/// A linked pair being assembled: `None` = not fetched yet, `Some(None)` = deleted.
struct Pair {
    link: Link,
    source: Option<Option<Item>>,
    target: Option<Option<Item>>,
}

impl Pair {
    fn fetched(&self, side: Side) -> bool {
        match side {
            Side::Source => self.source.is_some(),
            Side::Target => self.target.is_some(),
        }
    }

    fn id(&self, side: Side) -> &str {
        match side {
            Side::Source => &self.link.source_id,
            Side::Target => &self.link.target_id,
        }
    }

    fn slot(&mut self, side: Side) -> &mut Option<Option<Item>> {
        match side {
            Side::Source => &mut self.source,
            Side::Target => &mut self.target,
        }
    }
}

impl<'a> Runner<'a> {
    pub fn new(ctx: SyncContext<'a>) -> Runner<'a> {
        Runner {
            ctx,
            progress: &NoProgress,
            sleeper: &ThreadSleeper,
            stop: StopSignal::new(),
        }
    }

    pub fn with_progress(mut self, progress: &'a dyn Progress) -> Runner<'a> {
        self.progress = progress;
        self
    }

    /// Stop gracefully when `stop` is requested: no new write starts, what is in flight is
    /// recorded, and the rest is left for the next run.
    pub fn with_stop(mut self, stop: StopSignal) -> Runner<'a> {
        self.stop = stop;
        self
    }

    /// Replace how retries wait (tests record instead of sleeping).
    pub fn with_sleeper(mut self, sleeper: &'a dyn Sleeper) -> Runner<'a> {
        self.sleeper = sleeper;
        self
    }

    fn executor(&self, run_id: &str, crash_at: Option<CrashPoint>) -> Executor<'a> {
        #[cfg(not(feature = "testing"))]
        let _ = crash_at;
        Executor {
            sync: self.ctx.sync,
            source: self.ctx.source,
            target: self.ctx.target,
            policy: RetryPolicy::from_sync(self.ctx.sync),
            sleeper: self.sleeper,
            progress: self.progress,
            #[cfg(feature = "testing")]
            crash_at,
            run_id: run_id.to_string(),
            stop: self.stop.clone(),
        }
    }

    fn platform(&self, side: Side) -> Result<String, EngineError> {
        let (connector, configured) = match side {
            Side::Source => (self.ctx.source, &self.ctx.sync.source_platform),
            Side::Target => (self.ctx.target, &self.ctx.sync.target_platform),
        };
        match connector.describe() {
            Ok(d) => Ok(d.platform),
            Err(error) => Err(EngineError::Connector {
                sync: self.ctx.sync.name.clone(),
                side,
                platform: configured.clone(),
                operation: "describe",
                error,
            }),
        }
    }

    /// Write the conflicts people resolved since the last run, now.
    pub fn apply_resolutions(&self, store: &mut Store) -> Result<RunReport, EngineError> {
        let started = Instant::now();
        let run_id = new_run_id();
        let mut report = RunReport::new(&self.ctx.sync.name, &run_id, RunMode::Incremental, false);
        resolutions::apply(
            &self.executor(&run_id, None),
            store,
            self.ctx.converter,
            &mut report,
        )?;
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    /// Run the sync once.
    pub fn run(&self, store: &mut Store, options: &RunOptions) -> Result<RunReport, EngineError> {
        self.run_fetching(store, options, None)
    }

    /// Sync just the named items (ids per side, e.g. from webhook deliveries) through the
    /// same planner and executor as a run: their partners are fetched, an unlinked item is
    /// created on the other side only if the side's filters select it, and the watermarks do
    /// not move (the next incremental run still sees everything since the last one).
    pub fn run_items(
        &self,
        store: &mut Store,
        named: &BTreeMap<Side, Vec<String>>,
    ) -> Result<RunReport, EngineError> {
        self.run_fetching(store, &RunOptions::of(RunMode::Items, false), Some(named))
    }

    fn run_fetching(
        &self,
        store: &mut Store,
        options: &RunOptions,
        named: Option<&BTreeMap<Side, Vec<String>>>,
    ) -> Result<RunReport, EngineError> {
        let started = Instant::now();
        let sync = self.ctx.sync;
        let run_id = new_run_id();
        let mut report = RunReport::new(&sync.name, &run_id, options.mode, options.dry_run);
        #[cfg(feature = "testing")]
        let crash_at = options.crash_at;
        #[cfg(not(feature = "testing"))]
        let crash_at = None;
        let exec = self.executor(&run_id, crash_at);

        if !options.dry_run {
            resolutions::apply(&exec, store, self.ctx.converter, &mut report)?;
        }
        let recovery = recover(&exec, store, options.dry_run, &mut report)?;

        // Fetch what changed on both sides (or just the named items).
        let mut listed: BTreeMap<Side, Vec<Item>> = BTreeMap::new();
        let mut unreadable: Vec<(Side, String, String, String)> = Vec::new();
        let mut platforms: BTreeMap<Side, String> = BTreeMap::new();
        let mut partial: HashSet<Side> = HashSet::new();
        for side in [Side::Source, Side::Target] {
            let platform = self.platform(side)?;
            platforms.insert(side, platform.clone());
            let listing = match named {
                Some(named) => {
                    // Only the named items: a partial view of the side.
                    partial.insert(side);
                    let ids = named.get(&side).map(Vec::as_slice).unwrap_or_default();
                    named_items::fetch(
                        &exec,
                        side,
                        &platform,
                        ids,
                        filter_for(&sync.filters, side),
                        &|id| Ok(self.find_link(store, &recovery, side, id)?.is_some()),
                        &mut report.counts.retries,
                    )?
                }
                None => {
                    let since = match options.mode {
                        RunMode::Full => None,
                        RunMode::Incremental | RunMode::Items => {
                            store.watermark(&sync.name, side)?.map(|w| {
                                (w - WATERMARK_OVERLAP)
                                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                            })
                        }
                    };
                    if since.is_some() {
                        partial.insert(side);
                    }
                    list_all(
                        &exec,
                        side,
                        &platform,
                        since,
                        filter_for(&sync.filters, side),
                        &mut report.counts.retries,
                    )?
                }
            };
            // Listed items the connector could not read fail alone (recorded below, and
            // tried again by id next run); the rest of their page syncs.
            for r in listing.rejected {
                report.items.push(rejected_line(side, &r));
                unreadable.push((side, r.id, r.key, r.error.to_string()));
            }
            let items = listing.items;
            match side {
                Side::Source => report.counts.fetched_source = items.len(),
                Side::Target => report.counts.fetched_target = items.len(),
            }
            listed.insert(side, items);
        }
        // Named items say nothing about what else changed: only listings move watermarks.
        let high_water: BTreeMap<Side, Option<DateTime<Utc>>> = match named {
            Some(_) => BTreeMap::new(),
            None => listed
                .iter()
                .map(|(side, items)| (*side, items.iter().map(|i| i.updated_at).max()))
                .collect(),
        };

        let (mut candidates, mut fetch_failures) =
            self.assemble(store, &exec, listed, &recovery, &mut report)?;
        fetch_failures.extend(unreadable);
        pending_updates::settle(sync, store, &mut candidates, options.dry_run)?;
        let match_skips = if sync.link_existing.matches() {
            adopt_existing(
                &exec,
                store,
                self.ctx.converter,
                &recovery,
                Listed {
                    platforms: &platforms,
                    partial: &partial,
                },
                &mut candidates,
                options.dry_run,
                &mut report,
            )?
        } else {
            Vec::new()
        };
        let mut plan = planner::plan(sync, &candidates, self.ctx.converter, self.ctx.resolvers);
        plan.skips.extend(match_skips);
        block_creates(&mut plan, &recovery);
        self.progress.event(&ProgressEvent::Planned {
            creates: plan.creates.len(),
            updates: plan.updates.iter().filter(|u| u.has_writes()).count(),
            conflicts: plan.conflicts().count(),
            writes: plan.write_count(),
        });

        if options.dry_run {
            let c = &mut report.counts;
            c.created += plan.creates.len();
            c.updated += plan.updates.iter().filter(|u| u.has_writes()).count();
            for (_, conflict) in plan.conflicts() {
                match conflict.outcome {
                    pmsync_core::plan::ConflictOutcome::Manual(_) => c.conflicts_manual += 1,
                    _ => c.conflicts_auto += 1,
                }
            }
            c.unlinked += plan.unlinks.len();
            c.skipped += plan.skips.len();
            c.failed += plan.failures.len() + fetch_failures.len();
            c.writes += plan.write_count();
            report.plan = Some(plan);
            report.elapsed_ms = started.elapsed().as_millis() as u64;
            return Ok(report);
        }

        exec.execute(store, &plan, &mut report)?;
        if report.stopped {
            return self.finish_stopped(store, &exec, fetch_failures, report, started);
        }

        // Everything fetched is committed: settle bookkeeping and move the watermarks.
        let mut still_failing: HashSet<(Side, String)> =
            report.failed_items.iter().cloned().collect();
        still_failing.extend(
            fetch_failures
                .iter()
                .map(|(side, id, _, _)| (*side, id.clone())),
        );
        let open_conflicts: BTreeMap<String, Vec<(String, String)>> =
            plan.updates.iter().fold(BTreeMap::new(), |mut map, u| {
                let fields = map.entry(u.link.source_id.clone()).or_insert_with(Vec::new);
                for c in &u.conflicts {
                    if matches!(c.outcome, pmsync_core::plan::ConflictOutcome::Manual(_)) {
                        fields.push((c.source_field.clone(), c.target_field.clone()));
                    }
                }
                map
            });
        store.write(|tx| {
            for (fetch_side, id, key, message) in &fetch_failures {
                tx.record_failure(&sync.name, *fetch_side, id, key, message, true, 1)?;
            }
            for candidate in &candidates {
                match candidate {
                    Candidate::Unlinked { side, item } => {
                        if !still_failing.contains(&(*side, item.id.clone())) {
                            tx.clear_failure(&sync.name, *side, &item.id)?;
                        }
                    }
                    Candidate::Linked {
                        link,
                        source,
                        target,
                    } => {
                        for (side, item) in [(Side::Source, source), (Side::Target, target)] {
                            if let Some(item) = item
                                && !still_failing.contains(&(side, item.id.clone()))
                            {
                                tx.clear_failure(&sync.name, side, &item.id)?;
                            }
                        }
                        if source.is_some() && target.is_some() {
                            let open = open_conflicts
                                .get(&link.source_id)
                                .cloned()
                                .unwrap_or_default();
                            tx.close_settled_conflicts(&sync.name, &link.source_id, &open)?;
                        }
                    }
                }
            }
            for (side, at) in &high_water {
                if recovery.blocked_sides.contains(side) {
                    // Its unlinked items wait for the lookup; list them again next run.
                    continue;
                }
                if let Some(at) = at {
                    tx.advance_watermark(&sync.name, *side, *at)?;
                }
            }
            if sync.enable_audit
                && let Some(days) = sync.audit_retention_days
            {
                tx.purge_audit(&sync.name, days, Utc::now())?;
            }
            Ok(())
        })?;
        report.counts.failed += fetch_failures.len();
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    /// The end of a run asked to stop: creates whose outcome is unknown are settled by their
    /// origin markers now (so no intent is left pending), failures of this run are kept, and
    /// neither failure records of unprocessed items nor watermarks move — the next run lists
    /// everything this one did not get to.
    fn finish_stopped(
        &self,
        store: &mut Store,
        exec: &Executor<'_>,
        fetch_failures: Vec<(Side, String, String, String)>,
        mut report: RunReport,
        started: Instant,
    ) -> Result<RunReport, EngineError> {
        let sync = &self.ctx.sync.name;
        recover(exec, store, false, &mut report)?;
        store.write(|tx| {
            for (fetch_side, id, key, message) in &fetch_failures {
                tx.record_failure(sync, *fetch_side, id, key, message, true, 1)?;
            }
            Ok(())
        })?;
        report.counts.failed += fetch_failures.len();
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    fn find_link(
        &self,
        store: &Store,
        recovery: &Recovery,
        side: Side,
        id: &str,
    ) -> Result<Option<Link>, EngineError> {
        if let Some(link) = recovery.virtual_links.get(&(side, id.to_string())) {
            return Ok(Some(link.clone()));
        }
        Ok(store.link(&self.ctx.sync.name, side, id)?)
    }

    /// Turn listed items, re-queued items and fetched partners into planner candidates.
    /// Returns the candidates and the items that could not be assembled (side, id, key,
    /// message), which are recorded as failed so the next run retries them.
    #[allow(clippy::type_complexity)]
    fn assemble(
        &self,
        store: &Store,
        exec: &Executor<'_>,
        mut listed: BTreeMap<Side, Vec<Item>>,
        recovery: &Recovery,
        report: &mut RunReport,
    ) -> Result<(Vec<Candidate>, Vec<(Side, String, String, String)>), EngineError> {
        let sync = &self.ctx.sync.name;
        let mut failures = Vec::new();

        // Previously failed items and re-queued creates that were not listed this time.
        let mut wanted: BTreeMap<Side, Vec<String>> = BTreeMap::new();
        let listed_ids: HashSet<(Side, String)> = listed
            .iter()
            .flat_map(|(side, items)| items.iter().map(move |i| (*side, i.id.clone())))
            .collect();
        let mut requeue: Vec<(Side, String)> = store
            .failed_items(Some(sync))?
            .into_iter()
            .map(|f| (f.side, f.item_id))
            .collect();
        requeue.extend(recovery.requeue.iter().cloned());
        let mut seen = HashSet::new();
        for (side, id) in requeue {
            if !listed_ids.contains(&(side, id.clone())) && seen.insert((side, id.clone())) {
                wanted.entry(side).or_default().push(id);
            }
        }
        let mut deleted: Vec<(Side, String)> = Vec::new();
        for (side, ids) in wanted {
            let results = get_many(exec, side, &ids, &mut report.counts.retries);
            for (id, result) in ids.into_iter().zip(results) {
                match result {
                    Ok(item) => listed.entry(side).or_default().push(item),
                    Err(ItemError::NotFound(_)) => deleted.push((side, id)),
                    // Still unreachable: it stays in the failed list for the next run.
                    Err(_) => {}
                }
            }
        }

        let mut pairs: BTreeMap<String, Pair> = BTreeMap::new();
        let mut unlinked = Vec::new();
        // An item may be listed twice (overlapping pages, a failed item re-queued).
        let mut seen_unlinked: std::collections::HashSet<(Side, String)> =
            std::collections::HashSet::new();
        for (side, items) in listed {
            for item in items {
                match self.find_link(store, recovery, side, &item.id)? {
                    Some(link) => {
                        let pair = pairs.entry(link.source_id.clone()).or_insert_with(|| Pair {
                            link,
                            source: None,
                            target: None,
                        });
                        *pair.slot(side) = Some(Some(item));
                    }
                    None => {
                        if seen_unlinked.insert((side, item.id.clone())) {
                            unlinked.push((side, item));
                        }
                    }
                }
            }
        }
        for (side, id) in deleted {
            if let Some(link) = self.find_link(store, recovery, side, &id)? {
                let pair = pairs.entry(link.source_id.clone()).or_insert_with(|| Pair {
                    link,
                    source: None,
                    target: None,
                });
                *pair.slot(side) = Some(None);
            }
        }

        // Fetch the partners that were not listed.
        for side in [Side::Source, Side::Target] {
            let owners: BTreeMap<String, String> = pairs
                .iter()
                .filter(|(_, p)| !p.fetched(side))
                .map(|(source_id, p)| (p.id(side).to_string(), source_id.clone()))
                .collect();
            if owners.is_empty() {
                continue;
            }
            let missing: Vec<String> = owners.keys().cloned().collect();
            let results = get_many(exec, side, &missing, &mut report.counts.retries);
            for (id, result) in missing.into_iter().zip(results) {
                let Some(source_id) = owners.get(&id).cloned() else {
                    continue;
                };
                match result {
                    Ok(item) => {
                        if let Some(p) = pairs.get_mut(&source_id) {
                            *p.slot(side) = Some(Some(item));
                        }
                    }
                    Err(ItemError::NotFound(_)) => {
                        if let Some(p) = pairs.get_mut(&source_id) {
                            *p.slot(side) = Some(None);
                        }
                    }
                    Err(error) => {
                        // The changed item cannot be compared now; keep it for the next run.
                        if let Some(p) = pairs.remove(&source_id) {
                            let other = side.other();
                            let (id, key) = match other {
                                Side::Source => {
                                    (p.link.source_id.clone(), p.link.source_key.clone())
                                }
                                Side::Target => {
                                    (p.link.target_id.clone(), p.link.target_key.clone())
                                }
                            };
                            failures.push((
                                other,
                                id,
                                key,
                                format!("cannot fetch its {side} partner: {error}"),
                            ));
                        }
                    }
                }
            }
        }

        let mut candidates: Vec<Candidate> = pairs
            .into_values()
            .filter_map(|p| match (p.source, p.target) {
                (Some(source), Some(target)) => Some(Candidate::Linked {
                    link: p.link,
                    source,
                    target,
                }),
                _ => None,
            })
            .collect();
        candidates.extend(
            unlinked
                .into_iter()
                .map(|(side, item)| Candidate::Unlinked { side, item }),
        );
        Ok((candidates, failures))
    }
}

/// The report line of a listed item the connector could not read.
fn rejected_line(side: Side, rejected: &crate::connector::RejectedItem) -> ItemResult {
    let (source_key, target_key) = match side {
        Side::Source => (rejected.key.clone(), String::new()),
        Side::Target => (String::new(), rejected.key.clone()),
    };
    ItemResult {
        action: ItemAction::Failed,
        source_key,
        target_key,
        changes: Vec::new(),
        detail: None,
        error: Some(rejected.error.to_string()),
        attempts: 1,
    }
}

/// Items whose earlier create may have happened (origin lookup failed) are never created
/// again in this run; neither are unlinked items on the side where that create went (one
/// of them may be the created item, unrecognised).
fn block_creates(plan: &mut Plan, recovery: &Recovery) {
    if recovery.blocked.is_empty() {
        return;
    }
    let (blocked, creates): (Vec<_>, Vec<_>) = std::mem::take(&mut plan.creates)
        .into_iter()
        .partition(|c| {
            recovery.blocked.contains(&(c.from, c.item.id.clone()))
                || recovery.blocked_sides.contains(&c.from)
        });
    plan.creates = creates;
    plan.skips.extend(blocked.into_iter().map(|c| Skip {
        side: c.from,
        item_id: c.item.id.clone(),
        key: c.item.key.clone(),
        reason: "not created this run: an earlier create could not be confirmed (origin marker lookup failed); \
                 tried again next run"
            .to_string(),
    }));
}
