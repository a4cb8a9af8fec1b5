//! pmsync connector plugin for **Linear**, through its GraphQL API (`{base_url}/graphql`).
//!
//! Settings: `base_url` (Linear: `https://api.linear.app`) and `team` (a team key, `ENG`).
//! The credential `token` is injected by the host.
//!
//! Fields (name: type, writable): `title` string w, `description` string w (Markdown),
//! `state` string w (workflow state name), `priority` number w (0 none, 1 urgent, 2 high,
//! 3 medium, 4 low), `labels` array w (label names), `assignee` string w (a user's email,
//! or name), `dueDate` date w, `estimate` number w (whole numbers), `identifier` string
//! (`ENG-7`, also the item key), `createdAt` / `updatedAt` datetime. Names of states,
//! labels and users are looked up page by page and cached per plugin instance.
//!
//! Origin markers are stored as the issue's id (see [`origin`]); `list-changed` pages run
//! newest first, each page ascending (see [`listing`]).

pub mod connector;
pub mod directory;
pub mod errors;
pub mod fields;
pub mod graphql;
pub mod issue;
pub mod listing;
pub mod origin;
pub mod rate_limit;
pub mod settings;
pub mod webhook;

#[cfg(test)]
mod schema_conformance;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

pub use connector::LinearConnector;

pmsync_sdk::export_connector!(LinearConnector);
