//! pmsync connector for Jira Cloud (REST v3), built as a WebAssembly component.
//!
//! Settings: `base_url` (`https://acme.atlassian.net`), `project` (key), optional `jql`
//! (extra JQL ANDed to every listing), `story_points_field` (default `customfield_10016`),
//! `origin_property` (entity property holding the origin marker, default `pmsync`),
//! `default_issue_type` (default `Task`), `jql_time_zone` (the UTC offset the Jira account
//! interprets JQL dates in, default `+00:00`).
//!
//! Descriptions travel as Markdown; see [`adf_to_markdown`] for the dialect.

pub mod adf_schema;
pub mod adf_to_markdown;
pub mod markdown_to_adf;

#[cfg(test)]
mod adf_round_trip_tests;
#[cfg(test)]
mod test_support;
