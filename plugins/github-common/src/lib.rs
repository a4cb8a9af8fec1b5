//! Code the two GitHub connectors share: the REST issue shape, the hidden origin marker in
//! issue bodies, `Link` header pagination, GitHub's error and rate-limit answers, timestamps,
//! and finding an issue by its origin marker.

pub mod api;
pub mod issue;
pub mod link;
pub mod marker;
pub mod origin_search;
pub mod repo;
pub mod time;

/// Helpers for native tests of the GitHub connectors (fixtures, canned answers).
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;
