//! Cold start of big components (issue 11, item 8): a component not in the cache compiles
//! with Winch (the baseline compiler) when it is big or the operator asks for it, its
//! baseline entry is hit warm, `plugins precompile` upgrades it to optimised Cranelift code
//! that later loads prefer, and fuel and epoch deadlines stop a runaway plugin on Winch code
//! as on Cranelift code.

use pmsync_core::plugins::{CustomTransforms, TransformCall, TransformContext};
use pmsync_core::{ItemError, Value};
use pmsync_host::plugin::{
    BASELINE_FROM_BYTES, CacheOutcome, CacheSetting, ColdCompile, Compiler, Grants, LimitCaps,
    PluginGrant, PluginRuntime, PluginSet, RuntimeOptions, UpgradeOutcome,
};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pmsync-host");

/// The hostile test plugin (an `upper` that works, a `spin` that never returns), copied to
/// `dir/hostile`; fails clearly when it was not built.
fn hostile_copy(dir: &Path) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/plugins/hostile");
    assert!(
        from.join("hostile.wasm").is_file(),
        "{} is missing: run `make plugins` (scripts/build-plugins.sh) first",
        from.join("hostile.wasm").display()
    );
    crate::support::copy_plugin_folder(&from, dir.join("hostile"), |m| m)
}

/// Appends a custom section of `bytes` bytes to the component (valid anywhere in a
/// component), making it as big as a componentize-py build without changing what it does.
fn pad_component(wasm: &Path, bytes: usize) {
    let mut component = std::fs::read(wasm).unwrap();
    let name = b"pmsync-test-padding";
    let mut body = leb128(name.len());
    body.extend_from_slice(name);
    body.resize(body.len() + bytes, 0);
    component.push(0);
    component.extend(leb128(body.len()));
    component.extend(body);
    std::fs::write(wasm, component).unwrap();
}

fn leb128(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

fn runtime(cache: &Path, cold: ColdCompile) -> PluginRuntime {
    PluginRuntime::new(RuntimeOptions {
        cache: CacheSetting::Dir(cache.to_path_buf()),
        cold,
    })
    .unwrap()
}

fn transform(set: &PluginSet, name: &str) -> Result<Value, ItemError> {
    let call = TransformCall {
        name: name.into(),
        value: Value::Text("still alive".into()),
        context: TransformContext {
            field: "title → title".into(),
            source_platform: "jira".into(),
            target_platform: "github".into(),
            item_key: "PROJ-1".into(),
        },
    };
    set.transform_batch(&[call]).remove(0)
}

fn assert_upper_works(set: &PluginSet) {
    assert_eq!(
        transform(set, "upper"),
        Ok(Value::Text("STILL ALIVE".into()))
    );
}

#[test]
fn a_component_of_4_mib_loads_from_winch_code_by_default_and_a_small_one_from_cranelift() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let small = hostile_copy(dir.path());
    let report = runtime(cache.path(), ColdCompile::Auto).load_dir(&small, &Grants::default());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.plugins.inventory()[0].compiler, Compiler::Cranelift);

    pad_component(&small.join("hostile.wasm"), BASELINE_FROM_BYTES);
    let report = runtime(cache.path(), ColdCompile::Auto).load_dir(&small, &Grants::default());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let info = &report.plugins.inventory()[0];
    assert_eq!(info.compiler, Compiler::Winch);
    assert_eq!(info.cache, CacheOutcome::Miss);
    assert_upper_works(&report.plugins);
}

#[test]
fn a_winch_entry_is_hit_warm_and_precompile_upgrades_it_to_cranelift() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let folder = hostile_copy(dir.path());

    let cold = runtime(cache.path(), ColdCompile::Winch).load_dir(&folder, &Grants::default());
    assert!(cold.errors.is_empty(), "{:?}", cold.errors);
    let cold_info = cold.plugins.inventory().remove(0);
    assert_eq!(
        (cold_info.cache.clone(), cold_info.compiler),
        (CacheOutcome::Miss, Compiler::Winch)
    );

    let warm_runtime = runtime(cache.path(), ColdCompile::Winch);
    let warm = warm_runtime.load_dir(&folder, &Grants::default());
    let warm_info = warm.plugins.inventory().remove(0);
    assert_eq!(
        (warm_info.cache.clone(), warm_info.compiler),
        (CacheOutcome::Hit, Compiler::Winch)
    );
    assert_eq!(warm_info.cache_key, cold_info.cache_key);
    assert_upper_works(&warm.plugins);

    let upgrades = warm_runtime.upgrade(std::slice::from_ref(&warm_info), |_, _| {});
    assert_eq!(upgrades.len(), 1);
    assert!(
        matches!(upgrades[0].outcome, UpgradeOutcome::Optimised { .. }),
        "{upgrades:?}"
    );

    // Optimised code is preferred from now on, whatever compiles cold.
    for cold in [
        ColdCompile::Winch,
        ColdCompile::Auto,
        ColdCompile::Cranelift,
    ] {
        let after = runtime(cache.path(), cold).load_dir(&folder, &Grants::default());
        let info = after.plugins.inventory().remove(0);
        assert_eq!(
            (info.cache.clone(), info.compiler),
            (CacheOutcome::Hit, Compiler::Cranelift),
            "with cold compiler {cold:?}"
        );
        assert_ne!(info.cache_key, cold_info.cache_key);
        assert!(PluginRuntime::needs_upgrade(&[info]).is_empty());
        assert_upper_works(&after.plugins);
    }
}

#[test]
fn winch_code_stops_an_infinite_loop_at_its_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let folder = hostile_copy(dir.path());
    let report = runtime(cache.path(), ColdCompile::Winch).load_dir(&folder, &Grants::default());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.plugins.inventory()[0].compiler, Compiler::Winch);
    let started = Instant::now();
    let result = transform(&report.plugins, "spin");
    let elapsed = started.elapsed();
    match result {
        Err(ItemError::Plugin(message)) => {
            assert!(message.contains("deadline of 500 ms exceeded"), "{message}")
        }
        other => panic!("the loop was not stopped by its deadline: {other:?}"),
    }
    assert!(
        elapsed >= Duration::from_millis(450) && elapsed < Duration::from_secs(5),
        "deadline not enforced on winch code: {elapsed:?}"
    );
    assert_upper_works(&report.plugins);
}

#[test]
fn winch_code_stops_a_loop_when_its_fuel_runs_out() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let folder = hostile_copy(dir.path());
    let mut grants = Grants::default();
    grants.plugins.insert(
        "hostile".into(),
        PluginGrant {
            limits: LimitCaps {
                fuel: Some(5_000_000),
                ..LimitCaps::default()
            },
            ..PluginGrant::default()
        },
    );
    let report = runtime(cache.path(), ColdCompile::Winch).load_dir(&folder, &grants);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.plugins.inventory()[0].compiler, Compiler::Winch);
    match transform(&report.plugins, "spin") {
        Err(ItemError::Plugin(message)) => assert!(
            message.contains("plugin hostile 0.1.0, transform-batch: fuel of 5000000 exhausted"),
            "{message}"
        ),
        other => panic!("the loop was not stopped by its fuel: {other:?}"),
    }
    assert_upper_works(&report.plugins);
}

fn pmsync(home: &Path, cache: &Path, plugins: &Path, args: &[&str]) -> (String, bool) {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .current_dir(home)
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env("PMSYNC_CACHE_DIR", cache)
        .env("PMSYNC_PLUGINS", plugins)
        .args(args)
        .stdin(Stdio::null());
    let output = command.output().expect("pmsync-host runs");
    assert!(
        output.stderr.len() < 10_000,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        output.status.success(),
    )
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn plugins_list_shows_the_compiler_and_plugins_precompile_upgrades_baseline_code() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let plugins = dir.path().join("plugins");
    hostile_copy(&plugins);
    let home = dir.path();

    let (out, ok) = pmsync(
        home,
        &cache,
        &plugins,
        &["plugins", "list", "--cold-compiler", "winch", "--json"],
    );
    assert!(ok, "{out}");
    let listed = json(&out);
    assert_eq!(listed["plugins"][0]["compiler"], "winch", "{out}");
    assert_eq!(listed["plugins"][0]["cache"]["status"], "miss", "{out}");
    assert!(listed["plugins"][0]["load_ms"].as_f64().is_some(), "{out}");

    let (out, ok) = pmsync(
        home,
        &cache,
        &plugins,
        &[
            "plugins",
            "precompile",
            "--cold-compiler",
            "winch",
            "--json",
        ],
    );
    assert!(ok, "{out}");
    let precompiled = json(&out);
    assert_eq!(precompiled["upgrades"][0]["plugin"], "hostile", "{out}");
    assert_eq!(precompiled["upgrades"][0]["status"], "optimised", "{out}");

    let (out, ok) = pmsync(home, &cache, &plugins, &["plugins", "list"]);
    assert!(ok, "{out}");
    let row = out
        .lines()
        .find(|l| l.starts_with("hostile"))
        .unwrap_or_else(|| panic!("no hostile row: {out}"));
    assert!(row.contains(" hit ") && row.contains("cranelift"), "{out}");

    let (out, ok) = pmsync(home, &cache, &plugins, &["plugins", "precompile"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("0 upgraded from baseline (winch) code"),
        "{out}"
    );

    let (out, ok) = pmsync(home, &cache, &plugins, &["plugins", "inspect", "hostile"]);
    assert!(ok, "{out}");
    assert!(out.contains("compiler:   cranelift (optimised)"), "{out}");
}
