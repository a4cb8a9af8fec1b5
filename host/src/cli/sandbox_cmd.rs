//! `sandbox`: the loopback simulators of Jira, GitHub and Linear, until Ctrl-C.

use super::args::SandboxArgs;
use super::context::Context;
use super::exit::{CliError, Outcome};
use super::output::outln;
use pmsync_sandbox::{FaultPlan, Latency, Platform, Sandbox, SandboxOptions};
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
    if !(args.time_scale > 0.0 && args.time_scale <= 1.0) {
        return Err(CliError::bad_input(format!(
            "--time-scale must be above 0 and at most 1, not {}",
            args.time_scale
        )));
    }
    options = options.with_time_scale(args.time_scale);
    let share = args.faults / 4.0;
    let mut faults = FaultPlan::none();
    faults.rate_limited = share;
    faults.server_error = share;
    faults.dropped_connection = share;
    faults.applied_response_lost = share;
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
    let webhooks = match &args.webhooks {
        Some(base) => {
            let secret = std::env::var("PMSYNC_SANDBOX_WEBHOOK_SECRET")
                .ok()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    CliError::bad_input(
                        "--webhooks needs the signing secret in PMSYNC_SANDBOX_WEBHOOK_SECRET (the webhook_secret serve expects)",
                    )
                })?;
            Some((base.trim_end_matches('/').to_string(), secret))
        }
        None => None,
    };
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::failed(format!("cannot start tokio: {e}")))?;
    runtime.block_on(async {
        let handle = Sandbox::start(options)
            .await
            .map_err(|e| CliError::failed(format!("{e:#}")))?;
        if let Some((base, secret)) = &webhooks {
            for (platform, entry) in [
                (Platform::Jira, "jira"),
                (Platform::GitHub, "github"),
                (Platform::Linear, "linear"),
            ] {
                let url = format!("{base}/webhooks/{entry}");
                handle
                    .webhooks(platform)
                    .register(&url, secret)
                    .map_err(|e| CliError::failed(format!("cannot deliver webhooks: {e}")))?;
                if !ctx.out.json {
                    outln!("{entry} changes are delivered to {url}");
                }
            }
        }
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
