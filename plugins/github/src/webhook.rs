//! Webhook deliveries → issue numbers (the item ids).
//!
//! - `issues` (every action) → the issue's number, unless it is about a pull request
//!   (GitHub sends `milestoned`/`demilestoned` of pull requests as `issues` events);
//! - `issue_comment` → the issue's number, unless the comment is on a pull request;
//! - `ping`, `label`, `milestone` and other events → no items (label and milestone events
//!   are about the label or milestone itself and name no issue; the issue-side change comes
//!   as an `issues` `labeled`/`milestoned` event);
//! - a delivery about another repository (organisation-wide hooks) → no items.
//!
//! Signatures (`X-Hub-Signature-256`) are checked by the host, which holds the secret.

use pmsync_sdk::{PluginError, WebhookDelivery};
use serde::Deserialize;

use crate::settings::Settings;

#[derive(Debug, Deserialize)]
struct Payload {
    issue: Option<Issue>,
    repository: Option<Repository>,
}

#[derive(Debug, Deserialize)]
struct Issue {
    number: u64,
    #[serde(default)]
    pull_request: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Repository {
    full_name: String,
}

/// The item ids `delivery` is about, for the repository `settings.repo`.
pub fn item_ids(
    delivery: &WebhookDelivery,
    settings: &Settings,
) -> Result<Vec<String>, PluginError> {
    let event = delivery
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("x-github-event"))
        .map(|(_, value)| value.trim().to_owned())
        .ok_or_else(|| {
            PluginError::invalid_input(
                "webhook delivery has no X-GitHub-Event header; is it from GitHub?",
            )
        })?;
    let payload: Payload = serde_json::from_slice(&delivery.body).map_err(|error| {
        PluginError::invalid_input(format!(
            "GitHub `{event}` webhook body is not the expected JSON: {error}"
        ))
    })?;
    if !matches!(event.as_str(), "issues" | "issue_comment") {
        return Ok(Vec::new());
    }
    let issue = payload.issue.ok_or_else(|| {
        PluginError::invalid_input(format!(
            "GitHub `{event}` webhook body has no `issue` object"
        ))
    })?;
    if let Some(repository) = payload.repository
        && !repository
            .full_name
            .eq_ignore_ascii_case(&settings.repo.full_name())
    {
        return Ok(Vec::new());
    }
    if issue
        .pull_request
        .as_ref()
        .is_some_and(|value| !value.is_null())
    {
        return Ok(Vec::new());
    }
    Ok(vec![issue.number.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmsync_github_common::repo::Repo;
    use std::path::PathBuf;

    fn settings(repo: &str) -> Settings {
        Settings {
            base_url: "https://api.github.com".to_owned(),
            repo: Repo::parse(repo, "repo").expect("valid"),
        }
    }

    fn delivery(event: &str, body: &[u8]) -> WebhookDelivery {
        WebhookDelivery {
            headers: vec![
                ("X-GitHub-Event".to_owned(), event.to_owned()),
                ("X-GitHub-Delivery".to_owned(), "1".to_owned()),
            ],
            body: body.to_vec(),
        }
    }

    /// Every recorded example of `event`, or `None` when the shared data is missing.
    fn examples(event: &str) -> Option<Vec<(String, Vec<u8>)>> {
        pmsync_github_common::testing::fixture(
            "github-webhooks/payload-examples/ping/payload.json",
        )?;
        let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/apidata/fixtures/github-webhooks/payload-examples")
            .join(event);
        let mut found: Vec<(String, Vec<u8>)> = std::fs::read_dir(&folder)
            .unwrap_or_else(|error| panic!("cannot list {}: {error}", folder.display()))
            .map(|entry| {
                let path = entry.expect("directory entry").path();
                let body = std::fs::read(&path).expect("example readable");
                (
                    path.file_name()
                        .expect("file name")
                        .to_string_lossy()
                        .into_owned(),
                    body,
                )
            })
            .collect();
        found.sort();
        Some(found)
    }

    #[test]
    fn every_recorded_issues_event_names_its_issue_and_pull_request_events_nothing() {
        let Some(examples) = examples("issues") else {
            return;
        };
        assert!(examples.len() > 20);
        for (name, body) in examples {
            let payload: serde_json::Value =
                serde_json::from_slice(&body).expect("example is JSON");
            let repo = payload["repository"]["full_name"]
                .as_str()
                .expect("repository");
            let ids = item_ids(&delivery("issues", &body), &settings(repo))
                .unwrap_or_else(|error| panic!("{name}: {error:?}"));
            let expected = if payload["issue"]["pull_request"].is_object() {
                Vec::new()
            } else {
                vec![payload["issue"]["number"].to_string()]
            };
            assert_eq!(ids, expected, "{name}");
        }
    }

    #[test]
    fn recorded_issue_comments_name_their_issue_and_pull_request_comments_nothing() {
        let Some(examples) = examples("issue_comment") else {
            return;
        };
        for (name, body) in examples {
            let mut payload: serde_json::Value =
                serde_json::from_slice(&body).expect("example is JSON");
            let repo = payload["repository"]["full_name"]
                .as_str()
                .expect("repository")
                .to_owned();
            let ids =
                item_ids(&delivery("issue_comment", &body), &settings(&repo)).expect("parses");
            assert_eq!(ids, vec![payload["issue"]["number"].to_string()], "{name}");
            payload["issue"]["pull_request"] =
                serde_json::json!({"url": "https://api.github.com/repos/x/y/pulls/1"});
            let on_pr = serde_json::to_vec(&payload).expect("encodes");
            assert_eq!(
                item_ids(&delivery("issue_comment", &on_pr), &settings(&repo)).expect("parses"),
                Vec::<String>::new()
            );
        }
    }

    #[test]
    fn ping_label_and_milestone_events_name_no_issue() {
        for event in ["ping", "label", "milestone"] {
            let Some(examples) = examples(event) else {
                return;
            };
            for (name, body) in examples {
                assert_eq!(
                    item_ids(&delivery(event, &body), &settings("Codertocat/Hello-World"))
                        .expect("parses"),
                    Vec::<String>::new(),
                    "{event}/{name}"
                );
            }
        }
    }

    #[test]
    fn events_from_another_repository_name_no_issue() {
        let Some(examples) = examples("issues") else {
            return;
        };
        let (_, body) = &examples[0];
        assert_eq!(
            item_ids(&delivery("issues", body), &settings("someone/else")).expect("parses"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn malformed_deliveries_are_invalid_input_saying_why() {
        let error = item_ids(&delivery("issues", b"{not json"), &settings("o/r")).unwrap_err();
        assert!(
            matches!(&error, PluginError::InvalidInput(message) if message.contains("`issues` webhook body")),
            "{error:?}"
        );
        let error = item_ids(
            &delivery("issues", br#"{"action":"opened"}"#),
            &settings("o/r"),
        )
        .unwrap_err();
        assert!(error.message().contains("no `issue` object"), "{error:?}");
        let no_header = WebhookDelivery {
            headers: vec![],
            body: b"{}".to_vec(),
        };
        assert!(
            item_ids(&no_header, &settings("o/r"))
                .unwrap_err()
                .message()
                .contains("X-GitHub-Event")
        );
    }
}
