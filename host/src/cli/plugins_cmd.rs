//! `plugins list`, `plugins inspect NAME` and `plugins precompile` (`plugins test NAME`:
//! `plugin_test_cmd`).

use super::context::Context;
use super::exit::{CliError, Outcome};
use super::output::{out, outln};
use crate::plugin::{
    Grants, LoadReport, PluginInfo, Upgrade, UpgradeOutcome, render_details, render_table,
};

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

/// Loads the plugins (with the config's pins and grants, if any), then compiles the
/// component of each plugin that loaded from baseline (Winch) code with Cranelift into the
/// cache, showing each compile as it starts and ends.
pub fn precompile(ctx: &Context) -> Result<Outcome, CliError> {
    let grants = match &ctx.global.config {
        None => Grants::default(),
        Some(_) => ctx.grants_for(&ctx.load_config()?.1)?,
    };
    let runtime = ctx.runtime()?;
    if runtime.cache_dir().is_none() {
        return Err(CliError::bad_input(
            "no cache directory to keep compiled plugins in: pass --cache-dir DIR",
        ));
    }
    let loaded = ctx.load_plugins_into(&runtime, &grants)?;
    let inventory = loaded.plugins.inventory();
    let upgrades = runtime.upgrade(&inventory, |plugin, done| {
        if !ctx.out.progress {
            return;
        }
        match done {
            None => eprintln!(
                "compiling {} {} with cranelift ({:.1} MB)…",
                plugin.name,
                plugin.version,
                std::fs::metadata(&plugin.component)
                    .map(|m| m.len() as f64 / 1e6)
                    .unwrap_or(0.0)
            ),
            Some(upgrade) => eprintln!("  {}", describe(upgrade)),
        }
    });
    let failed = upgrades
        .iter()
        .any(|u| matches!(u.outcome, UpgradeOutcome::Failed { .. }));
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "upgrades": upgrades,
            "plugins": inventory,
            "errors": loaded.errors,
        }));
    } else {
        outln!(
            "{} plugins loaded, {} from optimised (cranelift) code; {} upgraded from baseline (winch) code",
            inventory.len(),
            inventory.len() - upgrades.len(),
            upgrades.len()
        );
        for upgrade in &upgrades {
            outln!("  {}", describe(upgrade));
        }
        for error in &loaded.errors {
            eprintln!("{} {error}", ctx.out.red("refused:"));
        }
    }
    Ok(if loaded.errors.is_empty() && !failed {
        Outcome::Ok
    } else {
        Outcome::BadInput
    })
}

fn describe(upgrade: &Upgrade) -> String {
    let what = match &upgrade.outcome {
        UpgradeOutcome::Optimised { compile_ms } => {
            format!("optimised code cached ({:.1} s)", compile_ms / 1000.0)
        }
        UpgradeOutcome::AlreadyOptimised => "optimised code was cached already".to_string(),
        UpgradeOutcome::Failed { reason } => format!("not optimised: {reason}"),
    };
    format!("{} {}: {what}", upgrade.plugin, upgrade.version)
}
