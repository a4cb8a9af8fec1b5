//! `conflicts list` and `conflicts resolve`: conflicts left for a person.

use super::args::{ResolveArgs, TakeSide};
use super::context::Context;
use super::exit::{CliError, Outcome};
use super::output::table;
use super::output::{out, outln};
use crate::store::{ConflictChoice, StoredConflict};
use pmsync_core::Value;
use pmsync_core::config::SyncConfig;
use pmsync_core::planner::{Conversion, Converter, PipelineConverter};
use pmsync_core::transform::{Way, convert, type_of};

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
                format!("{} ↔ {}", c.conflict.source_field, c.conflict.target_field),
                c.conflict.source_value.to_string(),
                c.conflict.target_value.to_string(),
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

pub fn resolve(ctx: &Context, args: &ResolveArgs) -> Result<Outcome, CliError> {
    let id = args.id;
    let mut store = ctx.existing_store()?;
    let conflict = store
        .conflict(id)
        .map_err(|e| CliError::failed(e.to_string()))?
        .ok_or_else(|| {
            CliError::bad_input(format!(
                "no conflict with id {id} (see `pmsync-host conflicts list`)"
            ))
        })?;
    let choice = match (args.take, &args.value) {
        (Some(TakeSide::Source), None) => ConflictChoice::Source,
        (Some(TakeSide::Target), None) => ConflictChoice::Target,
        (None, Some(text)) => {
            let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                CliError::bad_input(format!(
                    "--value must be JSON (a quoted string, a number, a list): {e}"
                ))
            })?;
            ConflictChoice::Value(fitting_value(
                ctx,
                &conflict,
                Value::from_json(&json),
                text,
            )?)
        }
        _ => {
            return Err(CliError::bad_input(
                "say how to resolve: --take source, --take target, or --value JSON",
            ));
        }
    };
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
            conflict.conflict.source_field,
            conflict.sync
        );
    }
    Ok(Outcome::Ok)
}

/// A `--value` as the next run would write it, or why it cannot be: it must be of (or
/// convert to) the target field's type — the mapping's `target_type` with --config, else the
/// type of the values in conflict — and, with --config, convert back to the source through
/// the field's pipeline, as the run does.
fn fitting_value(
    ctx: &Context,
    conflict: &StoredConflict,
    value: Value,
    text: &str,
) -> Result<Value, CliError> {
    let refuse = |why: String| {
        CliError::bad_input(format!(
            "--value {text} does not fit field `{}` of conflict {}: {why}; nothing was changed",
            conflict.conflict.target_field, conflict.id
        ))
    };
    let mapping = match ctx.global.config {
        Some(_) => Some(configured_mapping(ctx, conflict)?),
        None => None,
    };
    let target_type = match &mapping {
        Some((sync, index)) => Some(sync.field_mappings[*index].target_type),
        None => type_of(&conflict.conflict.target_value)
            .or_else(|| type_of(&conflict.conflict.source_value)),
    };
    let value = match (target_type, type_of(&value)) {
        (Some(to), Some(from)) => convert(&value, from, to)
            .map_err(|e| refuse(format!("the field holds {} values ({e})", to)))?,
        _ => value,
    };
    if let Some((sync, index)) = &mapping {
        let (_, config) = ctx.load_config()?;
        let loaded = ctx.load_plugins_for(&config)?;
        let converter = PipelineConverter::new(sync, &loaded.plugins);
        let batch = [Conversion {
            mapping: *index,
            way: Way::ToSource,
            value: &value,
            item_key: &conflict.source_key,
        }];
        if let Some(Err(e)) = converter.convert(&batch).into_iter().next() {
            return Err(refuse(format!(
                "it does not convert back to the source: {e}"
            )));
        }
    }
    Ok(value)
}

/// The conflict's sync and field mapping in the --config file.
fn configured_mapping(
    ctx: &Context,
    conflict: &StoredConflict,
) -> Result<(SyncConfig, usize), CliError> {
    let (source, config) = ctx.load_config()?;
    let sync = config
        .syncs
        .into_iter()
        .find(|s| s.name == conflict.sync)
        .ok_or_else(|| {
            CliError::bad_input(format!(
                "{} has no sync `{}` (the sync of conflict {})",
                source.origin, conflict.sync, conflict.id
            ))
        })?;
    let index = sync
        .field_mappings
        .iter()
        .position(|m| {
            m.source_field == conflict.conflict.source_field
                && m.target_field == conflict.conflict.target_field
        })
        .ok_or_else(|| {
            CliError::bad_input(format!(
                "sync `{}` in {} no longer maps `{}` to `{}`",
                conflict.sync,
                source.origin,
                conflict.conflict.source_field,
                conflict.conflict.target_field
            ))
        })?;
    Ok((sync, index))
}
