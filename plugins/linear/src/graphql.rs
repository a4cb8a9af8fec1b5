//! Sends one GraphQL operation to Linear. Every argument travels in `variables` (never
//! inlined into the document), so user text can never change the query.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use pmsync_sdk::http::Request;
use pmsync_sdk::{PluginError, log};

use crate::errors;
use crate::rate_limit;
use crate::settings::Settings;

/// Runs `document` (whose operation is named `operation`) with `variables`; returns `data`.
pub fn execute(
    settings: &Settings,
    operation: &str,
    document: &str,
    variables: Value,
) -> Result<Value, PluginError> {
    let endpoint = settings.endpoint();
    let request = Request::post(&endpoint)
        .header("accept", "application/json")
        .credential("token")
        .json(&json!({
            "query": document,
            "variables": variables,
            "operationName": operation,
        }))?;
    let response = request.send()?;
    if let Some(warning) = rate_limit::low_budget_warning(response.headers()) {
        log::warn(warning);
    }
    errors::interpret(
        operation,
        &format!("POST {endpoint}"),
        response.status(),
        response.headers(),
        response.body(),
    )
}

/// Decodes `data[field]` into `T`; a shape that does not fit is a `transient` error naming
/// the operation and what was wrong (a half-delivered answer, or an API change).
pub fn field<T: DeserializeOwned>(
    data: &mut Value,
    operation: &str,
    field: &str,
) -> Result<T, PluginError> {
    let value = data.get_mut(field).map(Value::take).unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|error| {
        PluginError::transient(format!(
            "Linear {operation} answered `{field}` in an unexpected shape: {error}"
        ))
    })
}

/// `pageInfo` of a Relay connection.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// A Relay connection's `nodes` and `pageInfo`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection<T> {
    pub nodes: Vec<T>,
    pub page_info: PageInfo,
}
