//! The fields of a create or update, checked and turned into GitHub's JSON body.
//!
//! Checking is pure ([`IssueWrite::from_fields`]); the two things that need GitHub — the
//! milestone's number and the origin marker already in the body — are given to
//! [`IssueWrite::to_json`] by the caller.

use pmsync_github_common::marker;
use pmsync_sdk::{Field, PluginError, Value};
use serde_json::{Map, Value as Json};

use crate::fields::FIELDS;

/// The states GitHub accepts.
const STATES: [&str; 2] = ["open", "closed"];
/// The state reasons GitHub accepts.
const STATE_REASONS: [&str; 4] = ["completed", "not_planned", "reopened", "duplicate"];

/// A write, checked: `None` = not given; `Some(None)` = clear it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IssueWrite {
    pub title: Option<String>,
    pub body: Option<String>,
    pub state: Option<String>,
    pub state_reason: Option<Option<String>>,
    pub labels: Option<Vec<String>>,
    pub assignees: Option<Vec<String>>,
    /// The milestone's title.
    pub milestone: Option<Option<String>>,
}

impl IssueWrite {
    /// Checks every field; the first bad one is an `invalid-input` error naming it.
    pub fn from_fields(fields: &[Field]) -> Result<IssueWrite, PluginError> {
        let mut write = IssueWrite::default();
        for field in fields {
            let name = field.name.as_str();
            let value = &field.value;
            match name {
                "title" => {
                    let title = text(name, value)?.unwrap_or_default();
                    if title.trim().is_empty() {
                        return Err(PluginError::invalid_input(
                            "field `title`: a GitHub issue needs a non-empty title",
                        ));
                    }
                    write.title = Some(title);
                }
                "body" => write.body = Some(text(name, value)?.unwrap_or_default()),
                "state" => {
                    let state = one_of(name, text(name, value)?, &STATES)?.ok_or_else(|| {
                        PluginError::invalid_input(
                            "field `state`: cannot be null; expected `open` or `closed`",
                        )
                    })?;
                    write.state = Some(state);
                }
                "state_reason" => {
                    write.state_reason = Some(one_of(name, text(name, value)?, &STATE_REASONS)?)
                }
                "labels" => write.labels = Some(text_list(name, value)?),
                "assignees" => write.assignees = Some(text_list(name, value)?),
                "milestone" => {
                    write.milestone =
                        Some(text(name, value)?.filter(|title| !title.trim().is_empty()))
                }
                other => {
                    let known = FIELDS.iter().find(|(known, _, _)| *known == other);
                    return Err(match known {
                        Some(_) => PluginError::invalid_input(format!(
                            "field `{other}` is read-only on GitHub issues"
                        )),
                        None => PluginError::invalid_input(format!(
                            "GitHub issues have no field `{other}`; writable fields: {}",
                            writable_names().join(", ")
                        )),
                    });
                }
            }
        }
        Ok(write)
    }

    /// True when the write asks to close the issue.
    pub fn closes(&self) -> bool {
        self.state.as_deref() == Some("closed")
    }

    /// GitHub's JSON body. `milestone_number` is the resolved number of `self.milestone`
    /// (ignored unless a milestone is given); `marker_comment` is appended to a new body.
    pub fn to_json(
        &self,
        milestone_number: Option<u64>,
        marker_comment: Option<&str>,
        include_state: bool,
    ) -> Map<String, Json> {
        let mut body = Map::new();
        if let Some(title) = &self.title {
            body.insert("title".into(), title.clone().into());
        }
        if let Some(text) = &self.body {
            let stored = match marker_comment {
                Some(comment) => marker::with_marker(text, comment),
                None => text.clone(),
            };
            body.insert("body".into(), stored.into());
        } else if let Some(comment) = marker_comment {
            body.insert("body".into(), comment.into());
        }
        if include_state {
            if let Some(state) = &self.state {
                body.insert("state".into(), state.clone().into());
            }
            if let Some(reason) = &self.state_reason {
                body.insert(
                    "state_reason".into(),
                    reason.clone().map_or(Json::Null, Json::from),
                );
            }
        }
        if let Some(labels) = &self.labels {
            body.insert("labels".into(), labels.clone().into());
        }
        if let Some(assignees) = &self.assignees {
            body.insert("assignees".into(), assignees.clone().into());
        }
        if let Some(milestone) = &self.milestone {
            let number = milestone.as_ref().and(milestone_number);
            body.insert("milestone".into(), number.map_or(Json::Null, Json::from));
        }
        body
    }
}

fn writable_names() -> Vec<&'static str> {
    FIELDS
        .iter()
        .filter(|(_, _, writable)| *writable)
        .map(|(name, _, _)| *name)
        .collect()
}

fn text(name: &str, value: &Value) -> Result<Option<String>, PluginError> {
    match value {
        Value::Null => Ok(None),
        Value::Text(text) => Ok(Some(text.clone())),
        other => Err(PluginError::invalid_input(format!(
            "field `{name}` expects text, got {other}"
        ))),
    }
}

fn text_list(name: &str, value: &Value) -> Result<Vec<String>, PluginError> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::TextList(items) => Ok(items.clone()),
        other => Err(PluginError::invalid_input(format!(
            "field `{name}` expects a text-list, got {other}"
        ))),
    }
}

fn one_of(
    name: &str,
    value: Option<String>,
    allowed: &[&str],
) -> Result<Option<String>, PluginError> {
    match value {
        None => Ok(None),
        Some(text) => {
            let normalised = text.trim().to_ascii_lowercase().replace([' ', '-'], "_");
            allowed
                .iter()
                .find(|candidate| **candidate == normalised)
                .map(|candidate| Some((*candidate).to_owned()))
                .ok_or_else(|| {
                    PluginError::invalid_input(format!(
                        "field `{name}`: {text:?} is not one of {}",
                        allowed.join(", ")
                    ))
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: Vec<(&str, Value)>) -> Vec<Field> {
        pairs
            .into_iter()
            .map(|(name, value)| Field::new(name, value))
            .collect()
    }

    #[test]
    fn an_update_sends_only_the_given_fields_and_keeps_the_marker_in_the_body() {
        let write = IssueWrite::from_fields(&fields(vec![
            ("body", Value::text("New text")),
            ("labels", Value::text_list(["bug"])),
        ]))
        .expect("valid");
        let json = Json::Object(write.to_json(None, Some("<!-- pmsync-origin: x -->"), true));
        assert_eq!(
            json,
            serde_json::json!({"body": "New text\n\n<!-- pmsync-origin: x -->", "labels": ["bug"]})
        );
    }

    #[test]
    fn a_create_carries_the_marker_even_without_a_body_and_the_milestone_number() {
        let write = IssueWrite::from_fields(&fields(vec![
            ("title", Value::text("Crash")),
            ("milestone", Value::text("v1.0")),
            ("assignees", Value::text_list(["octocat"])),
            ("state", Value::text("closed")),
        ]))
        .expect("valid");
        assert!(write.closes());
        let json = Json::Object(write.to_json(Some(3), Some("<!-- pmsync-origin: x -->"), false));
        assert_eq!(
            json,
            serde_json::json!({"title": "Crash", "body": "<!-- pmsync-origin: x -->", "assignees": ["octocat"], "milestone": 3})
        );
    }

    #[test]
    fn state_and_reason_are_normalised_and_clearing_is_null() {
        let write = IssueWrite::from_fields(&fields(vec![
            ("state", Value::text("Closed")),
            ("state_reason", Value::text("not planned")),
            ("milestone", Value::Null),
            ("labels", Value::Null),
        ]))
        .expect("valid");
        let json = Json::Object(write.to_json(None, None, true));
        assert_eq!(
            json,
            serde_json::json!({"state": "closed", "state_reason": "not_planned", "labels": [], "milestone": null})
        );
    }

    #[test]
    fn bad_values_name_the_field_and_what_is_allowed() {
        let error =
            IssueWrite::from_fields(&fields(vec![("state", Value::text("done"))])).unwrap_err();
        assert_eq!(
            error,
            PluginError::invalid_input("field `state`: \"done\" is not one of open, closed")
        );
        let error =
            IssueWrite::from_fields(&fields(vec![("labels", Value::text("bug"))])).unwrap_err();
        assert!(
            error.message().contains("`labels` expects a text-list"),
            "{error:?}"
        );
        let error =
            IssueWrite::from_fields(&fields(vec![("number", Value::integer(3))])).unwrap_err();
        assert!(error.message().contains("read-only"), "{error:?}");
        let error =
            IssueWrite::from_fields(&fields(vec![("priority", Value::text("High"))])).unwrap_err();
        assert!(error.message().contains("no field `priority`"), "{error:?}");
        let error =
            IssueWrite::from_fields(&fields(vec![("title", Value::text("  "))])).unwrap_err();
        assert!(error.message().contains("non-empty title"), "{error:?}");
    }
}
