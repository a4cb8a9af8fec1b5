//! Platform connectors: implement [`Connector`] and export it with
//! [`export_connector!`](crate::export_connector). Talk to the platform through
//! [`crate::http`].
//!
//! ```rust,no_run
//! use pmsync_sdk::http::Request;
//! use pmsync_sdk::prelude::*;
//!
//! /// An in-house tracker with a small REST API.
//! struct Tracker;
//!
//! #[derive(serde::Deserialize)]
//! struct Ticket {
//!     id: String,
//!     title: String,
//!     updated: String,
//! }
//!
//! impl Ticket {
//!     fn into_item(self, base: &str) -> Item {
//!         Item::new(&self.id, format!("T-{}", self.id), format!("{base}/t/{}", self.id), self.updated)
//!             .with_field("title", self.title)
//!     }
//! }
//!
//! fn base_url() -> Result<String, PluginError> {
//!     config::require("base_url")
//! }
//!
//! impl Connector for Tracker {
//!     fn new() -> Self {
//!         Tracker
//!     }
//!
//!     fn describe(&mut self) -> Descriptor {
//!         Descriptor {
//!             platform: "tracker".to_owned(),
//!             fields: vec![FieldSpec::writable("title", FieldType::String)],
//!             capabilities: Capabilities::INCREMENTAL
//!                 | Capabilities::ORIGIN_MARKERS
//!                 | Capabilities::WEBHOOKS,
//!         }
//!     }
//!
//!     fn list_changed(&mut self, request: ListRequest) -> Result<Page, PluginError> {
//!         let base = base_url()?;
//!         let mut call = Request::get(format!("{base}/api/tickets"))
//!             .query("limit", &request.page_size.to_string())
//!             .credential("token");
//!         if let Some(since) = &request.since {
//!             call = call.query("updated_since", since);
//!         }
//!         let tickets: Vec<Ticket> = call.send()?.error_for_status()?.json()?;
//!         let items = tickets.into_iter().map(|ticket| ticket.into_item(&base)).collect();
//!         Ok(Page { items, next_cursor: None })
//!     }
//!
//!     fn get_one(&mut self, id: String) -> Result<Item, PluginError> {
//!         let base = base_url()?;
//!         let ticket: Ticket = Request::get(format!("{base}/api/tickets/{id}"))
//!             .credential("token")
//!             .send()?
//!             .error_for_status()?
//!             .json()?;
//!         Ok(ticket.into_item(&base))
//!     }
//!
//!     fn create_one(&mut self, request: CreateRequest) -> Result<Item, PluginError> {
//!         let base = base_url()?;
//!         let title = request
//!             .fields
//!             .iter()
//!             .find(|field| field.name == "title")
//!             .and_then(|field| field.value.as_text())
//!             .unwrap_or_default();
//!         let ticket: Ticket = Request::post(format!("{base}/api/tickets"))
//!             .credential("token")
//!             .json(&serde_json::json!({ "title": title, "origin": request.origin }))?
//!             .send()?
//!             .error_for_status()?
//!             .json()?;
//!         Ok(ticket.into_item(&base))
//!     }
//!
//!     fn update_one(&mut self, request: UpdateRequest) -> Result<Item, PluginError> {
//!         let base = base_url()?;
//!         let changes: serde_json::Map<String, serde_json::Value> = request
//!             .fields
//!             .iter()
//!             .filter_map(|field| Some((field.name.clone(), field.value.as_text()?.into())))
//!             .collect();
//!         let ticket: Ticket = Request::patch(format!("{base}/api/tickets/{}", request.id))
//!             .credential("token")
//!             .json(&changes)?
//!             .send()?
//!             .error_for_status()?
//!             .json()?;
//!         Ok(ticket.into_item(&base))
//!     }
//!
//!     fn find_one_by_origin(&mut self, origin: String) -> Result<Option<Item>, PluginError> {
//!         let base = base_url()?;
//!         let found: Vec<Ticket> = Request::get(format!("{base}/api/tickets"))
//!             .query("origin", &origin)
//!             .credential("token")
//!             .send()?
//!             .error_for_status()?
//!             .json()?;
//!         Ok(found.into_iter().next().map(|ticket| ticket.into_item(&base)))
//!     }
//!
//!     fn parse_webhook(&mut self, delivery: WebhookDelivery) -> Result<Vec<String>, PluginError> {
//!         #[derive(serde::Deserialize)]
//!         struct Event {
//!             ticket_id: String,
//!         }
//!         let event: Event = serde_json::from_slice(&delivery.body).map_err(|error| {
//!             PluginError::invalid_input(format!("webhook body is not a ticket event: {error}"))
//!         })?;
//!         Ok(vec![event.ticket_id])
//!     }
//! }
//!
//! pmsync_sdk::export_connector!(Tracker);
//! # fn main() {}
//! ```

use std::marker::PhantomData;

use crate::bindings::connector::exports::pmsync::plugin::connector::Guest;
pub use crate::bindings::connector::exports::pmsync::plugin::connector::{
    Capabilities, CreateRequest, Descriptor, FieldSpec, Filter, ListRequest, Page, UpdateRequest,
    WebhookDelivery,
};
use crate::{FieldType, Item, PluginError};

/// A plugin that speaks to one platform's API.
///
/// The host calls `get`, `create`, `update` and `find_by_origin` with batches. Implement the
/// per-item methods (`get_one`, `create_one`, `update_one`); the batch methods call them once
/// per item, so one failure fails one item. Override a batch method when the platform has a
/// bulk endpoint. State (caches of the platform's ids, settings read once) lives in `self`:
/// the value [`Connector::new`] makes on the first call serves every later call of the
/// instance, and the host may start a fresh instance at any time.
///
/// The optional calls answer `unsupported` unless implemented, and go with a capability in
/// [`Connector::describe`]: implement [`Connector::find_one_by_origin`] and declare
/// [`Capabilities::ORIGIN_MARKERS`]; implement [`Connector::parse_webhook`] and declare
/// [`Capabilities::WEBHOOKS`].
pub trait Connector: 'static {
    /// The plugin's initial state, made on the instance's first call.
    fn new() -> Self
    where
        Self: Sized;

    /// The platform, its fields and their types, and what this connector can do.
    fn describe(&mut self) -> Descriptor;

    /// One page of the items changed since `request.since` (everything when `None`).
    fn list_changed(&mut self, request: ListRequest) -> Result<Page, PluginError>;

    /// The item with the platform id `id`.
    fn get_one(&mut self, id: String) -> Result<Item, PluginError>;

    /// One result per id, in order. The default calls [`Connector::get_one`] per id.
    fn get(&mut self, ids: Vec<String>) -> Vec<Result<Item, PluginError>> {
        ids.into_iter().map(|id| self.get_one(id)).collect()
    }

    /// Creates an item carrying `request.origin` as its origin marker, so that
    /// [`Connector::find_one_by_origin`] finds it after a crash.
    fn create_one(&mut self, request: CreateRequest) -> Result<Item, PluginError>;

    /// One result per request, in order. The default calls [`Connector::create_one`] per
    /// request.
    fn create(&mut self, requests: Vec<CreateRequest>) -> Vec<Result<Item, PluginError>> {
        requests
            .into_iter()
            .map(|request| self.create_one(request))
            .collect()
    }

    /// Changes the given fields of an item; returns the item as it is afterwards.
    fn update_one(&mut self, request: UpdateRequest) -> Result<Item, PluginError>;

    /// One result per request, in order. The default calls [`Connector::update_one`] per
    /// request.
    fn update(&mut self, requests: Vec<UpdateRequest>) -> Vec<Result<Item, PluginError>> {
        requests
            .into_iter()
            .map(|request| self.update_one(request))
            .collect()
    }

    /// The item created with origin marker `origin`, or `None` when there is none. Goes with
    /// [`Capabilities::ORIGIN_MARKERS`]; the default answers `unsupported`.
    fn find_one_by_origin(&mut self, origin: String) -> Result<Option<Item>, PluginError> {
        let _ = origin;
        Err(PluginError::unsupported(
            "this connector does not store origin markers (no origin-markers capability)",
        ))
    }

    /// One result per origin, in order. The default calls
    /// [`Connector::find_one_by_origin`] per origin.
    fn find_by_origin(&mut self, origins: Vec<String>) -> Vec<Result<Option<Item>, PluginError>> {
        origins
            .into_iter()
            .map(|origin| self.find_one_by_origin(origin))
            .collect()
    }

    /// The ids of the items a webhook delivery is about. A delivery this connector cannot
    /// read is an `invalid-input` error saying why. Goes with [`Capabilities::WEBHOOKS`]; the
    /// default answers `unsupported`.
    fn parse_webhook(&mut self, delivery: WebhookDelivery) -> Result<Vec<String>, PluginError> {
        let _ = delivery;
        Err(PluginError::unsupported(
            "this connector does not read webhook deliveries (no webhooks capability)",
        ))
    }
}

impl FieldSpec {
    /// A field the connector reads and writes.
    pub fn writable(name: impl Into<String>, field_type: FieldType) -> FieldSpec {
        FieldSpec {
            name: name.into(),
            field_type,
            writable: true,
        }
    }

    /// A field the connector reads but cannot write (e.g. a computed or system field).
    pub fn read_only(name: impl Into<String>, field_type: FieldType) -> FieldSpec {
        FieldSpec {
            name: name.into(),
            field_type,
            writable: false,
        }
    }
}

/// Connects a [`Connector`] to the generated bindings; used by
/// [`export_connector!`](crate::export_connector).
#[doc(hidden)]
pub struct ConnectorExport<T>(PhantomData<T>);

impl<T: Connector> Guest for ConnectorExport<T> {
    fn describe() -> Descriptor {
        crate::instance::with(T::new, |plugin| plugin.describe())
    }

    fn list_changed(request: ListRequest) -> Result<Page, PluginError> {
        crate::instance::with(T::new, |plugin| plugin.list_changed(request))
    }

    fn get(ids: Vec<String>) -> Vec<Result<Item, PluginError>> {
        crate::instance::with(T::new, |plugin| plugin.get(ids))
    }

    fn create(requests: Vec<CreateRequest>) -> Vec<Result<Item, PluginError>> {
        crate::instance::with(T::new, |plugin| plugin.create(requests))
    }

    fn update(requests: Vec<UpdateRequest>) -> Vec<Result<Item, PluginError>> {
        crate::instance::with(T::new, |plugin| plugin.update(requests))
    }

    fn find_by_origin(origins: Vec<String>) -> Vec<Result<Option<Item>, PluginError>> {
        crate::instance::with(T::new, |plugin| plugin.find_by_origin(origins))
    }

    fn parse_webhook(delivery: WebhookDelivery) -> Result<Vec<String>, PluginError> {
        crate::instance::with(T::new, |plugin| plugin.parse_webhook(delivery))
    }
}

/// Exports a [`Connector`] as this component's `pmsync:plugin/connector` interface. Invoke
/// it once, at the top level of the plugin crate:
///
/// ```text
/// pmsync_sdk::export_connector!(MyConnector);
/// ```
///
/// Compiled for anything but `wasm32` it expands to nothing, so the plugin crate can be
/// linked natively (unit tests, benchmarks) next to other plugins.
#[macro_export]
macro_rules! export_connector {
    ($plugin:ty) => {
        // Only a component has exports; natively the plugin crate is a library (unit
        // tests, benchmarks), and several plugins may be linked into one binary.
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            type PmsyncConnectorExport = $crate::connector::ConnectorExport<$plugin>;
            $crate::bindings::connector::export!(
                PmsyncConnectorExport with_types_in $crate::bindings::connector
            );
        };
    };
}
