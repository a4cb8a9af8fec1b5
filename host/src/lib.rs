//! pmsync-host: the native host of the pmsync sync engine.
pub use pmsync_core as core;

pub mod app;
pub mod bundle;
pub mod cli;
pub mod connector;
pub mod engine;
pub mod http;
pub mod plugin;
pub mod scaffold;
pub mod service;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
