//! `validate` and `export-config`.

use super::args::ExportArgs;
use super::context::{Context, available};
use super::exit::{CliError, Outcome};
use super::output::{out, outln};
use pmsync_core::config::{Diagnostic, Severity, check_str, resolve_secrets, to_yaml};

/// Checks the config against the loaded plugins and the environment; runs nothing.
pub fn validate(ctx: &Context) -> Result<Outcome, CliError> {
    let (source, config) = ctx.load_config()?;
    let loaded = ctx.load_plugins_for(&config)?;
    let (config, mut diagnostics) =
        check_str(&source.text, &source.origin, &available(&loaded.plugins))
            .map_err(|e| CliError::bad_input(e.to_string()))?;
    let mut notes: Vec<String> = loaded
        .errors
        .iter()
        .map(|e| format!("warning: {e}"))
        .collect();
    if let Err(e) = resolve_secrets(&config, &|name| std::env::var(name).ok()) {
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
    // With --json the result above is the one JSON document on stdout; no error object follows.
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
