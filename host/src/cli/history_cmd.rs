//! `history`: the audit trail, by item and time range; `--export` writes JSON Lines in the
//! seed spec's format.

use super::args::HistoryArgs;
use super::context::Context;
use super::exit::{CliError, Outcome};
use super::output::table;
use super::output::{out, outln};
use crate::store::AuditQuery;

pub fn history(ctx: &Context, args: &HistoryArgs) -> Result<Outcome, CliError> {
    let store = ctx.existing_store()?;
    let query = AuditQuery {
        sync: args.sync.clone(),
        key: args.item.clone(),
        since: args
            .days
            .map(|d| chrono::Utc::now() - chrono::Duration::days(i64::from(d))),
        until: None,
        limit: None,
    };
    if let Some(path) = &args.export {
        let written = if path.as_os_str() == "-" {
            store.export_audit_jsonl(&query, &mut std::io::stdout().lock())
        } else {
            let mut file = std::fs::File::create(path)
                .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))?;
            store.export_audit_jsonl(&query, &mut file)
        }
        .map_err(|e| CliError::failed(e.to_string()))?;
        if path.as_os_str() != "-" && !ctx.out.json {
            outln!("wrote {written} entries to {}", path.display());
        }
        return Ok(Outcome::Ok);
    }
    let entries = store
        .audit(&query)
        .map_err(|e| CliError::failed(e.to_string()))?;
    if ctx.out.json {
        ctx.out.json(&entries);
        return Ok(Outcome::Ok);
    }
    if entries.is_empty() {
        outln!("no history entries match");
        return Ok(Outcome::Ok);
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let detail = e.error.clone().unwrap_or_else(|| {
                e.changes
                    .iter()
                    .map(|c| format!("{} {}: {} → {}", c.side, c.field, c.old, c.new))
                    .collect::<Vec<_>>()
                    .join("; ")
            });
            vec![
                e.timestamp.format("%Y-%m-%d %H:%M:%S").to_string(),
                e.sync.clone(),
                e.status.as_str().to_string(),
                e.source_key.clone(),
                e.target_key.clone(),
                detail,
            ]
        })
        .collect();
    out!(
        "{}",
        table(
            &["TIME (UTC)", "SYNC", "STATUS", "SOURCE", "TARGET", "DETAIL"],
            &rows
        )
    );
    Ok(Outcome::Ok)
}
