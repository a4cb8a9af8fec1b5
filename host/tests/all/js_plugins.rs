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

/// Fills `templates/js/common` and `templates/js/<kind>` into `to` as `plugins new` does:
/// placeholders replaced in contents and names, the SDK and the WIT copied in.
fn fill_template(kind: &str, name: &str, to: &Path) {
    let root = workspace();
    let snake = name.replace('-', "_");
    let camel: String = name
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    let fill = |text: &str| {
        text.replace("{{name}}", name)
            .replace("{{name_snake}}", &snake)
            .replace("{{name_camel}}", &camel)
    };
    for part in ["common", kind] {
        let from = root.join("templates/js").join(part);
        for entry in walk(&from) {
            let relative = entry
                .strip_prefix(&from)
                .unwrap()
                .to_string_lossy()
                .to_string();
            let target = to.join(fill(&relative));
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(&target, fill(&std::fs::read_to_string(&entry).unwrap())).unwrap();
        }
    }
    std::fs::copy(root.join("sdk/js/pmsync_sdk.js"), to.join("pmsync_sdk.js")).unwrap();
    std::fs::create_dir_all(to.join("wit")).unwrap();
    std::fs::copy(root.join("wit/pmsync.wit"), to.join("wit/pmsync.wit")).unwrap();
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn every_javascript_template_filled_in_passes_its_own_node_tests() {
    for kind in ["transformer", "resolver", "connector"] {
        let dir = tempfile::tempdir().unwrap();
        let plugin = dir.path().join("title-case");
        fill_template(kind, "title-case", &plugin);
        let manifest = std::fs::read_to_string(plugin.join("plugin.toml")).unwrap();
        assert!(
            manifest.contains("name = \"title-case\"")
                && manifest.contains("component = \"title_case.wasm\"")
                && manifest.contains(&format!("kind = \"{kind}\"")),
            "{kind}: {manifest}"
        );
        for file in walk(&plugin) {
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                !text.contains("{{"),
                "{} keeps a placeholder",
                file.display()
            );
        }
        for needed in [
            "build.sh",
            "build.mjs",
            "package.json",
            ".gitignore",
            "component.js",
        ] {
            assert!(plugin.join(needed).exists(), "{kind}: no {needed}");
        }
        node_tests_pass(&plugin);
    }
}
