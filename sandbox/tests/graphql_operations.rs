//! The GraphQL simulators answer by the selection set and fail the way the real servers do:
//! the operations clients send first (repository, viewer, rate limit, node, organization,
//! projects, cycles), GitHub's `updateIssue`, aliases, fragments on unions and interfaces,
//! variables, `__typename`, unknown fields and bad variables.

use pmsync_sandbox::{Sandbox, SandboxHandle, SandboxOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn start() -> SandboxHandle {
    Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox starts")
}

async fn post(url: &str, auth: &str, query: &str, variables: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .header("authorization", auth)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("request");
    let status = response.status();
    (status, response.json().await.expect("JSON answer"))
}

async fn github(sb: &SandboxHandle, query: &str, variables: Value) -> (StatusCode, Value) {
    post(&sb.github_graphql_url(), "Bearer sandbox", query, variables).await
}

async fn linear(sb: &SandboxHandle, query: &str, variables: Value) -> (StatusCode, Value) {
    post(&sb.linear_url(), "lin_api_sandbox", query, variables).await
}

#[tokio::test]
async fn github_answers_repository_viewer_rate_limit_and_node_with_only_the_selected_fields() {
    let sb = start().await;
    let issue = sb.github().issue(2).expect("issue 2");
    let (status, answer) = github(
        &sb,
        "query($id: ID!) {
           me: viewer { login }
           rateLimit { limit remaining used }
           repository(owner: \"acme\", name: \"widgets\") {
             nameWithOwner
             first: issue(number: 2) { title state }
             open: issues(first: 2, states: [OPEN], orderBy: {field: CREATED_AT, direction: ASC}) {
               totalCount pageInfo { hasNextPage } nodes { number }
             }
           }
           node(id: $id) { __typename ... on Issue { number } ... on ProjectV2 { title } }
         }",
        json!({"id": issue.node_id}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(answer.get("errors").is_none(), "{answer}");
    let data = &answer["data"];
    assert_eq!(data["me"], json!({"login": "mia-krystof"}));
    assert_eq!(data["rateLimit"]["limit"], 5000);
    assert!(
        data["rateLimit"]["remaining"]
            .as_u64()
            .is_some_and(|r| r < 5000)
    );
    let repo = &data["repository"];
    assert_eq!(repo["nameWithOwner"], "acme/widgets");
    assert_eq!(
        repo["first"],
        json!({"title": issue.title, "state": "OPEN"})
    );
    assert_eq!(repo["open"]["nodes"].as_array().map(Vec::len), Some(2));
    assert!(
        repo["open"].get("edges").is_none(),
        "unselected fields are absent"
    );
    assert_eq!(data["node"], json!({"__typename": "Issue", "number": 2}));
    sb.shutdown().await;
}

#[tokio::test]
async fn github_update_issue_renames_the_issue_a_board_item_shows() {
    let sb = start().await;
    let issue = sb.github().issue(3).expect("issue 3");
    let (_, answer) = github(
        &sb,
        "mutation($input: UpdateIssueInput!) { updateIssue(input: $input) { issue { id title } } }",
        json!({"input": {"id": issue.node_id, "title": "Renamed from the board"}}),
    )
    .await;
    assert_eq!(
        answer,
        json!({"data": {"updateIssue": {"issue": {"id": issue.node_id, "title": "Renamed from the board"}}}})
    );
    assert_eq!(
        sb.github().issue(3).expect("issue").title,
        "Renamed from the board"
    );
    assert!(sb.github().issue(3).expect("issue").updated_at > issue.updated_at);

    let (_, unknown) = github(
        &sb,
        "mutation { updateIssue(input: {id: \"I_nope\", title: \"x\"}) { issue { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(unknown["data"]["updateIssue"], Value::Null);
    assert_eq!(unknown["errors"][0]["type"], "NOT_FOUND", "{unknown}");
    sb.shutdown().await;
}

#[tokio::test]
async fn github_refuses_an_unknown_field_with_graphql_rubys_error_and_no_data() {
    let sb = start().await;
    let (status, answer) = github(
        &sb,
        "{ repository(owner: \"acme\", name: \"widgets\") { nameWithOwner stars } }",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(answer.get("data").is_none(), "{answer}");
    let error = &answer["errors"][0];
    assert_eq!(
        error["message"],
        "Field 'stars' doesn't exist on type 'Repository'"
    );
    assert_eq!(
        error["extensions"],
        json!({"code": "undefinedField", "typeName": "Repository", "fieldName": "stars"})
    );
    let (_, missing_first) = github(
        &sb,
        "{ repository(owner: \"acme\", name: \"widgets\") { labels { totalCount } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        missing_first["errors"][0]["type"],
        "MISSING_PAGINATION_BOUNDARIES"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn github_board_field_values_resolve_fragments_on_the_union_by_concrete_type() {
    let sb = start().await;
    let (_, answer) = github(
        &sb,
        "fragment Named on ProjectV2FieldCommon { name }
         { organization(login: \"acme\") { projectV2(number: 1) {
             items(first: 1) { nodes { fieldValues(first: 20) { nodes {
               __typename
               ... on ProjectV2ItemFieldNumberValue { number field { ...Named } }
               ... on ProjectV2ItemFieldSingleSelectValue { option: name }
             } } } }
         } } }",
        json!({}),
    )
    .await;
    let values =
        answer["data"]["organization"]["projectV2"]["items"]["nodes"][0]["fieldValues"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("{answer}"));
    for value in &values {
        let keys: Vec<&str> = value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        match value["__typename"].as_str() {
            Some("ProjectV2ItemFieldNumberValue") => {
                assert_eq!(keys, ["__typename", "number", "field"])
            }
            Some("ProjectV2ItemFieldSingleSelectValue") => {
                assert_eq!(keys, ["__typename", "option"])
            }
            _ => assert_eq!(
                keys,
                ["__typename"],
                "other members select nothing: {value}"
            ),
        }
    }
    assert!(
        values
            .iter()
            .any(|v| v["__typename"] == "ProjectV2ItemFieldSingleSelectValue")
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn linear_answers_organization_projects_cycles_viewer_and_label_teams() {
    let sb = start().await;
    let (status, answer) = linear(
        &sb,
        "{ organization { name urlKey }
           viewer { id email organization { urlKey } }
           projects(first: 10) { nodes { name state } }
           cycles(first: 10) { nodes { number isActive team { key } } }
           issueLabels(first: 3) { nodes { name team { key } } }
           teams { nodes { key states(first: 2) { nodes { name } } } } }",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer.get("errors").is_none(), "{answer}");
    let data = &answer["data"];
    assert_eq!(data["organization"]["urlKey"], "acme");
    assert_eq!(data["viewer"]["organization"]["urlKey"], "acme");
    assert!(
        !data["projects"]["nodes"]
            .as_array()
            .expect("projects")
            .is_empty()
    );
    let cycles = data["cycles"]["nodes"].as_array().expect("cycles");
    assert_eq!(cycles.iter().filter(|c| c["isActive"] == true).count(), 1);
    assert!(cycles.iter().all(|c| c["team"]["key"] == "ENG"));
    assert!(
        data["issueLabels"]["nodes"]
            .as_array()
            .expect("labels")
            .iter()
            .all(|l| l.as_object().is_some_and(|o| o.contains_key("team")))
    );
    assert_eq!(
        data["teams"]["nodes"][0]["states"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn linear_serves_every_non_null_issue_field_a_typed_client_asks_for() {
    let sb = start().await;
    let (_, answer) = linear(
        &sb,
        "query($id: String!) { issue(id: $id) {
           boardOrder branchName createdAt customerTicketCount id identifier inheritsSharedAccess
           labelIds number previousIdentifiers priority priorityLabel prioritySortOrder
           reactionData reactions { id emoji } sharedAccess { isShared sharedWithCount }
           sortOrder state { name } team { key } title updatedAt url
         } }",
        json!({"id": "ENG-4"}),
    )
    .await;
    assert!(answer.get("errors").is_none(), "{answer}");
    let issue = answer["data"]["issue"].as_object().expect("issue");
    assert_eq!(
        issue.len(),
        22,
        "every selected field, nothing else: {issue:?}"
    );
    assert!(issue.values().all(|v| !v.is_null()), "{issue:?}");
    sb.shutdown().await;
}

#[tokio::test]
async fn linear_refuses_an_unknown_field_or_filter_key_as_apollo_server_does() {
    let sb = start().await;
    let (status, answer) = linear(&sb, "{ issue(id: \"ENG-1\") { id severity } }", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer["errors"][0]["message"],
        "Cannot query field \"severity\" on type \"Issue\"."
    );
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let (status, answer) = linear(
        &sb,
        "query($f: IssueFilter) { issues(filter: $f) { nodes { id } } }",
        json!({"f": {"colour": {"eq": "red"}}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("colour")),
        "{answer}"
    );
    let (status, answer) = linear(&sb, "{ issue(id: \"ENG-999\") { id } }", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer["data"],
        Value::Null,
        "issue is non-null: the error reaches the root"
    );
    assert_eq!(answer["errors"][0]["message"], "Entity not found");
    sb.shutdown().await;
}
