//! `pmsync-host links ...` as a person runs it: the real binary in its own process against
//! the sandbox platforms (served from this test process, example data). Needs the plugins
//! built (`make plugins`).

use crate::support::{BIN, plugin_cache, sandbox_platforms_yaml, workspace};
use pmsync_host::store::{AuditQuery, Store};
use pmsync_sandbox::{Sandbox, SandboxHandle, SandboxOptions, SandboxRuntime};
use serde_json::Value as Json;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const SYNC: &str = "jira-github";

fn config(jira: &str, github: &str) -> String {
    let platforms = sandbox_platforms_yaml(jira, github);
    format!(
        r#"
name: "{SYNC}"
source_platform: "jira"
target_platform: "github"
retry_delay: 0.05
{platforms}field_mappings:
  - {{ source_field: summary, target_field: title, required: true }}
link_existing:
  initial_winner: source
"#
    )
}

struct World {
    handle: SandboxHandle,
    _runtime: SandboxRuntime,
    dir: tempfile::TempDir,
}

impl World {
    fn start() -> World {
        let options = SandboxOptions::default().with_time_scale(0.01);
        let (handle, runtime) = Sandbox::start_blocking(options).expect("sandbox starts");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("sync.yaml"),
            config(&handle.jira_url(), &handle.github_url()),
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

    /// `pmsync-host links SUB ARGS... --json` (with config and plugins where SUB takes
    /// them): exit code, JSON on stdout, stderr.
    fn links(&self, sub: &str, args: &[&str]) -> (i32, Json, String) {
        let mut command = Command::new(BIN);
        command.arg("links").arg(sub).arg("--sync").arg(SYNC);
        command.args(args);
        command.arg("--state").arg(self.state()).arg("--json");
        if sub == "add" || sub == "import" {
            command
                .arg("--config")
                .arg(self.dir.path().join("sync.yaml"))
                .arg("--plugins")
                .arg(workspace().join("plugins"))
                .arg("--cache-dir")
                .arg(plugin_cache("plugin-cache"));
        }
        let out = command
            .env_clear()
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .env("JIRA_EMAIL", "tester@example.com")
            .env("JIRA_API_TOKEN", "jira-token")
            .env("GITHUB_TOKEN", "github-token")
            .stdin(Stdio::null())
            .output()
            .expect("pmsync-host runs");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let json = serde_json::from_str(&stdout).unwrap_or(Json::Null);
        (
            out.status.code().unwrap_or(-1),
            json,
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    }

    fn listed(&self) -> Vec<(String, String)> {
        let (code, json, stderr) = self.links("list", &[]);
        assert_eq!(code, 0, "{stderr}");
        json["links"]
            .as_array()
            .expect("a list of links")
            .iter()
            .map(|l| {
                (
                    l["source_key"].as_str().unwrap_or_default().to_string(),
                    l["target_key"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    fn audited(&self, status: &str) -> usize {
        let store = Store::open(&self.state()).expect("the store opens");
        store
            .audit(&AuditQuery::default())
            .expect("audit")
            .iter()
            .filter(|e| e.status.as_str() == status)
            .count()
    }
}

#[test]
fn links_import_of_a_csv_links_every_pair_only_when_all_exist_on_both_platforms() {
    let w = World::start();
    let csv = w.dir.path().join("pairs.csv");

    // One line names an issue that does not exist: the whole file is refused.
    std::fs::write(&csv, "source_key,target_key\nPROJ-1,#1\nPROJ-999,#2\n").unwrap();
    let (code, json, stderr) = w.links("import", &[csv.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    let message = json["error"].as_str().unwrap_or_default();
    assert!(message.contains("line 3"), "{message}");
    assert!(
        message.contains("no source item `PROJ-999` on jira"),
        "{message}"
    );
    assert!(message.contains("nothing was written"), "{message}");
    assert!(
        !w.state().exists(),
        "a refused import created the state store"
    );

    // Keys in both GitHub spellings, spaces after commas.
    std::fs::write(&csv, "source,target\nPROJ-1,#1\nPROJ-2, 2\n\"PROJ-3\",#3\n").unwrap();
    let (code, json, stderr) = w.links("import", &[csv.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["linked"].as_array().map(Vec::len), Some(3), "{json}");
    let mut listed = w.listed();
    listed.sort();
    assert_eq!(
        listed,
        vec![
            ("PROJ-1".to_string(), "#1".to_string()),
            ("PROJ-2".to_string(), "#2".to_string()),
            ("PROJ-3".to_string(), "#3".to_string()),
        ]
    );
    assert_eq!(w.audited("matched"), 3);

    // Importing the same file again names each pair already linked, and writes nothing.
    let (code, json, stderr) = w.links("import", &[csv.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    let message = json["error"].as_str().unwrap_or_default();
    assert!(message.contains("already linked"), "{message}");
    assert_eq!(w.listed().len(), 3);
    assert_eq!(w.handle.github().issue_count(), 10, "nothing was created");
}

#[test]
fn links_add_of_a_wrong_key_is_refused_with_exit_2_and_writes_nothing() {
    let w = World::start();
    let (code, json, stderr) = w.links("add", &["PROJ-1", "#999"]);
    assert_eq!(code, 2, "{stderr}");
    let message = json["error"].as_str().unwrap_or_default();
    assert!(
        message.contains("no target item `#999` on github"),
        "{message}"
    );
    assert!(message.contains("nothing was written"), "{message}");
    assert!(!w.state().exists(), "a refused add created the state store");

    let (code, _, stderr) = w.links("add", &["PROJ-1", "#1"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, json, _) = w.links("add", &["PROJ-2", "1"]);
    assert_eq!(code, 2);
    let message = json["error"].as_str().unwrap_or_default();
    assert!(message.contains("already linked"), "{message}");
    assert_eq!(w.listed(), vec![("PROJ-1".to_string(), "#1".to_string())]);
}

#[test]
fn links_remove_forgets_the_link_keeps_both_items_and_is_audited() {
    let w = World::start();
    let (code, _, stderr) = w.links("add", &["PROJ-4", "#4"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, json, stderr) = w.links("remove", &["#4"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["removed"]["source_key"], "PROJ-4");
    assert!(w.listed().is_empty());
    assert_eq!(w.audited("unlinked"), 1);
    assert!(w.handle.jira().issue("PROJ-4").is_some());
    assert!(w.handle.github().issue(4).is_some());
    let (code, _, _) = w.links("remove", &["#4"]);
    assert_eq!(code, 2, "removing a link that is gone is bad input");
}
