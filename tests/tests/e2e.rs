//! End-to-end tests: whole syncs of the shipped examples through the real WASM connector
//! plugins against the sandbox platforms. Needs the plugin components (`make plugins`).

#[path = "e2e/adopt.rs"]
mod adopt;
#[path = "e2e/conflicts.rs"]
mod conflicts;
#[path = "e2e/dry_run.rs"]
mod dry_run;
#[path = "e2e/fifth_connector.rs"]
mod fifth_connector;
#[path = "e2e/github_linear.rs"]
mod github_linear;
#[path = "e2e/harness.rs"]
mod harness;
#[path = "e2e/jira_github.rs"]
mod jira_github;
#[path = "e2e/limits.rs"]
mod limits;
#[path = "e2e/linear_jira.rs"]
mod linear_jira;
#[path = "e2e/platforms.rs"]
mod platforms;
#[path = "e2e/projects.rs"]
mod projects;
