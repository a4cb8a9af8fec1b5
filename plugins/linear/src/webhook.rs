//! `parse-webhook`: the issue ids a Linear webhook delivery is about.
//!
//! Linear posts an `EntityWebhookPayload` (`{action, type, data, url, createdAt,
//! webhookTimestamp, ...}`). `type: "Issue"` is about `data.id`; `type: "Comment"` about
//! `data.issueId` (or `data.issue.id`); every other type (projects, cycles, labels, ...)
//! changes no synced issue field and yields no ids. The signature (`Linear-Signature`) and
//! replay window are the host's to check before the body gets here.

use serde_json::Value;

use pmsync_sdk::{PluginError, WebhookDelivery};

/// The issue ids of `delivery`; a body that is not a Linear delivery is `invalid-input`.
pub fn issue_ids(delivery: &WebhookDelivery) -> Result<Vec<String>, PluginError> {
    let body: Value = serde_json::from_slice(&delivery.body).map_err(|error| {
        PluginError::invalid_input(format!("Linear webhook body is not JSON: {error}"))
    })?;
    let kind = body["type"].as_str().ok_or_else(|| {
        PluginError::invalid_input("Linear webhook body has no `type` (expected e.g. \"Issue\")")
    })?;
    let data = &body["data"];
    let id = match kind {
        "Issue" => data["id"]
            .as_str()
            .ok_or_else(|| PluginError::invalid_input("Linear Issue webhook has no `data.id`"))?,
        "Comment" => match data["issueId"]
            .as_str()
            .or_else(|| data["issue"]["id"].as_str())
        {
            Some(id) => id,
            // A comment on something other than an issue (a project update, a document).
            None if data.is_object() => return Ok(Vec::new()),
            None => {
                return Err(PluginError::invalid_input(
                    "Linear Comment webhook has no `data` object",
                ));
            }
        },
        _ => return Ok(Vec::new()),
    };
    if id.is_empty() {
        return Err(PluginError::invalid_input(format!(
            "Linear {kind} webhook names an empty issue id"
        )));
    }
    Ok(vec![id.to_owned()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn delivery(body: &Value) -> WebhookDelivery {
        WebhookDelivery {
            headers: vec![
                ("Linear-Event".to_owned(), "Issue".to_owned()),
                (
                    "Content-Type".to_owned(),
                    "application/json; charset=utf-8".to_owned(),
                ),
            ],
            body: body.to_string().into_bytes(),
        }
    }

    /// Shaped like `EntityWebhookPayload` with an `IssueWebhookPayload` in `data`.
    fn issue_update() -> Value {
        json!({
            "action": "update",
            "actor": {"id": "u-1", "name": "Mia Krystof", "type": "user"},
            "createdAt": "2025-07-01T12:00:00.000Z",
            "data": {
                "id": "9f2c5a80-4a7e-4d5b-8f3e-0c1d2e3f4a5b",
                "identifier": "ENG-7",
                "title": "Checkout fails for EU customers",
                "priority": 2,
                "teamId": "t-1",
                "stateId": "s-2",
                "labelIds": [],
                "updatedAt": "2025-07-01T12:00:00.000Z"
            },
            "updatedFrom": {"priority": 3, "updatedAt": "2025-06-30T08:00:00.000Z"},
            "url": "https://linear.app/acme/issue/ENG-7/checkout-fails",
            "type": "Issue",
            "organizationId": "o-1",
            "webhookTimestamp": 1751371200000u64,
            "webhookId": "w-1"
        })
    }

    #[test]
    fn an_issue_event_is_about_that_issue() {
        assert_eq!(
            issue_ids(&delivery(&issue_update())),
            Ok(vec!["9f2c5a80-4a7e-4d5b-8f3e-0c1d2e3f4a5b".to_owned()])
        );
    }

    #[test]
    fn a_comment_event_is_about_the_commented_issue() {
        let mut body = issue_update();
        body["type"] = json!("Comment");
        body["action"] = json!("create");
        body["data"] =
            json!({"id": "c-1", "body": "Looks good", "issueId": "i-42", "userId": "u-1"});
        assert_eq!(issue_ids(&delivery(&body)), Ok(vec!["i-42".to_owned()]));
    }

    #[test]
    fn other_entity_types_yield_no_ids() {
        let mut body = issue_update();
        body["type"] = json!("Project");
        assert_eq!(issue_ids(&delivery(&body)), Ok(Vec::new()));
    }

    #[test]
    fn malformed_deliveries_are_invalid_input_saying_what_is_missing() {
        let not_json = WebhookDelivery {
            headers: Vec::new(),
            body: b"action=update".to_vec(),
        };
        assert!(matches!(
            issue_ids(&not_json),
            Err(PluginError::InvalidInput(_))
        ));
        let error = issue_ids(&delivery(&json!({"action": "update"}))).unwrap_err();
        assert!(error.message().contains("`type`"), "{error:?}");
        let error = issue_ids(&delivery(&json!({"type": "Issue", "data": {}}))).unwrap_err();
        assert!(error.message().contains("`data.id`"), "{error:?}");
    }
}
