//! Linear's GraphQL API: issues, workflow states, labels, users and the team.

mod api;
pub(crate) mod store;

pub use api::LinearHandle;
pub(crate) use api::router;
pub use store::LinearIssue;
