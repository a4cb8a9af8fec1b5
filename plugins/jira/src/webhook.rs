//! Jira webhook deliveries → the ids of the issues they are about.

use pmsync_sdk::{PluginError, WebhookDelivery};
use serde_json::Value as Json;

/// The issue id of an `jira:issue_*` (or other issue-carrying) delivery. A delivery about no
/// issue (a project or user event) yields no ids; a body that is not a Jira webhook is
/// `invalid-input` saying what is wrong.
pub fn issue_ids(delivery: &WebhookDelivery) -> Result<Vec<String>, PluginError> {
    let body: Json = serde_json::from_slice(&delivery.body).map_err(|error| {
        PluginError::invalid_input(format!("Jira webhook body is not JSON: {error}"))
    })?;
    let event = body["webhookEvent"].as_str().ok_or_else(|| {
        PluginError::invalid_input("Jira webhook body has no `webhookEvent` string")
    })?;
    let issue = &body["issue"];
    if issue.is_null() {
        if event.starts_with("jira:issue_") {
            return Err(PluginError::invalid_input(format!(
                "Jira webhook `{event}` has no `issue` object"
            )));
        }
        return Ok(Vec::new());
    }
    match &issue["id"] {
        Json::String(id) if !id.is_empty() => Ok(vec![id.clone()]),
        Json::Number(id) => Ok(vec![id.to_string()]),
        _ => Err(PluginError::invalid_input(format!(
            "Jira webhook `{event}`: `issue.id` is missing or not a string"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(body: &str) -> WebhookDelivery {
        WebhookDelivery {
            headers: vec![("x-atlassian-webhook-identifier".into(), "1".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn issue_events_yield_the_issue_id() {
        for event in [
            "jira:issue_created",
            "jira:issue_updated",
            "jira:issue_deleted",
        ] {
            let body = format!(
                r#"{{"timestamp":1,"webhookEvent":"{event}","issue":{{"id":"10002","key":"ED-1","fields":{{}}}}}}"#
            );
            assert_eq!(issue_ids(&delivery(&body)).unwrap(), vec!["10002"]);
        }
    }

    #[test]
    fn comment_events_point_at_their_issue_and_project_events_at_nothing() {
        let comment = r#"{"webhookEvent":"comment_created","issue":{"id":10003},"comment":{}}"#;
        assert_eq!(issue_ids(&delivery(comment)).unwrap(), vec!["10003"]);
        let project = r#"{"webhookEvent":"project_created","project":{"id":1}}"#;
        assert!(issue_ids(&delivery(project)).unwrap().is_empty());
    }

    #[test]
    fn malformed_bodies_say_what_is_wrong() {
        let not_json = issue_ids(&delivery("<xml/>")).unwrap_err();
        assert!(not_json.message().contains("not JSON"));
        let no_event = issue_ids(&delivery(r#"{"issue":{"id":"1"}}"#)).unwrap_err();
        assert!(no_event.message().contains("webhookEvent"));
        let no_issue =
            issue_ids(&delivery(r#"{"webhookEvent":"jira:issue_updated"}"#)).unwrap_err();
        assert!(no_issue.message().contains("no `issue`"));
        let no_id = issue_ids(&delivery(
            r#"{"webhookEvent":"jira:issue_updated","issue":{"key":"A-1"}}"#,
        ))
        .unwrap_err();
        assert!(no_id.message().contains("issue.id"));
    }
}
