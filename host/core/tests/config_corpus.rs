//! Config files as a user writes them: every malformed config in `fixtures/bad-configs/` is
//! refused with the line:col and the message in its `.expect` file (first line `line:col`,
//! second line a phrase of the message); the examples load, validate and export.

use pmsync_core::config::{
    Available, ConfigError, ConfigFile, ConnectorSpec, check_str, load_str, resolve_secrets,
    to_yaml, validate,
};
use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The first-party connectors' query keys, as their plugin.toml files declare them (their
/// settings are checked with the real manifests in the host's `config_settings` tests).
fn available() -> Available {
    let query_key = |key: &str| ConnectorSpec {
        query_key: Some(key.to_string()),
        ..ConnectorSpec::default()
    };
    Available::new(
        [
            "jira_priority_to_number",
            "jira_status_to_linear",
            "normalize_labels",
            "denormalize_labels",
        ],
        ["priority_based", "workflow_order"],
        ["jira", "github", "linear", "github_projects"],
    )
    .with_spec("jira", query_key("jql"))
    .with_spec("github", query_key("github_query"))
    .with_spec("github_projects", query_key("github_query"))
    .with_spec("linear", query_key("linear_filter"))
}

/// Variables named `MISSING_*` are unset; every other one is set.
fn env(name: &str) -> Option<String> {
    (!name.starts_with("MISSING_")).then(|| "secret-value".to_string())
}

/// Everything `run --config` does before it starts: load, validate, resolve secrets. The
/// first problem, as the user would see it.
fn first_problem(text: &str, origin: &str) -> Option<ConfigError> {
    let (config, diagnostics) = match check_str(text, origin, &available()) {
        Ok(ok) => ok,
        Err(e) => return Some(e),
    };
    if let Some(d) = diagnostics.iter().find(|d| d.is_error()) {
        return Some(d.to_error());
    }
    resolve_secrets(&config, &env)
        .err()
        .map(|e| e.located_in(text, origin))
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    files.sort();
    files
}

#[test]
fn every_bad_config_is_refused_at_the_expected_line_and_column_with_a_clear_message() {
    let dir = crate_dir().join("tests/fixtures/bad-configs");
    let fixtures = files(&dir, "yaml");
    assert!(
        fixtures.len() >= 20,
        "the corpus has only {} configs",
        fixtures.len()
    );
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
        let outcome = std::panic::catch_unwind(|| first_problem(&text, &name));
        match outcome {
            Err(_) => failures.push(format!("{name}: PANICKED")),
            Ok(None) => failures.push(format!(
                "{name}: accepted, expected an error at {at} saying {says:?}"
            )),
            Ok(Some(e)) => {
                let shown = e.to_string();
                let expected_prefix = format!("{name}:{at}: ");
                if !shown.starts_with(&expected_prefix) || !shown.contains(says) {
                    failures.push(format!(
                        "{name}: got  {shown}\n    want {expected_prefix}... {says:?}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} configs:\n  {}",
        failures.len(),
        fixtures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn no_error_message_repeats_a_literal_secret() {
    let dir = crate_dir().join("tests/fixtures/bad-configs");
    let text = std::fs::read_to_string(dir.join("literal_secret.yaml")).unwrap();
    let e = first_problem(&text, "literal_secret.yaml").expect("refused");
    assert!(!e.to_string().contains("ghp_0123456789abcdef"), "{e}");
    let typed = "name: d\nsource_platform: jira\ntarget_platform: github\nplatforms:\n  github:\n    credentials:\n      token: {type: bearer, token: 123456789}\nfield_mappings: []\n";
    let e = load_str(typed, "t.yaml").unwrap_err();
    assert!(!e.to_string().contains("123456789"), "{e}");
}

fn examples() -> Vec<PathBuf> {
    files(&crate_dir().join("../../examples"), "yaml")
}

#[test]
fn every_example_loads_and_validates_without_errors_or_warnings() {
    let examples = examples();
    let names: Vec<String> = examples
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    for wanted in [
        "jira_to_github.yaml",
        "linear_to_jira.yaml",
        "github_to_linear.yaml",
        "github_projects.yaml",
        "multi_sync.yaml",
    ] {
        assert!(
            names.iter().any(|n| n == wanted),
            "examples/{wanted} is missing"
        );
    }
    for path in examples {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let (config, diagnostics) =
            check_str(&text, &name, &available()).unwrap_or_else(|e| panic!("{e}"));
        let shown: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
        assert!(shown.is_empty(), "{name}:\n{}", shown.join("\n"));
        resolve_secrets(&config, &env).unwrap_or_else(|e| panic!("{name}: {e}"));
        for platform in config.platforms.values() {
            assert!(
                platform.settings.contains_key("base_url"),
                "{name}: every platform has a base_url"
            );
        }
    }
}

#[test]
fn every_example_exports_to_yaml_that_loads_back_equal() {
    for path in examples() {
        let text = std::fs::read_to_string(&path).unwrap();
        let config = load_str(&text, "example").unwrap();
        let exported = to_yaml(&config);
        let again = load_str(&exported, "exported").unwrap_or_else(|e| panic!("{e}\n{exported}"));
        assert_eq!(again, config, "{}", path.display());
    }
}

const EVERY_KEY: &str = r#"
platforms:
  jira:
    connector: jira
    settings: {base_url: "http://127.0.0.1:18080", project: PROJ}
    credentials:
      token: {type: basic, user: "me@acme.test", token: "${JIRA_API_TOKEN}"}
      extra: {type: header, name: X-Api-Key, value: "${JIRA_KEY}"}
    allow_hosts: ["http://127.0.0.1:18080"]
  github:
    settings: {base_url: "http://127.0.0.1:18081", repo: acme/widgets}
    credentials:
      token: {type: bearer, token: "${GITHUB_TOKEN}"}
syncs:
  - name: everything
    source_platform: jira
    target_platform: github
    direction: target_to_source
    conflict_strategy: custom
    resolver: priority_based
    batch_size: 7
    sync_interval: 42
    enable_retry: false
    max_retries: 20
    retry_delay: 0.25
    enable_audit: false
    audit_retention_days: 30
    concurrency: 2
    on_delete: unlink
    link_existing:
      mode: match_then_create
      initial_winner: newer
      match:
        - cross_reference
        - same_item
        - key_field: { source: labels, target: labels, prefix: "legacy-" }
        - fields: [summary]
          date_window: { source: created, target: created_at, days: 2 }
        - fields: [summary]
    field_mappings:
      - source_field: summary
        target_field: title
        source_type: string
        target_type: string
        bidirectional: true
        required: true
        default_value: "yes"
        transform: jira_status_to_linear
        reverse_transform: string_to_boolean
        value_map: status
        map_users: true
        conflict_strategy: manual
        resolver: priority_based
      - source_field: duedate
        target_field: due
        source_type: date
        target_type: datetime
        default_value: "2024-12-31"
      - source_field: meta
        target_field: meta
        source_type: object
        target_type: object
        default_value: {a: [1, "2", null], b: {c: true}}
      - source_field: points
        target_field: points
        source_type: number
        target_type: string
        default_value: 1.5
        transform: number_to_string
    filters:
      projects: [PROJ]
      issue_types: [Bug]
      labels: ["1", "true", "null", "2024-01-01"]
      jql: "priority = High"
      linear_filter: '{"team": {"key": {"eq": "ENG"}}}'
      github_query: "is:open"
    value_maps:
      status:
        forward: {"To Do": open, "1": 2, "true": false, "null": "~"}
        reverse: {open: "To Do"}
        default: open
    user_map: {"a@acme.test": alice}
"#;

#[test]
fn a_config_using_every_key_exports_and_loads_back_equal() {
    let config = load_str(EVERY_KEY, "every.yaml").unwrap_or_else(|e| panic!("{e}"));
    let exported = to_yaml(&config);
    let again: ConfigFile =
        load_str(&exported, "exported").unwrap_or_else(|e| panic!("{e}\n{exported}"));
    assert_eq!(again, config, "{exported}");
    assert_eq!(to_yaml(&again), exported, "export is stable");
    let sync = &config.syncs[0];
    assert_eq!(
        sync.filters.labels,
        ["1", "true", "null", "2024-01-01"],
        "strings that look like other types stay strings"
    );
    assert_eq!(
        sync.value_maps["status"].forward["true"],
        serde_json::json!(false)
    );
}

#[test]
fn the_original_spec_config_loads_with_its_defaults() {
    let text = r#"
name: "sync-name"
source_platform: "jira"
target_platform: "github"
direction: "bidirectional"
conflict_strategy: "last_write_wins"
batch_size: 50
sync_interval: 300
enable_retry: true
max_retries: 3
retry_delay: 5
enable_audit: true
field_mappings:
  - source_field: "summary"
    target_field: "title"
    source_type: "string"
    target_type: "string"
    bidirectional: true
    required: true
filters:
  projects: ["PROJ"]
  issue_types: ["Story", "Bug"]
"#;
    let config = load_str(text, "spec.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.syncs.len(), 1);
    assert_eq!(config.syncs[0].retry_delay, 5.0);
    assert_eq!(config.syncs[0].concurrency, 4);
    let diagnostics = validate(&config, &available());
    assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
}
