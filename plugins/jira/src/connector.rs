//! The `Connector` implementation: listing, reading, creating, updating and finding issues.

use pmsync_sdk::http::Request;
use pmsync_sdk::{
    Capabilities, Connector, CreateRequest, Descriptor, Item, ListRequest, Page, PluginError,
    UpdateRequest, WebhookDelivery,
};
use serde_json::{Value as Json, json};

use crate::remote_links;
use crate::settings::Settings;
use crate::{api, issue, jql, transitions, webhook, write};

/// The Jira Cloud connector.
pub struct Jira;

/// An id or key as one URL path segment.
pub(crate) fn segment(id: &str) -> String {
    id.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// `POST /search/jql` with explicit fields; returns the issues and the next page token.
fn search(
    settings: &Settings,
    jql: &str,
    page_size: u32,
    token: Option<&str>,
) -> Result<(Vec<Item>, Option<String>), PluginError> {
    let what = "POST /rest/api/3/search/jql";
    let mut body = json!({
        "jql": jql,
        "fields": issue::requested_fields(settings),
        "maxResults": page_size.clamp(1, 100),
    });
    if let Some(token) = token {
        body["nextPageToken"] = json!(token);
    }
    let response = api::send(
        Request::post(settings.api("/search/jql")).json(&body)?,
        what,
    )?;
    let answer = api::json(&response, what)?;
    let issues = answer["issues"].as_array().ok_or_else(|| {
        PluginError::transient(format!("{what}: the answer has no `issues` list"))
    })?;
    let mut items = issues
        .iter()
        .map(|found| issue::to_item(found, settings, what))
        .collect::<Result<Vec<_>, _>>()?;
    if settings.read_remote_links {
        for item in &mut items {
            let urls = remote_links::urls(settings, &item.id)?;
            item.fields.push(pmsync_sdk::Field::new(
                "remote_links",
                pmsync_sdk::Value::TextList(urls),
            ));
        }
    }
    let next = match (answer["isLast"].as_bool(), answer["nextPageToken"].as_str()) {
        (Some(true), _) => None,
        (_, Some(token)) if !token.is_empty() => Some(token.to_owned()),
        _ => None,
    };
    Ok((items, next))
}

fn read(settings: &Settings, id: &str) -> Result<Item, PluginError> {
    let what = format!("GET issue {id}");
    let request = Request::get(settings.api(&format!("/issue/{}", segment(id))))
        .query("fields", &issue::requested_fields(settings).join(","));
    let response = api::send(request, &what)?;
    issue::to_item(&api::json(&response, &what)?, settings, &what)
}

/// Moves the issue to `status` unless it is there already.
fn transition(settings: &Settings, item: &Item, status: &str) -> Result<(), PluginError> {
    let current = item.field("status").and_then(|value| value.as_text());
    if current.is_some_and(|current| current.to_lowercase() == status.trim().to_lowercase()) {
        return Ok(());
    }
    let path = format!("/issue/{}/transitions", segment(&item.id));
    let what = format!("GET transitions of {}", item.key);
    let answer = api::json(&api::send(Request::get(settings.api(&path)), &what)?, &what)?;
    let id = transitions::choose(&answer, status, &item.key)?;
    let what = format!("POST transition of {} to {status:?}", item.key);
    api::send(
        Request::post(settings.api(&path)).json(&json!({"transition": {"id": id}}))?,
        &what,
    )?;
    Ok(())
}

impl Connector for Jira {
    fn new() -> Self {
        Jira
    }

    fn describe(&mut self) -> Descriptor {
        Descriptor {
            platform: "jira".to_owned(),
            fields: issue::field_specs(),
            capabilities: Capabilities::INCREMENTAL
                | Capabilities::WEBHOOKS
                | Capabilities::ORIGIN_MARKERS,
        }
    }

    fn list_changed(&mut self, request: ListRequest) -> Result<Page, PluginError> {
        let settings = Settings::load()?;
        let jql = jql::listing(&settings, &request.filter, request.since.as_deref())?;
        let (items, next_cursor) = search(
            &settings,
            &jql,
            request.page_size,
            request.cursor.as_deref(),
        )?;
        Ok(Page { items, next_cursor })
    }

    fn get_one(&mut self, id: String) -> Result<Item, PluginError> {
        read(&Settings::load()?, &id)
    }

    fn create_one(&mut self, request: CreateRequest) -> Result<Item, PluginError> {
        let settings = Settings::load()?;
        let subject = format!("new issue (origin {})", request.origin);
        let changes = write::changes(&request.fields, &settings, &subject)?;
        let body = write::create_body(&changes, &settings, &request.origin)?;
        let what = format!("POST issue for {subject}");
        let created = api::json(
            &api::send(Request::post(settings.api("/issue")).json(&body)?, &what)?,
            &what,
        )?;
        let id = match &created["id"] {
            Json::String(id) => id.clone(),
            Json::Number(id) => id.to_string(),
            _ => {
                return Err(PluginError::transient(format!(
                    "{what}: the answer has no issue id"
                )));
            }
        };
        let key = created["key"].as_str().unwrap_or(&id).to_owned();
        let property = format!(
            "/issue/{}/properties/{}",
            segment(&id),
            settings.origin_property
        );
        api::send(
            Request::put(settings.api(&property)).json(&json!({"origin": request.origin}))?,
            &format!("PUT origin property of {key}"),
        )?;
        let item = read(&settings, &id)?;
        match changes.status {
            Some(status) => {
                transition(&settings, &item, &status)?;
                read(&settings, &id)
            }
            None => Ok(item),
        }
    }

    fn update_one(&mut self, request: UpdateRequest) -> Result<Item, PluginError> {
        let settings = Settings::load()?;
        let changes = write::changes(&request.fields, &settings, &request.id)?;
        if let Some(body) = write::edit_body(&changes) {
            let what = format!("PUT issue {}", request.id);
            let path = format!("/issue/{}", segment(&request.id));
            api::send(Request::put(settings.api(&path)).json(&body)?, &what)?;
        }
        if let Some(status) = &changes.status {
            let item = read(&settings, &request.id)?;
            transition(&settings, &item, status)?;
        }
        read(&settings, &request.id)
    }

    fn find_one_by_origin(&mut self, origin: String) -> Result<Option<Item>, PluginError> {
        let settings = Settings::load()?;
        let (items, _) = search(&settings, &jql::by_origin(&settings, &origin), 2, None)?;
        if items.len() > 1 {
            pmsync_sdk::log::warn(format!(
                "more than one Jira issue carries origin {origin}; using the oldest, {}",
                items[0].key
            ));
        }
        Ok(items.into_iter().next())
    }

    fn parse_webhook(&mut self, delivery: WebhookDelivery) -> Result<Vec<String>, PluginError> {
        webhook::issue_ids(&delivery)
    }
}
