//! Plugins per language: for a Rust, a Python (componentize-py) and a JavaScript
//! (componentize-js) transformer and resolver, prints the .wasm size, the cold load (empty
//! cache, with the default cold compiler: Winch for big components), the warm load (cache
//! hit, median of 5), the load after `plugins precompile` put optimised code in the cache,
//! and the per-item cost over 5,000 items through the host's plugin call path
//! (`PluginSet` as the engine calls it: a transformer per item for transformers, a resolver
//! per conflict for resolvers, in calls of the default batch size), on baseline and on
//! optimised code.
//!
//! With `PMSYNC_BENCH_COMPILERS=1` it also prints the cold compile of each component by
//! each wasmtime configuration compared for the cold start (Cranelift as the host sets it
//! up, Cranelift at opt level `none`, Cranelift on one thread, Winch, Winch on one thread);
//! Cranelift takes tens of seconds per big component, hence opt-in.
//!
//! The components: the first-party `plugins/example-transforms` (Rust transformer),
//! `plugins/priority-resolver` (Rust resolver), `plugins/label-normalizer` (Python
//! transformer) and `plugins/workflow-resolver` (JavaScript resolver), built by
//! `make plugins`. `PMSYNC_BENCH_PLUGIN_DIRS` replaces them: `LANG=DIR` pairs separated by
//! commas, e.g. `python=/tmp/pyplug/py-shout,javascript=/tmp/jsplug/js-longest`.
//!
//! Run with `make bench` (or `cargo bench -p pmsync-host --bench plugin_languages`).

use pmsync_host::core::plugins::{
    CustomResolvers, CustomTransforms, FieldConflict, ResolveCall, TransformCall, TransformContext,
};
use pmsync_host::core::{Item, Value};
use pmsync_host::plugin::{
    CacheSetting, ColdCompile, Compiler, Grants, PluginInfo, PluginKind, PluginRuntime, PluginSet,
    RuntimeOptions,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Items (transformers) or conflicts (resolvers) in the measured sync.
const ITEMS: usize = 5_000;

/// The component set: language, kind, first-party folder.
const COMPONENTS: [(&str, &str, &str); 4] = [
    ("rust", "transformer", "plugins/example-transforms"),
    ("rust", "resolver", "plugins/priority-resolver"),
    ("python", "transformer", "plugins/label-normalizer"),
    ("javascript", "resolver", "plugins/workflow-resolver"),
];

const TEXTS: [&str; 6] = ["Critical", "High", "Medium", "Low", "In Progress", "Done"];

fn fail(message: &str) -> ! {
    eprintln!("plugin_languages bench: {message}");
    std::process::exit(1)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The plugin folders to measure: the first-party ones, or the override's.
fn folders() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut overrides = BTreeMap::new();
    if let Ok(text) = std::env::var("PMSYNC_BENCH_PLUGIN_DIRS") {
        for pair in text.split(',').filter(|p| !p.trim().is_empty()) {
            let Some((lang, dir)) = pair.split_once('=') else {
                fail(&format!(
                    "PMSYNC_BENCH_PLUGIN_DIRS: `{pair}` is not LANG=DIR (LANG: rust, python, javascript)"
                ));
            };
            overrides
                .entry(lang.trim().to_string())
                .or_insert_with(Vec::new)
                .push(PathBuf::from(dir.trim()));
        }
    }
    let mut out = Vec::new();
    for lang in ["rust", "python", "javascript"] {
        if let Some(dirs) = overrides.remove(lang) {
            out.extend(dirs.into_iter().map(|d| (lang.to_string(), d)));
            continue;
        }
        for (l, kind, dir) in COMPONENTS.iter().filter(|c| c.0 == lang) {
            let dir = root.join(dir);
            if !dir.join("plugin.toml").is_file() {
                fail(&format!(
                    "the first-party {l} {kind} {} is missing (merge it, or point PMSYNC_BENCH_PLUGIN_DIRS at one)",
                    dir.display()
                ));
            }
            out.push((l.to_string(), dir));
        }
    }
    if let Some(lang) = overrides.keys().next() {
        fail(&format!(
            "PMSYNC_BENCH_PLUGIN_DIRS: unknown language `{lang}` (rust, python, javascript)"
        ));
    }
    out
}

/// The cold compiler measured: `PMSYNC_BENCH_COLD_COMPILER` (auto, cranelift, winch), auto
/// by default.
fn cold_compiler() -> ColdCompile {
    match std::env::var("PMSYNC_BENCH_COLD_COMPILER").as_deref() {
        Err(_) | Ok("auto") => ColdCompile::Auto,
        Ok("cranelift") => ColdCompile::Cranelift,
        Ok("winch") => ColdCompile::Winch,
        Ok(other) => fail(&format!(
            "PMSYNC_BENCH_COLD_COMPILER={other:?}: expected auto, cranelift or winch"
        )),
    }
}

fn runtime(cache: &Path, cold: ColdCompile) -> PluginRuntime {
    PluginRuntime::new(RuntimeOptions {
        cache: CacheSetting::Dir(cache.to_path_buf()),
        cold,
    })
    .unwrap_or_else(|e| fail(&format!("plugin runtime: {e}")))
}

/// Loads the one plugin in `dir`, failing the bench with the reason if it does not load.
fn load(runtime: &PluginRuntime, dir: &Path) -> (PluginSet, PluginInfo, Duration) {
    let report = runtime.load_dir(dir, &Grants::default());
    if let Some(error) = report.errors.first() {
        let hint = if error.reason.contains("missing") {
            " (build it with `make plugins`)"
        } else {
            ""
        };
        fail(&format!("{} does not load: {error}{hint}", dir.display()));
    }
    let info = report
        .plugins
        .inventory()
        .into_iter()
        .next()
        .unwrap_or_else(|| {
            fail(&format!("no plugin in {}", dir.display()));
        });
    (report.plugins, info, report.elapsed)
}

fn item(key: &str, priority: i64, status: &str, title: &str) -> Item {
    let mut fields = BTreeMap::new();
    fields.insert("priority".to_string(), Value::Integer(priority));
    fields.insert("status".to_string(), Value::Text(status.to_string()));
    fields.insert("title".to_string(), Value::Text(title.to_string()));
    Item {
        id: key.to_string(),
        key: key.to_string(),
        url: format!("https://example.invalid/{key}"),
        updated_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
        fields,
    }
}

/// Time per item of `ITEMS` items through the plugin, in calls of the set's batch size
/// (`PMSYNC_BENCH_BATCH` to change it).
fn per_item(set: &PluginSet, info: &PluginInfo) -> Result<Duration, String> {
    let set = &match std::env::var("PMSYNC_BENCH_BATCH").map(|b| b.parse::<u32>()) {
        Err(_) => set.clone(),
        Ok(Ok(size)) => set.with_batch_size(size),
        Ok(Err(e)) => fail(&format!("PMSYNC_BENCH_BATCH: {e}")),
    };
    let batch = set.batch_size();
    let started = Instant::now();
    match info.kind {
        PluginKind::Transformer => {
            let name = info
                .provides
                .transforms
                .first()
                .cloned()
                .unwrap_or_else(|| {
                    fail(&format!("{} provides no transform", info.name));
                });
            let calls: Vec<TransformCall> = (0..ITEMS)
                .map(|i| TransformCall {
                    name: name.clone(),
                    value: Value::Text(TEXTS[i % TEXTS.len()].to_string()),
                    context: TransformContext {
                        field: "priority → priority".into(),
                        source_platform: "jira".into(),
                        target_platform: "linear".into(),
                        item_key: format!("PROJ-{i}"),
                    },
                })
                .collect();
            for (n, chunk) in calls.chunks(batch).enumerate() {
                for (i, result) in set.transform_batch(chunk).into_iter().enumerate() {
                    if let Err(e) = result {
                        return Err(format!(
                            "{} failed item {} ({:?}): {e}",
                            info.name,
                            n * batch + i,
                            chunk[i].value
                        ));
                    }
                }
            }
        }
        PluginKind::Resolver => {
            let name = info.provides.resolver.clone().unwrap_or_else(|| {
                fail(&format!("{} provides no resolver", info.name));
            });
            let calls: Vec<ResolveCall> = (0..ITEMS)
                .map(|i| {
                    let source_title = TEXTS[i % TEXTS.len()];
                    let target_title = TEXTS[(i + 1) % TEXTS.len()];
                    ResolveCall {
                        resolver: name.clone(),
                        source: item(
                            &format!("PROJ-{i}"),
                            (i % 4) as i64,
                            "In Progress",
                            source_title,
                        ),
                        target: item(&format!("#{i}"), ((i + 1) % 4) as i64, "Done", target_title),
                        conflicts: vec![FieldConflict {
                            field: "title".into(),
                            source: Value::Text(source_title.into()),
                            target: Value::Text(target_title.into()),
                            base: Some(Value::Text("base".into())),
                        }],
                    }
                })
                .collect();
            for chunk in calls.chunks(batch) {
                for result in set.resolve_batch(chunk) {
                    if let Err(e) = result {
                        return Err(format!("{} failed a conflict: {e}", info.name));
                    }
                }
            }
        }
        PluginKind::Connector => fail(&format!(
            "{} is a connector; this bench measures transformers and resolvers",
            info.name
        )),
    }
    Ok(started.elapsed() / ITEMS as u32)
}

fn micros(per_item: &Result<Duration, String>) -> String {
    match per_item {
        Ok(d) => format!("{:.2}", d.as_secs_f64() * 1e6),
        Err(_) => "failed".to_string(),
    }
}

fn median(runs: &mut [Duration]) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// One component measured.
struct Row {
    lang: String,
    name: String,
    kind: PluginKind,
    wasm_mb: f64,
    cold: Duration,
    cold_compiler: Compiler,
    warm: Duration,
    upgrade: Duration,
    optimised_warm: Duration,
    item_baseline: Result<Duration, String>,
    item_optimised: Result<Duration, String>,
}

fn measure(lang: &str, dir: &Path) -> Row {
    let cache = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("temp dir: {e}")));
    let (_, cold_info, cold) = load(&runtime(cache.path(), cold_compiler()), dir);
    let wasm_mb = std::fs::metadata(&cold_info.component)
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", cold_info.component.display())));
    let mut warm_runs = Vec::new();
    let mut warm_set = None;
    for _ in 0..5 {
        let (set, info, took) = load(&runtime(cache.path(), cold_compiler()), dir);
        if info.compiler != cold_info.compiler {
            fail(&format!("{}: a warm load changed compiler", info.name));
        }
        warm_runs.push(took);
        warm_set = Some((set, info));
    }
    let warm = median(&mut warm_runs);
    let (set, info) = warm_set.unwrap_or_else(|| fail("no warm load"));
    let item_first = per_item(&set, &info);

    let upgrader = runtime(cache.path(), ColdCompile::Auto);
    let started = Instant::now();
    upgrader.upgrade(std::slice::from_ref(&info), |_, _| {});
    let upgrade = started.elapsed();
    let mut optimised_runs = Vec::new();
    let mut optimised = None;
    for _ in 0..5 {
        let (set, info, took) = load(&runtime(cache.path(), ColdCompile::Auto), dir);
        if info.compiler != Compiler::Cranelift {
            fail(&format!(
                "{}: still {} after the upgrade",
                info.name, info.compiler
            ));
        }
        optimised_runs.push(took);
        optimised = Some((set, info));
    }
    let optimised_warm = median(&mut optimised_runs);
    let (set, info) = optimised.unwrap_or_else(|| fail("no optimised load"));
    let item_optimised = per_item(&set, &info);
    Row {
        lang: lang.to_string(),
        name: info.name,
        kind: info.kind,
        wasm_mb,
        cold,
        cold_compiler: cold_info.compiler,
        warm,
        upgrade,
        optimised_warm,
        item_baseline: item_first,
        item_optimised,
    }
}

/// The cold compile of `bytes` by each wasmtime configuration compared.
fn compare_compilers(name: &str, bytes: &[u8]) {
    use wasmtime::{Config, Engine, OptLevel, Strategy};
    let configs: [(&str, Strategy, OptLevel, bool); 5] = [
        (
            "cranelift (as the host)",
            Strategy::Cranelift,
            OptLevel::Speed,
            true,
        ),
        (
            "cranelift, opt level none",
            Strategy::Cranelift,
            OptLevel::None,
            true,
        ),
        (
            "cranelift, one thread",
            Strategy::Cranelift,
            OptLevel::Speed,
            false,
        ),
        ("winch", Strategy::Winch, OptLevel::Speed, true),
        ("winch, one thread", Strategy::Winch, OptLevel::Speed, false),
    ];
    for (label, strategy, opt, parallel) in configs {
        let mut config = Config::new();
        config
            .strategy(strategy)
            .cranelift_opt_level(opt)
            .parallel_compilation(parallel)
            .wasm_component_model(true)
            .consume_fuel(true)
            .epoch_interruption(true);
        let engine = Engine::new(&config).unwrap_or_else(|e| fail(&format!("{label}: {e}")));
        let started = Instant::now();
        let compiled = wasmtime::component::Component::new(&engine, bytes);
        let took = started.elapsed();
        match compiled {
            Ok(_) => println!("  {name:<22} {label:<28} {:>9.2} s", took.as_secs_f64()),
            Err(e) => println!("  {name:<22} {label:<28} failed: {e}"),
        }
    }
}

fn main() {
    let folders = folders();
    println!(
        "plugins per language ({} cores): cold = empty cache, default cold compiler; warm = cache hit (median of 5);",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "optimised = after `plugins precompile`; per item = {ITEMS} items (transformer) or conflicts (resolver)"
    );
    let rows: Vec<Row> = folders
        .iter()
        .map(|(lang, dir)| measure(lang, dir))
        .collect();
    println!(
        "{:<11} {:<20} {:<11} {:>8} {:>10} {:>9} {:>9} {:>12} {:>10} {:>11} {:>11}",
        "language",
        "plugin",
        "kind",
        "wasm MB",
        "cold ms",
        "compiler",
        "warm ms",
        "upgrade ms",
        "opt. ms",
        "item µs",
        "opt. item µs"
    );
    for r in &rows {
        println!(
            "{:<11} {:<20} {:<11} {:>8.2} {:>10.0} {:>9} {:>9.1} {:>12.0} {:>10.1} {:>11} {:>11}",
            r.lang,
            r.name,
            r.kind.to_string(),
            r.wasm_mb,
            ms(r.cold),
            r.cold_compiler.label(),
            ms(r.warm),
            ms(r.upgrade),
            ms(r.optimised_warm),
            micros(&r.item_baseline),
            micros(&r.item_optimised),
        );
    }
    if std::env::var("PMSYNC_BENCH_COMPILERS").is_ok_and(|v| v == "1") {
        println!("cold compile per wasmtime configuration (Component::new, no cache)");
        for (_, dir) in &folders {
            let cache = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("temp dir: {e}")));
            let (_, info, _) = load(&runtime(cache.path(), ColdCompile::Winch), dir);
            let bytes = std::fs::read(&info.component)
                .unwrap_or_else(|e| fail(&format!("{}: {e}", info.component.display())));
            compare_compilers(&info.name, &bytes);
        }
    }
    for r in &rows {
        if let Err(e) = r.item_baseline.as_ref().and(r.item_optimised.as_ref()) {
            println!("  per item of {}: failed: {e}", r.name);
        }
    }
    if rows
        .iter()
        .any(|r| r.item_baseline.is_err() || r.item_optimised.is_err())
    {
        fail("a plugin failed items; its per-item cost is not measured");
    }
}
