//! Sync benchmark against the sandbox platforms, through the real WASM connectors, HTTP
//! gateway, engine and SQLite state store. Prints, in one run:
//!
//! 1. **Changed items at a fixed latency**: `ITEMS` new Jira issues written to GitHub with
//!    every sandbox request delayed by `LATENCY_MS`; wall time, requests per platform, and the
//!    lower bound the host allows (listing pages follow each other's cursors, so they are
//!    sequential; other requests run `concurrency` at a time, or one at a time where the
//!    host serializes GitHub writes) with the ratio actual / bound. Measured twice: with the
//!    write gate off (`Setup::new(.., fast_writes = true)`), and with GitHub writes
//!    serialized by the rate limiter (its spacing set to zero instead of GitHub's 1 s); and
//!    once more without latency, which shows what each request costs besides the latency.
//! 2. **No change over many linked items**: `LINKED` items per side, linked directly in the
//!    store with the bases a sync would record, watermarks at "now"; an incremental run and,
//!    for contrast, a full run.
//!
//! Run with `make plugins` first, then `cargo bench -p pmsync-host --bench sync`.
//! Sizes can be changed with the environment: `PMSYNC_BENCH_ITEMS` (1000),
//! `PMSYNC_BENCH_LATENCY_MS` (20), `PMSYNC_BENCH_LINKED` (100000).

use pmsync_host::app::{Connectors, Setup, connector_for, grants_for, point_at_sandbox};
use pmsync_host::connector::{Connector, ListRequest};
use pmsync_host::core::config::{ConfigFile, ResolvedSecrets, SyncConfig, load_str};
use pmsync_host::core::plan::{Base, Link};
use pmsync_host::core::{Item, Side, Value};
use pmsync_host::engine::run::filter_for;
use pmsync_host::engine::{NoProgress, RunMode, RunOptions, RunReport};
use pmsync_host::plugin::{PluginRuntime, PluginSet, manifests_in};
use pmsync_host::store::Store;
use pmsync_sandbox::{
    FaultPlan, Latency, Platform, RequestStats, Sandbox, SandboxHandle, SandboxOptions,
    SandboxRuntime,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A Jira → GitHub sync with three mappings; `{direction}` is filled in per scenario.
const CONFIG: &str = r#"
name: "bench-jira-github"
source_platform: "jira"
target_platform: "github"
direction: "{direction}"
conflict_strategy: "last_write_wins"
batch_size: 100
concurrency: 4
enable_retry: true
max_retries: 3
retry_delay: 1
enable_audit: true
platforms:
  jira:
    settings:
      base_url: "http://127.0.0.1:1"
      project: "PROJ"
    credentials:
      token:
        type: basic
        user: "${JIRA_EMAIL}"
        token: "${JIRA_API_TOKEN}"
    allow_hosts: ["http://127.0.0.1:1"]
  github:
    settings:
      base_url: "http://127.0.0.1:1"
      repo: "acme/widgets"
    credentials:
      token:
        type: bearer
        token: "${GITHUB_TOKEN}"
    allow_hosts: ["http://127.0.0.1:1"]
field_mappings:
  - source_field: "summary"
    target_field: "title"
    source_type: "string"
    target_type: "string"
    bidirectional: true
    required: true
  - source_field: "description"
    target_field: "body"
    source_type: "string"
    target_type: "string"
  - source_field: "status"
    target_field: "state"
    source_type: "string"
    target_type: "string"
    value_map: "status"
    required: true
    default_value: "To Do"
value_maps:
  status:
    forward:
      "To Do": "open"
      "In Progress": "open"
      "Done": "closed"
    reverse:
      "open": "To Do"
      "closed": "Done"
filters:
  projects: ["PROJ"]
"#;

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => match text.trim().parse() {
            Ok(n) => n,
            Err(_) => fail(&format!("{name}={text:?} is not a whole number")),
        },
        Err(_) => default,
    }
}

fn fail(message: &str) -> ! {
    eprintln!("sync bench: {message}");
    std::process::exit(1)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Budgets large enough that no scenario runs into the sandbox's hourly request limits
/// (they are not what is measured here).
fn unlimited(plan: FaultPlan) -> FaultPlan {
    plan.with_github_core_budget(u32::MAX)
        .with_github_graphql_budget(u32::MAX)
        .with_linear_request_budget(u32::MAX)
}

/// A sandbox with `items` seeded per platform and the config pointed at it.
struct Bench {
    handle: SandboxHandle,
    _runtime: SandboxRuntime,
    config: ConfigFile,
    secrets: ResolvedSecrets,
    plugins: PluginSet,
    _state_dir: tempfile::TempDir,
    store: Store,
}

impl Bench {
    fn start(items: usize, plan: FaultPlan, direction: &str, cache: &Path) -> Bench {
        let started = Instant::now();
        let (handle, runtime) = Sandbox::start_blocking(
            SandboxOptions::seed_items(items)
                .with_faults(unlimited(plan))
                // The write gate is what this bench varies; the sandbox's own pace is
                // scaled to a microsecond so it does not hide it (see benches/pacing.rs).
                .with_time_scale(1e-6),
        )
        .unwrap_or_else(|e| fail(&format!("cannot start the sandbox: {e:#}")));
        let seeded = started.elapsed();
        let text = CONFIG.replace("{direction}", direction);
        let mut config =
            load_str(&text, "benches/sync.rs").unwrap_or_else(|e| fail(&e.to_string()));
        let secrets = point_at_sandbox(&mut config, &handle).unwrap_or_else(|e| fail(&e));
        let plugins_dir = workspace_root().join("plugins");
        let grants = grants_for(&config, &manifests_in(&plugins_dir)).unwrap_or_else(|e| fail(&e));
        let runtime_plugins = PluginRuntime::with_cache_dir(cache)
            .unwrap_or_else(|e| fail(&format!("plugin runtime: {e}")));
        let report = runtime_plugins.load_dir(&plugins_dir, &grants);
        if !report.errors.is_empty() {
            let errors: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
            fail(&format!(
                "plugins failed to load (run `make plugins`):\n  {}",
                errors.join("\n  ")
            ));
        }
        let state_dir = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("temp dir: {e}")));
        let store = Store::open(&state_dir.path().join("state.db"))
            .unwrap_or_else(|e| fail(&e.to_string()));
        println!(
            "  sandbox seeded with {items} issues per platform in {:.2} s",
            seeded.as_secs_f64()
        );
        Bench {
            handle,
            _runtime: runtime,
            config,
            secrets,
            plugins: report.plugins,
            _state_dir: state_dir,
            store,
        }
    }

    fn sync(&self) -> SyncConfig {
        self.config.syncs[0].clone()
    }

    fn reset_stats(&self) {
        self.handle.jira().reset_stats();
        self.handle.github().reset_stats();
    }

    fn stats(&self) -> (RequestStats, RequestStats) {
        (
            self.handle.stats(Platform::Jira),
            self.handle.stats(Platform::GitHub),
        )
    }
}

/// One timed run through the app's wiring; `write_interval` overrides the spacing of
/// writes (`None` = no write gate at all).
fn timed_run(
    bench: &mut Bench,
    mode: RunMode,
    write_interval: Option<Duration>,
) -> (RunReport, Duration) {
    let sync = bench.sync();
    let mut setup = Setup::new(&bench.config, &bench.plugins, &bench.secrets, true)
        .unwrap_or_else(|e| fail(&e));
    setup.network.min_write_interval = Some(write_interval);
    let mut connectors = Connectors::new(&setup);
    let options = RunOptions {
        mode,
        ..RunOptions::default()
    };
    bench.reset_stats();
    let started = Instant::now();
    let report = connectors
        .run(&sync, &mut bench.store, &options, &NoProgress)
        .unwrap_or_else(|e| fail(&e));
    let elapsed = started.elapsed();
    (report, elapsed)
}

/// Listing requests (each page waits for the previous page's cursor) on a platform.
fn listing_requests(stats: &RequestStats) -> u64 {
    stats
        .by_route
        .iter()
        .filter(|(route, _)| {
            route.as_str() == "GET /rest/api/3/search/jql"
                || route.as_str() == "POST /rest/api/3/search/jql"
                || (route.starts_with("GET ") && route.ends_with("/issues"))
        })
        .map(|(_, n)| *n)
        .sum()
}

fn print_stats(name: &str, stats: &RequestStats) {
    println!(
        "    {name:<7} requests: {:>6} total, {:>6} writes, {:>6} listing pages",
        stats.total,
        stats.writes,
        listing_requests(stats)
    );
    let mut routes: BTreeMap<String, u64> = BTreeMap::new();
    for (route, n) in &stats.by_route {
        *routes.entry(route_pattern(route)).or_default() += n;
    }
    for (route, n) in routes {
        println!("      {n:>7}  {route}");
    }
}

/// A route with its numeric path segments (issue numbers, ids) replaced by `{n}`.
fn route_pattern(route: &str) -> String {
    route
        .split('/')
        .map(|segment| {
            if !segment.is_empty() && segment.chars().all(|c| c.is_ascii_digit()) {
                "{n}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Scenario 1, once per write mode.
fn changed_items(items: usize, latency: Duration, cache: &Path, serialize_writes: bool) {
    let mode = if serialize_writes {
        "GitHub writes serialized by the host's rate limiter (spacing 0 instead of 1 s)"
    } else {
        "write gate off (fast_writes): writes run `concurrency` at a time"
    };
    println!(
        "\n[1] {items} new Jira issues → GitHub, sandbox latency {} ms/request; {mode}",
        latency.as_millis()
    );
    let plan = FaultPlan::none().with_latency(Latency::Fixed(latency));
    let mut bench = Bench::start(items, plan, "source_to_target", cache);
    let concurrency = bench.sync().concurrency.max(1) as u64;
    let interval = serialize_writes.then_some(Duration::ZERO);
    let (report, elapsed) = timed_run(&mut bench, RunMode::Incremental, interval);
    let (jira, github) = bench.stats();
    let c = &report.counts;
    println!(
        "  result: {} created, {} skipped (GitHub's own seeded issues: direction source_to_target), {} failed, {} retries",
        c.created, c.skipped, c.failed, c.retries
    );
    if c.created != items || c.failed != 0 {
        fail(&format!(
            "expected {items} creates and no failures, got {} and {}",
            c.created, c.failed
        ));
    }
    print_stats("Jira", &jira);
    print_stats("GitHub", &github);

    let total = jira.total + github.total;
    let listing = listing_requests(&jira) + listing_requests(&github);
    let others = total - listing;
    let github_writes = github.writes;
    let other_reads = others - github_writes;
    let lat = ms(latency);
    // What the host allows: listing pages one after another; reads and gets at
    // `concurrency`; GitHub writes at `concurrency`, or at 1 when the gate serializes them.
    let write_parallelism = if serialize_writes { 1 } else { concurrency };
    // Requests on the critical path: each costs at least one latency.
    let critical = listing as f64
        + other_reads as f64 / concurrency as f64
        + github_writes as f64 / write_parallelism as f64;
    let bound = lat * critical;
    let naive = lat * total as f64 / concurrency as f64;
    let actual = ms(elapsed);
    println!("  wall time:                      {:>10.0} ms", actual);
    if lat > 0.0 {
        println!(
            "  naive bound  = {total} requests × {lat} ms / concurrency {concurrency}: {naive:.0} ms   actual / naive = {:.2}",
            actual / naive
        );
        println!(
            "  host bound   = ({listing} listing pages × 1 + {other_reads} other reads / {concurrency} + {github_writes} GitHub writes / {write_parallelism}) × {lat} ms: {bound:.0} ms   actual / bound = {:.2}",
            actual / bound
        );
    }
    println!(
        "  time beyond the latency per critical-path request ({critical:.0} of them): {:.2} ms (host, WASM connector, loopback HTTP, sandbox handler, store)",
        (actual - bound) / critical
    );
    if serialize_writes && lat > 0.0 {
        let production = github_writes as f64 * (1000.0 + lat) / 1000.0;
        println!(
            "  (with GitHub's real 1 s write spacing the writes alone would take ≥ {github_writes} × (1 s + {lat} ms) = {production:.0} s)"
        );
    }
}

/// Items listed by a connector, every page.
fn list_everything(connector: &dyn Connector, filter: pmsync_host::connector::Filter) -> Vec<Item> {
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let page = connector
            .list_changed(&ListRequest {
                since: None,
                cursor: cursor.take(),
                page_size: 100,
                filter: filter.clone(),
            })
            .unwrap_or_else(|e| fail(&format!("listing for the links: {e}")));
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return items,
        }
    }
}

/// The mapped fields of one side, as the engine records them in a base.
fn side_base(sync: &SyncConfig, side: Side, item: &Item) -> BTreeMap<String, Value> {
    sync.field_mappings
        .iter()
        .map(|m| {
            let name = match side {
                Side::Source => &m.source_field,
                Side::Target => &m.target_field,
            };
            (name.clone(), item.field(name).clone())
        })
        .collect()
}

/// The number in a key (`PROJ-12` → 12, `#12` → 12), for pairing seed items by position.
fn key_number(key: &str) -> u64 {
    let digits: String = key
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().unwrap_or(u64::MAX)
}

/// Links every listed Jira issue to the GitHub issue at the same position, with the bases a
/// sync would record (each side's current mapped values), and sets both watermarks to now.
fn link_directly(bench: &mut Bench) -> (usize, Duration) {
    let sync = bench.sync();
    let setup = Setup::new(&bench.config, &bench.plugins, &bench.secrets, true)
        .unwrap_or_else(|e| fail(&e));
    let mut sides = Vec::new();
    let mut listing = Duration::ZERO;
    for (entry, side) in [("jira", Side::Source), ("github", Side::Target)] {
        let connector = connector_for(
            &bench.config,
            entry,
            &bench.plugins,
            &bench.secrets,
            &setup.network,
        )
        .unwrap_or_else(|e| fail(&e));
        let started = Instant::now();
        let mut items = list_everything(connector.as_ref(), filter_for(&sync.filters, side));
        let took = started.elapsed();
        listing += took;
        println!(
            "  listed {} {entry} items through the connector in {:.2} s (to build the links)",
            items.len(),
            took.as_secs_f64()
        );
        items.sort_by_key(|i| key_number(&i.key));
        sides.push(items);
    }
    let target = sides.pop().unwrap_or_default();
    let source = sides.pop().unwrap_or_default();
    let links: Vec<Link> = source
        .iter()
        .zip(&target)
        .map(|(s, t)| Link {
            source_id: s.id.clone(),
            target_id: t.id.clone(),
            source_key: s.key.clone(),
            target_key: t.key.clone(),
            base: Base {
                source: side_base(&sync, Side::Source, s),
                target: side_base(&sync, Side::Target, t),
                held: Default::default(),
            },
        })
        .collect();
    let started = Instant::now();
    let now = chrono::Utc::now();
    bench
        .store
        .write(|tx| {
            for link in &links {
                tx.put_link(&sync.name, link)?;
            }
            tx.advance_watermark(&sync.name, Side::Source, now)?;
            tx.advance_watermark(&sync.name, Side::Target, now)?;
            Ok(())
        })
        .unwrap_or_else(|e| fail(&e.to_string()));
    println!(
        "  stored {} links with their bases and both watermarks at now in {:.2} s",
        links.len(),
        started.elapsed().as_secs_f64()
    );
    (links.len(), listing)
}

fn print_run(label: &str, bench: &Bench, report: &RunReport, elapsed: Duration) {
    let (jira, github) = bench.stats();
    let c = &report.counts;
    println!("  {label}: wall time {:.0} ms", ms(elapsed));
    println!(
        "    fetched {} Jira + {} GitHub items; {} created, {} updated, {} conflicts, {} skipped, {} failed, {} writes",
        c.fetched_source,
        c.fetched_target,
        c.created,
        c.updated,
        c.conflicts_auto + c.conflicts_manual,
        c.skipped,
        c.failed,
        c.writes
    );
    print_stats("Jira", &jira);
    print_stats("GitHub", &github);
}

/// Scenario 2.
fn no_change(linked: usize, cache: &Path) {
    println!("\n[2] no change over {linked} linked items per side (no added latency)");
    let mut bench = Bench::start(linked, FaultPlan::none(), "bidirectional", cache);
    let (links, listing) = link_directly(&mut bench);
    let (report, elapsed) = timed_run(&mut bench, RunMode::Incremental, None);
    print_run(
        &format!("incremental run over {links} links"),
        &bench,
        &report,
        elapsed,
    );
    let (report, elapsed) = timed_run(&mut bench, RunMode::Full, None);
    print_run(
        &format!("full run over {links} links (lists everything)"),
        &bench,
        &report,
        elapsed,
    );
    println!(
        "    of which listing both sides ≈ {:.1} s (the same listing, timed above), the engine (link lookups, planning, one commit) ≈ {:.1} s",
        listing.as_secs_f64(),
        elapsed.saturating_sub(listing).as_secs_f64()
    );
    let c = &report.counts;
    if c.created + c.updated + c.writes + c.failed > 0 {
        fail(
            "the full run found changes where the bases match the platforms: the directly written bases differ from what a sync records",
        );
    }
}

fn main() {
    let items = env_number("PMSYNC_BENCH_ITEMS", 1000) as usize;
    let latency = Duration::from_millis(env_number("PMSYNC_BENCH_LATENCY_MS", 20));
    let linked = env_number("PMSYNC_BENCH_LINKED", 100_000) as usize;
    let cache = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("temp dir: {e}")));
    println!(
        "sync benchmark (sandbox platforms on loopback, WASM connectors, SQLite store on disk)"
    );
    changed_items(items, latency, cache.path(), false);
    changed_items(items, latency, cache.path(), true);
    if !latency.is_zero() {
        // Calibration: the same work with no added latency is the cost of everything else.
        changed_items(items, Duration::ZERO, cache.path(), false);
    }
    no_change(linked, cache.path());
}
