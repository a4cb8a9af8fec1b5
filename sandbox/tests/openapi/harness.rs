//! Runs request cases against a sandbox platform and checks each one against the platform's
//! OpenAPI description: the request (path and query parameters declared and well-typed, the
//! body against the request schema) and the answer (its status documented for the
//! operation, its body against that status's schema).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use pmsync_sandbox::Route;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::schema::{Spec, response_body_schema};

/// The reference data, read in place; `None` (with a visible message) when it is missing,
/// a failure when `CI=true`.
pub fn apidata() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/apidata");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "CI=true but the API reference data is missing at {}",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: API reference data not found at {}; OpenAPI validation not run",
        dir.display()
    );
    None
}

/// One request and the status it must get.
#[derive(Debug, Clone)]
pub struct Case {
    pub method: &'static str,
    /// Path and query, e.g. `/repos/acme/widgets/issues?state=all`.
    pub target: String,
    pub body: Option<Value>,
    pub status: u16,
    /// Send the request twice, the second time with `If-None-Match` set to the first
    /// answer's `ETag`; the second answer is the one checked (and `status` is its status).
    pub revalidate: bool,
    /// The request deliberately breaks the description (to check the error answer): the
    /// request check must find that, and its findings are not problems.
    pub invalid_request: bool,
}

impl Case {
    pub fn get(target: impl Into<String>, status: u16) -> Case {
        Case {
            method: "GET",
            target: target.into(),
            body: None,
            status,
            revalidate: false,
            invalid_request: false,
        }
    }
    pub fn send(method: &'static str, target: impl Into<String>, body: Value, status: u16) -> Case {
        Case {
            method,
            target: target.into(),
            body: Some(body),
            status,
            revalidate: false,
            invalid_request: false,
        }
    }
    pub fn without_body(method: &'static str, target: impl Into<String>, status: u16) -> Case {
        Case {
            method,
            target: target.into(),
            body: None,
            status,
            revalidate: false,
            invalid_request: false,
        }
    }
    pub fn revalidated(mut self) -> Case {
        self.revalidate = true;
        self
    }
    pub fn deliberately_invalid(mut self) -> Case {
        self.invalid_request = true;
        self
    }
    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }
    fn query(&self) -> Vec<(String, String)> {
        let Some((_, query)) = self.target.split_once('?') else {
            return Vec::new();
        };
        url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
}

/// How one platform is checked.
pub struct Platform<'a> {
    pub spec: &'a Spec,
    pub base_url: String,
    pub authorization: &'static str,
    /// The description's path for a sandbox path (aliases the description does not list,
    /// e.g. Jira's `/rest/api/2/...` → `/rest/api/3/...`).
    pub spec_path: fn(&str) -> String,
    /// The schema an error answer is checked against when the description gives none for
    /// its status (Jira documents most error statuses without a body schema).
    pub error_schema: Value,
}

/// Segments of `template` (`{name}` matches any one segment) against `path`; the number of
/// literal segments when it matches (more literal = more specific).
pub fn template_match(template: &str, path: &str) -> Option<usize> {
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut literal = 0;
    for (ts, ps) in t.iter().zip(&p) {
        if ts.starts_with('{') && ts.ends_with('}') {
            if ps.is_empty() {
                return None;
            }
        } else if ts == ps {
            literal += 1;
        } else {
            return None;
        }
    }
    Some(literal)
}

/// The most specific template of `templates` matching `path`.
pub fn best_match<'t>(templates: impl Iterator<Item = &'t str>, path: &str) -> Option<&'t str> {
    templates
        .filter_map(|t| template_match(t, path).map(|score| (score, t)))
        .max_by_key(|(score, _)| *score)
        .map(|(_, t)| t)
}

/// The sandbox route a case exercises.
pub fn route_of(routes: &[Route], case: &Case) -> Option<Route> {
    let path = case.path();
    routes
        .iter()
        .filter(|r| r.method == case.method)
        .filter_map(|r| template_match(r.path, path).map(|score| (score, *r)))
        .max_by_key(|(score, _)| *score)
        .map(|(_, r)| r)
}

fn decode_segment(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Checks the request side of a case; problems as text.
fn check_request(
    spec: &Spec,
    template: &str,
    operation: &Value,
    case: &Case,
    spec_path: &str,
) -> Vec<String> {
    let mut errors = Vec::new();
    let parameters = spec.parameters(template, operation);
    let path_values: Vec<(&str, &str)> = template
        .split('/')
        .zip(spec_path.split('/'))
        .filter(|(t, _)| t.starts_with('{'))
        .map(|(t, v)| (t.trim_matches(|c| c == '{' || c == '}'), v))
        .collect();
    for (name, value) in path_values {
        match parameters
            .iter()
            .find(|p| p["in"] == "path" && p["name"] == name)
        {
            Some(p) => errors.extend(spec.check_parameter_text(p, &decode_segment(value))),
            None => errors.push(format!("path parameter `{name}` is not described")),
        }
    }
    let query = case.query();
    for (name, value) in &query {
        match parameters
            .iter()
            .find(|p| p["in"] == "query" && p["name"] == name.as_str())
        {
            Some(p) => errors.extend(spec.check_parameter_text(p, value)),
            None => errors.push(format!("query parameter `{name}` is not described")),
        }
    }
    for p in parameters
        .iter()
        .filter(|p| p["in"] == "query" && p["required"] == true)
    {
        let name = p["name"].as_str().unwrap_or_default();
        if !query.iter().any(|(k, _)| k == name) {
            errors.push(format!("required query parameter `{name}` is not sent"));
        }
    }
    match (&case.body, spec.request_schema(operation)) {
        (Some(body), Some(schema)) => errors.extend(
            spec.check(schema, body)
                .into_iter()
                .map(|e| format!("request body {e}")),
        ),
        (Some(_), None) => errors.push("sends a body the operation does not take".into()),
        (None, _) => {}
    }
    errors
}

/// Sends a case and checks both sides. Returns the problems and the answer body.
pub async fn run_case(platform: &Platform<'_>, case: &Case) -> (Vec<String>, Value) {
    let spec = platform.spec;
    let spec_path = (platform.spec_path)(case.path());
    let Some(template) = best_match(spec.paths(), &spec_path) else {
        return (
            vec![format!("`{spec_path}` is not a path of the description")],
            Value::Null,
        );
    };
    let template = template.to_string();
    let Some(operation) = spec.operation(case.method, &template) else {
        return (
            vec![format!("the description has no {} {template}", case.method)],
            Value::Null,
        );
    };
    let request_errors = check_request(spec, &template, operation, case, &spec_path);
    let mut errors = match (case.invalid_request, request_errors.is_empty()) {
        (false, _) => request_errors,
        (true, true) => vec!["meant to break the description, but the request passes it".into()],
        (true, false) => Vec::new(),
    };

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let send = |headers: HeaderMap| {
        let method = reqwest::Method::from_bytes(case.method.as_bytes()).expect("method");
        let mut request = client
            .request(method, format!("{}{}", platform.base_url, case.target))
            .header("authorization", platform.authorization)
            .headers(headers);
        if let Some(body) = &case.body {
            request = request.json(body);
        }
        request.send()
    };
    let mut response = send(HeaderMap::new()).await.expect("request");
    if case.revalidate {
        let Some(etag) = response.headers().get("etag").cloned() else {
            errors.push("the first answer carries no ETag".into());
            return (errors, Value::Null);
        };
        let mut headers = HeaderMap::new();
        headers.insert("if-none-match", etag);
        response = send(headers).await.expect("request");
    }
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    let body: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                errors.push(format!("answer is not JSON ({e}): {text:.200}"));
                return (errors, Value::Null);
            }
        }
    };
    if status != case.status {
        errors.push(format!(
            "status {status}, expected {}: {text:.300}",
            case.status
        ));
        return (errors, body);
    }
    let Some(documented) = spec.response(operation, status) else {
        errors.push(format!(
            "status {status} is not documented for {} {template}",
            case.method
        ));
        return (errors, body);
    };
    let schema = response_body_schema(documented)
        .cloned()
        .or_else(|| (status >= 400).then(|| platform.error_schema.clone()));
    match (schema, &body) {
        (Some(_), Value::Null) if status == 204 || status == 304 => {}
        (None, Value::Null) => {}
        (None, _) => errors.push(format!(
            "status {status} is documented without a body, but one was sent"
        )),
        (Some(schema), body) => errors.extend(
            spec.check(&schema, body)
                .into_iter()
                .map(|e| format!("answer {status} {e}")),
        ),
    }
    (errors, body)
}

/// Runs every case in order; the problems of all of them, each named by its case, and the
/// routes the cases exercised.
pub async fn run_all(
    platform: &Platform<'_>,
    routes: &[Route],
    cases: &[Case],
) -> (Vec<String>, BTreeSet<Route>) {
    let mut problems = Vec::new();
    let mut covered = BTreeSet::new();
    let mut created: Option<String> = None;
    for case in cases {
        // `{created}` in a target stands for the id of the last resource a case created.
        let mut case = case.clone();
        if let Some(id) = &created {
            case.target = case.target.replace("{created}", id);
        }
        let case = &case;
        match route_of(routes, case) {
            Some(route) => {
                covered.insert(route);
            }
            None => problems.push(format!(
                "{} {}: no sandbox route serves it",
                case.method, case.target
            )),
        }
        let (errors, body) = run_case(platform, case).await;
        if case.status == 201 {
            created = match &body["id"] {
                Value::String(id) => Some(id.clone()),
                Value::Number(id) => Some(id.to_string()),
                _ => created,
            };
        }
        problems.extend(
            errors
                .into_iter()
                .map(|e| format!("{} {} → {}: {e}", case.method, case.target, case.status)),
        );
    }
    (problems, covered)
}
