//! `run` and `sync`: one pass over the configured syncs, or a daemon; with no config, the
//! embedded first run against the sandbox platforms.

use super::args::{RunArgs, SyncOptions};
use super::context::{Context, refuse_invalid_config};
use super::exit::{CliError, Outcome};
use super::output::outln;
use super::progress_bar::Bar;
use super::report_view::print_report;
use super::signals;
use crate::app::demo::Demo;
use crate::app::{Connectors, Setup, label_example_items, point_at_sandbox};
use crate::engine::{RunMode, RunOptions, RunReport, StopSignal};
use crate::store::{LockError, LockWait, StateLock, Store};
use pmsync_core::config::{expand_environment, resolve_secrets};
use pmsync_sandbox::{Sandbox, SandboxHandle, SandboxOptions, SandboxRuntime};
use std::time::{Duration, Instant};

pub fn run(ctx: &Context, args: &RunArgs) -> Result<Outcome, CliError> {
    let options = &args.sync.options;
    if ctx.global.config.is_none() {
        if args.daemon {
            return Err(CliError::bad_input(
                "--daemon needs a config (--config FILE)",
            ));
        }
        return demo(ctx, options);
    }
    let stop = StopSignal::new();
    signals::install(stop.clone());
    let mut session = Session::default();
    if !args.daemon {
        return sync_pass(ctx, options, &mut session, &stop).map(|(outcome, _)| outcome);
    }
    let mut outcome = Outcome::Ok;
    while !stop.requested() {
        let started = Instant::now();
        let (pass, interval) = sync_pass(ctx, options, &mut session, &stop)?;
        if pass == Outcome::ItemsFailed {
            outcome = pass;
        }
        if !ctx.out.json {
            eprintln!("next pass in {}s (Ctrl-C to stop)", interval.as_secs());
        }
        while !stop.requested() && started.elapsed() < interval {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    Ok(outcome)
}

pub fn sync(ctx: &Context, args: &SyncOptions) -> Result<Outcome, CliError> {
    if ctx.global.config.is_none() {
        return demo(ctx, args);
    }
    let stop = StopSignal::new();
    signals::install(stop.clone());
    sync_pass(ctx, args, &mut Session::default(), &stop).map(|(outcome, _)| outcome)
}

/// What the passes of one invocation share: with --sandbox the simulators (started once, so
/// a daemon's next pass finds what the last one created), and the state store with its lock
/// (held for the whole invocation: one run per state store).
#[derive(Default)]
struct Session {
    sandbox: Option<(SandboxHandle, SandboxRuntime)>,
    store: Option<(Store, Option<StateLock>)>,
}

/// One pass over the selected syncs. Returns the outcome and the shortest `sync_interval`.
fn sync_pass(
    ctx: &Context,
    args: &SyncOptions,
    session: &mut Session,
    stop: &StopSignal,
) -> Result<(Outcome, Duration), CliError> {
    let (source, mut config) = ctx.load_config()?;
    let located = |e: pmsync_core::config::ConfigError| {
        CliError::bad_input(e.located_in(&source.text, &source.origin).to_string())
    };
    // Against the sandbox, the platforms move to loopback before grants are derived.
    let sandbox_secrets = if args.sandbox {
        if session.sandbox.is_none() {
            let options = SandboxOptions::default().with_time_scale(args.sandbox_time_scale);
            let (handle, runtime) = Sandbox::start_blocking(options)
                .map_err(|e| CliError::failed(format!("cannot start the sandbox: {e:#}")))?;
            // The examples sync items their teams labelled; label a few the same way.
            label_example_items(&handle);
            session.sandbox = Some((handle, runtime));
        }
        let Some((handle, _)) = &session.sandbox else {
            unreachable!("the sandbox was started above");
        };
        Some(point_at_sandbox(&mut config, handle).map_err(CliError::bad_input)?)
    } else {
        None
    };
    expand_environment(&mut config, &|name| std::env::var(name).ok()).map_err(located)?;
    let loaded = ctx.load_plugins_for(&config)?;
    for error in &loaded.errors {
        eprintln!("{} {error}", ctx.out.yellow("warning:"));
    }
    refuse_invalid_config(&source, &loaded.plugins, "nothing was run")?;
    let secrets = match sandbox_secrets {
        Some(secrets) => secrets,
        None => resolve_secrets(&config, &|name| std::env::var(name).ok()).map_err(located)?,
    };
    // The host paces its writes against the sandbox as against the real platforms (the
    // sandbox announces its time scale in every answer).
    let setup = Setup::new(&config, &loaded.plugins, &secrets, false)
        .map_err(CliError::failed)?
        .with_stop(stop.clone());
    let syncs = setup.syncs(&args.only).map_err(CliError::bad_input)?;
    if session.store.is_none() {
        session.store = Some(open_store(ctx, args)?);
    }
    let Some((store, _lock)) = session.store.as_mut() else {
        unreachable!("the store was opened above");
    };
    let mode = if args.full {
        RunMode::Full
    } else {
        RunMode::Incremental
    };
    let options = RunOptions::of(mode, args.dry_run);
    let bar = Bar::new(ctx.out.progress);
    setup
        .network
        .limiters
        .observe_waits(announce_waits(ctx.out.json, bar.clone()));
    let mut connectors = Connectors::new(&setup);
    let mut reports = Vec::new();
    let mut failures = Vec::new();
    for sync in &syncs {
        bar.start(&sync.name);
        let result = connectors.run(sync, store, &options, &bar);
        bar.finish();
        match result {
            Ok(report) => {
                if !ctx.out.json {
                    print_report(&ctx.out, &report);
                }
                reports.push(report);
            }
            Err(e) => {
                if !ctx.out.json {
                    eprintln!("{} {e}", ctx.out.red("error:"));
                }
                failures.push(e);
            }
        }
    }
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "reports": reports, "errors": failures, "requests": setup.metrics() }));
    }
    let interval = syncs
        .iter()
        .map(|s| s.sync_interval)
        .min()
        .unwrap_or(300)
        .max(1);
    Ok((
        outcome_of(&reports, !failures.is_empty()),
        Duration::from_secs(interval),
    ))
}

/// How a rate-limit wait is shown as it starts: on the progress line; with `--json`, as one
/// JSON line on stderr (`{"event":"waiting","platform":..,"budget":..,"wait_ms":..,"until":..}`)
/// so stdout stays one document. The log says it too (`waiting for the platform's rate limit
/// to reset`, with the time it waits until).
fn announce_waits(json: bool, bar: Bar) -> crate::http::WaitObserver {
    std::sync::Arc::new(move |wait: &crate::http::RateLimitWait| {
        bar.waiting(wait);
        if json {
            let mut event = serde_json::json!({ "event": "waiting" });
            if let (Some(object), Ok(serde_json::Value::Object(fields))) =
                (event.as_object_mut(), serde_json::to_value(wait))
            {
                object.extend(fields);
            }
            eprintln!("{event}");
        }
    })
}

fn outcome_of(reports: &[RunReport], errors: bool) -> Outcome {
    if errors || reports.iter().any(|r| r.counts.failed > 0) {
        Outcome::ItemsFailed
    } else {
        Outcome::Ok
    }
}

/// The state store for a run. A dry run never creates or changes one; a sandbox run keeps
/// its state in memory unless --state names a file. Says where the state lives when the
/// store is new (or in memory).
///
/// One run per state store: a run that writes holds the store's lock (see
/// `store::StateLock`) until it ends; another run exits with code 3, or waits with --wait.
fn open_store(ctx: &Context, args: &SyncOptions) -> Result<(Store, Option<StateLock>), CliError> {
    let in_memory = |why: &str| {
        if !ctx.out.json {
            eprintln!("{} {why}", ctx.out.dim("state:"));
        }
        Store::in_memory()
            .map(|s| (s, None))
            .map_err(|e| CliError::failed(e.to_string()))
    };
    if args.sandbox && ctx.global.state.is_none() {
        return in_memory("kept in memory for this sandbox run (--state FILE keeps it)");
    }
    let path = ctx.state_path()?;
    if args.dry_run && !path.exists() {
        return in_memory("none yet; a dry run creates none");
    }
    let lock = if args.dry_run {
        None
    } else {
        let wait = if args.wait {
            LockWait::Forever
        } else {
            LockWait::No
        };
        let json = ctx.out.json;
        let lock = StateLock::acquire(&path, wait, &|holder| {
            if !json {
                eprintln!("waiting for the run holding the state store ({holder}) to finish");
            }
        })
        .map_err(|e| match e {
            LockError::Held { .. } => CliError::busy(e.to_string()),
            LockError::Io { .. } => CliError::failed(e.to_string()),
        })?;
        Some(lock)
    };
    let new = !path.exists();
    let store = Store::open(&path).map_err(|e| CliError::failed(e.to_string()))?;
    if new && !ctx.out.json {
        eprintln!(
            "{} new store at {} (links, bases, conflicts, audit; --state FILE or PMSYNC_STATE to use another)",
            ctx.out.dim("state:"),
            path.display()
        );
    }
    Ok((store, lock))
}

/// The first run with no config: the sandbox platforms, the shipped example, real WASM
/// connectors.
fn demo(ctx: &Context, args: &SyncOptions) -> Result<Outcome, CliError> {
    if args.dry_run || args.full || !args.only.is_empty() || args.sandbox {
        return Err(CliError::bad_input(
            "--dry-run, --full, --sync and --sandbox need a config: try `--config examples/jira_to_github.yaml --sandbox --dry-run`",
        ));
    }
    let demo = Demo::start().map_err(CliError::failed)?;
    let loaded = ctx.load_plugins_for(&demo.config)?;
    for error in &loaded.errors {
        eprintln!("{} {error}", ctx.out.yellow("warning:"));
    }
    if !ctx.out.json {
        outln!(
            "{}",
            ctx.out.bold("No --config given: syncing the built-in sandbox platforms with examples/jira_to_github.yaml")
        );
        outln!(
            "{}",
            ctx.out.dim(&format!(
                "Jira {}  GitHub {}",
                demo.handle.jira_url(),
                demo.handle.github_url()
            ))
        );
        outln!(
            "{}",
            ctx.out.dim(&format!(
                "State: in memory for this first run; runs with --config keep it in {}",
                crate::store::default_path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "the file --state names".into())
            ))
        );
    }
    let bar = Bar::new(ctx.out.progress);
    bar.start("jira-github-sync");
    let passes = demo.run(&loaded.plugins, &bar);
    bar.finish();
    let passes = passes.map_err(CliError::failed)?;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "passes": passes }));
    } else {
        for (n, pass) in passes.iter().enumerate() {
            outln!();
            outln!(
                "{}",
                ctx.out.bold(&format!("pass {}: {}", n + 1, pass.title))
            );
            for edit in &pass.edits {
                outln!("  {} {edit}", ctx.out.dim("edit:"));
            }
            for report in &pass.reports {
                print_report(&ctx.out, report);
            }
        }
        outln!();
        outln!(
            "Next: `pmsync-host run --config examples/jira_to_github.yaml --sandbox --dry-run`, or point a config at your own sites."
        );
    }
    let reports: Vec<RunReport> = passes.into_iter().flat_map(|p| p.reports).collect();
    Ok(outcome_of(&reports, false))
}
