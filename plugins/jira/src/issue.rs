//! Jira issues as pmsync items: the field list and the parsing of issue JSON.

use pmsync_sdk::{FieldSpec, FieldType, Item, PluginError, Value};
use serde_json::Value as Json;

use crate::adf_to_markdown::adf_to_markdown;
use crate::settings::Settings;

/// `(name, type, writable)` of every field this connector exposes.
pub const FIELDS: &[(&str, FieldType, bool)] = &[
    ("summary", FieldType::String, true),
    ("description", FieldType::String, true),
    ("status", FieldType::String, true),
    ("priority", FieldType::String, true),
    ("labels", FieldType::Array, true),
    ("assignee", FieldType::String, true),
    ("duedate", FieldType::Date, true),
    ("story_points", FieldType::Number, true),
    ("issuetype", FieldType::String, true),
    ("created", FieldType::Datetime, false),
    ("updated", FieldType::Datetime, false),
    ("reporter", FieldType::String, false),
    // Read only with the setting `read_remote_links` (see `remote_links.rs`).
    ("remote_links", FieldType::Array, false),
];

pub fn field_specs() -> Vec<FieldSpec> {
    FIELDS
        .iter()
        .map(|(name, field_type, writable)| FieldSpec {
            name: (*name).to_owned(),
            field_type: *field_type,
            writable: *writable,
        })
        .collect()
}

/// The Jira fields to request, explicitly (search returns only ids otherwise).
pub fn requested_fields(settings: &Settings) -> Vec<String> {
    [
        "summary",
        "description",
        "status",
        "priority",
        "labels",
        "assignee",
        "duedate",
        "issuetype",
        "created",
        "updated",
        "reporter",
    ]
    .iter()
    .map(|field| (*field).to_owned())
    .chain(std::iter::once(settings.story_points_field.clone()))
    .collect()
}

/// Jira's `2024-05-01T12:00:00.000+0000` as RFC 3339 (`2024-05-01T12:00:00.000+00:00`).
pub fn rfc3339(jira: &str) -> Option<String> {
    chrono::DateTime::parse_from_str(jira, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(jira))
        .ok()
        .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// A Jira instant: its usual text form, or epoch milliseconds (as some examples carry).
fn instant(value: &Json) -> Option<String> {
    match value {
        Json::String(text) => rfc3339(text),
        Json::Number(number) => number
            .as_i64()
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        _ => None,
    }
}

/// An issue object (`{id, key, fields}`) from search or GET as an item. `what` names the
/// request for error messages.
pub fn to_item(issue: &Json, settings: &Settings, what: &str) -> Result<Item, PluginError> {
    let malformed =
        |detail: &str| PluginError::invalid_input(format!("{what}: malformed issue: {detail}"));
    let id = match &issue["id"] {
        Json::String(id) => id.clone(),
        Json::Number(id) => id.to_string(),
        _ => return Err(malformed("no `id`")),
    };
    let key = issue["key"]
        .as_str()
        .ok_or_else(|| malformed(&format!("issue {id} has no `key`")))?
        .to_owned();
    let fields = issue
        .get("fields")
        .filter(|fields| fields.is_object())
        .ok_or_else(|| malformed(&format!("{key} has no `fields` object")))?;
    let updated = instant(&fields["updated"]).ok_or_else(|| {
        malformed(&format!(
            "{key}: `updated` = {} is not a date",
            fields["updated"]
        ))
    })?;
    let text = |value: &Json| value.as_str().map(Value::text).unwrap_or(Value::Null);
    let name_of = |value: &Json| text(&value["name"]);
    let account_of = |value: &Json| text(&value["accountId"]);
    let description = match &fields["description"] {
        Json::Null => Value::Null,
        Json::String(plain) => Value::text(plain.clone()),
        doc => Value::text(adf_to_markdown(doc)),
    };
    let labels: Vec<String> = fields["labels"]
        .as_array()
        .map(|labels| {
            labels
                .iter()
                .filter_map(|label| label.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let duedate = fields["duedate"]
        .as_str()
        .map(Value::date)
        .unwrap_or(Value::Null);
    let story_points = fields[settings.story_points_field.as_str()]
        .as_f64()
        .map(Value::number)
        .unwrap_or(Value::Null);
    let created = instant(&fields["created"])
        .map(Value::datetime)
        .unwrap_or(Value::Null);
    Ok(Item::new(
        id,
        key.clone(),
        format!("{}/browse/{key}", settings.base_url),
        updated.clone(),
    )
    .with_field("summary", text(&fields["summary"]))
    .with_field("description", description)
    .with_field("status", name_of(&fields["status"]))
    .with_field("priority", name_of(&fields["priority"]))
    .with_field("labels", Value::text_list(labels))
    .with_field("assignee", account_of(&fields["assignee"]))
    .with_field("duedate", duedate)
    .with_field("story_points", story_points)
    .with_field("issuetype", name_of(&fields["issuetype"]))
    .with_field("created", created)
    .with_field("updated", Value::datetime(updated))
    .with_field("reporter", account_of(&fields["reporter"])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{configure, example};
    use serde_json::json;

    fn settings() -> Settings {
        configure();
        Settings::load().expect("settings")
    }

    #[test]
    fn a_full_issue_becomes_an_item_with_typed_fields() {
        let issue = json!({"id": "10001", "key": "PROJ-1", "fields": {
            "summary": "Broken", "status": {"name": "In Progress"}, "priority": {"name": "High"},
            "labels": ["a", "b"], "assignee": {"accountId": "acc-1"}, "duedate": "2024-06-01",
            "customfield_10016": 3, "issuetype": {"name": "Bug"},
            "created": "2024-05-01T10:00:00.000+0200", "updated": "2024-05-02T08:30:00.123+0000",
            "reporter": {"accountId": "acc-2"},
            "description": {"type": "doc", "version": 1, "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": "Hi", "marks": [{"type": "strong"}]}]}
            ]}
        }});
        let item = to_item(&issue, &settings(), "GET issue").unwrap();
        assert_eq!(item.id, "10001");
        assert_eq!(item.url, "https://acme.atlassian.net/browse/PROJ-1");
        assert_eq!(item.updated_at, "2024-05-02T08:30:00.123Z");
        assert_eq!(item.field("description"), Some(&Value::text("**Hi**")));
        assert_eq!(item.field("labels"), Some(&Value::text_list(["a", "b"])));
        assert_eq!(item.field("story_points"), Some(&Value::number(3.0)));
        assert_eq!(item.field("duedate"), Some(&Value::date("2024-06-01")));
        assert_eq!(
            item.field("created"),
            Some(&Value::datetime("2024-05-01T10:00:00.000+02:00"))
        );
        assert_eq!(item.field("assignee"), Some(&Value::text("acc-1")));
        assert_eq!(item.field("reporter"), Some(&Value::text("acc-2")));
    }

    #[test]
    fn unset_fields_are_null_not_missing() {
        let issue = json!({"id": "1", "key": "PROJ-2", "fields": {
            "summary": "x", "updated": "2024-05-02T08:30:00.000+0000", "assignee": null,
            "priority": null, "description": null
        }});
        let item = to_item(&issue, &settings(), "search").unwrap();
        for name in [
            "assignee",
            "priority",
            "description",
            "duedate",
            "story_points",
        ] {
            assert_eq!(item.field(name), Some(&Value::Null), "{name}");
        }
        assert_eq!(
            item.field("labels"),
            Some(&Value::text_list(Vec::<String>::new()))
        );
    }

    #[test]
    fn an_issue_without_updated_is_invalid_input_naming_it() {
        let issue = json!({"id": "1", "key": "PROJ-3", "fields": {}});
        let error = to_item(&issue, &settings(), "GET issue").unwrap_err();
        assert!(error.message().contains("PROJ-3"), "{error:?}");
        assert!(error.message().contains("`updated`"), "{error:?}");
    }

    #[test]
    fn the_recorded_get_issue_example_parses() {
        let Some(body) = example("getIssue.response.200.json") else {
            return;
        };
        let issue: Json = serde_json::from_str(&body).unwrap();
        let item = to_item(&issue, &settings(), "GET issue").unwrap();
        assert_eq!(item.key, "ED-1");
        assert_eq!(item.updated_at, "1970-01-01T00:00:00.001Z");
        assert_eq!(
            item.field("description"),
            Some(&Value::text("Main order flow broken"))
        );
    }
}
