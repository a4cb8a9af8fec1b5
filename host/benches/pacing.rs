//! First import into a paced GitHub: `ITEMS` Jira issues become GitHub issues through the
//! real WASM connectors, gateway, engine and state store, against the sandbox with GitHub's
//! write pacing (one second between writes) time-scaled by `TIME_SCALE`. Prints the wall time
//! against its lower bound — the GitHub writes made × the scaled spacing — and their ratio,
//! and the failures (which must be none: the plugin deadline does not count the host's
//! pacing waits).
//!
//! Run with `make plugins` first, then `cargo bench -p pmsync-host --bench pacing`.
//! Environment: `PMSYNC_BENCH_PACED_ITEMS` (300), `PMSYNC_BENCH_TIME_SCALE` (0.01).

use pmsync_host::app::{Connectors, Setup, grants_for, point_at_sandbox};
use pmsync_host::core::config::load_str;
use pmsync_host::engine::{NoProgress, RunOptions};
use pmsync_host::plugin::{PluginRuntime, manifests_in};
use pmsync_host::store::Store;
use pmsync_sandbox::{FaultPlan, Platform, Sandbox, SandboxOptions};
use std::path::Path;
use std::time::{Duration, Instant};

const CONFIG: &str = r#"
name: "paced-import"
source_platform: "jira"
target_platform: "github"
direction: "source_to_target"
batch_size: 50
concurrency: 4
platforms:
  jira:
    settings: { base_url: "http://127.0.0.1:1", project: "PROJ" }
    credentials:
      token: { type: basic, user: "${JIRA_EMAIL}", token: "${JIRA_API_TOKEN}" }
  github:
    settings: { base_url: "http://127.0.0.1:1", repo: "acme/widgets" }
    credentials:
      token: { type: bearer, token: "${GITHUB_TOKEN}" }
field_mappings:
  - { source_field: summary, target_field: title, required: true }
  - source_field: status
    target_field: state
    value_map: status
value_maps:
  status:
    forward: { "To Do": open, "In Progress": open, "Done": closed }
    reverse: { open: "To Do", closed: "Done" }
filters:
  projects: ["PROJ"]
"#;

fn fail(message: &str) -> ! {
    eprintln!("pacing bench: {message}");
    std::process::exit(1)
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| fail(&format!("{name}={text:?} is not a number"))),
        Err(_) => default,
    }
}

fn main() {
    let items: usize = env_or("PMSYNC_BENCH_PACED_ITEMS", 300);
    let scale: f64 = env_or("PMSYNC_BENCH_TIME_SCALE", 0.01);
    let budget = FaultPlan::none().with_github_core_budget(u32::MAX);
    let (handle, _runtime) = Sandbox::start_blocking(
        SandboxOptions::seed_items(items)
            .with_faults(budget)
            .with_time_scale(scale),
    )
    .unwrap_or_else(|e| fail(&format!("cannot start the sandbox: {e:#}")));
    let mut config = load_str(CONFIG, "benches/pacing.rs").unwrap_or_else(|e| fail(&e.to_string()));
    let secrets = point_at_sandbox(&mut config, &handle).unwrap_or_else(|e| fail(&e));
    let plugins_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins");
    let grants = grants_for(&config, &manifests_in(&plugins_dir)).unwrap_or_else(|e| fail(&e));
    let cache = tempfile::tempdir().unwrap_or_else(|e| fail(&e.to_string()));
    let runtime =
        PluginRuntime::with_cache_dir(cache.path()).unwrap_or_else(|e| fail(&e.to_string()));
    let loaded = runtime.load_dir(&plugins_dir, &grants);
    if !loaded.errors.is_empty() {
        fail("plugins failed to load (run `make plugins`)");
    }
    let state = tempfile::tempdir().unwrap_or_else(|e| fail(&e.to_string()));
    let mut store =
        Store::open(&state.path().join("state.db")).unwrap_or_else(|e| fail(&e.to_string()));
    // The host paces itself: the sandbox announces its time scale in every answer.
    let setup = Setup::new(&config, &loaded.plugins, &secrets, false).unwrap_or_else(|e| fail(&e));
    let mut connectors = Connectors::new(&setup);
    handle.github().reset_stats();
    let started = Instant::now();
    let report = connectors
        .run(
            &config.syncs[0],
            &mut store,
            &RunOptions::default(),
            &NoProgress,
        )
        .unwrap_or_else(|e| fail(&e));
    let elapsed = started.elapsed();
    let writes = handle.stats(Platform::GitHub).writes;
    let spacing = Duration::from_secs(1).mul_f64(scale);
    let bound = spacing * u32::try_from(writes).unwrap_or(u32::MAX);
    println!("first import into paced GitHub (time scale {scale}: {spacing:?} between writes)");
    println!(
        "  {} issues created, {} failed, {writes} GitHub writes",
        report.counts.created, report.counts.failed
    );
    println!(
        "  wall {:.2} s, lower bound (writes × spacing) {:.2} s, ratio {:.2}",
        elapsed.as_secs_f64(),
        bound.as_secs_f64(),
        elapsed.as_secs_f64() / bound.as_secs_f64().max(1e-9)
    );
    println!(
        "  at real pace (scale 1) that bound is {:.0} s for {items} issues",
        bound.as_secs_f64() / scale
    );
    if report.counts.failed > 0 {
        fail("some creates failed");
    }
}
