//! A fake Linear for native tests: answers GraphQL requests by operation name and records
//! what the connector sent.

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::{Value as Json, json};

use pmsync_sdk::config;
use pmsync_sdk::http::testing::{self, WireResponse};

pub const TEAM_ID: &str = "00000001-0000-4000-8000-000000000001";

/// One request the connector sent.
#[derive(Debug, Clone)]
pub struct Sent {
    pub url: String,
    pub credential: Option<String>,
    pub operation: String,
    pub query: String,
    pub variables: Json,
}

/// Status, headers and JSON body of an answer.
pub type Answer = (u16, Vec<(String, String)>, Json);

pub fn ok(data: Json) -> Answer {
    (200, Vec::new(), json!({ "data": data }))
}

/// Settings for team `ENG` at `https://linear.test` (each test's connector starts with an empty
/// lookup cache).
pub fn configure() {
    config::testing::clear();
    config::testing::set("base_url", "https://linear.test");
    config::testing::set("team", "ENG");
}

/// Answers every request with `answer(operation, variables)`; returns the log of requests.
pub fn serve(mut answer: impl FnMut(&str, &Json) -> Answer + 'static) -> Rc<RefCell<Vec<Sent>>> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let recorder = Rc::clone(&log);
    testing::set_handler(move |request| {
        let body: Json = serde_json::from_slice(request.body.as_deref().unwrap_or_default())
            .expect("the connector sends JSON");
        let sent = Sent {
            url: request.url.clone(),
            credential: request.credential.clone(),
            operation: body["operationName"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            query: body["query"].as_str().unwrap_or_default().to_owned(),
            variables: body["variables"].clone(),
        };
        let (status, headers, reply) = answer(&sent.operation, &sent.variables);
        recorder.borrow_mut().push(sent);
        Ok(WireResponse {
            status,
            headers,
            body: reply.to_string().into_bytes(),
        })
    });
    log
}

/// A connection page in Linear's shape.
pub fn page(nodes: Vec<Json>, next: Option<&str>) -> Json {
    json!({"nodes": nodes, "pageInfo": {"hasNextPage": next.is_some(), "endCursor": next}})
}

/// The lookups of a small workspace; labels come in two pages. `None` for other operations.
pub fn workspace(operation: &str, variables: &Json) -> Option<Answer> {
    let eng = json!({"id": TEAM_ID, "key": "ENG"});
    let answer = match operation {
        "PmsyncTeams" => ok(
            json!({"teams": page(vec![json!({"id": TEAM_ID, "key": "ENG", "name": "Engineering"})], None)}),
        ),
        "PmsyncWorkflowStates" => ok(json!({"workflowStates": page(vec![
            json!({"id": "state-todo", "name": "Todo", "type": "unstarted", "team": eng}),
            json!({"id": "state-doing", "name": "In Progress", "type": "started", "team": eng}),
            json!({"id": "state-done", "name": "Done", "type": "completed", "team": eng}),
            json!({"id": "state-other", "name": "Review", "type": "started", "team": {"id": "t-2", "key": "OPS"}}),
        ], None)})),
        "PmsyncIssueLabels" => match variables["after"].as_str() {
            None => ok(json!({"issueLabels": page(vec![
                json!({"id": "label-bug", "name": "Bug", "isGroup": false, "team": null}),
                json!({"id": "label-area", "name": "Area", "isGroup": true, "team": null}),
            ], Some("labels-2"))})),
            Some("labels-2") => ok(json!({"issueLabels": page(vec![
                json!({"id": "label-frontend", "name": "frontend", "isGroup": false, "team": eng}),
            ], None)})),
            Some(other) => panic!("unexpected label cursor {other}"),
        },
        "PmsyncUsers" => ok(json!({"users": page(vec![
            json!({"id": "user-mia", "name": "Mia Krystof", "displayName": "mia", "email": "mia@example.com", "active": true}),
            json!({"id": "user-noah", "name": "Noah Okafor", "displayName": "noah", "email": "noah@example.com", "active": true}),
        ], None)})),
        _ => return None,
    };
    Some(answer)
}

/// An issue in the shape of Linear's schema (`Issue`), as the sandbox also serves it.
pub fn issue_json(id: &str, identifier: &str, updated_at: &str) -> Json {
    json!({
        "__typename": "Issue",
        "id": id,
        "identifier": identifier,
        "title": "Checkout fails for EU customers",
        "description": "Steps:\n\n1. Add to cart\n2. Pay",
        "priority": 2.0,
        "estimate": 3.0,
        "dueDate": "2025-07-15",
        "url": format!("https://linear.app/acme/issue/{identifier}"),
        "createdAt": "2025-06-30T08:00:00.000Z",
        "updatedAt": updated_at,
        "state": {"id": "state-doing", "name": "In Progress"},
        "assignee": {"id": "user-mia", "name": "Mia Krystof", "displayName": "mia", "email": "mia@example.com"},
        "labels": {"nodes": [{"id": "label-bug", "name": "Bug"}]}
    })
}
