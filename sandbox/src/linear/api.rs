//! Linear GraphQL simulator (`POST /graphql`, team `ENG`).
//!
//! Root fields: `issues(filter, first, after, orderBy, includeArchived)` → `IssueConnection`
//! (`nodes`, `edges` if selected, `pageInfo {hasNextPage endCursor hasPreviousPage
//! startCursor}`), `issue(id)` (UUID or identifier `ENG-7`), `workflowStates`, `issueLabels`,
//! `users`, `teams`, `team(id)`, `viewer`; mutations `issueCreate(input)` and
//! `issueUpdate(id, input)` → `IssuePayload {success lastSyncId issue}`.
//!
//! `issues` ordering: `orderBy: updatedAt` or `createdAt` (default), newest first, as Linear
//! returns them; `first` defaults to 50 (at most 250). Supported `IssueFilter` keys:
//! `updatedAt`/`createdAt` {`gte`,`gt`,`lte`,`lt`,`eq`}, `team` {`key`|`id` {`eq`}}, `state`
//! {`type`|`name` {`eq`,`in`,`nin`}}, `id` {`eq`,`in`}, `number` {`eq`}, `labels`
//! {`some`|`every`|`none` {`name`|`id` {`eq`,`neq`,`in`,`nin`}}}, and `and`/`or` lists of
//! such filters; other keys are rejected with an `INVALID_INPUT` error naming them. Input
//! fields of `issueCreate`: `teamId` (required), `title` (required), `id` (optional, the
//! client-chosen UUID the issue gets; refused when malformed or taken), `description`,
//! `priority` (0..4), `stateId`, `labelIds`, `assigneeId`, `dueDate` (`yyyy-MM-dd`),
//! `estimate`; `issueUpdate` takes the same (no `teamId`, no `id`) plus
//! `addedLabelIds`/`removedLabelIds`.
//!
//! Arguments may be literals or variables at any depth; selection sets and aliases are
//! honoured. Errors use Linear's shape: `{"errors": [{"message", "path", "extensions":
//! {"code", "type", "userPresentableMessage"}}], "data": ...}`; rate limiting answers HTTP 400
//! with `extensions.code = "RATELIMITED"` (see `platform`).

use std::collections::HashSet;
use std::ops::Bound;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use crate::accounting::RequestStats;
use crate::faults::FaultPlan;
use crate::graphql_request::{GraphqlBody, OperationKind, Selection, parse_operation, project};
use crate::linear::store::{
    LABELS, LinearIssue, LinearStore, STATES, TEAM_KEY, label_id, state_id, team_id, user_id,
};
use crate::platform::{PlatformCore, json_response, lock};
use crate::seed::PEOPLE;

pub(crate) struct LinearState {
    pub(crate) core: Arc<PlatformCore>,
    pub(crate) store: Mutex<LinearStore>,
}

pub(crate) fn router(state: Arc<LinearState>) -> Router {
    Router::new()
        .route("/graphql", axum::routing::post(handle))
        .with_state(state)
}

const MAX_FIRST: i64 = 250;

fn invalid_input(path: &str, message: String) -> Value {
    json!({
        "message": "Argument Validation Error",
        "path": [path],
        "locations": [{"line": 1, "column": 1}],
        "extensions": {"code": "INVALID_INPUT", "type": "invalid input", "userPresentableMessage": message, "statusCode": 400}
    })
}

fn not_found(path: &str, entity: &str) -> Value {
    json!({
        "message": "Entity not found",
        "path": [path],
        "locations": [{"line": 1, "column": 1}],
        "extensions": {"code": "INVALID_INPUT", "type": "invalid input", "userPresentableMessage": format!("Could not find referenced {entity}.")}
    })
}

fn page_info(
    has_next: bool,
    start: Option<String>,
    end: Option<String>,
    has_previous: bool,
) -> Value {
    json!({"hasNextPage": has_next, "hasPreviousPage": has_previous, "startCursor": start, "endCursor": end})
}

fn simple_connection(nodes: Vec<Value>) -> Value {
    let start = nodes.first().and_then(|n| n.get("id")).cloned();
    let end = nodes.last().and_then(|n| n.get("id")).cloned();
    json!({"nodes": nodes, "pageInfo": {"hasNextPage": false, "hasPreviousPage": false, "startCursor": start, "endCursor": end}})
}

fn cursor(primary: i64, number: u64) -> String {
    hex::encode(format!("{primary}:{number}"))
}

fn decode_cursor(c: &str) -> Option<(i64, u64)> {
    let text = String::from_utf8(hex::decode(c).ok()?).ok()?;
    let (a, b) = text.split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// One comparator object (`{gte: ..., lt: ...}`) applied to an instant.
fn date_matches(
    filter: &Map<String, Value>,
    at: DateTime<Utc>,
    field: &str,
) -> Result<bool, String> {
    for (op, v) in filter {
        let bound = v
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|d| d.with_timezone(&Utc))
            .ok_or_else(|| format!("{field}.{op} must be an ISO 8601 date-time, got {v}"))?;
        let ok = match op.as_str() {
            "gte" => at >= bound,
            "gt" => at > bound,
            "lte" => at <= bound,
            "lt" => at < bound,
            "eq" => at == bound,
            other => {
                return Err(format!(
                    "the sandbox does not support the comparator `{field}.{other}`"
                ));
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn string_matches(filter: &Map<String, Value>, value: &str, field: &str) -> Result<bool, String> {
    for (op, v) in filter {
        let list = || {
            v.as_array().map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .any(|x| x.eq_ignore_ascii_case(value))
            })
        };
        let ok = match op.as_str() {
            "eq" => v.as_str().is_some_and(|x| x.eq_ignore_ascii_case(value)),
            "neq" => !v.as_str().is_some_and(|x| x.eq_ignore_ascii_case(value)),
            "in" => list().ok_or_else(|| format!("{field}.in must be a list"))?,
            "nin" => !list().ok_or_else(|| format!("{field}.nin must be a list"))?,
            other => {
                return Err(format!(
                    "the sandbox does not support the comparator `{field}.{other}`"
                ));
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn object<'a>(v: &'a Value, field: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| format!("`{field}` must be an object"))
}

/// One `IssueLabelFilter` (`{name: {...}, id: {...}}`) applied to the label `index`.
fn label_matches(index: usize, filter: &Map<String, Value>) -> Result<bool, String> {
    for (key, cmp) in filter {
        let ok = match key.as_str() {
            "name" => string_matches(object(cmp, "labels.name")?, LABELS[index].0, "labels.name")?,
            "id" => string_matches(object(cmp, "labels.id")?, &label_id(index), "labels.id")?,
            other => {
                return Err(format!(
                    "the sandbox does not support the label filter `{other}`"
                ));
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// An `IssueLabelCollectionFilter` (`{some|every|none: IssueLabelFilter}`) applied to an
/// issue's labels.
fn labels_match(issue: &LinearIssue, filter: &Map<String, Value>) -> Result<bool, String> {
    let labels: Vec<usize> = issue
        .label_ids
        .iter()
        .filter_map(|id| (0..LABELS.len()).find(|&i| &label_id(i) == id))
        .collect();
    for (key, cmp) in filter {
        let label_filter = object(cmp, &format!("labels.{key}"))?;
        let mut each = labels.iter().map(|&i| label_matches(i, label_filter));
        let ok = match key.as_str() {
            "some" => each.try_fold(false, |any, hit| hit.map(|h| any || h))?,
            "every" => each.try_fold(true, |all, hit| hit.map(|h| all && h))?,
            "none" => !each.try_fold(false, |any, hit| hit.map(|h| any || h))?,
            other => {
                return Err(format!(
                    "the sandbox does not support the issue filter `labels.{other}`"
                ));
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The filters of an `and`/`or` list.
fn filter_list<'a>(v: &'a Value, field: &str) -> Result<Vec<&'a Map<String, Value>>, String> {
    v.as_array()
        .ok_or_else(|| format!("`{field}` must be a list of issue filters"))?
        .iter()
        .map(|f| object(f, field))
        .collect()
}

fn issue_matches(
    store: &LinearStore,
    issue: &LinearIssue,
    filter: &Map<String, Value>,
) -> Result<bool, String> {
    for (key, v) in filter {
        let ok = match key.as_str() {
            "labels" => labels_match(issue, object(v, key)?)?,
            "and" => {
                let mut all = true;
                for f in filter_list(v, key)? {
                    all &= issue_matches(store, issue, f)?;
                }
                all
            }
            "or" => {
                let mut any = false;
                for f in filter_list(v, key)? {
                    any |= issue_matches(store, issue, f)?;
                }
                any
            }
            "updatedAt" => date_matches(object(v, key)?, issue.updated_at, key)?,
            "createdAt" => date_matches(object(v, key)?, issue.created_at, key)?,
            "team" => {
                let mut ok = true;
                for (k, cmp) in object(v, key)? {
                    ok &= match k.as_str() {
                        "key" => string_matches(object(cmp, "team.key")?, TEAM_KEY, "team.key")?,
                        "id" => string_matches(object(cmp, "team.id")?, &team_id(), "team.id")?,
                        other => {
                            return Err(format!(
                                "the sandbox does not support the issue filter `team.{other}`"
                            ));
                        }
                    };
                }
                ok
            }
            "state" => {
                let state = (0..STATES.len())
                    .find(|&i| state_id(i) == issue.state_id)
                    .unwrap_or(1);
                let mut ok = true;
                for (k, cmp) in object(v, key)? {
                    ok &= match k.as_str() {
                        "type" => string_matches(
                            object(cmp, "state.type")?,
                            STATES[state].1,
                            "state.type",
                        )?,
                        "name" => string_matches(
                            object(cmp, "state.name")?,
                            STATES[state].0,
                            "state.name",
                        )?,
                        "id" => {
                            string_matches(object(cmp, "state.id")?, &issue.state_id, "state.id")?
                        }
                        other => {
                            return Err(format!(
                                "the sandbox does not support the issue filter `state.{other}`"
                            ));
                        }
                    };
                }
                ok
            }
            "id" => string_matches(object(v, key)?, &issue.id, key)?,
            "number" => {
                let eq = object(v, key)?.get("eq").and_then(Value::as_u64);
                eq.is_none_or(|n| n == issue.number)
            }
            other => {
                return Err(format!(
                    "the sandbox does not support the issue filter `{other}`"
                ));
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    let _ = store;
    Ok(true)
}

fn issues_connection(store: &LinearStore, field: &Selection) -> Result<Value, String> {
    let args = &field.arguments;
    let first = match args.get("first") {
        None | Some(Value::Null) => 50,
        Some(v) => v
            .as_i64()
            .filter(|n| *n >= 0)
            .ok_or_else(|| format!("`first` must be a non-negative Int, got {v}"))?
            .min(MAX_FIRST),
    } as usize;
    let by_updated = match args.get("orderBy").and_then(Value::as_str) {
        None | Some("createdAt") => false,
        Some("updatedAt") => true,
        Some(other) => {
            return Err(format!(
                "orderBy must be createdAt or updatedAt, got {other}"
            ));
        }
    };
    let empty = Map::new();
    let filter = match args.get("filter") {
        None | Some(Value::Null) => &empty,
        Some(v) => object(v, "filter")?,
    };
    let after = match args.get("after") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => {
            Some(decode_cursor(c).ok_or_else(|| format!("Invalid cursor: {c}"))?)
        }
        Some(other) => return Err(format!("Invalid cursor: {other}")),
    };
    // Lower bound of updatedAt lets the updated-index range skip older issues.
    let lower = filter
        .get("updatedAt")
        .and_then(|u| u.get("gte").or_else(|| u.get("gt")))
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.timestamp_millis());
    let mut nodes = Vec::new();
    let mut cursors = Vec::new();
    let mut has_next = false;
    let mut consider = |issue: &LinearIssue, primary: i64| -> Result<bool, String> {
        if !issue_matches(store, issue, filter)? {
            return Ok(true);
        }
        if nodes.len() == first {
            has_next = true;
            return Ok(false);
        }
        nodes.push(store.issue_json(issue));
        cursors.push(cursor(primary, issue.number));
        Ok(true)
    };
    if by_updated {
        let end = after.map_or(Bound::Unbounded, |(ms, n)| Bound::Excluded((ms, n)));
        for &(ms, number) in store.by_updated.range((Bound::Unbounded, end)).rev() {
            if lower.is_some_and(|l| ms < l) {
                break;
            }
            let Some(issue) = store.issues.get(&number) else {
                continue;
            };
            if !consider(issue, ms)? {
                break;
            }
        }
    } else {
        let end = after.map_or(Bound::Unbounded, |(_, n)| Bound::Excluded(n));
        for (_, issue) in store.issues.range((Bound::Unbounded, end)).rev() {
            if !consider(issue, issue.number as i64)? {
                break;
            }
        }
    }
    let mut conn = json!({
        "pageInfo": page_info(has_next, cursors.first().cloned(), cursors.last().cloned(), after.is_some()),
        "nodes": nodes,
    });
    if field.child("edges").is_some() {
        let edges: Vec<Value> = conn["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .zip(cursors)
            .map(|(node, c)| json!({"node": node, "cursor": c}))
            .collect();
        conn["edges"] = Value::Array(edges);
    }
    Ok(conn)
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hexadecimal.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Validated issue input; nothing is applied unless all of it is valid.
fn apply_input(
    input: &Map<String, Value>,
    issue: &mut LinearIssue,
    creating: bool,
) -> Result<(), String> {
    let mut next = issue.clone();
    for (key, v) in input {
        match key.as_str() {
            "teamId" if creating => {
                if v.as_str() != Some(team_id().as_str()) {
                    return Err(format!("teamId {v} is not a team of this workspace"));
                }
            }
            "id" if creating => {
                // Checked against existing issues by the caller, which has the store.
                next.id = v
                    .as_str()
                    .filter(|id| is_uuid(id))
                    .ok_or_else(|| format!("id must be a UUID (in UUID v4 format), got {v}"))?
                    .to_ascii_lowercase();
            }
            "title" => {
                next.title = v
                    .as_str()
                    .filter(|t| !t.trim().is_empty())
                    .ok_or("title must be a non-empty string")?
                    .to_string();
            }
            "description" => {
                next.description = match v {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    _ => return Err("description must be a string".into()),
                };
            }
            "priority" => {
                next.priority =
                    v.as_u64().filter(|p| *p <= 4).ok_or_else(|| {
                        format!("priority must be an integer from 0 to 4, got {v}")
                    })? as u8;
            }
            "stateId" => {
                let id = v.as_str().unwrap_or_default();
                if !(0..STATES.len()).any(|i| state_id(i) == id) {
                    return Err(format!(
                        "stateId {v} is not a workflow state of team {TEAM_KEY}"
                    ));
                }
                next.state_id = id.to_string();
            }
            "labelIds" | "addedLabelIds" | "removedLabelIds" => {
                let ids: Vec<String> = v
                    .as_array()
                    .ok_or_else(|| format!("{key} must be a list"))?
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                if let Some(bad) = ids
                    .iter()
                    .find(|id| !(0..LABELS.len()).any(|i| &&label_id(i) == id))
                {
                    return Err(format!("{key} contains an unknown label id {bad}"));
                }
                match key.as_str() {
                    "labelIds" => next.label_ids = ids,
                    "addedLabelIds" => next
                        .label_ids
                        .extend(ids.into_iter().filter(|id| !issue.label_ids.contains(id))),
                    _ => next.label_ids.retain(|id| !ids.contains(id)),
                }
            }
            "assigneeId" => {
                next.assignee_id = match v {
                    Value::Null => None,
                    Value::String(id) if (0..PEOPLE.len()).any(|i| &user_id(i) == id) => {
                        Some(id.clone())
                    }
                    _ => return Err(format!("assigneeId {v} is not a user of this workspace")),
                };
            }
            "dueDate" => {
                next.due_date = match v {
                    Value::Null => None,
                    Value::String(s) => Some(
                        NaiveDate::parse_from_str(s, "%Y-%m-%d")
                            .map_err(|_| format!("dueDate must be yyyy-MM-dd, got {s}"))?,
                    ),
                    _ => return Err("dueDate must be a string".into()),
                };
            }
            "estimate" => {
                next.estimate = match v {
                    Value::Null => None,
                    _ => Some(
                        v.as_f64()
                            .ok_or_else(|| format!("estimate must be a number, got {v}"))?,
                    ),
                };
            }
            "clientMutationId" => {}
            other => {
                return Err(format!(
                    "the sandbox does not support the input field `{other}`"
                ));
            }
        }
    }
    if creating && next.title.trim().is_empty() {
        return Err("title is required".into());
    }
    if next.state_id != issue.state_id {
        let kind = (0..STATES.len())
            .find(|&i| state_id(i) == next.state_id)
            .map(|i| STATES[i].1);
        next.completed_at = (kind == Some("completed")).then(Utc::now);
        next.canceled_at = (kind == Some("canceled")).then(Utc::now);
    }
    *issue = next;
    Ok(())
}

struct Outcome {
    data: Map<String, Value>,
    errors: Vec<Value>,
    wrote: bool,
}

fn resolve(store: &mut LinearStore, field: &Selection, kind: OperationKind, out: &mut Outcome) {
    let key = field.response_key.clone();
    let put = |out: &mut Outcome, v: Value| {
        out.data.insert(key.clone(), project(&v, &field.children));
    };
    let arg_str = |name: &str| {
        field
            .arguments
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    match (kind, field.name.as_str()) {
        (OperationKind::Query, "issues") => match issues_connection(store, field) {
            Ok(v) => put(out, v),
            Err(m) => out.errors.push(invalid_input(&key, m)),
        },
        (OperationKind::Query, "issue") => match store.find(&arg_str("id")) {
            Some(issue) => put(out, store.issue_json(issue)),
            None => out.errors.push(not_found(&key, "Issue")),
        },
        (OperationKind::Query, "workflowStates") => put(
            out,
            simple_connection((0..STATES.len()).map(|i| store.state_json(i)).collect()),
        ),
        (OperationKind::Query, "issueLabels") => put(
            out,
            simple_connection((0..LABELS.len()).map(|i| store.label_json(i)).collect()),
        ),
        (OperationKind::Query, "users") => put(
            out,
            simple_connection((0..PEOPLE.len()).map(|i| store.user_json(i)).collect()),
        ),
        (OperationKind::Query, "teams") => put(out, simple_connection(vec![store.team_json()])),
        (OperationKind::Query, "team") => {
            let id = arg_str("id");
            if id == team_id() || id.eq_ignore_ascii_case(TEAM_KEY) {
                put(out, store.team_json());
            } else {
                out.errors.push(not_found(&key, "Team"));
            }
        }
        (OperationKind::Query, "viewer") => put(out, store.user_json(0)),
        (OperationKind::Mutation, "issueCreate") => {
            let input = field
                .arguments
                .get("input")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if input.get("teamId").is_none() {
                out.errors
                    .push(invalid_input(&key, "teamId is required".into()));
                return;
            }
            let mut issue = LinearIssue {
                id: String::new(),
                number: 0,
                identifier: String::new(),
                title: String::new(),
                description: None,
                priority: 0,
                state_id: state_id(1),
                label_ids: vec![],
                assignee_id: None,
                due_date: None,
                estimate: None,
                created_at: Utc::now(),
                updated_at: Utc::now(),
                completed_at: None,
                canceled_at: None,
            };
            if let Err(m) = apply_input(&input, &mut issue, true) {
                out.errors.push(invalid_input(&key, m));
                return;
            }
            if !issue.id.is_empty() && store.find(&issue.id).is_some() {
                out.errors.push(invalid_input(
                    &key,
                    format!("an issue with id {} already exists", issue.id),
                ));
                return;
            }
            let number = store.create(issue);
            out.wrote = true;
            let issue = store
                .issues
                .get(&number)
                .map_or(Value::Null, |i| store.issue_json(i));
            put(
                out,
                json!({"__typename": "IssuePayload", "success": true, "lastSyncId": store.last_sync_id, "issue": issue}),
            );
        }
        (OperationKind::Mutation, "issueUpdate") => {
            let Some(number) = store.find(&arg_str("id")).map(|i| i.number) else {
                out.errors.push(not_found(&key, "Issue"));
                return;
            };
            let input = field
                .arguments
                .get("input")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let Some(mut candidate) = store.issues.get(&number).cloned() else {
                return;
            };
            if let Err(m) = apply_input(&input, &mut candidate, false) {
                out.errors.push(invalid_input(&key, m));
                return;
            }
            store.touch(number, |issue| {
                let updated_at = issue.updated_at;
                *issue = candidate;
                issue.updated_at = updated_at;
            });
            out.wrote = true;
            let issue = store
                .issues
                .get(&number)
                .map_or(Value::Null, |i| store.issue_json(i));
            put(
                out,
                json!({"__typename": "IssuePayload", "success": true, "lastSyncId": store.last_sync_id, "issue": issue}),
            );
        }
        (_, other) => {
            let on = if kind == OperationKind::Query {
                "Query"
            } else {
                "Mutation"
            };
            out.errors.push(json!({
                "message": format!("Cannot query field \"{other}\" on type \"{on}\"."),
                "locations": [{"line": 1, "column": 1}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED", "type": "graphql error", "userPresentableMessage": format!("Unknown field {other}.")}
            }));
        }
    }
}

async fn handle(State(state): State<Arc<LinearState>>, body: Bytes) -> Response {
    let parse_failed = |message: String| {
        json_response(
            StatusCode::BAD_REQUEST,
            json!({"errors": [{"message": message, "extensions": {"code": "GRAPHQL_PARSE_FAILED", "type": "graphql error"}}]}),
        )
    };
    let body: GraphqlBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return parse_failed(format!("The request body is not a GraphQL request: {e}")),
    };
    let operation = match parse_operation(&body) {
        Ok(op) => op,
        Err(m) => return parse_failed(format!("Syntax Error: {m}")),
    };
    let mut out = Outcome {
        data: Map::new(),
        errors: Vec::new(),
        wrote: false,
    };
    let mut store = lock(&state.store);
    let mut seen = HashSet::new();
    for field in &operation.root_fields {
        if seen.insert(field.name.clone()) {
            state
                .core
                .counters
                .route(format!("POST /graphql {}", field.name));
        }
        resolve(&mut store, field, operation.kind, &mut out);
    }
    if out.wrote {
        state.core.counters.write();
    }
    let validation_failed = out
        .errors
        .iter()
        .any(|e| e["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED");
    if validation_failed {
        return json_response(StatusCode::BAD_REQUEST, json!({"errors": out.errors}));
    }
    let data = if out.data.is_empty() && !out.errors.is_empty() {
        Value::Null
    } else {
        Value::Object(out.data)
    };
    let mut envelope = Map::new();
    envelope.insert("data".into(), data);
    if !out.errors.is_empty() {
        envelope.insert("errors".into(), Value::Array(out.errors));
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
        let core = Arc::new(crate::platform::PlatformCore::new(
            crate::Platform::Linear,
            options.faults.clone(),
            options.token.clone(),
            options.time_scale,
        ));
        let state = Arc::new(LinearState {
            core: core.clone(),
            store: std::sync::Mutex::new(crate::linear::store::LinearStore::new(
                base_url.to_string(),
                options.seed,
            )),
        });
        let app = crate::linear::router(state.clone()).layer(axum::middleware::from_fn_with_state(
            core,
            crate::platform::guard,
        ));
        (LinearHandle { state }, app)
    }
}
