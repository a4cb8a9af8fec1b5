//! The field pipeline as the planner uses it.

use super::*;
use crate::config::{FieldMapping, FieldType, SyncConfig, ValueMap};
use crate::error::ItemError;
use crate::plugins::{CustomTransforms, TransformCall};
use crate::value::Value;
use serde_json::json;
use std::cell::RefCell;

fn mapping(source: &str, target: &str) -> FieldMapping {
    FieldMapping {
        source_field: source.into(),
        target_field: target.into(),
        source_type: FieldType::String,
        target_type: FieldType::String,
        bidirectional: true,
        required: false,
        default_value: None,
        transform: None,
        reverse_transform: None,
        value_map: None,
        map_users: false,
        conflict_strategy: None,
        resolver: None,
    }
}

fn sync(mappings: Vec<FieldMapping>) -> SyncConfig {
    let yaml = "name: s\nsource_platform: jira\ntarget_platform: linear\nfield_mappings: []\n";
    let mut sync: SyncConfig = serde_yaml_ng::from_str(yaml).unwrap();
    sync.field_mappings = mappings;
    sync
}

fn kinds(p: &FieldPipeline) -> Vec<&'static str> {
    p.steps
        .iter()
        .map(|s| match s {
            Step::Presence(_) => "presence",
            Step::ValueMap(_) => "value_map",
            Step::UserMap(_) => "user_map",
            Step::Builtin(_) => "builtin",
            Step::Custom(_) => "custom",
            Step::Convert { .. } => "convert",
        })
        .collect()
}

/// Custom transforms answered by a function, counting batch calls.
struct Plugin {
    batches: RefCell<Vec<usize>>,
}

impl CustomTransforms for Plugin {
    fn has(&self, name: &str) -> bool {
        name == "jira_priority_to_number" || name == "number_to_jira_priority"
    }
    fn transform_batch(&self, calls: &[TransformCall]) -> Vec<Result<Value, ItemError>> {
        self.batches.borrow_mut().push(calls.len());
        calls
            .iter()
            .map(|c| match (c.name.as_str(), &c.value) {
                ("jira_priority_to_number", Value::Text(p)) => match p.as_str() {
                    "Highest" => Ok(Value::Integer(1)),
                    "High" => Ok(Value::Integer(2)),
                    "Medium" => Ok(Value::Integer(3)),
                    other => Err(ItemError::InvalidInput(format!(
                        "unknown priority {other:?}"
                    ))),
                },
                (name, v) => Err(ItemError::InvalidInput(format!("{name} cannot take {v}"))),
            })
            .collect()
    }
}

#[test]
fn source_to_target_runs_presence_value_map_user_map_transform_then_conversion() {
    let mut m = mapping("priority", "priority");
    m.value_map = Some("prio".into());
    m.map_users = true;
    m.transform = Some("jira_priority_to_number".into());
    m.target_type = FieldType::Number;
    let mut s = sync(vec![m]);
    s.value_maps.insert("prio".into(), ValueMap::default());
    let p = FieldPipeline::for_mapping(&s, 0, Way::ToTarget).unwrap();
    assert_eq!(
        kinds(&p),
        ["presence", "value_map", "user_map", "custom", "convert"]
    );
}

#[test]
fn target_to_source_is_the_mirror_with_presence_last() {
    let mut m = mapping("story_points", "estimate");
    m.value_map = Some("sizes".into());
    m.transform = Some("string_to_number".into());
    m.target_type = FieldType::Number;
    let mut s = sync(vec![m]);
    s.value_maps.insert("sizes".into(), ValueMap::default());
    let p = FieldPipeline::for_mapping(&s, 0, Way::ToSource).unwrap();
    assert_eq!(kinds(&p), ["builtin", "value_map", "convert", "presence"]);
    assert_eq!(p.steps[0], Step::Builtin("number_to_string".into()));
    assert_eq!(p.field, "estimate -> story_points");
    assert_eq!(
        (p.from_platform.as_str(), p.to_platform.as_str()),
        ("linear", "jira")
    );
}

#[test]
fn a_builtin_that_already_produces_the_target_type_needs_no_conversion() {
    let mut m = mapping("labels", "tags");
    m.source_type = FieldType::Array;
    m.transform = Some("array_to_string".into());
    let s = sync(vec![m]);
    let p = FieldPipeline::for_mapping(&s, 0, Way::ToTarget).unwrap();
    assert_eq!(kinds(&p), ["presence", "builtin"]);
    let labels = Value::TextList(vec!["a".into(), "b".into()]);
    assert_eq!(p.run_local(&labels).unwrap(), Value::Text("a, b".into()));
    let back = FieldPipeline::for_mapping(&s, 0, Way::ToSource).unwrap();
    assert_eq!(back.run_local(&Value::Text("a, b".into())).unwrap(), labels);
}

#[test]
fn declared_types_convert_automatically_both_ways() {
    let mut m = mapping("duedate", "dueDate");
    m.source_type = FieldType::Date;
    m.target_type = FieldType::Datetime;
    let s = sync(vec![m]);
    let there = FieldPipeline::for_mapping(&s, 0, Way::ToTarget).unwrap();
    let due = there.run_local(&Value::Text("2024-06-30".into())).unwrap();
    assert_eq!(
        due,
        Value::DateTime(parse_datetime("2024-06-30T00:00:00Z").unwrap())
    );
    let back = FieldPipeline::for_mapping(&s, 0, Way::ToSource).unwrap();
    assert_eq!(
        back.run_local(&due).unwrap(),
        Value::Date(parse_date("2024-06-30").unwrap())
    );
}

#[test]
fn a_missing_value_takes_the_default_and_a_required_one_without_default_fails() {
    let mut m = mapping("status", "state");
    m.required = true;
    m.default_value = Some(json!("open"));
    assert_eq!(
        apply_presence(&m, Way::ToTarget, &Value::Null).unwrap(),
        Value::Text("open".into())
    );
    assert_eq!(
        apply_presence(&m, Way::ToTarget, &Value::Text("closed".into())).unwrap(),
        Value::Text("closed".into())
    );
    m.default_value = None;
    let e = apply_presence(&m, Way::ToTarget, &Value::Null).unwrap_err();
    assert_eq!(
        e.message,
        "required field `status` has no value and no default"
    );
    let e = apply_presence(&m, Way::ToSource, &Value::Null).unwrap_err();
    assert!(e.message.contains("`state`"), "{e}");
    m.required = false;
    assert_eq!(
        apply_presence(&m, Way::ToTarget, &Value::Null).unwrap(),
        Value::Null
    );
}

#[test]
fn a_date_default_becomes_a_date_value() {
    let mut m = mapping("duedate", "dueDate");
    m.source_type = FieldType::Date;
    m.target_type = FieldType::Date;
    m.default_value = Some(json!("2030-01-01"));
    assert_eq!(
        apply_presence(&m, Way::ToTarget, &Value::Null).unwrap(),
        Value::Date(parse_date("2030-01-01").unwrap())
    );
}

#[test]
fn a_many_to_one_value_map_with_an_explicit_reverse_round_trips_numbers() {
    let mut m = mapping("priority", "priority");
    m.target_type = FieldType::String;
    m.source_type = FieldType::Number;
    m.value_map = Some("prio".into());
    let mut s = sync(vec![m]);
    s.value_maps.insert(
        "prio".into(),
        ValueMap {
            forward: [
                ("1".to_string(), json!("High")),
                ("2".to_string(), json!("High")),
                ("3".to_string(), json!("Low")),
            ]
            .into_iter()
            .collect(),
            reverse: Some([("High".to_string(), json!(1))].into_iter().collect()),
            default: None,
        },
    );
    let there = FieldPipeline::for_mapping(&s, 0, Way::ToTarget).unwrap();
    assert_eq!(
        there.run_local(&Value::Integer(2)).unwrap(),
        Value::Text("High".into())
    );
    let back = FieldPipeline::for_mapping(&s, 0, Way::ToSource).unwrap();
    assert_eq!(
        back.run_local(&Value::Text("High".into())).unwrap(),
        Value::Integer(1)
    );
    assert_eq!(
        back.run_local(&Value::Text("Low".into())).unwrap(),
        Value::Integer(3)
    );
}

#[test]
fn a_plugin_transform_without_reverse_cannot_run_target_to_source() {
    let mut m = mapping("priority", "priority");
    m.transform = Some("jira_priority_to_number".into());
    let s = sync(vec![m]);
    let e = FieldPipeline::for_mapping(&s, 0, Way::ToSource).unwrap_err();
    assert!(e.message.contains("reverse_transform"), "{e}");
}

#[test]
fn run_local_refuses_a_plugin_step_instead_of_skipping_it() {
    let mut m = mapping("priority", "priority");
    m.transform = Some("jira_priority_to_number".into());
    let s = sync(vec![m]);
    let p = FieldPipeline::for_mapping(&s, 0, Way::ToTarget).unwrap();
    assert!(p.has_custom());
    assert!(p.run_local(&Value::Text("High".into())).is_err());
}

#[test]
fn plugin_steps_of_many_values_go_to_the_plugin_in_one_batch_and_fail_one_by_one() {
    let mut prio = mapping("priority", "priority");
    prio.transform = Some("jira_priority_to_number".into());
    prio.target_type = FieldType::Number;
    let mut points = mapping("story_points", "estimate");
    points.target_type = FieldType::Number;
    let s = sync(vec![prio, points]);
    let p0 = FieldPipeline::for_mapping(&s, 0, Way::ToTarget).unwrap();
    let p1 = FieldPipeline::for_mapping(&s, 1, Way::ToTarget).unwrap();
    let input = |p: &'static str, pipeline, v: Value| PipelineInput {
        pipeline,
        value: v,
        context: pipeline.context(p),
    };
    let inputs = vec![
        input("PROJ-1", &p0, Value::Text("High".into())),
        input("PROJ-1", &p1, Value::Text("5".into())),
        input("PROJ-2", &p0, Value::Text("Blocker".into())),
        input("PROJ-3", &p0, Value::Text("Highest".into())),
        input("PROJ-3", &p1, Value::Text("many".into())),
    ];
    let plugin = Plugin {
        batches: RefCell::new(Vec::new()),
    };
    let out = run_batch(&inputs, &plugin);
    assert_eq!(
        *plugin.batches.borrow(),
        vec![3],
        "one plugin call for the three priorities"
    );
    assert_eq!(out[0], Ok(Value::Integer(2)));
    assert_eq!(out[1], Ok(Value::Integer(5)));
    let blocker = out[2].as_ref().unwrap_err();
    assert_eq!(blocker.transform, "jira_priority_to_number");
    assert!(blocker.message.contains("Blocker"), "{blocker}");
    assert!(matches!(
        blocker.plugin_error,
        Some(ItemError::InvalidInput(_))
    ));
    assert_eq!(out[3], Ok(Value::Integer(1)));
    assert!(
        out[4]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("\"many\"")
    );
}

#[test]
fn a_transform_context_names_the_field_and_platforms_in_the_direction_of_travel() {
    let s = sync(vec![mapping("summary", "title")]);
    let p = FieldPipeline::for_mapping(&s, 0, Way::ToTarget).unwrap();
    let c = p.context("PROJ-7");
    assert_eq!(
        (
            c.field.as_str(),
            c.source_platform.as_str(),
            c.target_platform.as_str(),
            c.item_key.as_str()
        ),
        ("summary -> title", "jira", "linear", "PROJ-7")
    );
}

#[test]
fn a_mapping_that_does_not_exist_is_an_error_not_a_panic() {
    let s = sync(vec![]);
    assert!(FieldPipeline::for_mapping(&s, 3, Way::ToTarget).is_err());
}

#[test]
fn sync_pipelines_convert_requests_for_any_mapping_and_way_in_one_plugin_call() {
    let mut prio = mapping("priority", "priority");
    prio.transform = Some("jira_priority_to_number".into());
    prio.target_type = FieldType::Number;
    prio.bidirectional = false;
    let mut points = mapping("story_points", "estimate");
    points.source_type = FieldType::Number;
    points.target_type = FieldType::String;
    let s = sync(vec![prio, points]);
    let all = SyncPipelines::for_sync(&s);
    let high = Value::Text("High".into());
    let medium = Value::Text("Medium".into());
    let three = Value::Text("3".into());
    let plugin = Plugin {
        batches: RefCell::new(Vec::new()),
    };
    let out = all.run(
        &[
            (0, Way::ToTarget, &high, "PROJ-1"),
            (1, Way::ToSource, &three, "PROJ-1"),
            (0, Way::ToTarget, &medium, "PROJ-2"),
            (0, Way::ToSource, &high, "PROJ-2"),
        ],
        &plugin,
    );
    assert_eq!(*plugin.batches.borrow(), vec![2]);
    assert_eq!(out[0], Ok(Value::Integer(2)));
    assert_eq!(out[1], Ok(Value::Integer(3)));
    assert_eq!(out[2], Ok(Value::Integer(3)));
    assert!(
        out[3]
            .as_ref()
            .unwrap_err()
            .message
            .contains("reverse_transform")
    );
}
