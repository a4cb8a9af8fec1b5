//! `history`: the audit trail, by item and time range; `--export` writes JSON Lines in the
//! seed spec's format.

use super::args::HistoryArgs;
use super::context::Context;
use super::exit::{CliError, Outcome};
use super::output::table;
use super::output::{out, outln};
use crate::store::{AuditEntry, AuditQuery};
use chrono::{DateTime, Utc};
use std::io::Write;

pub fn history(ctx: &Context, args: &HistoryArgs) -> Result<Outcome, CliError> {
    let since = match (&args.since, args.days) {
        (Some(text), _) => Some(parse_time("--since", text, false)?),
        (None, Some(d)) => Some(chrono::Utc::now() - chrono::Duration::days(i64::from(d))),
        (None, None) => None,
    };
    let until = args
        .until
        .as_deref()
        .map(|t| parse_time("--until", t, true))
        .transpose()?;
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        return Err(CliError::bad_input(format!(
            "--since ({s}) is after --until ({u}); nothing could match"
        )));
    }
    if args.limit == Some(0) {
        return Err(CliError::bad_input("--limit must be at least 1"));
    }
    let store = ctx.existing_store()?;
    let query = AuditQuery {
        sync: args.sync.clone(),
        key: args.item.clone(),
        since,
        until,
        limit: None,
    };
    if let Some(path) = &args.export {
        let entries = newest(
            store
                .audit(&query)
                .map_err(|e| CliError::failed(e.to_string()))?,
            args.limit,
        );
        let written = if path.as_os_str() == "-" {
            // A reader that stops early (`| head`) is not an error: the rest is dropped.
            write_jsonl(&entries, &mut ClosedPipeIsDone(std::io::stdout().lock()))
        } else {
            let mut file = std::fs::File::create(path)
                .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))?;
            write_jsonl(&entries, &mut file)
        }
        .map_err(|e| CliError::failed(format!("cannot write the audit export: {e}")))?;
        if path.as_os_str() != "-" && !ctx.out.json {
            outln!("wrote {written} entries to {}", path.display());
        }
        return Ok(Outcome::Ok);
    }
    let entries = newest(
        store
            .audit(&query)
            .map_err(|e| CliError::failed(e.to_string()))?,
        args.limit,
    );
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

/// The newest `limit` entries (all without a limit), still oldest first.
fn newest(mut entries: Vec<AuditEntry>, limit: Option<usize>) -> Vec<AuditEntry> {
    if let Some(limit) = limit
        && entries.len() > limit
    {
        entries.drain(..entries.len() - limit);
    }
    entries
}

fn write_jsonl(entries: &[AuditEntry], out: &mut dyn Write) -> std::io::Result<usize> {
    for entry in entries {
        serde_json::to_writer(&mut *out, &entry.to_seed_json())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(entries.len())
}

/// A writer for which a closed pipe means "the reader has enough": later writes are dropped.
struct ClosedPipeIsDone<W>(W);

impl<W: Write> Write for ClosedPipeIsDone<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(buf.len()),
            other => other,
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}

/// `--since` / `--until`: RFC 3339, or a date (UTC; for `--until`, up to the end of that day).
fn parse_time(flag: &str, text: &str, end_of_day: bool) -> Result<DateTime<Utc>, CliError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let start = d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        let time = if end_of_day {
            start.map(|t| t + chrono::Duration::days(1) - chrono::Duration::milliseconds(1))
        } else {
            start
        };
        if let Some(t) = time {
            return Ok(t);
        }
    }
    Err(CliError::bad_input(format!(
        "{flag} {text:?} is not a time: expected RFC 3339 (2024-05-31T12:00:00Z) or a date (2024-05-31)"
    )))
}
