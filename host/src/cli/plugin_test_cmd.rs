//! `plugins test NAME`: runs a resolver on one conflict (`--conflict`) or a transformer on
//! one value (`--value`) through the plugin runtime, as a sync would call it, and prints the
//! answer — a way to try a resolver without editing two platforms into a conflict.

use super::context::Context;
use super::exit::{CliError, Outcome};
use super::output::outln;
use super::plugin_test_args::PluginTestArgs;
use super::plugin_test_input::{
    ConflictInput, option_text, parse_conflict, parse_settings, parse_value,
};
use crate::plugin::{Grants, PluginInfo, PluginKind, PluginSet};
use pmsync_core::error::ItemError;
use pmsync_core::plugins::{
    CustomResolvers, CustomTransforms, Resolution, ResolveCall, TransformCall, TransformContext,
};
use pmsync_core::value::Value;
use serde_json::json;

pub fn test(ctx: &Context, args: &PluginTestArgs) -> Result<Outcome, CliError> {
    // Every input is read and checked before anything is loaded.
    let settings = match &args.settings {
        Some(text) => {
            parse_settings(&option_text("--settings", text).map_err(CliError::bad_input)?)
                .map_err(CliError::bad_input)?
        }
        None => Default::default(),
    };
    let conflict = match &args.conflict {
        Some(text) => Some(
            parse_conflict(
                &option_text("--conflict", text).map_err(CliError::bad_input)?,
                chrono::Utc::now(),
            )
            .map_err(CliError::bad_input)?,
        ),
        None => None,
    };
    let value = match &args.value {
        Some(text) => Some(
            parse_value(&option_text("--value", text).map_err(CliError::bad_input)?)
                .map_err(CliError::bad_input)?,
        ),
        None => None,
    };

    let mut grants = Grants::default();
    grants
        .plugins
        .entry(args.name.clone())
        .or_default()
        .settings = settings;
    let loaded = ctx.load_plugins_with(&grants)?;
    let info = super::plugins_cmd::find(ctx, &loaded, &args.name)?;
    match (info.kind, conflict, value) {
        (PluginKind::Resolver, Some(conflict), _) => resolve(ctx, &loaded.plugins, &info, conflict),
        (PluginKind::Transformer, _, Some(value)) => {
            transform(ctx, &loaded.plugins, &info, args, value)
        }
        (PluginKind::Resolver, None, _) => Err(CliError::bad_input(format!(
            "`{}` is a resolver: give it a conflict with --conflict JSON",
            info.name
        ))),
        (PluginKind::Transformer, _, None) => Err(CliError::bad_input(format!(
            "`{}` is a transformer: give it a value with --value JSON",
            info.name
        ))),
        (PluginKind::Connector, ..) => Err(CliError::bad_input(format!(
            "`{}` is a connector; `plugins test` runs resolvers and transformers (try `doctor` or `sync --dry-run --sandbox`)",
            info.name
        ))),
    }
}

fn resolve(
    ctx: &Context,
    plugins: &PluginSet,
    info: &PluginInfo,
    input: ConflictInput,
) -> Result<Outcome, CliError> {
    let resolver = info.provides.resolver.clone().unwrap_or_default();
    let field = input.conflict.field.clone();
    let call = ResolveCall {
        resolver: resolver.clone(),
        source: input.source,
        target: input.target,
        conflicts: vec![input.conflict.clone()],
    };
    let answer = plugins
        .resolve_batch(std::slice::from_ref(&call))
        .pop()
        .unwrap_or_else(|| Err(ItemError::Plugin("no answer".into())));
    let head = json!({"plugin": info.name, "resolver": resolver, "field": field});
    let resolution = match answer {
        Err(error) => return failed(ctx, head, &error),
        Ok(mut list) if list.len() == 1 => list.remove(0),
        Ok(list) => {
            let error = ItemError::Plugin(format!(
                "answered {} resolutions for 1 conflict",
                list.len()
            ));
            return failed(ctx, head, &error);
        }
    };
    let (decision, value, reason) = match &resolution {
        Resolution::TakeSource => ("take_source", Some(&input.conflict.source), None),
        Resolution::TakeTarget => ("take_target", Some(&input.conflict.target), None),
        Resolution::Merged(value) => ("merged", Some(value), None),
        Resolution::Defer(reason) => ("defer", None, Some(reason.as_str())),
    };
    if ctx.out.json {
        let mut doc = head;
        doc["decision"] = json!(decision);
        if let Some(value) = value {
            doc["value"] = value.to_json();
        }
        if let Some(reason) = reason {
            doc["reason"] = json!(reason);
        }
        ctx.out.json(&doc);
    } else {
        let said = match (&resolution, value) {
            (Resolution::TakeSource, Some(v)) => format!("take source: {v}"),
            (Resolution::TakeTarget, Some(v)) => format!("take target: {v}"),
            (Resolution::Merged(_), Some(v)) => format!("merged: {v}"),
            _ => format!("defer to a person: {}", reason.unwrap_or_default()),
        };
        outln!("{} ({resolver}) on `{field}`: {said}", info.name);
    }
    Ok(Outcome::Ok)
}

fn transform(
    ctx: &Context,
    plugins: &PluginSet,
    info: &PluginInfo,
    args: &PluginTestArgs,
    value: Value,
) -> Result<Outcome, CliError> {
    let names = &info.provides.transforms;
    let name = match &args.transform {
        Some(name) if names.contains(name) => name.clone(),
        Some(name) => {
            return Err(CliError::bad_input(format!(
                "`{}` has no transform `{name}` (it has: {})",
                info.name,
                names.join(", ")
            )));
        }
        None if names.len() == 1 => names[0].clone(),
        None => {
            return Err(CliError::bad_input(format!(
                "`{}` provides several transforms; choose one with --transform ({})",
                info.name,
                names.join(", ")
            )));
        }
    };
    let (from, to) = if args.reverse {
        ("target", "source")
    } else {
        ("source", "target")
    };
    let call = TransformCall {
        name: name.clone(),
        value: value.clone(),
        context: TransformContext {
            field: format!("{from}_field -> {to}_field"),
            source_platform: from.to_owned(),
            target_platform: to.to_owned(),
            item_key: "TEST-1".to_owned(),
        },
    };
    let answer = plugins
        .transform_batch(std::slice::from_ref(&call))
        .pop()
        .unwrap_or_else(|| Err(ItemError::Plugin("no answer".into())));
    let head = json!({"plugin": info.name, "transform": name, "reverse": args.reverse, "input": value.to_json()});
    match answer {
        Err(error) => failed(ctx, head, &error),
        Ok(output) => {
            if ctx.out.json {
                let mut doc = head;
                doc["output"] = output.to_json();
                doc["output_type"] = json!(output.kind());
                ctx.out.json(&doc);
            } else {
                outln!(
                    "{} ({name}): {value} -> {output} ({})",
                    info.name,
                    output.kind()
                );
            }
            Ok(Outcome::Ok)
        }
    }
}

/// The plugin failed the item: its error, exit 1.
fn failed(ctx: &Context, head: serde_json::Value, error: &ItemError) -> Result<Outcome, CliError> {
    if ctx.out.json {
        let mut doc = head;
        doc["error"] = json!(error.to_string());
        ctx.out.json(&doc);
    } else {
        eprintln!("{} {error}", ctx.out.red("the plugin failed the item:"));
    }
    Ok(Outcome::ItemsFailed)
}
