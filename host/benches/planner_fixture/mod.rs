//! The planner benchmark's data: a Jira → Linear sync with ten mapped fields of mixed types,
//! and linked pairs whose base equals their current values, with a chosen share edited.
//!
//! Every mapped field is a family of values indexed by a version number `n`:
//! `source_value(f, n)` converts (through the sync's pipeline) to `target_value(f, n)`, and
//! different versions give different values. A synced pair has both sides and the base at
//! version `i`; an edit moves one side to another version.

use chrono::{DateTime, Days, Duration, NaiveDate, TimeZone, Utc};
use pmsync_core::config::{Available, SyncConfig, check_str};
use pmsync_core::plan::{Base, Candidate, Link};
use pmsync_core::{Item, Value};
use std::collections::BTreeMap;

/// The fields as `(source field, target field, bidirectional)`, in mapping order.
pub const FIELDS: [(&str, &str, bool); 10] = [
    ("summary", "title", true),
    ("description", "description", true),
    ("story_points", "estimate", true),
    ("duedate", "dueDate", true),
    ("labels", "labelNames", true),
    ("components", "projectTags", true),
    ("priority", "priority", false),
    ("status", "state", false),
    ("assignee", "assignee", true),
    ("resolutiondate", "completedAt", true),
];
const PRIORITY: usize = 6;
const STATUS: usize = 7;

const JIRA_PRIORITIES: [&str; 4] = ["Critical", "High", "Medium", "Low"];
const JIRA_STATUSES: [&str; 4] = ["To Do", "In Progress", "Done", "Blocked"];
const LINEAR_STATES: [&str; 4] = ["Todo", "In Progress", "Done", "Blocked"];
const USERS: u64 = 20;

/// How priority and status reach Linear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Value maps; every other field through built-in transforms and conversions.
    BuiltIn,
    /// The example plugin's `jira_priority_to_number` and `jira_status_to_linear`.
    TwoWasmTransforms,
}

/// The sync, loaded and validated like a user's config file. Panics (this is a benchmark
/// fixture) with the diagnostics if the config does not validate.
pub fn sync_config(variant: Variant) -> SyncConfig {
    let (priority, status) = match variant {
        Variant::BuiltIn => ("value_map: priority", "value_map: status"),
        Variant::TwoWasmTransforms => (
            "transform: jira_priority_to_number",
            "transform: jira_status_to_linear",
        ),
    };
    let users: String = (0..USERS)
        .map(|k| format!("      jira-user-{k}: linear-user-{k}\n"))
        .collect();
    let text = format!(
        r#"platforms:
  jira: {{settings: {{base_url: "https://example.atlassian.net"}}}}
  linear: {{settings: {{team: ENG}}}}
syncs:
  - name: jira-linear
    source_platform: jira
    target_platform: linear
    conflict_strategy: last_write_wins
    field_mappings:
      - {{source_field: summary, target_field: title}}
      - {{source_field: description, target_field: description}}
      - {{source_field: story_points, target_field: estimate, source_type: string, target_type: number, transform: string_to_number}}
      - {{source_field: duedate, target_field: dueDate, source_type: date, target_type: string, transform: date_to_string}}
      - {{source_field: labels, target_field: labelNames, source_type: array, target_type: array}}
      - {{source_field: components, target_field: projectTags, source_type: array, target_type: string, transform: array_to_string}}
      - {{source_field: priority, target_field: priority, source_type: string, target_type: number, bidirectional: false, {priority}}}
      - {{source_field: status, target_field: state, bidirectional: false, {status}}}
      - {{source_field: assignee, target_field: assignee, map_users: true}}
      - {{source_field: resolutiondate, target_field: completedAt, source_type: datetime, target_type: datetime}}
    value_maps:
      priority:
        forward: {{Critical: 1, High: 2, Medium: 3, Low: 4}}
      status:
        forward: {{"To Do": Todo, "In Progress": "In Progress", Done: Done, Blocked: Blocked}}
        default: Backlog
    user_map:
{users}"#
    );
    let available = Available::new(
        ["jira_priority_to_number", "jira_status_to_linear"],
        [],
        ["jira", "linear"],
    );
    let (file, diagnostics) = check_str(&text, "planner-bench.yaml", &available)
        .unwrap_or_else(|e| panic!("bench config does not load: {e}"));
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "bench config does not validate:\n{}",
        errors.join("\n")
    );
    file.syncs
        .into_iter()
        .next()
        .expect("the bench config has one sync")
}

fn day_zero() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("a valid date")
}

fn instant_zero() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 9, 0, 0)
        .single()
        .expect("a valid instant")
}

/// Version `n` of field `f` on the Jira side.
pub fn source_value(f: usize, n: u64) -> Value {
    match f {
        0 => Value::Text(format!(
            "Issue {n}: checkout fails when the payment is retried"
        )),
        1 => Value::Text(format!(
            "Steps to reproduce #{n}: open the cart, pay with a saved card, cancel 3-D Secure, retry. Expected: one charge."
        )),
        2 => Value::Text((n % 21).to_string()),
        3 => Value::Date(day_zero() + Days::new(n % 365)),
        4 => Value::TextList(vec!["backend".into(), format!("sprint-{}", n % 50)]),
        5 => Value::TextList(vec!["api".into(), format!("svc-{}", n % 30)]),
        PRIORITY => Value::Text(JIRA_PRIORITIES[(n % 4) as usize].into()),
        STATUS => Value::Text(JIRA_STATUSES[(n % 4) as usize].into()),
        8 => Value::Text(format!("jira-user-{}", n % USERS)),
        9 => Value::DateTime(instant_zero() + Duration::minutes(n as i64)),
        _ => unreachable!("ten fields"),
    }
}

/// Version `n` of field `f` on the Linear side: what `source_value(f, n)` syncs to.
pub fn target_value(f: usize, n: u64) -> Value {
    match f {
        0 | 1 | 4 | 9 => source_value(f, n),
        2 => Value::Integer((n % 21) as i64),
        3 => Value::Text(
            (day_zero() + Days::new(n % 365))
                .format("%Y-%m-%d")
                .to_string(),
        ),
        5 => Value::Text(format!("api, svc-{}", n % 30)),
        PRIORITY => Value::Integer((n % 4) as i64 + 1),
        STATUS => Value::Text(LINEAR_STATES[(n % 4) as usize].into()),
        8 => Value::Text(format!("linear-user-{}", n % USERS)),
        _ => unreachable!("ten fields"),
    }
}

/// What the data was built to contain, to check the plan against.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    pub changed_items: usize,
    /// Item writes (one per side written).
    pub writes: usize,
    pub conflicts: usize,
}

/// Which edits an item gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edits {
    /// Every hundredth item is edited (1 %): most on Jira (one or two fields), some on
    /// Linear, a few on the same field on both sides (conflicts).
    OnePercentMixed,
    /// Every item, all ten fields, on Jira.
    EverythingOnSource,
}

const BIDIRECTIONAL: [usize; 8] = [0, 1, 2, 3, 4, 5, 8, 9];

/// `items` linked pairs with the edits of `edits`, and what the plan must contain.
pub fn candidates(items: usize, edits: Edits) -> (Vec<Candidate>, Expected) {
    let mut expected = Expected::default();
    let mut out = Vec::with_capacity(items);
    for i in 0..items {
        let n = i as u64;
        let mut source_versions = [n; 10];
        let mut target_versions = [n; 10];
        let mut target_later = false;
        match edits {
            Edits::EverythingOnSource => {
                source_versions = [n + 1; 10];
                expected.writes += 1;
            }
            Edits::OnePercentMixed if i % 100 == 0 => {
                let j = i / 100;
                let f = j % FIELDS.len();
                let g = BIDIRECTIONAL[j % BIDIRECTIONAL.len()];
                match j % 20 {
                    // 60 %: one field edited on Jira.
                    0..12 => source_versions[f] = n + 1,
                    // 20 %: two fields edited on Jira.
                    12..16 => {
                        source_versions[f] = n + 1;
                        source_versions[(f + 1) % FIELDS.len()] = n + 1;
                    }
                    // 15 %: one two-way field edited on Linear.
                    16..19 => target_versions[g] = n + 1,
                    // 5 %: the same two-way field edited differently on both sides; the
                    // later edit wins (Linear's for half of them).
                    _ => {
                        source_versions[g] = n + 1;
                        target_versions[g] = n + 2;
                        target_later = j % 40 == 19;
                        expected.conflicts += 1;
                    }
                }
                expected.writes += 1;
            }
            Edits::OnePercentMixed => {}
        }
        if source_versions != [n; 10] || target_versions != [n; 10] {
            expected.changed_items += 1;
        }
        out.push(linked_pair(
            i,
            &source_versions,
            &target_versions,
            target_later,
        ));
    }
    (out, expected)
}

fn linked_pair(
    i: usize,
    source_versions: &[u64; 10],
    target_versions: &[u64; 10],
    target_later: bool,
) -> Candidate {
    let n = i as u64;
    let mut base = Base::default();
    let mut source_fields = BTreeMap::new();
    let mut target_fields = BTreeMap::new();
    for (f, (source_name, target_name, _)) in FIELDS.iter().enumerate() {
        base.source
            .insert(source_name.to_string(), source_value(f, n));
        base.target
            .insert(target_name.to_string(), target_value(f, n));
        source_fields.insert(source_name.to_string(), source_value(f, source_versions[f]));
        target_fields.insert(target_name.to_string(), target_value(f, target_versions[f]));
    }
    let synced_at = instant_zero() + Duration::seconds(i as i64);
    let (source_at, target_at) = if target_later {
        (
            synced_at + Duration::minutes(5),
            synced_at + Duration::minutes(10),
        )
    } else {
        (
            synced_at + Duration::minutes(10),
            synced_at + Duration::minutes(5),
        )
    };
    let source_key = format!("PROJ-{}", i + 1);
    let target_key = format!("ENG-{}", i + 1);
    let source = Item {
        id: format!("{}", 10_000 + i),
        key: source_key.clone(),
        url: format!("https://example.atlassian.net/browse/{source_key}"),
        updated_at: source_at,
        fields: source_fields,
    };
    let target = Item {
        id: format!("9f1c2a7e-0000-4000-8000-{i:012}"),
        key: target_key.clone(),
        url: format!("https://linear.app/example/issue/{target_key}"),
        updated_at: target_at,
        fields: target_fields,
    };
    Candidate::Linked {
        link: Link {
            source_id: source.id.clone(),
            target_id: target.id.clone(),
            source_key,
            target_key,
            base,
        },
        source: Some(source),
        target: Some(target),
    }
}
