//! The connector's flows against a scripted GitHub.

use super::*;
use pmsync_sdk::config;
use pmsync_sdk::http::testing::{self, WireRequest, WireResponse};
use std::cell::RefCell;
use std::rc::Rc;

type Log = Rc<RefCell<Vec<(String, String, serde_json::Value)>>>;

fn setup(routes: Vec<(&'static str, &'static str, u16, serde_json::Value)>) -> Log {
    config::testing::clear();
    config::testing::set("base_url", "http://127.0.0.1:9/");
    config::testing::set("repo", "octo/hello");
    let log: Log = Rc::new(RefCell::new(Vec::new()));
    let seen = log.clone();
    testing::set_handler(move |request: &WireRequest| {
        let body = request
            .body
            .as_deref()
            .map(|bytes| serde_json::from_slice(bytes).unwrap_or(serde_json::Value::Null))
            .unwrap_or(serde_json::Value::Null);
        assert_eq!(request.credential.as_deref(), Some("token"));
        seen.borrow_mut()
            .push((request.method.clone(), request.url.clone(), body));
        let path = request.url.trim_start_matches("http://127.0.0.1:9");
        let (_, _, status, answer) = routes
            .iter()
            .find(|(method, prefix, _, _)| *method == request.method && path.starts_with(prefix))
            .unwrap_or_else(|| panic!("unexpected {} {}", request.method, request.url));
        Ok(WireResponse {
            status: *status,
            headers: vec![],
            body: answer.to_string().into_bytes(),
        })
    });
    log
}

fn issue(number: u64, body: Option<&str>, state: &str) -> serde_json::Value {
    serde_json::json!({
        "number": number, "node_id": format!("I_{number}"), "title": "Crash", "body": body, "state": state,
        "html_url": format!("https://github.com/octo/hello/issues/{number}"),
        "updated_at": "2024-05-01T12:00:00Z", "created_at": "2024-05-01T11:00:00Z", "labels": [], "assignees": []
    })
}

#[test]
fn create_appends_the_marker_resolves_the_milestone_and_closes_afterwards() {
    let stored = "Body\n\n<!-- pmsync-origin: pmsync:s:source:1 -->";
    let log = setup(vec![
        (
            "GET",
            "/repos/octo/hello/milestones",
            200,
            serde_json::json!([{"number": 4, "title": "v1"}]),
        ),
        (
            "POST",
            "/repos/octo/hello/issues",
            201,
            issue(12, Some(stored), "open"),
        ),
        (
            "PATCH",
            "/repos/octo/hello/issues/12",
            200,
            issue(12, Some(stored), "closed"),
        ),
    ]);
    let item = GithubIssues::new()
        .create_one(CreateRequest {
            origin: "pmsync:s:source:1".to_owned(),
            fields: vec![
                Field::new("title", "Crash"),
                Field::new("body", "Body"),
                Field::new("milestone", "v1"),
                Field::new("state", "closed"),
                Field::new("state_reason", "not_planned"),
            ],
        })
        .expect("created");
    assert_eq!((item.id.as_str(), item.key.as_str()), ("12", "#12"));
    assert_eq!(item.field("body"), Some(&Value::text("Body")));
    assert_eq!(item.field("state"), Some(&Value::text("closed")));
    let log = log.borrow();
    assert_eq!(
        log[1].2,
        serde_json::json!({"title": "Crash", "body": stored, "milestone": 4})
    );
    assert_eq!(
        log[2].2,
        serde_json::json!({"state": "closed", "state_reason": "not_planned"})
    );
}

#[test]
fn updating_the_body_keeps_the_existing_marker_and_sends_only_that_field() {
    let stored = "Old\n\n<!-- pmsync-origin: pmsync:s:source:1 -->";
    let log = setup(vec![
        (
            "GET",
            "/repos/octo/hello/issues/12",
            200,
            issue(12, Some(stored), "open"),
        ),
        (
            "PATCH",
            "/repos/octo/hello/issues/12",
            200,
            issue(
                12,
                Some("New\n\n<!-- pmsync-origin: pmsync:s:source:1 -->"),
                "open",
            ),
        ),
    ]);
    let item = GithubIssues::new()
        .update_one(UpdateRequest {
            id: "12".to_owned(),
            fields: vec![Field::new("body", "New")],
        })
        .expect("updated");
    assert_eq!(item.field("body"), Some(&Value::text("New")));
    assert_eq!(
        log.borrow()[1].2,
        serde_json::json!({"body": "New\n\n<!-- pmsync-origin: pmsync:s:source:1 -->"})
    );
}

#[test]
fn an_unknown_milestone_fails_the_update_before_anything_is_written() {
    let log = setup(vec![(
        "GET",
        "/repos/octo/hello/milestones",
        200,
        serde_json::json!([{"number": 4, "title": "v1"}]),
    )]);
    let error = GithubIssues::new()
        .update_one(UpdateRequest {
            id: "12".to_owned(),
            fields: vec![Field::new("milestone", "v9")],
        })
        .unwrap_err();
    assert!(
        matches!(&error, PluginError::InvalidInput(message) if message.contains("v9")),
        "{error:?}"
    );
    assert!(log.borrow().iter().all(|(method, _, _)| method == "GET"));
}

#[test]
fn getting_a_pull_request_number_is_not_found() {
    let mut pr = issue(5, None, "open");
    pr["pull_request"] = serde_json::json!({"url": "x"});
    setup(vec![("GET", "/repos/octo/hello/issues/5", 200, pr)]);
    assert!(matches!(
        GithubIssues::new().get_one("5".to_owned()),
        Err(PluginError::NotFound(_))
    ));
    assert!(matches!(
        GithubIssues::new().get_one("PROJ-5".to_owned()),
        Err(PluginError::InvalidInput(_))
    ));
}

#[test]
fn validation_errors_from_github_fail_the_item_as_invalid_input() {
    setup(vec![(
        "PATCH",
        "/repos/octo/hello/issues/3",
        422,
        serde_json::json!({"message": "Validation Failed", "errors": [{"resource": "Issue", "field": "assignees", "code": "invalid"}]}),
    )]);
    let error = GithubIssues::new()
        .update_one(UpdateRequest {
            id: "3".to_owned(),
            fields: vec![Field::new("assignees", Value::text_list(["ghost"]))],
        })
        .unwrap_err();
    assert_eq!(
        error,
        PluginError::invalid_input(
            "PATCH http://127.0.0.1:9/repos/octo/hello/issues/3 answered 422: Validation Failed: Issue.assignees invalid"
        )
    );
}

#[test]
fn a_page_of_changes_maps_issues_and_hands_back_the_next_link() {
    config::testing::clear();
    config::testing::set("repo", "octo/hello");
    testing::set_handler(|request| {
        assert!(request.url.starts_with(
            "https://api.github.com/repos/octo/hello/issues?state=all&sort=updated&direction=asc"
        ));
        Ok(WireResponse {
            status: 200,
            headers: vec![(
                "Link".to_owned(),
                "<https://api.github.com/repositories/1/issues?page=2>; rel=\"next\"".to_owned(),
            )],
            body: serde_json::json!([issue(1, None, "open")])
                .to_string()
                .into_bytes(),
        })
    });
    let page = GithubIssues::new()
        .list_changed(ListRequest {
            since: None,
            cursor: None,
            page_size: 100,
            filter: Filter {
                projects: vec![],
                issue_types: vec![],
                labels: vec![],
                query: None,
            },
        })
        .expect("lists");
    assert_eq!(page.items.len(), 1);
    assert_eq!(
        page.next_cursor.as_deref(),
        Some("https://api.github.com/repositories/1/issues?page=2")
    );
}

#[test]
fn describe_lists_writable_and_read_only_fields() {
    let descriptor = GithubIssues::new().describe();
    assert_eq!(descriptor.platform, "github");
    let writable = |name: &str| {
        descriptor
            .fields
            .iter()
            .find(|field| field.name == name)
            .map(|field| field.writable)
    };
    assert_eq!(writable("labels"), Some(true));
    assert_eq!(writable("number"), Some(false));
    assert!(
        descriptor
            .capabilities
            .contains(Capabilities::ORIGIN_MARKERS)
    );
}
