//! Linear GraphQL simulator (`POST /graphql`, team `ENG`). Every operation is parsed and
//! validated against `schema.graphql` (the part of Linear's public schema the sandbox serves,
//! field for field) and executed by its selection set; see [`nodes`](super::nodes).
//!
//! Root fields: `issues(filter, first, after, orderBy, includeArchived)` (newest first by
//! `createdAt`, or by `updatedAt`; `first` defaults to 50, at most 250), `issue(id)` (UUID or
//! identifier `ENG-7`), `workflowStates`, `issueLabels`, `users`, `teams`, `team(id)`,
//! `projects`, `cycles`, `viewer`, `organization`; mutations `issueCreate(input)` and
//! `issueUpdate(id, input)` → `IssuePayload {success lastSyncId issue}`. Filters are
//! evaluated as described in [`filter`](super::filter).
//!
//! Errors use Linear's shape: a document that does not fit the schema is HTTP 400 with
//! `extensions.code = "GRAPHQL_VALIDATION_FAILED"` (bad syntax: `GRAPHQL_PARSE_FAILED`); a
//! field error is `{"message", "path", "locations", "extensions": {"code", "type",
//! "userPresentableMessage"}}` next to the partial `data`; an unknown id is
//! `"Entity not found"`. Rate limiting answers HTTP 400 with `extensions.code =
//! "RATELIMITED"` (see `platform`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};

use apollo_compiler::Schema;
use apollo_compiler::executable::OperationType;
use apollo_compiler::validation::Valid;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::accounting::RequestStats;
use crate::faults::FaultPlan;
use crate::graphql::engine::{self, Executed, FieldFailure, GraphqlBody, Location, Refusal};
use crate::graphql::node::Object;
use crate::linear::nodes::{Context, MutationRoot, QueryRoot};
use crate::linear::store::{LABELS, LinearIssue, LinearStore, STATES, label_id, state_id, team_id};
use crate::platform::{PlatformCore, json_response, lock};

/// The sandbox's Linear GraphQL schema (SDL).
pub const SCHEMA_SDL: &str = include_str!("schema.graphql");

pub(crate) fn schema() -> &'static Valid<Schema> {
    static SCHEMA: OnceLock<Valid<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(|| engine::load_schema(SCHEMA_SDL, "linear/schema.graphql"))
}

pub(crate) struct LinearState {
    pub(crate) core: Arc<PlatformCore>,
    pub(crate) store: Mutex<LinearStore>,
}

pub(crate) fn router(state: Arc<LinearState>) -> Router {
    Router::new()
        .route("/graphql", axum::routing::post(handle))
        .with_state(state)
}

fn locations(locations: &[Location]) -> Value {
    locations
        .iter()
        .map(|l| json!({"line": l.line, "column": l.column}))
        .collect()
}

fn field_error(failure: &FieldFailure) -> Value {
    let (message, code, kind) = match failure.kind.as_str() {
        "ENTITY_NOT_FOUND" => (
            "Entity not found".to_string(),
            "INVALID_INPUT",
            "invalid input",
        ),
        "INVALID_INPUT" => (
            "Argument Validation Error".to_string(),
            "INVALID_INPUT",
            "invalid input",
        ),
        _ => (
            failure.message.clone(),
            "INTERNAL_SERVER_ERROR",
            "internal error",
        ),
    };
    json!({
        "message": message,
        "path": failure.path,
        "locations": locations(&failure.locations),
        "extensions": {"code": code, "type": kind, "userPresentableMessage": failure.message},
    })
}

fn refused(refusal: Refusal) -> Response {
    let (code, errors): (&str, Vec<Value>) = match refusal {
        Refusal::Syntax {
            message,
            locations: at,
        } => (
            "GRAPHQL_PARSE_FAILED",
            vec![
                json!({"message": format!("Syntax Error: {message}"), "locations": locations(&at)}),
            ],
        ),
        Refusal::Invalid(problems) => (
            "GRAPHQL_VALIDATION_FAILED",
            problems
                .iter()
                .map(|p| json!({"message": p.message, "locations": locations(&p.locations)}))
                .collect(),
        ),
        Refusal::Request {
            message,
            locations: at,
        } => (
            "BAD_USER_INPUT",
            vec![json!({"message": message, "locations": locations(&at)})],
        ),
    };
    let errors: Vec<Value> = errors
        .into_iter()
        .map(|mut e| {
            let message = e["message"].as_str().unwrap_or_default().to_string();
            e["extensions"] =
                json!({"code": code, "type": "graphql error", "userPresentableMessage": message});
            e
        })
        .collect();
    json_response(StatusCode::BAD_REQUEST, json!({"errors": errors}))
}

fn run(state: &LinearState, body: &GraphqlBody) -> Result<(Executed, bool), Refusal> {
    let schema = schema();
    let prepared = engine::prepare(schema, body)?;
    let mut seen = std::collections::HashSet::new();
    for field in &prepared.root_fields {
        if seen.insert(field.clone()) {
            state.core.counters.route(format!("POST /graphql {field}"));
        }
    }
    let mut store = lock(&state.store);
    let context = Context {
        store: RefCell::new(&mut store),
        wrote: Cell::new(false),
    };
    let executed = match prepared.kind {
        OperationType::Mutation => engine::execute(
            schema,
            &prepared,
            &Object(Rc::new(MutationRoot { cx: &context })),
        )?,
        _ => engine::execute(
            schema,
            &prepared,
            &Object(Rc::new(QueryRoot { cx: &context })),
        )?,
    };
    let wrote = context.wrote.get();
    Ok((executed, wrote))
}

async fn handle(State(state): State<Arc<LinearState>>, body: Bytes) -> Response {
    let body: GraphqlBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                json!({"errors": [{"message": format!("The request body is not a GraphQL request: {e}"), "extensions": {"code": "GRAPHQL_PARSE_FAILED", "type": "graphql error"}}]}),
            );
        }
    };
    let (executed, wrote) = match run(&state, &body) {
        Ok(done) => done,
        Err(refusal) => return refused(refusal),
    };
    if wrote {
        state.core.counters.write();
    }
    let mut envelope = Map::new();
    envelope.insert(
        "data".into(),
        executed.data.map_or(Value::Null, Value::Object),
    );
    if !executed.failures.is_empty() {
        envelope.insert(
            "errors".into(),
            executed.failures.iter().map(field_error).collect(),
        );
    }
    json_response(StatusCode::OK, Value::Object(envelope))
}

/// Direct access to the Linear sandbox's state, for tests and benchmarks.
#[derive(Clone)]
pub struct LinearHandle {
    pub(crate) state: Arc<LinearState>,
}

impl LinearHandle {
    /// By UUID or identifier (`ENG-7`).
    pub fn issue(&self, id: &str) -> Option<LinearIssue> {
        lock(&self.state.store).find(id).cloned()
    }
    /// The issue as the GraphQL API returns it (all fields).
    pub fn issue_json(&self, id: &str) -> Option<Value> {
        let store = lock(&self.state.store);
        store.find(id).map(|i| store.issue_json(i))
    }
    pub fn issue_count(&self) -> usize {
        lock(&self.state.store).issues.len()
    }
    /// The name of an issue's workflow state.
    pub fn state_name(&self, id: &str) -> Option<String> {
        let issue = self.issue(id)?;
        (0..STATES.len())
            .find(|&i| state_id(i) == issue.state_id)
            .map(|i| STATES[i].0.to_string())
    }
    /// The id of the team's workflow state with this name (`"Done"`).
    pub fn state_id(&self, name: &str) -> Option<String> {
        STATES.iter().position(|s| s.0 == name).map(state_id)
    }
    pub fn team_id(&self) -> String {
        team_id()
    }
    /// The id of the workspace label with this name (case-insensitive).
    pub fn label_id(&self, name: &str) -> Option<String> {
        LABELS
            .iter()
            .position(|l| l.0.eq_ignore_ascii_case(name))
            .map(label_id)
    }
    /// The names of an issue's labels, in the issue's order.
    pub fn label_names(&self, id: &str) -> Option<Vec<String>> {
        let issue = self.issue(id)?;
        Some(
            issue
                .label_ids
                .iter()
                .filter_map(|l| (0..LABELS.len()).find(|&i| &label_id(i) == l))
                .map(|i| LABELS[i].0.to_string())
                .collect(),
        )
    }
    /// Simulates a human edit (bumps `updatedAt`); false when unknown.
    pub fn edit(&self, id: &str, change: impl FnOnce(&mut LinearIssue)) -> bool {
        let mut store = lock(&self.state.store);
        let Some(number) = store.find(id).map(|i| i.number) else {
            return false;
        };
        store.touch(number, change).is_some()
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

impl crate::Simulator for LinearHandle {
    const NAME: &'static str = "Linear";
    fn build(base_url: &str, options: &crate::SandboxOptions) -> (Self, axum::Router) {
        let core = Arc::new(PlatformCore::for_options(crate::Platform::Linear, options));
        let state = Arc::new(LinearState {
            core: core.clone(),
            store: std::sync::Mutex::new(crate::linear::store::LinearStore::new(
                base_url.to_string(),
                options.seed,
            )),
        });
        let app = core.guard(crate::linear::router(state.clone()));
        (LinearHandle { state }, app)
    }
}
