//! # The GitHub Issues connector (`github`)
//!
//! Syncs the issues of one repository through the REST API.
//!
//! Settings: `base_url` (default `https://api.github.com`), `repo` (`owner/name`).
//! Credential: `token` (the host injects it).
//!
//! Items: id = the issue number as text (`42`), key = `#42`, url = the issue's `html_url`.
//! Fields: `title`, `body` (Markdown without pmsync's hidden origin marker), `state`
//! (`open`/`closed`), `state_reason` (`completed`/`not_planned`/`reopened`/`duplicate`/null),
//! `labels` (names), `assignees` (logins), `milestone` (title) — all writable — and the
//! read-only `number`, `author`, `created_at`, `updated_at`, `closed_at`.
//!
//! - `list-changed`: see [`listing`]; pull requests are never items.
//! - `create`: `POST /repos/o/r/issues` with the origin marker
//!   `<!-- pmsync-origin: ORIGIN -->` appended to the body; a closed state is applied by a
//!   follow-up `PATCH` (GitHub creates issues open).
//! - `update`: `PATCH` with only the given fields; a new body keeps the issue's marker.
//! - `find-by-origin`: search, then a scan of the newest issues (see
//!   [`pmsync_github_common::origin_search`]).
//! - `parse-webhook`: see [`webhook`].

pub mod fields;
pub mod listing;
pub mod milestones;
pub mod settings;
pub mod webhook;
pub mod writes;

use pmsync_github_common::issue::RestIssue;
use pmsync_github_common::{api, marker, origin_search};
use pmsync_sdk::http::Request;
use pmsync_sdk::prelude::*;

use settings::Settings;
use writes::IssueWrite;

/// The connector; its state is what it has learnt of the repository.
pub struct GithubIssues {
    milestones: milestones::Milestones,
}

const ACCEPT: &str = "application/vnd.github+json";

fn issue_url(settings: &Settings, number: u64) -> String {
    format!("{}/issues/{number}", settings.repo_url())
}

/// The issue number an item id stands for.
fn parse_number(id: &str) -> Result<u64, PluginError> {
    id.trim()
        .trim_start_matches('#')
        .parse::<u64>()
        .ok()
        .filter(|number| *number > 0)
        .ok_or_else(|| {
            PluginError::invalid_input(format!(
                "{id:?} is not a GitHub issue id: expected the issue number, e.g. `42`"
            ))
        })
}

fn fetch_issue(settings: &Settings, number: u64) -> Result<RestIssue, PluginError> {
    let response = api::send(
        Request::get(issue_url(settings, number))
            .header("accept", ACCEPT)
            .credential("token"),
    )?;
    let issue: RestIssue = api::json(&response, "the issue")?;
    if issue.is_pull_request() {
        return Err(PluginError::not_found(format!(
            "#{number} in {} is a pull request, not an issue",
            settings.repo.full_name()
        )));
    }
    Ok(issue)
}

fn write_issue(
    request: Request,
    body: serde_json::Map<String, serde_json::Value>,
) -> Result<RestIssue, PluginError> {
    let response = api::send(
        request
            .header("accept", ACCEPT)
            .credential("token")
            .json(&body)?,
    )?;
    api::json(&response, "the issue write")
}

fn milestone_number(
    milestones: &mut milestones::Milestones,
    settings: &Settings,
    write: &IssueWrite,
) -> Result<Option<u64>, PluginError> {
    match &write.milestone {
        Some(Some(title)) => milestones.number_of(settings, title).map(Some),
        _ => Ok(None),
    }
}

impl Connector for GithubIssues {
    fn new() -> Self {
        GithubIssues {
            milestones: milestones::Milestones::default(),
        }
    }

    fn describe(&mut self) -> Descriptor {
        Descriptor {
            platform: "github".to_owned(),
            fields: fields::specs(),
            capabilities: Capabilities::INCREMENTAL
                | Capabilities::WEBHOOKS
                | Capabilities::ORIGIN_MARKERS,
        }
    }

    fn list_changed(&mut self, request: ListRequest) -> Result<Page, PluginError> {
        let settings = Settings::load()?;
        let url = listing::page_url(&settings, &request)?;
        let response = api::send(
            Request::get(&url)
                .header("accept", ACCEPT)
                .credential("token"),
        )?;
        let (issues, next_cursor) = listing::read_page(&url, &response)?;
        Ok(Page {
            items: issues.iter().map(fields::to_item).collect(),
            next_cursor,
        })
    }

    fn get_one(&mut self, id: String) -> Result<Item, PluginError> {
        let settings = Settings::load()?;
        fetch_issue(&settings, parse_number(&id)?).map(|issue| fields::to_item(&issue))
    }

    fn create_one(&mut self, request: CreateRequest) -> Result<Item, PluginError> {
        let settings = Settings::load()?;
        let marker_comment = marker::comment(&request.origin)?;
        let write = IssueWrite::from_fields(&request.fields)?;
        if write.title.is_none() {
            return Err(PluginError::invalid_input(
                "field `title` is required to create a GitHub issue",
            ));
        }
        let milestone = milestone_number(&mut self.milestones, &settings, &write)?;
        let body = write.to_json(milestone, Some(&marker_comment), false);
        let created = write_issue(
            Request::post(format!("{}/issues", settings.repo_url())),
            body,
        )?;
        if !write.closes() {
            return Ok(fields::to_item(&created));
        }
        let mut close = serde_json::Map::new();
        close.insert("state".into(), "closed".into());
        if let Some(reason) = &write.state_reason {
            close.insert(
                "state_reason".into(),
                reason.clone().map_or(serde_json::Value::Null, Into::into),
            );
        }
        let closed = write_issue(Request::patch(issue_url(&settings, created.number)), close)?;
        Ok(fields::to_item(&closed))
    }

    fn update_one(&mut self, request: UpdateRequest) -> Result<Item, PluginError> {
        let settings = Settings::load()?;
        let number = parse_number(&request.id)?;
        let write = IssueWrite::from_fields(&request.fields)?;
        let milestone = milestone_number(&mut self.milestones, &settings, &write)?;
        let existing_marker = match &write.body {
            Some(_) => fetch_issue(&settings, number)?
                .body
                .as_deref()
                .and_then(marker::existing_comment),
            None => None,
        };
        let body = write.to_json(milestone, existing_marker.as_deref(), true);
        if body.is_empty() {
            return self.get_one(request.id);
        }
        let updated = write_issue(Request::patch(issue_url(&settings, number)), body)?;
        Ok(fields::to_item(&updated))
    }

    fn find_one_by_origin(&mut self, origin: String) -> Result<Option<Item>, PluginError> {
        let settings = Settings::load()?;
        let found = origin_search::find_issue(&settings.base_url, &settings.repo, &origin)?;
        Ok(found.as_ref().map(fields::to_item))
    }

    fn parse_webhook(&mut self, delivery: WebhookDelivery) -> Result<Vec<String>, PluginError> {
        webhook::item_ids(&delivery, &Settings::load()?)
    }
}

// Exported only in the component: natively (unit tests) the cdylib cannot carry the
// component export names.
#[cfg(target_arch = "wasm32")]
pmsync_sdk::export_connector!(GithubIssues);

#[cfg(test)]
mod tests;
