//! Jira Cloud REST v3 and v2 simulator (projects `PROJ` and `OPS`). Every route is served
//! under `/rest/api/3` and `/rest/api/2`; v2 takes and gives rich text (`description`) as
//! plain strings instead of ADF (see `api_version`). The routes are listed by
//! [`JiraHandle::routes`].
//!
//! Routes: `GET|POST /rest/api/3/search/jql` (enhanced search: `jql`, `fields`, `properties`,
//! `maxResults`, `nextPageToken` → `{issues, nextPageToken?, isLast}`), `GET|PUT
//! /rest/api/3/issue/{idOrKey}`, `POST /rest/api/3/issue`, `GET|POST
//! /rest/api/3/issue/{idOrKey}/transitions`, `GET /rest/api/3/issue/{idOrKey}/properties`,
//! `GET|PUT /rest/api/3/issue/{idOrKey}/properties/{propertyKey}`, `GET|POST
//! /rest/api/3/issue/{idOrKey}/comment`, `GET|PUT .../comment/{id}`, `GET /rest/api/3/myself`,
//! `GET /rest/api/3/priority`, and what clients read first (see `metadata`): `serverInfo`,
//! `field`, `project`, `project/search`, `project/{idOrKey}`, `project/{idOrKey}/statuses`,
//! `status`, `issuetype`, `user/search`, `user?accountId=`. The JQL subset is documented in
//! `jql`.
//!
//! Behaviour like Jira Cloud: status changes only through transitions (a `PUT` naming
//! `status` is a 400 "cannot be set"); summary over 255 characters and text over 32,767 → 400
//! with `errors.<field>`; descriptions are ADF; search without `fields` returns ids only.
//! Origin markers: store them as an entity property (e.g. `pmsync` = `{"origin": "..."}`) and
//! find them with `issue.property[pmsync].origin = "..."`; properties do not bump `updated`.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::accounting::RequestStats;
use crate::faults::FaultPlan;
use crate::jira::api_version::ApiVersion;
use crate::jira::fields::reference_name;
use crate::jira::jql as jira_jql;
use crate::jira::model::{PRIORITIES, priority_json, user_json};
use crate::jira::store::{FieldSelection, JiraError, JiraStore, compact_all, expand_all};
use crate::platform::{PlatformCore, json_response, lock};
use crate::query_string::QueryPairs;
use crate::route_table::{Route, RouteTable};

pub(crate) struct JiraState {
    pub(crate) core: Arc<PlatformCore>,
    pub(crate) store: Mutex<JiraStore>,
}

type St = State<Arc<JiraState>>;

impl IntoResponse for JiraError {
    fn into_response(self) -> Response {
        json_response(
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST),
            self.body(),
        )
    }
}

/// Registers `$handler` for `$method` on `$path` under both `/rest/api/3` and `/rest/api/2`.
macro_rules! v3_and_v2 {
    ($table:expr, $($method:ident $path:literal => $handler:expr),+ $(,)?) => {
        $table$(
            .$method(concat!("/rest/api/3", $path), $handler)
            .$method(concat!("/rest/api/2", $path), $handler)
        )+
    };
}

pub(crate) fn router(state: Arc<JiraState>) -> (Router, Vec<Route>) {
    use crate::jira::{comments, metadata};
    let (router, routes) = v3_and_v2!(RouteTable::new(),
        get "/search/jql" => search_get,
        post "/search/jql" => search_post,
        post "/issue" => create_issue,
        get "/issue/{id}" => get_issue,
        put "/issue/{id}" => edit_issue,
        get "/issue/{id}/transitions" => get_transitions,
        post "/issue/{id}/transitions" => do_transition,
        get "/issue/{id}/comment" => comments::list,
        post "/issue/{id}/comment" => comments::add,
        get "/issue/{id}/comment/{comment}" => comments::get,
        put "/issue/{id}/comment/{comment}" => comments::edit,
        get "/issue/{id}/properties" => property_keys,
        get "/issue/{id}/properties/{property}" => get_property,
        put "/issue/{id}/properties/{property}" => set_property,
        get "/issue/{id}/remotelink" => remote_links,
        get "/myself" => myself,
        get "/mypermissions" => my_permissions,
        get "/priority" => priorities,
        get "/serverInfo" => metadata::server_info,
        get "/field" => metadata::fields,
        get "/project" => metadata::projects,
        get "/project/search" => metadata::project_search,
        get "/project/{project}" => metadata::project,
        get "/project/{project}/statuses" => metadata::project_statuses,
        get "/status" => metadata::statuses,
        get "/statuscategory" => metadata::status_categories,
        get "/resolution" => metadata::resolutions,
        get "/issuetype" => metadata::issue_types,
        get "/user/search" => metadata::user_search,
        get "/user" => metadata::user,
    )
    .finish();
    (router.fallback(not_found).with_state(state), routes)
}

async fn not_found() -> Response {
    JiraError::message(404, "null for uri: the sandbox has no such Jira resource").into_response()
}

/// A request body as JSON (empty: `{}`), in v3 form (see [`ApiVersion::request`]).
fn parse_versioned_body(version: ApiVersion, bytes: &Bytes) -> Result<Value, JiraError> {
    parse_body(bytes).map(|b| version.request(b))
}

fn parse_body(bytes: &Bytes) -> Result<Value, JiraError> {
    if bytes.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        JiraError::message(
            400,
            format!("Unexpected character in the request body: {e}"),
        )
    })
}

fn parse_max_results(raw: Option<&Value>, ids_only: bool) -> Result<usize, JiraError> {
    let limit = if ids_only { 5000 } else { 100 };
    match raw {
        None | Some(Value::Null) => Ok(50.min(limit)),
        Some(v) => {
            let n = v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                .ok_or_else(|| {
                    JiraError::message(400, format!("maxResults must be an integer, got {v}"))
                })?;
            if n < 0 {
                return Err(JiraError::message(400, "maxResults must not be negative"));
            }
            Ok((n as usize).clamp(1, limit))
        }
    }
}

fn run_search(
    version: ApiVersion,
    state: &JiraState,
    jql: &str,
    token: Option<&str>,
    max: Option<&Value>,
    fields: FieldSelection,
    properties: &[String],
) -> Response {
    let parsed = match jira_jql::parse(jql, Utc::now()) {
        Ok(q) => q,
        Err(message) => return JiraError::message(400, message).into_response(),
    };
    if parsed.is_unbounded() {
        return JiraError::message(400, "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.").into_response();
    }
    let max = match parse_max_results(max, fields.ids_only()) {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    let store = lock(&state.store);
    match store.search(&parsed, token, max) {
        Ok((page, next)) => {
            let issues: Vec<Value> = page
                .iter()
                .map(|r| {
                    if fields.ids_only() && properties.is_empty() {
                        json!({"id": r.id.to_string()})
                    } else {
                        version.issue(store.render(r, &fields, properties))
                    }
                })
                .collect();
            let mut body = Map::new();
            body.insert("issues".into(), Value::Array(issues));
            if let Some(next) = &next {
                body.insert("nextPageToken".into(), json!(next));
            }
            body.insert("isLast".into(), json!(next.is_none()));
            json_response(StatusCode::OK, Value::Object(body))
        }
        Err(e) => e.into_response(),
    }
}

fn split_list<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    values
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

async fn search_get(version: ApiVersion, State(state): St, RawQuery(raw): RawQuery) -> Response {
    let q = QueryPairs::parse(raw.as_deref());
    let fields = FieldSelection::parse(q.all("fields"), false);
    let properties = split_list(q.all("properties"));
    let max = q.get("maxResults").map(|m| json!(m));
    run_search(
        version,
        &state,
        q.get("jql").unwrap_or_default(),
        q.get("nextPageToken"),
        max.as_ref(),
        fields,
        &properties,
    )
}

async fn search_post(version: ApiVersion, State(state): St, body: Bytes) -> Response {
    let body = match parse_body(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let strings = |key: &str| -> Vec<String> {
        body.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let field_list = strings("fields");
    let fields = FieldSelection::parse(field_list.iter().map(String::as_str), false);
    let properties = strings("properties");
    let jql = body.get("jql").and_then(Value::as_str).unwrap_or_default();
    let token = body.get("nextPageToken").and_then(Value::as_str);
    run_search(
        version,
        &state,
        jql,
        token,
        body.get("maxResults"),
        fields,
        &properties,
    )
}

async fn get_issue(
    version: ApiVersion,
    State(state): St,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = QueryPairs::parse(raw.as_deref());
    let fields = FieldSelection::parse(q.all("fields"), true);
    let properties = split_list(q.all("properties"));
    let store = lock(&state.store);
    match store.find(&id) {
        Some(r) => json_response(
            StatusCode::OK,
            version.issue(store.render(r, &fields, &properties)),
        ),
        None => JiraError::issue_not_found().into_response(),
    }
}

async fn edit_issue(
    version: ApiVersion,
    State(state): St,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let body = match parse_versioned_body(version, &body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let mut store = lock(&state.store);
    if let Err(e) = store.edit_from_request(&id, &body) {
        return e.into_response();
    }
    state.core.counters.write();
    let q = QueryPairs::parse(raw.as_deref());
    if q.get("returnIssue") == Some("true")
        && let Some(r) = store.find(&id)
    {
        return json_response(
            StatusCode::OK,
            version.issue(store.render(r, &FieldSelection::parse([], true), &[])),
        );
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn create_issue(version: ApiVersion, State(state): St, body: Bytes) -> Response {
    let body = match parse_versioned_body(version, &body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let mut store = lock(&state.store);
    let base = store.base.clone();
    match store.create_from_request(&body) {
        Ok(r) => {
            state.core.counters.write();
            json_response(
                StatusCode::CREATED,
                json!({"id": r.id.to_string(), "key": r.key, "self": format!("{base}{}/issue/{}", version.prefix(), r.id)}),
            )
        }
        Err(e) => e.into_response(),
    }
}

async fn get_transitions(State(state): St, Path(id): Path<String>) -> Response {
    match lock(&state.store).transitions(&id) {
        Ok(ts) => json_response(
            StatusCode::OK,
            json!({"expand": "transitions", "transitions": ts}),
        ),
        Err(e) => e.into_response(),
    }
}

async fn do_transition(
    version: ApiVersion,
    State(state): St,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match parse_versioned_body(version, &body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    match lock(&state.store).transition(&id, &body) {
        Ok(()) => {
            state.core.counters.write();
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn property_keys(State(state): St, Path(id): Path<String>) -> Response {
    let store = lock(&state.store);
    match store.find(&id) {
        Some(r) => {
            let keys: Vec<Value> = r
                .properties
                .keys()
                .map(|k| json!({"key": k, "self": format!("{}/rest/api/3/issue/{}/properties/{k}", store.base, r.id)}))
                .collect();
            json_response(StatusCode::OK, json!({"keys": keys}))
        }
        None => JiraError::issue_not_found().into_response(),
    }
}

/// `GET /issue/{id}/remotelink`: the issue's remote links, a list of `RemoteIssueLink`
/// objects; with `globalId`, the one link with that global id (404 without). (The OpenAPI
/// description's 200 schema is the single object; its text and example give the list.)
async fn remote_links(
    State(state): St,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let global_id = QueryPairs::parse(raw.as_deref())
        .all("globalId")
        .next()
        .map(str::to_string);
    let store = lock(&state.store);
    let Some(record) = store.find(&id) else {
        return JiraError::issue_not_found().into_response();
    };
    let links: Vec<Value> = record
        .remote_links
        .iter()
        .enumerate()
        .map(|(n, (title, url))| {
            let link_id = record.id * 1000 + n as u64;
            json!({
                "id": link_id,
                "self": format!("{}/rest/api/3/issue/{}/remotelink/{link_id}", store.base, record.id),
                "globalId": format!("system={url}"),
                "object": {"url": url, "title": title},
            })
        })
        .collect();
    match global_id {
        None => json_response(StatusCode::OK, Value::Array(links)),
        Some(global_id) => match links
            .into_iter()
            .find(|l| l["globalId"] == global_id.as_str())
        {
            Some(link) => json_response(StatusCode::OK, link),
            None => JiraError::message(404, "No remote link with this global id.").into_response(),
        },
    }
}

async fn get_property(State(state): St, Path((id, property)): Path<(String, String)>) -> Response {
    let store = lock(&state.store);
    let Some(record) = store.find(&id) else {
        return JiraError::issue_not_found().into_response();
    };
    match record.properties.get(&property) {
        Some(v) => json_response(StatusCode::OK, json!({"key": property, "value": v})),
        None => JiraError::message(
            404,
            format!("The property with key '{property}' does not exist."),
        )
        .into_response(),
    }
}

async fn set_property(
    State(state): St,
    Path((id, property)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return JiraError::message(400, format!("The property value must be valid JSON: {e}"))
                .into_response();
        }
    };
    match lock(&state.store).set_property(&id, &property, value) {
        Ok(created) => {
            state.core.counters.write();
            if created {
                StatusCode::CREATED.into_response()
            } else {
                StatusCode::OK.into_response()
            }
        }
        Err(e) => e.into_response(),
    }
}

async fn myself(State(state): St) -> Response {
    let base = lock(&state.store).base.clone();
    let mut user = user_json(&base, 0);
    if let Some(o) = user.as_object_mut() {
        o.insert("locale".into(), json!("en_US"));
        o.insert("groups".into(), json!({"size": 1, "items": []}));
        o.insert("applicationRoles".into(), json!({"size": 1, "items": []}));
        o.insert("expand".into(), json!("groups,applicationRoles"));
    }
    json_response(StatusCode::OK, user)
}

/// `GET /rest/api/3/mypermissions?permissions=A,B`: the sandbox user has every permission.
async fn my_permissions(RawQuery(raw): RawQuery) -> Response {
    let q = QueryPairs::parse(raw.as_deref());
    let mut permissions = Map::new();
    for name in q.get("permissions").unwrap_or_default().split(',') {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        permissions.insert(
            name.to_string(),
            json!({"key": name, "name": name, "type": "PROJECT", "havePermission": true}),
        );
    }
    json_response(StatusCode::OK, json!({ "permissions": permissions }))
}

async fn priorities(State(state): St) -> Response {
    let base = lock(&state.store).base.clone();
    json_response(
        StatusCode::OK,
        Value::Array(
            (0..PRIORITIES.len())
                .map(|i| priority_json(&base, i))
                .collect(),
        ),
    )
}

/// Direct access to the Jira sandbox's state, for tests and benchmarks.
#[derive(Clone)]
pub struct JiraHandle {
    pub(crate) state: Arc<JiraState>,
    routes: Arc<[Route]>,
}

impl JiraHandle {
    /// The routes this simulator serves (REST v3 and v2).
    pub fn routes(&self) -> Vec<Route> {
        self.routes.to_vec()
    }
    /// The issue as `GET /rest/api/3/issue/{key}` returns it (all fields) plus all
    /// `properties`; `None` when it does not exist.
    pub fn issue(&self, id_or_key: &str) -> Option<Value> {
        let store = lock(&self.state.store);
        let record = store.find(id_or_key)?;
        let properties: Vec<String> = record.properties.keys().cloned().collect();
        Some(store.render(record, &FieldSelection::parse([], true), &properties))
    }
    /// The issue's status name.
    pub fn status(&self, id_or_key: &str) -> Option<String> {
        let store = lock(&self.state.store);
        let record = store.find(id_or_key)?;
        let name = reference_name("status", record.fields.get("status"));
        (!name.is_empty()).then(|| name.to_string())
    }
    /// Number of issues (all projects).
    pub fn issue_count(&self) -> usize {
        lock(&self.state.store).len()
    }
    /// Simulates a human edit: `change` gets the issue's `fields` (wire shape, e.g. `summary`,
    /// `labels`, ADF `description`), then `updated` is bumped. False when the issue is unknown.
    pub fn edit(&self, id_or_key: &str, change: impl FnOnce(&mut Map<String, Value>)) -> bool {
        let mut store = lock(&self.state.store);
        let Some(id) = store.find(id_or_key).map(|r| r.id) else {
            return false;
        };
        let base = store.base.clone();
        store
            .touch(id, |r| {
                let mut wire = expand_all(&base, &r.fields);
                change(&mut wire);
                r.fields = compact_all(wire);
            })
            .is_some()
    }
    /// Adds a remote link (a person or an integration linking a GitHub issue, say); false when
    /// the issue is unknown. Remote links do not change `updated`, as in Jira.
    pub fn add_remote_link(&self, id_or_key: &str, title: &str, url: &str) -> bool {
        let mut store = lock(&self.state.store);
        let Some(id) = store.find(id_or_key).map(|r| r.id) else {
            return false;
        };
        store.add_remote_link(id, title, url);
        true
    }
    /// Sets an issue's `updated` instant directly (test setup); false when unknown.
    pub fn set_updated(&self, id_or_key: &str, at: DateTime<Utc>) -> bool {
        lock(&self.state.store).set_updated(id_or_key, at)
    }
    pub fn stats(&self) -> RequestStats {
        self.state.core.counters.snapshot()
    }
    pub fn reset_stats(&self) {
        self.state.core.counters.reset();
    }
    pub fn fault_plan(&self) -> FaultPlan {
        self.state.core.fault_plan()
    }
    pub fn set_fault_plan(&self, plan: FaultPlan) {
        self.state.core.set_fault_plan(plan);
    }
}

impl crate::Simulator for JiraHandle {
    const NAME: &'static str = "Jira";
    fn build(base_url: &str, options: &crate::SandboxOptions) -> (Self, axum::Router) {
        let core = Arc::new(PlatformCore::for_options(crate::Platform::Jira, options));
        let state = Arc::new(JiraState {
            core: core.clone(),
            store: std::sync::Mutex::new(crate::jira::store::JiraStore::new(
                base_url.to_string(),
                options.seed,
            )),
        });
        let (router, routes) = crate::jira::router(state.clone());
        let app = core.guard(router);
        (
            JiraHandle {
                state,
                routes: routes.into(),
            },
            app,
        )
    }
}
