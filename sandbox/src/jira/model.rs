//! Jira Cloud metadata of the sandbox (statuses, transitions, priorities, issue types, users)
//! and the JSON shapes Jira uses for them.

use serde_json::{Value, json};

use crate::seed::PEOPLE;

pub(crate) const STORY_POINTS_FIELD: &str = "customfield_10016";
pub(crate) const SUMMARY_MAX_CHARS: usize = 255;
pub(crate) const TEXT_FIELD_MAX_CHARS: usize = 32_767;

/// (status id, name, category id, category key, category colour, category name)
pub(crate) const STATUSES: [(&str, &str, u64, &str, &str, &str); 3] = [
    ("10000", "To Do", 2, "new", "blue-gray", "To Do"),
    (
        "3",
        "In Progress",
        4,
        "indeterminate",
        "yellow",
        "In Progress",
    ),
    ("10001", "Done", 3, "done", "green", "Done"),
];

/// Global transitions of the simplified workflow: (transition id, name, target status index).
pub(crate) const TRANSITIONS: [(&str, &str, usize); 3] = [
    ("11", "To Do", 0),
    ("21", "In Progress", 1),
    ("31", "Done", 2),
];

pub(crate) const PRIORITIES: [(&str, &str, &str); 5] = [
    ("1", "Highest", "#d04437"),
    ("2", "High", "#f15C75"),
    ("3", "Medium", "#f79232"),
    ("4", "Low", "#707070"),
    ("5", "Lowest", "#999999"),
];

/// (id, name, subtask, hierarchy level)
pub(crate) const ISSUE_TYPES: [(&str, &str, bool, i64); 4] = [
    ("10001", "Task", false, 0),
    ("10002", "Bug", false, 0),
    ("10003", "Story", false, 0),
    ("10000", "Epic", false, 1),
];

/// (id, key, name)
pub(crate) const PROJECTS: [(&str, &str, &str); 2] =
    [("10000", "PROJ", "Product"), ("10001", "OPS", "Operations")];

pub(crate) fn account_id(person: usize) -> String {
    format!("5b10a2844c20165700ede2{person:02}")
}

pub(crate) fn user_json(base: &str, person: usize) -> Value {
    let (name, _, email) = PEOPLE[person % PEOPLE.len()];
    let id = account_id(person % PEOPLE.len());
    json!({
        "self": format!("{base}/rest/api/3/user?accountId={id}"),
        "accountId": id,
        "emailAddress": email,
        "avatarUrls": {
            "48x48": format!("{base}/avatar/{id}?size=48"),
            "24x24": format!("{base}/avatar/{id}?size=24"),
            "16x16": format!("{base}/avatar/{id}?size=16"),
            "32x32": format!("{base}/avatar/{id}?size=32"),
        },
        "displayName": name,
        "active": true,
        "timeZone": "UTC",
        "accountType": "atlassian",
    })
}

pub(crate) fn person_by_account_id(id: &str) -> Option<usize> {
    (0..PEOPLE.len()).find(|&p| account_id(p) == id)
}

pub(crate) fn status_json(base: &str, index: usize) -> Value {
    let (id, name, cat_id, cat_key, colour, cat_name) = STATUSES[index];
    json!({
        "self": format!("{base}/rest/api/3/status/{id}"),
        "description": "",
        "iconUrl": format!("{base}/images/icons/statuses/generic.png"),
        "name": name,
        "id": id,
        "statusCategory": {
            "self": format!("{base}/rest/api/3/statuscategory/{cat_id}"),
            "id": cat_id,
            "key": cat_key,
            "colorName": colour,
            "name": cat_name,
        }
    })
}

pub(crate) fn priority_json(base: &str, index: usize) -> Value {
    let (id, name, colour) = PRIORITIES[index];
    json!({
        "self": format!("{base}/rest/api/3/priority/{id}"),
        "iconUrl": format!("{base}/images/icons/priorities/{}.svg", name.to_ascii_lowercase()),
        "name": name,
        "id": id,
        "statusColor": colour,
        "description": format!("{name} priority"),
    })
}

/// A priority reference as clients send it: `{"id": "2"}` or `{"name": "High"}`.
pub(crate) fn priority_index(reference: &Value) -> Option<usize> {
    let by_id = reference.get("id").and_then(Value::as_str);
    let by_name = reference.get("name").and_then(Value::as_str);
    PRIORITIES
        .iter()
        .position(|p| Some(p.0) == by_id || by_name.is_some_and(|n| p.1.eq_ignore_ascii_case(n)))
}

pub(crate) fn issue_type_json(base: &str, index: usize) -> Value {
    let (id, name, subtask, level) = ISSUE_TYPES[index];
    json!({
        "self": format!("{base}/rest/api/3/issuetype/{id}"),
        "id": id,
        "description": format!("A {name}."),
        "iconUrl": format!("{base}/images/icons/issuetypes/{}.svg", name.to_ascii_lowercase()),
        "name": name,
        "subtask": subtask,
        "hierarchyLevel": level,
    })
}

pub(crate) fn issue_type_index(reference: &Value) -> Option<usize> {
    let by_id = reference.get("id").and_then(Value::as_str);
    let by_name = reference.get("name").and_then(Value::as_str);
    ISSUE_TYPES
        .iter()
        .position(|t| Some(t.0) == by_id || by_name.is_some_and(|n| t.1.eq_ignore_ascii_case(n)))
}

pub(crate) fn project_json(base: &str, index: usize) -> Value {
    let (id, key, name) = PROJECTS[index];
    json!({
        "self": format!("{base}/rest/api/3/project/{id}"),
        "id": id,
        "key": key,
        "name": name,
        "projectTypeKey": "software",
        "simplified": true,
        "avatarUrls": {"48x48": format!("{base}/secure/projectavatar?pid={id}")},
    })
}

pub(crate) fn project_index(reference: &Value) -> Option<usize> {
    let by_id = reference.get("id").and_then(Value::as_str);
    let by_key = reference.get("key").and_then(Value::as_str);
    PROJECTS
        .iter()
        .position(|p| Some(p.0) == by_id || by_key.is_some_and(|k| p.1.eq_ignore_ascii_case(k)))
}

/// An ADF document of plain paragraphs.
pub(crate) fn adf(paragraphs: &[String]) -> Value {
    json!({
        "type": "doc",
        "version": 1,
        "content": paragraphs.iter().map(|p| json!({
            "type": "paragraph",
            "content": [{"type": "text", "text": p}],
        })).collect::<Vec<_>>(),
    })
}

/// Jira's timestamp format, e.g. `2025-01-06T09:00:37.000+0000`.
pub(crate) fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

pub(crate) fn transition_json(base: &str, index: usize) -> Value {
    let (id, name, to) = TRANSITIONS[index];
    json!({
        "id": id,
        "name": name,
        "to": status_json(base, to),
        "hasScreen": false,
        "isGlobal": true,
        "isInitial": false,
        "isAvailable": true,
        "isConditional": false,
        "looped": false,
    })
}

pub(crate) const RESOLUTION_DONE_ID: &str = "10000";

pub(crate) fn resolution_json(base: &str) -> Value {
    json!({"self": format!("{base}/rest/api/3/resolution/{RESOLUTION_DONE_ID}"), "id": RESOLUTION_DONE_ID, "description": "Work has been completed on this issue.", "name": "Done"})
}
