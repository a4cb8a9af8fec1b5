//! Plugins written in Python, as a user meets them: the pytest suites of the SDK
//! (`sdk/python`), of the first-party `label-normalizer` and of each template kind (named as
//! `plugins new` names them) pass through the toolchain `make plugins` installs
//! (`target/plugin-toolchains/python`); the real binary, in its own process, syncs the
//! sandbox platforms (served by this test process) through the Python transformer with the
//! operator's settings, both ways; a wrong setting is refused at its line and column.

use pmsync_host::store::Store;
use pmsync_sandbox::{Sandbox, SandboxHandle, SandboxOptions, SandboxRuntime};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const BIN: &str = env!("CARGO_BIN_EXE_pmsync-host");
const SYNC: &str = "labels-normalized";
const EXAMPLE: &str = "python_label_normalizer.yaml";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// The venv `scripts/build-python-plugins.sh` installs (componentize-py and pytest, pinned).
fn toolchain() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target dir")
        .to_path_buf();
    let venv = target.join("plugin-toolchains/python");
    assert!(
        venv.join("bin/python").exists() && venv.join("bin/componentize-py").exists(),
        "no Python plugin toolchain in {}: run `make plugins` (bash scripts/build-plugins.sh) first",
        venv.display()
    );
    venv
}

/// One compiled-plugin cache for this module's runs of the binary: the 20 MB Python
/// component compiles once per test run, not once per test.
fn cache_dir() -> &'static Path {
    static CACHE: OnceLock<PathBuf> = OnceLock::new();
    CACHE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache");
        std::fs::create_dir_all(&dir).expect("cache dir");
        dir
    })
}

/// `python -m pytest -q DIR` in the toolchain's venv; panics with the output unless every
/// test passed and none was skipped.
fn pytest(dir: &Path, python_path: Option<&Path>) -> String {
    let venv = toolchain();
    let mut command = Command::new(venv.join("bin/python"));
    command
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"])
        .arg(dir)
        .current_dir(dir)
        .env("PMSYNC_COMPONENTIZE_PY", venv.join("bin/componentize-py"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null());
    if let Some(path) = python_path {
        command.env("PYTHONPATH", path);
    }
    let out = command.output().expect("pytest runs");
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "pytest in {}:\n{shown}",
        dir.display()
    );
    assert!(
        shown.contains(" passed") && !shown.contains("skipped"),
        "pytest in {} ran no test or skipped some:\n{shown}",
        dir.display()
    );
    shown
}

#[test]
fn the_python_sdk_passes_its_pytest_suite_including_the_wit_boundary() {
    let shown = pytest(&workspace().join("sdk/python/tests"), None);
    let passed: u32 = shown
        .split_whitespace()
        .zip(shown.split_whitespace().skip(1))
        .find(|(_, word)| word.starts_with("passed"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(0);
    assert!(passed >= 40, "only {passed} SDK tests ran:\n{shown}");
}

#[test]
fn the_label_normalizer_passes_its_pytest_suite() {
    let sdk = workspace().join("sdk/python");
    pytest(&workspace().join("plugins/label-normalizer"), Some(&sdk));
}

// The templates, filled in by `plugins new` itself, are tested (pytest, build, load) in
// `cli::plugins_new`.

/// The sandbox platforms, served by this process, and a state file.
struct World {
    handle: SandboxHandle,
    _runtime: SandboxRuntime,
    dir: tempfile::TempDir,
}

impl World {
    fn start() -> World {
        let options = SandboxOptions::seed_items(6).with_time_scale(0.01);
        let (handle, runtime) = Sandbox::start_blocking(options).expect("sandbox starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let example = std::fs::read_to_string(workspace().join("examples").join(EXAMPLE))
            .expect("the example is readable");
        let config = example
            .replace("http://127.0.0.1:18080", &handle.jira_url())
            .replace("http://127.0.0.1:18081", &handle.github_url());
        std::fs::write(dir.path().join("sync.yaml"), config).expect("write config");
        World {
            handle,
            _runtime: runtime,
            dir,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .arg("--plugins")
            .arg(workspace().join("plugins"))
            .arg("--cache-dir")
            .arg(cache_dir())
            .env_clear()
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .env("JIRA_EMAIL", "tester@example.com")
            .env("JIRA_API_TOKEN", "jira-token")
            .env("GITHUB_TOKEN", "github-token")
            .stdin(Stdio::null())
            .output()
            .expect("pmsync-host runs")
    }

    /// One `sync --json` pass; its report, after checking it failed nothing.
    fn sync(&self) -> Json {
        let config = self.dir.path().join("sync.yaml");
        let state = self.dir.path().join("state.db");
        let out = self.run(&[
            "sync",
            "--config",
            &config.to_string_lossy(),
            "--state",
            &state.to_string_lossy(),
            "--json",
            "--no-progress",
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
        let report: Json = serde_json::from_str(&stdout).expect("one JSON document");
        assert_eq!(
            report["reports"][0]["counts"]["failed"].as_u64(),
            Some(0),
            "{report}"
        );
        report
    }

    /// Jira key -> GitHub issue number, from the state store.
    fn links(&self) -> BTreeMap<String, u64> {
        let store = Store::open(&self.dir.path().join("state.db")).expect("state store");
        store
            .links(SYNC)
            .expect("links")
            .into_iter()
            .map(|l| {
                let number = l.target_key.rsplit('#').next().and_then(|n| n.parse().ok());
                (l.source_key, number.expect("a GitHub issue number"))
            })
            .collect()
    }

    fn jira_labels(&self, key: &str) -> Vec<String> {
        let issue = self.handle.jira().issue(key).expect("Jira issue");
        let labels = issue["fields"]["labels"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        labels
            .iter()
            .filter_map(|l| l.as_str().map(str::to_string))
            .collect()
    }

    fn github_labels(&self, number: u64) -> Vec<String> {
        self.handle
            .github()
            .issue(number)
            .expect("GitHub issue")
            .labels
    }
}

fn sorted(mut labels: Vec<String>) -> Vec<String> {
    labels.sort();
    labels
}

fn strings(labels: &[&str]) -> Vec<String> {
    labels.iter().map(|l| l.to_string()).collect()
}

#[test]
fn labels_reach_github_normalised_and_aliased_and_come_back_to_jira_as_they_were() {
    let world = World::start();
    // What people typed in Jira; the seed's other issues carry `frontend`, `backend`, ...
    world.handle.jira().edit("PROJ-1", |fields| {
        fields.insert(
            "labels".into(),
            serde_json::json!([
                "Needs Review",
                "frontend",
                "good_first issue",
                "NEEDS_REVIEW"
            ]),
        );
    });

    let in_jira_before: Vec<String> = (1..)
        .map(|n| format!("PROJ-{n}"))
        .take_while(|key| world.handle.jira().issue(key).is_some())
        .collect();

    world.sync();
    let links = world.links();
    assert!(links.len() >= 6, "{links:?}");
    assert_eq!(
        sorted(world.github_labels(links["PROJ-1"])),
        strings(&["good-first-issue", "needs-review", "ui"]),
        "PROJ-1's labels on GitHub"
    );
    // The aliases from `plugins.settings.label-normalizer` apply to every Jira issue.
    let aliases = [
        ("frontend", "ui"),
        ("backend", "api"),
        ("performance", "perf"),
    ];
    for key in in_jira_before.iter().filter(|key| *key != "PROJ-1") {
        let number = &links[key];
        let expected: Vec<String> = world
            .jira_labels(key)
            .into_iter()
            .map(|l| {
                let alias = aliases.iter().find(|(from, _)| *from == l);
                alias.map_or(l, |(_, to)| to.to_string())
            })
            .collect();
        assert_eq!(
            sorted(world.github_labels(*number)),
            sorted(expected),
            "{key} -> #{number}"
        );
    }

    // Someone relabels the GitHub issue: the aliases go back to Jira's names.
    world.handle.github().edit(links["PROJ-1"], |issue| {
        issue.labels = strings(&["ui", "api", "help-wanted"]);
    });
    let report = world.sync();
    assert_eq!(
        report["reports"][0]["counts"]["updated"].as_u64(),
        Some(1),
        "{report}"
    );
    assert_eq!(
        sorted(world.jira_labels("PROJ-1")),
        strings(&["backend", "frontend", "help-wanted"]),
        "PROJ-1's labels back in Jira"
    );

    // The round trip is stable: the echo of those writes changes nothing.
    let report = world.sync();
    assert_eq!(
        report["reports"][0]["counts"]["updated"]
            .as_u64()
            .unwrap_or(0)
            + report["reports"][0]["counts"]["created"]
                .as_u64()
                .unwrap_or(0),
        0,
        "{report}"
    );
}

#[test]
fn an_alias_setting_that_is_not_a_mapping_is_refused_at_its_line_and_column() {
    let world = World::start();
    let path = world.dir.path().join("sync.yaml");
    let text = std::fs::read_to_string(&path).expect("config");
    let broken = text.replace(
        "aliases: { frontend: ui, backend: api, performance: perf }",
        "aliases: \"frontend=ui\"",
    );
    assert_ne!(broken, text, "the example's aliases line changed");
    std::fs::write(&path, &broken).expect("write config");
    let line = broken
        .lines()
        .position(|l| l.contains("aliases: \"frontend=ui\""))
        .expect("the line")
        + 1;
    let out = world.run(&["validate", "--config", &path.to_string_lossy()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("sync.yaml:{line}:")) && stderr.contains("expected a mapping"),
        "{stderr}"
    );
}
