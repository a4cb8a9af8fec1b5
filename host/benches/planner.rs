//! Planner benchmark: `planner::plan` over 100,000 linked Jira ↔ Linear pairs with ten
//! mapped fields, with built-in transforms only against the same sync where two fields go
//! through WASM transforms (the example transformer plugin), at 1 % and 100 % changed.
//! Prints wall and CPU times, throughput, the plan's writes and conflicts (checked against
//! what the data was built to contain), the time spent inside the plugin, and the WASM /
//! built-in ratio.
//!
//! Run with `cargo bench -p pmsync-host --bench planner` after `make plugins`.

mod planner_fixture;

use planner_fixture::{Edits, Expected, FIELDS, Variant, candidates, sync_config};
use pmsync_core::config::SyncConfig;
use pmsync_core::plan::{Candidate, Plan};
use pmsync_core::planner::{self, PipelineConverter};
use pmsync_core::plugins::{
    CustomTransforms, NoCustomResolvers, NoCustomTransforms, TransformCall,
};
use pmsync_core::{ItemError, Value};
use pmsync_host::plugin::{Grants, PluginRuntime};
use std::cell::Cell;
use std::path::Path;
use std::time::{Duration, Instant};

const ITEMS: usize = 100_000;

fn main() {
    let plugin_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/example-transforms");
    let cache = tempfile::tempdir().expect("temp dir");
    let runtime = PluginRuntime::with_cache_dir(cache.path()).expect("plugin runtime");
    let report = runtime.load_dir(&plugin_dir, &Grants::default());
    assert!(
        report.errors.is_empty() && !report.plugins.is_empty(),
        "the example transformer plugin did not load from {} (run `make plugins`): {:?}",
        plugin_dir.display(),
        report
            .errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    let wasm = TimedTransforms::new(&report.plugins);

    let built_in = sync_config(Variant::BuiltIn);
    let with_wasm = sync_config(Variant::TwoWasmTransforms);

    for (edits, runs, label) in [
        (Edits::OnePercentMixed, 7, "1% changed"),
        (Edits::EverythingOnSource, 3, "100% changed (all fields)"),
    ] {
        let (batch, expected) = candidates(ITEMS, edits);
        wasm.reset();
        let [a, b] = measure(
            [(&built_in, &NoCustomTransforms), (&with_wasm, &wasm)],
            &batch,
            runs,
        );
        let wasm_calls = wasm.calls.get() / (runs + 1);
        let wasm_values = wasm.values.get() / (runs + 1);
        let wasm_time = wasm.time.get() / (runs + 1) as u32;

        check(&a, expected, "built-in");
        check(&b, expected, "two WASM transforms");
        assert!(
            a.plan == b.plan,
            "the two variants planned differently for {label}"
        );

        println!(
            "planner, {ITEMS} linked items, {} fields, {label}: built-in {:.1} ms ({}); two WASM transforms {:.1} ms ({}); ratio {:.2}x",
            FIELDS.len(),
            ms(a.median),
            rate(a.median),
            ms(b.median),
            rate(b.median),
            b.median.as_secs_f64() / a.median.as_secs_f64()
        );
        println!(
            "  per item: built-in {:.0} ns, two WASM transforms {:.0} ns; median of {runs} runs after a warm-up, variants alternating (range built-in {:.1}–{:.1} ms, WASM {:.1}–{:.1} ms)",
            per_item_ns(a.median),
            per_item_ns(b.median),
            ms(a.fastest),
            ms(a.slowest),
            ms(b.fastest),
            ms(b.slowest)
        );
        if let (Some(cpu_a), Some(cpu_b)) = (a.cpu, b.cpu) {
            println!(
                "  CPU time per run: built-in {:.1} ms ({:.0} ns per item), two WASM transforms {:.1} ms ({:.0} ns per item); CPU ratio {:.2}x ({})",
                ms(cpu_a),
                per_item_ns(cpu_a),
                ms(cpu_b),
                per_item_ns(cpu_b),
                cpu_b.as_secs_f64() / cpu_a.as_secs_f64(),
                machine_load()
            );
        }
        println!(
            "  plan: {} changed items, {} updates, {} writes (expected {}), {} conflicts (expected {}), {} failures",
            expected.changed_items,
            a.plan.updates.len(),
            a.plan.write_count(),
            expected.writes,
            a.plan.conflicts().count(),
            expected.conflicts,
            a.plan.failures.len()
        );
        println!(
            "  inside the plugin per WASM run: {wasm_calls} transform-batch call(s), {wasm_values} values, {:.1} ms ({:.0} ns per value; {:.0}% of the run)",
            ms(wasm_time),
            wasm_time.as_nanos() as f64 / wasm_values.max(1) as f64,
            100.0 * wasm_time.as_secs_f64() / b.median.as_secs_f64()
        );
    }
}

/// The plan of the last run and the run times.
struct Measured {
    plan: Plan,
    median: Duration,
    fastest: Duration,
    slowest: Duration,
    /// Mean CPU time of this thread per timed run, where the OS tells it.
    cpu: Option<Duration>,
}

/// `planner::plan` over the whole batch for each sync (with its custom transforms): one
/// warm-up each, then `runs` timed rounds. The variants take turns within a round, so both
/// meet the same heap and machine state. Dropping a plan is not timed.
fn measure<const N: usize>(
    variants: [(&SyncConfig, &dyn CustomTransforms); N],
    batch: &[Candidate],
    runs: usize,
) -> [Measured; N] {
    let converters = variants.map(|(sync, custom)| (sync, PipelineConverter::new(sync, custom)));
    let mut plans: Vec<Plan> = converters
        .iter()
        .map(|(sync, converter)| planner::plan(sync, batch, converter, &NoCustomResolvers))
        .collect();
    let mut times = vec![Vec::with_capacity(runs); N];
    let mut cpu = [Some(Duration::ZERO); N];
    for _ in 0..runs {
        for (v, (sync, converter)) in converters.iter().enumerate() {
            drop(std::mem::take(&mut plans[v]));
            let cpu_before = thread_cpu_time();
            let started = Instant::now();
            plans[v] = planner::plan(sync, batch, converter, &NoCustomResolvers);
            times[v].push(started.elapsed());
            cpu[v] = match (cpu[v], cpu_before, thread_cpu_time()) {
                (Some(total), Some(before), Some(after)) => {
                    Some(total + after.saturating_sub(before))
                }
                _ => None,
            };
        }
    }
    let mut plans = plans.into_iter();
    std::array::from_fn(|v| {
        let times = &mut times[v];
        times.sort();
        Measured {
            plan: plans.next().unwrap_or_default(),
            median: times[times.len() / 2],
            fastest: times[0],
            slowest: times[times.len() - 1],
            cpu: cpu[v].map(|total| total / runs as u32),
        }
    })
}

/// User + system CPU time of the calling thread (Linux `/proc`, in 10 ms ticks), so the
/// figures can be read even when other processes compete for the CPU.
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name (which may contain spaces) start at field 3 (`state`);
    // utime and stime are fields 14 and 15, in USER_HZ (100 per second) ticks.
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The load average and CPU count, to say how much wall times may include waiting for a CPU.
fn machine_load() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    match std::fs::read_to_string("/proc/loadavg") {
        Ok(text) => format!(
            "load average {} on {cpus} CPUs",
            text.split_whitespace().next().unwrap_or("?")
        ),
        Err(_) => format!("{cpus} CPUs"),
    }
}

/// The plan must be what the data was built for; a benchmark of a wrong plan means nothing.
fn check(m: &Measured, expected: Expected, variant: &str) {
    let failures: Vec<&str> = m
        .plan
        .failures
        .iter()
        .take(3)
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        m.plan.failures.is_empty(),
        "{variant}: {} items failed, e.g. {failures:?}",
        m.plan.failures.len()
    );
    assert_eq!(
        m.plan.write_count(),
        expected.writes,
        "{variant}: planned writes"
    );
    assert_eq!(
        m.plan.conflicts().count(),
        expected.conflicts,
        "{variant}: conflicts"
    );
    assert_eq!(
        m.plan.updates.len(),
        expected.changed_items,
        "{variant}: updated pairs"
    );
}

/// The plugin set, with the time spent in its `transform_batch` counted.
struct TimedTransforms<'a> {
    inner: &'a dyn CustomTransforms,
    calls: Cell<usize>,
    values: Cell<usize>,
    time: Cell<Duration>,
}

impl<'a> TimedTransforms<'a> {
    fn new(inner: &'a dyn CustomTransforms) -> TimedTransforms<'a> {
        TimedTransforms {
            inner,
            calls: Cell::new(0),
            values: Cell::new(0),
            time: Cell::new(Duration::ZERO),
        }
    }

    fn reset(&self) {
        self.calls.set(0);
        self.values.set(0);
        self.time.set(Duration::ZERO);
    }
}

impl CustomTransforms for TimedTransforms<'_> {
    fn has(&self, name: &str) -> bool {
        self.inner.has(name)
    }

    fn transform_batch(&self, calls: &[TransformCall]) -> Vec<Result<Value, ItemError>> {
        let started = Instant::now();
        let out = self.inner.transform_batch(calls);
        self.time.set(self.time.get() + started.elapsed());
        self.calls.set(self.calls.get() + 1);
        self.values.set(self.values.get() + calls.len());
        out
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn per_item_ns(d: Duration) -> f64 {
    d.as_nanos() as f64 / ITEMS as f64
}

fn rate(d: Duration) -> String {
    let per_second = ITEMS as f64 / d.as_secs_f64();
    if per_second >= 1e6 {
        format!("{:.2}M items/s", per_second / 1e6)
    } else {
        format!("{:.0}k items/s", per_second / 1e3)
    }
}
