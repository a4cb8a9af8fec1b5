//! The status page (`GET /`) and the JSON it shows: the syncs, their last runs, failed
//! items, open conflicts with buttons that resolve them (the same as `conflicts resolve
//! ID --take source|target`, then written by the worker's next run, which starts at once),
//! and an item's history. It binds to loopback by default; on any other address it answers
//! only requests carrying the token (`Authorization: Bearer <token>` or `?token=`), and
//! refuses every request when none is set. Writes need the `X-Pmsync-Action` header, which a
//! page of another site cannot send without the browser asking first (and being refused).

use super::shared::Shared;
use crate::store::{AuditQuery, ConflictChoice};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Who may see the page.
#[derive(Clone)]
pub enum Access {
    /// Listening on loopback: anyone who can reach it.
    Loopback,
    /// Listening elsewhere: requests must carry this token.
    Token(String),
    /// Listening elsewhere with no token set: the page is off.
    Off,
}

type St = State<(Arc<Shared>, Access)>;

const PAGE: &str = include_str!("status_page.html");
/// Most history entries shown for an item.
const HISTORY_LIMIT: u32 = 200;

/// Why a request may not see the page, if it may not.
fn refusal(
    access: &Access,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Option<Response> {
    match access {
        Access::Loopback => None,
        Access::Off => Some((
            StatusCode::FORBIDDEN,
            "the status page is off: serve listens beyond loopback and PMSYNC_STATUS_TOKEN is not set\n",
        )
            .into_response()),
        Access::Token(token) => {
            let bearer = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            let given = bearer.or(query.get("token").map(String::as_str));
            let matches = given.is_some_and(|g| {
                use sha2::{Digest, Sha256};
                // Equal-length digests compared whole: no early exit on the first difference.
                let (a, b) = (Sha256::digest(g.as_bytes()), Sha256::digest(token.as_bytes()));
                a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
            });
            if matches {
                None
            } else {
                Some((StatusCode::UNAUTHORIZED, "a valid token is needed (?token= or Authorization: Bearer)\n").into_response())
            }
        }
    }
}

fn failed(error: impl std::fmt::Display) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(serde_json::json!({ "error": error.to_string() })),
    )
        .into_response()
}

pub(super) async fn page(
    State((_, access)): St,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = refusal(&access, &headers, &query) {
        return refused;
    }
    Html(PAGE).into_response()
}

pub(super) async fn status(
    State((shared, access)): St,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = refusal(&access, &headers, &query) {
        return refused;
    }
    let probe = shared.clone();
    let read = tokio::task::spawn_blocking(move || {
        let store = probe.intake();
        Ok::<_, crate::store::StoreError>((
            store.queue_depth()?,
            store.failed_items(None)?,
            store.open_conflicts(None)?,
        ))
    })
    .await;
    let (depth, failures, conflicts) = match read {
        Ok(Ok(read)) => read,
        Ok(Err(e)) => return failed(e),
        Err(e) => return failed(e),
    };
    let generation = shared.current();
    let syncs: Vec<serde_json::Value> = generation
        .config
        .syncs
        .iter()
        .map(|s| {
            serde_json::json!({
                "name": s.name,
                "source": s.source_platform,
                "target": s.target_platform,
                "direction": s.direction,
                "sync_interval": s.sync_interval,
            })
        })
        .collect();
    Json(serde_json::json!({
        "config": generation.origin,
        "generation": generation.number,
        "loaded_at": generation.loaded_at,
        "last_reload_error": shared.last_reload_error.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        "queue_depth": depth,
        "syncs": syncs,
        "runs": shared.recent_runs(),
        "failures": failures,
        "conflicts": conflicts,
    }))
    .into_response()
}

#[derive(Deserialize)]
pub(super) struct Resolve {
    take: String,
}

pub(super) async fn resolve(
    State((shared, access)): St,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    Json(body): Json<Resolve>,
) -> Response {
    if let Some(refused) = refusal(&access, &headers, &query) {
        return refused;
    }
    if !headers.contains_key("x-pmsync-action") {
        return (
            StatusCode::FORBIDDEN,
            "writes need the X-Pmsync-Action header\n",
        )
            .into_response();
    }
    let choice = match body.take.as_str() {
        "source" => ConflictChoice::Source,
        "target" => ConflictChoice::Target,
        other => {
            return (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({ "error": format!("take must be `source` or `target`, not `{other}`") })),
            )
                .into_response();
        }
    };
    let writer = shared.clone();
    let resolved = tokio::task::spawn_blocking(move || {
        let mut store = writer.intake();
        match store.conflict(id)? {
            Some(_) => store.resolve_conflict(id, &choice).map(Some),
            None => Ok(None),
        }
    })
    .await;
    match resolved {
        Ok(Ok(Some(conflict))) => {
            tracing::info!(target: "pmsync::serve", "conflict {id} resolved from the status page (take {})", body.take);
            shared.request_sweep();
            Json(conflict).into_response()
        }
        Ok(Ok(None)) => (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({ "error": format!("no conflict with id {id}") })),
        )
            .into_response(),
        Ok(Err(e)) => (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": e.to_string() })),
        )
            .into_response(),
        Err(e) => failed(e),
    }
}

pub(super) async fn history(
    State((shared, access)): St,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = refusal(&access, &headers, &query) {
        return refused;
    }
    let Some(item) = query.get("item").filter(|i| !i.is_empty()).cloned() else {
        return (StatusCode::BAD_REQUEST, "say which item: ?item=KEY\n").into_response();
    };
    let reader = shared.clone();
    let entries = tokio::task::spawn_blocking(move || {
        reader.intake().audit(&AuditQuery {
            key: Some(item),
            limit: Some(HISTORY_LIMIT),
            ..AuditQuery::default()
        })
    })
    .await;
    match entries {
        Ok(Ok(entries)) => Json(entries).into_response(),
        Ok(Err(e)) => failed(e),
        Err(e) => failed(e),
    }
}
