//! Python plugin benchmark: the first-party `label-normalizer` (componentize-py) against the
//! Rust `example-transforms`: component size, cold load (compile, empty cache), warm load
//! (cache hit) and per-item cost of a transform in batches of 50 over 5,000 items (a sync's
//! batch size and item count). Prints the figures of one run.
//!
//! Run with `make bench` (or `cargo bench -p pmsync-host --bench python_plugin` after
//! `make plugins`).

use pmsync_core::Value;
use pmsync_core::plugins::{CustomTransforms, TransformCall, TransformContext};
use pmsync_host::plugin::{Grants, PluginGrant, PluginRuntime, PluginSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ITEMS: usize = 5_000;
const BATCH: usize = 50;
/// A large batch, to separate the per-call cost (a fresh instance per call) from the per-item.
const BIG_BATCH: usize = 1_000;
const LABELS: [&str; 6] = [
    "Frontend",
    "needs review",
    "Bug_Fix",
    "backend",
    "UI",
    "docs",
];

struct Measured {
    size: u64,
    cold: Duration,
    warm: Duration,
    per_item_ns: f64,
    per_item_big_batch_ns: f64,
}

fn main() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = measure(
        &workspace.join("plugins/label-normalizer"),
        "label_normalizer.wasm",
        "normalize_labels",
        |i| {
            Value::TextList(vec![
                LABELS[i % LABELS.len()].into(),
                LABELS[(i + 1) % LABELS.len()].into(),
            ])
        },
    );
    let rust = measure(
        &workspace.join("plugins/example-transforms"),
        "example_transforms.wasm",
        "jira_priority_to_number",
        |i| Value::Text(["Critical", "High", "Medium", "Low"][i % 4].into()),
    );
    println!("one transformer plugin, {ITEMS} items in batches of {BATCH}");
    println!("                      {:>14} {:>14}", "Python", "Rust");
    println!(
        "  .wasm size          {:>11.1} MB {:>11.2} MB",
        python.size as f64 / 1e6,
        rust.size as f64 / 1e6
    );
    println!(
        "  cold load           {:>12.2} s {:>12.2} s",
        python.cold.as_secs_f64(),
        rust.cold.as_secs_f64()
    );
    println!(
        "  warm load           {:>11.1} ms {:>11.1} ms",
        ms(python.warm),
        ms(rust.warm)
    );
    println!(
        "  per item            {:>11.1} µs {:>11.1} µs",
        python.per_item_ns / 1e3,
        rust.per_item_ns / 1e3
    );
    println!(
        "  per item, batches of {BIG_BATCH} {:>8.1} µs {:>11.1} µs",
        python.per_item_big_batch_ns / 1e3,
        rust.per_item_big_batch_ns / 1e3
    );
    println!(
        "  Python / Rust: {:.0}x size, {:.0}x cold load, {:.0}x warm load, {:.0}x per item",
        python.size as f64 / rust.size as f64,
        python.cold.as_secs_f64() / rust.cold.as_secs_f64(),
        python.warm.as_secs_f64() / rust.warm.as_secs_f64(),
        python.per_item_ns / rust.per_item_ns
    );
}

/// Loads the one plugin in `folder` cold and warm, then times `name` over [`ITEMS`] values.
fn measure(folder: &Path, component: &str, name: &str, value: impl Fn(usize) -> Value) -> Measured {
    let size = std::fs::metadata(folder.join(component))
        .unwrap_or_else(|e| panic!("{}: {e} (run `make plugins`)", folder.display()))
        .len();
    let dir = tempfile::tempdir().expect("temp dir");
    let plugins = only(folder, dir.path());
    let cache = dir.path().join("cache");
    let mut grants = Grants::default();
    let plugin = folder
        .file_name()
        .expect("folder name")
        .to_string_lossy()
        .to_string();
    grants.plugins.insert(
        plugin,
        PluginGrant {
            settings: [("aliases".to_string(), r#"{"frontend":"ui"}"#.to_string())].into(),
            ..PluginGrant::default()
        },
    );
    let (cold, _) = load(&plugins, &cache, &grants);
    let mut warm_runs: Vec<Duration> = (0..5).map(|_| load(&plugins, &cache, &grants).0).collect();
    let warm = median(&mut warm_runs);
    let (_, set) = load(&plugins, &cache, &grants);

    let context = TransformContext {
        field: "labels → labels".into(),
        source_platform: "jira".into(),
        target_platform: "github".into(),
        item_key: "PROJ-1".into(),
    };
    let calls: Vec<TransformCall> = (0..ITEMS)
        .map(|i| TransformCall {
            name: name.into(),
            value: value(i),
            context: context.clone(),
        })
        .collect();
    let time = |batch: usize| {
        let run = || {
            for chunk in calls.chunks(batch) {
                let out = set.transform_batch(chunk);
                assert!(out.iter().all(|r| r.is_ok()), "{name}: {:?}", out.first());
            }
        };
        run(); // warm up
        let mut runs: Vec<Duration> = (0..3)
            .map(|_| {
                let started = Instant::now();
                run();
                started.elapsed()
            })
            .collect();
        median(&mut runs).as_nanos() as f64 / ITEMS as f64
    };
    let per_item_ns = time(BATCH);
    let per_item_big_batch_ns = time(BIG_BATCH);
    Measured {
        size,
        cold,
        warm,
        per_item_ns,
        per_item_big_batch_ns,
    }
}

/// A plugins folder holding only `folder` (a link to it).
fn only(folder: &Path, dir: &Path) -> PathBuf {
    let plugins = dir.join("plugins");
    std::fs::create_dir_all(&plugins).expect("plugins folder");
    let name = folder.file_name().expect("folder name");
    std::os::unix::fs::symlink(folder, plugins.join(name)).expect("link the plugin");
    plugins
}

fn load(plugins: &Path, cache: &Path, grants: &Grants) -> (Duration, PluginSet) {
    let runtime = PluginRuntime::with_cache_dir(cache.to_path_buf()).expect("runtime");
    let report = runtime.load_dir(plugins, grants);
    assert!(
        report.errors.is_empty(),
        "{} failed to load (run `make plugins`): {:?}",
        plugins.display(),
        report.errors
    );
    (report.elapsed, report.plugins)
}

fn median(runs: &mut [Duration]) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
