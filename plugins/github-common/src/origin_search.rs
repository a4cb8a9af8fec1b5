//! Finding the issue that carries an origin marker.
//!
//! First the search API: `repo:o/r is:issue in:body "pmsync-origin: MARKER"`. Search is
//! eventually consistent on GitHub (a just-created issue may not be indexed yet, exactly the
//! crash-recovery case), so when search finds nothing the newest issues of the repository
//! (one page of 100, newest first) are scanned too. A hit counts only when its body holds the
//! exact marker: search matches words, not exact text.

use pmsync_sdk::PluginError;
use pmsync_sdk::http::Request;

use crate::api;
use crate::issue::{RestIssue, SearchResult};
use crate::marker;
use crate::repo::Repo;

/// `q` of the search for `origin`'s marker.
pub fn search_query(repo: &Repo, origin: &str) -> String {
    format!(
        "repo:{} is:issue in:body \"{}\"",
        repo.full_name(),
        marker::search_phrase(origin)
    )
}

/// The request of the search for `origin`'s marker.
pub fn search_request(base_url: &str, repo: &Repo, origin: &str) -> Request {
    Request::get(format!("{base_url}/search/issues"))
        .query("q", &search_query(repo, origin))
        .query("per_page", "20")
        .header("accept", "application/vnd.github+json")
        .credential("token")
}

/// The request for the newest issues, the fallback scan.
pub fn newest_issues_request(base_url: &str, repo: &Repo) -> Request {
    Request::get(format!("{}/issues", repo.api_url(base_url)))
        .query("state", "all")
        .query("sort", "created")
        .query("direction", "desc")
        .query("per_page", "100")
        .header("accept", "application/vnd.github+json")
        .credential("token")
}

/// The issue whose body carries the marker of exactly `origin`, if any.
pub fn find_issue(
    base_url: &str,
    repo: &Repo,
    origin: &str,
) -> Result<Option<RestIssue>, PluginError> {
    marker::comment(origin)?;
    let response = api::send(search_request(base_url, repo, origin))?;
    let found: SearchResult = api::json(&response, "the origin-marker search")?;
    if let Some(issue) = first_with_origin(found.items, origin) {
        return Ok(Some(issue));
    }
    let response = api::send(newest_issues_request(base_url, repo))?;
    let newest: Vec<RestIssue> = api::json(&response, "the list of newest issues")?;
    Ok(first_with_origin(newest, origin))
}

/// The first issue (not pull request) whose body's marker is exactly `origin`.
pub fn first_with_origin(issues: Vec<RestIssue>, origin: &str) -> Option<RestIssue> {
    issues.into_iter().find(|issue| {
        !issue.is_pull_request()
            && issue
                .body
                .as_deref()
                .and_then(|body| marker::split(body).origin)
                .is_some_and(|found| found == origin)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmsync_sdk::http::testing::{self, WireResponse};

    fn repo() -> Repo {
        Repo::parse("o/r", "repo").expect("valid")
    }

    fn issue_json(number: u64, body: &str) -> serde_json::Value {
        serde_json::json!({"number": number, "updated_at": "2024-05-01T00:00:00Z", "body": body})
    }

    #[test]
    fn the_search_asks_for_the_exact_marker_phrase_in_issue_bodies_of_the_repo() {
        let request = search_request("https://api.github.com", &repo(), "pmsync:s:source:1");
        assert_eq!(
            request.url(),
            "https://api.github.com/search/issues?q=repo%3Ao%2Fr%20is%3Aissue%20in%3Abody%20%22pmsync-origin%3A%20pmsync%3As%3Asource%3A1%22&per_page=20"
        );
    }

    #[test]
    fn a_search_hit_with_a_similar_but_different_marker_is_not_taken() {
        let marker = |origin: &str| marker::comment(origin).expect("valid");
        let issues = vec![
            serde_json::from_value(issue_json(1, &marker("pmsync:s:source:10"))).expect("parses"),
            serde_json::from_value(issue_json(
                2,
                &format!("text\n\n{}", marker("pmsync:s:source:1")),
            ))
            .expect("parses"),
        ];
        assert_eq!(
            first_with_origin(issues, "pmsync:s:source:1").map(|issue| issue.number),
            Some(2)
        );
    }

    #[test]
    fn when_search_has_not_indexed_the_issue_yet_the_newest_issues_are_scanned() {
        let stored = marker::with_marker(
            "body",
            &marker::comment("pmsync:s:source:9").expect("valid"),
        );
        let mut seen = Vec::new();
        testing::set_handler(move |request| {
            seen.push(request.url.clone());
            let body = if request.url.contains("/search/issues") {
                serde_json::json!({"total_count": 0, "incomplete_results": false, "items": []})
            } else {
                assert!(
                    request.url.contains("sort=created&direction=desc"),
                    "{}",
                    request.url
                );
                serde_json::json!([issue_json(5, "no marker"), issue_json(4, &stored)])
            };
            Ok(WireResponse {
                status: 200,
                headers: vec![],
                body: body.to_string().into_bytes(),
            })
        });
        let found =
            find_issue("https://api.github.com", &repo(), "pmsync:s:source:9").expect("finds");
        assert_eq!(found.map(|issue| issue.number), Some(4));
        let nothing =
            find_issue("https://api.github.com", &repo(), "pmsync:s:source:8").expect("answers");
        assert_eq!(nothing, None);
    }
}
