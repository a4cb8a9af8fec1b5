//! Outbound HTTP on behalf of connector plugins. Plugins never open sockets: they call the
//! WIT `http.send` import, and the host checks the destination against the plugin's grants,
//! injects credentials, applies rate limits, retries and timeouts, and records metrics.
//!
//! Wiring: one [`HttpTransport`] per process, one [`PlatformLimiter`] per platform per run
//! (see [`LimiterRegistry`]), one [`Gateway`] per connector instance.

pub mod allowed_host;
mod credential;
mod gateway;
mod limiter;
mod metrics;
mod policy;
mod rate_headers;
mod request_check;
mod retry_rules;
mod transport;
mod types;
mod wait_cancel;
pub mod webhook_signature;

pub use allowed_host::{HostPattern, Origin, PortPattern, origin_of};
pub use credential::{Credential, CredentialError};
pub use gateway::{Gateway, GatewayConfig};
pub use limiter::{LimiterRegistry, PlatformLimiter, RateLimitWait, WaitObserver};
pub use metrics::MetricsSnapshot;
/// The one secret type, shared with the config that resolves credentials.
pub use pmsync_core::Secret;
pub use policy::{
    BudgetLeft, GatewaySettings, PlatformKind, RatePolicy, RetryPolicy, TransportSettings,
};
pub use transport::{HttpTransport, TransportError};
pub use types::*;
pub use wait_cancel::WaitCanceller;
