//! Everyday GitHub calls on one resource: a label by name, a milestone by number, an issue
//! comment by id (read and edit), and replacing an issue's labels (`PUT .../labels`).

// Handlers answer validation failures with a ready `Response`; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde_json::{Value, json};

use crate::github::rest::{GitHubState, labels_of_issue, not_found, validation_failed};
use crate::github::store::{GitHubStore, OWNER, REPO};
use crate::platform::{json_response, lock};

type St = State<Arc<GitHubState>>;

const MAX_BODY_CHARS: usize = 65_536;

fn is_our_repo(owner: &str, repo: &str) -> bool {
    owner.eq_ignore_ascii_case(OWNER) && repo.eq_ignore_ascii_case(REPO)
}

fn parse_json(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body).map_err(|_| {
        json_response(
            StatusCode::BAD_REQUEST,
            json!({"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/rest", "status": "400"}),
        )
    })
}

pub(crate) async fn label(
    State(state): St,
    Path((owner, repo, name)): Path<(String, String, String)>,
) -> Response {
    if !is_our_repo(&owner, &repo) {
        return not_found();
    }
    let store = lock(&state.store);
    match store
        .labels
        .iter()
        .find(|l| l.name.eq_ignore_ascii_case(&name))
    {
        Some(l) => json_response(StatusCode::OK, store.label_json(l)),
        None => not_found(),
    }
}

pub(crate) async fn milestone(
    State(state): St,
    Path((owner, repo, number)): Path<(String, String, String)>,
) -> Response {
    if !is_our_repo(&owner, &repo) {
        return not_found();
    }
    let store = lock(&state.store);
    let found = number
        .parse::<u64>()
        .ok()
        .and_then(|n| store.milestones.iter().find(|m| m.number == n));
    match found {
        Some(m) => json_response(StatusCode::OK, store.milestone_json(m)),
        None => not_found(),
    }
}

/// The issue number holding comment `id`.
fn issue_of_comment(store: &GitHubStore, id: &str) -> Option<u64> {
    let id: u64 = id.parse().ok()?;
    store
        .issues
        .values()
        .find(|i| i.comments.iter().any(|c| c.id == id))
        .map(|i| i.number)
}

fn comment_response(store: &GitHubStore, number: u64, id: &str) -> Response {
    let comment = store
        .issues
        .get(&number)
        .and_then(|i| i.comments.iter().find(|c| c.id.to_string() == id));
    match comment {
        Some(c) => json_response(StatusCode::OK, store.comment_json(number, c)),
        None => not_found(),
    }
}

pub(crate) async fn comment(
    State(state): St,
    Path((owner, repo, id)): Path<(String, String, String)>,
) -> Response {
    if !is_our_repo(&owner, &repo) {
        return not_found();
    }
    let store = lock(&state.store);
    match issue_of_comment(&store, &id) {
        Some(number) => comment_response(&store, number, &id),
        None => not_found(),
    }
}

/// `PATCH .../issues/comments/{id}`: a new body; the comment's and the issue's `updated_at`
/// move.
pub(crate) async fn edit_comment(
    State(state): St,
    Path((owner, repo, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    if !is_our_repo(&owner, &repo) {
        return not_found();
    }
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let text = match body.get("body") {
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= MAX_BODY_CHARS => s.clone(),
        other => {
            return validation_failed(
                "body",
                "missing_field",
                other.cloned().unwrap_or(Value::Null),
            );
        }
    };
    let mut store = lock(&state.store);
    let Some(number) = issue_of_comment(&store, &id) else {
        return not_found();
    };
    let now = Utc::now();
    store.touch(number, |issue| {
        if let Some(c) = issue.comments.iter_mut().find(|c| c.id.to_string() == id) {
            c.body = text;
            c.updated_at = now;
        }
    });
    state.core.counters.write();
    comment_response(&store, number, &id)
}

/// `PUT .../issues/{number}/labels`: replaces the issue's labels (`{"labels": [...]}`; an
/// empty list clears them); unknown labels are created, as on GitHub.
pub(crate) async fn set_labels(
    State(state): St,
    Path((owner, repo, number)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    if !is_our_repo(&owner, &repo) {
        return not_found();
    }
    let request = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let names: Option<Vec<String>> = match request.get("labels") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|l| match l {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
                _ => None,
            })
            .collect(),
        _ => None,
    };
    let Some(names) = names else {
        return validation_failed("labels", "invalid", Value::Null);
    };
    {
        let mut store = lock(&state.store);
        let Some(n) = number
            .parse::<u64>()
            .ok()
            .filter(|n| store.issues.contains_key(n))
        else {
            return not_found();
        };
        for name in &names {
            store.label_or_create(name);
        }
        store.touch(n, |issue| issue.labels = names);
        state.core.counters.write();
    }
    labels_of_issue(&state, &owner, &repo, &number)
}
