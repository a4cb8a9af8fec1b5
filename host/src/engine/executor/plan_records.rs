//! Recording what a plan decides without writing: unlinks, skips and items that failed to
//! plan.

use super::*;

impl Executor<'_> {
    pub(super) fn record_unlinks_skips_failures(
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
}
