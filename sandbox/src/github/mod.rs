//! GitHub: REST issues, comments, labels and search ([`rest`], [`search`]) and the GraphQL
//! Projects v2 API ([`graphql`], [`project`]) on one server, like `api.github.com`.

mod account;
mod conditional;
pub(crate) mod graphql;
mod graphql_nodes;
mod handle;
pub(crate) mod project;
pub(crate) mod rest;
pub(crate) mod search;
mod single_resources;
pub(crate) mod store;

pub use graphql::SCHEMA_SDL as GRAPHQL_SCHEMA;
pub use handle::GitHubHandle;
pub use project::{ProjectFieldValue, ProjectItem};
pub(crate) use rest::{GitHubState, router};
pub use store::{GitHubComment, GitHubIssue};
