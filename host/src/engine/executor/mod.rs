//! The executor: carries out a [`Plan`] through the connectors of both sides, in batches,
//! committing state per batch.
//!
//! Creates are idempotent: the intent (with the origin marker) is committed before the
//! platform is asked to create, and the link, base and completed intent are committed
//! together after. A crash in between leaves a pending intent that the next run looks up
//! by origin marker instead of creating again.
//!
//! By concern: creates in [`creates`], updates (and their pending values) in [`updates`],
//! unlinks, skips and plan failures in [`plan_records`]; this file holds what they share.

mod creates;
mod plan_records;
mod updates;

pub(crate) use creates::complete_found;

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
