//! The JavaScript resolver in a real sync: `examples/js_workflow_resolver.yaml` (Linear ↔
//! Jira, conflicts to `workflow_order` from `plugins/workflow-resolver`), run by the real
//! `pmsync-host` binary in its own process against sandbox platforms served from this test
//! process. After a first sync, people move the same issue to different statuses on both
//! sides: the status further along the workflow wins on both platforms; a title edited on
//! both sides waits for a person in `conflicts list`, with the resolver's reason.

use super::plugins_test_cli::cache_dir;
use pmsync_host::store::Store;
use pmsync_sandbox::{Sandbox, SandboxHandle, SandboxOptions, SandboxRuntime};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_pmsync-host");
const SYNC: &str = "linear-jira-workflow";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

struct World {
    sandbox: SandboxHandle,
    _runtime: SandboxRuntime,
    dir: tempfile::TempDir,
}

impl World {
    /// The sandbox and the shipped example pointed at it.
    fn start() -> World {
        let (sandbox, runtime) =
            Sandbox::start_blocking(SandboxOptions::seed_items(6).with_time_scale(0.01))
                .expect("sandbox starts");
        let dir = tempfile::tempdir().unwrap();
        let example =
            std::fs::read_to_string(workspace().join("examples/js_workflow_resolver.yaml"))
                .expect("the example exists");
        let config = example
            .replace(
                "http://127.0.0.1:18082",
                sandbox.linear_url().trim_end_matches("/graphql"),
            )
            .replace("http://127.0.0.1:18080", &sandbox.jira_url());
        std::fs::write(dir.path().join("sync.yaml"), config).unwrap();
        World {
            sandbox,
            _runtime: runtime,
            dir,
        }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state.db")
    }

    /// `pmsync-host ARGS --state ... --json` as a user runs it; exit code and stdout JSON.
    fn pmsync(&self, args: &[&str]) -> (i32, Json, String) {
        let output = Command::new(BIN)
            .args(args)
            .arg("--state")
            .arg(self.state())
            .arg("--json")
            .env_clear()
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .env("LINEAR_API_KEY", "lin_api_test")
            .env("JIRA_EMAIL", "tester@example.com")
            .env("JIRA_API_TOKEN", "jira-token")
            .env("PMSYNC_PLUGINS", workspace().join("plugins"))
            .env("PMSYNC_CACHE_DIR", cache_dir())
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("pmsync-host runs");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let json = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{args:?}: stdout is not JSON ({e}):\n{stdout}\n{stderr}"));
        (output.status.code().unwrap_or(-1), json, stderr)
    }

    fn sync(&self) -> Json {
        let config = self.dir.path().join("sync.yaml").display().to_string();
        let (code, out, stderr) = self.pmsync(&["sync", "--config", &config, "--no-progress"]);
        assert_eq!(code, 0, "{out}\n{stderr}");
        out
    }

    fn set_linear_state(&self, id: &str, state: &str) {
        let linear = self.sandbox.linear();
        let state_id = linear.state_id(state).expect("a Linear state");
        assert!(linear.edit(id, |i| i.state_id = state_id));
    }

    fn set_jira_status(&self, key: &str, status: &str) {
        let id = match status {
            "To Do" => "10000",
            "In Progress" => "3",
            "Done" => "10001",
            other => panic!("no Jira status {other}"),
        };
        assert!(self.sandbox.jira().edit(key, |f| {
            f.insert(
                "status".into(),
                serde_json::json!({"id": id, "name": status}),
            );
        }));
    }

    fn jira_status(&self, key: &str) -> String {
        self.sandbox.jira().issue(key).expect("the Jira issue")["fields"]["status"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

fn count(run: &Json, what: &str) -> u64 {
    run["reports"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|r| r["counts"][what].as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn a_status_moved_on_both_sides_is_decided_by_the_javascript_resolver_on_both_platforms() {
    let w = World::start();
    let linear = w.sandbox.linear();
    let sync = linear.label_id("sync").expect("the workspace has `sync`");
    for id in ["ENG-1", "ENG-2", "ENG-3"] {
        assert!(linear.edit(id, |i| i.label_ids.push(sync.clone())));
        w.set_linear_state(id, "Todo");
    }
    let first = w.sync();
    assert_eq!(count(&first, "created"), 3, "{first}");
    assert_eq!(count(&first, "failed"), 0, "{first}");

    let store = Store::open(&w.state()).unwrap();
    let partner = |linear_key: &str| {
        store
            .links(SYNC)
            .unwrap()
            .into_iter()
            .find(|l| l.source_key == linear_key)
            .unwrap_or_else(|| panic!("{linear_key} has no Jira partner"))
            .target_key
    };
    let (jira1, jira2, jira3) = (partner("ENG-1"), partner("ENG-2"), partner("ENG-3"));
    assert_eq!(w.jira_status(&jira1), "To Do");

    // ENG-1: Linear says Done, Jira says In Progress. ENG-2 the other way round.
    w.set_linear_state("ENG-1", "Done");
    w.set_jira_status(&jira1, "In Progress");
    w.set_linear_state("ENG-2", "In Progress");
    w.set_jira_status(&jira2, "Done");
    // ENG-3: both sides retitle it: not a workflow field, so a person decides.
    assert!(linear.edit("ENG-3", |i| i.title = "Title from Linear".into()));
    assert!(w.sandbox.jira().edit(&jira3, |f| {
        f.insert("summary".into(), "Title from Jira".into());
    }));

    let second = w.sync();
    assert_eq!(count(&second, "failed"), 0, "{second}");
    assert_eq!(count(&second, "conflicts_auto"), 2, "{second}");
    assert_eq!(count(&second, "conflicts_manual"), 1, "{second}");

    assert_eq!(linear.state_name("ENG-1").as_deref(), Some("Done"));
    assert_eq!(w.jira_status(&jira1), "Done");
    assert_eq!(linear.state_name("ENG-2").as_deref(), Some("Done"));
    assert_eq!(w.jira_status(&jira2), "Done");
    assert_eq!(linear.issue("ENG-3").unwrap().title, "Title from Linear");
    assert_eq!(
        w.sandbox.jira().issue(&jira3).unwrap()["fields"]["summary"],
        "Title from Jira"
    );

    let (code, conflicts, stderr) = w.pmsync(&["conflicts", "list"]);
    assert_eq!(code, 0, "{stderr}");
    let text = conflicts.to_string();
    assert!(text.contains("ENG-3") && text.contains(&jira3), "{text}");
    assert!(
        text.contains("`title` is not a workflow field (state)"),
        "the resolver's reason is shown: {text}"
    );
    assert!(!text.contains("ENG-1") && !text.contains("ENG-2"), "{text}");

    let (code, history, stderr) = w.pmsync(&["history", "--item", "ENG-1"]);
    assert_eq!(code, 0, "{stderr}");
    let entries = history.as_array().expect("history entries");
    let conflict = entries
        .iter()
        .find(|e| e["status"] == "conflict")
        .unwrap_or_else(|| panic!("the conflict is audited: {history}"));
    assert_eq!(
        conflict["detail"],
        "state → status: source \"Done\" vs target \"In Progress\"; Custom: source wins",
        "{history}"
    );
    assert!(
        entries.iter().any(|e| e["status"] == "updated"
            && e["target_key"] == jira1.as_str()
            && e["changes"][0]["new"]["value"] == "Done"),
        "the winning status is audited as written to Jira: {history}"
    );
}
