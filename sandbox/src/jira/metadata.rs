//! What a Jira client asks for before it touches an issue: the server (`serverInfo`), the
//! fields and their schemas (`field`), the projects (`project`, `project/search`,
//! `project/{idOrKey}`), the statuses (`status`, `project/{idOrKey}/statuses`,
//! `statuscategory`), the resolutions (`resolution`), the issue
//! types (`issuetype`) and the users (`user/search`, `user?accountId=`, `myself`). Shapes as
//! in the OpenAPI description (`swagger-v3.v3.json`); the same answers under `/rest/api/2`.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::jira::api::JiraState;
use crate::jira::model::*;
use crate::jira::store::JiraError;
use crate::platform::{json_response, lock};
use crate::query_string::{QueryPairs, encode};
use crate::seed::PEOPLE;

type St = State<Arc<JiraState>>;

fn base(state: &JiraState) -> String {
    lock(&state.store).base.clone()
}

pub(crate) async fn server_info(State(state): St) -> Response {
    let now = chrono::Utc::now();
    json_response(
        StatusCode::OK,
        json!({
            "baseUrl": base(&state),
            "buildDate": "2025-01-06T00:00:00.000+0000",
            "buildNumber": 100_282,
            "deploymentType": "Cloud",
            "scmInfo": "3a8fc1b0a6e6c2c1d4b8e1f0a9b7c6d5e4f3a2b1",
            "serverTime": timestamp(now),
            "serverTimeZone": "Etc/UTC",
            "serverTitle": "Jira (pmsync sandbox)",
            "version": "1001.0.0-SNAPSHOT",
            "versionNumbers": [1001, 0, 0],
        }),
    )
}

/// One system field: (id, name, JSON type, items type, orderable, clause names).
const SYSTEM_FIELDS: [(&str, &str, &str, Option<&str>, bool); 13] = [
    ("summary", "Summary", "string", None, true),
    ("description", "Description", "string", None, true),
    ("issuetype", "Issue Type", "issuetype", None, true),
    ("project", "Project", "project", None, false),
    ("status", "Status", "status", None, false),
    ("priority", "Priority", "priority", None, true),
    ("labels", "Labels", "array", Some("string"), true),
    ("assignee", "Assignee", "user", None, true),
    ("reporter", "Reporter", "user", None, true),
    ("resolution", "Resolution", "resolution", None, true),
    ("duedate", "Due date", "date", None, true),
    ("created", "Created", "datetime", None, false),
    ("updated", "Updated", "datetime", None, false),
];

pub(crate) async fn fields(State(_state): St) -> Response {
    let mut out: Vec<Value> = SYSTEM_FIELDS
        .iter()
        .map(|&(id, name, kind, items, orderable)| {
            let mut schema = json!({"type": kind, "system": id});
            if let Some(items) = items {
                schema["items"] = json!(items);
            }
            json!({
                "id": id,
                "key": id,
                "name": name,
                "custom": false,
                "orderable": orderable,
                "navigable": true,
                "searchable": true,
                "clauseNames": [id],
                "schema": schema,
            })
        })
        .collect();
    out.push(json!({
        "id": STORY_POINTS_FIELD,
        "key": STORY_POINTS_FIELD,
        "name": "Story point estimate",
        "custom": true,
        "orderable": true,
        "navigable": true,
        "searchable": true,
        "clauseNames": ["cf[10016]", "Story point estimate"],
        "schema": {"type": "number", "custom": "com.pyxis.greenhopper.jira:jsw-story-points", "customId": 10016},
    }));
    json_response(StatusCode::OK, Value::Array(out))
}

/// The project as listed (`GET /project`, `/project/search`).
fn project_summary(base: &str, index: usize) -> Value {
    let (id, key, name) = PROJECTS[index];
    let mut project = project_json(base, index);
    if let Some(o) = project.as_object_mut() {
        o.insert(
            "avatarUrls".into(),
            json!({
                "48x48": format!("{base}/secure/projectavatar?pid={id}"),
                "24x24": format!("{base}/secure/projectavatar?size=small&pid={id}"),
                "16x16": format!("{base}/secure/projectavatar?size=xsmall&pid={id}"),
                "32x32": format!("{base}/secure/projectavatar?size=medium&pid={id}"),
            }),
        );
        o.insert("style".into(), json!("next-gen"));
        o.insert("isPrivate".into(), json!(false));
        o.insert(
            "expand".into(),
            json!("description,lead,issueTypes,url,projectKeys,permissions,insight"),
        );
        o.insert("name".into(), json!(name));
        o.insert("key".into(), json!(key));
    }
    project
}

/// The issue types of a project: OPS has only epics in the seed, but every type is offered.
fn project_issue_types(base: &str) -> Vec<Value> {
    (0..ISSUE_TYPES.len())
        .map(|i| issue_type_json(base, i))
        .collect()
}

fn project_detail(base: &str, index: usize) -> Value {
    let mut project = project_summary(base, index);
    if let Some(o) = project.as_object_mut() {
        o.insert(
            "description".into(),
            json!(format!(
                "{} work, simulated by the pmsync sandbox",
                PROJECTS[index].2
            )),
        );
        o.insert("lead".into(), user_json(base, 0));
        o.insert("components".into(), json!([]));
        o.insert("issueTypes".into(), Value::Array(project_issue_types(base)));
        o.insert("assigneeType".into(), json!("UNASSIGNED"));
        o.insert("versions".into(), json!([]));
        o.insert("roles".into(), json!({}));
        o.insert("properties".into(), json!({}));
        o.insert(
            "url".into(),
            json!(format!("{base}/browse/{}", PROJECTS[index].1)),
        );
    }
    project
}

fn project_by_reference(reference: &str) -> Result<usize, JiraError> {
    PROJECTS
        .iter()
        .position(|p| p.0 == reference || p.1.eq_ignore_ascii_case(reference))
        .ok_or_else(|| {
            JiraError::message(
                404,
                format!("No project could be found with key '{reference}'."),
            )
        })
}

pub(crate) async fn projects(State(state): St) -> Response {
    let base = base(&state);
    json_response(
        StatusCode::OK,
        Value::Array(
            (0..PROJECTS.len())
                .map(|i| project_summary(&base, i))
                .collect(),
        ),
    )
}

fn non_negative(q: &QueryPairs, name: &str, default: usize) -> Result<usize, JiraError> {
    match q.get(name) {
        None => Ok(default),
        Some(v) => v.parse::<usize>().map_err(|_| {
            JiraError::message(
                400,
                format!("'{name}' must be a non-negative integer, got '{v}'"),
            )
        }),
    }
}

/// `GET /project/search`: `query` (in key or name), `keys` (repeatable), `startAt`,
/// `maxResults` (≤ 100).
pub(crate) async fn project_search(State(state): St, RawQuery(raw): RawQuery) -> Response {
    let q = QueryPairs::parse(raw.as_deref());
    let (start, max) = match (
        non_negative(&q, "startAt", 0),
        non_negative(&q, "maxResults", 50),
    ) {
        (Ok(s), Ok(m)) => (s, m.clamp(1, 100)),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let text = q.get("query").unwrap_or_default().to_lowercase();
    let keys: Vec<String> = q
        .all("keys")
        .flat_map(|k| k.split(','))
        .map(|k| k.trim().to_ascii_uppercase())
        .filter(|k| !k.is_empty())
        .collect();
    let base = base(&state);
    let found: Vec<usize> = (0..PROJECTS.len())
        .filter(|&i| {
            let (_, key, name) = PROJECTS[i];
            (text.is_empty()
                || key.to_lowercase().contains(&text)
                || name.to_lowercase().contains(&text))
                && (keys.is_empty() || keys.iter().any(|k| k == key))
        })
        .collect();
    let total = found.len();
    let values: Vec<Value> = found
        .iter()
        .skip(start)
        .take(max)
        .map(|&i| project_summary(&base, i))
        .collect();
    let is_last = start + values.len() >= total;
    let page_url = |at: usize| {
        let mut url = format!("{base}/rest/api/3/project/search?startAt={at}&maxResults={max}");
        if !text.is_empty() {
            url.push_str(&format!("&query={}", encode(&text)));
        }
        url
    };
    let mut body = json!({
        "self": page_url(start),
        "maxResults": max,
        "startAt": start,
        "total": total,
        "isLast": is_last,
        "values": values,
    });
    if !is_last {
        body["nextPage"] = json!(page_url(start + max));
    }
    json_response(StatusCode::OK, body)
}

pub(crate) async fn project(State(state): St, Path(reference): Path<String>) -> Response {
    match project_by_reference(&reference) {
        Ok(i) => json_response(StatusCode::OK, project_detail(&base(&state), i)),
        Err(e) => e.into_response(),
    }
}

fn status_details(base: &str, index: usize) -> Value {
    let mut status = status_json(base, index);
    if let Some(o) = status.as_object_mut() {
        o.insert(
            "description".into(),
            json!(format!(
                "The issue is {}.",
                STATUSES[index].1.to_lowercase()
            )),
        );
    }
    status
}

pub(crate) async fn statuses(State(state): St) -> Response {
    let base = base(&state);
    json_response(
        StatusCode::OK,
        Value::Array(
            (0..STATUSES.len())
                .map(|i| status_details(&base, i))
                .collect(),
        ),
    )
}

/// `GET /project/{idOrKey}/statuses`: every issue type of the project with the statuses of
/// the (shared, simplified) workflow.
pub(crate) async fn project_statuses(State(state): St, Path(reference): Path<String>) -> Response {
    if let Err(e) = project_by_reference(&reference) {
        return e.into_response();
    }
    let base = base(&state);
    let statuses: Vec<Value> = (0..STATUSES.len())
        .map(|i| status_details(&base, i))
        .collect();
    let types: Vec<Value> = ISSUE_TYPES
        .iter()
        .map(|&(id, name, subtask, _)| {
            json!({
                "self": format!("{base}/rest/api/3/issuetype/{id}"),
                "id": id,
                "name": name,
                "subtask": subtask,
                "statuses": statuses,
            })
        })
        .collect();
    json_response(StatusCode::OK, Value::Array(types))
}

pub(crate) async fn issue_types(State(state): St) -> Response {
    let base = base(&state);
    json_response(StatusCode::OK, Value::Array(project_issue_types(&base)))
}

/// `GET /user/search`: `query` matches a prefix of a word of the display name or the start
/// of the e-mail address; `accountId` matches exactly; `startAt`, `maxResults`.
pub(crate) async fn user_search(State(state): St, RawQuery(raw): RawQuery) -> Response {
    let q = QueryPairs::parse(raw.as_deref());
    let (start, max) = match (
        non_negative(&q, "startAt", 0),
        non_negative(&q, "maxResults", 50),
    ) {
        (Ok(s), Ok(m)) => (s, m.clamp(1, 1000)),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let text = q.get("query").map(str::to_lowercase);
    let account = q.get("accountId");
    if text.is_none() && account.is_none() {
        return JiraError::message(
            400,
            "The query parameter 'query' or 'accountId' is required.",
        )
        .into_response();
    }
    let base = base(&state);
    let found: Vec<Value> = (0..PEOPLE.len())
        .filter(|&p| {
            let (name, _, email) = PEOPLE[p];
            let by_text = text.as_ref().is_none_or(|t| {
                email.to_lowercase().starts_with(t.as_str())
                    || name
                        .to_lowercase()
                        .split_whitespace()
                        .any(|w| w.starts_with(t.as_str()))
                    || name.to_lowercase().starts_with(t.as_str())
            });
            by_text && account.is_none_or(|a| account_id(p) == a)
        })
        .skip(start)
        .take(max)
        .map(|p| user_json(&base, p))
        .collect();
    json_response(StatusCode::OK, Value::Array(found))
}

/// `GET /user?accountId=`: the user `self` links point at.
pub(crate) async fn user(State(state): St, RawQuery(raw): RawQuery) -> Response {
    let q = QueryPairs::parse(raw.as_deref());
    let Some(account) = q.get("accountId") else {
        return JiraError::message(400, "The query parameter 'accountId' is required.")
            .into_response();
    };
    match person_by_account_id(account) {
        Some(p) => json_response(StatusCode::OK, user_json(&base(&state), p)),
        None => JiraError::message(
            404,
            format!("Specified user does not exist or you do not have required permissions (accountId {account})."),
        )
        .into_response(),
    }
}

/// `GET /resolution`: the one resolution of the simplified workflow.
pub(crate) async fn resolutions(State(state): St) -> Response {
    json_response(StatusCode::OK, json!([resolution_json(&base(&state))]))
}

/// `GET /statuscategory`: the categories the statuses belong to.
pub(crate) async fn status_categories(State(state): St) -> Response {
    let base = base(&state);
    let categories: Vec<Value> = (0..STATUSES.len())
        .map(|i| status_json(&base, i)["statusCategory"].clone())
        .collect();
    json_response(StatusCode::OK, Value::Array(categories))
}
