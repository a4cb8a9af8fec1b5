//! `serve`: the config loaded and checked as `run` checks it (plus the webhook secrets),
//! the state store locked and opened twice (deliveries are committed through one
//! connection, the worker syncs through the other), then the service until a signal.
//! With --sandbox the simulators start here and deliver their webhooks to this process.

use super::args::ServeArgs;
use super::context::{Context, refuse_invalid_config};
use super::exit::{CliError, Outcome};
use super::output::outln;
use super::signals;
use crate::app::{connector_platform, label_example_items, point_at_sandbox, sandbox_platform};
use crate::engine::StopSignal;
use crate::service::{Access, Generation, ServeOptions, Shared};
use crate::store::{LockError, LockWait, StateLock, Store};
use pmsync_core::config::{Secret, expand_environment, resolve_secrets, resolve_webhook_secrets};
use pmsync_sandbox::{Platform, Sandbox, SandboxHandle, SandboxOptions};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

pub fn serve(ctx: &Context, args: &ServeArgs) -> Result<Outcome, CliError> {
    let stop = StopSignal::new();
    signals::install(stop.clone());
    let sandbox = if args.sandbox {
        let options = SandboxOptions::default().with_time_scale(args.sandbox_time_scale);
        let (handle, runtime) = Sandbox::start_blocking(options)
            .map_err(|e| CliError::failed(format!("cannot start the sandbox: {e:#}")))?;
        label_example_items(&handle);
        let secret = format!("{:032x}", rand::random::<u128>());
        Some((Arc::new(handle), runtime, secret))
    } else {
        None
    };
    let for_sandbox = sandbox.as_ref().map(|(h, _, s)| (h.clone(), s.clone()));
    let generation = load_generation(
        ctx,
        for_sandbox.as_ref().map(|(h, s)| (h.as_ref(), s.as_str())),
    )?;
    let path = state_path(ctx, args)?;
    let _lock = StateLock::acquire(&path, LockWait::No, &|_| {}).map_err(|e| match e {
        LockError::Held { .. } => CliError::busy(e.to_string()),
        LockError::Io { .. } => CliError::failed(e.to_string()),
    })?;
    let open = || Store::open(&path).map_err(|e| CliError::failed(e.to_string()));
    let (intake, worker_store) = (open()?, open()?);
    let entries: Vec<(String, Option<Platform>)> = generation
        .config
        .platforms
        .keys()
        .map(|entry| {
            let platform = connector_platform(&generation.config, entry);
            (entry.clone(), sandbox_platform(platform))
        })
        .collect();
    let shared = Arc::new(Shared::new(generation, intake, stop));
    let reload_ctx = Context::new(ctx.global.clone());
    let reload_sandbox = for_sandbox.clone();
    let reload: crate::service::Reload = Arc::new(move || {
        load_generation(
            &reload_ctx,
            reload_sandbox
                .as_ref()
                .map(|(h, s)| (h.as_ref(), s.as_str())),
        )
        .map_err(|e| e.message)
    });
    let access = if args.listen.ip().is_loopback() {
        Access::Loopback
    } else {
        match std::env::var("PMSYNC_STATUS_TOKEN")
            .ok()
            .filter(|t| !t.is_empty())
        {
            Some(token) => Access::Token(token),
            None => {
                tracing::warn!(target: "pmsync::serve", "listening beyond loopback without PMSYNC_STATUS_TOKEN: the status page is off");
                Access::Off
            }
        }
    };
    let options = ServeOptions {
        listen: args.listen,
        max_body: args.max_body_bytes,
        access,
        watch: if args.no_watch_config {
            None
        } else {
            ctx.global.config.clone()
        },
    };
    let json = ctx.out.json;
    let state_shown = path.display().to_string();
    crate::service::serve(shared, worker_store, &options, reload, |addr| {
        if let Some((handle, _, secret)) = &sandbox {
            for (entry, platform) in &entries {
                if let Some(platform) = platform {
                    let url = format!("http://{addr}/webhooks/{entry}");
                    if let Err(e) = handle.webhooks(*platform).register(&url, secret) {
                        eprintln!("sandbox webhooks for {entry}: {e}");
                    }
                }
            }
        }
        if json {
            outln!(
                "{}",
                serde_json::json!({ "listening": format!("http://{addr}"), "state": state_shown })
            );
        } else {
            outln!("listening on http://{addr}");
            outln!(
                "  webhooks: POST /webhooks/<platform entry>; operations: /healthz /readyz /metrics"
            );
            outln!("  state: {state_shown}");
        }
    })
    .map_err(CliError::failed)?;
    drop(sandbox);
    if args.sandbox && ctx.global.state.is_none() {
        // The session's own state file (and its WAL and lock files) goes with the session.
        for suffix in ["", "-wal", "-shm", ".lock"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    Ok(Outcome::Ok)
}

/// `--state`; with --sandbox and none given, a file for this session in the temp folder.
fn state_path(ctx: &Context, args: &ServeArgs) -> Result<PathBuf, CliError> {
    if args.sandbox && ctx.global.state.is_none() {
        return Ok(
            std::env::temp_dir().join(format!("pmsync-serve-sandbox-{}.db", std::process::id()))
        );
    }
    ctx.state_path()
}

/// The config file loaded and checked (as `run` checks it), with its plugins and secrets.
/// Against the sandbox, every platform entry's webhook secret is `sandbox_secret`.
fn load_generation(
    ctx: &Context,
    sandbox: Option<(&SandboxHandle, &str)>,
) -> Result<Generation, CliError> {
    let (source, mut config) = ctx.load_config()?;
    let located = |e: pmsync_core::config::ConfigError| {
        CliError::bad_input(e.located_in(&source.text, &source.origin).to_string())
    };
    let sandbox_secrets = match sandbox {
        Some((handle, _)) => {
            Some(point_at_sandbox(&mut config, handle).map_err(CliError::bad_input)?)
        }
        None => None,
    };
    expand_environment(&mut config, &|name| std::env::var(name).ok()).map_err(located)?;
    let loaded = ctx.load_plugins_for(&config)?;
    for error in &loaded.errors {
        tracing::warn!(target: "pmsync::serve", "{error}");
    }
    refuse_invalid_config(&source, &loaded.plugins, "not serving")?;
    let (secrets, webhook_secrets) = match (sandbox_secrets, sandbox) {
        (Some(secrets), Some((_, secret))) => {
            let hooks: BTreeMap<String, Secret> = config
                .platforms
                .keys()
                .map(|entry| (entry.clone(), Secret::new(secret)))
                .collect();
            (secrets, hooks)
        }
        _ => {
            let env = |name: &str| std::env::var(name).ok();
            (
                resolve_secrets(&config, &env).map_err(located)?,
                resolve_webhook_secrets(&config, &env).map_err(located)?,
            )
        }
    };
    Ok(Generation::new(
        source.origin,
        config,
        loaded.plugins,
        secrets,
        webhook_secrets,
    ))
}
