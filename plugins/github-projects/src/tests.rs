//! The connector's flows against a scripted GitHub (GraphQL routed by operation).

use super::*;
use crate::item::tests::item_node;
use crate::project::tests::project_data;
use pmsync_sdk::config;
use pmsync_sdk::http::testing::{self, WireRequest, WireResponse};
use std::cell::RefCell;
use std::rc::Rc;

/// `(operation or REST path, variables or body)` of every request.
type Log = Rc<RefCell<Vec<(String, Json)>>>;

fn setup(answer: impl Fn(&str, &Json) -> Json + 'static) -> Log {
    config::testing::clear();
    config::testing::set("base_url", "http://127.0.0.1:9");
    config::testing::set("org", "octo-org");
    config::testing::set("project_number", "1");
    config::testing::set("repo", "octo/app");
    let log: Log = Rc::new(RefCell::new(Vec::new()));
    let seen = log.clone();
    testing::set_handler(move |request: &WireRequest| {
        let body: Json = request
            .body
            .as_deref()
            .and_then(|bytes| serde_json::from_slice(bytes).ok())
            .unwrap_or(Json::Null);
        let (operation, variables) = if request.url.ends_with("/graphql") {
            let query = body["query"].as_str().unwrap_or_default();
            let operation = [
                "projectV2(number: $number) { id title",
                "items(first",
                "node(id: $id) { ... on ProjectV2Item",
                "projectItems",
                "addProjectV2ItemById",
                "updateProjectV2ItemFieldValue",
                "clearProjectV2ItemFieldValue",
                "updateIssue",
            ]
            .into_iter()
            .find(|marker| query.contains(marker))
            .unwrap_or_else(|| panic!("unexpected query {query}"));
            (operation.to_owned(), body["variables"].clone())
        } else {
            (
                format!(
                    "{} {}",
                    request.method,
                    request.url.trim_start_matches("http://127.0.0.1:9")
                ),
                body,
            )
        };
        seen.borrow_mut()
            .push((operation.clone(), variables.clone()));
        let reply = answer(&operation, &variables);
        Ok(WireResponse {
            status: 200,
            headers: vec![],
            body: reply.to_string().into_bytes(),
        })
    });
    log
}

fn data(value: Json) -> Json {
    json!({ "data": value })
}

fn operations(log: &Log) -> Vec<String> {
    log.borrow()
        .iter()
        .map(|(operation, _)| operation.clone())
        .collect()
}

fn request(since: Option<&str>, cursor: Option<&str>) -> ListRequest {
    ListRequest {
        since: since.map(str::to_owned),
        cursor: cursor.map(str::to_owned),
        page_size: 2,
        filter: Filter {
            projects: vec![],
            issue_types: vec![],
            labels: vec![],
            query: None,
        },
    }
}

#[test]
fn listing_keeps_issue_items_changed_since_the_watermark_oldest_first() {
    let log = setup(|operation, _| match operation {
        "items(first" => {
            let draft = json!({"id": "PVTI_d", "type": "DRAFT_ISSUE", "updatedAt": "2024-05-03T00:00:00Z", "content": {}, "fieldValues": {"nodes": []}});
            data(json!({"organization": {"projectV2": {"items": {
            "pageInfo": {"hasNextPage": true, "endCursor": "Y3Vyc29yOjI="},
            "nodes": [
                item_node("PVTI_new", "2024-05-02T00:00:00Z", "2024-05-01T00:00:00Z"),
                item_node("PVTI_old", "2024-04-01T00:00:00Z", "2024-04-01T00:00:00Z"),
                item_node("PVTI_title", "2024-04-01T00:00:00Z", "2024-05-01T12:00:00Z"),
                draft
            ]}}}}))
        }
        _ => data(project_data()),
    });
    let page = GithubProjects::new()
        .list_changed(request(Some("2024-05-01T00:00:00Z"), Some("Y3Vyc29yOjA=")))
        .expect("lists");
    let ids: Vec<&str> = page.items.iter().map(|item| item.id.as_str()).collect();
    assert_eq!(ids, ["PVTI_title", "PVTI_new"]);
    assert_eq!(page.next_cursor.as_deref(), Some("Y3Vyc29yOjI="));
    let log = log.borrow();
    assert_eq!(
        log[1].1,
        json!({"login": "octo-org", "number": 1, "first": 2, "after": "Y3Vyc29yOjA="})
    );
}

#[test]
fn an_update_with_an_unknown_option_rereads_the_project_then_fails_without_writing() {
    let log = setup(|_, _| data(project_data()));
    let error = GithubProjects::new()
        .update_one(UpdateRequest {
            id: "PVTI_1".into(),
            fields: vec![Field::new("Status", "Blocked")],
        })
        .unwrap_err();
    assert_eq!(
        error,
        PluginError::invalid_input(
            "field `Status`: \"Blocked\" is not an option; options: Todo, Done"
        )
    );
    assert!(
        operations(&log)
            .iter()
            .all(|operation| operation.starts_with("projectV2")),
        "{:?}",
        operations(&log)
    );
}

#[test]
fn an_update_writes_each_field_then_returns_the_item_as_github_has_it() {
    let log = setup(|operation, _| match operation {
        "node(id: $id) { ... on ProjectV2Item" => data(
            json!({"node": item_node("PVTI_1", "2024-05-02T00:00:00Z", "2024-05-01T00:00:00Z")}),
        ),
        "updateProjectV2ItemFieldValue" | "clearProjectV2ItemFieldValue" => {
            data(json!({"x": {"projectV2Item": {"id": "PVTI_1"}}}))
        }
        "updateIssue" => data(json!({"updateIssue": {"issue": {"id": "I_42", "title": "T"}}})),
        _ => data(project_data()),
    });
    let item = GithubProjects::new()
        .update_one(UpdateRequest {
            id: "PVTI_1".into(),
            fields: vec![
                Field::new("Status", "Done"),
                Field::new("Estimate", Value::Null),
                Field::new("title", "T"),
            ],
        })
        .expect("updated");
    assert_eq!(item.key, "octo/app#42");
    let log = log.borrow();
    let mutations: Vec<&(String, Json)> = log
        .iter()
        .filter(|(operation, _)| operation.starts_with("update") || operation.starts_with("clear"))
        .collect();
    assert_eq!(
        mutations[0].1,
        json!({"input": {"projectId": "PVT_1", "itemId": "PVTI_1", "fieldId": "PVTSSF_status", "value": {"singleSelectOptionId": "opt_done"}}})
    );
    assert_eq!(
        mutations[1].1,
        json!({"input": {"projectId": "PVT_1", "itemId": "PVTI_1", "fieldId": "PVTF_est"}})
    );
    assert_eq!(
        mutations[2].1,
        json!({"input": {"id": "I_42", "title": "T"}})
    );
}

#[test]
fn create_makes_the_issue_with_the_marker_adds_it_and_sets_the_fields() {
    let log = setup(|operation, _| match operation {
        "POST /repos/octo/app/issues" => {
            json!({"number": 42, "node_id": "I_42", "updated_at": "2024-05-01T00:00:00Z"})
        }
        "addProjectV2ItemById" => data(json!({"addProjectV2ItemById": {"item": {"id": "PVTI_1"}}})),
        "updateProjectV2ItemFieldValue" => {
            data(json!({"updateProjectV2ItemFieldValue": {"projectV2Item": {"id": "PVTI_1"}}}))
        }
        "node(id: $id) { ... on ProjectV2Item" => data(
            json!({"node": item_node("PVTI_1", "2024-05-02T00:00:00Z", "2024-05-01T00:00:00Z")}),
        ),
        _ => data(project_data()),
    });
    let item = GithubProjects::new()
        .create_one(CreateRequest {
            origin: "pmsync:s:source:7".into(),
            fields: vec![
                Field::new("title", "Crash on save"),
                Field::new("Status", "Done"),
            ],
        })
        .expect("created");
    assert_eq!(item.id, "PVTI_1");
    let log = log.borrow();
    assert_eq!(
        log[1].1,
        json!({"title": "Crash on save", "body": "<!-- pmsync-origin: pmsync:s:source:7 -->"})
    );
    assert_eq!(
        log[2],
        (
            "addProjectV2ItemById".to_owned(),
            json!({"input": {"projectId": "PVT_1", "contentId": "I_42"}})
        )
    );
    assert_eq!(log[3].0, "updateProjectV2ItemFieldValue");
}

#[test]
fn an_issue_found_by_origin_but_missing_from_the_board_is_added_instead_of_recreated() {
    let stored = "<!-- pmsync-origin: pmsync:s:source:7 -->";
    let log = setup(move |operation, _| {
        if operation.starts_with("GET /search/issues") {
            return json!({"total_count": 1, "items": [{"number": 42, "node_id": "I_42", "body": stored, "updated_at": "2024-05-01T00:00:00Z"}]});
        }
        match operation {
            "projectItems" => data(
                json!({"node": {"projectItems": {"nodes": [{"id": "PVTI_elsewhere", "project": {"id": "PVT_9"}}]}}}),
            ),
            "addProjectV2ItemById" => {
                data(json!({"addProjectV2ItemById": {"item": {"id": "PVTI_1"}}}))
            }
            "node(id: $id) { ... on ProjectV2Item" => data(
                json!({"node": item_node("PVTI_1", "2024-05-02T00:00:00Z", "2024-05-01T00:00:00Z")}),
            ),
            _ => data(project_data()),
        }
    });
    let found = GithubProjects::new()
        .find_one_by_origin("pmsync:s:source:7".into())
        .expect("answers");
    assert_eq!(found.map(|item| item.id), Some("PVTI_1".to_owned()));
    assert!(operations(&log).contains(&"addProjectV2ItemById".to_owned()));
}

#[test]
fn an_item_of_another_project_is_not_found() {
    setup(|operation, _| match operation {
        "node(id: $id) { ... on ProjectV2Item" => {
            let mut node = item_node("PVTI_x", "2024-05-02T00:00:00Z", "2024-05-01T00:00:00Z");
            node["project"]["id"] = "PVT_other".into();
            data(json!({"node": node}))
        }
        _ => data(project_data()),
    });
    assert!(matches!(
        GithubProjects::new().get_one("PVTI_x".into()),
        Err(PluginError::NotFound(_))
    ));
}

#[test]
fn describe_reports_the_projects_fields() {
    setup(|_, _| data(project_data()));
    let descriptor = GithubProjects::new().describe();
    assert_eq!(descriptor.platform, "github_projects");
    let names: Vec<&str> = descriptor
        .fields
        .iter()
        .map(|field| field.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["title", "Status", "Iteration", "Estimate", "Due", "Notes"]
    );
}
