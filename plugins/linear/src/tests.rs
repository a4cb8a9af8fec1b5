//! The connector end to end against a fake Linear: what it sends and what it makes of the
//! answers.

use serde_json::{Value as Json, json};

use pmsync_sdk::{
    Connector, CreateRequest, Field, Filter, ListRequest, PluginError, UpdateRequest, Value,
};

use crate::LinearConnector;
use crate::origin;
use crate::test_support::{Answer, TEAM_ID, configure, issue_json, ok, page, serve, workspace};

fn list_request(
    since: Option<&str>,
    cursor: Option<&str>,
    page_size: u32,
    filter: Filter,
) -> ListRequest {
    ListRequest {
        since: since.map(str::to_owned),
        cursor: cursor.map(str::to_owned),
        page_size,
        filter,
    }
}

fn no_filter() -> Filter {
    Filter {
        projects: Vec::new(),
        issue_types: Vec::new(),
        labels: Vec::new(),
        query: None,
    }
}

fn not_found() -> Answer {
    (
        200,
        Vec::new(),
        json!({"data": null, "errors": [{"message": "Entity not found: Issue", "path": ["issue"],
            "extensions": {"code": "INVALID_INPUT", "userPresentableMessage": "Could not find referenced Issue."}}]}),
    )
}

#[test]
fn list_changed_asks_for_the_teams_issues_since_the_watermark_and_returns_them_oldest_first() {
    configure();
    let sent = serve(|operation, _| {
        assert_eq!(operation, "PmsyncIssues");
        ok(json!({"issues": page(vec![
            issue_json("i-3", "ENG-3", "2025-07-03T00:00:00.000Z"),
            issue_json("i-2", "ENG-2", "2025-07-02T00:00:00.000Z"),
        ], Some("cursor-2"))}))
    });
    let page = LinearConnector::new()
        .list_changed(list_request(
            Some("2025-07-01T00:00:00Z"),
            Some("cursor-1"),
            2,
            no_filter(),
        ))
        .expect("a page");
    let keys: Vec<&str> = page.items.iter().map(|item| item.key.as_str()).collect();
    assert_eq!(keys, ["ENG-2", "ENG-3"]);
    assert_eq!(page.next_cursor.as_deref(), Some("cursor-2"));

    let sent = sent.borrow();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].url, "https://linear.test/graphql");
    assert_eq!(sent[0].credential.as_deref(), Some("token"));
    assert_eq!(
        sent[0].variables,
        json!({
            "filter": {"team": {"key": {"eq": "ENG"}}, "updatedAt": {"gte": "2025-07-01T00:00:00Z"}},
            "first": 2,
            "after": "cursor-1",
            "orderBy": "updatedAt"
        })
    );
    // Every argument travels as a variable.
    assert!(
        sent[0]
            .query
            .contains("issues(filter: $filter, first: $first, after: $after, orderBy: $orderBy)")
    );
}

#[test]
fn the_last_page_has_no_next_cursor() {
    configure();
    serve(|_, _| ok(json!({"issues": page(vec![], None)})));
    let page = LinearConnector::new()
        .list_changed(list_request(None, None, 50, no_filter()))
        .expect("a page");
    assert!(page.items.is_empty());
    assert_eq!(page.next_cursor, None);
}

#[test]
fn labels_projects_and_a_linear_filter_query_narrow_the_listing_together() {
    configure();
    let sent = serve(|_, _| ok(json!({"issues": page(vec![], None)})));
    let filter = Filter {
        projects: vec!["ENG".to_owned(), "OPS".to_owned()],
        issue_types: Vec::new(),
        labels: vec!["Bug".to_owned()],
        query: Some(
            r#"{"priority": {"lte": 2}, "team": {"name": {"eq": "Engineering"}}}"#.to_owned(),
        ),
    };
    LinearConnector::new()
        .list_changed(list_request(None, None, 0, filter))
        .expect("a page");
    let variables = sent.borrow()[0].variables.clone();
    assert_eq!(
        variables["filter"],
        json!({
            "labels": {"some": {"name": {"in": ["Bug"]}}},
            "priority": {"lte": 2},
            "and": [
                {"team": {"key": {"in": ["ENG", "OPS"]}}},
                {"team": {"name": {"eq": "Engineering"}}}
            ]
        })
    );
    assert_eq!(variables["first"], 50, "page size 0 means Linear's default");
    assert!(
        variables
            .get("filter")
            .and_then(|f| f.get("updatedAt"))
            .is_none()
    );
}

#[test]
fn page_size_is_capped_at_linears_maximum() {
    configure();
    let sent = serve(|_, _| ok(json!({"issues": page(vec![], None)})));
    LinearConnector::new()
        .list_changed(list_request(None, None, 1_000, no_filter()))
        .expect("a page");
    assert_eq!(sent.borrow()[0].variables["first"], 250);
}

#[test]
fn a_filter_query_that_is_not_a_json_object_is_refused_before_any_request() {
    configure();
    let sent = serve(|_, _| panic!("nothing may be sent"));
    let mut filter = no_filter();
    filter.query = Some("priority <= 2".to_owned());
    let error = LinearConnector::new()
        .list_changed(list_request(None, None, 10, filter.clone()))
        .unwrap_err();
    assert!(matches!(error, PluginError::InvalidInput(_)));
    assert!(error.message().contains("not valid JSON"), "{error:?}");
    filter.query = Some("[1]".to_owned());
    let error = LinearConnector::new()
        .list_changed(list_request(None, None, 10, filter))
        .unwrap_err();
    assert!(
        error.message().contains("must be a JSON object"),
        "{error:?}"
    );
    assert!(sent.borrow().is_empty());
}

#[test]
fn issue_types_are_refused_because_linear_has_none() {
    configure();
    serve(|_, _| panic!("nothing may be sent"));
    let mut filter = no_filter();
    filter.issue_types = vec!["Bug".to_owned()];
    let error = LinearConnector::new()
        .list_changed(list_request(None, None, 10, filter))
        .unwrap_err();
    assert!(matches!(error, PluginError::InvalidInput(_)));
    assert!(error.message().contains("no issue types"), "{error:?}");
}

#[test]
fn rate_limiting_during_a_listing_reaches_the_host_with_its_delay() {
    configure();
    serve(|_, _| {
        (
            400,
            vec![
                (
                    "date".to_owned(),
                    "Tue, 01 Jul 2025 12:00:00 GMT".to_owned(),
                ),
                ("x-ratelimit-requests-remaining".to_owned(), "0".to_owned()),
                (
                    "x-ratelimit-requests-reset".to_owned(),
                    "1751371245000".to_owned(),
                ),
            ],
            json!({"errors": [{"message": "Rate limit exceeded", "extensions": {"code": "RATELIMITED"}}]}),
        )
    });
    let error = LinearConnector::new()
        .list_changed(list_request(None, None, 10, no_filter()))
        .unwrap_err();
    assert!(
        matches!(&error, PluginError::RateLimited(limit) if limit.retry_after_ms == 45_000),
        "{error:?}"
    );
}

#[test]
fn get_fails_only_the_ids_linear_does_not_know() {
    configure();
    serve(|_, variables| match variables["id"].as_str() {
        Some("i-1") => ok(json!({"issue": issue_json("i-1", "ENG-1", "2025-07-01T00:00:00.000Z")})),
        _ => not_found(),
    });
    let results = LinearConnector::new().get(vec!["i-1".to_owned(), "i-404".to_owned()]);
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[0].as_ref().map(|item| item.key.as_str()),
        Ok("ENG-1")
    );
    assert!(
        matches!(results[1], Err(PluginError::NotFound(_))),
        "{:?}",
        results[1]
    );
}

fn create_request(origin: &str, fields: Vec<Field>) -> CreateRequest {
    CreateRequest {
        origin: origin.to_owned(),
        fields,
    }
}

#[test]
fn create_resolves_names_to_ids_and_stores_the_origin_as_the_issue_id() {
    configure();
    let sent = serve(|operation, variables| {
        if let Some(answer) = workspace(operation, variables) {
            return answer;
        }
        assert_eq!(operation, "PmsyncIssueCreate");
        let id = variables["input"]["id"].as_str().expect("an id").to_owned();
        ok(
            json!({"issueCreate": {"success": true, "issue": issue_json(&id, "ENG-9", "2025-07-01T00:00:00.000Z")}}),
        )
    });
    let marker = "pmsync:jira-linear:source:10001";
    let item = LinearConnector::new()
        .create_one(create_request(
            marker,
            vec![
                Field::new("title", "Checkout fails"),
                Field::new("state", "in progress"),
                Field::new("labels", Value::text_list(["bug", "Frontend"])),
                Field::new("assignee", "Noah Okafor"),
                Field::new("priority", 1),
            ],
        ))
        .expect("created");
    let expected_id = origin::issue_id(TEAM_ID, marker);
    assert_eq!(item.id, expected_id);
    assert_eq!(item.key, "ENG-9");

    let sent = sent.borrow();
    let operations: Vec<&str> = sent.iter().map(|s| s.operation.as_str()).collect();
    assert_eq!(
        operations,
        [
            "PmsyncTeams",
            "PmsyncWorkflowStates",
            "PmsyncIssueLabels",
            "PmsyncIssueLabels",
            "PmsyncUsers",
            "PmsyncIssueCreate"
        ]
    );
    assert_eq!(
        sent[3].variables["after"], "labels-2",
        "labels are paged with the cursor"
    );
    assert_eq!(
        sent[5].variables["input"],
        json!({
            "title": "Checkout fails",
            "stateId": "state-doing",
            "labelIds": ["label-bug", "label-frontend"],
            "assigneeId": "user-noah",
            "priority": 1,
            "teamId": TEAM_ID,
            "id": expected_id
        })
    );
}

#[test]
fn lookups_are_cached_for_the_rest_of_the_run() {
    configure();
    let sent = serve(|operation, variables| {
        workspace(operation, variables).unwrap_or_else(|| {
            let id = variables["input"]["id"].as_str().unwrap_or("i-1").to_owned();
            ok(json!({"issueCreate": {"success": true, "issue": issue_json(&id, "ENG-9", "2025-07-01T00:00:00.000Z")}}))
        })
    });
    let results = LinearConnector::new().create(vec![
        create_request(
            "pmsync:s:source:1",
            vec![Field::new("title", "A"), Field::new("state", "Todo")],
        ),
        create_request(
            "pmsync:s:source:2",
            vec![Field::new("title", "B"), Field::new("state", "Done")],
        ),
    ]);
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let lookups = sent
        .borrow()
        .iter()
        .filter(|s| s.operation != "PmsyncIssueCreate")
        .count();
    assert_eq!(
        lookups, 2,
        "one team and one states lookup for both creates"
    );
}

#[test]
fn an_unknown_state_is_refused_with_the_teams_valid_states_after_one_fresh_lookup() {
    configure();
    let sent = serve(|operation, variables| {
        workspace(operation, variables).unwrap_or_else(|| {
            ok(json!({"issueCreate": {"success": true, "issue": issue_json("i-1", "ENG-1", "2025-07-01T00:00:00.000Z")}}))
        })
    });
    LinearConnector::new()
        .create_one(create_request(
            "m1",
            vec![Field::new("title", "A"), Field::new("state", "Todo")],
        ))
        .expect("created");
    let error = LinearConnector::new()
        .create_one(create_request(
            "m2",
            vec![Field::new("title", "B"), Field::new("state", "Doing")],
        ))
        .unwrap_err();
    assert_eq!(
        error,
        PluginError::invalid_input(
            "`state`: Linear team ENG has no workflow state `Doing`; valid: Todo, In Progress, Done"
        )
    );
    let state_lookups = sent
        .borrow()
        .iter()
        .filter(|s| s.operation == "PmsyncWorkflowStates")
        .count();
    assert_eq!(
        state_lookups, 2,
        "the cached list is refreshed once before refusing"
    );
    assert!(
        !sent
            .borrow()
            .iter()
            .any(|s| s.variables["input"]["title"] == "B"),
        "nothing is created with a bad state"
    );
}

#[test]
fn label_groups_and_unknown_people_cannot_be_assigned() {
    configure();
    serve(|operation, variables| workspace(operation, variables).expect("only lookups"));
    let error = LinearConnector::new()
        .create_one(create_request(
            "m",
            vec![
                Field::new("title", "A"),
                Field::new("labels", Value::text_list(["Area"])),
            ],
        ))
        .unwrap_err();
    assert!(
        error
            .message()
            .starts_with("`labels`: Linear has no label `Area`"),
        "{error:?}"
    );
    assert!(error.message().contains("Bug, frontend"), "{error:?}");
    let error = LinearConnector::new()
        .create_one(create_request(
            "m",
            vec![
                Field::new("title", "A"),
                Field::new("assignee", "zoe@example.com"),
            ],
        ))
        .unwrap_err();
    assert!(matches!(error, PluginError::InvalidInput(_)));
    assert!(
        error
            .message()
            .contains("mia@example.com, noah@example.com"),
        "{error:?}"
    );
}

#[test]
fn creating_without_a_title_is_refused_before_any_write() {
    configure();
    let sent = serve(|operation, variables| workspace(operation, variables).expect("only lookups"));
    let error = LinearConnector::new()
        .create_one(create_request("m", vec![Field::new("priority", 2)]))
        .unwrap_err();
    assert!(error.message().contains("needs a title"), "{error:?}");
    assert!(
        !sent
            .borrow()
            .iter()
            .any(|s| s.operation == "PmsyncIssueCreate")
    );
}

#[test]
fn a_repeated_create_returns_the_issue_the_first_attempt_made() {
    configure();
    let marker = "pmsync:s:source:77";
    let existing_id = origin::issue_id(TEAM_ID, marker);
    let existing = existing_id.clone();
    serve(move |operation, variables| {
        if let Some(answer) = workspace(operation, variables) {
            return answer;
        }
        match operation {
            "PmsyncIssueCreate" => (
                400,
                Vec::new(),
                json!({"errors": [{"message": "Argument Validation Error",
                    "extensions": {"code": "INVALID_INPUT", "userPresentableMessage": "id already exists"}}]}),
            ),
            "PmsyncIssue" if variables["id"] == existing.as_str() => {
                ok(json!({"issue": issue_json(&existing, "ENG-77", "2025-07-01T00:00:00.000Z")}))
            }
            other => panic!("unexpected {other}"),
        }
    });
    let item = LinearConnector::new()
        .create_one(create_request(marker, vec![Field::new("title", "A")]))
        .expect("the existing issue");
    assert_eq!(item.id, existing_id);
    assert_eq!(item.key, "ENG-77");
}

#[test]
fn a_create_linear_refuses_for_another_reason_keeps_linears_message() {
    configure();
    serve(|operation, variables| {
        if let Some(answer) = workspace(operation, variables) {
            return answer;
        }
        match operation {
            "PmsyncIssueCreate" => (
                200,
                Vec::new(),
                json!({"data": null, "errors": [{"message": "Argument Validation Error",
                    "extensions": {"code": "INVALID_INPUT", "userPresentableMessage": "title is too long"}}]}),
            ),
            _ => not_found(),
        }
    });
    let error = LinearConnector::new()
        .create_one(create_request("m", vec![Field::new("title", "A")]))
        .unwrap_err();
    assert!(matches!(error, PluginError::InvalidInput(_)));
    assert!(
        error
            .message()
            .ends_with("Argument Validation Error: title is too long"),
        "{error:?}"
    );
}

#[test]
fn update_sends_only_the_given_fields_and_returns_the_issue_as_linear_has_it() {
    configure();
    let sent = serve(|operation, variables| {
        if let Some(answer) = workspace(operation, variables) {
            return answer;
        }
        assert_eq!(operation, "PmsyncIssueUpdate");
        let mut issue = issue_json("i-5", "ENG-5", "2025-07-05T00:00:00.000Z");
        issue["state"] = json!({"id": "state-done", "name": "Done"});
        issue["dueDate"] = Json::Null;
        ok(json!({"issueUpdate": {"success": true, "issue": issue}}))
    });
    let item = LinearConnector::new()
        .update_one(UpdateRequest {
            id: "i-5".to_owned(),
            fields: vec![
                Field::new("state", "Done"),
                Field::new("dueDate", Value::Null),
            ],
        })
        .expect("updated");
    assert_eq!(item.field("state"), Some(&Value::text("Done")));
    assert_eq!(item.field("dueDate"), Some(&Value::Null));
    assert_eq!(item.updated_at, "2025-07-05T00:00:00.000Z");
    let sent = sent.borrow();
    let update = sent.last().expect("an update was sent");
    assert_eq!(
        update.variables,
        json!({"id": "i-5", "input": {"stateId": "state-done", "dueDate": null}})
    );
}

#[test]
fn an_update_of_an_unknown_issue_is_not_found() {
    configure();
    serve(|_, _| {
        (
            200,
            Vec::new(),
            json!({"data": null, "errors": [{"message": "Entity not found: Issue", "extensions": {"code": "INVALID_INPUT"}}]}),
        )
    });
    let error = LinearConnector::new()
        .update_one(UpdateRequest {
            id: "i-404".to_owned(),
            fields: vec![Field::new("title", "New")],
        })
        .unwrap_err();
    assert!(matches!(error, PluginError::NotFound(_)), "{error:?}");
}

#[test]
fn an_update_with_no_fields_writes_nothing_and_reads_the_issue() {
    configure();
    let sent = serve(|operation, _| {
        assert_eq!(operation, "PmsyncIssue");
        ok(json!({"issue": issue_json("i-5", "ENG-5", "2025-07-05T00:00:00.000Z")}))
    });
    let item = LinearConnector::new()
        .update_one(UpdateRequest {
            id: "i-5".to_owned(),
            fields: Vec::new(),
        })
        .expect("read");
    assert_eq!(item.key, "ENG-5");
    assert_eq!(sent.borrow().len(), 1);
}

#[test]
fn find_by_origin_looks_up_the_id_the_marker_stands_for() {
    configure();
    let created = origin::issue_id(TEAM_ID, "pmsync:s:source:1");
    let known = created.clone();
    serve(move |operation, variables| {
        if let Some(answer) = workspace(operation, variables) {
            return answer;
        }
        if variables["id"] == known.as_str() {
            ok(json!({"issue": issue_json(&known, "ENG-1", "2025-07-01T00:00:00.000Z")}))
        } else {
            not_found()
        }
    });
    let results = LinearConnector::new().find_by_origin(vec![
        "pmsync:s:source:1".to_owned(),
        "pmsync:s:source:2".to_owned(),
    ]);
    assert_eq!(
        results[0]
            .as_ref()
            .map(|found| found.as_ref().map(|item| item.id.clone())),
        Ok(Some(created))
    );
    assert_eq!(results[1], Ok(None));
}

#[test]
fn an_unknown_team_key_is_a_setting_error_naming_the_teams_there_are() {
    configure();
    pmsync_sdk::config::testing::set("team", "NOPE");
    serve(|_, _| {
        ok(
            json!({"teams": page(vec![json!({"id": TEAM_ID, "key": "ENG", "name": "Engineering"})], None)}),
        )
    });
    let error = LinearConnector::new()
        .find_one_by_origin("m".to_owned())
        .unwrap_err();
    assert_eq!(
        error,
        PluginError::invalid_input(
            "Linear has no team with the key `NOPE` (setting `team`); valid: ENG"
        )
    );
}

#[test]
fn authentication_failures_are_unauthorized() {
    configure();
    serve(|_, _| {
        (
            401,
            Vec::new(),
            json!({"errors": [{"message": "Authentication required, not authenticated",
                "extensions": {"code": "AUTHENTICATION_ERROR", "type": "authentication error"}}]}),
        )
    });
    let error = LinearConnector::new()
        .get_one("i-1".to_owned())
        .unwrap_err();
    assert!(matches!(error, PluginError::Unauthorized(_)), "{error:?}");
}

#[test]
fn describe_names_the_platform_fields_and_capabilities() {
    let descriptor = LinearConnector::new().describe();
    assert_eq!(descriptor.platform, "linear");
    let names: Vec<&str> = descriptor
        .fields
        .iter()
        .map(|spec| spec.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "title",
            "description",
            "state",
            "priority",
            "labels",
            "assignee",
            "dueDate",
            "estimate",
            "identifier",
            "createdAt",
            "updatedAt",
            "attachments"
        ]
    );
    assert!(descriptor.capabilities.contains(
        pmsync_sdk::Capabilities::INCREMENTAL
            | pmsync_sdk::Capabilities::WEBHOOKS
            | pmsync_sdk::Capabilities::ORIGIN_MARKERS
    ));
}
