//! The promise under real conditions: the sandbox platforms serve from this test process with
//! their real pace (time-scaled: GitHub writes stay spaced, 100× faster), and the real
//! `pmsync-host` binary syncs them from child processes — two at once, stopped by SIGTERM,
//! killed with SIGKILL at random points while people edit both sides, with faults that
//! include writes applied whose answer is lost. Needs the plugins built (`make plugins`).

use crate::support::{BIN, plugin_cache, sandbox_platforms_yaml, workspace};
use pmsync_host::store::{AuditQuery, AuditStatus, Store};
use pmsync_sandbox::{FaultPlan, Sandbox, SandboxHandle, SandboxOptions, SandboxRuntime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SYNC: &str = "jira-github";

/// A Jira ↔ GitHub sync of summary/title and status/state, pointed at the sandbox.
fn config(jira: &str, github: &str, batch_size: u32) -> String {
    let platforms = sandbox_platforms_yaml(jira, github);
    format!(
        r#"
name: "{SYNC}"
source_platform: "jira"
target_platform: "github"
direction: "bidirectional"
conflict_strategy: "last_write_wins"
batch_size: {batch_size}
concurrency: 2
enable_retry: true
max_retries: 4
retry_delay: 0.05
{platforms}field_mappings:
  - {{ source_field: summary, target_field: title, required: true }}
  - source_field: status
    target_field: state
    value_map: status
    required: true
    default_value: "To Do"
value_maps:
  status:
    forward: {{ "To Do": open, "In Progress": open, "Done": closed }}
    reverse: {{ open: "To Do", closed: "Done" }}
"#
    )
}

/// The sandbox (in this process), a config and a state file.
struct World {
    handle: SandboxHandle,
    _runtime: SandboxRuntime,
    dir: tempfile::TempDir,
}

impl World {
    fn start(items: usize, time_scale: f64, batch_size: u32) -> World {
        let options = SandboxOptions::seed_items(items).with_time_scale(time_scale);
        let (handle, runtime) = Sandbox::start_blocking(options).expect("sandbox starts");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("sync.yaml"),
            config(&handle.jira_url(), &handle.github_url(), batch_size),
        )
        .unwrap();
        World {
            handle,
            _runtime: runtime,
            dir,
        }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state.db")
    }

    /// `pmsync-host SUBCOMMAND` with this world's config, plugins and cache, plus the state
    /// and progress options where the subcommand offers them, then the other `args`.
    fn command(&self, args: &[&str]) -> Command {
        let subcommand = args
            .iter()
            .find(|a| !a.starts_with("--"))
            .copied()
            .unwrap_or("sync");
        let mut command = Command::new(BIN);
        command
            .arg(subcommand)
            .arg("--config")
            .arg(self.dir.path().join("sync.yaml"))
            .arg("--plugins")
            .arg(workspace().join("plugins"))
            .arg("--cache-dir")
            .arg(plugin_cache("plugin-cache"));
        if subcommand == "sync" || subcommand == "run" {
            command
                .arg("--state")
                .arg(self.state())
                .arg("--no-progress");
        }
        command.args(args.iter().filter(|a| **a != subcommand));
        command
            .env_clear()
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .env("JIRA_EMAIL", "tester@example.com")
            .env("JIRA_API_TOKEN", "jira-token")
            .env("GITHUB_TOKEN", "github-token")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).spawn().expect("pmsync-host starts")
    }

    /// A sync pass to its end, with `--json`.
    fn sync(&self) -> (i32, Json, String) {
        let out = self.command(&["--json", "sync"]).output().unwrap();
        parsed(out)
    }

    fn jira_count(&self) -> usize {
        (1..)
            .take_while(|n| self.handle.jira().issue(&format!("PROJ-{n}")).is_some())
            .count()
    }

    /// GitHub issues (pull requests, which the connector leaves alone, not counted).
    fn github_count(&self) -> usize {
        self.github_numbers().len()
    }

    fn github_numbers(&self) -> Vec<u64> {
        (1..=self.handle.github().issue_count() as u64)
            .filter(|&n| {
                self.handle
                    .github()
                    .issue(n)
                    .is_some_and(|i| !i.is_pull_request)
            })
            .collect()
    }

    fn summary(&self, key: &str) -> String {
        self.handle.jira().issue(key).unwrap()["fields"]["summary"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

fn parsed(out: Output) -> (i32, Json, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_str(&stdout)
        .ok()
        .or_else(|| {
            stdout
                .lines()
                .rev()
                .find_map(|l| serde_json::from_str(l).ok())
        })
        .unwrap_or(Json::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

fn count(report: &Json, what: &str) -> u64 {
    report["reports"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|r| r["counts"][what].as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

fn github_number(key: &str) -> u64 {
    key.rsplit('#')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("GitHub key {key}"))
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every PROJ issue and every GitHub issue is in exactly one link, and both sides hold the
/// same summary/title and matching status/state.
fn assert_paired_and_equal(world: &World) -> Vec<(String, String)> {
    let store = Store::open(&world.state()).unwrap();
    let links = store.links(SYNC).unwrap();
    assert_eq!(
        world.jira_count(),
        links.len(),
        "a Jira issue without its one link (a duplicate?)"
    );
    assert_eq!(
        world.github_count(),
        links.len(),
        "a GitHub issue without its one link (a duplicate?)"
    );
    let mut pairs = Vec::new();
    for link in &links {
        let issue = world
            .handle
            .github()
            .issue(github_number(&link.target_key))
            .unwrap();
        let summary = world.summary(&link.source_key);
        assert_eq!(
            summary, issue.title,
            "{} and {} differ",
            link.source_key, link.target_key
        );
        let status = world.handle.jira().status(&link.source_key).unwrap();
        let closed = status == "Done";
        assert_eq!(
            closed,
            issue.state == "closed",
            "{} is {status}, {} is {}",
            link.source_key,
            link.target_key,
            issue.state
        );
        pairs.push((link.source_key.clone(), link.target_key.clone()));
    }
    pairs
}

#[test]
fn two_runs_at_once_create_no_duplicates_and_the_second_says_why_it_stops() {
    let world = World::start(40, 0.01, 50);
    let first = world.spawn(&["sync"]);
    let second = world.spawn(&["sync"]);
    let (a, b) = (
        parsed(first.wait_with_output().unwrap()),
        parsed(second.wait_with_output().unwrap()),
    );
    let codes = [a.0, b.0];
    assert!(codes.contains(&0), "one run syncs: {a:?} {b:?}");
    if let Some(busy) = [&a, &b].into_iter().find(|r| r.0 != 0) {
        assert_eq!(busy.0, 3, "the other exits 3: {}", busy.2);
        assert!(
            busy.2
                .contains("another pmsync run is using the state store"),
            "{}",
            busy.2
        );
    }
    // Queued with --wait, both finish.
    world.handle.jira().edit("PROJ-1", |f| {
        f.insert("summary".into(), "edited while two runs queue".into());
    });
    let first = world.spawn(&["sync", "--wait"]);
    let second = world.spawn(&["sync", "--wait"]);
    assert_eq!(first.wait_with_output().unwrap().status.code(), Some(0));
    assert_eq!(second.wait_with_output().unwrap().status.code(), Some(0));
    assert_paired_and_equal(&world);
}

#[test]
fn sigterm_during_a_pass_stops_within_seconds_with_exit_0_and_no_pending_intent() {
    // GitHub's pace at a twentieth: 50 ms between writes; 60 items take seconds.
    let world = World::start(60, 0.05, 50);
    let child = world.spawn(&["sync"]);
    let before = world.github_count();
    wait_until("the first writes", Duration::from_secs(60), || {
        world.github_count() > before + 3
    });
    signal(&child, "TERM");
    let signalled = Instant::now();
    let (code, _, stderr) = parsed(child.wait_with_output().unwrap());
    assert!(
        signalled.elapsed() < Duration::from_secs(10),
        "stopped in {:?}",
        signalled.elapsed()
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("SIGTERM: stopping"), "{stderr}");
    let store = Store::open(&world.state()).unwrap();
    assert_eq!(
        store.pending_intents(SYNC).unwrap(),
        vec![],
        "no create left half-known"
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
    drop(store);
    let (code, _, stderr) = world.sync();
    assert_eq!(code, 0, "{stderr}");
    assert_paired_and_equal(&world);
}

/// Reads the child's stderr until a line contains `needle` (at most a minute); the rest of
/// its stderr is drained in the background.
fn until_logged(child: &mut Child, needle: &str) {
    let stderr = child.stderr.take().expect("stderr is piped");
    let (lines, seen) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut log = String::new();
    let started = Instant::now();
    while !log.contains(needle) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never logged `{needle}`:\n{log}"
        );
        if let Ok(line) = seen.recv_timeout(Duration::from_millis(200)) {
            log.push_str(&line);
            log.push('\n');
        }
    }
}

#[test]
fn sigterm_during_a_rate_limit_wait_ends_the_wait_at_once() {
    let world = World::start(3, 0.01, 50);
    // Two GitHub REST requests per 40 s: the gateway waits for the reset.
    world.handle.set_fault_plan(
        FaultPlan::none()
            .with_github_core_budget(2)
            .with_budget_window(Duration::from_secs(40)),
    );
    let mut child = world.spawn(&["sync"]);
    until_logged(&mut child, "waiting for the platform's rate limit to reset");
    signal(&child, "TERM");
    let signalled = Instant::now();
    let status = child.wait().unwrap();
    assert!(
        signalled.elapsed() < Duration::from_secs(10),
        "stopped {:?} after SIGTERM, in a 40 s wait",
        signalled.elapsed()
    );
    assert!(status.code().is_some(), "it exited, not killed: {status:?}");

    world.handle.set_fault_plan(FaultPlan::none());
    let (code, report, stderr) = world.sync();
    assert_eq!(code, 0, "{report}\n{stderr}");
    assert_paired_and_equal(&world);
}

#[test]
fn sigterm_during_a_retry_wait_ends_the_wait_and_the_next_run_finishes_the_work() {
    let world = World::start(3, 0.01, 50);
    let path = world.dir.path().join("sync.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    // A retry waits 30 s (then 60, 120): far longer than a stop may take.
    std::fs::write(&path, text.replace("retry_delay: 0.05", "retry_delay: 30")).unwrap();
    world.handle.set_fault_plan(FaultPlan::none().with_fault_on(
        "POST",
        "/repos/acme/widgets/issues",
        pmsync_sandbox::Fault::ServerError { status: 503 },
        10_000,
    ));
    let mut child = world.spawn(&["sync"]);
    until_logged(&mut child, "waiting before retrying");
    signal(&child, "TERM");
    let signalled = Instant::now();
    let status = child.wait().unwrap();
    assert!(
        signalled.elapsed() < Duration::from_secs(10),
        "stopped {:?} after SIGTERM, in a 30 s wait",
        signalled.elapsed()
    );
    assert!(status.code().is_some(), "it exited, not killed: {status:?}");
    let store = Store::open(&world.state()).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    drop(store);

    world.handle.set_fault_plan(FaultPlan::none());
    let (code, report, stderr) = world.sync();
    assert_eq!(code, 0, "{report}\n{stderr}");
    assert_paired_and_equal(&world);
}

#[test]
fn a_500_item_first_import_into_paced_github_with_batch_size_50_fails_nothing() {
    let world = World::start(500, 0.01, 50);
    let started = Instant::now();
    let (code, report, stderr) = world.sync();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(count(&report, "failed"), 0, "{report}");
    assert_eq!(count(&report, "created"), 1000, "{report}");
    eprintln!("500 + 500 item first import: {:?}", started.elapsed());
    assert_paired_and_equal(&world);
}

#[test]
fn syncs_feeding_each_other_are_refused_by_validate_and_by_a_run_with_their_position() {
    let world = World::start(1, 1.0, 10);
    let text = std::fs::read_to_string(world.dir.path().join("sync.yaml")).unwrap();
    let head = &text[..text.find("field_mappings:").unwrap()];
    let platforms = &head[head.find("platforms:").unwrap()..];
    let sync = |name: &str, from: &str, to: &str, field: &str| {
        format!(
            "  - name: {name}\n    source_platform: {from}\n    target_platform: {to}\n    direction: source_to_target\n    field_mappings:\n      - {{source_field: {field}, target_field: {field}}}\n"
        )
    };
    std::fs::write(
        world.dir.path().join("sync.yaml"),
        format!(
            "{platforms}syncs:\n{}{}",
            sync("there", "jira", "github", "summary"),
            sync("back", "github", "jira", "title")
        ),
    )
    .unwrap();
    let out = world.command(&["validate"]).output().unwrap();
    let (code, _, stderr) = parsed(out);
    let stdout_and_err = stderr;
    assert_eq!(code, 2, "{stdout_and_err}");
    assert!(
        stdout_and_err.contains("feed each other") && stdout_and_err.contains("sync.yaml:"),
        "{stdout_and_err}"
    );

    // Run anyway: refused the same way before anything is written on either side.
    let (jira, github) = (world.jira_count(), world.github_count());
    let (code, answer, stderr) = world.sync();
    assert_eq!(code, 2, "{answer}\n{stderr}");
    assert!(
        answer.to_string().contains("feed each other"),
        "{answer}\n{stderr}"
    );
    assert_eq!((world.jira_count(), world.github_count()), (jira, github));
    assert!(!world.state().exists(), "no state store was even created");
}

/// The JSON events `pmsync-host --json` printed on stderr.
fn stderr_events(stderr: &str, event: &str) -> Vec<Json> {
    stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Json>(l).ok())
        .filter(|e| e["event"] == event)
        .collect()
}

#[test]
fn a_rate_limit_wait_is_announced_with_its_platform_budget_and_reset_time() {
    let world = World::start(3, 0.01, 50);
    // Two GitHub REST requests per 3 s: the sync meets the exhausted budget and waits.
    world.handle.set_fault_plan(
        FaultPlan::none()
            .with_github_core_budget(2)
            .with_budget_window(Duration::from_secs(3)),
    );
    let started = chrono::Utc::now();
    let (code, report, stderr) = world.sync();
    assert_eq!(code, 0, "{report}\n{stderr}");
    // Three seeded items a side, each created on the other.
    assert_eq!(count(&report, "created"), 6, "{report}");
    assert_eq!(count(&report, "failed"), 0, "{report}");

    let waits = stderr_events(&stderr, "waiting");
    assert!(!waits.is_empty(), "no waiting event on stderr:\n{stderr}");
    for wait in &waits {
        assert_eq!(wait["platform"], "github", "{wait}");
        assert_eq!(wait["budget"], "core", "{wait}");
        let until = wait["until"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .unwrap_or_else(|| panic!("`until` is not RFC 3339: {wait}"));
        let wait_ms = wait["wait_ms"].as_u64().expect("wait_ms");
        // At most the 3 s window (reset on a whole second) and the 1 s resolution of the header.
        assert!(wait_ms > 0 && wait_ms <= 5_000, "{wait}");
        assert!(until >= started - chrono::Duration::seconds(1), "{wait}");
    }
    assert!(
        stderr.contains("waiting for the platform's rate limit to reset"),
        "the log says it too:\n{stderr}"
    );
}

#[test]
fn a_reset_further_away_than_max_wait_stops_the_side_at_once_and_keeps_its_items() {
    let world = World::start(3, 0.01, 50);
    let path = world.dir.path().join("sync.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}max_wait: 1\n")).unwrap();
    // One GitHub REST request per hour: the reset is an hour away, max_wait one second.
    world.handle.set_fault_plan(
        FaultPlan::none()
            .with_github_core_budget(1)
            .with_budget_window(Duration::from_secs(3600)),
    );
    let started = Instant::now();
    let (code, report, stderr) = world.sync();
    assert_eq!(code, 1, "{report}\n{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "waited {:?} instead of stopping",
        started.elapsed()
    );
    assert_eq!(
        world.github_count(),
        3,
        "nothing was created on GitHub (3 seeded)"
    );
    assert!(
        report.to_string().contains("max_wait") || stderr.contains("max_wait"),
        "the report or log names max_wait:\n{report}\n{stderr}"
    );

    // The budget back: the next run creates what the stopped one kept.
    world.handle.set_fault_plan(FaultPlan::none());
    let (code, report, stderr) = world.sync();
    assert_eq!(code, 0, "{report}\n{stderr}");
    assert_eq!(world.github_count(), 6, "{report}");
    assert_paired_and_equal(&world);
}

#[test]
fn issues_created_in_jira_get_the_syncs_type_and_their_later_edits_sync() {
    let world = World::start(6, 0.01, 50);
    let path = world.dir.path().join("sync.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!(
            "{text}filters: {{ projects: [PROJ], issue_types: [Story, Bug] }}\n\
             create_fields: {{ source: {{ issuetype: Story }} }}\n"
        ),
    )
    .unwrap();
    let (code, report, stderr) = world.sync();
    assert_eq!(code, 0, "{report}\n{stderr}");
    let created_in_jira: Vec<String> = report["reports"][0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| {
            i["action"] == "created"
                && i["changes"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c["side"] == "source"))
        })
        .filter_map(|i| i["source_key"].as_str().map(str::to_string))
        .collect();
    assert_eq!(created_in_jira.len(), 6, "every GitHub issue: {report}");
    for key in &created_in_jira {
        let issue = world.handle.jira().issue(key).expect("created issue");
        assert_eq!(issue["fields"]["issuetype"]["name"], "Story", "{key}");
    }

    // An edit in Jira to an issue the sync created reaches GitHub: it is still in scope.
    let key = &created_in_jira[0];
    world.handle.jira().edit(key, |f| {
        f.insert("summary".into(), "edited where it was created".into());
    });
    let (code, report, stderr) = world.sync();
    assert_eq!(code, 0, "{report}\n{stderr}");
    assert_eq!(count(&report, "updated"), 1, "{report}");
    let titles: Vec<String> = world
        .github_numbers()
        .into_iter()
        .filter_map(|n| world.handle.github().issue(n).map(|i| i.title))
        .collect();
    assert!(
        titles.iter().any(|t| t == "edited where it was created"),
        "{titles:?}"
    );
}

#[test]
fn a_create_stopped_between_its_requests_is_finished_by_the_next_run_never_taken_as_done() {
    let world = World::start(6, 0.01, 50);
    let done_in_jira = (1..=6)
        .map(|n| format!("PROJ-{n}"))
        .filter(|k| world.handle.jira().issue(k).unwrap()["fields"]["status"]["name"] == "Done")
        .count();
    assert!(
        done_in_jira > 0,
        "the seed has a Done issue, created closed on GitHub"
    );
    // Every GitHub create goes through (POST), every close that should follow it (PATCH)
    // is cut off: a create stopped half-way, as a kill between the two requests leaves it.
    world.handle.set_fault_plan(FaultPlan::none().with_fault_on(
        "PATCH",
        "/repos/acme/widgets/issues/",
        pmsync_sandbox::Fault::DropConnection,
        10_000,
    ));
    let (code, report, stderr) = world.sync();
    assert_ne!(
        code, 0,
        "the cut-off closes fail this run: {report}\n{stderr}"
    );
    let open_copies = world.github_count();
    assert!(open_copies > 6, "the creates went through: {report}");

    world.handle.set_fault_plan(FaultPlan::none());
    let (code, report, stderr) = world.sync();
    assert_eq!(code, 0, "{report}\n{stderr}");
    assert_eq!(
        world.github_count(),
        open_copies,
        "finished, not created again: {report}"
    );
    // Paired, and each half-done copy now carries the state it was meant to (closed).
    assert_paired_and_equal(&world);
    let (code, report, _) = world.sync();
    assert_eq!(code, 0);
    assert_eq!(count(&report, "writes"), 0, "nothing left to do: {report}");
}

/// What people did between runs: the last value written to each field of each item.
#[derive(Default)]
struct Edits {
    /// Jira key or GitHub number → (summary/title value, when).
    titles: BTreeMap<String, (String, Instant)>,
}

fn edit_both_sides(world: &World, rng: &mut StdRng, trial: usize, edits: &mut Edits) {
    let jira_keys = world.jira_count();
    for k in 0..2 {
        let key = format!("PROJ-{}", rng.random_range(1..=jira_keys));
        let value = format!("jira edit {trial}.{k}");
        world.handle.jira().edit(&key, |f| {
            f.insert("summary".into(), value.clone().into());
        });
        edits.titles.insert(key, (value, Instant::now()));
        std::thread::sleep(Duration::from_millis(2));
    }
    let numbers = world.github_numbers();
    for k in 0..2 {
        let number = numbers[rng.random_range(0..numbers.len())];
        let value = format!("github edit {trial}.{k}");
        let close = rng.random_bool(0.2);
        world.handle.github().edit(number, |issue| {
            issue.title = value.clone();
            if close {
                issue.state = if issue.state == "open" {
                    "closed".into()
                } else {
                    "open".into()
                };
            }
        });
        edits
            .titles
            .insert(format!("#{number}"), (value, Instant::now()));
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// One run, killed with SIGKILL at a random point unless it finished first; true if killed.
fn killed_run(world: &World, rng: &mut StdRng) -> bool {
    let mut child = world.spawn(&["sync"]);
    let kill_after = Duration::from_millis(rng.random_range(20..900));
    let started = Instant::now();
    while started.elapsed() < kill_after {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    true
}

#[test]
fn runs_killed_at_random_points_with_edits_and_faults_keep_every_pair_and_edit() {
    let started = Instant::now();
    let world = World::start(20, 0.01, 5);
    let mut rng = StdRng::seed_from_u64(0x6b11);
    let mut edits = Edits::default();
    let trials = 60;
    let mut killed = 0;
    for trial in 0..trials {
        if trial == 40 {
            world.handle.set_fault_plan(
                FaultPlan::none()
                    .with_seed(trial as u64)
                    .with_dropped_connections(0.05)
                    .with_applied_response_lost(0.05)
                    .with_server_errors(0.05)
                    .with_rate_limited(0.05, 1),
            );
        }
        if trial > 0 {
            edit_both_sides(&world, &mut rng, trial, &mut edits);
        }
        killed += usize::from(killed_run(&world, &mut rng));
    }
    // Where a kill lands depends on the machine's speed (an idle machine finishes more runs
    // before their kill); at least ten runs must really be cut mid-way for the trial to mean
    // anything.
    assert!(
        killed >= 10,
        "at least ten runs are killed mid-way ({killed} of {trials})"
    );
    eprintln!("[figures] kill loop: {killed} of {trials} runs killed mid-way");
    world.handle.set_fault_plan(FaultPlan::none());
    let mut code = -1;
    for _ in 0..3 {
        let (c, _, stderr) = world.sync();
        code = c;
        if c == 0 {
            break;
        }
        eprintln!("a run after the faults: {stderr}");
    }
    assert_eq!(
        code, 0,
        "the platforms are healthy again: a run syncs everything"
    );

    let pairs = assert_paired_and_equal(&world);
    // No lost edit: each pair holds its latest edit, unless a conflict was recorded for it.
    let store = Store::open(&world.state()).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let mut lost = Vec::new();
    for (jira_key, github_key) in &pairs {
        let latest = [
            jira_key.as_str(),
            format!("#{}", github_number(github_key)).as_str(),
        ]
        .iter()
        .filter_map(|k| edits.titles.get(*k).cloned())
        .max_by_key(|(_, at)| *at);
        let Some((value, _)) = latest else { continue };
        if world.summary(jira_key) == value {
            continue;
        }
        let conflicts = store
            .audit(&AuditQuery {
                sync: Some(SYNC.into()),
                key: Some(jira_key.clone()),
                ..AuditQuery::default()
            })
            .unwrap()
            .into_iter()
            .filter(|e| e.status == AuditStatus::Conflict)
            .count();
        if conflicts == 0 {
            lost.push(format!(
                "{jira_key}/{github_key}: expected {value:?}, has {:?}",
                world.summary(jira_key)
            ));
        }
    }
    assert_eq!(
        lost,
        Vec::<String>::new(),
        "edits lost without a recorded conflict"
    );
    assert_eq!(store.pending_intents(SYNC).unwrap(), vec![]);
    drop(store);

    let (code, report, stderr) = world.sync();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        count(&report, "writes"),
        0,
        "the final run writes nothing: {report}"
    );
    eprintln!("{trials} runs ({killed} killed) in {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(180));
}

mod adoption;
