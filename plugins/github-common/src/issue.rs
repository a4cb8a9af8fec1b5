//! An issue as GitHub's REST API returns it (the fields the connectors read).

use serde::Deserialize;
use serde_json::Value as Json;

/// `GET /repos/{owner}/{repo}/issues/{number}`, and the entries of issue lists and search
/// results. Pull requests come in the same lists; [`RestIssue::is_pull_request`] tells them apart.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RestIssue {
    pub number: u64,
    #[serde(default)]
    pub node_id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub state_reason: Option<String>,
    #[serde(default)]
    pub labels: Vec<LabelRef>,
    #[serde(default)]
    pub assignees: Option<Vec<UserRef>>,
    #[serde(default)]
    pub milestone: Option<MilestoneRef>,
    #[serde(default)]
    pub user: Option<UserRef>,
    #[serde(default)]
    pub html_url: String,
    #[serde(default)]
    pub created_at: Option<String>,
    pub updated_at: String,
    #[serde(default)]
    pub closed_at: Option<String>,
    #[serde(default)]
    pub pull_request: Option<Json>,
}

/// A label: an object with a name, or (in some payloads) just the name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum LabelRef {
    Named { name: String },
    Name(String),
}

impl LabelRef {
    pub fn name(&self) -> &str {
        match self {
            LabelRef::Named { name } | LabelRef::Name(name) => name,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserRef {
    pub login: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MilestoneRef {
    pub number: u64,
    pub title: String,
}

/// `GET /search/issues`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SearchResult {
    #[serde(default)]
    pub total_count: u64,
    #[serde(default)]
    pub incomplete_results: bool,
    pub items: Vec<RestIssue>,
}

impl RestIssue {
    /// Pull requests are issues with a `pull_request` object; the connectors skip them.
    pub fn is_pull_request(&self) -> bool {
        self.pull_request
            .as_ref()
            .is_some_and(|value| !value.is_null())
    }

    pub fn label_names(&self) -> Vec<String> {
        self.labels
            .iter()
            .map(|label| label.name().to_owned())
            .collect()
    }

    pub fn assignee_logins(&self) -> Vec<String> {
        self.assignees
            .iter()
            .flatten()
            .map(|user| user.login.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixture;

    #[test]
    fn recorded_issue_pages_parse_and_carry_what_the_connector_maps() {
        let Some(fixture) =
            fixture("github-rest-octokit-fixtures/paginate-issues/normalized-fixture.json")
        else {
            return;
        };
        let mut numbers = Vec::new();
        for exchange in fixture.as_array().expect("a list of exchanges") {
            let page: Vec<RestIssue> =
                serde_json::from_value(exchange["response"].clone()).expect("issues parse");
            numbers.extend(page.iter().map(|issue| issue.number));
            for issue in &page {
                assert!(!issue.is_pull_request());
                assert!(issue.html_url.starts_with("https://github.com/"));
            }
        }
        assert_eq!(numbers, (1..=13).rev().collect::<Vec<u64>>());
    }

    #[test]
    fn recorded_search_results_parse() {
        let Some(fixture) =
            fixture("github-rest-octokit-fixtures/search-issues/normalized-fixture.json")
        else {
            return;
        };
        let result: SearchResult =
            serde_json::from_value(fixture[0]["response"].clone()).expect("search parses");
        assert_eq!(result.total_count, 2);
        assert_eq!(
            result.items[0]
                .user
                .as_ref()
                .map(|user| user.login.as_str()),
            Some("octokit-fixture-user-b")
        );
        assert_eq!(
            result.items[0].body.as_deref(),
            Some("I’ve waited all year long, but there was no pop 😭")
        );
    }

    #[test]
    fn a_pull_request_is_recognised_by_its_pull_request_object() {
        let pr: RestIssue = serde_json::from_str(
            r#"{"number":7,"updated_at":"2024-05-01T00:00:00Z","pull_request":{"url":"https://api.github.com/repos/o/r/pulls/7"}}"#,
        )
        .expect("parses");
        assert!(pr.is_pull_request());
        let issue: RestIssue = serde_json::from_str(
            r#"{"number":8,"updated_at":"2024-05-01T00:00:00Z","labels":["bug",{"name":"ui"}]}"#,
        )
        .expect("parses");
        assert!(!issue.is_pull_request());
        assert_eq!(issue.label_names(), ["bug", "ui"]);
    }
}
