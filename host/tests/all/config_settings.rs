//! Connector settings as a user writes them, checked against what the first-party
//! connectors declare in their plugin.toml: every config in `tests/fixtures/bad-settings/` is
//! refused at `validate` with an error at the line:col and with the phrase its `.expect` file
//! gives (first line `line:col`, second line a phrase), and the shipped examples pass.

use pmsync_host::app::check_config;
use pmsync_host::plugin::{Grants, PluginRuntime, PluginSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// The first-party plugins (their manifests are what is checked against), loaded once.
fn plugins() -> &'static PluginSet {
    static PLUGINS: OnceLock<PluginSet> = OnceLock::new();
    PLUGINS.get_or_init(|| {
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache");
        let runtime = PluginRuntime::with_cache_dir(cache).expect("plugin runtime");
        let report = runtime.load_dir(&workspace().join("plugins"), &Grants::default());
        assert!(
            report.errors.is_empty(),
            "the first-party plugins load (run `make plugins` first): {:?}",
            report.errors
        );
        report.plugins
    })
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-settings");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_connector_settings_mistake_is_an_error_at_its_line_and_column() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 10, "only {} fixtures", fixtures.len());
    let mut failures = Vec::new();
    for path in &fixtures {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let expect = std::fs::read_to_string(path.with_extension("expect"))
            .unwrap_or_else(|_| panic!("{name} has no .expect file"));
        let mut lines = expect.lines();
        let (at, says) = (
            lines.next().unwrap_or("").trim(),
            lines.next().unwrap_or("").trim(),
        );
        let wanted = format!("{name}:{at}: ");
        let shown: Vec<String> = match check_config(&text, &name, plugins()) {
            Err(e) => vec![e.to_string()],
            Ok((_, diagnostics)) => diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.to_string())
                .collect(),
        };
        if !shown
            .iter()
            .any(|s| s.starts_with(&wanted) && s.contains(says))
        {
            failures.push(format!(
                "{name}: want {wanted}... {says:?}\n    got {shown:#?}"
            ));
        }
        if name.starts_with("token") && shown.iter().any(|s| s.contains("ghp_abcdefghij")) {
            failures.push(format!("{name}: the message repeats the token"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_shipped_examples_have_no_settings_errors() {
    for name in [
        "github_projects.yaml",
        "github_to_linear.yaml",
        "jira_to_github.yaml",
        "linear_to_jira.yaml",
        "multi_sync.yaml",
        "python_label_normalizer.yaml",
    ] {
        let path = workspace().join("examples").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let (_, diagnostics) =
            check_config(&text, name, plugins()).unwrap_or_else(|e| panic!("{e}"));
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}
