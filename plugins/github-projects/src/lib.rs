//! # The GitHub Projects v2 connector (`github-projects`, platform `github_projects`)
//!
//! Syncs the issues on one Projects (v2) board through GraphQL, with their project fields.
//! Settings: see [`settings`]. Credential: `token` (the host injects it).
//!
//! Items are the project's items whose content is an issue; draft issues and pull requests
//! are skipped, and so are archived items when listing (see [`item`] for id, key and url).
//! Fields: `title` (the issue's title) and every single-select, iteration, number, date and
//! text field of the project under its own name (see [`project`]); all writable.
//!
//! - `list-changed`: `items(first, after)` pages of the project, cursor = `endCursor`.
//!   Projects v2 has no server-side "updated since": items are filtered client-side on
//!   updated-at ≥ `since` (so an incremental run still reads every page) and each page is
//!   sorted by updated-at. Filters: `labels` (the issue has all of them) and `projects`
//!   (repositories `owner/name`) are applied client-side; `query` is passed to GitHub as the
//!   project filter (`items(query:)`, the board's filter syntax).
//! - `update`: one mutation per field (`updateIssue` for the title,
//!   `updateProjectV2ItemFieldValue` / `clearProjectV2ItemFieldValue` otherwise), every field
//!   checked first; then the item is read again.
//! - `create`: `POST /repos/o/r/issues` in `repo` with the hidden origin marker as body,
//!   `addProjectV2ItemById`, then the fields.
//! - `find-by-origin`: the issue is found over REST (search, then the newest issues); its
//!   item in this project is returned. An issue found but not on the board (a crash between
//!   creating and adding) is added now, so the create completes instead of repeating.
//! - `parse-webhook`: see [`webhook`].

pub mod graphql;
pub mod item;
pub mod project;
pub mod queries;
pub mod settings;
pub mod webhook;
pub mod writes;

use pmsync_github_common::issue::RestIssue;
use pmsync_github_common::{api, marker, origin_search, time};
use pmsync_sdk::http::Request;
use pmsync_sdk::prelude::*;
use serde_json::{Value as Json, json};

use item::ProjectItem;
use project::{Project, ProjectCache};
use settings::Settings;
use writes::{PlanError, Write};

/// The connector; its state is the project it last read.
pub struct GithubProjects {
    project: ProjectCache,
}

/// GitHub's largest page.
const MAX_PAGE_SIZE: u32 = 100;

fn fetch_item(
    settings: &Settings,
    project: &Project,
    id: &str,
) -> Result<ProjectItem, PluginError> {
    let data = graphql::execute(
        settings,
        "the item query",
        &queries::item(),
        json!({ "id": id }),
    )?;
    let node = data
        .get("node")
        .filter(|node| node.get("id").is_some())
        .ok_or_else(|| PluginError::not_found(format!("project item {id} does not exist")))?;
    let parsed = ProjectItem::parse(node, "the item query")?;
    if parsed
        .project_id
        .as_deref()
        .is_some_and(|owner| owner != project.id)
    {
        return Err(PluginError::not_found(format!(
            "item {id} belongs to another project"
        )));
    }
    Ok(parsed)
}

fn item_of(settings: &Settings, project: &Project, id: &str) -> Result<Item, PluginError> {
    let parsed = fetch_item(settings, project, id)?;
    parsed.to_item(project).ok_or_else(|| {
        PluginError::not_found(format!(
            "project item {id} is a {} and not an issue, which this connector does not sync",
            parsed.item_type
        ))
    })
}

/// The writes for `fields`, re-reading the project once if an option is unknown.
fn plan(
    cache: &mut ProjectCache,
    settings: &Settings,
    fields: &[Field],
) -> Result<(std::rc::Rc<Project>, Vec<Write>), PluginError> {
    let project = cache.load(settings)?;
    match writes::plan(&project, fields) {
        Ok(plan) => Ok((project, plan)),
        Err(PlanError::Invalid(error)) => Err(error),
        Err(PlanError::UnknownOption(_)) => {
            let project = cache.reload(settings)?;
            let plan = writes::plan(&project, fields).map_err(PlanError::into_error)?;
            Ok((project, plan))
        }
    }
}

fn apply(
    settings: &Settings,
    project: &Project,
    item_id: &str,
    issue_id: &str,
    plan: &[Write],
) -> Result<(), PluginError> {
    for write in plan {
        let (document, variables) = writes::mutation(write, &project.id, item_id, issue_id);
        graphql::execute(settings, "the field update", document, variables)?;
    }
    Ok(())
}

fn add_to_project(
    settings: &Settings,
    project: &Project,
    issue_node_id: &str,
) -> Result<String, PluginError> {
    let data = graphql::execute(
        settings,
        "adding the issue to the project",
        queries::ADD_ITEM,
        json!({ "input": { "projectId": project.id, "contentId": issue_node_id } }),
    )?;
    graphql::at(
        &data,
        &["addProjectV2ItemById", "item", "id"],
        "adding the issue to the project",
    )?
    .as_str()
    .map(str::to_owned)
    .ok_or_else(|| {
        PluginError::transient("GitHub GraphQL answered addProjectV2ItemById without the item's id")
    })
}

/// Keeps the items `request` asks for, sorted by updated-at.
fn select(
    parsed: Vec<ProjectItem>,
    project: &Project,
    request: &ListRequest,
) -> Result<Vec<Item>, PluginError> {
    let since = match &request.since {
        Some(since) => Some(time::parse_rfc3339_ms(since).ok_or_else(|| {
            PluginError::invalid_input(format!("`since` = {since:?} is not an RFC 3339 instant"))
        })?),
        None => None,
    };
    let filter = &request.filter;
    let mut kept: Vec<(i64, Item)> = parsed
        .into_iter()
        .filter(|candidate| !candidate.archived)
        .filter(|candidate| {
            let Some(content) = &candidate.content else {
                return false;
            };
            filter.labels.iter().all(|label| {
                content
                    .labels
                    .iter()
                    .any(|has| has.eq_ignore_ascii_case(label))
            }) && (filter.projects.is_empty()
                || filter
                    .projects
                    .iter()
                    .any(|repo| repo.eq_ignore_ascii_case(&content.repository)))
        })
        .filter_map(|candidate| {
            let updated = time::parse_rfc3339_ms(&candidate.last_updated()).unwrap_or(i64::MAX);
            if since.is_some_and(|since| updated < since) {
                return None;
            }
            Some((updated, candidate.to_item(project)?))
        })
        .collect();
    kept.sort_by_key(|(updated, _)| *updated);
    Ok(kept.into_iter().map(|(_, item)| item).collect())
}

impl Connector for GithubProjects {
    fn new() -> Self {
        GithubProjects {
            project: ProjectCache::default(),
        }
    }

    fn describe(&mut self) -> Descriptor {
        // Without settings (the host checking the plugin at load time) there is no project
        // to read yet: describe the fixed fields quietly.
        let settings = Settings::load();
        let fields = match settings.and_then(|settings| self.project.load(&settings)) {
            Ok(project) => project.specs(),
            Err(error) => {
                let log = if Settings::load().is_ok() {
                    pmsync_sdk::log::warn
                } else {
                    pmsync_sdk::log::debug
                };
                log(format!(
                    "cannot read the project's fields, describing `title` only: {}",
                    error.message()
                ));
                vec![FieldSpec {
                    name: project::TITLE.to_owned(),
                    field_type: FieldType::String,
                    writable: true,
                }]
            }
        };
        Descriptor {
            platform: "github_projects".to_owned(),
            fields,
            capabilities: Capabilities::INCREMENTAL
                | Capabilities::WEBHOOKS
                | Capabilities::ORIGIN_MARKERS,
        }
    }

    fn list_changed(&mut self, request: ListRequest) -> Result<Page, PluginError> {
        let settings = Settings::load()?;
        let project = self.project.load(&settings)?;
        let root = settings.owner.root_field();
        let query = request
            .filter
            .query
            .as_deref()
            .map(str::trim)
            .filter(|query| !query.is_empty());
        let mut variables = json!({
            "login": settings.owner.login(),
            "number": settings.project_number,
            "first": request.page_size.clamp(1, MAX_PAGE_SIZE),
            "after": request.cursor,
        });
        if let Some(query) = query {
            variables["query"] = query.into();
        }
        let what = "the project items query";
        let data = graphql::execute(
            &settings,
            what,
            &queries::items(root, query.is_some()),
            variables,
        )?;
        let items = graphql::at(&data, &[root, "projectV2", "items"], what)?;
        let nodes = items
            .get("nodes")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        let parsed = nodes
            .iter()
            .map(|node| ProjectItem::parse(node, what))
            .collect::<Result<Vec<_>, _>>()?;
        let has_next = items
            .pointer("/pageInfo/hasNextPage")
            .and_then(Json::as_bool)
            .unwrap_or(false);
        let next_cursor = items
            .pointer("/pageInfo/endCursor")
            .and_then(Json::as_str)
            .filter(|_| has_next)
            .map(str::to_owned);
        Ok(Page {
            items: select(parsed, &project, &request)?,
            next_cursor,
        })
    }

    fn get_one(&mut self, id: String) -> Result<Item, PluginError> {
        let settings = Settings::load()?;
        let project = self.project.load(&settings)?;
        item_of(&settings, &project, &id)
    }

    fn create_one(&mut self, request: CreateRequest) -> Result<Item, PluginError> {
        let settings = Settings::load()?;
        let repo = settings.repo()?;
        let marker_comment = marker::comment(&request.origin)?;
        let (project, plan) = plan(&mut self.project, &settings, &request.fields)?;
        let title = plan
            .iter()
            .find_map(|write| match write {
                Write::Title(title) => Some(title.clone()),
                _ => None,
            })
            .ok_or_else(|| {
                PluginError::invalid_input("field `title` is required to create an issue")
            })?;
        let response = api::send(
            Request::post(format!("{}/issues", repo.api_url(&settings.rest_base_url)))
                .header("accept", "application/vnd.github+json")
                .credential("token")
                .json(&json!({ "title": title, "body": marker_comment }))?,
        )?;
        let issue: RestIssue = api::json(&response, "the issue creation")?;
        let item_id = add_to_project(&settings, &project, &issue.node_id)?;
        let field_writes: Vec<Write> = plan
            .into_iter()
            .filter(|write| !matches!(write, Write::Title(_)))
            .collect();
        apply(&settings, &project, &item_id, &issue.node_id, &field_writes)?;
        item_of(&settings, &project, &item_id)
    }

    fn update_one(&mut self, request: UpdateRequest) -> Result<Item, PluginError> {
        let settings = Settings::load()?;
        let (project, plan) = plan(&mut self.project, &settings, &request.fields)?;
        let current = fetch_item(&settings, &project, &request.id)?;
        let content = current
            .content
            .as_ref()
            .filter(|_| current.item_type == "ISSUE")
            .ok_or_else(|| {
                PluginError::not_found(format!(
                    "project item {} is a {}, not an issue",
                    request.id, current.item_type
                ))
            })?;
        apply(&settings, &project, &current.id, &content.node_id, &plan)?;
        item_of(&settings, &project, &request.id)
    }

    fn find_one_by_origin(&mut self, origin: String) -> Result<Option<Item>, PluginError> {
        let settings = Settings::load()?;
        let repo = settings.repo()?;
        let Some(issue) = origin_search::find_issue(&settings.rest_base_url, &repo, &origin)?
        else {
            return Ok(None);
        };
        let project = self.project.load(&settings)?;
        let what = "the issue's project items query";
        let data = graphql::execute(
            &settings,
            what,
            queries::ISSUE_PROJECT_ITEMS,
            json!({ "id": issue.node_id }),
        )?;
        let existing = data
            .pointer("/node/projectItems/nodes")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .find(|node| {
                node.pointer("/project/id").and_then(Json::as_str) == Some(project.id.as_str())
            })
            .and_then(|node| node.get("id").and_then(Json::as_str).map(str::to_owned));
        let item_id = match existing {
            Some(id) => id,
            None => add_to_project(&settings, &project, &issue.node_id)?,
        };
        item_of(&settings, &project, &item_id).map(Some)
    }

    fn parse_webhook(&mut self, delivery: WebhookDelivery) -> Result<Vec<String>, PluginError> {
        webhook::item_ids(&delivery, || {
            let settings = Settings::load()?;
            Ok(self.project.load(&settings)?.id.clone())
        })
    }
}

// Exported only in the component: natively (unit tests) the cdylib cannot carry the
// component export names.
#[cfg(target_arch = "wasm32")]
pmsync_sdk::export_connector!(GithubProjects);

#[cfg(test)]
mod tests;
