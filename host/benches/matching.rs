//! Matching benchmark (`link_existing:`): adopting two sides that already hold the same work.
//! Prints, in one run:
//!
//! 1. **The matcher alone** (`pmsync_core::matching::match_items`) at N = 1,000 and N (10,000
//!    by default) items per side: wall time, pairs and ambiguous groups found, and the peak
//!    heap it allocated — with the ratio of the two times, which stays near 10 for a 10×
//!    larger input when matching is hash-indexed (an n·m comparison would be near 100).
//! 2. **A first run through the engine** (`match_only`) over in-memory connectors, N per
//!    side: wall time, the connector requests it made (list pages, gets, updates), and the
//!    peak heap; then a second run, which finds nothing to do.
//!
//! Per side: 40 % of the items pair by an equal title (case and spacing differ), 30 % by a
//! cross-reference (the target names the source's key), 20 % by a `legacy-N` key label; of
//! the rest, most have no partner and 1 % form ambiguous groups (two per side, one title).
//!
//! `cargo bench -p pmsync-host --bench matching`; size: `PMSYNC_BENCH_MATCH_ITEMS` (10000).

use pmsync_host::core::config::{ConfigFile, SyncConfig, load_str};
use pmsync_host::core::matching::match_items;
use pmsync_host::core::planner::PipelineConverter;
use pmsync_host::core::plugins::{NoCustomResolvers, NoCustomTransforms};
use pmsync_host::core::{Item, Value};
use pmsync_host::engine::{RunOptions, Runner, SyncContext};
use pmsync_host::store::Store;
use pmsync_host::testing::MemoryConnector;
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The system allocator, counting live bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Starts a peak measurement; returns the live bytes at its start.
fn peak_reset() -> usize {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    live
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

const CONFIG: &str = r#"
name: "bench-adopt"
source_platform: "jira"
target_platform: "github"
batch_size: 100
field_mappings:
  - { source_field: summary, target_field: title }
  - { source_field: description, target_field: body }
  - { source_field: labels, target_field: labels, source_type: array, target_type: array }
link_existing:
  mode: match_only
  initial_winner: target
  match:
    - cross_reference
    - key_field: { source: labels, target: labels, prefix: "legacy-" }
    - fields: [summary]
"#;

fn sync() -> SyncConfig {
    let config: ConfigFile = load_str(CONFIG, "bench").expect("the bench config loads");
    config.syncs.into_iter().next().expect("one sync")
}

fn text(t: impl Into<String>) -> Value {
    Value::Text(t.into())
}

/// An item's fields, as a person enters them.
type Fields = Vec<(&'static str, Value)>;

/// Fields of item `i` on each side (source: summary/description/labels; target:
/// title/body/labels). Source keys are `PROJ-{i + 1}` (the memory connector numbers them).
fn fields(i: usize) -> (Fields, Fields) {
    let filler = "Steps to reproduce are in the support ticket; it happens on every browser.";
    let labels = |extra: Option<String>| {
        let mut l = vec!["backend".to_string()];
        l.extend(extra);
        Value::TextList(l)
    };
    let (summary, title, body, key) = match i % 10 {
        0..=3 => (
            format!("Existing item {i}"),
            format!("existing  ITEM {i} "),
            filler.to_string(),
            None,
        ),
        4..=6 => (
            format!("Jira wording {i}"),
            format!("GitHub wording {i}"),
            format!("{filler} Tracked as PROJ-{}.", i + 1),
            None,
        ),
        7 | 8 => (
            format!("Old tracker {i}"),
            format!("Imported {i}"),
            filler.to_string(),
            Some(format!("legacy-{i}")),
        ),
        _ if i % 100 == 9 || i % 100 == 19 => {
            let group = format!("Twin {}", i / 100);
            (group.clone(), group, filler.to_string(), None)
        }
        _ => (
            format!("Only in Jira {i}"),
            format!("Only on GitHub {i}"),
            filler.to_string(),
            None,
        ),
    };
    (
        vec![
            ("summary", text(summary)),
            ("description", text(filler)),
            ("labels", labels(key.clone())),
        ],
        vec![
            ("title", text(title)),
            ("body", text(body)),
            ("labels", labels(key)),
        ],
    )
}

fn memory_sides(n: usize) -> (MemoryConnector, MemoryConnector) {
    let jira = MemoryConnector::new("jira", "PROJ");
    let github = MemoryConnector::new("github", "GH");
    for i in 0..n {
        let (s, t) = fields(i);
        jira.insert(&s);
        github.insert(&t);
    }
    (jira, github)
}

/// The matcher alone over `n` items per side: (seconds, pairs, ambiguous groups, peak bytes).
fn matcher_alone(sync: &SyncConfig, n: usize) -> (f64, usize, usize, usize) {
    let (jira, github) = memory_sides(n);
    let (source, target): (Vec<Item>, Vec<Item>) = (jira.items(), github.items());
    drop((jira, github));
    let converter = PipelineConverter::new(sync, &NoCustomTransforms);
    let base = peak_reset();
    let started = Instant::now();
    let plan = match_items(sync, source, target, &converter);
    let secs = started.elapsed().as_secs_f64();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    (secs, plan.pairs.len(), plan.ambiguities.len(), peak)
}

fn main() {
    let n: usize = std::env::var("PMSYNC_BENCH_MATCH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let sync = sync();

    println!("== matching: the matcher alone (pure, hash-indexed) ==");
    let mut times = BTreeMap::new();
    for size in [n / 10, n] {
        let (secs, pairs, ambiguous, peak) = matcher_alone(&sync, size);
        times.insert(size, secs);
        println!(
            "{size:>6} x {size:<6} items: {:>8.1} ms, {pairs} pairs, {ambiguous} ambiguous groups, peak heap {}",
            secs * 1000.0,
            mib(peak)
        );
    }
    println!(
        "time ratio {} / {} items: {:.1} (linear ≈ 10, n·m ≈ 100)",
        n,
        n / 10,
        times[&n] / times[&(n / 10)]
    );

    println!("\n== matching: a first run through the engine (match_only, in-memory connectors) ==");
    let (jira, github) = memory_sides(n);
    let converter = PipelineConverter::new(&sync, &NoCustomTransforms);
    let mut store = Store::in_memory().expect("an in-memory store");
    let ctx = SyncContext {
        sync: &sync,
        source: &jira,
        target: &github,
        converter: &converter,
        resolvers: &NoCustomResolvers,
    };
    let base = peak_reset();
    let started = Instant::now();
    let first = Runner::new(ctx)
        .run(&mut store, &RunOptions::default())
        .expect("the first run");
    let secs = started.elapsed().as_secs_f64();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    let (s, t) = (jira.counts(), github.counts());
    println!(
        "first run, {n} x {n}: {:.2} s; matched {}, ambiguous {}, created {}, updated {}, skipped {}",
        secs,
        first.counts.matched,
        first.counts.ambiguous,
        first.counts.created,
        first.counts.updated,
        first.counts.skipped
    );
    println!(
        "  requests: jira {} list + {} get + {} update, github {} list + {} get + {} update; peak heap {}",
        s.list,
        s.get,
        s.update,
        t.list,
        t.get,
        t.update,
        mib(peak)
    );
    jira.reset_counts();
    github.reset_counts();
    let started = Instant::now();
    let second = Runner::new(ctx)
        .run(&mut store, &RunOptions::default())
        .expect("the second run");
    let (s, t) = (jira.counts(), github.counts());
    println!(
        "second run: {:.2} s; matched {}, writes {}; requests: jira {} list + {} get, github {} list + {} get",
        started.elapsed().as_secs_f64(),
        second.counts.matched,
        second.counts.writes,
        s.list,
        s.get,
        t.list,
        t.get
    );
}
