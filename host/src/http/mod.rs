//! Outbound HTTP on behalf of connector plugins. Plugins never open sockets: they call the
//! WIT `http.send` import, and the host checks the destination against the plugin's grants,
//! injects credentials, applies rate limits, retries and timeouts, and records metrics.

mod types;

pub use types::*;
