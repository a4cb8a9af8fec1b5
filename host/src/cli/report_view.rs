//! Run reports for people: a summary line, then what was created, updated, in conflict,
//! failed.

use super::output::{Output, table};
use super::output::{out, outln};
use crate::engine::{ItemAction, RunReport, render_matching, render_plan};

pub fn print_report(out: &Output, report: &RunReport) {
    outln!("{}", out.bold(&report.summary()));
    if report.dry_run {
        if let Some(matching) = &report.matching {
            out!("{}", render_matching(matching));
        }
        if let Some(plan) = &report.plan {
            out!("{}", render_plan(plan));
        }
        return;
    }
    let rows: Vec<Vec<String>> = report
        .items
        .iter()
        .filter(|i| i.action != ItemAction::Skipped)
        .map(|i| {
            let action = match i.action {
                ItemAction::Created => out.green("created"),
                ItemAction::Updated => "updated".to_string(),
                ItemAction::Conflict => out.yellow("conflict (manual)"),
                ItemAction::ConflictResolved => out.yellow("conflict (auto)"),
                ItemAction::Resolved => "resolved".to_string(),
                ItemAction::Unlinked => "unlinked".to_string(),
                ItemAction::Skipped => "skipped".to_string(),
                ItemAction::Failed => out.red("failed"),
                ItemAction::Matched => out.green("matched"),
                ItemAction::Ambiguous => out.yellow("ambiguous"),
            };
            let what = if let Some(error) = &i.error {
                error.clone()
            } else if !i.changes.is_empty() {
                i.changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {}: {} → {}",
                            c.side,
                            c.field,
                            short(&c.old.to_string()),
                            short(&c.new.to_string())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            } else {
                i.detail.clone().unwrap_or_default()
            };
            vec![action, i.source_key.clone(), i.target_key.clone(), what]
        })
        .collect();
    if !rows.is_empty() {
        out!(
            "{}",
            table(&["ACTION", "SOURCE", "TARGET", "DETAIL"], &rows)
        );
    }
}

fn short(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}
