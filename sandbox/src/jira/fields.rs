//! Compact storage of Jira's reference fields. `status`, `priority`, `issuetype`, `project`,
//! `resolution` are stored as their id and `assignee`/`reporter` as their accountId (a JSON
//! string), and expanded to Jira's full objects when rendered. This keeps 100k issues small.

use serde_json::Value;

use crate::jira::model::*;

const REFERENCE_FIELDS: [&str; 7] = [
    "status",
    "priority",
    "issuetype",
    "project",
    "resolution",
    "assignee",
    "reporter",
];

/// The stored form of a field value given in wire shape.
pub(crate) fn compact(key: &str, value: Value) -> Value {
    if key == "description" {
        return plain_paragraphs(&value).map_or(value, Value::String);
    }
    if !REFERENCE_FIELDS.contains(&key) {
        return value;
    }
    let id_key = if matches!(key, "assignee" | "reporter") {
        "accountId"
    } else {
        "id"
    };
    match value.get(id_key) {
        Some(id @ Value::String(_)) => id.clone(),
        _ => value,
    }
}

/// The wire shape of a stored field value.
/// An ADF document made only of paragraphs that each hold one unmarked text node, as the
/// paragraphs' texts joined by a blank line (stored as a string; expanded back exactly).
fn plain_paragraphs(doc: &Value) -> Option<String> {
    if doc.get("type")? != "doc" || doc.get("version")? != 1 || doc.as_object()?.len() != 3 {
        return None;
    }
    let mut texts = Vec::new();
    for paragraph in doc.get("content")?.as_array()? {
        let p = paragraph.as_object()?;
        if p.len() != 2 || p.get("type")? != "paragraph" {
            return None;
        }
        let [text] = p.get("content")?.as_array()?.as_slice() else {
            return None;
        };
        let t = text.as_object()?;
        let s = t.get("text")?.as_str()?;
        if t.len() != 2 || t.get("type")? != "text" || s.is_empty() || s.contains("\n\n") {
            return None;
        }
        texts.push(s.to_string());
    }
    (!texts.is_empty()).then(|| texts.join("\n\n"))
}

pub(crate) fn expand(base: &str, key: &str, stored: &Value) -> Value {
    if key == "description" {
        if let Value::String(text) = stored {
            let paragraphs: Vec<String> = text.split("\n\n").map(str::to_string).collect();
            return adf(&paragraphs);
        }
        return stored.clone();
    }
    let Some(id) = stored.as_str().filter(|_| REFERENCE_FIELDS.contains(&key)) else {
        return stored.clone();
    };
    let found = match key {
        "status" => STATUSES
            .iter()
            .position(|s| s.0 == id)
            .map(|i| status_json(base, i)),
        "priority" => PRIORITIES
            .iter()
            .position(|p| p.0 == id)
            .map(|i| priority_json(base, i)),
        "issuetype" => ISSUE_TYPES
            .iter()
            .position(|t| t.0 == id)
            .map(|i| issue_type_json(base, i)),
        "project" => PROJECTS
            .iter()
            .position(|p| p.0 == id)
            .map(|i| project_json(base, i)),
        "resolution" => Some(resolution_json(base)),
        _ => person_by_account_id(id).map(|p| user_json(base, p)),
    };
    found.unwrap_or_else(|| stored.clone())
}

/// The display name of a stored reference (status, priority, issue type), without expanding.
pub(crate) fn reference_name(key: &str, stored: Option<&Value>) -> &'static str {
    let id = stored.and_then(Value::as_str).unwrap_or_default();
    let name = match key {
        "status" => STATUSES.iter().find(|s| s.0 == id).map(|s| s.1),
        "priority" => PRIORITIES.iter().find(|p| p.0 == id).map(|p| p.1),
        "issuetype" => ISSUE_TYPES.iter().find(|t| t.0 == id).map(|t| t.1),
        _ => None,
    };
    name.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reference_fields_round_trip_through_compact_storage() {
        let base = "http://127.0.0.1:1";
        for (key, full) in [
            ("status", status_json(base, 1)),
            ("priority", priority_json(base, 4)),
            ("assignee", user_json(base, 2)),
        ] {
            let stored = compact(key, full.clone());
            assert!(stored.is_string());
            assert_eq!(expand(base, key, &stored), full);
        }
        assert_eq!(compact("summary", json!("x")), json!("x"));
        let doc = adf(&["one".to_string(), "two".to_string()]);
        assert_eq!(compact("description", doc.clone()), json!("one\n\ntwo"));
        assert_eq!(expand(base, "description", &json!("one\n\ntwo")), doc);
        let marked = json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "b", "marks": [{"type": "strong"}]}]}]});
        assert_eq!(
            compact("description", marked.clone()),
            marked,
            "rich ADF is kept as is"
        );
        assert_eq!(reference_name("status", Some(&json!("10001"))), "Done");
    }
}
