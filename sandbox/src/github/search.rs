//! `GET /search/issues` for repository `acme/widgets`: the subset of GitHub's issue search
//! syntax that connectors use. Qualifiers: `repo:o/r`, `is:issue|pr|open|closed`,
//! `type:issue|pr`, `state:open|closed`, `label:x` / `label:"x y"` (every one must match),
//! `-label:x`, `no:label`, `updated:` / `created:` with `>=`, `>`, `<=`, `<`, a bare date or
//! a `from..to` range (dates or RFC 3339 instants), and `in:title|body` scoping the text.
//! Text terms (words and `"quoted phrases"`) must all occur, case-insensitively, in the
//! title or body. `sort=created|updated|comments`, `order=asc|desc` (default desc),
//! `per_page` ≤ 100, `page`; the answer is `{total_count, incomplete_results, items,
//! search_type}` (always `lexical`) with
//! a `Link` header, like GitHub. Unknown qualifiers are refused with a 422 naming them.

#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::github::rest::{GitHubState, link_header, page_params};
use crate::github::store::{GitHubIssue, OWNER, REPO};
use crate::platform::{json_response, lock};
use crate::query_string::QueryPairs;

/// A bound on a timestamp qualifier.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bound {
    AtLeast(DateTime<Utc>),
    After(DateTime<Utc>),
    AtMost(DateTime<Utc>),
    Before(DateTime<Utc>),
}

impl Bound {
    fn holds(self, t: DateTime<Utc>) -> bool {
        match self {
            Bound::AtLeast(b) => t >= b,
            Bound::After(b) => t > b,
            Bound::AtMost(b) => t <= b,
            Bound::Before(b) => t < b,
        }
    }
}

/// A parsed search query.
#[derive(Debug, Default)]
struct Query {
    other_repo: bool,
    pull_requests: Option<bool>,
    state: Option<String>,
    labels: Vec<String>,
    without_labels: Vec<String>,
    no_labels: bool,
    updated: Vec<Bound>,
    created: Vec<Bound>,
    in_title: bool,
    in_body: bool,
    text: Vec<String>,
}

/// Splits `q` into terms; a double-quoted span (also after `label:`) is one term.
fn terms(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn instant(text: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    let time = if end_of_day {
        day.and_hms_milli_opt(23, 59, 59, 999)?
    } else {
        day.and_hms_opt(0, 0, 0)?
    };
    Some(time.and_utc())
}

/// `>=T`, `>T`, `<=T`, `<T`, `from..to` or a bare date (that whole day).
fn bounds(value: &str) -> Option<Vec<Bound>> {
    let one = |op: &str, rest: &str| -> Option<Bound> {
        Some(match op {
            ">=" => Bound::AtLeast(instant(rest, false)?),
            ">" => Bound::After(instant(rest, true)?),
            "<=" => Bound::AtMost(instant(rest, true)?),
            "<" => Bound::Before(instant(rest, false)?),
            _ => return None,
        })
    };
    for op in [">=", "<=", ">", "<"] {
        if let Some(rest) = value.strip_prefix(op) {
            return one(op, rest).map(|b| vec![b]);
        }
    }
    if let Some((from, to)) = value.split_once("..") {
        let mut out = Vec::new();
        if from != "*" {
            out.push(Bound::AtLeast(instant(from, false)?));
        }
        if to != "*" {
            out.push(Bound::AtMost(instant(to, true)?));
        }
        return Some(out);
    }
    Some(vec![
        Bound::AtLeast(instant(value, false)?),
        Bound::AtMost(instant(value, true)?),
    ])
}

fn parse(q: &str) -> Result<Query, String> {
    let mut query = Query::default();
    for term in terms(q) {
        let Some((qualifier, value)) = term.split_once(':') else {
            query.text.push(term.to_lowercase());
            continue;
        };
        let invalid = || format!("`{term}` is not a valid `{qualifier}:` qualifier");
        match qualifier.to_ascii_lowercase().as_str() {
            "repo" => {
                let ours = format!("{OWNER}/{REPO}");
                query.other_repo |= !value.eq_ignore_ascii_case(&ours);
            }
            "is" | "type" | "state" => match value.to_ascii_lowercase().as_str() {
                "issue" if qualifier != "state" => query.pull_requests = Some(false),
                "pr" | "pull-request" if qualifier != "state" => query.pull_requests = Some(true),
                "open" | "closed" if qualifier != "type" => {
                    query.state = Some(value.to_ascii_lowercase())
                }
                _ => return Err(invalid()),
            },
            "label" => query.labels.push(value.to_string()),
            "-label" => query.without_labels.push(value.to_string()),
            "no" if value.eq_ignore_ascii_case("label") => query.no_labels = true,
            "updated" => query.updated.extend(bounds(value).ok_or_else(invalid)?),
            "created" => query.created.extend(bounds(value).ok_or_else(invalid)?),
            "in" => {
                for scope in value.split(',') {
                    match scope.to_ascii_lowercase().as_str() {
                        "title" => query.in_title = true,
                        "body" => query.in_body = true,
                        _ => return Err(invalid()),
                    }
                }
            }
            // A colon inside a phrase (`"pmsync-origin: X"`) or a word is text.
            _ if term.contains(' ') => query.text.push(term.to_lowercase()),
            other => {
                return Err(format!(
                    "the sandbox does not support the search qualifier `{other}:` (in `{term}`)"
                ));
            }
        }
    }
    Ok(query)
}

impl Query {
    fn matches(&self, issue: &GitHubIssue) -> bool {
        let has = |label: &String| issue.labels.iter().any(|l| l.eq_ignore_ascii_case(label));
        if self.other_repo
            || self
                .pull_requests
                .is_some_and(|pr| pr != issue.is_pull_request)
            || self.state.as_ref().is_some_and(|s| *s != issue.state)
            || !self.labels.iter().all(has)
            || self.without_labels.iter().any(has)
            || (self.no_labels && !issue.labels.is_empty())
            || !self.updated.iter().all(|b| b.holds(issue.updated_at))
            || !self.created.iter().all(|b| b.holds(issue.created_at))
        {
            return false;
        }
        let (title, body) = match (self.in_title, self.in_body) {
            (true, false) => (true, false),
            (false, true) => (false, true),
            _ => (true, true),
        };
        let mut haystack = String::new();
        if title {
            haystack.push_str(&issue.title.to_lowercase());
            haystack.push('\n');
        }
        if body {
            haystack.push_str(&issue.body.as_deref().unwrap_or_default().to_lowercase());
        }
        self.text.iter().all(|t| haystack.contains(t.as_str()))
    }
}

fn search_failed(message: &str) -> Response {
    json_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({
            "message": "Validation Failed",
            "errors": [{"message": message, "resource": "Search", "field": "q", "code": "invalid"}],
            "documentation_url": "https://docs.github.com/rest/search/search#search-issues-and-pull-requests",
        }),
    )
}

pub(crate) async fn search_issues(
    State(state): State<Arc<GitHubState>>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = QueryPairs::parse(raw.as_deref());
    let (page, per_page) = match page_params(&q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(text) = q.get("q").filter(|t| !t.trim().is_empty()) else {
        return search_failed("the `q` parameter is missing");
    };
    let query = match parse(text) {
        Ok(query) => query,
        Err(message) => return search_failed(&message),
    };
    // The sandbox searches lexically; asking for a semantic or hybrid search falls back
    // to lexical with the reason, as GitHub reports a fallback.
    let fallback = match q.get("search_type") {
        None => None,
        Some("semantic" | "hybrid") => Some("service_unavailable"),
        Some(other) => {
            return search_failed(&format!("`search_type={other}` is not semantic or hybrid"));
        }
    };
    let ascending = match q.get("order").unwrap_or("desc") {
        "asc" => true,
        "desc" => false,
        other => return search_failed(&format!("`order={other}` is not asc or desc")),
    };
    let store = lock(&state.store);
    let mut found: Vec<&GitHubIssue> = store.issues.values().filter(|i| query.matches(i)).collect();
    match q.get("sort") {
        Some("updated") => found.sort_by_key(|i| (i.updated_at, i.number)),
        Some("comments") => found.sort_by_key(|i| (i.comments.len(), i.number)),
        // Best match and `created`: by creation.
        _ => found.sort_by_key(|i| (i.created_at, i.number)),
    }
    if !ascending {
        found.reverse();
    }
    let total = found.len();
    let items: Vec<Value> = found
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|i| {
            let mut item = store.issue_json(i);
            if let Value::Object(map) = &mut item {
                map.insert("score".into(), json!(1.0));
            }
            item
        })
        .collect();
    let mut body = json!({
        "total_count": total,
        "incomplete_results": false,
        "items": items,
        "search_type": "lexical",
    });
    if let Some(reason) = fallback {
        body["lexical_fallback_reason"] = json!([reason]);
    }
    let mut response = json_response(StatusCode::OK, body);
    let link_path = format!("{}/search/issues", store.base);
    if let Some(v) = link_header(total, page, per_page, &link_path, &q) {
        response.headers_mut().insert(header::LINK, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_phrases_and_labels_are_single_terms() {
        assert_eq!(
            terms(r#"repo:acme/widgets is:issue label:"good first" in:body "pmsync-origin: a b""#),
            vec![
                "repo:acme/widgets",
                "is:issue",
                "label:good first",
                "in:body",
                "pmsync-origin: a b"
            ]
        );
    }

    #[test]
    fn updated_bounds_follow_the_operator() {
        let q = parse("updated:>=2025-01-06T09:00:00Z").expect("parses");
        let at = |s: &str| instant(s, false).expect("valid");
        assert!(q.updated[0].holds(at("2025-01-06T09:00:00Z")));
        assert!(!q.updated[0].holds(at("2025-01-06T08:59:59Z")));
        let day = parse("updated:2025-01-06").expect("parses");
        assert!(
            day.updated
                .iter()
                .all(|b| b.holds(at("2025-01-06T23:00:00Z")))
        );
        assert!(
            !day.updated
                .iter()
                .all(|b| b.holds(at("2025-01-07T00:00:00Z")))
        );
    }

    #[test]
    fn an_unknown_qualifier_is_refused_by_name() {
        let error = parse("repo:acme/widgets milestone:v1").expect_err("refused");
        assert!(error.contains("`milestone:`"), "{error}");
    }
}
