//! The host against hostile or broken plugins (issue 9): test plugins under `tests/plugins/`
//! written straight against the WIT that paginate forever, answer pages far larger than asked,
//! list malformed and duplicate items, ship unreadable component files, pose as another
//! plugin, answer conflicts with the wrong type, flood the log, return huge errors, provide
//! 6,000 transforms, import what the host does not provide, or burn their fuel. Every test
//! bounds how long the host takes and, where memory is at stake, the peak memory of a child
//! `pmsync-host`, and checks that the message names the plugin and that the other plugins
//! and items keep working.

use pmsync_core::config::{FieldType, Strategy, SyncConfig};
use pmsync_core::plugins::{CustomTransforms, TransformCall, TransformContext};
use pmsync_core::{ItemError, Side, Value};
use pmsync_host::engine::{ItemAction, RunOptions, RunReport, Runner, SyncContext};
use pmsync_host::http::{HttpClient, HttpFailure, InboundResponse, OutboundRequest};
use pmsync_host::plugin::{Grants, LimitCaps, PluginGrant, PluginRuntime, PluginSet};
use pmsync_host::store::Store;
use pmsync_host::testing::{IdentityConverter, MemoryConnector, sync_config};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pmsync-host");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// A built plugin folder (`plugins/NAME` or `tests/plugins/NAME`); fails clearly when its
/// component was not built.
fn plugin_folder(relative: &str) -> PathBuf {
    let folder = workspace().join(relative);
    let manifest = std::fs::read_to_string(folder.join("plugin.toml")).expect("plugin manifest");
    let component = manifest
        .lines()
        .find_map(|l| l.strip_prefix("component = "))
        .map(|c| c.trim().trim_matches('"').to_string())
        .expect("manifest names its component");
    assert!(
        folder.join(&component).is_file(),
        "{} is missing: run `make plugins` (scripts/build-plugins.sh) first",
        folder.join(&component).display()
    );
    folder
}

/// Copies the plugin folder `relative` to `dir/as_folder`, rewriting its manifest.
fn copy_plugin(
    relative: &str,
    dir: &Path,
    as_folder: &str,
    edit: impl Fn(String) -> String,
) -> PathBuf {
    let from = plugin_folder(relative);
    let to = dir.join(as_folder);
    crate::support::copy_plugin_folder(&from, to, edit)
}

/// One compiled-component cache for the whole module, so each component compiles once.
fn cache_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

fn runtime() -> PluginRuntime {
    PluginRuntime::with_cache_dir(cache_dir()).unwrap()
}

fn load(path: &Path, grants: &Grants) -> (PluginSet, Vec<String>) {
    let report = runtime().load_dir(path, grants);
    let errors = report.errors.iter().map(|e| e.to_string()).collect();
    (report.plugins, errors)
}

/// The HTTP client of connectors that never use the network.
struct Offline;

impl HttpClient for Offline {
    fn send(&self, _request: OutboundRequest) -> Result<InboundResponse, HttpFailure> {
        Err(HttpFailure::Denied("these tests have no network".into()))
    }
}

fn settings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// A child `pmsync-host`, timed, with its peak resident memory.

struct Measured {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    peak_rss_mib: u64,
}

/// Runs `pmsync-host ARGS` in `dir`, killing it after `limit`; returns its exit code,
/// output, wall time and peak RSS.
// The child is reaped by `waitpid` below (to read its memory until it exits), not `wait`.
#[allow(clippy::zombie_processes)]
fn run_measured(dir: &Path, args: &[&str], limit: Duration) -> Measured {
    let out_path = dir.join("stdout.txt");
    let err_path = dir.join("stderr.txt");
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("pmsync-host starts");
    let pid = child.id() as libc::pid_t;
    let started = Instant::now();
    // The kernel's high-water mark of the child's resident memory (`VmHWM`, reset at exec,
    // so the test process's own memory does not count), read until the child exits.
    let status_file = format!("/proc/{pid}/status");
    let mut peak_kib: u64 = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        let mut status = 0;
        // SAFETY: `pid` is our own child, not yet reaped; the pointer is valid.
        let reaped = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if reaped == pid {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "pmsync-host {args:?} still running after {limit:?}; stderr: {}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = started.elapsed();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    Measured {
        code,
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
        elapsed,
        peak_rss_mib: peak_kib / 1024,
    }
}

/// Prints a test's figures (shown with `--nocapture`; collected for the report).
fn figure(test: &str, m: &Measured) {
    eprintln!(
        "[figures] {test}: exit {}, {:.2} s, peak RSS {} MiB",
        m.code,
        m.elapsed.as_secs_f64(),
        m.peak_rss_mib
    );
}

/// A plugins folder holding a copy of the hostile connector.
fn hostile_connector_dir(dir: &Path) -> PathBuf {
    let plugins = dir.join("plugins");
    copy_plugin(
        "tests/plugins/hostile-connector",
        &plugins,
        "hostile-connector",
        |m| m,
    );
    plugins
}

/// A config with a sync from a `mode` hostile connector, and a sync between two that behave.
fn config_with_a_hostile_source(dir: &Path, mode: &str) -> PathBuf {
    let text = format!(
        "platforms:
  hostile_source: {{ connector: hostile, settings: {{ mode: {mode} }} }}
  calm_a: {{ connector: hostile, settings: {{ mode: normal, side: a }} }}
  calm_b: {{ connector: hostile, settings: {{ mode: normal, side: b }} }}
syncs:
  - name: hostile-sync
    source_platform: hostile_source
    target_platform: calm_b
    direction: source_to_target
    field_mappings: [ {{ source_field: title, target_field: title }} ]
  - name: calm-sync
    source_platform: calm_a
    target_platform: calm_b
    direction: source_to_target
    field_mappings: [ {{ source_field: title, target_field: title }} ]
"
    );
    let path = dir.join("hostile.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `pmsync-host sync --dry-run --json` of `config` with the plugins in `plugins`.
fn dry_run(
    dir: &Path,
    plugins: &Path,
    config: &Path,
    limit: Duration,
) -> (Measured, serde_json::Value) {
    let m = run_measured(
        dir,
        &[
            "sync",
            "--plugins",
            &plugins.display().to_string(),
            "--state",
            &dir.join("state.db").display().to_string(),
            "--cache-dir",
            &cache_dir().display().to_string(),
            "--json",
            "--no-progress",
            "--config",
            &config.display().to_string(),
            "--dry-run",
        ],
        limit,
    );
    let json = serde_json::from_str(&m.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", m.stdout, m.stderr));
    (m, json)
}

/// The report of sync `name` in `sync --json` output.
fn report_of<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .find(|r| r["sync"] == name)
        .unwrap_or_else(|| panic!("no report for {name}: {json}"))
}

fn errors_text(json: &serde_json::Value) -> String {
    json["errors"].to_string()
}

#[test]
fn endless_pagination_stops_at_the_default_bound_naming_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = hostile_connector_dir(dir.path());
    let config = config_with_a_hostile_source(dir.path(), "endless");
    let (m, json) = dry_run(dir.path(), &plugins, &config, Duration::from_secs(120));
    figure("endless pagination (default bound, --dry-run)", &m);
    assert_eq!(m.code, 1, "one sync failed: {}", m.stderr);
    let errors = errors_text(&json);
    assert!(errors.contains("hostile-sync"), "{errors}");
    assert!(
        errors.contains("hostile-connector"),
        "the plugin is named: {errors}"
    );
    assert!(errors.contains("max_pages"), "the bound is named: {errors}");
    let calm = report_of(&json, "calm-sync");
    assert_eq!(
        calm["counts"]["created"], 3,
        "the other sync still plans: {calm}"
    );
    assert!(m.elapsed < Duration::from_secs(90), "{:?}", m.elapsed);
    assert!(m.peak_rss_mib < 768, "peak RSS {} MiB", m.peak_rss_mib);
}

#[test]
fn a_page_far_larger_than_asked_is_refused_naming_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = hostile_connector_dir(dir.path());
    let config = config_with_a_hostile_source(dir.path(), "oversize");
    let (m, json) = dry_run(dir.path(), &plugins, &config, Duration::from_secs(60));
    figure("200,000-item page for a page size of 50 (--dry-run)", &m);
    assert_eq!(m.code, 1, "one sync failed: {}", m.stderr);
    let errors = errors_text(&json);
    assert!(errors.contains("hostile-connector"), "{errors}");
    assert!(errors.contains("200000 items for a page of 50"), "{errors}");
    assert_eq!(report_of(&json, "calm-sync")["counts"]["created"], 3);
    assert!(m.elapsed < Duration::from_secs(30), "{:?}", m.elapsed);
    assert!(m.peak_rss_mib < 768, "peak RSS {} MiB", m.peak_rss_mib);
}

/// `pmsync-host plugins ARGS` against `plugins`.
fn plugins_command(dir: &Path, plugins: &Path, args: &[&str], limit: Duration) -> Measured {
    let mut all = vec!["plugins".to_string()];
    all.extend(args.iter().map(|a| a.to_string()));
    all.extend([
        "--plugins".to_string(),
        plugins.display().to_string(),
        "--cache-dir".to_string(),
        cache_dir().display().to_string(),
    ]);
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    run_measured(dir, &all, limit)
}

#[test]
fn pipes_devices_and_huge_component_files_are_refused_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    copy_plugin("tests/plugins/wrong-merge", &plugins, "wrong-merge", |m| m);
    let bad = |folder: &str| {
        copy_plugin("tests/plugins/wrong-merge", &plugins, folder, |m| {
            m.replace("name = \"wrong-merge\"", &format!("name = \"{folder}\""))
                .replace(
                    "resolver = \"wrong_merge\"",
                    &format!("resolver = \"{folder}_resolver\""),
                )
        })
        .join("wrong_merge.wasm")
    };
    let fifo = bad("fifo");
    std::fs::remove_file(&fifo).unwrap();
    let c_path = std::ffi::CString::new(fifo.display().to_string()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    let zero = bad("zero");
    std::fs::remove_file(&zero).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let sparse = bad("sparse");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(3 << 30)
        .unwrap();

    let m = plugins_command(dir.path(), &plugins, &["list"], Duration::from_secs(30));
    figure(
        "plugins list with a FIFO, /dev/zero and a 3 GiB sparse component",
        &m,
    );
    assert_eq!(m.code, 2, "refusals are bad input: {}", m.stderr);
    assert!(
        m.stdout.contains("wrong-merge"),
        "the good plugin is listed: {}",
        m.stdout
    );
    for (name, why) in [
        ("fifo", "named pipe"),
        ("zero", "a device"),
        ("sparse", "3.0 GiB"),
    ] {
        let line = m
            .stderr
            .lines()
            .find(|l| l.contains(&format!("plugin {name} 0.1.0")))
            .unwrap_or_else(|| panic!("no refusal of {name}: {}", m.stderr));
        assert!(line.contains(why), "{line}");
    }
    assert!(m.elapsed < Duration::from_secs(10), "{:?}", m.elapsed);
    assert!(m.peak_rss_mib < 256, "peak RSS {} MiB", m.peak_rss_mib);
}

#[test]
fn a_plugin_with_six_thousand_transforms_is_listed_on_one_readable_line() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    copy_plugin("tests/plugins/many-names", &plugins, "many-names", |m| m);
    copy_plugin("tests/plugins/wrong-merge", &plugins, "wrong-merge", |m| m);
    let m = plugins_command(dir.path(), &plugins, &["list"], Duration::from_secs(60));
    figure("plugins list with 6,000 transform names", &m);
    assert_eq!(m.code, 0, "{}", m.stderr);
    let row = m
        .stdout
        .lines()
        .find(|l| l.starts_with("many-names"))
        .expect("listed");
    assert!(row.contains("t0000") && row.contains(" more)"), "{row}");
    assert!(row.len() < 200, "{} characters", row.len());
    assert!(
        m.stdout.lines().any(|l| l.starts_with("wrong-merge")),
        "{}",
        m.stdout
    );
    let inspect = plugins_command(
        dir.path(),
        &plugins,
        &["inspect", "many-names"],
        Duration::from_secs(60),
    );
    assert_eq!(inspect.code, 0, "{}", inspect.stderr);
    assert!(inspect.stdout.contains("sha256:"), "{}", inspect.stdout);
}

// ---------------------------------------------------------------------------------------
// Listing, in process: a configured bound, malformed and duplicate items.

/// The hostile connector plugins, loaded once.
fn connector_set() -> &'static PluginSet {
    static SET: OnceLock<PluginSet> = OnceLock::new();
    SET.get_or_init(|| {
        let (set, errors) = load(
            &plugin_folder("tests/plugins/hostile-connector"),
            &Grants::default(),
        );
        assert!(errors.is_empty(), "{errors:?}");
        set
    })
}

fn hostile_source(mode: &str) -> Box<dyn pmsync_host::connector::Connector> {
    connector_set()
        .connector("hostile", settings(&[("mode", mode)]), Arc::new(Offline))
        .unwrap()
}

/// A one-way sync `hostile → memory` of `title`.
fn one_way_sync() -> SyncConfig {
    let mut sync = sync_config("hostile-sync", "hostile", "memory", &[("title", "title")]);
    sync.direction = pmsync_core::config::Direction::SourceToTarget;
    sync
}

fn run_sync(
    sync: &SyncConfig,
    source: &dyn pmsync_host::connector::Connector,
    target: &MemoryConnector,
    store: &mut Store,
    options: RunOptions,
) -> Result<RunReport, pmsync_host::engine::EngineError> {
    Runner::new(SyncContext {
        sync,
        source,
        target,
        converter: &IdentityConverter,
        resolvers: &pmsync_core::plugins::NoCustomResolvers,
    })
    .run(store, &options)
}

/// Runs `f` with warnings and errors captured; returns its result and the captured text.
fn capture_logs<R>(f: impl FnOnce() -> R) -> (R, String) {
    #[derive(Clone)]
    struct Capture(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Capture {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Capture(Arc::new(Mutex::new(Vec::new())));
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let result = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
    (result, text)
}

#[test]
fn a_configured_page_bound_fails_that_side_naming_the_plugin() {
    let mut sync = one_way_sync();
    sync.max_pages = 3;
    let source = hostile_source("endless");
    let target = MemoryConnector::new("memory", "MEM");
    let mut store = Store::in_memory().unwrap();
    let started = Instant::now();
    let error = run_sync(
        &sync,
        source.as_ref(),
        &target,
        &mut store,
        RunOptions::default(),
    )
    .expect_err("the endless side fails")
    .to_string();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(error.contains("plugin hostile-connector"), "{error}");
    assert!(error.contains("more than 3 pages"), "{error}");
    assert!(error.contains("max_pages"), "{error}");
    assert!(target.is_empty(), "nothing was written");
}

#[test]
fn an_item_with_a_malformed_updated_at_fails_alone() {
    let sync = one_way_sync();
    let source = hostile_source("bad_item");
    let target = MemoryConnector::new("memory", "MEM");
    let mut store = Store::in_memory().unwrap();
    let report = run_sync(
        &sync,
        source.as_ref(),
        &target,
        &mut store,
        RunOptions::default(),
    )
    .expect("the run completes");
    assert_eq!(report.counts.created, 2, "{report:?}");
    assert_eq!(report.counts.failed, 1, "{report:?}");
    assert_eq!(target.len(), 2);
    let failed = store.failed_items(Some("hostile-sync")).unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].key, "HOST-2");
    assert!(
        failed[0].error.contains("plugin hostile-connector"),
        "{}",
        failed[0].error
    );
    assert!(
        failed[0].error.contains("updated-at"),
        "{}",
        failed[0].error
    );
    let line = report
        .items
        .iter()
        .find(|i| i.action == ItemAction::Failed)
        .expect("a report line for the failed item");
    assert_eq!(line.source_key, "HOST-2");
}

#[test]
fn duplicate_ids_in_a_page_keep_the_newest_copy_with_a_warning() {
    let sync = one_way_sync();
    let source = hostile_source("duplicates");
    let target = MemoryConnector::new("memory", "MEM");
    let mut store = Store::in_memory().unwrap();
    let options = RunOptions {
        dry_run: true,
        ..RunOptions::default()
    };
    let (report, logs) =
        capture_logs(|| run_sync(&sync, source.as_ref(), &target, &mut store, options));
    let plan = report
        .expect("the run completes")
        .plan
        .expect("a dry run has a plan");
    assert_eq!(plan.creates.len(), 2, "one create per distinct id");
    let first = plan
        .creates
        .iter()
        .find(|c| c.item.key == "HOST-1")
        .expect("HOST-1");
    assert_eq!(
        first.item.field("title"),
        &Value::Text("newest copy".into())
    );
    assert!(logs.contains("hostile-connector"), "{logs}");
    assert!(logs.contains("listed 1 item more than once"), "{logs}");
}

// ---------------------------------------------------------------------------------------
// Impostors and pins.

/// A plugins folder with the first-party `jira` connector and `aa-jira`, a copy under
/// another name that sorts first and also claims platform `jira`.
fn jira_and_impostor(dir: &Path) -> PathBuf {
    let plugins = dir.join("plugins");
    copy_plugin("plugins/jira", &plugins, "jira", |m| m);
    copy_plugin("plugins/jira", &plugins, "aa-jira", |m| {
        m.replace("name = \"jira\"", "name = \"aa-jira\"")
    });
    plugins
}

/// Grants as a config with `pins` gives them (the real path: config → grants → load).
fn grants_from_config(pins: &str, plugins: &Path) -> Grants {
    let text = format!(
        "plugins:
  pins:
{pins}
platforms:
  jira:
    settings: {{ base_url: 'https://acme.atlassian.net' }}
    allow_hosts: ['https://acme.atlassian.net']
    credentials:
      token: {{ type: bearer, token: '${{JIRA_TOKEN}}' }}
syncs: []
"
    );
    let config = pmsync_core::config::load_str(&text, "pins.yaml").expect("config loads");
    let manifests = pmsync_host::plugin::manifests_in(plugins);
    pmsync_host::app::grants_for(&config, &manifests).expect("grants")
}

#[test]
fn a_second_plugin_claiming_jira_is_refused_with_both_names() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = jira_and_impostor(dir.path());
    let (set, errors) = load(&plugins, &Grants::default());
    assert!(
        !set.platforms().contains(&"jira".to_string()),
        "nobody serves jira"
    );
    assert_eq!(errors.len(), 2, "{errors:?}");
    for error in &errors {
        assert!(
            error.contains("plugin aa-jira") && error.contains("plugin jira"),
            "{error}"
        );
        assert!(
            error.contains("platform `jira`") && error.contains("pins"),
            "{error}"
        );
    }
}

#[test]
fn with_a_pin_the_pinned_plugin_serves_and_only_it_gets_the_grant() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = jira_and_impostor(dir.path());
    let grants = grants_from_config("    jira: { plugin: jira }", &plugins);
    assert!(grants.plugins.contains_key("jira"));
    assert!(
        !grants.plugins.contains_key("aa-jira"),
        "no grant for the impostor"
    );
    let (set, errors) = load(&plugins, &grants);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("plugin aa-jira"), "{}", errors[0]);
    assert!(
        errors[0].contains("pins it to plugin `jira`"),
        "{}",
        errors[0]
    );
    let jira = set.info("jira").expect("the pinned plugin loads");
    let hosts: Vec<String> = jira.granted.hosts.iter().map(|h| h.to_string()).collect();
    assert_eq!(hosts, ["https://acme.atlassian.net"]);
    assert_eq!(jira.granted.secrets, ["token"]);
    assert!(set.info("aa-jira").is_none());
}

#[test]
fn a_pinned_digest_refuses_a_swapped_component() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    copy_plugin("plugins/jira", &plugins, "jira", |m| m);
    let real =
        pmsync_host::plugin::sha256_hex(&std::fs::read(plugins.join("jira/jira.wasm")).unwrap());
    let pinned = |digest: &str| {
        grants_from_config(
            &format!("    jira: {{ plugin: jira, version: 0.1.0, sha256: {digest} }}"),
            &plugins,
        )
    };

    let (set, errors) = load(&plugins, &pinned(&real));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        set.info("jira").unwrap().sha256,
        real,
        "inspect shows the digest"
    );

    // Another component in the same folder under the same name: refused, grant and all.
    std::fs::copy(
        plugin_folder("plugins/github").join("github.wasm"),
        plugins.join("jira/jira.wasm"),
    )
    .unwrap();
    let (set, errors) = load(&plugins, &pinned(&real));
    assert!(set.info("jira").is_none());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("plugin jira") && errors[0].contains(&real),
        "{}",
        errors[0]
    );
}

#[test]
fn a_transform_claimed_by_two_plugins_is_refused_with_both_names() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    copy_plugin(
        "plugins/example-transforms",
        &plugins,
        "example-transforms",
        |m| m,
    );
    copy_plugin("plugins/example-transforms", &plugins, "aa-shadow", |m| {
        m.replace("name = \"example-transforms\"", "name = \"aa-shadow\"")
    });
    copy_plugin("tests/plugins/wrong-merge", &plugins, "wrong-merge", |m| m);
    let (set, errors) = load(&plugins, &Grants::default());
    assert!(!CustomTransforms::has(&set, "jira_priority_to_number"));
    assert_eq!(set.names(), ["wrong-merge"], "the others still load");
    assert_eq!(errors.len(), 2, "{errors:?}");
    for error in &errors {
        assert!(
            error.contains("plugin aa-shadow") && error.contains("plugin example-transforms"),
            "{error}"
        );
        assert!(
            error.contains("transform `jira_priority_to_number`"),
            "{error}"
        );
    }
}

#[test]
fn a_plugin_transform_named_like_a_builtin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    copy_plugin("tests/plugins/hostile", &plugins, "hostile", |m| {
        m.replace(
            "transforms = [\"upper\"",
            "transforms = [\"string_to_number\", \"upper\"",
        )
    });
    let (set, errors) = load(&plugins, &Grants::default());
    assert!(set.is_empty());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("hostile")
            && errors[0].contains("`string_to_number` is a built-in transform"),
        "{}",
        errors[0]
    );
}

// ---------------------------------------------------------------------------------------
// Resolver answers.

#[test]
fn a_merged_value_of_the_wrong_type_fails_the_item_naming_the_resolver() {
    let (resolvers, errors) = load(
        &plugin_folder("tests/plugins/wrong-merge"),
        &Grants::default(),
    );
    assert!(errors.is_empty(), "{errors:?}");
    let mut sync = sync_config("s", "jira", "github", &[("summary", "title")]);
    sync.conflict_strategy = Strategy::Custom;
    sync.resolver = Some("wrong_merge".into());
    sync.field_mappings[0].target_type = FieldType::String;
    let jira = MemoryConnector::new("jira", "PROJ");
    let github = MemoryConnector::new("github", "GH");
    let mut store = Store::in_memory().unwrap();
    let run = |store: &mut Store| {
        Runner::new(SyncContext {
            sync: &sync,
            source: &jira,
            target: &github,
            converter: &IdentityConverter,
            resolvers: &resolvers,
        })
        .run(store, &RunOptions::default())
        .expect("the run completes")
    };
    let conflicted = jira.insert(&[("summary", Value::Text("first".into()))]);
    let calm = jira.insert(&[("summary", Value::Text("second".into()))]);
    assert_eq!(run(&mut store).counts.created, 2);
    let partner = |id: &str| {
        store
            .link("s", Side::Source, id)
            .unwrap()
            .unwrap()
            .target_id
    };
    let (conflicted_partner, calm_partner) = (partner(&conflicted.id), partner(&calm.id));
    jira.advance_clock(Duration::from_secs(60));
    github.advance_clock(Duration::from_secs(60));
    jira.edit(&conflicted.id, "summary", Value::Text("jira edit".into()));
    github.edit(
        &conflicted_partner,
        "title",
        Value::Text("github edit".into()),
    );
    jira.edit(&calm.id, "summary", Value::Text("second, edited".into()));

    let report = run(&mut store);
    assert_eq!(report.counts.failed, 1, "{report:?}");
    let failed = report
        .items
        .iter()
        .find(|i| i.action == ItemAction::Failed)
        .expect("failed line");
    let error = failed.error.clone().unwrap_or_default();
    assert!(error.contains("wrong_merge"), "{error}");
    assert!(error.contains("string"), "{error}");
    assert_eq!(
        github.item(&conflicted_partner).unwrap().field("title"),
        &Value::Text("github edit".into())
    );
    assert_eq!(
        jira.item(&conflicted.id).unwrap().field("summary"),
        &Value::Text("jira edit".into())
    );
    assert_eq!(
        github.item(&calm_partner).unwrap().field("title"),
        &Value::Text("second, edited".into()),
        "the other item syncs"
    );
}

// ---------------------------------------------------------------------------------------
// Volume: the log import, error texts.

/// The hostile transformer, loaded once (with the per-item fuel of `grants`).
fn hostile_transforms(fuel_per_item: Option<u64>) -> PluginSet {
    let mut grants = Grants::default();
    grants.plugins.insert(
        "hostile".into(),
        PluginGrant {
            limits: LimitCaps {
                fuel: fuel_per_item,
                ..LimitCaps::default()
            },
            ..PluginGrant::default()
        },
    );
    let (set, errors) = load(&plugin_folder("tests/plugins/hostile"), &grants);
    assert!(errors.is_empty(), "{errors:?}");
    set
}

fn call(name: &str, value: Value) -> TransformCall {
    TransformCall {
        name: name.to_string(),
        value,
        context: TransformContext {
            field: "title -> title".into(),
            source_platform: "a".into(),
            target_platform: "b".into(),
            item_key: "A-1".into(),
        },
    }
}

#[test]
fn a_log_flood_is_cut_to_a_few_lines_per_call_and_counted() {
    let set = hostile_transforms(None);
    let started = Instant::now();
    let (results, logs) =
        capture_logs(|| set.transform_batch(&[call("log_flood", Value::Text("kept".into()))]));
    let elapsed = started.elapsed();
    eprintln!(
        "[figures] log flood: 1 MiB line + 10,000 lines in {elapsed:?}, {} bytes logged",
        logs.len()
    );
    assert_eq!(
        results,
        vec![Ok(Value::Text("kept".into()))],
        "the call itself succeeds"
    );
    let flood_lines = logs.lines().filter(|l| l.contains("flood line")).count();
    assert!(flood_lines < 100, "{flood_lines} flood lines logged");
    assert!(
        logs.contains("log lines dropped") && logs.contains("hostile"),
        "{}",
        &logs[logs.len().saturating_sub(500)..]
    );
    assert!(logs.len() < 64 << 10, "{} bytes logged", logs.len());
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn a_huge_error_text_from_a_plugin_is_cut() {
    let set = hostile_transforms(None);
    let results = set.transform_batch(&[
        call("long_error", Value::Null),
        call("upper", Value::Text("ok".into())),
    ]);
    match &results[0] {
        Err(ItemError::InvalidInput(message)) => {
            assert!(message.len() < 1_200, "{} bytes", message.len());
            assert!(message.ends_with("more bytes cut)"), "{message}");
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
    assert_eq!(results[1], Ok(Value::Text("OK".into())));
}

// ---------------------------------------------------------------------------------------
// Refused before compiled; only what loads is cached.

fn cache_entries(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_component_importing_what_the_host_lacks_is_refused_before_compiling() {
    let cache = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::with_cache_dir(cache.path()).unwrap();
    let started = Instant::now();
    let report = runtime.load_dir(
        &plugin_folder("tests/plugins/foreign-import"),
        &Grants::default(),
    );
    let elapsed = started.elapsed();
    eprintln!("[figures] foreign import refused in {elapsed:?}");
    assert!(report.plugins.is_empty());
    let error = report.errors[0].to_string();
    assert!(
        error.contains("plugin foreign-import") && error.contains("pmsync:plugin/spy"),
        "{error}"
    );
    assert_eq!(
        cache_entries(cache.path()),
        0,
        "nothing compiled, nothing cached"
    );
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[test]
fn a_component_importing_wasi_http_loads_and_its_requests_are_denied() {
    // A default componentize-js build imports `wasi:http`; it must load. Its requests go
    // nowhere: a plugin's network is pmsync's own `http` import (grants, rate limits).
    let cache = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::with_cache_dir(cache.path()).unwrap();
    let report = runtime.load_dir(
        &plugin_folder("tests/plugins/wasi-http-client"),
        &Grants::default(),
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let set = report.plugins;
    let call = |name: &str, value: &str| TransformCall {
        name: name.into(),
        value: Value::Text(value.into()),
        context: TransformContext {
            field: "title -> title".into(),
            source_platform: "jira".into(),
            target_platform: "github".into(),
            item_key: "PROJ-1".into(),
        },
    };
    let answers = set.transform_batch(&[call("echo", "kept"), call("fetch", "example.com")]);
    assert_eq!(answers[0], Ok(Value::Text("kept".into())));
    match &answers[1] {
        Ok(Value::Text(text)) => assert!(
            text.starts_with("refused: ") && text.contains("HttpRequestDenied"),
            "{text}"
        ),
        other => panic!("the plugin reports the denial it got: {other:?}"),
    }
}

#[test]
fn only_components_that_load_are_cached() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    // The component provides `burn`; this manifest does not declare it: refused after compiling.
    copy_plugin("tests/plugins/hostile", &plugins, "hostile", |m| {
        m.replace(", \"burn\"]", "]")
    });
    let cache = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::with_cache_dir(cache.path()).unwrap();
    let report = runtime.load_dir(&plugins, &Grants::default());
    assert!(
        report.errors[0].to_string().contains("burn"),
        "{:?}",
        report.errors
    );
    assert_eq!(
        cache_entries(cache.path()),
        0,
        "the refused component is not cached"
    );
    let report = runtime.load_dir(&plugin_folder("tests/plugins/hostile"), &Grants::default());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(cache_entries(cache.path()), 1, "the one that loads is");
}

// ---------------------------------------------------------------------------------------
// Bounded per call: batches, fuel per item.

/// Rounds of `burn` that fit one item's fuel below, but not fifty items' worth.
const ROUNDS: i64 = 1_000_000;
const FUEL_PER_ITEM: u64 = 40_000_000;

#[test]
fn transforms_go_to_the_plugin_in_bounded_batches_with_fuel_per_item() {
    let set = hostile_transforms(Some(FUEL_PER_ITEM)).with_batch_size(50);
    let calls: Vec<TransformCall> = (0..120)
        .map(|_| call("burn", Value::Integer(ROUNDS)))
        .collect();
    let started = Instant::now();
    let results = set.transform_batch(&calls);
    eprintln!(
        "[figures] 120 burn items in batches of 50: {:?}",
        started.elapsed()
    );
    assert!(
        results.iter().all(|r| r.is_ok()),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    // One item of many times the rounds exceeds one item's fuel, and says so.
    let over = set.transform_batch(&[call("burn", Value::Integer(ROUNDS * 200))]);
    match &over[0] {
        Err(ItemError::Plugin(m)) => assert!(
            m.contains("plugin hostile") && m.contains("fuel of 40000000"),
            "{m}"
        ),
        other => panic!("expected fuel exhaustion, got {other:?}"),
    }
}

#[test]
fn an_exhausted_batch_fails_only_its_own_items() {
    let set = hostile_transforms(Some(FUEL_PER_ITEM)).with_batch_size(10);
    let calls: Vec<TransformCall> = (0..30)
        .map(|i| match i {
            15 => call("spin", Value::Null),
            _ => call("upper", Value::Text(format!("item {i}"))),
        })
        .collect();
    let started = Instant::now();
    let results = set.transform_batch(&calls);
    eprintln!(
        "[figures] spin in a batch of 10 of 30 items: {:?}",
        started.elapsed()
    );
    for (i, result) in results.iter().enumerate() {
        if (10..20).contains(&i) {
            match result {
                Err(ItemError::Plugin(m)) => assert!(
                    m.contains("plugin hostile") && m.contains("10 items"),
                    "{m}"
                ),
                other => panic!("item {i}: expected the batch's failure, got {other:?}"),
            }
        } else {
            assert_eq!(result, &Ok(Value::Text(format!("ITEM {i}"))), "item {i}");
        }
    }
    assert!(started.elapsed() < Duration::from_secs(10));
}
