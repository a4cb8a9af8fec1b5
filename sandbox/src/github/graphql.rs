//! GitHub GraphQL (`POST /graphql`) for Projects v2, answering in GitHub's `{data, errors}`
//! envelope. Supported root fields:
//!
//! * `organization(login: "acme") { projectV2(number: 1) { id number title url fields(first:)
//!   { nodes { ... } } items(first:, after:) { pageInfo { hasNextPage endCursor } totalCount
//!   nodes { id type createdAt updatedAt content { ... on Issue { id number title url state
//!   updatedAt } } fieldValues(first:) { nodes { ... } } } } } }`
//! * `node(id:)` for a `ProjectV2Item`, `ProjectV2` or `Issue` id; `viewer { login }`.
//! * mutations `updateProjectV2ItemFieldValue(input: {projectId, itemId, fieldId, value:
//!   {text | number | date | singleSelectOptionId | iterationId}})` → `{clientMutationId,
//!   projectV2Item}`, `clearProjectV2ItemFieldValue(input: {projectId, itemId, fieldId})` →
//!   `{clientMutationId, projectV2Item}`, `addProjectV2ItemById(input: {projectId, contentId})`
//!   → `{clientMutationId, item}`.
//!
//! Arguments may be literals or variables, at any depth (the schema's argument names apply,
//! e.g. `$login`, `$number`, `$first`, `$after`, `$input` are just the client's choice).
//! Selection sets are honoured (aliases too); fragments are flattened without type checks,
//! which is harmless because each object only carries its own type's fields.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::github::project::{
    FieldKind, ORG, PROJECT_ID, PROJECT_NUMBER, ProjectField, ProjectFieldValue, ProjectItem,
};
use crate::github::rest::GitHubState;
use crate::github::store::{GitHubIssue, GitHubStore, OWNER, REPO, iso};
use crate::graphql_request::{GraphqlBody, OperationKind, Selection, parse_operation, project};
use crate::platform::{json_response, lock};

/// A GraphQL error as GitHub reports it.
fn error(kind: &str, path: &[&str], message: String) -> Value {
    json!({"type": kind, "path": path, "locations": [{"line": 1, "column": 1}], "message": message})
}

const MAX_PAGE: i64 = 100;

/// Reads `first`/`after` of a connection field, enforcing GitHub's rules.
fn page_args(
    selection: Option<&Selection>,
    connection: &str,
    required: bool,
) -> Result<(usize, usize), String> {
    let args = selection.map(|s| &s.arguments);
    let first = args.and_then(|a| a.get("first")).and_then(Value::as_i64);
    let first = match first {
        Some(n) if n > MAX_PAGE => {
            return Err(format!(
                "Requesting {n} records on the `{connection}` connection exceeds the `first` limit of 100 records."
            ));
        }
        Some(n) if n < 0 => {
            return Err(format!(
                "`first` on the `{connection}` connection cannot be less than zero."
            ));
        }
        Some(n) => n as usize,
        None if required && selection.is_some() => {
            return Err(format!(
                "You must provide a `first` or `last` value to properly paginate the `{connection}` connection."
            ));
        }
        None => MAX_PAGE as usize,
    };
    let after = match args.and_then(|a| a.get("after")) {
        None | Some(Value::Null) => 0,
        Some(Value::String(c)) => decode_cursor(c)
            .ok_or_else(|| format!("`{c}` does not appear to be a valid cursor."))?,
        Some(other) => return Err(format!("`{other}` does not appear to be a valid cursor.")),
    };
    Ok((first, after))
}

fn cursor(position: usize) -> String {
    hex::encode(format!("cursor:v2:{position}"))
}

fn decode_cursor(c: &str) -> Option<usize> {
    String::from_utf8(hex::decode(c).ok()?)
        .ok()?
        .strip_prefix("cursor:v2:")?
        .parse()
        .ok()
}

fn connection(nodes: Vec<Value>, start: usize, total: usize) -> Value {
    let end = start + nodes.len();
    json!({
        "totalCount": total,
        "pageInfo": {
            "hasNextPage": end < total,
            "hasPreviousPage": start > 0,
            "startCursor": if nodes.is_empty() { Value::Null } else { json!(cursor(start + 1)) },
            "endCursor": if nodes.is_empty() { Value::Null } else { json!(cursor(end)) },
        },
        "nodes": nodes,
    })
}

fn field_json(field: &ProjectField) -> Value {
    let (typename, data_type) = match &field.kind {
        FieldKind::Title => ("ProjectV2Field", "TITLE"),
        FieldKind::Assignees => ("ProjectV2Field", "ASSIGNEES"),
        FieldKind::Text => ("ProjectV2Field", "TEXT"),
        FieldKind::Number => ("ProjectV2Field", "NUMBER"),
        FieldKind::Date => ("ProjectV2Field", "DATE"),
        FieldKind::SingleSelect(_) => ("ProjectV2SingleSelectField", "SINGLE_SELECT"),
        FieldKind::Iteration(_) => ("ProjectV2IterationField", "ITERATION"),
    };
    let mut v =
        json!({"__typename": typename, "id": field.id, "name": field.name, "dataType": data_type});
    let Some(o) = v.as_object_mut() else { return v };
    match &field.kind {
        FieldKind::SingleSelect(options) => {
            let options: Vec<Value> = options
                .iter()
                .map(|x| json!({"id": x.id, "name": x.name, "nameHTML": x.name, "color": x.color, "description": "", "descriptionHTML": ""}))
                .collect();
            o.insert("options".into(), Value::Array(options));
        }
        FieldKind::Iteration(iterations) => {
            let its: Vec<Value> = iterations
                .iter()
                .map(|i| json!({"id": i.id, "title": i.title, "titleHTML": i.title, "startDate": i.start_date.to_string(), "duration": i.duration}))
                .collect();
            o.insert("configuration".into(), json!({"duration": 14, "startDay": 1, "iterations": its, "completedIterations": []}));
        }
        _ => {}
    }
    v
}

fn issue_json(issue: &GitHubIssue) -> Value {
    json!({
        "__typename": if issue.is_pull_request { "PullRequest" } else { "Issue" },
        "id": issue.node_id,
        "databaseId": issue.id,
        "number": issue.number,
        "title": issue.title,
        "body": issue.body.clone().unwrap_or_default(),
        "url": format!("https://github.com/{OWNER}/{REPO}/issues/{}", issue.number),
        "state": issue.state.to_uppercase(),
        "stateReason": issue.state_reason.as_ref().map(|r| r.to_uppercase()),
        "closed": issue.state == "closed",
        "createdAt": iso(issue.created_at),
        "updatedAt": iso(issue.updated_at),
        "closedAt": issue.closed_at.map(iso),
        "repository": {"name": REPO, "nameWithOwner": format!("{OWNER}/{REPO}"), "owner": {"login": OWNER}},
        "labels": {"totalCount": issue.labels.len(), "nodes": issue.labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>()},
        "assignees": {"totalCount": issue.assignees.len(), "nodes": issue.assignees.iter().map(|a| json!({"login": a})).collect::<Vec<_>>()},
    })
}

fn value_json(
    store: &GitHubStore,
    item: &ProjectItem,
    field: &ProjectField,
    issue: Option<&GitHubIssue>,
) -> Option<Value> {
    let common = |typename: &str| json!({"__typename": typename, "id": format!("PVTFV_{}_{}", &item.id[5..], &field.id[field.id.len() - 4..]), "field": field_json(field), "createdAt": iso(item.created_at), "updatedAt": iso(item.updated_at)});
    let mut v = match (&field.kind, item.values.get(&field.id)) {
        (FieldKind::Title, _) => {
            let mut v = common("ProjectV2ItemFieldTextValue");
            v["text"] = json!(issue?.title);
            v
        }
        (FieldKind::Text, Some(ProjectFieldValue::Text(t))) => {
            let mut v = common("ProjectV2ItemFieldTextValue");
            v["text"] = json!(t);
            v
        }
        (FieldKind::Number, Some(ProjectFieldValue::Number(n))) => {
            let mut v = common("ProjectV2ItemFieldNumberValue");
            v["number"] = json!(n);
            v
        }
        (FieldKind::Date, Some(ProjectFieldValue::Date(d))) => {
            let mut v = common("ProjectV2ItemFieldDateValue");
            v["date"] = json!(d.to_string());
            v
        }
        (FieldKind::SingleSelect(options), Some(ProjectFieldValue::SingleSelect(id))) => {
            let option = options.iter().find(|o| &o.id == id)?;
            let mut v = common("ProjectV2ItemFieldSingleSelectValue");
            v["name"] = json!(option.name);
            v["nameHTML"] = json!(option.name);
            v["optionId"] = json!(option.id);
            v["color"] = json!(option.color);
            v["description"] = json!("");
            v
        }
        (FieldKind::Iteration(its), Some(ProjectFieldValue::Iteration(id))) => {
            let it = its.iter().find(|i| &i.id == id)?;
            let mut v = common("ProjectV2ItemFieldIterationValue");
            v["title"] = json!(it.title);
            v["titleHTML"] = json!(it.title);
            v["iterationId"] = json!(it.id);
            v["startDate"] = json!(it.start_date.to_string());
            v["duration"] = json!(it.duration);
            v
        }
        _ => return None,
    };
    let _ = store;
    if let Some(o) = v.as_object_mut() {
        o.retain(|_, x| !x.is_null());
    }
    Some(v)
}

fn item_json(
    store: &GitHubStore,
    item: &ProjectItem,
    values_selection: Option<&Selection>,
) -> Result<Value, String> {
    let issue = store.issue_by_node_id(&item.content_node_id);
    let values: Vec<Value> = store
        .project
        .fields
        .iter()
        .filter_map(|f| value_json(store, item, f, issue))
        .collect();
    let (first, after) = page_args(values_selection, "fieldValues", true)?;
    let total = values.len();
    let page: Vec<Value> = values.into_iter().skip(after).take(first).collect();
    Ok(json!({
        "__typename": "ProjectV2Item",
        "id": item.id,
        "type": if issue.is_some_and(|i| i.is_pull_request) { "PULL_REQUEST" } else { "ISSUE" },
        "isArchived": false,
        "createdAt": iso(item.created_at),
        "updatedAt": iso(item.updated_at),
        "content": issue.map_or(Value::Null, issue_json),
        "project": {"id": PROJECT_ID, "number": PROJECT_NUMBER},
        "fieldValues": connection(page, after, total),
    }))
}

fn project_json(store: &GitHubStore, selection: &Selection) -> Result<Value, String> {
    let mut v = json!({
        "__typename": "ProjectV2",
        "id": PROJECT_ID,
        "number": PROJECT_NUMBER,
        "title": store.project.title,
        "url": format!("https://github.com/orgs/{ORG}/projects/{PROJECT_NUMBER}"),
        "closed": false,
        "public": false,
        "shortDescription": "Roadmap of the widgets product",
    });
    let Some(o) = v.as_object_mut() else {
        return Ok(v);
    };
    if let Some(fields_sel) = selection.child("fields") {
        let (first, after) = page_args(Some(fields_sel), "fields", true)?;
        let all = &store.project.fields;
        let nodes = all.iter().skip(after).take(first).map(field_json).collect();
        o.insert("fields".into(), connection(nodes, after, all.len()));
    }
    if let Some(items_sel) = selection.child("items") {
        let (first, after) = page_args(Some(items_sel), "items", true)?;
        let values_sel = items_sel
            .child("nodes")
            .or_else(|| items_sel.child("edges").and_then(|e| e.child("node")))
            .and_then(|n| n.child("fieldValues"));
        let items = &store.project.items;
        let nodes = items
            .iter()
            .skip(after)
            .take(first)
            .map(|i| item_json(store, i, values_sel))
            .collect::<Result<Vec<_>, _>>()?;
        let mut conn = connection(nodes, after, items.len());
        if items_sel.child("edges").is_some() {
            let edges: Vec<Value> = conn["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(k, n)| json!({"cursor": cursor(after + k + 1), "node": n}))
                .collect();
            conn["edges"] = Value::Array(edges);
        }
        o.insert("items".into(), conn);
    }
    Ok(v)
}

struct Outcome {
    data: Map<String, Value>,
    errors: Vec<Value>,
}

fn resolve_query(store: &GitHubStore, field: &Selection, out: &mut Outcome) {
    let key = field.response_key.clone();
    let arg = |name: &str| {
        field
            .arguments
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    match field.name.as_str() {
        "organization" => {
            let login = arg("login");
            if !login.eq_ignore_ascii_case(ORG) {
                out.data.insert(key.clone(), Value::Null);
                out.errors.push(error(
                    "NOT_FOUND",
                    &[&key],
                    format!("Could not resolve to an Organization with the login of '{login}'."),
                ));
                return;
            }
            let mut org = json!({"__typename": "Organization", "id": "O_kgDOBpWdnw", "login": ORG, "name": "Acme Inc."});
            if let Some(p) = field.child("projectV2") {
                let number = p.arguments.get("number").and_then(Value::as_u64);
                if number != Some(PROJECT_NUMBER) {
                    org["projectV2"] = Value::Null;
                    let shown = number.map_or("null".to_string(), |n| n.to_string());
                    out.errors.push(error(
                        "NOT_FOUND",
                        &[&key, &p.response_key],
                        format!("Could not resolve to a ProjectV2 with the number {shown}."),
                    ));
                } else {
                    match project_json(store, p) {
                        Ok(v) => org["projectV2"] = v,
                        Err(message) => {
                            out.errors.push(json!({"type": "EXCESSIVE_PAGINATION", "path": [key, p.response_key], "message": message}));
                            out.data.insert(key, Value::Null);
                            return;
                        }
                    }
                }
            }
            out.data.insert(key, project(&org, &field.children));
        }
        "node" => {
            let id = arg("id");
            let found = if id == PROJECT_ID {
                project_json(store, field).ok()
            } else if let Some(pos) = store.project.position(&id) {
                item_json(store, &store.project.items[pos], field.child("fieldValues")).ok()
            } else {
                store.issue_by_node_id(&id).map(issue_json)
            };
            match found {
                Some(v) => {
                    out.data.insert(key, project(&v, &field.children));
                }
                None => {
                    out.data.insert(key.clone(), Value::Null);
                    out.errors.push(error(
                        "NOT_FOUND",
                        &[&key],
                        format!("Could not resolve to a node with the global id of '{id}'"),
                    ));
                }
            }
        }
        "viewer" => {
            let viewer = json!({"__typename": "User", "id": "U_kgDOAIo9AQ", "login": "mia-krystof", "name": "Mia Krystof"});
            out.data.insert(key, project(&viewer, &field.children));
        }
        other => out.errors.push(json!({
            "path": ["query", other],
            "extensions": {"code": "undefinedField", "typeName": "Query", "fieldName": other},
            "locations": [{"line": 1, "column": 1}],
            "message": format!("Field '{other}' doesn't exist on type 'Query'"),
        })),
    }
}

/// Checks a field value against the field's type; the error text follows GitHub's.
fn checked_value(
    field: &ProjectField,
    value: &Map<String, Value>,
) -> Result<ProjectFieldValue, String> {
    let given: Vec<&String> = value
        .keys()
        .filter(|k| !value[k.as_str()].is_null())
        .collect();
    if given.len() != 1 {
        return Err(
            "Exactly one of text, number, date, singleSelectOptionId or iterationId must be given."
                .into(),
        );
    }
    let kind = given[0].as_str();
    let v = &value[kind];
    match (&field.kind, kind) {
        (FieldKind::Text, "text") => v.as_str().map(|t| ProjectFieldValue::Text(t.to_string())).ok_or_else(|| "text must be a string".into()),
        (FieldKind::Number, "number") => v.as_f64().map(ProjectFieldValue::Number).ok_or_else(|| "number must be a Float".into()),
        (FieldKind::Date, "date") => v
            .as_str()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(ProjectFieldValue::Date)
            .ok_or_else(|| format!("Argument 'date' on InputObject 'ProjectV2FieldValue' has an invalid value ({v}). Expected type 'Date'.")),
        (FieldKind::SingleSelect(options), "singleSelectOptionId") => {
            let id = v.as_str().unwrap_or_default();
            if options.iter().any(|o| o.id == id) {
                Ok(ProjectFieldValue::SingleSelect(id.to_string()))
            } else {
                Err(format!("The single select option Id '{id}' does not belong to the field"))
            }
        }
        (FieldKind::Iteration(its), "iterationId") => {
            let id = v.as_str().unwrap_or_default();
            if its.iter().any(|i| i.id == id) {
                Ok(ProjectFieldValue::Iteration(id.to_string()))
            } else {
                Err(format!("The iteration Id '{id}' does not belong to the field"))
            }
        }
        (FieldKind::Title | FieldKind::Assignees, _) => Err(format!("The field '{}' cannot be updated with updateProjectV2ItemFieldValue; change the issue instead.", field.name)),
        (_, kind) => Err(format!("Did not receive a {} value to update a field of type {}", expected(field), kind)),
    }
}

fn expected(field: &ProjectField) -> &'static str {
    match field.kind {
        FieldKind::Text | FieldKind::Title => "text",
        FieldKind::Number => "number",
        FieldKind::Date => "date",
        FieldKind::SingleSelect(_) => "single select option id",
        FieldKind::Iteration(_) => "iteration id",
        FieldKind::Assignees => "assignees",
    }
}

/// Runs a mutation; `Ok(true)` when state changed.
fn resolve_mutation(store: &mut GitHubStore, field: &Selection, out: &mut Outcome) -> bool {
    let key = field.response_key.clone();
    let input = field
        .arguments
        .get("input")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let text = |name: &str| {
        input
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let client_mutation_id = input
        .get("clientMutationId")
        .cloned()
        .unwrap_or(Value::Null);
    let fail = |kind: &str, message: String, out: &mut Outcome| {
        out.data.insert(key.clone(), Value::Null);
        out.errors.push(error(kind, &[&key], message));
        false
    };
    let name = field.name.as_str();
    if !matches!(
        name,
        "updateProjectV2ItemFieldValue" | "clearProjectV2ItemFieldValue" | "addProjectV2ItemById"
    ) {
        out.errors.push(json!({
            "path": ["mutation", name],
            "extensions": {"code": "undefinedField", "typeName": "Mutation", "fieldName": name},
            "message": format!("Field '{name}' doesn't exist on type 'Mutation'"),
        }));
        return false;
    }
    let project_id = text("projectId");
    if project_id != PROJECT_ID {
        return fail(
            "NOT_FOUND",
            format!("Could not resolve to a node with the global id of '{project_id}'"),
            out,
        );
    }
    if name == "addProjectV2ItemById" {
        let content_id = text("contentId");
        if store.issue_by_node_id(&content_id).is_none() {
            return fail(
                "NOT_FOUND",
                format!("Could not resolve to a node with the global id of '{content_id}'"),
                out,
            );
        }
        let existed = store.project.item_for_content(&content_id).is_some();
        let now = store.clock.tick();
        let item = store.project.add(&content_id, now).clone();
        let item = match item_json(
            store,
            &item,
            field.child("item").and_then(|i| i.child("fieldValues")),
        ) {
            Ok(v) => v,
            Err(message) => return fail("EXCESSIVE_PAGINATION", message, out),
        };
        let payload = json!({"clientMutationId": client_mutation_id, "item": item});
        out.data.insert(key, project(&payload, &field.children));
        return !existed;
    }
    let item_id = text("itemId");
    let field_id = text("fieldId");
    let Some(pos) = store.project.position(&item_id) else {
        return fail(
            "NOT_FOUND",
            format!("Could not resolve to a node with the global id of '{item_id}'"),
            out,
        );
    };
    let Some(project_field) = store.project.field(&field_id).cloned() else {
        return fail(
            "NOT_FOUND",
            format!("Could not resolve to a node with the global id of '{field_id}'"),
            out,
        );
    };
    let new_value = if name == "updateProjectV2ItemFieldValue" {
        let value = input
            .get("value")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        match checked_value(&project_field, &value) {
            Ok(v) => Some(v),
            Err(message) => return fail("UNPROCESSABLE", message, out),
        }
    } else {
        if matches!(project_field.kind, FieldKind::Title | FieldKind::Assignees) {
            return fail(
                "UNPROCESSABLE",
                format!("The field '{}' cannot be cleared.", project_field.name),
                out,
            );
        }
        None
    };
    let now = store.clock.tick();
    let Some(item) = store.project.item_mut(&item_id) else {
        return fail(
            "NOT_FOUND",
            format!("Could not resolve to a node with the global id of '{item_id}'"),
            out,
        );
    };
    match new_value {
        Some(v) => item.values.insert(field_id, v),
        None => item.values.remove(&field_id),
    };
    item.updated_at = now;
    let item = store.project.items[pos].clone();
    let item = match item_json(
        store,
        &item,
        field
            .child("projectV2Item")
            .and_then(|i| i.child("fieldValues")),
    ) {
        Ok(v) => v,
        Err(message) => return fail("EXCESSIVE_PAGINATION", message, out),
    };
    let payload = json!({"clientMutationId": client_mutation_id, "projectV2Item": item});
    out.data.insert(key, project(&payload, &field.children));
    true
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
    let operation = match parse_operation(&body) {
        Ok(op) => op,
        Err(message) => {
            return json_response(
                StatusCode::OK,
                json!({"errors": [{"message": format!("Parse error: {message}"), "locations": [{"line": 1, "column": 1}]}]}),
            );
        }
    };
    let mut out = Outcome {
        data: Map::new(),
        errors: Vec::new(),
    };
    let mut store = lock(&state.store);
    for field in &operation.root_fields {
        state
            .core
            .counters
            .route(format!("POST /graphql {}", field.name));
        match operation.kind {
            OperationKind::Query => resolve_query(&store, field, &mut out),
            OperationKind::Mutation => {
                if resolve_mutation(&mut store, field, &mut out) {
                    state.core.counters.write();
                }
            }
        }
    }
    let mut envelope = Map::new();
    let undefined_only = out.data.is_empty() && !out.errors.is_empty();
    if !undefined_only {
        envelope.insert("data".into(), Value::Object(out.data));
    }
    if !out.errors.is_empty() {
        envelope.insert("errors".into(), Value::Array(out.errors));
    }
    json_response(StatusCode::OK, Value::Object(envelope))
}
