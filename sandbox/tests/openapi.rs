//! The sandbox's REST answers checked against the platforms' official OpenAPI descriptions
//! (`../shared/apidata/github/api.github.com.octokit-openapi-23.0.2.json`,
//! `../shared/apidata/jira/swagger-v3.v3.json`), requests as well as responses, for every
//! route the sandbox serves: a case per route (and per documented error), and a test that
//! fails when a served route has no case. GitHub GraphQL (`POST /graphql`) is checked
//! against the GraphQL schema by the GraphQL tests, not here.

#[path = "openapi/harness.rs"]
mod harness;
#[path = "openapi/schema.rs"]
mod schema;

use std::collections::BTreeSet;

use harness::{Case, Platform, apidata, route_of};
use pmsync_sandbox::{Route, Sandbox, SandboxOptions};
use schema::{Spec, Undeclared};
use serde_json::{Value, json};

/// Served routes that are checked elsewhere, and where.
const CHECKED_ELSEWHERE: [(&str, &str); 1] = [("POST /graphql", "the GraphQL schema tests")];

fn github_spec_path(path: &str) -> String {
    // `/repositories/{id}/...` is the form GitHub uses in `Link` headers and redirects; the
    // description lists only `/repos/{owner}/{repo}/...`.
    match path.strip_prefix("/repositories/481516234") {
        Some(rest) => format!("/repos/acme/widgets{rest}"),
        None => path.to_string(),
    }
}

fn jira_spec_path(path: &str) -> String {
    // REST v2 has the same resources as v3 (the description covers v3).
    match path.strip_prefix("/rest/api/2/") {
        Some(rest) => format!("/rest/api/3/{rest}"),
        None => path.to_string(),
    }
}

fn github_cases() -> Vec<Case> {
    let repo = "/repos/acme/widgets";
    vec![
        Case::get("/user", 200),
        Case::get("/rate_limit", 200),
        Case::get(repo, 200),
        Case::get("/repos/acme/elsewhere", 404),
        Case::get("/repositories/481516234", 200),
        Case::get(
            format!("{repo}/issues?state=all&per_page=3&page=2&sort=updated&direction=asc"),
            200,
        ),
        Case::get(
            format!("{repo}/issues?since=2025-01-01T00:00:00Z&labels=bug"),
            200,
        ),
        Case::get(format!("{repo}/issues?state=sideways"), 422).deliberately_invalid(),
        Case::get("/repositories/481516234/issues?per_page=2", 200),
        Case::get(format!("{repo}/issues/1"), 200),
        Case::get(format!("{repo}/issues/4"), 200),
        Case::get(format!("{repo}/issues/999"), 404),
        Case::get(format!("{repo}/issues/2"), 304).revalidated(),
        Case::send(
            "POST",
            format!("{repo}/issues"),
            json!({"title": "Found by the OpenAPI check", "body": "Text", "labels": ["bug"], "assignees": ["noah-okafor"], "milestone": 1}),
            201,
        ),
        Case::send(
            "POST",
            format!("{repo}/issues"),
            json!({"body": "no title"}),
            422,
        )
        .deliberately_invalid(),
        Case::send(
            "PATCH",
            format!("{repo}/issues/3"),
            json!({"title": "Renamed", "labels": ["docs"], "assignees": [], "milestone": null}),
            200,
        ),
        Case::send(
            "PATCH",
            format!("{repo}/issues/5"),
            json!({"state": "closed", "state_reason": "duplicate"}),
            200,
        ),
        Case::send(
            "PATCH",
            format!("{repo}/issues/5"),
            json!({"state": "sideways"}),
            422,
        )
        .deliberately_invalid(),
        Case::send(
            "PATCH",
            format!("{repo}/issues/998"),
            json!({"title": "x"}),
            404,
        ),
        Case::send(
            "POST",
            format!("{repo}/issues/3/comments"),
            json!({"body": "A comment"}),
            201,
        ),
        Case::send(
            "POST",
            format!("{repo}/issues/3/comments"),
            json!({"body": ""}),
            422,
        ),
        Case::get(
            format!("{repo}/issues/3/comments?since=2020-01-01T00:00:00Z&per_page=10"),
            200,
        ),
        Case::get(format!("{repo}/issues/997/comments"), 404),
        Case::send(
            "POST",
            format!("{repo}/issues/3/labels"),
            json!({"labels": ["frontend"]}),
            200,
        ),
        Case::get(format!("{repo}/issues/3/labels"), 200),
        Case::get(format!("{repo}/issues/comments/{{created}}"), 200),
        Case::get(format!("{repo}/issues/comments/1"), 404),
        Case::send(
            "PATCH",
            format!("{repo}/issues/comments/{{created}}"),
            json!({"body": "Edited"}),
            200,
        ),
        Case::get(format!("{repo}/labels/bug"), 200),
        Case::get(format!("{repo}/labels/absent"), 404),
        Case::get(format!("{repo}/milestones/1"), 200),
        Case::get(format!("{repo}/milestones/9"), 404),
        Case::without_body("DELETE", format!("{repo}/issues/3/labels/frontend"), 200),
        Case::without_body("DELETE", format!("{repo}/issues/3/labels/absent"), 404),
        Case::send(
            "PUT",
            format!("{repo}/issues/3/labels"),
            json!({"labels": ["bug", "new-one"]}),
            200,
        ),
        Case::send(
            "PUT",
            format!("{repo}/issues/996/labels"),
            json!({"labels": []}),
            404,
        ),
        Case::get(format!("{repo}/labels"), 200),
        Case::send(
            "POST",
            format!("{repo}/labels"),
            json!({"name": "triage", "color": "fbca04", "description": "Needs a look"}),
            201,
        ),
        Case::send(
            "POST",
            format!("{repo}/labels"),
            json!({"name": "bad", "color": "nothex"}),
            422,
        ),
        Case::get(format!("{repo}/milestones"), 200),
        Case::get(
            "/search/issues?q=repo%3Aacme%2Fwidgets+is%3Aissue+is%3Aopen&sort=updated&order=asc&per_page=5",
            200,
        ),
        Case::get("/search/issues?q=repo%3Aacme%2Fwidgets+milestone%3Av1", 422),
    ]
}

fn jira_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    // Each version writes to issues of its own, so both see the same starting states.
    for (v, [edited, moved, marked], comment) in
        [("3", [3, 4, 5], 10_000), ("2", [6, 7, 8], 10_001)]
    {
        let api = format!("/rest/api/{v}");
        let comment_body = if v == "3" {
            json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "A comment"}]}]})
        } else {
            json!("A comment")
        };
        let description = if v == "3" {
            json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Made by the OpenAPI check"}]}]})
        } else {
            json!("Made by the OpenAPI check")
        };
        cases.extend([
            Case::get(format!("{api}/serverInfo"), 200),
            Case::get(format!("{api}/myself"), 200),
            Case::get(
                format!("{api}/mypermissions?projectKey=PROJ&permissions=BROWSE_PROJECTS,CREATE_ISSUES"),
                200,
            ),
            Case::get(format!("{api}/field"), 200),
            Case::get(format!("{api}/priority"), 200),
            Case::get(format!("{api}/issuetype"), 200),
            Case::get(format!("{api}/status"), 200),
            Case::get(format!("{api}/statuscategory"), 200),
            Case::get(format!("{api}/resolution"), 200),
            Case::get(format!("{api}/project"), 200),
            Case::get(format!("{api}/project/search?query=pro&startAt=0&maxResults=1"), 200),
            Case::get(format!("{api}/project/search?keys=OPS"), 200),
            Case::get(format!("{api}/project/PROJ"), 200),
            Case::get(format!("{api}/project/NOPE"), 404),
            Case::get(format!("{api}/project/10001/statuses"), 200),
            Case::get(format!("{api}/project/NOPE/statuses"), 404),
            Case::get(format!("{api}/user/search?query=noah"), 200),
            Case::get(format!("{api}/user/search?startAt=0&maxResults=1&query=example"), 200),
            Case::get(format!("{api}/user?accountId=5b10a2844c20165700ede201"), 200),
            Case::get(format!("{api}/user?accountId=unknown"), 404),
            Case::get(
                format!("{api}/search/jql?jql=project%20%3D%20PROJ%20ORDER%20BY%20updated%20ASC&fields=summary,status,description&maxResults=2"),
                200,
            ),
            Case::get(format!("{api}/search/jql?jql=project%20%3D%20PROJ"), 200),
            Case::get(format!("{api}/search/jql?jql=projekt%20~~%20x"), 400),
            Case::send(
                "POST",
                format!("{api}/search/jql"),
                json!({"jql": "project = PROJ ORDER BY created DESC", "fields": ["*all"], "maxResults": 3, "properties": ["pmsync"]}),
                200,
            ),
            Case::get(format!("{api}/issue/PROJ-1"), 200),
            Case::get(format!("{api}/issue/PROJ-2?fields=summary,description&properties=pmsync"), 200),
            Case::get(format!("{api}/issue/PROJ-999"), 404),
            Case::send(
                "POST",
                format!("{api}/issue"),
                json!({"fields": {"project": {"key": "PROJ"}, "issuetype": {"name": "Task"}, "summary": "Created by the OpenAPI check", "description": description, "labels": ["checked"], "priority": {"name": "High"}}}),
                201,
            ),
            Case::send("POST", format!("{api}/issue"), json!({"fields": {"project": {"key": "PROJ"}}}), 400),
            Case::send(
                "PUT",
                format!("{api}/issue/PROJ-{edited}"),
                json!({"fields": {"summary": "Edited by the OpenAPI check", "description": description}, "update": {"labels": [{"add": "edited"}]}}),
                204,
            ),
            Case::send(
                "PUT",
                format!("{api}/issue/PROJ-{edited}?returnIssue=true"),
                json!({"fields": {"duedate": "2025-03-01"}}),
                200,
            ),
            Case::send("PUT", format!("{api}/issue/PROJ-{edited}"), json!({"fields": {"status": {"name": "Done"}}}), 400),
            Case::send("POST", format!("{api}/issue/PROJ-{edited}/comment"), json!({"body": comment_body}), 201),
            Case::send("POST", format!("{api}/issue/PROJ-{edited}/comment"), json!({"body": null}), 400),
            Case::get(format!("{api}/issue/PROJ-{edited}/comment?startAt=0&maxResults=10&orderBy=-created"), 200),
            Case::get(format!("{api}/issue/PROJ-{edited}/comment/{comment}"), 200),
            Case::get(format!("{api}/issue/PROJ-{edited}/comment/99"), 404),
            Case::send("PUT", format!("{api}/issue/PROJ-{edited}/comment/{comment}"), json!({"body": comment_body}), 200),
            Case::get(format!("{api}/issue/PROJ-{moved}/transitions"), 200),
            Case::send("POST", format!("{api}/issue/PROJ-{moved}/transitions"), json!({"transition": {"id": "21"}}), 204),
            Case::send("POST", format!("{api}/issue/PROJ-{moved}/transitions"), json!({"transition": {"id": "999"}}), 400),
            Case::send("PUT", format!("{api}/issue/PROJ-{marked}/properties/pmsync"), json!({"origin": "github:acme/widgets#5"}), 201),
            Case::send("PUT", format!("{api}/issue/PROJ-{marked}/properties/pmsync"), json!({"origin": "github:acme/widgets#6"}), 200),
            Case::get(format!("{api}/issue/PROJ-{marked}/properties/pmsync"), 200),
            Case::get(format!("{api}/issue/PROJ-{marked}/properties/absent"), 404),
            Case::get(format!("{api}/issue/PROJ-{marked}/properties"), 200),
            // With `globalId`: the one link (the description's 200 schema); without it Jira
            // answers a list (the description's text and example), which the e2e tests read.
            Case::get(format!("{api}/issue/PROJ-1/remotelink?globalId=system%3Dhttps%3A%2F%2Fgithub.com%2Facme%2Fwidgets%2Fissues%2F4"), 200),
            Case::get(format!("{api}/issue/PROJ-1/remotelink?globalId=system%3Dnone"), 404),
            Case::get(format!("{api}/issue/PROJ-999/remotelink"), 404),
        ]);
    }
    cases
}

fn jira_error_schema() -> Value {
    json!({"$ref": "#/components/schemas/ErrorCollection"})
}

fn github_error_schema() -> Value {
    json!({"$ref": "#/components/schemas/basic-error"})
}

/// Routes the sandbox serves that no case exercises (minus those checked elsewhere).
fn uncovered(routes: &[Route], cases: &[Case]) -> Vec<String> {
    let covered: BTreeSet<Route> = cases.iter().filter_map(|c| route_of(routes, c)).collect();
    routes
        .iter()
        .filter(|r| !covered.contains(r))
        .map(Route::to_string)
        .filter(|r| !CHECKED_ELSEWHERE.iter().any(|(route, _)| route == r))
        .collect()
}

/// Routes with no case that gets a success (2xx or 304) answer.
fn without_success_case(routes: &[Route], cases: &[Case]) -> Vec<String> {
    let ok: Vec<Case> = cases.iter().filter(|c| c.status < 400).cloned().collect();
    uncovered(routes, &ok)
}

async fn check_all(platform: &Platform<'_>, routes: &[Route], cases: &[Case], name: &str) {
    let (problems, _) = harness::run_all(platform, routes, cases).await;
    assert!(
        problems.is_empty(),
        "{name}: {} problem(s) against the OpenAPI description:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[tokio::test]
async fn every_github_rest_route_answers_as_the_openapi_description_says() {
    let Some(data) = apidata() else { return };
    let spec = Spec::load(
        &data.join("github/api.github.com.octokit-openapi-23.0.2.json"),
        Undeclared::Refused,
    );
    let sb = Sandbox::start(SandboxOptions::default().with_time_scale(1e-6))
        .await
        .expect("sandbox");
    let platform = Platform {
        spec: &spec,
        base_url: sb.github_url(),
        authorization: "Bearer ghp_sandbox",
        spec_path: github_spec_path,
        error_schema: github_error_schema(),
    };
    check_all(&platform, &sb.github().routes(), &github_cases(), "GitHub").await;
    sb.shutdown().await;
}

#[tokio::test]
async fn every_jira_route_v3_and_v2_answers_as_the_openapi_description_says() {
    let Some(data) = apidata() else { return };
    let spec = Spec::load(&data.join("jira/swagger-v3.v3.json"), Undeclared::Allowed);
    let sb = Sandbox::start(SandboxOptions::default().with_time_scale(1e-6))
        .await
        .expect("sandbox");
    let platform = Platform {
        spec: &spec,
        base_url: sb.jira_url(),
        // sandbox@example.com:token
        authorization: "Basic c2FuZGJveEBleGFtcGxlLmNvbTp0b2tlbg==",
        spec_path: jira_spec_path,
        error_schema: jira_error_schema(),
    };
    // A remote link to check the shape of a non-empty `remotelink` answer.
    assert!(sb.jira().add_remote_link(
        "PROJ-1",
        "acme/widgets#4",
        "https://github.com/acme/widgets/issues/4"
    ));
    check_all(&platform, &sb.jira().routes(), &jira_cases(), "Jira").await;
    sb.shutdown().await;
}

#[tokio::test]
async fn every_served_rest_route_has_a_validated_success_case() {
    let sb = Sandbox::start(SandboxOptions::default().with_time_scale(1e-6))
        .await
        .expect("sandbox");
    let github = without_success_case(&sb.github().routes(), &github_cases());
    let jira = without_success_case(&sb.jira().routes(), &jira_cases());
    assert!(
        github.is_empty() && jira.is_empty(),
        "served routes without a validated success case — GitHub: {github:?}; Jira: {jira:?}"
    );
    assert!(
        sb.jira().routes().len() >= 40 && sb.github().routes().len() >= 18,
        "the route lists are the served ones ({} Jira, {} GitHub)",
        sb.jira().routes().len(),
        sb.github().routes().len()
    );
    sb.shutdown().await;
}

#[test]
fn a_route_without_a_case_is_reported() {
    let routes = [
        Route {
            method: "GET",
            path: "/a/{id}",
        },
        Route {
            method: "POST",
            path: "/a/{id}",
        },
    ];
    let cases = [Case::get("/a/1", 200)];
    assert_eq!(uncovered(&routes, &cases), vec!["POST /a/{id}".to_string()]);
}
