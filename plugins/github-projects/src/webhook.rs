//! Webhook deliveries → project item node ids.
//!
//! `projects_v2_item` (organisation webhooks) → the item's `node_id`, when its content is an
//! issue and it belongs to this project (`project_node_id`); `ping` and other events → no
//! items. Edits to an issue's title arrive as `issues` events, which name no project item;
//! polling catches them (an item's updated-at includes its issue's).

use pmsync_sdk::{PluginError, WebhookDelivery};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Payload {
    projects_v2_item: Option<ItemPayload>,
}

#[derive(Debug, Deserialize)]
struct ItemPayload {
    node_id: String,
    #[serde(default)]
    project_node_id: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
}

/// The event name of a delivery.
pub fn event(delivery: &WebhookDelivery) -> Result<String, PluginError> {
    delivery
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("x-github-event"))
        .map(|(_, value)| value.trim().to_owned())
        .ok_or_else(|| {
            PluginError::invalid_input(
                "webhook delivery has no X-GitHub-Event header; is it from GitHub?",
            )
        })
}

/// The item ids of a delivery; `project_id` is this project's node id, resolved only when the
/// delivery is a `projects_v2_item` event.
pub fn item_ids(
    delivery: &WebhookDelivery,
    project_id: impl FnOnce() -> Result<String, PluginError>,
) -> Result<Vec<String>, PluginError> {
    let event = event(delivery)?;
    let payload: Payload = serde_json::from_slice(&delivery.body).map_err(|error| {
        PluginError::invalid_input(format!(
            "GitHub `{event}` webhook body is not the expected JSON: {error}"
        ))
    })?;
    if event != "projects_v2_item" {
        return Ok(Vec::new());
    }
    let item = payload.projects_v2_item.ok_or_else(|| {
        PluginError::invalid_input(
            "GitHub `projects_v2_item` webhook body has no `projects_v2_item` object",
        )
    })?;
    if item
        .content_type
        .as_deref()
        .is_some_and(|kind| kind != "Issue")
    {
        return Ok(Vec::new());
    }
    if let Some(project) = &item.project_node_id
        && *project != project_id()?
    {
        return Ok(Vec::new());
    }
    Ok(vec![item.node_id])
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmsync_github_common::testing::fixture;

    fn delivery(event: &str, body: Vec<u8>) -> WebhookDelivery {
        WebhookDelivery {
            headers: vec![("x-github-event".to_owned(), event.to_owned())],
            body,
        }
    }

    const EXAMPLES: [&str; 6] = [
        "archived",
        "converted",
        "created",
        "edited",
        "reordered",
        "restored",
    ];

    #[test]
    fn recorded_item_events_about_issues_of_this_project_name_the_item() {
        for name in EXAMPLES {
            let Some(mut payload) = fixture(&format!(
                "github-webhooks/payload-examples/projects_v2_item/{name}.payload.json"
            )) else {
                return;
            };
            let project = payload["projects_v2_item"]["project_node_id"]
                .as_str()
                .expect("project id")
                .to_owned();
            let node_id = payload["projects_v2_item"]["node_id"]
                .as_str()
                .expect("node id")
                .to_owned();
            let recorded_type = payload["projects_v2_item"]["content_type"]
                .as_str()
                .expect("content type")
                .to_owned();
            let ids = item_ids(
                &delivery(
                    "projects_v2_item",
                    serde_json::to_vec(&payload).expect("encodes"),
                ),
                || Ok(project.clone()),
            )
            .expect("parses");
            let expected = if recorded_type == "Issue" {
                vec![node_id.clone()]
            } else {
                Vec::new()
            };
            assert_eq!(ids, expected, "{name}");
            payload["projects_v2_item"]["content_type"] = "Issue".into();
            let body = serde_json::to_vec(&payload).expect("encodes");
            assert_eq!(
                item_ids(&delivery("projects_v2_item", body.clone()), || Ok(
                    project.clone()
                ))
                .expect("parses"),
                vec![node_id],
                "{name}"
            );
            assert_eq!(
                item_ids(&delivery("projects_v2_item", body), || Ok(
                    "PVT_other".to_owned()
                ))
                .expect("parses"),
                Vec::<String>::new()
            );
        }
    }

    #[test]
    fn ping_and_issue_events_name_no_item_and_never_resolve_the_project() {
        let Some(ping) = fixture("github-webhooks/payload-examples/ping/payload.json") else {
            return;
        };
        let body = serde_json::to_vec(&ping).expect("encodes");
        let never = || -> Result<String, PluginError> { panic!("the project is not needed") };
        assert_eq!(
            item_ids(&delivery("ping", body), never).expect("parses"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn malformed_deliveries_are_invalid_input() {
        let never = || -> Result<String, PluginError> { Ok(String::new()) };
        assert!(matches!(
            item_ids(&delivery("projects_v2_item", b"[".to_vec()), never),
            Err(PluginError::InvalidInput(_))
        ));
        let error = item_ids(&delivery("projects_v2_item", b"{}".to_vec()), never).unwrap_err();
        assert!(
            error.message().contains("no `projects_v2_item` object"),
            "{error:?}"
        );
        let no_header = WebhookDelivery {
            headers: vec![],
            body: b"{}".to_vec(),
        };
        assert!(item_ids(&no_header, never).is_err());
    }
}
