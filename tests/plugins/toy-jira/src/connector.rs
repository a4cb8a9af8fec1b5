//! A Jira connector as an outside author writes it from Atlassian's REST v2 documentation:
//! plain-text descriptions, `GET /rest/api/2/myself` to check the credential first,
//! `GET /rest/api/2/search/jql` with `nextPageToken` to list, `POST /rest/api/2/issue` and
//! `PUT /rest/api/2/issue/{key}` to write, an issue property `toy-origin` to find its
//! creations again.

wit_bindgen::generate!({
    path: "../../../wit",
    world: "connector-plugin",
});

use exports::pmsync::plugin::connector::{
    Capabilities, CreateRequest, Descriptor, FieldSpec, Guest, ListRequest, Page, UpdateRequest,
    WebhookDelivery,
};
use pmsync::plugin::config;
use pmsync::plugin::http::{self, HttpError, Request};
use pmsync::plugin::types::{Field, FieldType, Item, PluginError, Value};
use serde_json::{Value as Json, json};

use crate::{jira_instant, jql_instant, jql_string, percent_encode};

struct ToyJira;

const FIELDS: &str = "summary,description,status,labels,updated";
const ORIGIN_PROPERTY: &str = "toy-origin";

fn setting(key: &str) -> Result<String, PluginError> {
    config::get(key).ok_or_else(|| PluginError::InvalidInput(format!("setting `{key}` is missing")))
}

/// Sends a request to `{base_url}/rest/api/2{path}`; the answer's status and JSON body.
fn call(method: &str, path: &str, body: Option<Json>) -> Result<(u16, Json), PluginError> {
    let url = format!("{}/rest/api/2{path}", setting("base_url")?);
    let mut headers = vec![("accept".to_string(), "application/json".to_string())];
    if body.is_some() {
        headers.push(("content-type".into(), "application/json".into()));
    }
    let response = http::send(&Request {
        method: method.into(),
        url,
        headers,
        body: body.map(|b| b.to_string().into_bytes()),
        credential: Some("token".into()),
    })
    .map_err(|e| match e {
        HttpError::Denied(m) => PluginError::Unauthorized(m),
        HttpError::Timeout(m) | HttpError::Transport(m) => PluginError::Transient(m),
        HttpError::InvalidRequest(m) => PluginError::InvalidInput(m),
    })?;
    let json = if response.body.is_empty() {
        Json::Null
    } else {
        serde_json::from_slice(&response.body).map_err(|e| {
            PluginError::Transient(format!("{method} {path}: answer is not JSON: {e}"))
        })?
    };
    match response.status {
        200..=299 => Ok((response.status, json)),
        401 | 403 => Err(PluginError::Unauthorized(format!(
            "{method} {path}: {json}"
        ))),
        404 => Err(PluginError::NotFound(format!("{method} {path}: {json}"))),
        429 | 500..=599 => Err(PluginError::Transient(format!(
            "{method} {path}: {}",
            response.status
        ))),
        status => Err(PluginError::InvalidInput(format!(
            "{method} {path}: {status} {json}"
        ))),
    }
}

fn item_of(issue: &Json) -> Result<Item, PluginError> {
    let fields = &issue["fields"];
    let key = issue["key"].as_str().unwrap_or_default().to_string();
    let updated = fields["updated"].as_str().unwrap_or_default();
    Ok(Item {
        id: issue["id"].as_str().unwrap_or_default().to_string(),
        url: format!("{}/browse/{key}", setting("base_url")?),
        key,
        updated_at: jira_instant(updated)
            .ok_or_else(|| PluginError::Transient(format!("unreadable `updated`: {updated}")))?,
        fields: vec![
            Field {
                name: "summary".into(),
                value: Value::Text(fields["summary"].as_str().unwrap_or_default().into()),
            },
            Field {
                name: "description".into(),
                value: match fields["description"].as_str() {
                    Some(text) => Value::Text(text.into()),
                    None => Value::Null,
                },
            },
            Field {
                name: "status".into(),
                value: Value::Text(fields["status"]["name"].as_str().unwrap_or_default().into()),
            },
            Field {
                name: "labels".into(),
                value: Value::TextList(
                    fields["labels"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|l| l.as_str().map(str::to_string))
                        .collect(),
                ),
            },
        ],
    })
}

/// The writable fields of a request as Jira v2 `fields`.
fn jira_fields(fields: &[Field]) -> Result<serde_json::Map<String, Json>, PluginError> {
    let mut out = serde_json::Map::new();
    for field in fields {
        let value = match (field.name.as_str(), &field.value) {
            ("summary" | "description", Value::Text(t)) => json!(t),
            ("description", Value::Null) => Json::Null,
            ("labels", Value::TextList(ls)) => json!(ls),
            ("labels", Value::Null) => json!([]),
            (name, value) => {
                return Err(PluginError::InvalidInput(format!(
                    "field `{name}` cannot be written with {value:?}"
                )));
            }
        };
        out.insert(field.name.clone(), value);
    }
    Ok(out)
}

fn fetch(id: &str) -> Result<Item, PluginError> {
    let (_, issue) = call(
        "GET",
        &format!("/issue/{}?fields={FIELDS}", percent_encode(id)),
        None,
    )?;
    item_of(&issue)
}

fn search(
    jql: &str,
    max: u32,
    token: Option<&str>,
) -> Result<(Vec<Item>, Option<String>), PluginError> {
    let mut path = format!(
        "/search/jql?jql={}&fields={FIELDS}&maxResults={max}",
        percent_encode(jql)
    );
    if let Some(token) = token {
        path.push_str(&format!("&nextPageToken={}", percent_encode(token)));
    }
    let (_, page) = call("GET", &path, None)?;
    let items = page["issues"]
        .as_array()
        .into_iter()
        .flatten()
        .map(item_of)
        .collect::<Result<Vec<_>, _>>()?;
    let next = match page["isLast"].as_bool() {
        Some(false) => page["nextPageToken"].as_str().map(str::to_string),
        _ => None,
    };
    Ok((items, next))
}

impl Guest for ToyJira {
    fn describe() -> Descriptor {
        let spec = |name: &str, field_type, writable| FieldSpec {
            name: name.into(),
            field_type,
            writable,
        };
        Descriptor {
            platform: "toy-jira".into(),
            fields: vec![
                spec("summary", FieldType::String, true),
                spec("description", FieldType::String, true),
                spec("status", FieldType::String, false),
                spec("labels", FieldType::Array, true),
            ],
            capabilities: Capabilities::INCREMENTAL | Capabilities::ORIGIN_MARKERS,
        }
    }

    fn list_changed(request: ListRequest) -> Result<Page, PluginError> {
        if request.cursor.is_none() {
            // As the getting-started guides do: check the credential before anything else.
            let (_, me) = call("GET", "/myself", None)?;
            if me["accountId"].as_str().is_none_or(str::is_empty) {
                return Err(PluginError::Unauthorized(
                    "`/myself` names no account".into(),
                ));
            }
        }
        let mut jql = format!("project = {}", jql_string(&setting("project")?));
        if let Some(since) = &request.since {
            let at = jql_instant(since).ok_or_else(|| {
                PluginError::InvalidInput(format!("`since` is not RFC 3339: {since}"))
            })?;
            jql.push_str(&format!(" AND updated >= \"{at}\""));
        }
        jql.push_str(" ORDER BY updated ASC");
        let (items, next_cursor) = search(
            &jql,
            request.page_size.clamp(1, 100),
            request.cursor.as_deref(),
        )?;
        Ok(Page { items, next_cursor })
    }

    fn get(ids: Vec<String>) -> Vec<Result<Item, PluginError>> {
        ids.iter().map(|id| fetch(id)).collect()
    }

    fn create(requests: Vec<CreateRequest>) -> Vec<Result<Item, PluginError>> {
        requests
            .iter()
            .map(|r| {
                let mut fields = jira_fields(&r.fields)?;
                fields.insert("project".into(), json!({"key": setting("project")?}));
                fields.insert("issuetype".into(), json!({"name": "Task"}));
                let (_, created) = call("POST", "/issue", Some(json!({"fields": fields})))?;
                let key = created["key"]
                    .as_str()
                    .ok_or_else(|| {
                        PluginError::Transient(format!("created issue has no key: {created}"))
                    })?
                    .to_string();
                call(
                    "PUT",
                    &format!("/issue/{key}/properties/{ORIGIN_PROPERTY}"),
                    Some(json!({"origin": r.origin})),
                )?;
                fetch(&key)
            })
            .collect()
    }

    fn update(requests: Vec<UpdateRequest>) -> Vec<Result<Item, PluginError>> {
        requests
            .iter()
            .map(|r| {
                let fields = jira_fields(&r.fields)?;
                call(
                    "PUT",
                    &format!("/issue/{}", percent_encode(&r.id)),
                    Some(json!({"fields": fields})),
                )?;
                fetch(&r.id)
            })
            .collect()
    }

    fn find_by_origin(origins: Vec<String>) -> Vec<Result<Option<Item>, PluginError>> {
        origins
            .iter()
            .map(|origin| {
                let jql = format!(
                    "issue.property[{ORIGIN_PROPERTY}].origin = {}",
                    jql_string(origin)
                );
                let (items, _) = search(&jql, 1, None)?;
                Ok(items.into_iter().next())
            })
            .collect()
    }

    fn parse_webhook(_delivery: WebhookDelivery) -> Result<Vec<String>, PluginError> {
        Err(PluginError::Unsupported(
            "toy-jira does not take webhooks".into(),
        ))
    }
}

export!(ToyJira);
