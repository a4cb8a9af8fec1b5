//! Turning pmsync field values into Jira create and edit bodies.

use pmsync_sdk::{Field, PluginError, Value, log};
use serde_json::{Map, Value as Json, json};

use crate::adf_schema::validate;
use crate::limits::{fit_description, fit_summary};
use crate::settings::Settings;

/// The Jira `fields` of a write, plus the status to reach through a transition.
#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    pub fields: Map<String, Json>,
    pub status: Option<String>,
    pub issue_type: Option<String>,
}

/// Converts the given fields. `subject` names the issue in messages (`PROJ-7`, `a new issue`).
pub fn changes(
    fields: &[Field],
    settings: &Settings,
    subject: &str,
) -> Result<Changes, PluginError> {
    let mut changes = Changes::default();
    for field in fields {
        let wrong = |expected: &str| {
            PluginError::invalid_input(format!(
                "{subject}: field `{}` expects {expected}, got {}",
                field.name, field.value
            ))
        };
        let value = &field.value;
        match field.name.as_str() {
            "summary" => {
                let text = value.as_text().ok_or_else(|| wrong("text"))?;
                if text.trim().is_empty() {
                    return Err(PluginError::invalid_input(format!(
                        "{subject}: the summary must not be empty"
                    )));
                }
                let (summary, cut) = fit_summary(text);
                if cut {
                    log::warn(format!(
                        "{subject}: summary of {} characters cut to 255 (Jira's limit)",
                        text.chars().count()
                    ));
                }
                changes.fields.insert("summary".into(), json!(summary));
            }
            "description" => {
                let doc = match value {
                    Value::Null => Json::Null,
                    Value::Text(markdown) if markdown.trim().is_empty() => Json::Null,
                    Value::Text(markdown) => {
                        let (doc, omitted) = fit_description(markdown);
                        if omitted > 0 {
                            log::warn(format!(
                                "{subject}: description cut by {omitted} characters to fit Jira's 32,767-character limit"
                            ));
                        }
                        doc
                    }
                    Value::Json(text) => serde_json::from_str(text)
                        .map_err(|_| wrong("Markdown text or an ADF document"))?,
                    _ => return Err(wrong("Markdown text")),
                };
                if !doc.is_null() {
                    validate(&doc).map_err(|problem| {
                        PluginError::invalid_input(format!(
                            "{subject}: the description is not a valid ADF document: {problem}"
                        ))
                    })?;
                }
                changes.fields.insert("description".into(), doc);
            }
            "status" => {
                let status = value.as_text().ok_or_else(|| wrong("a status name"))?;
                changes.status = Some(status.to_owned());
            }
            "issuetype" => {
                let name = value.as_text().ok_or_else(|| wrong("an issue type name"))?;
                changes.issue_type = Some(name.to_owned());
            }
            "priority" => {
                let priority = match value {
                    Value::Null => Json::Null,
                    Value::Text(name) => json!({"name": name}),
                    _ => return Err(wrong("a priority name")),
                };
                changes.fields.insert("priority".into(), priority);
            }
            "labels" => {
                let labels: Vec<String> = match value {
                    Value::Null => Vec::new(),
                    Value::TextList(labels) => labels.clone(),
                    Value::Text(label) => vec![label.clone()],
                    _ => return Err(wrong("a list of labels")),
                };
                if let Some(bad) = labels
                    .iter()
                    .find(|l| l.is_empty() || l.contains(char::is_whitespace))
                {
                    return Err(PluginError::invalid_input(format!(
                        "{subject}: label {bad:?} cannot be stored: Jira labels are non-empty and have no spaces"
                    )));
                }
                changes.fields.insert("labels".into(), json!(labels));
            }
            "assignee" => {
                let assignee = match value {
                    Value::Null => Json::Null,
                    Value::Text(account) => json!({"accountId": account}),
                    _ => return Err(wrong("an account id")),
                };
                changes.fields.insert("assignee".into(), assignee);
            }
            "duedate" => {
                let date = match value {
                    Value::Null => Json::Null,
                    Value::Date(date) => json!(date),
                    Value::Text(text) | Value::Datetime(text)
                        if text.len() >= 10
                            && chrono::NaiveDate::parse_from_str(&text[..10], "%Y-%m-%d")
                                .is_ok() =>
                    {
                        json!(&text[..10])
                    }
                    _ => return Err(wrong("a date YYYY-MM-DD")),
                };
                changes.fields.insert("duedate".into(), date);
            }
            "story_points" => {
                let points = match value {
                    Value::Null => Json::Null,
                    Value::Integer(n) => json!(n),
                    Value::Number(n) if n.is_finite() => json!(n),
                    Value::Text(text) => text
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .map(|n| json!(n))
                        .ok_or_else(|| wrong("a number"))?,
                    _ => return Err(wrong("a number")),
                };
                changes
                    .fields
                    .insert(settings.story_points_field.clone(), points);
            }
            "created" | "updated" | "reporter" | "remote_links" => {
                return Err(PluginError::invalid_input(format!(
                    "{subject}: field `{}` is read-only in Jira",
                    field.name
                )));
            }
            other => {
                return Err(PluginError::invalid_input(format!(
                    "{subject}: the Jira connector has no field `{other}`"
                )));
            }
        }
    }
    Ok(changes)
}

/// The body of `POST /rest/api/3/issue`: project, issue type, the fields, and the origin
/// marker as an entity property (set again afterwards with a PUT, for Jira sites that ignore
/// `properties` on create).
pub fn create_body(
    changes: &Changes,
    settings: &Settings,
    origin: &str,
) -> Result<Json, PluginError> {
    if !changes.fields.contains_key("summary") {
        return Err(PluginError::invalid_input(format!(
            "a new issue (origin {origin}) needs a summary"
        )));
    }
    let mut fields = changes.fields.clone();
    fields.retain(|_, value| !value.is_null());
    fields.insert("project".into(), json!({"key": settings.project}));
    let issue_type = changes
        .issue_type
        .clone()
        .unwrap_or_else(|| settings.default_issue_type.clone());
    fields.insert("issuetype".into(), json!({"name": issue_type}));
    Ok(json!({
        "fields": fields,
        "properties": [{"key": settings.origin_property, "value": {"origin": origin}}]
    }))
}

/// The body of `PUT /rest/api/3/issue/{id}`, or `None` when no field but the status changes.
pub fn edit_body(changes: &Changes) -> Option<Json> {
    let mut fields = changes.fields.clone();
    if let Some(issue_type) = &changes.issue_type {
        fields.insert("issuetype".into(), json!({"name": issue_type}));
    }
    (!fields.is_empty()).then(|| json!({"fields": fields}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::configure;

    fn settings() -> Settings {
        configure();
        Settings::load().unwrap()
    }

    fn field(name: &str, value: Value) -> Field {
        Field::new(name, value)
    }

    #[test]
    fn create_body_carries_project_type_fields_and_origin() {
        let settings = settings();
        let changes = changes(
            &[
                field("summary", Value::text("Broken")),
                field("description", Value::text("Some *text*")),
                field("priority", Value::text("High")),
                field("labels", Value::text_list(["a", "b"])),
                field("assignee", Value::text("acc-1")),
                field("duedate", Value::date("2024-06-01")),
                field("story_points", Value::integer(5)),
                field("status", Value::text("In Progress")),
            ],
            &settings,
            "a new issue",
        )
        .unwrap();
        assert_eq!(changes.status.as_deref(), Some("In Progress"));
        let body = create_body(&changes, &settings, "pmsync:s:github:1").unwrap();
        assert_eq!(
            body,
            json!({
                "fields": {
                    "summary": "Broken",
                    "description": {"type": "doc", "version": 1, "content": [
                        {"type": "paragraph", "content": [
                            {"type": "text", "text": "Some "},
                            {"type": "text", "text": "text", "marks": [{"type": "em"}]}
                        ]}
                    ]},
                    "priority": {"name": "High"},
                    "labels": ["a", "b"],
                    "assignee": {"accountId": "acc-1"},
                    "duedate": "2024-06-01",
                    "customfield_10016": 5,
                    "project": {"key": "PROJ"},
                    "issuetype": {"name": "Task"}
                },
                "properties": [{"key": "pmsync", "value": {"origin": "pmsync:s:github:1"}}]
            })
        );
    }

    #[test]
    fn edit_body_has_only_the_changed_fields_and_nulls_clear() {
        let settings = settings();
        let changes = changes(
            &[
                field("assignee", Value::Null),
                field("status", Value::text("Done")),
            ],
            &settings,
            "PROJ-1",
        )
        .unwrap();
        assert_eq!(
            edit_body(&changes),
            Some(json!({"fields": {"assignee": null}}))
        );
        let only_status =
            super::changes(&[field("status", Value::text("Done"))], &settings, "PROJ-1").unwrap();
        assert_eq!(edit_body(&only_status), None);
    }

    #[test]
    fn read_only_unknown_and_mistyped_fields_are_refused_with_the_field_named() {
        let settings = settings();
        for (f, needle) in [
            (
                field("created", Value::datetime("2024-01-01T00:00:00Z")),
                "read-only",
            ),
            (field("colour", Value::text("red")), "no field `colour`"),
            (
                field("story_points", Value::text("lots")),
                "`story_points` expects a number",
            ),
            (
                field("labels", Value::text_list(["has space"])),
                "has space",
            ),
            (field("summary", Value::text("  ")), "must not be empty"),
        ] {
            let error = changes(&[f], &settings, "PROJ-9").unwrap_err();
            assert!(matches!(error, PluginError::InvalidInput(_)));
            assert!(error.message().contains(needle), "{error:?}");
            assert!(error.message().starts_with("PROJ-9"), "{error:?}");
        }
    }

    #[test]
    fn a_long_summary_is_truncated_not_refused() {
        let settings = settings();
        let changes = changes(
            &[field("summary", Value::text("s".repeat(400)))],
            &settings,
            "PROJ-2",
        )
        .unwrap();
        let summary = changes.fields["summary"].as_str().unwrap();
        assert_eq!(summary.chars().count(), 255);
        assert!(summary.ends_with('…'));
    }

    #[test]
    fn create_without_summary_is_invalid_input() {
        let settings = settings();
        let changes = changes(&[], &settings, "a new issue").unwrap();
        assert!(create_body(&changes, &settings, "o").is_err());
    }
}
