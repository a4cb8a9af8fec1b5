//! GitHub REST simulator for repository `acme/widgets` (also reachable as
//! `/repositories/{id}/...`, the form GitHub uses in `Link` headers).
//!
//! Routes: `GET|POST /repos/{owner}/{repo}/issues` (listing honours `state`, `since`, `sort`,
//! `direction`, `labels`, `per_page` ≤ 100, `page`, answers with an RFC 5988 `Link` header and
//! includes pull requests with a `pull_request` key), `GET|PATCH .../issues/{number}`,
//! `GET|POST .../issues/{number}/comments`, `GET|POST .../issues/{number}/labels`,
//! `PUT .../issues/{number}/labels` (replace), `DELETE .../issues/{number}/labels/{name}`,
//! `GET|PATCH .../issues/comments/{id}`, `GET|POST .../labels`, `GET .../labels/{name}`,
//! `GET .../milestones`, `GET .../milestones/{number}`,
//! and `GET /search/issues` (see `search`); the calls a client makes first, `GET /user`,
//! `GET /rate_limit` and `GET /repos/{owner}/{repo}` (see `account`). Every answer carries
//! `x-ratelimit-*` headers (see `platform` for budgets and faults) and every `GET` an `ETag`:
//! `If-None-Match` with it gets a 304 that does not spend the budget (see `conditional`).
//! The routes are listed by [`GitHubHandle::routes`](crate::GitHubHandle::routes).

// Handlers answer validation failures with a ready `Response`; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::github::store::{
    GitHubComment, GitHubStore, IssueFilter, OWNER, REPO, REPO_ID, is_known_login,
};
use crate::platform::{PlatformCore, json_response, lock};
use crate::query_string::{QueryPairs, encode};
use crate::route_table::{Route, RouteTable};

pub(crate) struct GitHubState {
    pub(crate) core: Arc<PlatformCore>,
    pub(crate) store: Mutex<GitHubStore>,
}

type St = State<Arc<GitHubState>>;

const DOCS: &str = "https://docs.github.com/rest/issues/issues";
const MAX_BODY_CHARS: usize = 65_536;

/// A 422 about a request parameter, in the `validation-error` shape (no `status` key).
fn invalid_parameter(message: &str) -> Response {
    json_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"message": message, "documentation_url": DOCS}),
    )
}

fn gh_error(status: StatusCode, message: &str) -> Response {
    json_response(
        status,
        json!({"message": message, "documentation_url": DOCS, "status": status.as_u16().to_string()}),
    )
}

/// GitHub's 422 for one invalid field of an issue: `{message, errors: [{value?, resource,
/// field, code}], documentation_url}`, as the OpenAPI `validation-error` schema and the
/// recorded answers have it (no `status` key). `value` is echoed only when it is one of the
/// kinds GitHub echoes (text, a whole number, a list of texts, null).
pub(crate) fn validation_failed(field: &str, code: &str, value: Value) -> Response {
    let mut error = serde_json::Map::new();
    let echoed = match &value {
        Value::String(_) | Value::Null => true,
        Value::Number(n) => n.is_i64() || n.is_u64(),
        Value::Array(items) => items.iter().all(Value::is_string),
        _ => false,
    };
    if echoed && !(code == "missing_field" && value.is_null()) {
        error.insert("value".into(), value);
    }
    error.insert("resource".into(), json!("Issue"));
    error.insert("field".into(), json!(field));
    error.insert("code".into(), json!(code));
    json_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({
            "message": "Validation Failed",
            "errors": [error],
            "documentation_url": DOCS,
        }),
    )
}

pub(crate) fn not_found() -> Response {
    gh_error(StatusCode::NOT_FOUND, "Not Found")
}

pub(crate) fn router(state: Arc<GitHubState>) -> (Router, Vec<Route>) {
    use crate::github::{account, graphql, search, single_resources as one};
    let (router, routes) = RouteTable::new()
        .get("/user", account::authenticated_user)
        .get("/rate_limit", account::rate_limit)
        .get("/repos/{owner}/{repo}", account::repository)
        .get("/repositories/{id}", account::repository_by_id)
        .get("/repos/{owner}/{repo}/issues", list_issues)
        .post("/repos/{owner}/{repo}/issues", create_issue)
        .get("/repositories/{id}/issues", list_issues_by_id)
        .get("/repos/{owner}/{repo}/issues/{number}", get_issue)
        .patch("/repos/{owner}/{repo}/issues/{number}", update_issue)
        .get(
            "/repos/{owner}/{repo}/issues/{number}/comments",
            list_comments,
        )
        .post(
            "/repos/{owner}/{repo}/issues/{number}/comments",
            add_comment,
        )
        .get("/repos/{owner}/{repo}/issues/{number}/labels", issue_labels)
        .post("/repos/{owner}/{repo}/issues/{number}/labels", add_labels)
        .put(
            "/repos/{owner}/{repo}/issues/{number}/labels",
            one::set_labels,
        )
        .get("/repos/{owner}/{repo}/issues/comments/{id}", one::comment)
        .patch(
            "/repos/{owner}/{repo}/issues/comments/{id}",
            one::edit_comment,
        )
        .get("/repos/{owner}/{repo}/labels/{name}", one::label)
        .get("/repos/{owner}/{repo}/milestones/{number}", one::milestone)
        .delete(
            "/repos/{owner}/{repo}/issues/{number}/labels/{name}",
            remove_label,
        )
        .get("/repos/{owner}/{repo}/labels", repo_labels)
        .post("/repos/{owner}/{repo}/labels", create_label)
        .get("/repos/{owner}/{repo}/milestones", milestones)
        .get("/search/issues", search::search_issues)
        .post("/graphql", graphql::handle)
        .finish();
    let router = router
        .fallback(|| async { not_found() })
        .layer(axum::middleware::from_fn(
            crate::github::conditional::conditional_get,
        ))
        .with_state(state);
    (router, routes)
}

fn is_our_repo(owner: &str, repo: &str) -> bool {
    owner.eq_ignore_ascii_case(OWNER) && repo.eq_ignore_ascii_case(REPO)
}

fn parse_json(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body)
        .map_err(|_| gh_error(StatusCode::BAD_REQUEST, "Problems parsing JSON"))
}

/// One page of a numbered list plus its `Link` header, like GitHub.
fn paged(
    items: Vec<Value>,
    total: usize,
    page: usize,
    per_page: usize,
    link_path: &str,
    query: &QueryPairs,
) -> Response {
    let mut response = json_response(StatusCode::OK, Value::Array(items));
    if let Some(v) = link_header(total, page, per_page, link_path, query) {
        response.headers_mut().insert(header::LINK, v);
    }
    response
}

/// The RFC 5988 `Link` header of page `page` of `total` items (none when one page holds all).
pub(crate) fn link_header(
    total: usize,
    page: usize,
    per_page: usize,
    link_path: &str,
    query: &QueryPairs,
) -> Option<HeaderValue> {
    let last = total.div_ceil(per_page).max(1);
    if total <= per_page {
        return None;
    }
    let url = |p: usize| {
        let mut params: Vec<String> = query
            .pairs()
            .iter()
            .filter(|(k, _)| k != "page" && k != "per_page")
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        params.push(format!("per_page={per_page}"));
        params.push(format!("page={p}"));
        format!("<{link_path}?{}>", params.join("&"))
    };
    let mut rels = Vec::new();
    if page > 1 {
        rels.push(format!("{}; rel=\"prev\"", url(page - 1)));
    }
    if page < last {
        rels.push(format!("{}; rel=\"next\"", url(page + 1)));
        rels.push(format!("{}; rel=\"last\"", url(last)));
    }
    if page > 1 {
        rels.push(format!("{}; rel=\"first\"", url(1)));
    }
    HeaderValue::from_str(&rels.join(", ")).ok()
}

pub(crate) fn page_params(q: &QueryPairs) -> Result<(usize, usize), Response> {
    let per_page = match q.get("per_page") {
        None => 30,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| invalid_parameter("per_page must be an integer"))?
            .clamp(1, 100),
    };
    let page = match q.get("page") {
        None => 1,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| invalid_parameter("page must be an integer"))?
            .max(1),
    };
    Ok((page, per_page))
}

async fn list_issues(
    State(state): St,
    Path((owner, repo)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    if !is_our_repo(&owner, &repo) {
        return not_found();
    }
    list(&state, raw)
}

async fn list_issues_by_id(
    State(state): St,
    Path(id): Path<u64>,
    RawQuery(raw): RawQuery,
) -> Response {
    if id != REPO_ID {
        return not_found();
    }
    list(&state, raw)
}

fn list(state: &GitHubState, raw: Option<String>) -> Response {
    let q = QueryPairs::parse(raw.as_deref());
    let (page, per_page) = match page_params(&q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let wanted_state = q.get("state").unwrap_or("open").to_string();
    if !matches!(wanted_state.as_str(), "open" | "closed" | "all") {
        return validation_failed("state", "invalid", json!(wanted_state));
    }
    let since = match q.get("since") {
        None => None,
        Some(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => return validation_failed("since", "invalid", json!(s)),
        },
    };
    let sort_updated = match q.get("sort").unwrap_or("created") {
        "created" | "comments" => false,
        "updated" => true,
        other => return validation_failed("sort", "invalid", json!(other)),
    };
    let ascending = match q.get("direction").unwrap_or("desc") {
        "asc" => true,
        "desc" => false,
        other => return validation_failed("direction", "invalid", json!(other)),
    };
    let labels: Vec<String> = q
        .get("labels")
        .map(|l| {
            l.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let filter = IssueFilter {
        state: wanted_state,
        labels,
    };
    let store = lock(&state.store);
    let (numbers, total) = store.list(
        since,
        sort_updated,
        ascending,
        &filter,
        (page - 1).saturating_mul(per_page),
        per_page,
    );
    let items: Vec<Value> = numbers
        .iter()
        .filter_map(|n| store.issues.get(n).map(|i| store.issue_json(i)))
        .collect();
    let link_path = format!("{}/repositories/{REPO_ID}/issues", store.base);
    paged(items, total, page, per_page, &link_path, &q)
}

fn issue_number(
    owner: &str,
    repo: &str,
    number: &str,
    store: &GitHubStore,
) -> Result<u64, Response> {
    if !is_our_repo(owner, repo) {
        return Err(not_found());
    }
    let n: u64 = number.parse().map_err(|_| not_found())?;
    if store.issues.contains_key(&n) {
        Ok(n)
    } else {
        Err(not_found())
    }
}

async fn get_issue(
    State(state): St,
    Path((owner, repo, number)): Path<(String, String, String)>,
) -> Response {
    let store = lock(&state.store);
    match issue_number(&owner, &repo, &number, &store) {
        Ok(n) => match store.issues.get(&n) {
            Some(i) => json_response(StatusCode::OK, store.issue_json(i)),
            None => not_found(),
        },
        Err(r) => r,
    }
}

fn label_names(value: &Value) -> Option<Vec<String>> {
    let items = match value {
        Value::Array(items) => items.clone(),
        Value::Object(o) => o.get("labels")?.as_array()?.clone(),
        Value::String(s) => vec![json!(s)],
        _ => return None,
    };
    items
        .iter()
        .map(|l| match l {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
            _ => None,
        })
        .collect()
}

fn checked_assignees(value: &Value) -> Result<Vec<String>, Response> {
    let list = value
        .as_array()
        .ok_or_else(|| validation_failed("assignees", "invalid", value.clone()))?;
    list.iter()
        .map(|a| match a.as_str() {
            Some(login) if is_known_login(login) => Ok(login.to_string()),
            _ => Err(validation_failed("assignees", "invalid", a.clone())),
        })
        .collect()
}

fn checked_milestone(store: &GitHubStore, value: &Value) -> Result<Option<u64>, Response> {
    match value {
        Value::Null => Ok(None),
        v => match v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        {
            Some(n) if store.milestones.iter().any(|m| m.number == n) => Ok(Some(n)),
            _ => Err(validation_failed("milestone", "invalid", v.clone())),
        },
    }
}

fn checked_body(value: &Value) -> Result<Option<String>, Response> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.chars().count() > MAX_BODY_CHARS => Err(validation_failed(
            "body",
            "custom",
            json!("body is too long (maximum is 65536 characters)"),
        )),
        Value::String(s) => Ok(Some(s.clone())),
        other => Err(validation_failed("body", "invalid", other.clone())),
    }
}

async fn create_issue(
    State(state): St,
    Path((owner, repo)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if !is_our_repo(&owner, &repo) {
        return not_found();
    }
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut store = lock(&state.store);
    let title = match body.get("title") {
        Some(Value::String(t)) if !t.trim().is_empty() => t.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return validation_failed("title", "missing_field", Value::Null),
    };
    let text = match body.get("body").map(checked_body).transpose() {
        Ok(b) => b.flatten(),
        Err(r) => return r,
    };
    let labels = match body.get("labels") {
        None => Vec::new(),
        Some(l) => match label_names(l) {
            Some(l) => l,
            None => return validation_failed("labels", "invalid", l.clone()),
        },
    };
    let mut assignees = match body.get("assignees").map(checked_assignees).transpose() {
        Ok(a) => a.unwrap_or_default(),
        Err(r) => return r,
    };
    if let Some(a) = body.get("assignee").and_then(Value::as_str) {
        if !is_known_login(a) {
            return validation_failed("assignee", "invalid", json!(a));
        }
        assignees.insert(0, a.to_string());
    }
    let milestone = match body
        .get("milestone")
        .map(|m| checked_milestone(&store, m))
        .transpose()
    {
        Ok(m) => m.flatten(),
        Err(r) => return r,
    };
    let number = store.create(title, text, labels, assignees, milestone);
    state.core.counters.write();
    let Some(issue) = store.issues.get(&number) else {
        return not_found();
    };
    let json = store.issue_json(issue);
    let mut response = json_response(StatusCode::CREATED, json);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{}/repos/{OWNER}/{REPO}/issues/{number}",
        store.base
    )) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

async fn update_issue(
    State(state): St,
    Path((owner, repo, number)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut store = lock(&state.store);
    let n = match issue_number(&owner, &repo, &number, &store) {
        Ok(n) => n,
        Err(r) => return r,
    };
    // Validate everything first; apply nothing unless all of it is valid.
    let title = match body.get("title") {
        None => None,
        Some(Value::String(t)) if !t.trim().is_empty() => Some(t.clone()),
        Some(other) => return validation_failed("title", "invalid", other.clone()),
    };
    let text = match body.get("body").map(checked_body).transpose() {
        Ok(b) => b,
        Err(r) => return r,
    };
    let new_state = match body.get("state") {
        None => None,
        Some(Value::String(s)) if s == "open" || s == "closed" => Some(s.clone()),
        Some(other) => return validation_failed("state", "invalid", other.clone()),
    };
    let reason = match body.get("state_reason") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s))
            if matches!(
                s.as_str(),
                "completed" | "not_planned" | "duplicate" | "reopened"
            ) =>
        {
            Some(Some(s.clone()))
        }
        Some(other) => return validation_failed("state_reason", "invalid", other.clone()),
    };
    // `duplicate_issue_id` names the canonical issue (by id) when closing as a duplicate;
    // it must exist, and is ignored for any other reason.
    if let Some(id) = body.get("duplicate_issue_id")
        && reason == Some(Some("duplicate".to_string()))
        && !id
            .as_u64()
            .is_some_and(|id| store.issues.values().any(|i| i.id == id && i.number != n))
    {
        return validation_failed("duplicate_issue_id", "invalid", id.clone());
    }
    let labels = match body.get("labels") {
        None => None,
        Some(l) => match label_names(l) {
            Some(l) => Some(l),
            None => return validation_failed("labels", "invalid", l.clone()),
        },
    };
    let assignees = match (body.get("assignees"), body.get("assignee")) {
        (Some(a), _) => match checked_assignees(a) {
            Ok(a) => Some(a),
            Err(r) => return r,
        },
        (None, Some(Value::Null)) => Some(Vec::new()),
        (None, Some(Value::String(a))) if is_known_login(a) => Some(vec![a.clone()]),
        (None, Some(other)) => return validation_failed("assignee", "invalid", other.clone()),
        (None, None) => None,
    };
    let milestone = match body
        .get("milestone")
        .map(|m| checked_milestone(&store, m))
        .transpose()
    {
        Ok(m) => m,
        Err(r) => return r,
    };
    if let Some(ls) = &labels {
        for l in ls {
            store.label_or_create(l);
        }
    }
    store.touch(n, |issue| {
        if let Some(t) = title {
            issue.title = t;
        }
        if let Some(b) = text {
            issue.body = b;
        }
        if let Some(s) = new_state {
            if s == "closed" && issue.state == "open" {
                issue.closed_at = Some(Utc::now());
                issue.state_reason = Some("completed".into());
            } else if s == "open" && issue.state == "closed" {
                issue.closed_at = None;
                issue.state_reason = Some("reopened".into());
            }
            issue.state = s;
        }
        if let Some(r) = reason {
            issue.state_reason = r;
        }
        if let Some(l) = labels {
            issue.labels = l;
        }
        if let Some(a) = assignees {
            issue.assignees = a;
        }
        if let Some(m) = milestone {
            issue.milestone = m;
        }
    });
    state.core.counters.write();
    match store.issues.get(&n) {
        Some(i) => json_response(StatusCode::OK, store.issue_json(i)),
        None => not_found(),
    }
}

async fn list_comments(
    State(state): St,
    Path((owner, repo, number)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = QueryPairs::parse(raw.as_deref());
    let (page, per_page) = match page_params(&q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let store = lock(&state.store);
    let n = match issue_number(&owner, &repo, &number, &store) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let Some(issue) = store.issues.get(&n) else {
        return not_found();
    };
    let since = q
        .get("since")
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc));
    let comments: Vec<&GitHubComment> = issue
        .comments
        .iter()
        .filter(|c| since.is_none_or(|s| c.updated_at >= s))
        .collect();
    let items = comments
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|c| store.comment_json(n, c))
        .collect();
    let link_path = format!("{}/repositories/{REPO_ID}/issues/{n}/comments", store.base);
    paged(items, comments.len(), page, per_page, &link_path, &q)
}

async fn add_comment(
    State(state): St,
    Path((owner, repo, number)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut store = lock(&state.store);
    let n = match issue_number(&owner, &repo, &number, &store) {
        Ok(n) => n,
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
    let id = store.next_comment_id();
    let now = Utc::now();
    let comment = GitHubComment {
        id,
        author: "mia-krystof".into(),
        body: text,
        created_at: now,
        updated_at: now,
    };
    store.touch(n, |issue| issue.comments.push(comment.clone()));
    state.core.counters.write();
    json_response(StatusCode::CREATED, store.comment_json(n, &comment))
}

async fn issue_labels(
    State(state): St,
    Path((owner, repo, number)): Path<(String, String, String)>,
) -> Response {
    labels_of_issue(&state, &owner, &repo, &number)
}

pub(crate) fn labels_of_issue(
    state: &GitHubState,
    owner: &str,
    repo: &str,
    number: &str,
) -> Response {
    let store = lock(&state.store);
    let n = match issue_number(owner, repo, number, &store) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let labels = store
        .issues
        .get(&n)
        .map(|i| i.labels.clone())
        .unwrap_or_default();
    let json: Vec<Value> = labels
        .iter()
        .filter_map(|l| store.labels.iter().find(|x| &x.name == l))
        .map(|l| store.label_json(l))
        .collect();
    json_response(StatusCode::OK, Value::Array(json))
}

async fn add_labels(
    State(state): St,
    Path((owner, repo, number)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(names) = label_names(&body) else {
        return validation_failed("labels", "invalid", body);
    };
    let mut store = lock(&state.store);
    let n = match issue_number(&owner, &repo, &number, &store) {
        Ok(n) => n,
        Err(r) => return r,
    };
    for name in &names {
        store.label_or_create(name);
    }
    store.touch(n, |issue| {
        for name in names {
            if !issue.labels.iter().any(|l| l.eq_ignore_ascii_case(&name)) {
                issue.labels.push(name);
            }
        }
    });
    state.core.counters.write();
    drop(store);
    labels_of_issue(&state, &owner, &repo, &number)
}

async fn remove_label(
    State(state): St,
    Path((owner, repo, number, name)): Path<(String, String, String, String)>,
) -> Response {
    let mut store = lock(&state.store);
    let n = match issue_number(&owner, &repo, &number, &store) {
        Ok(n) => n,
        Err(r) => return r,
    };
    if !store
        .issues
        .get(&n)
        .is_some_and(|i| i.labels.iter().any(|l| l.eq_ignore_ascii_case(&name)))
    {
        return gh_error(StatusCode::NOT_FOUND, "Label does not exist");
    }
    store.touch(n, |issue| {
        issue.labels.retain(|l| !l.eq_ignore_ascii_case(&name))
    });
    state.core.counters.write();
    drop(store);
    labels_of_issue(&state, &owner, &repo, &number)
}

async fn repo_labels(State(state): St, Path((owner, repo)): Path<(String, String)>) -> Response {
    if !is_our_repo(&owner, &repo) {
        return not_found();
    }
    let store = lock(&state.store);
    json_response(
        StatusCode::OK,
        Value::Array(store.labels.iter().map(|l| store.label_json(l)).collect()),
    )
}

async fn create_label(
    State(state): St,
    Path((owner, repo)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if !is_our_repo(&owner, &repo) {
        return not_found();
    }
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let label_error = |field: &str, code: &str| {
        json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"message": "Validation Failed", "errors": [{"resource": "Label", "code": code, "field": field}], "documentation_url": "https://docs.github.com/rest/reference/issues#create-a-label"}),
        )
    };
    let Some(name) = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        return label_error("name", "missing_field");
    };
    let color = body
        .get("color")
        .and_then(Value::as_str)
        .unwrap_or("ededed")
        .trim_start_matches('#')
        .to_string();
    if color.len() != 6 || !color.chars().all(|c| c.is_ascii_hexdigit()) {
        return label_error("color", "invalid");
    }
    let mut store = lock(&state.store);
    if store
        .labels
        .iter()
        .any(|l| l.name.eq_ignore_ascii_case(name))
    {
        return label_error("name", "already_exists");
    }
    let mut label = store.label_or_create(name);
    label.color = color.to_lowercase();
    label.description = body
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(stored) = store.labels.iter_mut().find(|l| l.id == label.id) {
        *stored = label.clone();
    }
    state.core.counters.write();
    json_response(StatusCode::CREATED, store.label_json(&label))
}

async fn milestones(State(state): St, Path((owner, repo)): Path<(String, String)>) -> Response {
    if !is_our_repo(&owner, &repo) {
        return not_found();
    }
    let store = lock(&state.store);
    json_response(
        StatusCode::OK,
        Value::Array(
            store
                .milestones
                .iter()
                .map(|m| store.milestone_json(m))
                .collect(),
        ),
    )
}
