//! The host-side face of a platform connector. The engine's executor talks to this trait;
//! the plugin runtime implements it with a WebAssembly connector component, and tests can
//! implement it in memory.

use pmsync_core::{Item, ItemError, Value};
use serde::{Deserialize, Serialize};

/// A field a connector knows, with its declared type name (`string`, `number`, `boolean`,
/// `date`, `datetime`, `array`, `object`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    pub name: String,
    pub field_type: String,
    pub writable: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConnectorCapabilities {
    pub incremental: bool,
    pub webhooks: bool,
    pub origin_markers: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Descriptor {
    pub platform: String,
    pub fields: Vec<FieldSpec>,
    pub capabilities: ConnectorCapabilities,
}

/// Narrows what `list_changed` returns.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Filter {
    pub projects: Vec<String>,
    pub issue_types: Vec<String>,
    pub labels: Vec<String>,
    /// A platform query: JQL, a Linear filter, a GitHub search query.
    pub query: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListRequest {
    /// RFC 3339 watermark; None lists everything.
    pub since: Option<String>,
    pub cursor: Option<String>,
    pub page_size: u32,
    pub filter: Filter,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub items: Vec<Item>,
    pub next_cursor: Option<String>,
    /// Listed items the connector could not read (a malformed `updated-at`, ...): each
    /// fails alone, the rest of the page syncs.
    pub rejected: Vec<RejectedItem>,
}

/// A listed item that could not be read, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedItem {
    pub id: String,
    pub key: String,
    pub error: ItemError,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateRequest {
    /// The origin marker stored with the new item.
    pub origin: String,
    pub fields: Vec<(String, Value)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UpdateRequest {
    pub id: String,
    pub fields: Vec<(String, Value)>,
}

/// A platform connector. Batch calls return one result per input, in order.
/// Calls block; the executor runs them on blocking threads.
pub trait Connector: Send + Sync {
    fn describe(&self) -> Result<Descriptor, ItemError>;
    fn list_changed(&self, request: &ListRequest) -> Result<Page, ItemError>;
    fn get(&self, ids: &[String]) -> Vec<Result<Item, ItemError>>;
    fn create(&self, requests: &[CreateRequest]) -> Vec<Result<Item, ItemError>>;
    fn update(&self, requests: &[UpdateRequest]) -> Vec<Result<Item, ItemError>>;
    fn find_by_origin(&self, origins: &[String]) -> Vec<Result<Option<Item>, ItemError>>;
    /// The ids of the items a webhook delivery is about.
    fn parse_webhook(
        &self,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Vec<String>, ItemError>;
    /// Who answers for this connector in messages (`connector plugin jira 0.1.0`).
    fn provider(&self) -> String {
        "the connector".to_string()
    }
}
