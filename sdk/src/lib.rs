//! # pmsync-sdk: write pmsync plugins in Rust
//!
//! A pmsync plugin is a WebAssembly component implementing one world of the WIT contract
//! `pmsync:plugin@1.0.0`. With this crate you implement ONE trait and invoke ONE macro:
//!
//! | plugin kind | trait | macro |
//! |---|---|---|
//! | field transformer | [`Transformer`] | [`export_transformer!`] |
//! | conflict resolver | [`Resolver`] | [`export_resolver!`] |
//! | platform connector | [`Connector`] | [`export_connector!`] |
//!
//! The host calls plugins with batches and expects one result per item; the traits hide the
//! batch behind a per-item method with a default, so one bad value fails one item.
//!
//! The WIT types are re-exported with helpers: [`Value`] (`Value::text("High")`,
//! `value.as_text()`), [`Item`] (`item.field("priority")`), [`PluginError`]
//! (`PluginError::invalid_input(..)`). The host's imports are wrapped in [`log`],
//! [`config`] and, for connectors, [`http`]. Compiled natively (for your unit tests) the
//! imports are served in-process: logs go to stderr, settings come from
//! [`config::testing`], HTTP from [`http::testing`].
//!
//! ## A complete transformer
//!
//! `Cargo.toml`: `crate-type = ["cdylib", "rlib"]` and a dependency on `pmsync-sdk`;
//! build with `cargo build --release --target wasm32-wasip2`.
//!
//! ```rust,no_run
//! use pmsync_sdk::{PluginError, TransformContext, Transformer, Value};
//!
//! /// Maps Jira priority names to numbers and back.
//! struct PriorityTransforms;
//!
//! const NAMES: [&str; 4] = ["Critical", "High", "Medium", "Low"];
//!
//! impl Transformer for PriorityTransforms {
//!     fn new() -> Self {
//!         PriorityTransforms
//!     }
//!
//!     fn names(&mut self) -> Vec<String> {
//!         vec!["priority_to_number".to_owned(), "number_to_priority".to_owned()]
//!     }
//!
//!     fn transform(
//!         &mut self,
//!         name: &str,
//!         value: Value,
//!         context: &TransformContext,
//!     ) -> Result<Value, PluginError> {
//!         if value.is_null() {
//!             return Ok(Value::Null);
//!         }
//!         match name {
//!             "priority_to_number" => {
//!                 let text = value.as_text().ok_or_else(|| {
//!                     PluginError::invalid_input(format!(
//!                         "priority_to_number expects text, got {value} ({})",
//!                         context.item_key
//!                     ))
//!                 })?;
//!                 let position = NAMES.iter().position(|known| *known == text).unwrap_or(2);
//!                 Ok(Value::integer(position as i64 + 1))
//!             }
//!             "number_to_priority" => {
//!                 let number = value
//!                     .as_integer()
//!                     .filter(|number| (1..=4).contains(number))
//!                     .ok_or_else(|| {
//!                         PluginError::invalid_input(format!(
//!                             "number_to_priority expects an integer 1..4, got {value}"
//!                         ))
//!                     })?;
//!                 pmsync_sdk::log::debug(format!("{}: priority {number}", context.item_key));
//!                 Ok(Value::text(NAMES[(number - 1) as usize]))
//!             }
//!             other => Err(PluginError::invalid_input(format!(
//!                 "this plugin has no transform called `{other}`"
//!             ))),
//!         }
//!     }
//! }
//!
//! pmsync_sdk::export_transformer!(PriorityTransforms);
//! # fn main() {}
//! ```
//!
//! And its `plugin.toml`, beside `Cargo.toml`:
//!
//! ```toml
//! name = "priority-transforms"
//! version = "0.1.0"
//! kind = "transformer"
//! api = "pmsync:plugin@1.0.0"
//! component = "priority_transforms.wasm"
//!
//! [provides]
//! transforms = ["priority_to_number", "number_to_priority"]
//! ```
//!
//! The [`resolver`] and [`connector`] modules show the other two kinds.

pub mod bindings;
pub mod config;
pub mod connector;
pub mod http;
pub mod log;
pub mod resolver;
pub mod transformer;

mod error;
mod instance;
mod item;
mod value;

pub use bindings::transformer::pmsync::plugin::types::{
    Field, FieldType, Item, PluginError, RateLimit, Value,
};
pub use connector::{
    Capabilities, Connector, CreateRequest, Descriptor, FieldSpec, Filter, ListRequest, Page,
    UpdateRequest, WebhookDelivery,
};
pub use resolver::{Conflict, Resolution, ResolveRequest, Resolver};
pub use transformer::{TransformContext, TransformRequest, Transformer};

/// Everything a plugin usually needs: `use pmsync_sdk::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Capabilities, Conflict, Connector, CreateRequest, Descriptor, Field, FieldSpec, FieldType,
        Filter, Item, ListRequest, Page, PluginError, Resolution, ResolveRequest, Resolver,
        TransformContext, TransformRequest, Transformer, UpdateRequest, Value, WebhookDelivery,
    };
    pub use crate::{config, http, log};
}
