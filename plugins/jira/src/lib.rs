//! pmsync connector for Jira Cloud (REST v3), built as a WebAssembly component.
//!
//! Settings: `base_url` (`https://acme.atlassian.net`), `project` (key), optional `jql`
//! (extra JQL ANDed to every listing), `story_points_field` (default `customfield_10016`),
//! `origin_property` (entity property holding the origin marker, default `pmsync`),
//! `default_issue_type` (default `Task`), `jql_time_zone` (the UTC offset the Jira account
//! reads JQL dates in, default `+00:00`).
//!
//! Fields: `summary`, `description` (Markdown, see [`adf_to_markdown`] for the dialect),
//! `status` (written through transitions), `priority` (name), `labels`, `assignee`
//! (accountId), `duedate`, `story_points`, `issuetype` (set on create), and read-only
//! `created`, `updated`, `reporter` (accountId).

pub mod adf_schema;
pub mod adf_to_markdown;
pub mod api;
pub mod connector;
pub mod issue;
pub mod jql;
pub mod limits;
pub mod markdown_to_adf;
pub mod remote_links;
pub mod settings;
pub mod transitions;
pub mod webhook;
pub mod write;

pub use connector::Jira;

pmsync_sdk::export_connector!(Jira);

#[cfg(test)]
mod adf_round_trip_tests;
#[cfg(test)]
mod connector_tests;
#[cfg(test)]
mod go_jira_fixture_tests;
#[cfg(test)]
mod test_support;
