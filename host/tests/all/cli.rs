//! End-to-end tests of the `pmsync-host` command line: every command run as a user runs it,
//! bad input included. Each test has its own temp dir (state store, HOME, configs); all share
//! one compiled-plugin cache. The first-party plugins must be built first (`make plugins`).

use serde_json::Value as Json;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

mod completions;
mod doctor;
mod plugins_new;
mod second_pass;

const BIN: &str = env!("CARGO_BIN_EXE_pmsync-host");

const FIRST_PARTY: [&str; 7] = [
    "example-transforms",
    "github",
    "github-projects",
    "jira",
    "linear",
    "priority-resolver",
    "workflow-resolver",
];

const EXAMPLES: [&str; 7] = [
    "github_projects.yaml",
    "github_to_linear.yaml",
    "jira_to_github.yaml",
    "js_workflow_resolver.yaml",
    "linear_to_jira.yaml",
    "multi_sync.yaml",
    "python_label_normalizer.yaml",
];

/// Credentials the tests hand to commands; none may ever be printed.
const JIRA_TOKEN: &str = "jira-token-Zq81xW";
const GITHUB_TOKEN: &str = "ghp_test_token_Hk27vP";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

fn plugins_dir() -> PathBuf {
    workspace().join("plugins")
}

fn example(name: &str) -> String {
    workspace()
        .join("examples")
        .join(name)
        .display()
        .to_string()
}

fn example_text(name: &str) -> String {
    std::fs::read_to_string(example(name)).expect("example config is readable")
}

/// The component file a plugin folder's manifest names.
fn component_of(folder: &Path) -> Option<PathBuf> {
    let manifest = std::fs::read_to_string(folder.join("plugin.toml")).ok()?;
    let line = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("component"))?;
    Some(folder.join(line.split('"').nth(1)?))
}

/// The compiled-plugin cache every test shares, warmed once by `plugins list` so that parallel
/// tests do not all compile the components at once. It lives in Cargo's per-target scratch
/// dir for integration tests, never in the user's data dir.
fn shared_cache() -> &'static Path {
    static CACHE: OnceLock<PathBuf> = OnceLock::new();
    CACHE.get_or_init(|| {
        let missing: Vec<String> = FIRST_PARTY
            .iter()
            .filter(|name| !component_of(&plugins_dir().join(name)).is_some_and(|c| c.exists()))
            .map(|name| name.to_string())
            .collect();
        assert!(
            missing.is_empty(),
            "plugin components are missing for {}: run `make plugins` (bash scripts/build-plugins.sh) first",
            missing.join(", ")
        );
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache");
        std::fs::create_dir_all(&cache).expect("cache dir");
        let home = tempfile::tempdir().expect("temp dir");
        let warm = base_command(&cache, home.path())
            .args(["plugins", "list"])
            .output()
            .expect("pmsync-host runs");
        assert!(
            warm.status.success(),
            "warming the plugin cache failed:\n{}",
            String::from_utf8_lossy(&warm.stderr)
        );
        cache
    })
}

/// A command with a clean environment: no PMSYNC_* or credentials from the developer's
/// shell, HOME inside the test's temp dir, no colour, no terminal.
fn base_command(cache: &Path, home: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("NO_COLOR", "1")
        .env("PMSYNC_CACHE_DIR", cache)
        .env("PMSYNC_PLUGINS", plugins_dir())
        .stdin(Stdio::null());
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command
}

/// One test's world: a temp dir for the state store, configs and HOME, plus env vars.
struct Cli {
    dir: tempfile::TempDir,
    vars: Vec<(String, String)>,
}

/// What a finished command did.
struct Ran {
    line: String,
    code: i32,
    stdout: String,
    stderr: String,
}

impl Cli {
    fn new() -> Cli {
        shared_cache();
        Cli {
            dir: tempfile::tempdir().expect("temp dir"),
            vars: Vec::new(),
        }
    }

    /// A path inside the test's temp dir, as an argument.
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn state(&self) -> String {
        self.path("state.db")
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write temp file");
        path
    }

    fn with_env(mut self, name: &str, value: &str) -> Cli {
        self.vars.push((name.into(), value.into()));
        self
    }

    /// Credentials for the example configs (as a user would export them).
    fn with_credentials(self) -> Cli {
        self.with_env("JIRA_EMAIL", "sandbox@example.com")
            .with_env("JIRA_API_TOKEN", JIRA_TOKEN)
            .with_env("GITHUB_TOKEN", GITHUB_TOKEN)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = base_command(shared_cache(), self.dir.path());
        command.args(args);
        for (name, value) in &self.vars {
            command.env(name, value);
        }
        command
    }

    fn run(&self, args: &[&str]) -> Ran {
        let output = self
            .command(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"));
        Ran {
            line: args.join(" "),
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Nothing of the test ever lands in the user's data dir (HOME is the temp dir here).
    fn assert_no_default_state(&self) {
        let data = self.dir.path().join("data");
        let entries = std::fs::read_dir(&data)
            .map(|d| d.count())
            .unwrap_or_default();
        assert_eq!(entries, 0, "something was written under {}", data.display());
    }
}

impl Ran {
    fn expect(self, code: i32) -> Ran {
        assert_eq!(
            self.code, code,
            "`pmsync-host {}` exited {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.line, self.code, self.stdout, self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "`pmsync-host {}` panicked:\n{}",
            self.line,
            self.stderr
        );
        self
    }

    fn json(&self) -> Json {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout of `pmsync-host {}` is not one JSON document ({e}):\n{}",
                self.line, self.stdout
            )
        })
    }

    fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// The bytes of a state store and its SQLite side files (None: absent).
fn snapshot(state: &str) -> Vec<(String, Option<Vec<u8>>)> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| {
            let path = format!("{state}{suffix}");
            let bytes = std::fs::read(&path).ok();
            (path, bytes)
        })
        .collect()
}

fn assert_absent(state: &str) {
    for (path, bytes) in snapshot(state) {
        assert!(bytes.is_none(), "{path} was created");
    }
}

/// `text` with every `from` replaced; `from` must occur (the test edits what it thinks).
fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` not found in the config");
    text.replace(from, to)
}

fn count(report: &Json, name: &str) -> u64 {
    report["counts"][name]
        .as_u64()
        .unwrap_or_else(|| panic!("report has no count `{name}`: {report}"))
}

// ---------------------------------------------------------------------------------------
// HTTP to the sandbox, and the sandbox as a child process

enum Auth<'a> {
    None,
    Basic(&'a str, &'a str),
    Bearer(&'a str),
}

fn http(method: &str, url: &str, auth: Auth<'_>, body: Option<Json>) -> (u16, Json) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = client.request(method, url).timeout(Duration::from_secs(20));
        request = match auth {
            Auth::None => request,
            Auth::Basic(user, token) => request.basic_auth(user, Some(token)),
            Auth::Bearer(token) => request.bearer_auth(token),
        };
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Json::Null))
    })
}

/// A port P such that P, P+1 and P+2 are free right now (the sandbox takes all three).
fn free_port_triple() -> u16 {
    loop {
        let first = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = first.local_addr().expect("local addr").port();
        if port > 65533 {
            continue;
        }
        let next = TcpListener::bind(("127.0.0.1", port + 1));
        let last = TcpListener::bind(("127.0.0.1", port + 2));
        if next.is_ok() && last.is_ok() {
            return port;
        }
    }
}

/// `pmsync-host sandbox --port P --json` as a child process; killed when dropped.
struct SandboxProcess {
    child: Child,
    port: u16,
    jira: String,
    github: String,
}

impl SandboxProcess {
    fn start(cli: &Cli) -> SandboxProcess {
        SandboxProcess::start_with(cli, &[])
    }

    /// With extra `sandbox` options (`--token`, `--github-scopes`).
    fn start_with(cli: &Cli, extra: &[&str]) -> SandboxProcess {
        let mut failures = Vec::new();
        for attempt in 0..5 {
            let port = free_port_triple();
            let log = cli.path(&format!("sandbox-{attempt}.stderr"));
            let mut child = cli
                // The platforms' pace (GitHub: a second between writes), 100× faster.
                .command(
                    &[
                        &[
                            "sandbox",
                            "--port",
                            &port.to_string(),
                            "--time-scale",
                            "0.01",
                            "--json",
                        ],
                        extra,
                    ]
                    .concat(),
                )
                .stdout(Stdio::piped())
                .stderr(std::fs::File::create(&log).expect("sandbox log"))
                .spawn()
                .expect("start pmsync-host sandbox");
            let stdout = child.stdout.take().expect("piped stdout");
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let mut text = String::new();
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { return };
                    text.push_str(&line);
                    text.push('\n');
                    if let Ok(urls) = serde_json::from_str::<Json>(&text) {
                        let _ = tx.send(urls);
                        return;
                    }
                }
            });
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(urls) => {
                    let url = |name: &str| {
                        urls[name]
                            .as_str()
                            .unwrap_or_else(|| panic!("sandbox printed no `{name}` URL: {urls}"))
                            .to_string()
                    };
                    return SandboxProcess {
                        port,
                        jira: url("jira"),
                        github: url("github"),
                        child,
                    };
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    failures.push(std::fs::read_to_string(&log).unwrap_or_default());
                }
            }
        }
        panic!(
            "the sandbox did not start in 5 attempts:\n{}",
            failures.join("\n")
        );
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// run without a config: the embedded first run

#[test]
fn first_run_without_config_syncs_the_sandbox_and_shows_creates_updates_and_a_conflict() {
    let cli = Cli::new();
    let state = cli.state();
    let ran = cli.run(&["run", "--state", &state]).expect(0);
    for shown in [
        "No --config given",
        "pass 1",
        "pass 3",
        "created",
        "updated",
        "conflict (auto)",
    ] {
        assert!(
            ran.stdout.contains(shown),
            "`{shown}` missing:\n{}",
            ran.stdout
        );
    }
    assert_absent(&state);
    cli.assert_no_default_state();
}

#[test]
fn first_run_json_has_three_passes_that_create_then_settle() {
    let cli = Cli::new();
    let passes = cli.run(&["run", "--json"]).expect(0).json()["passes"].clone();
    let passes = passes.as_array().expect("passes is a list");
    assert_eq!(passes.len(), 3, "{passes:?}");
    let totals = |pass: &Json, name: &str| -> u64 {
        pass["reports"]
            .as_array()
            .expect("reports")
            .iter()
            .map(|r| count(r, name))
            .sum()
    };
    assert!(totals(&passes[0], "created") > 0, "first pass created none");
    // Items with one title on both sandbox platforms are paired, not copied again.
    assert!(
        totals(&passes[0], "matched") > 0,
        "first pass matched no existing pair"
    );
    assert!(
        totals(&passes[1], "updated") > 0,
        "second pass updated none"
    );
    assert!(
        totals(&passes[1], "conflicts_auto") >= 1,
        "the both-sides edit was no conflict"
    );
    assert_eq!(totals(&passes[2], "writes"), 0, "the last pass wrote");
    assert_eq!(totals(&passes[2], "failed"), 0);
    cli.assert_no_default_state();
}

#[test]
fn run_flags_that_need_a_config_are_bad_input_and_write_nothing() {
    let cli = Cli::new();
    let state = cli.state();
    let ran = cli.run(&["run", "--daemon", "--state", &state]).expect(2);
    assert!(
        ran.stderr.contains("--daemon needs a config"),
        "{}",
        ran.stderr
    );
    let ran = cli.run(&["run", "--dry-run", "--state", &state]).expect(2);
    assert!(ran.stderr.contains("need a config"), "{}", ran.stderr);
    let ran = cli.run(&["sync", "--full", "--state", &state]).expect(2);
    assert!(ran.stderr.contains("need a config"), "{}", ran.stderr);
    assert_absent(&state);
    cli.assert_no_default_state();
}

// ---------------------------------------------------------------------------------------
// run with a config against the sandbox, history

#[test]
fn sandbox_run_records_history_by_item_and_exports_seed_json_lines() {
    let cli = Cli::new();
    let state = cli.state();
    let config = example("jira_to_github.yaml");
    let ran = cli
        .run(&["run", "--config", &config, "--sandbox", "--state", &state])
        .expect(0);
    assert!(
        ran.stdout.contains("jira-github-sync") && ran.stdout.contains("created  PROJ-2 "),
        "{}",
        ran.stdout
    );

    let ran = cli
        .run(&["history", "--state", &state, "--item", "PROJ-2"])
        .expect(0);
    let mut lines = ran.stdout.lines();
    assert!(
        lines.next().is_some_and(|h| h.contains("STATUS")),
        "{}",
        ran.stdout
    );
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty(), "no history for PROJ-2");
    for row in &rows {
        assert!(row.contains(" PROJ-2 "), "row not about PROJ-2: {row}");
    }

    let entries = cli
        .run(&["history", "--state", &state, "--item", "PROJ-2", "--json"])
        .expect(0)
        .json();
    let entries = entries.as_array().expect("history --json is a list");
    assert_eq!(entries.len(), rows.len());
    for entry in entries {
        assert!(
            entry["source_key"] == "PROJ-2" || entry["target_key"] == "PROJ-2",
            "{entry}"
        );
        assert_eq!(entry["status"], "created");
    }

    let export = cli.path("audit.jsonl");
    let ran = cli
        .run(&["history", "--state", &state, "--export", &export])
        .expect(0);
    let text = std::fs::read_to_string(&export).expect("export file written");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 16, "only {} entries exported", lines.len());
    assert!(
        ran.stdout
            .contains(&format!("wrote {} entries", lines.len())),
        "{}",
        ran.stdout
    );
    for line in &lines {
        let entry: Json = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("export line is not JSON ({e}): {line}"));
        for key in ["timestamp", "item_id", "status", "source", "target"] {
            assert!(entry[key].is_string(), "`{key}` missing in {line}");
        }
        let timestamp = entry["timestamp"].as_str().unwrap_or_default();
        assert!(
            chrono::DateTime::parse_from_rfc3339(timestamp).is_ok(),
            "timestamp {timestamp} is not RFC 3339"
        );
        assert_eq!(entry["source"], "jira");
        assert_eq!(entry["target"], "github");
        if let Some(changes) = entry.get("changes") {
            let changes = changes.as_object().expect("changes is an object");
            for (field, change) in changes {
                assert!(
                    change.get("old").is_some() && change.get("new").is_some(),
                    "change of {field} lacks old/new: {line}"
                );
            }
        }
        if let Some(error) = entry.get("error") {
            assert!(error.is_string(), "error is not text: {line}");
        }
    }

    let ran = cli
        .run(&["history", "--state", &state, "--export", "-"])
        .expect(0);
    assert_eq!(
        ran.stdout, text,
        "`--export -` differs from the file export"
    );

    let all = cli
        .run(&["history", "--state", &state, "--json"])
        .expect(0)
        .json();
    assert_eq!(all.as_array().map(Vec::len), Some(lines.len()));
    cli.assert_no_default_state();
}

#[test]
fn sandbox_run_json_reports_the_sync_and_its_requests() {
    let cli = Cli::new();
    let state = cli.state();
    let config = example("jira_to_github.yaml");
    let out = cli
        .run(&[
            "run",
            "--config",
            &config,
            "--sandbox",
            "--state",
            &state,
            "--json",
        ])
        .expect(0)
        .json();
    let reports = out["reports"].as_array().expect("reports");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["sync"], "jira-github-sync");
    assert!(count(&reports[0], "created") > 0);
    assert_eq!(count(&reports[0], "failed"), 0);
    assert_eq!(out["errors"].as_array().map(Vec::len), Some(0));
    assert!(
        out["requests"].as_array().is_some_and(|r| !r.is_empty()),
        "{out}"
    );
}

#[test]
fn every_example_syncs_items_against_the_sandbox_without_failures() {
    let cli = Cli::new();
    for name in EXAMPLES {
        let config = example(name);
        let state = cli.state();
        let out = cli
            .run(&[
                "run",
                "--config",
                &config,
                "--sandbox",
                "--state",
                &state,
                "--json",
            ])
            .expect(0)
            .json();
        let reports = out["reports"].as_array().expect("reports");
        assert!(!reports.is_empty(), "{name}: {out}");
        for report in reports {
            assert!(
                count(report, "created") > 0,
                "{name}: {} created nothing",
                report["sync"]
            );
            assert_eq!(count(report, "failed"), 0, "{name}: {report}");
        }
    }
}

#[test]
fn history_without_a_state_store_is_bad_input_and_creates_none() {
    let cli = Cli::new();
    let state = cli.state();
    let export = cli.path("audit.jsonl");
    let ran = cli.run(&["history", "--state", &state]).expect(2);
    assert!(ran.stderr.contains("no state store at"), "{}", ran.stderr);
    cli.run(&["history", "--state", &state, "--export", &export])
        .expect(2);
    assert!(!Path::new(&export).exists(), "an export file was created");
    let ran = cli.run(&["conflicts", "list", "--state", &state]).expect(2);
    assert!(ran.stderr.contains("no state store at"), "{}", ran.stderr);
    assert_absent(&state);
}

// ---------------------------------------------------------------------------------------
// dry run

#[test]
fn dry_run_prints_the_plan_and_creates_no_state() {
    let cli = Cli::new();
    let state = cli.state();
    let config = example("jira_to_github.yaml");
    let ran = cli
        .run(&[
            "sync",
            "--dry-run",
            "--config",
            &config,
            "--sandbox",
            "--state",
            &state,
        ])
        .expect(0);
    for shown in [
        "[dry run] jira-github-sync",
        "plan for sync jira-github-sync",
        "create PROJ-2",
    ] {
        assert!(
            ran.stdout.contains(shown),
            "`{shown}` missing:\n{}",
            ran.stdout
        );
    }
    assert_absent(&state);

    let out = cli
        .run(&[
            "sync",
            "--dry-run",
            "--json",
            "--config",
            &config,
            "--sandbox",
            "--state",
            &state,
        ])
        .expect(0)
        .json();
    let report = &out["reports"][0];
    assert_eq!(report["dry_run"], true);
    assert!(report["plan"].is_object(), "no plan in {report}");
    assert!(count(report, "writes") > 0);
    assert_absent(&state);
    cli.assert_no_default_state();
}

#[test]
fn dry_run_leaves_an_existing_state_unchanged() {
    let cli = Cli::new();
    let state = cli.state();
    let config = example("jira_to_github.yaml");
    cli.run(&["run", "--config", &config, "--sandbox", "--state", &state])
        .expect(0);
    let before = snapshot(&state);
    cli.run(&[
        "sync",
        "--dry-run",
        "--full",
        "--config",
        &config,
        "--sandbox",
        "--state",
        &state,
    ])
    .expect(0);
    assert!(snapshot(&state) == before, "the dry run changed the state");
}

#[test]
fn daemon_runs_a_pass_then_stops_cleanly_on_ctrl_c() {
    let cli = Cli::new();
    let state = cli.state();
    let config = example("jira_to_github.yaml");
    let mut child = cli
        .command(&[
            "run",
            "--daemon",
            "--config",
            &config,
            "--sandbox",
            "--state",
            &state,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the daemon");
    let stdout = child.stdout.take().expect("piped stdout");
    let printed = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let waiting = loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if line.contains("next pass in 300s") => break true,
            Ok(line) => seen.push(line),
            Err(_) => break false,
        }
    };
    if !waiting {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the daemon never finished a pass:\n{}", seen.join("\n"));
    }
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(interrupted.success());
    let mut status = None;
    for _ in 0..100 {
        if let Some(done) = child.try_wait().expect("wait for the daemon") {
            status = Some(done);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the daemon did not stop within 10 s of Ctrl-C");
    };
    assert_eq!(status.code(), Some(0), "{}", seen.join("\n"));
    let printed = printed.join().unwrap_or_default();
    assert!(printed.contains("created  PROJ-2 "), "{printed}");
    let entries = cli
        .run(&["history", "--state", &state, "--json"])
        .expect(0)
        .json();
    assert!(entries.as_array().is_some_and(|e| !e.is_empty()));
}

// ---------------------------------------------------------------------------------------
// run: bad input writes nothing; failures exit 1

#[test]
fn run_without_credentials_is_bad_input_naming_the_variables_and_writes_nothing() {
    let cli = Cli::new();
    let state = cli.state();
    let config = example("jira_to_github.yaml");
    let ran = cli
        .run(&["run", "--config", &config, "--state", &state])
        .expect(2);
    for variable in ["JIRA_EMAIL", "JIRA_API_TOKEN", "GITHUB_TOKEN"] {
        assert!(ran.stderr.contains(variable), "{}", ran.stderr);
    }
    assert_absent(&state);
    cli.assert_no_default_state();
}

#[test]
fn run_with_an_unknown_key_is_bad_input_with_its_location_and_writes_nothing() {
    let cli = Cli::new();
    let state = cli.state();
    let text = replaced(
        &example_text("jira_to_github.yaml"),
        "batch_size: 50\n",
        "batch_size: 50\nbatch_sise: 3\n",
    );
    let line = text
        .lines()
        .position(|l| l.starts_with("batch_sise"))
        .expect("inserted line")
        + 1;
    let config = cli.write("typo.yaml", &text);
    let ran = cli
        .run(&["run", "--config", &config, "--sandbox", "--state", &state])
        .expect(2);
    assert!(
        ran.stderr.contains(&format!("{config}:{line}:1")),
        "no file:line:col in {}",
        ran.stderr
    );
    assert!(ran.stderr.contains("batch_size"), "{}", ran.stderr);
    assert_absent(&state);
}

#[test]
fn run_of_an_unknown_sync_name_is_bad_input_and_writes_nothing() {
    let cli = Cli::new();
    let state = cli.state();
    let config = example("jira_to_github.yaml");
    let ran = cli
        .run(&[
            "sync",
            "--config",
            &config,
            "--sandbox",
            "--state",
            &state,
            "--sync",
            "nope",
        ])
        .expect(2);
    assert!(
        ran.stderr.contains("no sync named `nope`") && ran.stderr.contains("jira-github-sync"),
        "{}",
        ran.stderr
    );
    assert_absent(&state);
}

#[test]
fn run_against_an_unreachable_platform_exits_1_with_the_reason_and_no_secret() {
    let cli = Cli::new().with_credentials();
    let closed = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let mut text = example_text("jira_to_github.yaml");
    text = replaced(&text, "enable_retry: true", "enable_retry: false");
    text = replaced(
        &text,
        "\"http://127.0.0.1:18080\"",
        &format!("\"http://127.0.0.1:{closed}\""),
    );
    let config = cli.write("down.yaml", &text);
    let state = cli.state();
    let ran = cli
        .run(&["run", "--config", &config, "--state", &state])
        .expect(1);
    assert!(
        ran.stderr.contains("jira") && ran.stderr.contains(&closed.to_string()),
        "the error does not say which platform failed: {}",
        ran.stderr
    );
    for secret in [JIRA_TOKEN, GITHUB_TOKEN] {
        assert!(!ran.all_output().contains(secret), "a token was printed");
    }
}

// ---------------------------------------------------------------------------------------
// conflicts, against a sandbox that lives across commands

/// A sandbox child process, a `manual` config pointing at it, a state with one open manual
/// conflict on `summary ↔ title`, and that conflict's id and pair.
struct ConflictWorld {
    cli: Cli,
    sandbox: SandboxProcess,
    config: String,
    state: String,
    id: i64,
    jira_key: String,
    issue: u64,
}

const JIRA_WORDS: &str = "Summary as edited in Jira";
const GITHUB_WORDS: &str = "Title as edited on GitHub";

fn manual_conflict() -> ConflictWorld {
    manual_conflict_on(
        serde_json::json!({ "summary": JIRA_WORDS }),
        serde_json::json!({ "title": GITHUB_WORDS }),
    )
}

/// A manual conflict made by people editing the same field on both sides: `jira_fields`
/// on the Jira issue and `github_fields` on its GitHub partner.
fn manual_conflict_on(
    jira_fields: serde_json::Value,
    github_fields: serde_json::Value,
) -> ConflictWorld {
    let cli = Cli::new().with_credentials();
    let sandbox = SandboxProcess::start(&cli);
    let host_of = |url: &str| url.trim_start_matches("http://").to_string();
    let mut text = example_text("jira_to_github.yaml");
    text = replaced(&text, "\"last_write_wins\"", "\"manual\"");
    text = replaced(
        &text,
        "allow_hosts: [\"http://127.0.0.1:18080\"]",
        "allow_hosts: [\"http://127.0.0.1:*\"]",
    );
    text = replaced(
        &text,
        "allow_hosts: [\"http://127.0.0.1:18081\"]",
        "allow_hosts: [\"http://127.0.0.1:*\"]",
    );
    text = replaced(&text, "127.0.0.1:18080", &host_of(&sandbox.jira));
    text = replaced(&text, "127.0.0.1:18081", &host_of(&sandbox.github));
    let config = cli.write("manual.yaml", &text);
    let state = cli.state();

    let first = cli
        .run(&["run", "--config", &config, "--state", &state, "--json"])
        .expect(0)
        .json();
    let items = first["reports"][0]["items"].as_array().expect("items");
    let linked = items
        .iter()
        .find(|i| {
            i["action"] == "created"
                && i["source_key"]
                    .as_str()
                    .is_some_and(|k| k.starts_with("PROJ-"))
                && i["target_key"].as_str().is_some_and(|k| k.starts_with('#'))
        })
        .unwrap_or_else(|| panic!("no linked pair in {first}"));
    let jira_key = linked["source_key"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let issue: u64 = linked["target_key"]
        .as_str()
        .and_then(|k| k.trim_start_matches('#').parse().ok())
        .expect("GitHub issue number");

    // People edit the same field on both sides.
    let (status, _) = http(
        "PUT",
        &format!("{}/rest/api/3/issue/{jira_key}", sandbox.jira),
        Auth::Basic("sandbox@example.com", JIRA_TOKEN),
        Some(serde_json::json!({ "fields": jira_fields })),
    );
    assert_eq!(status, 204, "Jira edit of {jira_key}");
    let (status, _) = http(
        "PATCH",
        &format!("{}/repos/acme/widgets/issues/{issue}", sandbox.github),
        Auth::Bearer(GITHUB_TOKEN),
        Some(github_fields),
    );
    assert_eq!(status, 200, "GitHub edit of #{issue}");

    let ran = cli
        .run(&["run", "--config", &config, "--state", &state])
        .expect(0);
    assert!(
        ran.stdout.contains("conflict (manual)") && ran.stdout.contains(&jira_key),
        "{}",
        ran.stdout
    );
    let open = cli
        .run(&["conflicts", "list", "--state", &state, "--json"])
        .expect(0)
        .json();
    let open = open.as_array().expect("conflicts list --json is a list");
    assert_eq!(open.len(), 1, "{open:?}");
    let id = open[0]["id"].as_i64().expect("conflict id");
    ConflictWorld {
        cli,
        sandbox,
        config,
        state,
        id,
        jira_key,
        issue,
    }
}

#[test]
fn manual_conflict_is_listed_resolved_by_id_and_written_by_the_next_run() {
    let world = manual_conflict();
    let (cli, state) = (&world.cli, world.state.as_str());

    let listed = cli.run(&["conflicts", "list", "--state", state]).expect(0);
    for shown in [
        world.id.to_string().as_str(),
        "jira-github-sync",
        world.jira_key.as_str(),
        "summary ↔ title",
        JIRA_WORDS,
        GITHUB_WORDS,
        "conflicts resolve ID",
    ] {
        assert!(
            listed.stdout.contains(shown),
            "`{shown}` missing:\n{}",
            listed.stdout
        );
    }

    let id = world.id.to_string();
    let ran = cli
        .run(&[
            "conflicts",
            "resolve",
            &id,
            "--take",
            "source",
            "--state",
            state,
        ])
        .expect(0);
    assert!(
        ran.stdout.contains(&format!("conflict {id}")) && ran.stdout.contains("resolved"),
        "{}",
        ran.stdout
    );
    let ran = cli.run(&["conflicts", "list", "--state", state]).expect(0);
    assert!(ran.stdout.contains("no open conflicts"), "{}", ran.stdout);

    let next = cli
        .run(&["run", "--config", &world.config, "--state", state, "--json"])
        .expect(0)
        .json();
    assert_eq!(count(&next["reports"][0], "failed"), 0, "{next}");
    let (status, issue) = http(
        "GET",
        &format!(
            "{}/repos/acme/widgets/issues/{}",
            world.sandbox.github, world.issue
        ),
        Auth::Bearer(GITHUB_TOKEN),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(
        issue["title"], JIRA_WORDS,
        "the source's value was not written to GitHub"
    );
    let (_, jira) = http(
        "GET",
        &format!("{}/rest/api/3/issue/{}", world.sandbox.jira, world.jira_key),
        Auth::Basic("sandbox@example.com", JIRA_TOKEN),
        None,
    );
    assert_eq!(jira["fields"]["summary"], JIRA_WORDS);

    // Settled for good: another run finds no conflict and writes nothing.
    let again = cli
        .run(&["run", "--config", &world.config, "--state", state, "--json"])
        .expect(0)
        .json();
    assert_eq!(count(&again["reports"][0], "conflicts_manual"), 0);
    assert_eq!(count(&again["reports"][0], "writes"), 0, "{again}");
    let output = format!("{next}{again}");
    for secret in [JIRA_TOKEN, GITHUB_TOKEN] {
        assert!(!output.contains(secret), "a token was printed");
    }
    cli.assert_no_default_state();
}

#[test]
fn bad_conflict_resolutions_are_bad_input_and_change_nothing() {
    let world = manual_conflict();
    let (cli, state) = (&world.cli, world.state.as_str());
    let id = world.id.to_string();
    let before = snapshot(state);

    let ran = cli
        .run(&[
            "conflicts",
            "resolve",
            &id,
            "--value",
            "not json",
            "--state",
            state,
        ])
        .expect(2);
    assert!(
        ran.stderr.contains("--value must be JSON"),
        "{}",
        ran.stderr
    );

    let ran = cli
        .run(&[
            "conflicts",
            "resolve",
            "987654",
            "--take",
            "source",
            "--state",
            state,
        ])
        .expect(2);
    assert!(
        ran.stderr.contains("no conflict with id 987654"),
        "{}",
        ran.stderr
    );

    let ran = cli
        .run(&["conflicts", "resolve", &id, "--state", state])
        .expect(2);
    assert!(ran.stderr.contains("--take source"), "{}", ran.stderr);

    cli.run(&[
        "conflicts",
        "resolve",
        &id,
        "--take",
        "source",
        "--value",
        "\"x\"",
        "--state",
        state,
    ])
    .expect(2);
    cli.run(&[
        "conflicts",
        "resolve",
        &id,
        "--take",
        "sideways",
        "--state",
        state,
    ])
    .expect(2);
    cli.run(&[
        "conflicts",
        "resolve",
        "first",
        "--take",
        "source",
        "--state",
        state,
    ])
    .expect(2);
    let ran = cli
        .run(&[
            "conflicts",
            "resolve",
            &id,
            "--take",
            "source",
            "--json",
            "--state",
            state,
            "--value",
            "1",
        ])
        .expect(2);
    assert!(ran.stdout.is_empty() || ran.json().get("error").is_some());

    assert!(
        snapshot(state) == before,
        "a rejected resolution changed the state"
    );
    let open = cli
        .run(&["conflicts", "list", "--state", state, "--json"])
        .expect(0)
        .json();
    assert_eq!(open[0]["id"].as_i64(), Some(world.id));
    assert!(open[0]["resolution"].is_null(), "{open}");
}

// ---------------------------------------------------------------------------------------
// validate and export-config

#[test]
fn validate_accepts_every_example() {
    let cli = Cli::new();
    for name in EXAMPLES {
        let config = example(name);
        let ran = cli.run(&["validate", "--config", &config]).expect(0);
        assert!(ran.stdout.contains("is valid"), "{name}: {}", ran.stdout);
        let out = cli
            .run(&["validate", "--config", &config, "--json"])
            .expect(0)
            .json();
        assert_eq!(out["valid"], true, "{name}: {out}");
    }
}

#[test]
fn validate_rejects_an_unknown_key_at_its_file_line_and_column() {
    let cli = Cli::new();
    let text = replaced(
        &example_text("jira_to_github.yaml"),
        "batch_size: 50\n",
        "batch_size: 50\nbatch_sise: 3\n",
    );
    let line = text
        .lines()
        .position(|l| l.starts_with("batch_sise"))
        .expect("inserted line")
        + 1;
    let config = cli.write("typo.yaml", &text);
    let ran = cli.run(&["validate", "--config", &config]).expect(2);
    assert!(
        ran.stderr.contains(&format!("{config}:{line}:1")),
        "no file:line:col in {}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("batch_sise") && ran.stderr.contains("did you mean `batch_size`"),
        "{}",
        ran.stderr
    );
    let out = cli
        .run(&["validate", "--config", &config, "--json"])
        .expect(2)
        .json();
    // The same shape as any other validation result: a located diagnostic.
    assert_eq!(out["valid"], false, "{out}");
    let first = &out["diagnostics"][0];
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(line as u64), Some(1)),
        "{out}"
    );
    assert!(
        first["message"]
            .as_str()
            .is_some_and(|m| m.contains("batch_sise")),
        "{out}"
    );
}

#[test]
fn validate_rejects_an_unknown_transform_with_its_location_in_text_and_json() {
    let cli = Cli::new();
    let text = replaced(
        &example_text("github_projects.yaml"),
        "transform: \"jira_status_to_linear\"",
        "transform: \"no_such_transform\"",
    );
    let line = text
        .lines()
        .position(|l| l.contains("no_such_transform"))
        .expect("edited line")
        + 1;
    let config = cli.write("transform.yaml", &text);
    let ran = cli.run(&["validate", "--config", &config]).expect(2);
    assert!(
        ran.stderr.contains(&format!("{config}:{line}:"))
            && ran.stderr.contains("unknown transform `no_such_transform`"),
        "{}",
        ran.stderr
    );
    let out = cli
        .run(&["validate", "--config", &config, "--json"])
        .expect(2)
        .json();
    assert_eq!(out["valid"], false);
    let diagnostic = &out["diagnostics"][0];
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["line"].as_u64(), Some(line as u64));
}

#[test]
fn validate_of_a_missing_or_absent_config_is_bad_input() {
    let cli = Cli::new();
    let missing = cli.path("nowhere.yaml");
    let ran = cli.run(&["validate", "--config", &missing]).expect(2);
    assert!(
        ran.stderr.contains("cannot read config") && ran.stderr.contains("nowhere.yaml"),
        "{}",
        ran.stderr
    );
    let ran = cli.run(&["validate"]).expect(2);
    assert!(ran.stderr.contains("pass --config FILE"), "{}", ran.stderr);
    let broken = cli.write("broken.yaml", "name: x\nsource_platform: [\n");
    let ran = cli.run(&["validate", "--config", &broken]).expect(2);
    assert!(ran.stderr.contains("broken.yaml:"), "{}", ran.stderr);
}

#[test]
fn exported_config_validates_and_loads_to_the_same_config() {
    let cli = Cli::new().with_credentials();
    for name in EXAMPLES {
        let original = example(name);
        let exported = cli.path(&format!("exported-{name}"));
        cli.run(&[
            "export-config",
            "--config",
            &original,
            "--output",
            &exported,
        ])
        .expect(0);
        cli.run(&["validate", "--config", &exported]).expect(0);
        let before = cli
            .run(&["export-config", "--config", &original, "--json"])
            .expect(0)
            .json();
        let after = cli
            .run(&["export-config", "--config", &exported, "--json"])
            .expect(0)
            .json();
        assert_eq!(before, after, "{name} changed in the round trip");
        let text = std::fs::read_to_string(&exported).expect("exported file");
        let again = cli.run(&["export-config", "--config", &exported]).expect(0);
        assert_eq!(again.stdout, text, "{name}: re-export differs");
        for secret in [JIRA_TOKEN, GITHUB_TOKEN] {
            assert!(!text.contains(secret), "{name}: a secret was exported");
        }
    }
}

// ---------------------------------------------------------------------------------------
// plugins

#[test]
fn plugins_list_shows_the_first_party_plugins() {
    let cli = Cli::new();
    let ran = cli.run(&["plugins", "list"]).expect(0);
    for name in FIRST_PARTY {
        assert!(
            ran.stdout
                .lines()
                .any(|l| l.starts_with(&format!("{name} "))),
            "{name} not listed:\n{}",
            ran.stdout
        );
    }
    let out = cli.run(&["plugins", "list", "--json"]).expect(0).json();
    let names: Vec<&str> = out["plugins"]
        .as_array()
        .expect("plugins")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for name in FIRST_PARTY {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert_eq!(out["errors"].as_array().map(Vec::len), Some(0), "{out}");
}

#[test]
fn plugins_inspect_shows_the_hosts_a_connector_asks_for() {
    let cli = Cli::new();
    let ran = cli.run(&["plugins", "inspect", "jira"]).expect(0);
    assert!(
        ran.stdout.contains("https://*.atlassian.net")
            && ran.stdout.contains("http://127.0.0.1:*")
            && ran.stdout.contains("connector"),
        "{}",
        ran.stdout
    );
    let out = cli
        .run(&["plugins", "inspect", "jira", "--json"])
        .expect(0)
        .json();
    assert_eq!(out["name"], "jira");
    let asked: Vec<&str> = out["asked"]["hosts"]
        .as_array()
        .expect("asked hosts")
        .iter()
        .filter_map(Json::as_str)
        .collect();
    assert!(asked.contains(&"https://*.atlassian.net"), "{asked:?}");
}

#[test]
fn plugins_inspect_of_an_unknown_name_is_bad_input_listing_the_known_ones() {
    let cli = Cli::new();
    let ran = cli.run(&["plugins", "inspect", "nope"]).expect(2);
    assert!(
        ran.stderr.contains("no plugin named `nope`") && ran.stderr.contains("jira"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_plugins_dir_that_does_not_exist_is_bad_input_pointing_at_make_plugins() {
    let cli = Cli::new();
    let missing = cli.path("no-plugins-here");
    for args in [
        vec!["plugins", "list", "--plugins", &missing],
        vec!["plugins", "inspect", "jira", "--plugins", &missing],
    ] {
        let ran = cli.run(&args).expect(2);
        assert!(
            ran.stderr.contains("does not exist") && ran.stderr.contains("make plugins"),
            "{}",
            ran.stderr
        );
    }
    let state = cli.state();
    let config = example("jira_to_github.yaml");
    cli.run(&[
        "run",
        "--config",
        &config,
        "--sandbox",
        "--state",
        &state,
        "--plugins",
        &missing,
    ])
    .expect(2);
    assert_absent(&state);
}

#[test]
fn a_refused_plugin_is_reported_by_list_and_inspect_says_why() {
    let cli = Cli::new();
    let dir = cli.dir.path().join("some-plugins");
    let jira = dir.join("jira");
    std::fs::create_dir_all(&jira).expect("plugin folder");
    let source = plugins_dir().join("jira");
    for file in ["plugin.toml", "jira.wasm"] {
        std::fs::copy(source.join(file), jira.join(file)).expect("copy the jira plugin");
    }
    let broken = dir.join("broken");
    std::fs::create_dir_all(&broken).expect("plugin folder");
    std::fs::write(
        broken.join("plugin.toml"),
        "name = \"broken\"\nversion = \"0.1.0\"\nkind = \"transformer\"\n\
         api = \"pmsync:plugin@1.0.0\"\ncomponent = \"broken.wasm\"\n\
         [provides]\ntransforms = [\"shout\"]\n",
    )
    .expect("manifest");
    std::fs::write(broken.join("broken.wasm"), "not a component").expect("component");
    let plugins = dir.display().to_string();

    let ran = cli
        .run(&["plugins", "list", "--plugins", &plugins])
        .expect(2);
    assert!(
        ran.stdout.lines().any(|l| l.starts_with("jira ")),
        "the good plugin is not listed:\n{}",
        ran.stdout
    );
    assert!(
        ran.stderr.contains("refused:") && ran.stderr.contains("broken.wasm"),
        "{}",
        ran.stderr
    );
    let ran = cli
        .run(&["plugins", "inspect", "broken", "--plugins", &plugins])
        .expect(2);
    assert!(
        ran.stderr.contains("broken.wasm") && !ran.stderr.contains("no plugin named"),
        "inspect does not say why `broken` was refused: {}",
        ran.stderr
    );
}

// ---------------------------------------------------------------------------------------
// sandbox

#[test]
fn sandbox_answers_jira_on_the_given_port() {
    let cli = Cli::new();
    let sandbox = SandboxProcess::start(&cli);
    assert_eq!(sandbox.jira, format!("http://127.0.0.1:{}", sandbox.port));
    assert_eq!(
        sandbox.github,
        format!("http://127.0.0.1:{}", sandbox.port + 1)
    );
    let myself = format!("http://127.0.0.1:{}/rest/api/3/myself", sandbox.port);
    let (status, body) = http(
        "GET",
        &myself,
        Auth::Basic("sandbox@example.com", "sandbox"),
        None,
    );
    assert_eq!(status, 200, "{body}");
    assert!(body["accountId"].is_string(), "{body}");
    let (status, _) = http("GET", &myself, Auth::None, None);
    assert_eq!(status, 401, "the sandbox let an unauthenticated call in");
}

#[test]
fn sandbox_with_a_fault_rate_outside_0_to_1_is_bad_input() {
    let cli = Cli::new();
    let ran = cli.run(&["sandbox", "--faults", "2"]).expect(2);
    assert!(ran.stderr.contains("--faults"), "{}", ran.stderr);
}

// ---------------------------------------------------------------------------------------
// completions, argument errors, output to a closed pipe

#[test]
fn completions_bash_prints_a_completion_script() {
    let cli = Cli::new();
    let ran = cli.run(&["completions", "bash"]).expect(0);
    assert!(
        ran.stdout.contains("complete -F") && ran.stdout.contains("pmsync-host"),
        "{}",
        ran.stdout
    );
    for command in ["conflicts", "export-config", "sandbox"] {
        assert!(ran.stdout.contains(command), "{command} not completed");
    }
    cli.run(&["completions", "tcsh"]).expect(2);
}

#[test]
fn unknown_commands_and_flags_are_bad_input_and_help_is_not() {
    let cli = Cli::new();
    let ran = cli.run(&["frobnicate"]).expect(2);
    assert!(ran.stderr.contains("frobnicate"), "{}", ran.stderr);
    let ran = cli.run(&["run", "--bogus"]).expect(2);
    assert!(ran.stderr.contains("--bogus"), "{}", ran.stderr);
    cli.run(&[]).expect(2);
    cli.run(&["history", "--days", "soon"]).expect(2);
    let ran = cli.run(&["--help"]).expect(0);
    assert!(ran.stdout.contains("conflicts"), "{}", ran.stdout);
    cli.run(&["--version"]).expect(0);
    cli.assert_no_default_state();
}

#[test]
fn output_to_a_closed_pipe_is_dropped_without_a_panic() {
    let cli = Cli::new();
    for args in [
        vec!["plugins", "list", "--json"],
        vec!["completions", "bash"],
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let output = cli
            .command(&args)
            .stdout(writer)
            .output()
            .expect("pmsync-host runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("panicked"),
            "`{}` panicked on a closed stdout:\n{stderr}",
            args.join(" ")
        );
        assert_eq!(output.status.code(), Some(0), "{stderr}");
    }
}
