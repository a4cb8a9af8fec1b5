//! JavaScript plugins: the `node --test` suites of the SDK (`sdk/js`), of the first-party
//! JavaScript plugins and of every template of `templates/js` filled in as `plugins new`
//! fills them, run from here so `make test` covers them. Needs node 20 or later (the plugin
//! build needs it too).

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// `node --test` in `dir`; panics with node's report when a test fails.
fn node_tests_pass(dir: &Path) -> String {
    let output = Command::new("node")
        .arg("--test")
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `node --test` in {} (node 20 or later is needed): {e}",
                dir.display()
            )
        });
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "node --test failed in {}:\n{report}\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let passed = report
        .lines()
        .find_map(|l| l.strip_prefix("# pass "))
        .and_then(|n| n.trim().parse::<u32>().ok())
        .unwrap_or(0);
    assert!(
        passed > 0,
        "node --test in {} ran no test:\n{report}",
        dir.display()
    );
    report
}

#[test]
fn the_javascript_sdk_passes_its_node_tests() {
    node_tests_pass(&workspace().join("sdk/js"));
}

#[test]
fn the_workflow_resolver_passes_its_node_tests() {
    node_tests_pass(&workspace().join("plugins/workflow-resolver"));
}

#[test]
fn the_workflow_resolver_carries_this_repository_s_sdk_and_wit() {
    let root = workspace();
    let plugin = root.join("plugins/workflow-resolver");
    for (copy, original) in [
        ("pmsync_sdk.js", "sdk/js/pmsync_sdk.js"),
        ("wit/pmsync.wit", "wit/pmsync.wit"),
    ] {
        assert_eq!(
            std::fs::read_to_string(plugin.join(copy)).unwrap(),
            std::fs::read_to_string(root.join(original)).unwrap(),
            "plugins/workflow-resolver/{copy} differs from {original}: \
             bash scripts/build-js-plugins.sh refreshes it"
        );
    }
}

// The templates, filled in by `plugins new` itself, are tested (node tests, build, load) in
// `cli::plugins_new`.
