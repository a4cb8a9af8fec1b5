//! Issue comments: `GET|POST /issue/{idOrKey}/comment` (a page: `startAt`, `maxResults`,
//! `orderBy=created|-created`) and `GET|PUT /issue/{idOrKey}/comment/{id}`. Bodies are ADF
//! in v3 and plain text in v2; an empty body is refused as Jira refuses it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::jira::api::JiraState;
use crate::jira::api_version::{ApiVersion, adf_to_text, text_to_adf};
use crate::jira::model::{TEXT_FIELD_MAX_CHARS, timestamp, user_json};
use crate::jira::store::{JiraComment, JiraError};
use crate::platform::{json_response, lock};
use crate::query_string::QueryPairs;

type St = State<Arc<JiraState>>;

fn comment_json(base: &str, version: ApiVersion, issue_id: u64, c: &JiraComment) -> Value {
    let body = match version {
        ApiVersion::V3 => c.body.clone(),
        ApiVersion::V2 => json!(adf_to_text(&c.body)),
    };
    json!({
        "self": format!("{base}{}/issue/{issue_id}/comment/{}", version.prefix(), c.id),
        "id": c.id.to_string(),
        "author": user_json(base, c.author),
        "body": body,
        "updateAuthor": user_json(base, c.author),
        "created": timestamp(c.created),
        "updated": timestamp(c.updated),
        "jsdPublic": true,
    })
}

/// The ADF body of a request (`{"body": ...}`): a document in v3, text in v2.
fn requested_body(version: ApiVersion, bytes: &Bytes) -> Result<Value, JiraError> {
    let request: Value = serde_json::from_slice(bytes).map_err(|e| {
        JiraError::message(
            400,
            format!("Unexpected character in the request body: {e}"),
        )
    })?;
    let empty = || {
        let mut errors = Map::new();
        errors.insert("comment".into(), json!("Comment body can not be empty!"));
        JiraError::fields(errors)
    };
    let body = match (version, request.get("body")) {
        (ApiVersion::V2, Some(Value::String(text))) => text_to_adf(text),
        (ApiVersion::V3, Some(doc @ Value::Object(_)))
            if doc.get("type").and_then(Value::as_str) == Some("doc") =>
        {
            doc.clone()
        }
        (_, None | Some(Value::Null)) => return Err(empty()),
        (ApiVersion::V2, Some(_)) => {
            return Err(JiraError::message(
                400,
                "The comment body must be a string in REST v2.",
            ));
        }
        (ApiVersion::V3, Some(_)) => {
            return Err(JiraError::message(
                400,
                "Comment body must be an Atlassian Document (see the Atlassian Document Format)",
            ));
        }
    };
    if body.is_null() || adf_to_text(&body).trim().is_empty() {
        return Err(empty());
    }
    if body.to_string().chars().count() > TEXT_FIELD_MAX_CHARS {
        return Err(JiraError::message(
            400,
            "The entered text is too long. It exceeds the allowed limit of 32,767 characters.",
        ));
    }
    Ok(body)
}

pub(crate) async fn list(
    version: ApiVersion,
    State(state): St,
    Path(issue): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = QueryPairs::parse(raw.as_deref());
    let number = |name: &str, default: usize| match q.get(name) {
        None => Ok(default),
        Some(v) => v.parse::<usize>().map_err(|_| {
            JiraError::message(
                400,
                format!("'{name}' must be a non-negative integer, got '{v}'"),
            )
        }),
    };
    let (start, max) = match (number("startAt", 0), number("maxResults", 100)) {
        (Ok(s), Ok(m)) => (s, m.clamp(1, 5000)),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let newest_first = match q.get("orderBy") {
        None | Some("created" | "+created") => false,
        Some("-created") => true,
        Some(other) => {
            return JiraError::message(
                400,
                format!("orderBy '{other}' is not created or -created"),
            )
            .into_response();
        }
    };
    let store = lock(&state.store);
    let Some(record) = store.find(&issue) else {
        return JiraError::issue_not_found().into_response();
    };
    let mut ordered: Vec<&JiraComment> = record.comments.iter().collect();
    if newest_first {
        ordered.reverse();
    }
    let comments: Vec<Value> = ordered
        .iter()
        .skip(start)
        .take(max)
        .map(|c| comment_json(&store.base, version, record.id, c))
        .collect();
    json_response(
        StatusCode::OK,
        json!({"startAt": start, "maxResults": max, "total": record.comments.len(), "comments": comments}),
    )
}

pub(crate) async fn add(
    version: ApiVersion,
    State(state): St,
    Path(issue): Path<String>,
    body: Bytes,
) -> Response {
    let body = match requested_body(version, &body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let mut store = lock(&state.store);
    match store.add_comment(&issue, body) {
        Ok(comment) => {
            state.core.counters.write();
            let issue_id = store.find(&issue).map_or(0, |r| r.id);
            json_response(
                StatusCode::CREATED,
                comment_json(&store.base, version, issue_id, &comment),
            )
        }
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn get(
    version: ApiVersion,
    State(state): St,
    Path((issue, comment)): Path<(String, String)>,
) -> Response {
    let store = lock(&state.store);
    let Some(record) = store.find(&issue) else {
        return JiraError::issue_not_found().into_response();
    };
    match record.comments.iter().find(|c| c.id.to_string() == comment) {
        Some(c) => json_response(
            StatusCode::OK,
            comment_json(&store.base, version, record.id, c),
        ),
        None => JiraError::message(
            404,
            format!("Can not find a comment for the id: {comment}."),
        )
        .into_response(),
    }
}

pub(crate) async fn edit(
    version: ApiVersion,
    State(state): St,
    Path((issue, comment)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let body = match requested_body(version, &body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let mut store = lock(&state.store);
    match store.edit_comment(&issue, &comment, body) {
        Ok(edited) => {
            state.core.counters.write();
            let issue_id = store.find(&issue).map_or(0, |r| r.id);
            json_response(
                StatusCode::OK,
                comment_json(&store.base, version, issue_id, &edited),
            )
        }
        Err(e) => e.into_response(),
    }
}
