//! Why a value could not be transformed.

use crate::error::ItemError;
use crate::value::Value;

/// A failed transform, conversion, lookup or presence rule. The message names the step and
/// the offending value: `string_to_number: "abc" is not a number`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{transform}: {message}")]
pub struct TransformError {
    /// The transform (`string_to_number`, a plugin transform's name), `convert`,
    /// `value_map <name>`, `user_map` or `presence`.
    pub transform: String,
    pub message: String,
    /// The plugin's own error, when a custom transform failed; it says whether retrying
    /// can help.
    pub plugin_error: Option<ItemError>,
}

impl TransformError {
    pub fn new(transform: impl Into<String>, message: impl Into<String>) -> TransformError {
        TransformError {
            transform: transform.into(),
            message: message.into(),
            plugin_error: None,
        }
    }
}

impl From<TransformError> for ItemError {
    /// A plugin's failure keeps its kind (a transient one is retried); anything else is
    /// invalid input: the same value will fail the same way next time.
    fn from(error: TransformError) -> ItemError {
        match error.plugin_error {
            Some(ItemError::InvalidInput(m)) => {
                ItemError::InvalidInput(format!("{}: {m}", error.transform))
            }
            Some(other) => other,
            None => ItemError::InvalidInput(format!("{}: {}", error.transform, error.message)),
        }
    }
}

/// A value for a message, cut short if long.
pub(crate) fn show(value: &Value) -> String {
    const LIMIT: usize = 80;
    let text = value.to_string();
    if text.chars().count() <= LIMIT {
        text
    } else {
        let cut: String = text.chars().take(LIMIT).collect();
        format!("{cut}…")
    }
}
