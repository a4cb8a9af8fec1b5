//! `serve`: pmsync as a long-running service. One process receives signed webhook
//! deliveries (`POST /webhooks/<platform entry>`), commits each to the state store before
//! answering, and a worker syncs just the items they name through the same planner as a run,
//! coalescing bursts; a reconcile sweep (the incremental run) every `sync_interval` catches
//! what no delivery announced. `/healthz`, `/readyz` and `/metrics` (Prometheus text) tell
//! operators it is alive; a new config is taken on SIGHUP, the old one kept when the new one
//! is invalid.

pub mod generation;
pub mod metrics;
mod ops_routes;
mod server;
pub mod shared;
mod status_routes;
mod webhook_routes;
pub mod worker;

pub use generation::{Endpoint, Generation};
pub use metrics::ServiceMetrics;
pub use server::{Reload, ServeOptions, apply_reload, serve};
pub use shared::Shared;
pub use status_routes::Access;
