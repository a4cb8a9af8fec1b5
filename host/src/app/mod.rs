//! Wiring: from a config and a plugins directory to connectors, grants and runs. The CLI,
//! the embedded first run and the end-to-end tests all go through here.

pub mod connectors;
pub mod grants;

pub use connectors::{Network, connector_for};
pub use grants::{connector_platform, grants_for};
