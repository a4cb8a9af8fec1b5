//! Outbound HTTP for connectors, through the host.
//!
//! The host checks every request against the hosts the operator granted, injects the
//! named credential (the plugin never sees it), and applies rate limits, retries and
//! timeouts. This module wraps the imported `http` interface in a small builder:
//!
//! ```no_run
//! use pmsync_sdk::http;
//! use pmsync_sdk::PluginError;
//!
//! #[derive(serde::Deserialize)]
//! struct Issue {
//!     key: String,
//! }
//!
//! fn fetch(base: &str, key: &str) -> Result<Issue, PluginError> {
//!     http::Request::get(format!("{base}/rest/api/3/issue/{key}"))
//!         .query("fields", "summary,status")
//!         .header("accept", "application/json")
//!         .credential("token")
//!         .send()?
//!         .error_for_status()?
//!         .json::<Issue>()
//! }
//! ```
//!
//! [`Response::error_for_status`] turns the statuses the host can act on into the matching
//! [`PluginError`](crate::PluginError): 429 (and 403/503 with `Retry-After`) into
//! `rate-limited` honouring `Retry-After`, 5xx and 408 into `transient`, 401/403 into
//! `unauthorized`, 404/410 into `not-found`, other 4xx into `invalid-input`.
//!
//! Compiled natively, requests go to a handler that tests install with
//! [`testing::set_handler`], so connector code can be tested without a host.

mod request;
mod response;
mod status;
mod transport;

pub use request::Request;
pub use response::Response;
pub use status::DEFAULT_RETRY_AFTER_MS;

#[cfg(not(target_arch = "wasm32"))]
pub use transport::testing;
