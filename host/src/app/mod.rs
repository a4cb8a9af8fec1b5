//! Wiring: from a config and a plugins directory to connectors, grants and runs. The CLI,
//! the embedded first run and the end-to-end tests all go through here.

pub mod config_check;
pub mod config_grants;
pub mod demo;
pub mod doctor;
pub mod hand_links;
pub mod platform_connectors;
pub mod runner;
pub mod sandbox_config;

pub use config_check::{available, check_config};
pub use config_grants::{connector_platform, grants_for};
pub use platform_connectors::{Network, connector_for, connector_info, gateway_for};
pub use runner::{Connectors, Setup};
pub use sandbox_config::{label_example_items, point_at_sandbox, sandbox_platform};
