//! `doctor`: per platform, per check, what works and what does not.

use super::args::DoctorArgs;
use super::context::Context;
use super::exit::{CliError, Outcome};
use super::output::{Output, outln, table};
use crate::app::doctor::{PlatformReport, Status, check_all};
use crate::app::{Setup, label_example_items, point_at_sandbox};
use pmsync_core::config::{expand_environment, resolve_secrets};
use pmsync_sandbox::{Sandbox, SandboxOptions};

pub fn doctor(ctx: &Context, args: &DoctorArgs) -> Result<Outcome, CliError> {
    let (source, mut config) = ctx.load_config()?;
    let mut _sandbox = None;
    let secrets = if args.sandbox {
        let (handle, runtime) = Sandbox::start_blocking(SandboxOptions::default())
            .map_err(|e| CliError::failed(format!("cannot start the sandbox: {e:#}")))?;
        let secrets = point_at_sandbox(&mut config, &handle).map_err(CliError::bad_input)?;
        label_example_items(&handle);
        _sandbox = Some((handle, runtime));
        expand_environment(&mut config, &|name| std::env::var(name).ok()).map_err(|e| {
            CliError::bad_input(e.located_in(&source.text, &source.origin).to_string())
        })?;
        secrets
    } else {
        expand_environment(&mut config, &|name| std::env::var(name).ok()).map_err(|e| {
            CliError::bad_input(e.located_in(&source.text, &source.origin).to_string())
        })?;
        resolve_secrets(&config, &|name| std::env::var(name).ok()).map_err(|e| {
            CliError::bad_input(e.located_in(&source.text, &source.origin).to_string())
        })?
    };
    let loaded = ctx.load_plugins_for(&config)?;
    for error in &loaded.errors {
        eprintln!("{} {error}", ctx.out.yellow("warning:"));
    }
    let setup =
        Setup::new(&config, &loaded.plugins, &secrets, args.sandbox).map_err(CliError::failed)?;
    let reports = check_all(&config, &loaded.plugins, &secrets, &setup.network);
    let failed = reports.iter().any(PlatformReport::failed);
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "config": source.origin,
            "ok": !failed,
            "platforms": reports,
        }));
    } else {
        for report in &reports {
            print_platform(&ctx.out, report);
        }
        if failed {
            eprintln!("{} some checks failed", ctx.out.red("error:"));
        } else {
            outln!("{} every check passed", ctx.out.green("ok"));
        }
    }
    Ok(if failed {
        Outcome::ItemsFailed
    } else {
        Outcome::Ok
    })
}

fn print_platform(out: &Output, report: &PlatformReport) {
    let at = report
        .base_url
        .as_deref()
        .map(|u| format!(" at {u}"))
        .unwrap_or_default();
    outln!(
        "{}",
        out.bold(&format!(
            "{} (connector {}){at}",
            report.platform, report.connector
        ))
    );
    let rows: Vec<Vec<String>> = report
        .checks
        .iter()
        .map(|c| {
            let status = match c.status {
                Status::Ok => out.green("ok"),
                Status::Warn => out.yellow("warn"),
                Status::Fail => out.red("FAIL"),
                Status::Skip => out.dim("skip"),
            };
            vec![format!("  {status}"), c.check.to_string(), c.detail.clone()]
        })
        .collect();
    super::output::out!("{}", table_without_header(&rows));
}

fn table_without_header(rows: &[Vec<String>]) -> String {
    let text = table(&["", "", ""], rows);
    text.split_once('\n')
        .map(|(_, rest)| rest.to_string())
        .unwrap_or_default()
}
