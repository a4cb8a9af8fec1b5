//! A GitHub Issues connector as an outside author writes it from GitHub's REST
//! documentation: `GET /user` and `GET /repos/{owner}/{repo}` first, then the issues list
//! (`state=all&sort=updated&direction=asc&since=`) following the `Link: rel="next"` URL,
//! `POST`/`PATCH` to write, and an HTML comment in the body as the origin marker, found
//! again with `GET /search/issues`.

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

use crate::{marker, next_link, percent_encode, strip_marker};

struct ToyGitHub;

fn setting(key: &str) -> Result<String, PluginError> {
    config::get(key).ok_or_else(|| PluginError::InvalidInput(format!("setting `{key}` is missing")))
}

/// Sends a request to an absolute URL or to `{base_url}{path}`: status, headers, JSON body.
fn call(
    method: &str,
    target: &str,
    body: Option<Json>,
) -> Result<(u16, Vec<(String, String)>, Json), PluginError> {
    let url = if target.starts_with("http") {
        target.to_string()
    } else {
        format!("{}{target}", setting("base_url")?)
    };
    let mut headers = vec![
        (
            "accept".to_string(),
            "application/vnd.github+json".to_string(),
        ),
        ("x-github-api-version".to_string(), "2022-11-28".to_string()),
    ];
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
            PluginError::Transient(format!("{method} {target}: answer is not JSON: {e}"))
        })?
    };
    match response.status {
        200..=299 => Ok((response.status, response.headers, json)),
        401 => Err(PluginError::Unauthorized(format!(
            "{method} {target}: {json}"
        ))),
        404 => Err(PluginError::NotFound(format!("{method} {target}: {json}"))),
        403 | 429 | 500..=599 => Err(PluginError::Transient(format!(
            "{method} {target}: {}",
            response.status
        ))),
        status => Err(PluginError::InvalidInput(format!(
            "{method} {target}: {status} {json}"
        ))),
    }
}

fn repo_path() -> Result<String, PluginError> {
    Ok(format!("/repos/{}", setting("repo")?))
}

fn item_of(issue: &Json) -> Item {
    let text = |key: &str| issue[key].as_str().unwrap_or_default().to_string();
    let number = issue["number"].as_u64().unwrap_or_default();
    Item {
        id: number.to_string(),
        key: format!("#{number}"),
        url: text("html_url"),
        updated_at: text("updated_at"),
        fields: vec![
            Field {
                name: "title".into(),
                value: Value::Text(text("title")),
            },
            Field {
                name: "body".into(),
                value: match issue["body"].as_str() {
                    Some(b) => Value::Text(strip_marker(b)),
                    None => Value::Null,
                },
            },
            Field {
                name: "state".into(),
                value: Value::Text(text("state")),
            },
            Field {
                name: "labels".into(),
                value: Value::TextList(
                    issue["labels"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|l| l["name"].as_str().map(str::to_string))
                        .collect(),
                ),
            },
        ],
    }
}

/// The writable fields as a GitHub issue body; `origin` adds the marker to `body`.
fn issue_body(fields: &[Field], origin: Option<&str>) -> Result<Json, PluginError> {
    let mut out = serde_json::Map::new();
    for field in fields {
        let value = match (field.name.as_str(), &field.value) {
            ("title", Value::Text(t)) => json!(t),
            ("body", Value::Text(t)) => json!(t),
            ("body", Value::Null) => Json::Null,
            ("state", Value::Text(s)) if s == "open" || s == "closed" => json!(s),
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
    if let Some(origin) = origin {
        let text = out
            .get("body")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
        out.insert(
            "body".into(),
            json!(format!("{text}\n\n{}", marker(origin))),
        );
    }
    Ok(Json::Object(out))
}

fn fetch(id: &str) -> Result<Item, PluginError> {
    let (_, _, issue) = call(
        "GET",
        &format!("{}/issues/{}", repo_path()?, percent_encode(id)),
        None,
    )?;
    Ok(item_of(&issue))
}

impl Guest for ToyGitHub {
    fn describe() -> Descriptor {
        let spec = |name: &str, field_type, writable| FieldSpec {
            name: name.into(),
            field_type,
            writable,
        };
        Descriptor {
            platform: "toy-github".into(),
            fields: vec![
                spec("title", FieldType::String, true),
                spec("body", FieldType::String, true),
                spec("state", FieldType::String, true),
                spec("labels", FieldType::Array, true),
            ],
            capabilities: Capabilities::INCREMENTAL | Capabilities::ORIGIN_MARKERS,
        }
    }

    fn list_changed(request: ListRequest) -> Result<Page, PluginError> {
        let url = match &request.cursor {
            Some(next) => next.clone(),
            None => {
                // First the token's user and the repository, as the REST quickstart does.
                let (_, _, me) = call("GET", "/user", None)?;
                if me["login"].as_str().is_none_or(str::is_empty) {
                    return Err(PluginError::Unauthorized("`/user` names no login".into()));
                }
                let (_, _, repo) = call("GET", &repo_path()?, None)?;
                if repo["has_issues"] != json!(true) {
                    return Err(PluginError::InvalidInput(
                        "the repository has issues turned off".into(),
                    ));
                }
                let mut url = format!(
                    "{}/issues?state=all&sort=updated&direction=asc&per_page={}",
                    repo_path()?,
                    request.page_size.clamp(1, 100)
                );
                if let Some(since) = &request.since {
                    url.push_str(&format!("&since={}", percent_encode(since)));
                }
                url
            }
        };
        let (_, headers, issues) = call("GET", &url, None)?;
        let items = issues
            .as_array()
            .into_iter()
            .flatten()
            .filter(|i| i.get("pull_request").is_none())
            .map(item_of)
            .collect();
        let link = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("link"))
            .map(|(_, v)| v.as_str());
        Ok(Page {
            items,
            next_cursor: link.and_then(next_link),
        })
    }

    fn get(ids: Vec<String>) -> Vec<Result<Item, PluginError>> {
        ids.iter().map(|id| fetch(id)).collect()
    }

    fn create(requests: Vec<CreateRequest>) -> Vec<Result<Item, PluginError>> {
        requests
            .iter()
            .map(|r| {
                let body = issue_body(&r.fields, Some(&r.origin))?;
                let (_, _, created) =
                    call("POST", &format!("{}/issues", repo_path()?), Some(body))?;
                Ok(item_of(&created))
            })
            .collect()
    }

    fn update(requests: Vec<UpdateRequest>) -> Vec<Result<Item, PluginError>> {
        requests
            .iter()
            .map(|r| {
                let body = issue_body(&r.fields, None)?;
                let path = format!("{}/issues/{}", repo_path()?, percent_encode(&r.id));
                let (_, _, updated) = call("PATCH", &path, Some(body))?;
                Ok(item_of(&updated))
            })
            .collect()
    }

    fn find_by_origin(origins: Vec<String>) -> Vec<Result<Option<Item>, PluginError>> {
        origins
            .iter()
            .map(|origin| {
                let q = format!(
                    "repo:{} is:issue in:body \"{}\"",
                    setting("repo")?,
                    marker(origin)
                        .trim_start_matches("<!-- ")
                        .trim_end_matches(" -->")
                );
                let (_, _, found) = call(
                    "GET",
                    &format!("/search/issues?q={}", percent_encode(&q)),
                    None,
                )?;
                Ok(found["items"]
                    .as_array()
                    .and_then(|items| items.first())
                    .map(item_of))
            })
            .collect()
    }

    fn parse_webhook(_delivery: WebhookDelivery) -> Result<Vec<String>, PluginError> {
        Err(PluginError::Unsupported(
            "toy-github does not take webhooks".into(),
        ))
    }
}

export!(ToyGitHub);
