//! `sandbox`: the loopback simulators of Jira, GitHub and Linear, until Ctrl-C.

use super::args::SandboxArgs;
use super::context::Context;
use super::exit::{CliError, Outcome};
use super::output::outln;
use pmsync_sandbox::{FaultPlan, Latency, Sandbox, SandboxOptions};
use std::time::Duration;

pub fn sandbox(ctx: &Context, args: &SandboxArgs) -> Result<Outcome, CliError> {
    if !(0.0..=1.0).contains(&args.faults) {
        return Err(CliError::bad_input(format!(
            "--faults must be between 0 and 1, not {}",
            args.faults
        )));
    }
    let mut options = match args.items {
        Some(n) => SandboxOptions::seed_items(n),
        None => SandboxOptions::default(),
    };
    if args.port != 0 {
        let next = |k: u16| {
            args.port
                .checked_add(k)
                .ok_or_else(|| CliError::bad_input("--port is too high"))
        };
        options = options.with_ports(args.port, next(1)?, next(2)?);
    }
    let share = args.faults / 3.0;
    let mut faults = FaultPlan::none();
    faults.rate_limited = share;
    faults.server_error = share;
    faults.dropped_connection = share;
    if args.latency_ms > 0 {
        faults.latency = Latency::Fixed(Duration::from_millis(args.latency_ms));
    }
    options = options.with_faults(faults);
    if let Some(token) = &args.token {
        options = options.with_token(token.clone());
    }
    if let Some(scopes) = &args.github_scopes {
        let scopes: Vec<&str> = scopes
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        options = options.with_github_scopes(&scopes);
    }
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::failed(format!("cannot start tokio: {e}")))?;
    runtime.block_on(async {
        let handle = Sandbox::start(options)
            .await
            .map_err(|e| CliError::failed(format!("{e:#}")))?;
        if ctx.out.json {
            ctx.out.json(&serde_json::json!({
                "jira": handle.jira_url(),
                "github": handle.github_url(),
                "github_graphql": handle.github_graphql_url(),
                "linear": handle.linear_url(),
            }));
        } else {
            outln!("{}", handle.describe());
            outln!("Ctrl-C to stop.");
        }
        handle
            .serve_until_ctrl_c()
            .await
            .map_err(|e| CliError::failed(format!("{e:#}")))
    })?;
    Ok(Outcome::Ok)
}
