//! Request/response tests of the connector through the SDK's HTTP stand-in.

use pmsync_sdk::{
    Connector, CreateRequest, Field, Filter, ListRequest, PluginError, UpdateRequest, Value,
};
use serde_json::{Value as Json, json};

use crate::Jira;
use crate::test_support::{configure, example, serve};

fn issue_json(id: &str, key: &str, status: &str) -> Json {
    json!({"id": id, "key": key, "fields": {
        "summary": "S", "status": {"name": status}, "updated": "2024-05-02T08:30:00.000+0000",
        "labels": [], "issuetype": {"name": "Task"}
    }})
}

fn no_filter() -> Filter {
    Filter {
        projects: vec![],
        issue_types: vec![],
        labels: vec![],
        query: None,
    }
}

#[test]
fn list_changed_posts_jql_with_explicit_fields_and_follows_the_token() {
    configure();
    let log = serve(|_, _, body| {
        let body = body.cloned().unwrap_or_default();
        if body.get("nextPageToken").is_none() {
            (200, json!({"issues": [issue_json("1", "PROJ-1", "To Do")], "nextPageToken": "t2", "isLast": false}).to_string())
        } else {
            (
                200,
                json!({"issues": [issue_json("2", "PROJ-2", "Done")], "isLast": true}).to_string(),
            )
        }
    });
    let first = Jira::new()
        .list_changed(ListRequest {
            since: Some("2024-05-01T12:34:56Z".into()),
            cursor: None,
            page_size: 50,
            filter: no_filter(),
        })
        .unwrap();
    assert_eq!(first.items[0].key, "PROJ-1");
    assert_eq!(first.next_cursor.as_deref(), Some("t2"));
    let second = Jira::new()
        .list_changed(ListRequest {
            since: Some("2024-05-01T12:34:56Z".into()),
            cursor: first.next_cursor,
            page_size: 50,
            filter: no_filter(),
        })
        .unwrap();
    assert_eq!(second.items[0].key, "PROJ-2");
    assert_eq!(second.next_cursor, None);
    let sent = log.borrow();
    assert_eq!(sent[0].method, "POST");
    assert_eq!(sent[0].target(), "/rest/api/3/search/jql");
    let body = sent[0].body.clone().unwrap();
    assert_eq!(
        body["jql"],
        "project = \"PROJ\" AND updated >= \"2024-05-01 12:34\" ORDER BY updated ASC"
    );
    assert_eq!(body["maxResults"], 50);
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Json::as_str)
        .collect();
    for wanted in [
        "summary",
        "description",
        "status",
        "updated",
        "customfield_10016",
    ] {
        assert!(
            fields.contains(&wanted),
            "{wanted} not requested: {fields:?}"
        );
    }
    assert_eq!(sent[1].body.as_ref().unwrap()["nextPageToken"], "t2");
}

#[test]
fn the_recorded_search_example_parses_into_items() {
    let Some(body) = example("searchAndReconsileIssuesUsingJql.response.200.json") else {
        return;
    };
    configure();
    serve(move |_, _, _| (200, body.clone()));
    let page = Jira::new()
        .list_changed(ListRequest {
            since: None,
            cursor: None,
            page_size: 10,
            filter: no_filter(),
        })
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].key, "ED-1");
    assert_eq!(page.items[0].id, "10002");
    assert_eq!(page.next_cursor, None);
    assert_eq!(
        page.items[0].field("description"),
        Some(&Value::text("Main order flow broken"))
    );
}

#[test]
fn get_fails_only_the_missing_id() {
    configure();
    serve(|_, target, _| {
        if target.starts_with("/rest/api/3/issue/404") {
            (404, r#"{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}"#.into())
        } else {
            (200, issue_json("1", "PROJ-1", "To Do").to_string())
        }
    });
    let results = Jira::new().get(vec!["1".into(), "404".into()]);
    assert_eq!(results[0].as_ref().unwrap().key, "PROJ-1");
    assert!(
        matches!(&results[1], Err(PluginError::NotFound(m)) if m.contains("Issue does not exist"))
    );
}

#[test]
fn create_posts_sets_the_origin_property_then_transitions_to_the_wanted_status() {
    configure();
    let mut transitioned = false;
    let log = serve(move |method, target, _| {
        match (method, target) {
        ("POST", "/rest/api/3/issue") => (201, r#"{"id":"10010","key":"PROJ-10","self":"x"}"#.into()),
        ("PUT", "/rest/api/3/issue/10010/properties/pmsync") => (201, String::new()),
        ("GET", "/rest/api/3/issue/10010/transitions") => (
            200,
            json!({"transitions": [{"id": "21", "to": {"name": "In Progress"}}, {"id": "31", "to": {"name": "Done"}}]}).to_string(),
        ),
        ("POST", "/rest/api/3/issue/10010/transitions") => {
            transitioned = true;
            (204, String::new())
        }
        ("GET", t) if t.starts_with("/rest/api/3/issue/10010?") => (
            200,
            issue_json("10010", "PROJ-10", if transitioned { "Done" } else { "To Do" }).to_string(),
        ),
        other => panic!("unexpected request {other:?}"),
    }
    });
    let item = Jira::new()
        .create_one(CreateRequest {
            origin: "pmsync:s:github:7".into(),
            fields: vec![Field::new("summary", "S"), Field::new("status", "done")],
        })
        .unwrap();
    assert_eq!(item.field("status"), Some(&Value::text("Done")));
    let sent = log.borrow();
    let steps: Vec<String> = sent
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s.method,
                s.target().split('?').next().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            "POST /rest/api/3/issue",
            "PUT /rest/api/3/issue/10010/properties/pmsync",
            "GET /rest/api/3/issue/10010",
            "GET /rest/api/3/issue/10010/transitions",
            "POST /rest/api/3/issue/10010/transitions",
            "GET /rest/api/3/issue/10010",
        ]
    );
    assert_eq!(sent[1].body, Some(json!({"origin": "pmsync:s:github:7"})));
    assert_eq!(sent[4].body, Some(json!({"transition": {"id": "31"}})));
    assert_eq!(
        sent[0].body.as_ref().unwrap()["fields"]["project"],
        json!({"key": "PROJ"})
    );
}

#[test]
fn update_puts_only_changed_fields_and_skips_a_transition_to_the_current_status() {
    configure();
    let log = serve(|method, target, _| match (method, target) {
        ("PUT", "/rest/api/3/issue/10001") => (204, String::new()),
        ("GET", t) if t.starts_with("/rest/api/3/issue/10001?") => (
            200,
            issue_json("10001", "PROJ-1", "In Progress").to_string(),
        ),
        other => panic!("unexpected request {other:?}"),
    });
    let item = Jira::new()
        .update_one(UpdateRequest {
            id: "10001".into(),
            fields: vec![
                Field::new("priority", "High"),
                Field::new("status", "in progress"),
            ],
        })
        .unwrap();
    assert_eq!(item.key, "PROJ-1");
    let sent = log.borrow();
    assert_eq!(
        sent[0].body,
        Some(json!({"fields": {"priority": {"name": "High"}}}))
    );
    assert!(sent.iter().all(|s| !s.target().contains("transitions")));
}

#[test]
fn update_to_an_unreachable_status_is_invalid_input_listing_targets() {
    configure();
    serve(|method, target, _| match (method, target) {
        ("GET", "/rest/api/3/issue/10001/transitions") => (
            200,
            json!({"transitions": [{"id": "21", "to": {"name": "In Progress"}}]}).to_string(),
        ),
        ("GET", _) => (200, issue_json("10001", "PROJ-1", "To Do").to_string()),
        other => panic!("unexpected request {other:?}"),
    });
    let error = Jira::new()
        .update_one(UpdateRequest {
            id: "10001".into(),
            fields: vec![Field::new("status", "Shipped")],
        })
        .unwrap_err();
    assert_eq!(
        error,
        PluginError::invalid_input(
            "PROJ-1: no transition leads to status \"Shipped\"; available: In Progress"
        )
    );
}

#[test]
fn find_by_origin_searches_the_property_and_returns_none_when_absent() {
    configure();
    let log = serve(|_, _, body| {
        let jql = body
            .and_then(|b| b["jql"].as_str())
            .unwrap_or("")
            .to_owned();
        if jql.contains("\"known\"") {
            (
                200,
                json!({"issues": [issue_json("5", "PROJ-5", "To Do")], "isLast": true}).to_string(),
            )
        } else {
            (200, json!({"issues": [], "isLast": true}).to_string())
        }
    });
    let found = Jira::new().find_by_origin(vec!["known".into(), "unknown".into()]);
    assert_eq!(
        found[0].as_ref().unwrap().as_ref().map(|i| i.key.as_str()),
        Some("PROJ-5")
    );
    assert_eq!(found[1].as_ref().unwrap(), &None);
    assert_eq!(
        log.borrow()[0].body.as_ref().unwrap()["jql"],
        "issue.property[pmsync].origin = \"known\" ORDER BY created ASC"
    );
}

#[test]
fn rate_limits_carry_retry_after() {
    configure();
    pmsync_sdk::http::testing::set_handler(|_| {
        Ok(pmsync_sdk::http::testing::WireResponse {
            status: 429,
            headers: vec![("Retry-After".into(), "7".into())],
            body: Vec::new(),
        })
    });
    let error = Jira::new().get_one("1".into()).unwrap_err();
    assert!(matches!(error, PluginError::RateLimited(limit) if limit.retry_after_ms == 7_000));
}

#[test]
fn describe_lists_writable_and_read_only_fields() {
    let descriptor = Jira::new().describe();
    assert_eq!(descriptor.platform, "jira");
    let writable: Vec<&str> = descriptor
        .fields
        .iter()
        .filter(|f| f.writable)
        .map(|f| f.name.as_str())
        .collect();
    assert!(writable.contains(&"story_points") && writable.contains(&"status"));
    let read_only: Vec<&str> = descriptor
        .fields
        .iter()
        .filter(|f| !f.writable)
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        read_only,
        ["created", "updated", "reporter", "remote_links"]
    );
}

#[test]
fn with_read_remote_links_a_listing_reads_each_issues_remote_link_urls() {
    configure();
    pmsync_sdk::config::testing::set("read_remote_links", "true");
    let log = serve(|method, url, _| {
        match (method, url) {
        ("POST", _) => (
            200,
            json!({"issues": [issue_json("1", "PROJ-1", "To Do"), issue_json("2", "PROJ-2", "Done")], "isLast": true}).to_string(),
        ),
        (_, url) if url.ends_with("/issue/1/remotelink") => (
            200,
            json!([{"id": 7, "object": {"url": "https://github.com/acme/widgets/issues/4", "title": "acme/widgets#4"}}]).to_string(),
        ),
        _ => (200, "[]".to_string()),
    }
    });
    let page = Jira::new()
        .list_changed(ListRequest {
            since: None,
            cursor: None,
            page_size: 50,
            filter: no_filter(),
        })
        .unwrap();
    pmsync_sdk::config::testing::clear();
    assert_eq!(
        page.items[0].field("remote_links"),
        Some(&Value::TextList(vec![
            "https://github.com/acme/widgets/issues/4".into()
        ]))
    );
    assert_eq!(
        page.items[1].field("remote_links"),
        Some(&Value::TextList(vec![]))
    );
    assert_eq!(
        log.borrow().len(),
        3,
        "one search, one remote-link read per issue"
    );
}

#[test]
fn without_read_remote_links_a_listing_is_one_request() {
    configure();
    let log = serve(|_, _, _| {
        (
            200,
            json!({"issues": [issue_json("1", "PROJ-1", "To Do")], "isLast": true}).to_string(),
        )
    });
    let page = Jira::new()
        .list_changed(ListRequest {
            since: None,
            cursor: None,
            page_size: 50,
            filter: no_filter(),
        })
        .unwrap();
    assert_eq!(page.items[0].field("remote_links"), None);
    assert_eq!(log.borrow().len(), 1);
}

#[test]
fn read_remote_links_that_is_not_a_boolean_is_refused_by_name() {
    configure();
    pmsync_sdk::config::testing::set("read_remote_links", "yes");
    let error = crate::settings::Settings::load().unwrap_err();
    pmsync_sdk::config::testing::clear();
    assert!(format!("{error:?}").contains("read_remote_links"));
}
