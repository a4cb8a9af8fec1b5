//! Linear's GraphQL API: issues, workflow states, labels, users and the team.

mod api;
mod filter;
mod input;
mod nodes;
pub(crate) mod store;

pub use api::LinearHandle;
pub use api::SCHEMA_SDL as GRAPHQL_SCHEMA;
pub(crate) use api::router;
pub use store::{LinearAttachment, LinearIssue};
