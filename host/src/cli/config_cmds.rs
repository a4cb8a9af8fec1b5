//! `validate` and `export-config`.

use super::args::ExportArgs;
use super::context::Context;
use super::exit::{CliError, Outcome};
use super::output::{out, outln};
use crate::app::check_config;
use pmsync_core::config::{Diagnostic, Severity, expand_environment, resolve_secrets, to_yaml};

/// Checks the config against the loaded plugins and the environment; runs nothing. With
/// `--json` the answer has one shape whatever went wrong: a config that cannot be read or
/// parsed is a result with `valid: false` and the error as a located diagnostic.
pub fn validate(ctx: &Context) -> Result<Outcome, CliError> {
    let origin = ctx.global.config.as_ref().map(|p| p.display().to_string());
    match checked(ctx) {
        Ok(outcome) => Ok(outcome),
        Err(failure) if ctx.out.json => {
            let diagnostic = match &failure {
                Failure::Config(e) => serde_json::json!({
                    "severity": "error",
                    "path": e.path.as_ref().map(|p| p.to_string()),
                    "line": e.location.as_ref().map(|l| l.line),
                    "column": e.location.as_ref().map(|l| l.column),
                    "message": e.message,
                }),
                Failure::Cli(e) => serde_json::json!({
                    "severity": "error", "path": null, "line": null, "column": null,
                    "message": e.message,
                }),
            };
            ctx.out.json(&serde_json::json!({
                "config": origin,
                "valid": false,
                "syncs": [],
                "diagnostics": [diagnostic],
                "notes": [],
            }));
            Ok(match failure {
                Failure::Cli(e) if !e.bad_input => Outcome::ItemsFailed,
                _ => Outcome::BadInput,
            })
        }
        Err(Failure::Config(e)) => Err(CliError::bad_input(e.to_string())),
        Err(Failure::Cli(e)) => Err(e),
    }
}

enum Failure {
    Config(pmsync_core::config::ConfigError),
    Cli(CliError),
}

impl From<CliError> for Failure {
    fn from(e: CliError) -> Failure {
        Failure::Cli(e)
    }
}

fn checked(ctx: &Context) -> Result<Outcome, Failure> {
    let source = ctx.config_source()?;
    let config =
        pmsync_core::config::load_str(&source.text, &source.origin).map_err(Failure::Config)?;
    let loaded = ctx.load_plugins_for(&config)?;
    let (config, mut diagnostics) =
        check_config(&source.text, &source.origin, &loaded.plugins).map_err(Failure::Config)?;
    let mut notes: Vec<String> = loaded
        .errors
        .iter()
        .map(|e| format!("warning: {e}"))
        .collect();
    let env = |name: &str| std::env::var(name).ok();
    if let Err(e) = expand_environment(&mut config.clone(), &env) {
        notes.push(format!("warning: {e} (needed to run, not to validate)"));
    }
    if let Err(e) = resolve_secrets(&config, &env) {
        notes.push(format!("warning: {e} (needed to run, not to validate)"));
    }
    diagnostics.sort_by_key(|d| d.severity != Severity::Error);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "config": source.origin,
            "valid": errors == 0,
            "syncs": config.syncs.iter().map(|s| &s.name).collect::<Vec<_>>(),
            "diagnostics": diagnostics.iter().map(diagnostic_json).collect::<Vec<_>>(),
            "notes": notes,
        }));
    } else {
        for d in &diagnostics {
            eprintln!("{d}");
        }
        for note in &notes {
            eprintln!("{note}");
        }
        if errors == 0 {
            outln!(
                "{} {} is valid: {} sync(s): {}",
                ctx.out.green("ok"),
                source.origin,
                config.syncs.len(),
                config
                    .syncs
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    if errors == 0 {
        return Ok(Outcome::Ok);
    }
    if !ctx.out.json {
        eprintln!(
            "{} {} has {errors} error(s)",
            ctx.out.red("error:"),
            source.origin
        );
    }
    Ok(Outcome::BadInput)
}

fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
    serde_json::json!({
        "severity": if d.is_error() { "error" } else { "warning" },
        "path": d.path.to_string(),
        "line": d.location.as_ref().map(|l| l.line),
        "column": d.location.as_ref().map(|l| l.column),
        "message": d.message,
    })
}

/// Writes the config back out in the `syncs:` form; it loads to the same config.
pub fn export(ctx: &Context, args: &ExportArgs) -> Result<Outcome, CliError> {
    let (_, config) = ctx.load_config()?;
    let yaml = to_yaml(&config);
    match &args.output {
        Some(path) => std::fs::write(path, &yaml)
            .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))?,
        None if ctx.out.json => ctx.out.json(&config),
        None => out!("{yaml}"),
    }
    Ok(Outcome::Ok)
}
