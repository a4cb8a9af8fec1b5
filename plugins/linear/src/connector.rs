//! The `connector` interface: describe, list, get, create, update, find by origin,
//! webhooks.

use serde::Deserialize;
use serde_json::{Value as Json, json};

use pmsync_sdk::{
    Capabilities, Connector, CreateRequest, Descriptor, Item, ListRequest, Page, PluginError,
    UpdateRequest, WebhookDelivery, log,
};

use crate::directory::{Cache, CachedDirectory};
use crate::fields::{self, issue_input};
use crate::graphql;
use crate::issue::{ISSUE_SELECTION, IssueNode};
use crate::listing;
use crate::origin;
use crate::settings::Settings;
use crate::webhook;

/// The Linear connector.
pub struct LinearConnector {
    directory: Cache,
}

/// `issueCreate` / `issueUpdate` answer an `IssuePayload`.
#[derive(Debug, Deserialize)]
struct IssuePayload {
    success: bool,
    issue: Option<IssueNode>,
}

pub fn get_document() -> String {
    format!("query PmsyncIssue($id: String!) {{ issue(id: $id) {{ {ISSUE_SELECTION} }} }}")
}

pub fn create_document() -> String {
    format!(
        "mutation PmsyncIssueCreate($input: IssueCreateInput!) {{ issueCreate(input: $input) \
         {{ success issue {{ {ISSUE_SELECTION} }} }} }}"
    )
}

pub fn update_document() -> String {
    format!(
        "mutation PmsyncIssueUpdate($id: String!, $input: IssueUpdateInput!) {{ \
         issueUpdate(id: $id, input: $input) {{ success issue {{ {ISSUE_SELECTION} }} }} }}"
    )
}

/// The issue with this UUID or identifier (`ENG-7`).
fn fetch_issue(settings: &Settings, id: &str) -> Result<Item, PluginError> {
    let mut data = graphql::execute(settings, "PmsyncIssue", &get_document(), json!({"id": id}))
        .map_err(|error| match error {
            // Linear's "Entity not found" does not say which; name the id asked for.
            PluginError::NotFound(message) => {
                PluginError::not_found(format!("Linear has no issue `{id}`: {message}"))
            }
            other => other,
        })?;
    let node: Option<IssueNode> = graphql::field(&mut data, "PmsyncIssue", "issue")?;
    node.map(IssueNode::into_item)
        .ok_or_else(|| PluginError::not_found(format!("Linear has no issue `{id}`")))
}

/// The item a write answered, or (when Linear sent no issue back) the item re-read by id.
fn written_item(
    settings: &Settings,
    payload: IssuePayload,
    operation: &str,
    id: &str,
) -> Result<Item, PluginError> {
    if !payload.success {
        return Err(PluginError::transient(format!(
            "Linear {operation} for `{id}` answered success: false"
        )));
    }
    match payload.issue {
        Some(node) => Ok(node.into_item()),
        None => fetch_issue(settings, id),
    }
}

fn create(cache: &mut Cache, request: CreateRequest) -> Result<Item, PluginError> {
    let settings = Settings::load()?;
    if request.origin.trim().is_empty() {
        return Err(PluginError::invalid_input(
            "creating a Linear issue needs an origin marker; none was given",
        ));
    }
    let mut directory = CachedDirectory::new(&settings, cache);
    let team = directory.team()?;
    let mut input = issue_input(&request.fields, &mut directory)?;
    if !input.contains_key("title") {
        return Err(PluginError::invalid_input(
            "`title`: a Linear issue needs a title to be created",
        ));
    }
    let id = origin::issue_id(&team.id, &request.origin);
    input.insert("teamId".to_owned(), Json::String(team.id.clone()));
    input.insert("id".to_owned(), Json::String(id.clone()));
    let outcome = graphql::execute(
        &settings,
        "PmsyncIssueCreate",
        &create_document(),
        json!({"input": input}),
    )
    .and_then(|mut data| {
        graphql::field::<IssuePayload>(&mut data, "PmsyncIssueCreate", "issueCreate")
    });
    match outcome {
        Ok(payload) => written_item(&settings, payload, "issueCreate", &id),
        // Linear refuses a second issue with the same id: if this origin's issue exists
        // already (an earlier attempt got through), that issue is the result.
        Err(error @ PluginError::InvalidInput(_)) => match fetch_issue(&settings, &id) {
            Ok(existing) => {
                log::info(format!(
                    "Linear issue {} already exists for origin {}; not creating it again",
                    existing.key, request.origin
                ));
                Ok(existing)
            }
            Err(_) => Err(error),
        },
        Err(error) => Err(error),
    }
}

fn update(cache: &mut Cache, request: UpdateRequest) -> Result<Item, PluginError> {
    let settings = Settings::load()?;
    let mut directory = CachedDirectory::new(&settings, cache);
    let input = issue_input(&request.fields, &mut directory)?;
    if input.is_empty() {
        return fetch_issue(&settings, &request.id);
    }
    let mut data = graphql::execute(
        &settings,
        "PmsyncIssueUpdate",
        &update_document(),
        json!({"id": request.id, "input": input}),
    )?;
    let payload: IssuePayload = graphql::field(&mut data, "PmsyncIssueUpdate", "issueUpdate")?;
    written_item(&settings, payload, "issueUpdate", &request.id)
}

fn find_by_origin(cache: &mut Cache, marker: String) -> Result<Option<Item>, PluginError> {
    let settings = Settings::load()?;
    let team = CachedDirectory::new(&settings, cache).team()?;
    match fetch_issue(&settings, &origin::issue_id(&team.id, &marker)) {
        Ok(item) => Ok(Some(item)),
        Err(PluginError::NotFound(_)) => Ok(None),
        Err(error) => Err(error),
    }
}

impl Connector for LinearConnector {
    fn new() -> Self {
        LinearConnector {
            directory: Cache::default(),
        }
    }

    fn describe(&mut self) -> Descriptor {
        Descriptor {
            platform: "linear".to_owned(),
            fields: fields::describe(),
            capabilities: Capabilities::INCREMENTAL
                | Capabilities::WEBHOOKS
                | Capabilities::ORIGIN_MARKERS,
        }
    }

    fn list_changed(&mut self, request: ListRequest) -> Result<Page, PluginError> {
        listing::list_changed(&Settings::load()?, &request)
    }

    fn get_one(&mut self, id: String) -> Result<Item, PluginError> {
        fetch_issue(&Settings::load()?, &id)
    }

    fn create_one(&mut self, request: CreateRequest) -> Result<Item, PluginError> {
        create(&mut self.directory, request)
    }

    fn update_one(&mut self, request: UpdateRequest) -> Result<Item, PluginError> {
        update(&mut self.directory, request)
    }

    fn find_one_by_origin(&mut self, origin: String) -> Result<Option<Item>, PluginError> {
        find_by_origin(&mut self.directory, origin)
    }

    fn parse_webhook(&mut self, delivery: WebhookDelivery) -> Result<Vec<String>, PluginError> {
        webhook::issue_ids(&delivery)
    }
}
