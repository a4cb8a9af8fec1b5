//! A Linear `Issue` as the connector selects it, and its conversion into an [`Item`].

use serde::Deserialize;

use pmsync_sdk::{Item, Value};

use crate::fields;

/// The selection set of every issue the connector reads. Attachments: Linear's first page
/// (50 by default, [`MAX_ATTACHMENTS`]), URLs only, read for cross-references.
pub const ISSUE_SELECTION: &str = "id identifier title description priority estimate dueDate \
     url createdAt updatedAt state { id name } assignee { id name displayName email } \
     labels { nodes { id name } } attachments { nodes { url } }";

/// How many attachments of an issue are read.
pub const MAX_ATTACHMENTS: usize = 50;

/// An issue as Linear returns it for [`ISSUE_SELECTION`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueNode {
    pub id: String,
    pub identifier: String,
    pub title: String,
    pub description: Option<String>,
    /// `Float!` in the schema; 0 none, 1 urgent, 2 high, 3 medium, 4 low.
    pub priority: Option<f64>,
    /// `Float` in the schema (written as `Int`).
    pub estimate: Option<f64>,
    /// `TimelessDate`, `yyyy-mm-dd`.
    pub due_date: Option<String>,
    pub url: String,
    pub created_at: String,
    pub updated_at: String,
    pub state: Option<StateRef>,
    pub assignee: Option<UserRef>,
    pub labels: Option<LabelNodes>,
    #[serde(default)]
    pub attachments: Option<AttachmentNodes>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AttachmentNodes {
    pub nodes: Vec<AttachmentRef>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AttachmentRef {
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StateRef {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRef {
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LabelNodes {
    pub nodes: Vec<LabelRef>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LabelRef {
    pub name: String,
}

impl IssueNode {
    /// The item: id = the issue UUID, key = `ENG-7`, fields as [`fields::describe`] lists.
    pub fn into_item(self) -> Item {
        let labels = {
            let mut names: Vec<String> = self
                .labels
                .map(|labels| labels.nodes.into_iter().map(|label| label.name).collect())
                .unwrap_or_default();
            names.sort_by_key(|name| name.to_lowercase());
            names
        };
        let attachments: Vec<String> = self
            .attachments
            .map(|a| {
                a.nodes
                    .into_iter()
                    .map(|a| a.url)
                    .take(MAX_ATTACHMENTS)
                    .collect()
            })
            .unwrap_or_default();
        let assignee = self.assignee.and_then(|user| {
            user.email
                .filter(|email| !email.is_empty())
                .or(user.name)
                .or(user.display_name)
        });
        Item::new(&self.id, &self.identifier, &self.url, &self.updated_at)
            .with_field(fields::TITLE, self.title)
            .with_field(fields::DESCRIPTION, self.description)
            .with_field(fields::STATE, self.state.map(|state| state.name))
            .with_field(
                fields::PRIORITY,
                Value::integer(self.priority.map_or(0, |priority| priority.round() as i64)),
            )
            .with_field(fields::LABELS, Value::TextList(labels))
            .with_field(fields::ASSIGNEE, assignee)
            .with_field(
                fields::DUE_DATE,
                self.due_date.map_or(Value::Null, Value::date),
            )
            .with_field(fields::ESTIMATE, self.estimate.map_or(Value::Null, number))
            .with_field(fields::IDENTIFIER, self.identifier)
            .with_field(fields::CREATED_AT, Value::datetime(self.created_at))
            .with_field(fields::UPDATED_AT, Value::datetime(self.updated_at))
            .with_field(fields::ATTACHMENTS, Value::TextList(attachments))
    }
}

/// A whole number as `integer`, anything else as `number`.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Value::integer(value as i64)
    } else {
        Value::number(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// An issue in the shape of Linear's schema (`Issue`), as the sandbox also serves it.
    fn issue_json() -> serde_json::Value {
        json!({
            "__typename": "Issue",
            "id": "9f2c5a80-4a7e-4d5b-8f3e-0c1d2e3f4a5b",
            "identifier": "ENG-7",
            "title": "Checkout fails for EU customers",
            "description": "Steps:\n\n1. Add to cart\n2. Pay",
            "priority": 2.0,
            "estimate": 3.0,
            "dueDate": "2025-07-15",
            "url": "https://linear.app/acme/issue/ENG-7/checkout-fails",
            "createdAt": "2025-06-30T08:00:00.000Z",
            "updatedAt": "2025-07-01T12:00:00.000Z",
            "state": {"id": "s-2", "name": "In Progress"},
            "assignee": {"id": "u-1", "name": "Mia Krystof", "displayName": "mia", "email": "mia@example.com"},
            "labels": {"nodes": [{"id": "l-2", "name": "frontend"}, {"id": "l-1", "name": "Bug"}]}
        })
    }

    #[test]
    fn an_issue_becomes_an_item_with_typed_fields() {
        let node: IssueNode = serde_json::from_value(issue_json()).expect("schema shape");
        let item = node.into_item();
        assert_eq!(item.id, "9f2c5a80-4a7e-4d5b-8f3e-0c1d2e3f4a5b");
        assert_eq!(item.key, "ENG-7");
        assert_eq!(
            item.url,
            "https://linear.app/acme/issue/ENG-7/checkout-fails"
        );
        assert_eq!(item.updated_at, "2025-07-01T12:00:00.000Z");
        assert_eq!(
            item.field("title"),
            Some(&Value::text("Checkout fails for EU customers"))
        );
        assert_eq!(item.field("state"), Some(&Value::text("In Progress")));
        assert_eq!(item.field("priority"), Some(&Value::integer(2)));
        assert_eq!(
            item.field("labels"),
            Some(&Value::text_list(["Bug", "frontend"]))
        );
        assert_eq!(
            item.field("assignee"),
            Some(&Value::text("mia@example.com"))
        );
        assert_eq!(item.field("dueDate"), Some(&Value::date("2025-07-15")));
        assert_eq!(item.field("estimate"), Some(&Value::integer(3)));
        assert_eq!(item.field("identifier"), Some(&Value::text("ENG-7")));
        assert_eq!(
            item.field("createdAt"),
            Some(&Value::datetime("2025-06-30T08:00:00.000Z"))
        );
    }

    #[test]
    fn unset_optional_fields_are_null_and_priority_defaults_to_none() {
        let mut json = issue_json();
        for key in ["description", "estimate", "dueDate", "assignee", "priority"] {
            json[key] = serde_json::Value::Null;
        }
        json["labels"] = json!({"nodes": []});
        let item = serde_json::from_value::<IssueNode>(json)
            .expect("schema shape")
            .into_item();
        assert_eq!(item.field("description"), Some(&Value::Null));
        assert_eq!(item.field("estimate"), Some(&Value::Null));
        assert_eq!(item.field("dueDate"), Some(&Value::Null));
        assert_eq!(item.field("assignee"), Some(&Value::Null));
        assert_eq!(item.field("priority"), Some(&Value::integer(0)));
        assert_eq!(
            item.field("labels"),
            Some(&Value::text_list(Vec::<String>::new()))
        );
    }

    #[test]
    fn an_assignee_without_a_visible_email_is_named() {
        let mut json = issue_json();
        json["assignee"] =
            json!({"id": "u-2", "name": "Noah Okafor", "displayName": "noah", "email": null});
        let item = serde_json::from_value::<IssueNode>(json)
            .expect("schema shape")
            .into_item();
        assert_eq!(item.field("assignee"), Some(&Value::text("Noah Okafor")));
    }

    #[test]
    fn a_fractional_estimate_stays_a_number() {
        let mut json = issue_json();
        json["estimate"] = json!(0.5);
        let item = serde_json::from_value::<IssueNode>(json)
            .expect("schema shape")
            .into_item();
        assert_eq!(item.field("estimate"), Some(&Value::number(0.5)));
    }
}
