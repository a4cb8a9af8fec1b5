//! `pmsync-host plugins test NAME`: the real binary runs a resolver on one conflict (the
//! JavaScript `workflow-resolver`, the Rust `priority-resolver`) or a transformer on one
//! value, and prints the decision; bad JSON is refused with exit 2. The plugins must be built
//! first (`make plugins`); the compiled components are cached once for these tests.

use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_pmsync-host");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// The compiled-plugin cache these tests and the JavaScript sync test share with the `cli`
/// tests (components are cached by digest, so the 12 MB JavaScript component is compiled
/// once for all of them).
pub fn cache_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn json(&self) -> Json {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

fn plugins_test(args: &[&str]) -> Ran {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["plugins", "test"])
        .args(args)
        .arg("--plugins")
        .arg(workspace().join("plugins"))
        .arg("--cache-dir")
        .arg(cache_dir())
        .env_clear()
        .env("HOME", home.path())
        .env("NO_COLOR", "1")
        .current_dir(home.path())
        .stdin(Stdio::null())
        .output()
        .expect("pmsync-host runs");
    Ran {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn the_javascript_resolver_decides_one_conflict_from_the_command_line() {
    let ran = plugins_test(&[
        "workflow-resolver",
        "--conflict",
        r#"{"field": "status", "source": "In Progress", "target": "Done", "base": "To Do"}"#,
        "--json",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let out = ran.json();
    assert_eq!(out["plugin"], "workflow-resolver");
    assert_eq!(out["resolver"], "workflow_order");
    assert_eq!(out["decision"], "take_target");
    assert_eq!(out["value"], "Done");

    let ran = plugins_test(&[
        "workflow-resolver",
        "--conflict",
        r#"{"field": "summary", "source": "a", "target": "b"}"#,
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout.trim(),
        "workflow-resolver (workflow_order) on `summary`: defer to a person: `summary` is not a workflow field (status, state)"
    );
}

#[test]
fn settings_given_on_the_command_line_reach_the_javascript_resolver() {
    let conflict = r#"{"field": "summary", "source": "Jira title", "target": "Linear title",
        "source_item": {"key": "PROJ-1", "updated_at": "2024-05-01T10:00:00Z"},
        "target_item": {"key": "ENG-1", "updated_at": "2024-05-01T12:00:00Z"}}"#;
    let ran = plugins_test(&[
        "workflow-resolver",
        "--settings",
        r#"{"otherwise": "newer", "order": ["Open", "Closed"]}"#,
        "--conflict",
        conflict,
        "--json",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(ran.json()["decision"], "take_target");

    // A setting the plugin refuses fails the item (exit 1) with the plugin's own message.
    let ran = plugins_test(&[
        "workflow-resolver",
        "--settings",
        r#"{"otherwise": "coin-flip"}"#,
        "--conflict",
        conflict,
        "--json",
    ]);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    let error = ran.json()["error"].as_str().unwrap_or_default().to_owned();
    assert!(
        error.contains("setting `otherwise` is \"coin-flip\"; expected `defer` or `newer`"),
        "{error}"
    );
}

#[test]
fn a_rust_resolver_decides_by_the_items_it_is_given() {
    let ran = plugins_test(&[
        "priority-resolver",
        "--conflict",
        r#"{"field": "title", "source": "from Jira", "target": "from Linear",
            "source_item": {"key": "PROJ-1", "fields": {"priority": "Low"}},
            "target_item": {"key": "ENG-1", "fields": {"priority": 1}}}"#,
        "--json",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let out = ran.json();
    assert_eq!(out["resolver"], "priority_based");
    assert_eq!(out["decision"], "take_target");
    assert_eq!(out["value"], "from Linear");
}

#[test]
fn a_transformer_transforms_one_value_from_the_command_line() {
    let ran = plugins_test(&[
        "example-transforms",
        "--transform",
        "jira_priority_to_number",
        "--value",
        r#""High""#,
        "--json",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let out = ran.json();
    assert_eq!(out["transform"], "jira_priority_to_number");
    assert_eq!(out["input"], "High");
    assert_eq!(out["output"], 2);
    assert_eq!(out["output_type"], "integer");

    let ran = plugins_test(&["example-transforms", "--value", r#""High""#]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr
            .contains("provides several transforms; choose one with --transform"),
        "{}",
        ran.stderr
    );
}

#[test]
fn bad_json_and_wrong_inputs_are_refused_with_exit_2_saying_what_is_wrong() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["workflow-resolver", "--conflict", "{field: status}"],
            "--conflict is not valid: key must be a string at line 1 column 2",
        ),
        (
            &[
                "workflow-resolver",
                "--conflict",
                r#"{"field": "status", "source": "Done"}"#,
            ],
            "missing field `target`",
        ),
        (
            &[
                "workflow-resolver",
                "--conflict",
                r#"{"field": "x", "source": 1, "target": 2}"#,
                "--settings",
                "[1]",
            ],
            "--settings is not valid",
        ),
        (
            &["workflow-resolver", "--value", "\"Done\""],
            "`workflow-resolver` is a resolver: give it a conflict with --conflict JSON",
        ),
        (
            &["no-such-plugin", "--value", "1"],
            "no plugin named `no-such-plugin`",
        ),
        (&["jira", "--value", "1"], "`jira` is a connector"),
    ];
    for (args, message) in cases {
        let ran = plugins_test(args);
        assert_eq!(ran.code, 2, "{args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains(message), "{args:?}: {}", ran.stderr);
        assert!(ran.stdout.is_empty(), "{args:?}: {}", ran.stdout);
    }
}
