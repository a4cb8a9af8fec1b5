//! Plugin benchmark: per-item cost of a WASM transform against the same logic native, and
//! cold against warm (cached) load of the plugins directory. Prints ratios measured in one run.
//!
//! Run with `make bench` (or `cargo bench -p pmsync-host --bench plugins` after `make plugins`).

use pmsync_core::Value;
use pmsync_core::plugins::{CustomTransforms, TransformCall, TransformContext};
use pmsync_host::plugin::{Grants, PluginRuntime};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

const PRIORITIES: [&str; 5] = ["Critical", "High", "Medium", "Low", "Unknown"];

fn main() {
    let plugins = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins");
    let cache = tempfile::tempdir().expect("temp dir");

    // Cold: an empty cache, every component compiled. Warm: a new runtime on the same cache.
    let cold = {
        let runtime = PluginRuntime::with_cache_dir(cache.path()).expect("runtime");
        let report = runtime.load_dir(&plugins, &Grants::default());
        assert!(
            report.errors.is_empty(),
            "plugins failed to load (run `make plugins`): {:?}",
            report.errors
        );
        (report.elapsed, report.plugins.len())
    };
    let mut warm_runs = Vec::new();
    for _ in 0..5 {
        let runtime = PluginRuntime::with_cache_dir(cache.path()).expect("runtime");
        let report = runtime.load_dir(&plugins, &Grants::default());
        warm_runs.push(report.elapsed);
    }
    let warm = median(&mut warm_runs);
    println!("plugins directory load ({} plugins)", cold.1);
    println!("  cold (compile + cache write): {:>10.2} ms", ms(cold.0));
    println!("  warm (cache hit, median of 5): {:>9.2} ms", ms(warm));
    println!(
        "  cold / warm ratio: {:.1}x",
        cold.0.as_secs_f64() / warm.as_secs_f64()
    );

    let runtime = PluginRuntime::with_cache_dir(cache.path()).expect("runtime");
    let set = runtime.load_dir(&plugins, &Grants::default()).plugins;
    let context = TransformContext {
        field: "priority → priority".into(),
        source_platform: "jira".into(),
        target_platform: "linear".into(),
        item_key: "PROJ-1".into(),
    };
    let items = 100_000usize;
    let batch_size = 1_000usize;
    let calls: Vec<TransformCall> = (0..batch_size)
        .map(|i| TransformCall {
            name: "jira_priority_to_number".into(),
            value: Value::Text(PRIORITIES[i % PRIORITIES.len()].into()),
            context: context.clone(),
        })
        .collect();

    // Native: the same function the plugin exports, called directly.
    let native = time_per_item(items, || {
        let mut sum = 0i64;
        for i in 0..items {
            sum += pmsync_plugin_example_transforms::jira_priority_to_number(black_box(
                PRIORITIES[i % PRIORITIES.len()],
            ));
        }
        black_box(sum);
    });
    // Native through the engine's value type, to show the cost of the value model alone.
    let native_values = time_per_item(items, || {
        for _ in 0..items / batch_size {
            let out: Vec<Value> = calls
                .iter()
                .map(|c| match &c.value {
                    Value::Text(t) => {
                        Value::Integer(pmsync_plugin_example_transforms::jira_priority_to_number(t))
                    }
                    other => other.clone(),
                })
                .collect();
            black_box(out);
        }
    });
    let wasm_batched = time_per_item(items, || {
        for _ in 0..items / batch_size {
            let out = set.transform_batch(black_box(&calls));
            assert!(out.iter().all(|r| r.is_ok()));
        }
    });
    let single_items = 2_000usize;
    let wasm_single = time_per_item(single_items, || {
        for call in calls.iter().cycle().take(single_items) {
            let out = set.transform_batch(std::slice::from_ref(call));
            assert!(out[0].is_ok());
        }
    });

    println!("jira_priority_to_number, per item ({items} items, WASM batches of {batch_size})");
    println!("  native function:           {:>10.1} ns", native);
    println!("  native with engine values: {:>10.1} ns", native_values);
    println!("  WASM, batched:             {:>10.1} ns", wasm_batched);
    println!("  WASM, one item per call:   {:>10.1} ns", wasm_single);
    println!(
        "  WASM batched / native function ratio: {:.1}x",
        wasm_batched / native
    );
    println!(
        "  WASM batched / native with values ratio: {:.1}x",
        wasm_batched / native_values
    );
    println!(
        "  one-per-call / batched ratio: {:.1}x",
        wasm_single / wasm_batched
    );
}

fn time_per_item(items: usize, mut run: impl FnMut()) -> f64 {
    run(); // warm up
    let mut runs: Vec<Duration> = (0..3)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    median(&mut runs).as_nanos() as f64 / items as f64
}

fn median(runs: &mut [Duration]) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
