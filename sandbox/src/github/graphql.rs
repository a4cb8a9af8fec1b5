//! GitHub GraphQL (`POST /graphql`): every operation is parsed and validated against
//! `schema.graphql` (the part of GitHub's public schema the sandbox serves, field for field),
//! then executed by its selection set (see [`graphql_nodes`](super::graphql_nodes) for the
//! objects). Answers and errors come in GitHub's `{data, errors}` envelope, HTTP 200:
//! validation errors carry `extensions.code` (`undefinedField`, `argumentNotAccepted`, ...),
//! field errors a `type` (`NOT_FOUND`, `EXCESSIVE_PAGINATION`, `UNPROCESSABLE`, ...).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use apollo_compiler::Schema;
use apollo_compiler::executable::OperationType;
use apollo_compiler::validation::Valid;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::github::graphql_nodes::{Context, MutationRoot, QueryRoot};
use crate::github::rest::GitHubState;
use crate::graphql::engine::{
    self, Executed, FieldFailure, GraphqlBody, Location, Problem, Refusal,
};
use crate::graphql::node::Object;
use crate::platform::{json_response, lock};

/// The sandbox's GitHub GraphQL schema (SDL).
pub const SCHEMA_SDL: &str = include_str!("schema.graphql");

pub(crate) fn schema() -> &'static Valid<Schema> {
    static SCHEMA: OnceLock<Valid<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(|| engine::load_schema(SCHEMA_SDL, "github/schema.graphql"))
}

fn locations(locations: &[Location]) -> Value {
    locations
        .iter()
        .map(|l| json!({"line": l.line, "column": l.column}))
        .collect()
}

/// `"a" ... "b" ... "c"` → the quoted parts.
fn quoted(message: &str) -> Vec<&str> {
    message.split('"').skip(1).step_by(2).collect()
}

/// A validation problem in GitHub's words (graphql-ruby's).
fn validation_error(problem: &Problem) -> Value {
    let q = quoted(&problem.message);
    let (message, extensions) = match (problem.rule, q.as_slice()) {
        (Some("UndefinedField"), [field, on, ..]) => (
            format!("Field '{field}' doesn't exist on type '{on}'"),
            json!({"code": "undefinedField", "typeName": on, "fieldName": field}),
        ),
        (Some("UndefinedArgument"), [argument, coordinate, ..]) => {
            let field = coordinate.rsplit('.').next().unwrap_or(coordinate);
            (
                format!("Field '{field}' doesn't accept argument '{argument}'"),
                json!({"code": "argumentNotAccepted", "name": field, "typeName": "Field", "argumentName": argument}),
            )
        }
        (Some("RequiredArgument"), [field, argument, ..]) => (
            format!("Field '{field}' is missing required arguments: {argument}"),
            json!({"code": "missingRequiredArguments", "className": "Field", "name": field, "arguments": argument}),
        ),
        (Some("UndefinedInputValue"), [value, definition, ..]) => (
            format!("InputObject '{definition}' doesn't accept argument '{value}'"),
            json!({"code": "argumentNotAccepted", "name": definition, "typeName": "InputObject", "argumentName": value}),
        ),
        (Some("UndefinedDefinition"), [name, ..]) => (
            format!("{name} isn't a defined input type"),
            json!({"code": "variableRequiresValidType", "typeName": name}),
        ),
        _ => (problem.message.clone(), Value::Null),
    };
    let mut error = json!({"message": message, "locations": locations(&problem.locations)});
    if !extensions.is_null() {
        error["extensions"] = extensions;
    }
    error
}

fn field_error(failure: &FieldFailure) -> Value {
    json!({
        "type": failure.kind,
        "path": failure.path,
        "locations": locations(&failure.locations),
        "message": failure.message,
    })
}

fn refused(refusal: Refusal) -> Response {
    let errors: Vec<Value> = match refusal {
        Refusal::Syntax {
            message,
            locations: at,
        } => {
            let at_text = at
                .first()
                .map_or(String::new(), |l| format!(" at [{}, {}]", l.line, l.column));
            vec![
                json!({"message": format!("Parse error: {message}{at_text}"), "locations": locations(&at)}),
            ]
        }
        Refusal::Invalid(problems) => problems.iter().map(validation_error).collect(),
        Refusal::Request {
            message,
            locations: at,
        } => {
            vec![json!({"message": message, "locations": locations(&at)})]
        }
    };
    json_response(StatusCode::OK, json!({"errors": errors}))
}

/// Executes on the store; `Ok((executed, wrote))`.
fn run(state: &GitHubState, body: &GraphqlBody) -> Result<(Executed, bool), Refusal> {
    let schema = schema();
    let prepared = engine::prepare(schema, body)?;
    for field in &prepared.root_fields {
        state.core.counters.route(format!("POST /graphql {field}"));
    }
    let mut store = lock(&state.store);
    let context = Context {
        store: RefCell::new(&mut store),
        wrote: Cell::new(false),
        budget: state.core.graphql_budget(),
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

pub(crate) async fn handle(State(state): State<Arc<GitHubState>>, body: Bytes) -> Response {
    let body: GraphqlBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(_) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                json!({"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/graphql"}),
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
