//! The first-party example plugins in `plugins/`, called through the host runtime.

use chrono::{DateTime, Utc};
use pmsync_core::plugins::{
    CustomResolvers, CustomTransforms, FieldConflict, Resolution, ResolveCall, TransformCall,
    TransformContext,
};
use pmsync_core::{Item, ItemError, Value};
use pmsync_host::plugin::{Grants, PluginRuntime, PluginSet};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn plugins_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins")
}

fn plugin_folder(name: &str) -> PathBuf {
    let folder = plugins_dir().join(name);
    let built = std::fs::read_dir(&folder)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "wasm"))
        })
        .unwrap_or(false);
    assert!(
        built,
        "{} has no component: run `make plugins` (scripts/build-plugins.sh) first",
        folder.display()
    );
    folder
}

fn examples() -> &'static PluginSet {
    static SET: OnceLock<(tempfile::TempDir, PluginRuntime, PluginSet)> = OnceLock::new();
    let (_, _, set) = SET.get_or_init(|| {
        let cache = tempfile::tempdir().unwrap();
        let runtime = PluginRuntime::with_cache_dir(cache.path()).unwrap();
        let mut grants = Grants::default();
        grants
            .plugins
            .entry("priority-resolver".into())
            .or_default()
            .settings = BTreeMap::from([
            ("source_priority_field".into(), "priority".into()),
            ("target_priority_field".into(), "priority".into()),
        ]);
        plugin_folder("example-transforms");
        plugin_folder("priority-resolver");
        let report = runtime.load_dir(&plugins_dir(), &grants);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        (cache, runtime, report.plugins)
    });
    set
}

fn call(name: &str, value: Value) -> TransformCall {
    TransformCall {
        name: name.into(),
        value,
        context: TransformContext {
            field: "priority → priority".into(),
            source_platform: "jira".into(),
            target_platform: "linear".into(),
            item_key: "PROJ-1".into(),
        },
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

#[test]
fn jira_priority_to_number_maps_the_four_names_and_defaults_unknown_to_medium() {
    let set = examples();
    assert!(CustomTransforms::has(set, "jira_priority_to_number"));
    let inputs = ["Critical", "High", "Medium", "Low", "Whatever"];
    let calls: Vec<_> = inputs
        .iter()
        .map(|p| call("jira_priority_to_number", text(p)))
        .collect();
    let results = set.transform_batch(&calls);
    let numbers: Vec<_> = results
        .into_iter()
        .map(|r| r.expect("transform succeeds"))
        .collect();
    let as_i64: Vec<i64> = numbers
        .iter()
        .map(|v| match v {
            Value::Integer(i) => *i,
            Value::Number(n) => *n as i64,
            other => panic!("not a number: {other:?}"),
        })
        .collect();
    assert_eq!(as_i64, vec![1, 2, 3, 4, 3]);
}

#[test]
fn jira_status_to_linear_maps_known_statuses_and_sends_the_rest_to_backlog() {
    let set = examples();
    let inputs = [
        "To Do",
        "In Progress",
        "Done",
        "Blocked",
        "Waiting for customer",
    ];
    let calls: Vec<_> = inputs
        .iter()
        .map(|s| call("jira_status_to_linear", text(s)))
        .collect();
    let out: Vec<Value> = set
        .transform_batch(&calls)
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        out,
        vec![
            text("Todo"),
            text("In Progress"),
            text("Done"),
            text("Blocked"),
            text("Backlog")
        ]
    );
}

#[test]
fn a_value_of_the_wrong_type_fails_only_its_own_item_with_a_clear_message() {
    let set = examples();
    let calls = vec![
        call("jira_priority_to_number", Value::Integer(5)),
        call("jira_priority_to_number", text("High")),
    ];
    let results = set.transform_batch(&calls);
    match &results[0] {
        Err(ItemError::InvalidInput(message)) => {
            assert!(message.contains("jira_priority_to_number"), "{message}")
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
    assert!(results[1].is_ok());
}

fn item(key: &str, minute: u32, priority: Value) -> Item {
    Item {
        id: key.into(),
        key: key.into(),
        url: String::new(),
        updated_at: format!("2024-05-01T12:{minute:02}:00Z")
            .parse::<DateTime<Utc>>()
            .unwrap(),
        fields: BTreeMap::from([("priority".into(), priority), ("title".into(), text(key))]),
    }
}

fn conflict_between(source: Item, target: Item) -> ResolveCall {
    ResolveCall {
        resolver: "priority_based".into(),
        source,
        target,
        conflicts: vec![
            FieldConflict {
                field: "title".into(),
                source: text("a"),
                target: text("b"),
                base: None,
            },
            FieldConflict {
                field: "state".into(),
                source: text("open"),
                target: text("closed"),
                base: None,
            },
        ],
    }
}

#[test]
fn priority_based_lets_the_more_urgent_item_win_every_conflicting_field() {
    let set = examples();
    assert!(CustomResolvers::has(set, "priority_based"));
    let calls = vec![
        // Jira "High" (2) vs Linear 4 (low): the source wins although the target is newer.
        conflict_between(
            item("PROJ-1", 0, text("High")),
            item("ENG-1", 30, Value::Integer(4)),
        ),
        // Linear 1 (urgent) vs Jira "Low" (4): the target wins.
        conflict_between(
            item("PROJ-2", 30, text("Low")),
            item("ENG-2", 0, Value::Integer(1)),
        ),
    ];
    let results = set.resolve_batch(&calls);
    assert_eq!(
        results[0],
        Ok(vec![Resolution::TakeSource, Resolution::TakeSource])
    );
    assert_eq!(
        results[1],
        Ok(vec![Resolution::TakeTarget, Resolution::TakeTarget])
    );
}

#[test]
fn priority_based_falls_back_to_last_write_wins_on_equal_priority() {
    let set = examples();
    let calls = vec![
        conflict_between(
            item("PROJ-3", 0, text("Medium")),
            item("ENG-3", 10, Value::Integer(3)),
        ),
        conflict_between(
            item("PROJ-4", 20, text("Medium")),
            item("ENG-4", 10, Value::Integer(3)),
        ),
    ];
    let results = set.resolve_batch(&calls);
    assert_eq!(
        results[0],
        Ok(vec![Resolution::TakeTarget, Resolution::TakeTarget])
    );
    assert_eq!(
        results[1],
        Ok(vec![Resolution::TakeSource, Resolution::TakeSource])
    );
}

#[test]
fn a_resolver_reads_the_settings_the_config_gives_it_under_plugins_settings() {
    let yaml = "plugins:
  settings:
    priority-resolver:
      source_priority_field: rank
      target_priority_field: rank
platforms: {}
syncs: []
";
    let config = pmsync_core::config::load_str(yaml, "settings.yaml").expect("config loads");
    let manifests = pmsync_host::plugin::manifests_in(&plugins_dir());
    let grants = pmsync_host::app::grants_for(&config, &manifests).expect("grants");
    plugin_folder("priority-resolver");
    let cache = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::with_cache_dir(cache.path()).unwrap();
    let set = runtime.load_dir(&plugins_dir(), &grants).plugins;

    // `priority` says the source is more urgent, `rank` (the configured field) the target.
    let mut source = item("PROJ-9", 30, text("Highest"));
    source.fields.insert("rank".into(), Value::Integer(4));
    let mut target = item("ENG-9", 0, Value::Integer(4));
    target.fields.insert("rank".into(), Value::Integer(1));
    let results = set.resolve_batch(&[conflict_between(source, target)]);
    assert_eq!(
        results[0],
        Ok(vec![Resolution::TakeTarget, Resolution::TakeTarget]),
        "decided by `rank`, as configured"
    );
}
