//! `list-changed`: which URL to fetch and how to read the page.
//!
//! Without a `query` filter: `GET /repos/o/r/issues?state=all&sort=updated&direction=asc&
//! per_page=N[&since=..][&labels=a,b]` (GitHub's `since` keeps issues updated at or after it;
//! `labels` keeps issues that have all of them). With a `query` filter the search API is used
//! instead: `GET /search/issues?q=repo:o/r is:issue [updated:>=SINCE] [label:"x"] QUERY&
//! sort=updated&order=asc` — search syntax applies to the query, and GitHub caps a search at
//! 1000 results. Either way the next page is the `Link` header's `rel="next"` URL, which is
//! the cursor; a cursor is only followed when it points at the configured API origin. Pull
//! requests are dropped from every page.

use pmsync_github_common::issue::{RestIssue, SearchResult};
use pmsync_github_common::link;
use pmsync_sdk::http::{Request, Response};
use pmsync_sdk::{ListRequest, PluginError};

use crate::settings::Settings;

/// GitHub's largest page.
pub const MAX_PAGE_SIZE: u32 = 100;

/// The first page's URL for `request`, or the cursor's URL after checking it.
pub fn page_url(settings: &Settings, request: &ListRequest) -> Result<String, PluginError> {
    if let Some(cursor) = &request.cursor {
        link::check_cursor(cursor, &settings.base_url)?;
        return Ok(cursor.clone());
    }
    let per_page = request.page_size.clamp(1, MAX_PAGE_SIZE).to_string();
    let filter = &request.filter;
    let query = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|query| !query.is_empty());
    let url = match query {
        Some(query) => {
            let mut q = format!("repo:{} is:issue", settings.repo.full_name());
            if let Some(since) = &request.since {
                q.push_str(&format!(" updated:>={since}"));
            }
            for label in &filter.labels {
                q.push_str(&format!(" label:\"{}\"", label.replace('"', "")));
            }
            q.push(' ');
            q.push_str(query);
            Request::get(format!("{}/search/issues", settings.base_url))
                .query("q", &q)
                .query("sort", "updated")
                .query("order", "asc")
                .query("per_page", &per_page)
        }
        None => {
            let mut call = Request::get(format!("{}/issues", settings.repo_url()))
                .query("state", "all")
                .query("sort", "updated")
                .query("direction", "asc")
                .query("per_page", &per_page);
            if let Some(since) = &request.since {
                call = call.query("since", since);
            }
            if !filter.labels.is_empty() {
                call = call.query("labels", &filter.labels.join(","));
            }
            call
        }
    };
    Ok(url.url().to_owned())
}

/// True when `url` is a search API page (its body is a search result, not a list).
pub fn is_search(url: &str) -> bool {
    let path_end = url.find('?').unwrap_or(url.len());
    url[..path_end].ends_with("/search/issues")
}

/// The issues of a page (pull requests dropped) and the next page's URL.
pub fn read_page(
    url: &str,
    response: &Response,
) -> Result<(Vec<RestIssue>, Option<String>), PluginError> {
    let issues: Vec<RestIssue> = if is_search(url) {
        let result: SearchResult = pmsync_github_common::api::json(response, "the issue search")?;
        result.items
    } else {
        pmsync_github_common::api::json(response, "the issue list")?
    };
    let issues = issues
        .into_iter()
        .filter(|issue| !issue.is_pull_request())
        .collect();
    let next = response.header("link").and_then(link::next_url);
    Ok((issues, next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmsync_github_common::repo::Repo;
    use pmsync_github_common::testing::{fixture, reply_with};
    use pmsync_sdk::Filter;
    use pmsync_sdk::http::testing;

    fn settings() -> Settings {
        Settings {
            base_url: "https://api.github.com".to_owned(),
            repo: Repo::parse("octo/hello", "repo").expect("valid"),
        }
    }

    fn list(since: Option<&str>, labels: &[&str], query: Option<&str>) -> ListRequest {
        ListRequest {
            since: since.map(str::to_owned),
            cursor: None,
            page_size: 50,
            filter: Filter {
                projects: vec![],
                issue_types: vec![],
                labels: labels.iter().map(|label| label.to_string()).collect(),
                query: query.map(str::to_owned),
            },
        }
    }

    #[test]
    fn the_first_page_asks_for_all_states_oldest_update_first_since_the_watermark() {
        let url = page_url(
            &settings(),
            &list(Some("2024-05-01T12:00:00Z"), &["bug", "ui"], None),
        )
        .expect("builds");
        assert_eq!(
            url,
            "https://api.github.com/repos/octo/hello/issues?state=all&sort=updated&direction=asc&per_page=50&since=2024-05-01T12%3A00%3A00Z&labels=bug%2Cui"
        );
    }

    #[test]
    fn a_query_filter_switches_to_the_search_api_scoped_to_the_repo() {
        let url = page_url(
            &settings(),
            &list(
                Some("2024-05-01T12:00:00Z"),
                &["bug"],
                Some("is:open author:octocat"),
            ),
        )
        .expect("builds");
        assert_eq!(
            url,
            "https://api.github.com/search/issues?q=repo%3Aocto%2Fhello%20is%3Aissue%20updated%3A%3E%3D2024-05-01T12%3A00%3A00Z%20label%3A%22bug%22%20is%3Aopen%20author%3Aoctocat&sort=updated&order=asc&per_page=50"
        );
        assert!(is_search(&url));
    }

    #[test]
    fn page_size_is_kept_within_what_github_allows() {
        let mut request = list(None, &[], None);
        request.page_size = 1_000;
        assert!(
            page_url(&settings(), &request)
                .expect("builds")
                .contains("per_page=100")
        );
        request.page_size = 0;
        assert!(
            page_url(&settings(), &request)
                .expect("builds")
                .contains("per_page=1")
        );
    }

    #[test]
    fn a_cursor_to_another_host_is_refused() {
        let mut request = list(None, &[], None);
        request.cursor = Some("https://evil.example/repos/octo/hello/issues?page=2".to_owned());
        assert!(matches!(
            page_url(&settings(), &request),
            Err(PluginError::InvalidInput(_))
        ));
        request.cursor = Some("https://api.github.com/repositories/1/issues?page=2".to_owned());
        assert_eq!(
            page_url(&settings(), &request).expect("same origin"),
            "https://api.github.com/repositories/1/issues?page=2"
        );
    }

    #[test]
    fn recorded_pages_chain_through_their_link_headers_to_the_end() {
        let Some(fixture) =
            fixture("github-rest-octokit-fixtures/paginate-issues/normalized-fixture.json")
        else {
            return;
        };
        let exchanges = fixture.as_array().expect("exchanges");
        let mut url = format!(
            "https://api.github.com{}",
            exchanges[0]["path"].as_str().expect("path")
        );
        let mut numbers = Vec::new();
        for (index, exchange) in exchanges.iter().enumerate() {
            assert_eq!(
                url,
                format!(
                    "https://api.github.com{}",
                    exchange["path"].as_str().expect("path")
                )
            );
            let link = exchange["headers"]["link"].as_str().expect("link header");
            testing::set_handler(reply_with(
                200,
                &[("Link", link)],
                &exchange["response"].to_string(),
            ));
            let response = Request::get(&url).send().expect("answers");
            let (issues, next) = read_page(&url, &response).expect("page parses");
            numbers.extend(issues.iter().map(|issue| issue.number));
            match next {
                Some(next) => url = next,
                None => assert_eq!(
                    index,
                    exchanges.len() - 1,
                    "only the last page lacks a next link"
                ),
            }
        }
        assert_eq!(numbers.len(), 13);
    }

    #[test]
    fn pull_requests_are_left_out_of_a_page() {
        let body = r#"[{"number":1,"updated_at":"2024-05-01T00:00:00Z"},
                      {"number":2,"updated_at":"2024-05-01T00:00:01Z","pull_request":{"url":"x"}}]"#;
        testing::set_handler(reply_with(200, &[], body));
        let url = "https://api.github.com/repos/o/r/issues";
        let response = Request::get(url).send().expect("answers");
        let (issues, next) = read_page(url, &response).expect("parses");
        assert_eq!(
            issues.iter().map(|issue| issue.number).collect::<Vec<_>>(),
            [1]
        );
        assert_eq!(next, None);
    }

    #[test]
    fn recorded_search_results_are_read_from_their_items() {
        let Some(fixture) =
            fixture("github-rest-octokit-fixtures/search-issues/normalized-fixture.json")
        else {
            return;
        };
        testing::set_handler(reply_with(200, &[], &fixture[0]["response"].to_string()));
        let url = "https://api.github.com/search/issues?q=sesame";
        let response = Request::get(url).send().expect("answers");
        let (issues, _) = read_page(url, &response).expect("parses");
        assert_eq!(issues.len(), 2);
    }
}
