//! The plugin runtime: loads WebAssembly component plugins (transformers, resolvers,
//! connectors) described by `plugin.toml`, checks them against their manifests, runs them
//! in a locked-down sandbox under memory, time, fuel and output limits, caches compiled
//! components on disk (baseline Winch code first for big components, optimised Cranelift
//! code later), and exposes them to the engine through typed facades.
//!
//! ```no_run
//! use pmsync_host::plugin::{Grants, PluginRuntime, RuntimeOptions};
//! let runtime = PluginRuntime::new(RuntimeOptions::default())?;
//! let report = runtime.load_dir("plugins".as_ref(), &Grants::default());
//! for error in &report.errors {
//!     eprintln!("{error}");
//! }
//! print!("{}", pmsync_host::plugin::render_table(&report.plugins.inventory()));
//! # Ok::<(), pmsync_host::plugin::PluginError>(())
//! ```

// Call errors carry plugin, version, call, failure and the guest's stderr tail; they are
// the cold path, so their size is not worth boxing.
#![allow(clippy::result_large_err)]

mod bindings;
mod cache;
mod claims;
mod compiler;
mod convert;
mod deadline;
mod error;
mod grants;
mod host_imports;
mod inventory;
mod limits;
mod loaded;
mod loader;
mod manifest;
mod output;
mod pins;
mod platform_manifest;
mod precheck;
mod resolver;
mod set;
mod state;
mod tiers;
mod transformer;
mod upgrade;
mod wasm_connector;
mod wasmtime_engine;
mod world;

pub use cache::{CacheOutcome, ComponentCache, cache_key, sha256_hex};
pub use compiler::{BASELINE_FROM_BYTES, ColdCompile, Compiler};
pub use error::{CallError, Failure, LoadError, PluginError};
pub use grants::{Granted, Grants, HostPattern, LimitCaps, Origin, PluginGrant, PortPattern};
pub use inventory::{PluginInfo, render_details, render_table};
pub use limits::{MAX_COMPONENT_BYTES, MAX_MANIFEST_BYTES, read_bounded};
pub use loader::{CacheSetting, LoadReport, PluginRuntime, RuntimeOptions, manifests_in};
pub use manifest::{
    API_PACKAGE, ApiVersion, Capabilities, Limits, Manifest, ManifestError, PluginKind, Provides,
    SUPPORTED_MAJOR,
};
pub use output::{GuestPanic, find_panic};
pub use pins::Pin;
pub use platform_manifest::{ConnectorManifest, DoctorManifest, PermissionsProbe, connector_spec};
pub use set::PluginSet;
pub use state::FIXED_WALL_CLOCK_SECS;
pub use upgrade::{Upgrade, UpgradeOutcome};
pub use wasm_connector::WasmConnector;
pub use wasmtime_engine::EPOCH_TICK;
