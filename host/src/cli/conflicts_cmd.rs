//! `conflicts list` and `conflicts resolve`: conflicts left for a person.

use super::args::TakeSide;
use super::context::Context;
use super::exit::{CliError, Outcome};
use super::output::table;
use super::output::{out, outln};
use crate::store::ConflictChoice;
use pmsync_core::Value;

pub fn list(ctx: &Context, sync: Option<&str>) -> Result<Outcome, CliError> {
    let store = ctx.existing_store()?;
    let conflicts = store
        .open_conflicts(sync)
        .map_err(|e| CliError::failed(e.to_string()))?;
    if ctx.out.json {
        ctx.out.json(&conflicts);
        return Ok(Outcome::Ok);
    }
    if conflicts.is_empty() {
        outln!("no open conflicts");
        return Ok(Outcome::Ok);
    }
    let rows: Vec<Vec<String>> = conflicts
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.sync.clone(),
                format!("{} ↔ {}", c.source_key, c.target_key),
                format!("{} ↔ {}", c.source_field, c.target_field),
                c.source_value.to_string(),
                c.target_value.to_string(),
                if c.resolution.is_some() {
                    "resolved, not yet written".into()
                } else {
                    "open".into()
                },
            ]
        })
        .collect();
    out!(
        "{}",
        table(
            &[
                "ID",
                "SYNC",
                "ITEMS",
                "FIELDS",
                "SOURCE VALUE",
                "TARGET VALUE",
                "STATE"
            ],
            &rows
        )
    );
    outln!(
        "resolve with: pmsync-host conflicts resolve ID --take source|target  (or --value JSON)"
    );
    Ok(Outcome::Ok)
}

pub fn resolve(
    ctx: &Context,
    id: i64,
    take: Option<TakeSide>,
    value: Option<&str>,
) -> Result<Outcome, CliError> {
    let choice = match (take, value) {
        (Some(TakeSide::Source), None) => ConflictChoice::Source,
        (Some(TakeSide::Target), None) => ConflictChoice::Target,
        (None, Some(text)) => {
            let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                CliError::bad_input(format!(
                    "--value must be JSON (a quoted string, a number, a list): {e}"
                ))
            })?;
            ConflictChoice::Value(Value::from_json(&json))
        }
        _ => {
            return Err(CliError::bad_input(
                "say how to resolve: --take source, --take target, or --value JSON",
            ));
        }
    };
    let mut store = ctx.existing_store()?;
    let conflict = store
        .conflict(id)
        .map_err(|e| CliError::failed(e.to_string()))?
        .ok_or_else(|| {
            CliError::bad_input(format!(
                "no conflict with id {id} (see `pmsync-host conflicts list`)"
            ))
        })?;
    store
        .resolve_conflict(id, &choice)
        .map_err(|e| CliError::bad_input(e.to_string()))?;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "id": id, "sync": conflict.sync, "resolution": choice, "written": false }));
    } else {
        outln!(
            "conflict {id} ({} ↔ {}, {}) resolved; the next run of sync `{}` writes it",
            conflict.source_key,
            conflict.target_key,
            conflict.source_field,
            conflict.sync
        );
    }
    Ok(Outcome::Ok)
}
