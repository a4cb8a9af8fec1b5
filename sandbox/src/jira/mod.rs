//! Jira Cloud REST v3 (and v2): issues, JQL search (a documented subset in [`jql`]), transitions,
//! entity properties, comments, remote links and priorities.

mod api;
mod api_version;
mod comments;
pub(crate) mod fields;
pub(crate) mod jql;
mod metadata;
pub(crate) mod model;
pub(crate) mod store;

pub use api::JiraHandle;
pub(crate) use api::router;
