//! What a person would see on the sandbox platforms: the issues of a Jira project, the
//! GitHub repository and the Linear team, in plain structs.

use pmsync_sandbox::{GitHubIssue, SandboxHandle};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct JiraIssue {
    pub key: String,
    pub summary: String,
    pub status: String,
    pub priority: String,
    pub issue_type: String,
    pub labels: Vec<String>,
    pub assignee: Option<String>,
    pub story_points: Option<f64>,
}

fn name_of(fields: &Value, field: &str) -> String {
    fields[field]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn texts(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub fn jira_issue(sandbox: &SandboxHandle, key: &str) -> Option<JiraIssue> {
    let issue = sandbox.jira().issue(key)?;
    let fields = &issue["fields"];
    Some(JiraIssue {
        key: issue["key"].as_str().unwrap_or_default().to_string(),
        summary: fields["summary"].as_str().unwrap_or_default().to_string(),
        status: name_of(fields, "status"),
        priority: name_of(fields, "priority"),
        issue_type: name_of(fields, "issuetype"),
        labels: texts(&fields["labels"]),
        assignee: fields["assignee"]["accountId"].as_str().map(str::to_string),
        story_points: fields["customfield_10016"].as_f64(),
    })
}

/// Every issue of Jira project `project` (keys are numbered without gaps; nothing deletes).
pub fn jira_project(sandbox: &SandboxHandle, project: &str) -> Vec<JiraIssue> {
    (1..=sandbox.jira().issue_count())
        .filter_map(|n| jira_issue(sandbox, &format!("{project}-{n}")))
        .collect()
}

/// Every issue (not pull request) of the GitHub repository.
pub fn github_issues(sandbox: &SandboxHandle) -> Vec<GitHubIssue> {
    (1..=sandbox.github().issue_count() as u64)
        .filter_map(|n| sandbox.github().issue(n))
        .filter(|i| !i.is_pull_request)
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct LinearIssue {
    pub identifier: String,
    pub title: String,
    pub state: String,
    pub priority: u8,
    pub labels: Vec<String>,
    pub estimate: Option<f64>,
}

pub fn linear_issue(sandbox: &SandboxHandle, id: &str) -> Option<LinearIssue> {
    let linear = sandbox.linear();
    let issue = linear.issue(id)?;
    Some(LinearIssue {
        state: linear.state_name(id).unwrap_or_default(),
        labels: linear.label_names(id).unwrap_or_default(),
        identifier: issue.identifier,
        title: issue.title,
        priority: issue.priority,
        estimate: issue.estimate,
    })
}

/// Every issue of the Linear team.
pub fn linear_issues(sandbox: &SandboxHandle) -> Vec<LinearIssue> {
    (1..=sandbox.linear().issue_count())
        .filter_map(|n| linear_issue(sandbox, &format!("ENG-{n}")))
        .collect()
}
