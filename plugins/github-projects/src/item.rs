//! A project item as GraphQL returns it (see [`crate::queries::ITEM_SELECTION`]), and as a
//! pmsync [`Item`].
//!
//! Only items whose content is an issue are items here: draft issues have no repository,
//! number or body (so no origin marker), and pull requests are not issues. Item id = the
//! project item's node id (`PVTI_...`); key = `owner/name#N` of the issue (a project can hold
//! issues of many repositories); url = the issue's URL; updated-at = the later of the item's
//! and the issue's `updatedAt` (a title edit changes only the issue, a field edit only the item).

use std::collections::BTreeMap;

use pmsync_github_common::time;
use pmsync_sdk::{Item, PluginError, Value};
use serde_json::Value as Json;

use crate::project::{FieldKind, Project, TITLE};

#[derive(Debug, Clone, PartialEq)]
pub struct IssueContent {
    pub node_id: String,
    pub number: u64,
    pub title: String,
    pub url: String,
    pub updated_at: String,
    pub repository: String,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectItem {
    pub id: String,
    pub project_id: Option<String>,
    /// `ISSUE`, `DRAFT_ISSUE`, `PULL_REQUEST`, `REDACTED`.
    pub item_type: String,
    pub archived: bool,
    pub updated_at: String,
    pub content: Option<IssueContent>,
    /// Field id → value.
    pub values: BTreeMap<String, Value>,
}

impl ProjectItem {
    /// Reads one item node; `what` names the query in errors.
    pub fn parse(node: &Json, what: &str) -> Result<ProjectItem, PluginError> {
        let malformed = |missing: &str| {
            PluginError::transient(format!(
                "GitHub GraphQL answered {what} with an item without `{missing}`"
            ))
        };
        let text =
            |value: &Json, key: &str| value.get(key).and_then(Json::as_str).map(str::to_owned);
        let id = text(node, "id").ok_or_else(|| malformed("id"))?;
        let updated_at = text(node, "updatedAt").ok_or_else(|| malformed("updatedAt"))?;
        let content = node
            .get("content")
            .filter(|content| content.get("number").is_some())
            .map(|content| -> Result<IssueContent, PluginError> {
                Ok(IssueContent {
                    node_id: text(content, "id").ok_or_else(|| malformed("content.id"))?,
                    number: content
                        .get("number")
                        .and_then(Json::as_u64)
                        .ok_or_else(|| malformed("content.number"))?,
                    title: text(content, "title").unwrap_or_default(),
                    url: text(content, "url").unwrap_or_default(),
                    updated_at: text(content, "updatedAt").unwrap_or_else(|| updated_at.clone()),
                    repository: content
                        .pointer("/repository/nameWithOwner")
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    labels: content
                        .pointer("/labels/nodes")
                        .and_then(Json::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|label| label.get("name")?.as_str().map(str::to_owned))
                        .collect(),
                })
            });
        let content = content.transpose()?;
        let item_type = text(node, "type").unwrap_or_else(|| {
            if content.is_some() {
                "ISSUE".to_owned()
            } else {
                "DRAFT_ISSUE".to_owned()
            }
        });
        let mut values = BTreeMap::new();
        for value in node
            .pointer("/fieldValues/nodes")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let Some(field_id) = value.pointer("/field/id").and_then(Json::as_str) else {
                continue;
            };
            if let Some(parsed) = parse_value(value) {
                values.insert(field_id.to_owned(), parsed);
            }
        }
        Ok(ProjectItem {
            id,
            project_id: node
                .pointer("/project/id")
                .and_then(Json::as_str)
                .map(str::to_owned),
            item_type,
            archived: node
                .get("isArchived")
                .and_then(Json::as_bool)
                .unwrap_or(false),
            updated_at,
            content,
            values,
        })
    }

    /// The later of the item's and the issue's last update.
    pub fn last_updated(&self) -> String {
        match &self.content {
            Some(content) if later(&content.updated_at, &self.updated_at) => {
                content.updated_at.clone()
            }
            _ => self.updated_at.clone(),
        }
    }

    /// The pmsync item; `None` for drafts and pull requests.
    pub fn to_item(&self, project: &Project) -> Option<Item> {
        let content = self
            .content
            .as_ref()
            .filter(|_| self.item_type == "ISSUE")?;
        let mut item = Item::new(
            self.id.clone(),
            format!("{}#{}", content.repository, content.number),
            content.url.clone(),
            self.last_updated(),
        )
        .with_field(TITLE, content.title.clone());
        for field in &project.fields {
            let value = self.values.get(&field.id).cloned().unwrap_or(Value::Null);
            let value = match (&field.kind, value) {
                // Integers travel as numbers: the field is a GraphQL Float.
                (FieldKind::Number, Value::Integer(number)) => Value::number(number as f64),
                (_, value) => value,
            };
            item.set_field(field.name.clone(), value);
        }
        Some(item)
    }
}

fn parse_value(value: &Json) -> Option<Value> {
    let text = |key: &str| value.get(key).and_then(Json::as_str).map(str::to_owned);
    if value.get("optionId").is_some() {
        return Some(text("name").map_or(Value::Null, Value::text));
    }
    if value.get("iterationId").is_some() {
        return Some(text("title").map_or(Value::Null, Value::text));
    }
    if let Some(number) = value.get("number") {
        return Some(number.as_f64().map_or(Value::Null, Value::number));
    }
    if value.get("date").is_some() {
        return Some(text("date").map_or(Value::Null, Value::date));
    }
    if value.get("text").is_some() {
        return Some(text("text").map_or(Value::Null, Value::text));
    }
    None
}

/// True when instant `a` is after `b` (unparseable instants compare as text).
pub fn later(a: &str, b: &str) -> bool {
    match (time::parse_rfc3339_ms(a), time::parse_rfc3339_ms(b)) {
        (Some(a), Some(b)) => a > b,
        _ => a > b,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::project::tests::project;

    pub fn item_node(id: &str, item_updated: &str, issue_updated: &str) -> Json {
        serde_json::json!({
            "id": id, "type": "ISSUE", "isArchived": false, "updatedAt": item_updated, "project": {"id": "PVT_1"},
            "content": {"id": "I_42", "number": 42, "title": "Crash on save", "url": "https://github.com/octo/app/issues/42",
                        "updatedAt": issue_updated, "repository": {"nameWithOwner": "octo/app"}, "labels": {"nodes": [{"name": "bug"}]}},
            "fieldValues": {"nodes": [
                {},
                {"text": "Crash on save", "field": {"id": "PVTF_title", "name": "Title"}},
                {"name": "Done", "optionId": "opt_done", "field": {"id": "PVTSSF_status", "name": "Status"}},
                {"title": "Iteration 2", "iterationId": "it_2", "field": {"id": "PVTIF_iter", "name": "Iteration"}},
                {"number": 3, "field": {"id": "PVTF_est", "name": "Estimate"}},
                {"date": "2024-06-01", "field": {"id": "PVTF_due", "name": "Due"}}
            ]}
        })
    }

    #[test]
    fn every_field_type_reads_into_its_value_and_unset_fields_are_null() {
        let parsed = ProjectItem::parse(
            &item_node("PVTI_1", "2024-05-01T10:00:00Z", "2024-05-01T09:00:00Z"),
            "test",
        )
        .expect("parses");
        let item = parsed.to_item(&project()).expect("an issue item");
        assert_eq!(item.id, "PVTI_1");
        assert_eq!(item.key, "octo/app#42");
        assert_eq!(item.url, "https://github.com/octo/app/issues/42");
        assert_eq!(item.field("title"), Some(&Value::text("Crash on save")));
        assert_eq!(item.field("Status"), Some(&Value::text("Done")));
        assert_eq!(item.field("Iteration"), Some(&Value::text("Iteration 2")));
        assert_eq!(item.field("Estimate"), Some(&Value::number(3.0)));
        assert_eq!(item.field("Due"), Some(&Value::date("2024-06-01")));
        assert_eq!(item.field("Notes"), Some(&Value::Null));
        assert_eq!(
            item.field("Title"),
            None,
            "the built-in title field is `title`"
        );
    }

    #[test]
    fn updated_at_is_the_later_of_item_and_issue() {
        let issue_later = ProjectItem::parse(
            &item_node(
                "PVTI_1",
                "2024-05-01T10:00:00Z",
                "2024-05-01T11:00:00+00:00",
            ),
            "test",
        )
        .expect("parses");
        assert_eq!(issue_later.last_updated(), "2024-05-01T11:00:00+00:00");
        let item_later = ProjectItem::parse(
            &item_node("PVTI_1", "2024-05-01T12:00:00Z", "2024-05-01T11:00:00Z"),
            "test",
        )
        .expect("parses");
        assert_eq!(item_later.last_updated(), "2024-05-01T12:00:00Z");
    }

    #[test]
    fn drafts_and_pull_requests_are_not_items() {
        let draft = serde_json::json!({"id": "PVTI_d", "type": "DRAFT_ISSUE", "updatedAt": "2024-05-01T10:00:00Z", "content": {}, "fieldValues": {"nodes": []}});
        assert_eq!(
            ProjectItem::parse(&draft, "test")
                .expect("parses")
                .to_item(&project()),
            None
        );
        let mut pr = item_node("PVTI_p", "2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z");
        pr["type"] = "PULL_REQUEST".into();
        assert_eq!(
            ProjectItem::parse(&pr, "test")
                .expect("parses")
                .to_item(&project()),
            None
        );
    }

    #[test]
    fn an_item_without_an_id_is_a_clear_error() {
        let error = ProjectItem::parse(&serde_json::json!({"updatedAt": "x"}), "the item query")
            .unwrap_err();
        assert_eq!(
            error,
            PluginError::transient(
                "GitHub GraphQL answered the item query with an item without `id`"
            )
        );
    }
}
