//! `plugins list` and `plugins inspect NAME` (`plugins test NAME`: `plugin_test_cmd`).

use super::context::Context;
use super::exit::{CliError, Outcome};
use super::output::{out, outln};
use crate::plugin::{LoadReport, PluginInfo, render_details, render_table};

/// The plugins as a run would load them: with `--config`, its pins decide between plugins
/// claiming one name and its grants are applied; without, nothing is granted.
fn load(ctx: &Context) -> Result<LoadReport, CliError> {
    if ctx.global.config.is_none() {
        return ctx.load_plugins();
    }
    let (_, config) = ctx.load_config()?;
    ctx.load_plugins_for(&config)
}

pub fn list(ctx: &Context) -> Result<Outcome, CliError> {
    let loaded = load(ctx)?;
    let inventory = loaded.plugins.inventory();
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "plugins": inventory,
            "errors": loaded.errors,
        }));
    } else {
        if inventory.is_empty() {
            outln!("no plugins in {}", ctx.global.plugins.display());
        } else {
            out!("{}", render_table(&inventory));
        }
        for error in &loaded.errors {
            eprintln!("{} {error}", ctx.out.red("refused:"));
        }
    }
    Ok(if loaded.errors.is_empty() {
        Outcome::Ok
    } else {
        Outcome::BadInput
    })
}

pub fn inspect(ctx: &Context, name: &str) -> Result<Outcome, CliError> {
    let loaded = load(ctx)?;
    let info = find(ctx, &loaded, name)?;
    if ctx.out.json {
        ctx.out.json(&info);
    } else {
        out!("{}", render_details(&info));
    }
    Ok(Outcome::Ok)
}

/// The loaded plugin `name`; its refusal, or the names loaded, when there is none.
pub fn find(ctx: &Context, loaded: &LoadReport, name: &str) -> Result<PluginInfo, CliError> {
    if let Some(info) = loaded.plugins.info(name) {
        return Ok(info);
    }
    if let Some(error) = loaded.errors.iter().find(|e| refusal_of(&e.plugin, name)) {
        return Err(CliError::bad_input(format!("{error}")));
    }
    let known: Vec<String> = loaded
        .plugins
        .inventory()
        .into_iter()
        .map(|p| p.name)
        .collect();
    Err(CliError::bad_input(format!(
        "no plugin named `{name}` in {} (loaded: {})",
        ctx.global.plugins.display(),
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    )))
}

/// Whether a load error is about the plugin `name`: errors name a plugin as `name version`,
/// or by its folder when the manifest could not be read.
fn refusal_of(error_plugin: &str, name: &str) -> bool {
    error_plugin == name || error_plugin.split_whitespace().next() == Some(name)
}
