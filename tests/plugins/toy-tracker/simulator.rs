//! The Tracker simulator: the toy platform's REST API (see `src/lib.rs`) as a
//! `pmsync_sandbox::Simulator`, in memory on loopback. Included by the end-to-end test
//! `tests/tests/e2e/fifth_connector.rs`; nothing in the host or the sandbox crate knows it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use pmsync_sandbox::{SandboxOptions, Simulator};
use serde::Deserialize;
use serde_json::{Value, json};

/// The token every request must carry as `Authorization: Bearer <token>`.
pub const TOKEN: &str = "tracker-token";

#[derive(Debug, Clone)]
pub struct Ticket {
    pub id: u64,
    pub title: String,
    pub status: String,
    pub origin: Option<String>,
    /// Milliseconds since the simulator started, strictly increasing per write.
    pub updated: u64,
}

#[derive(Default)]
struct Store {
    tickets: BTreeMap<u64, Ticket>,
    clock: u64,
    writes: u64,
}

impl Store {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }
}

/// Direct access to the simulator's state, for the test.
#[derive(Clone)]
pub struct TrackerHandle {
    store: Arc<Mutex<Store>>,
}

fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn rfc3339(clock: u64) -> String {
    // A fixed day plus one second per tick: ordered, valid, and independent of the wall clock.
    let seconds = 1_700_000_000 + clock as i64;
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn json_of(ticket: &Ticket) -> Value {
    json!({
        "id": ticket.id,
        "title": ticket.title,
        "status": ticket.status,
        "origin": ticket.origin,
        "updated_at": rfc3339(ticket.updated),
    })
}

impl TrackerHandle {
    pub fn tickets(&self) -> Vec<Ticket> {
        lock(&self.store).tickets.values().cloned().collect()
    }
    /// Requests that changed something.
    pub fn writes(&self) -> u64 {
        lock(&self.store).writes
    }
    /// Edits a ticket as a person would (its `updated_at` moves).
    pub fn edit(&self, id: u64, title: &str) -> bool {
        let mut store = lock(&self.store);
        let now = store.tick();
        match store.tickets.get_mut(&id) {
            Some(ticket) => {
                ticket.title = title.to_owned();
                ticket.updated = now;
                true
            }
            None => false,
        }
    }
}

impl Simulator for TrackerHandle {
    const NAME: &'static str = "Tracker";

    fn build(_base_url: &str, _options: &SandboxOptions) -> (Self, Router) {
        let handle = TrackerHandle {
            store: Arc::new(Mutex::new(Store::default())),
        };
        let app = Router::new()
            .route("/api/tickets", get(list).post(create))
            .route("/api/tickets/{id}", get(one).patch(update))
            .with_state(handle.clone());
        (handle, app)
    }
}

fn authorized(headers: &HeaderMap) -> bool {
    let expected = format!("Bearer {TOKEN}");
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str())
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": "bad token"})),
    )
        .into_response()
}

fn not_found(id: u64) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": format!("no ticket {id}")})),
    )
        .into_response()
}

#[derive(Deserialize)]
struct ListQuery {
    updated_since: Option<String>,
    after: Option<u64>,
    limit: Option<usize>,
    origin: Option<String>,
}

async fn list(
    State(handle): State<TrackerHandle>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let store = lock(&handle.store);
    let since = query.updated_since.as_deref().unwrap_or("");
    let limit = query.limit.unwrap_or(50).clamp(1, 100);
    let matching: Vec<&Ticket> = store
        .tickets
        .values()
        .filter(|t| query.after.is_none_or(|after| t.id > after))
        .filter(|t| rfc3339(t.updated).as_str() >= since)
        .filter(|t| query.origin.is_none() || t.origin == query.origin)
        .collect();
    let page: Vec<Value> = matching.iter().take(limit).map(|t| json_of(t)).collect();
    let next = (matching.len() > limit).then(|| matching[limit - 1].id);
    Json(json!({"tickets": page, "next": next})).into_response()
}

async fn one(
    State(handle): State<TrackerHandle>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    match lock(&handle.store).tickets.get(&id) {
        Some(ticket) => Json(json_of(ticket)).into_response(),
        None => not_found(id),
    }
}

#[derive(Deserialize)]
struct Write {
    title: Option<String>,
    status: Option<String>,
    origin: Option<String>,
}

async fn create(
    State(handle): State<TrackerHandle>,
    headers: HeaderMap,
    Json(write): Json<Write>,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let mut store = lock(&handle.store);
    let updated = store.tick();
    let id = store.tickets.keys().next_back().map_or(1, |last| last + 1);
    let ticket = Ticket {
        id,
        title: write.title.unwrap_or_default(),
        status: write.status.unwrap_or_else(|| "open".to_owned()),
        origin: write.origin,
        updated,
    };
    let body = json_of(&ticket);
    store.tickets.insert(id, ticket);
    store.writes += 1;
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn update(
    State(handle): State<TrackerHandle>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Json(write): Json<Write>,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let mut store = lock(&handle.store);
    let updated = store.tick();
    let Some(ticket) = store.tickets.get_mut(&id) else {
        return not_found(id);
    };
    if let Some(title) = write.title {
        ticket.title = title;
    }
    if let Some(status) = write.status {
        ticket.status = status;
    }
    ticket.updated = updated;
    let body = json_of(ticket);
    store.writes += 1;
    Json(body).into_response()
}
