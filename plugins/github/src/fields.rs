//! The fields of a GitHub issue as pmsync sees them, and an issue turned into an [`Item`].
//!
//! Item id = the issue number as text (`42`): the REST API addresses issues by number, and it
//! is stable within the repository. Key = `#42`. The body is shown without the hidden origin
//! marker.

use pmsync_github_common::issue::RestIssue;
use pmsync_github_common::marker;
use pmsync_sdk::{FieldSpec, FieldType, Item, Value};

/// Every field: name, type, writable.
pub const FIELDS: [(&str, FieldType, bool); 12] = [
    ("title", FieldType::String, true),
    ("body", FieldType::String, true),
    ("state", FieldType::String, true),
    ("state_reason", FieldType::String, true),
    ("labels", FieldType::Array, true),
    ("assignees", FieldType::Array, true),
    ("milestone", FieldType::String, true),
    ("number", FieldType::Number, false),
    ("author", FieldType::String, false),
    ("created_at", FieldType::Datetime, false),
    ("updated_at", FieldType::Datetime, false),
    ("closed_at", FieldType::Datetime, false),
];

pub fn specs() -> Vec<FieldSpec> {
    FIELDS
        .iter()
        .map(|(name, field_type, writable)| FieldSpec {
            name: (*name).to_owned(),
            field_type: *field_type,
            writable: *writable,
        })
        .collect()
}

/// The item for `issue`.
pub fn to_item(issue: &RestIssue) -> Item {
    let body = issue
        .body
        .as_deref()
        .map(|stored| marker::split(stored).user_body)
        .filter(|body| !body.is_empty());
    let datetime = |text: &Option<String>| text.clone().map_or(Value::Null, Value::datetime);
    Item::new(
        issue.number.to_string(),
        format!("#{}", issue.number),
        issue.html_url.clone(),
        issue.updated_at.clone(),
    )
    .with_field("title", issue.title.clone())
    .with_field("body", body)
    .with_field("state", issue.state.clone())
    .with_field("state_reason", issue.state_reason.clone())
    .with_field("labels", issue.label_names())
    .with_field("assignees", issue.assignee_logins())
    .with_field(
        "milestone",
        issue
            .milestone
            .as_ref()
            .map(|milestone| milestone.title.clone()),
    )
    .with_field("number", Value::integer(issue.number as i64))
    .with_field("author", issue.user.as_ref().map(|user| user.login.clone()))
    .with_field("created_at", datetime(&issue.created_at))
    .with_field("updated_at", Value::datetime(issue.updated_at.clone()))
    .with_field("closed_at", datetime(&issue.closed_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmsync_github_common::testing::fixture;

    #[test]
    fn every_described_field_is_on_every_item() {
        let issue: RestIssue =
            serde_json::from_str(r#"{"number":3,"updated_at":"2024-05-01T00:00:00Z"}"#)
                .expect("parses");
        let item = to_item(&issue);
        for (name, _, _) in FIELDS {
            assert!(item.field(name).is_some(), "{name} missing");
        }
        assert_eq!(item.id, "3");
        assert_eq!(item.key, "#3");
    }

    #[test]
    fn a_recorded_issue_maps_to_the_item_a_user_expects() {
        let Some(fixture) =
            fixture("github-rest-octokit-fixtures/add-labels-to-issue/normalized-fixture.json")
        else {
            return;
        };
        let issue: RestIssue =
            serde_json::from_value(fixture[0]["response"].clone()).expect("issue parses");
        let item = to_item(&issue);
        assert_eq!(item.key, "#1");
        assert_eq!(
            item.url,
            "https://github.com/octokit-fixture-org/add-labels-to-issue/issues/1"
        );
        assert_eq!(
            item.field("title"),
            Some(&Value::text("Issue without a label"))
        );
        assert_eq!(item.field("state"), Some(&Value::text("open")));
        assert_eq!(
            item.field("labels"),
            Some(&Value::text_list(Vec::<String>::new()))
        );
        assert_eq!(
            item.field("author"),
            Some(&Value::text("octokit-fixture-user-a"))
        );
        assert_eq!(item.field("closed_at"), Some(&Value::Null));
        assert_eq!(
            item.field("created_at"),
            Some(&Value::datetime("2017-10-10T16:00:00Z"))
        );
    }

    #[test]
    fn the_body_is_shown_without_the_origin_marker() {
        let stored = marker::with_marker(
            "What broke",
            &marker::comment("pmsync:s:source:1").expect("valid"),
        );
        let issue: RestIssue = serde_json::from_value(serde_json::json!({
            "number": 9, "updated_at": "2024-05-01T00:00:00Z", "body": stored,
            "milestone": {"number": 2, "title": "v1.0"}, "assignees": [{"login": "octocat"}],
            "labels": [{"name": "bug"}], "state": "closed", "state_reason": "completed"
        }))
        .expect("parses");
        let item = to_item(&issue);
        assert_eq!(item.field("body"), Some(&Value::text("What broke")));
        assert_eq!(item.field("milestone"), Some(&Value::text("v1.0")));
        assert_eq!(
            item.field("assignees"),
            Some(&Value::text_list(["octocat"]))
        );
        assert_eq!(item.field("state_reason"), Some(&Value::text("completed")));
        let only_marker: RestIssue = serde_json::from_value(serde_json::json!({
            "number": 10, "updated_at": "2024-05-01T00:00:00Z",
            "body": marker::comment("pmsync:s:source:2").expect("valid")
        }))
        .expect("parses");
        assert_eq!(to_item(&only_marker).field("body"), Some(&Value::Null));
    }
}
