//! Helpers on [`Value`], the WIT `value` variant every plugin kind exchanges.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{PluginError, Value};

impl Value {
    /// A text value.
    pub fn text(text: impl Into<String>) -> Value {
        Value::Text(text.into())
    }

    /// A whole number.
    pub fn integer(number: i64) -> Value {
        Value::Integer(number)
    }

    /// A number with a fractional part.
    pub fn number(number: f64) -> Value {
        Value::Number(number)
    }

    /// A boolean.
    pub fn boolean(flag: bool) -> Value {
        Value::Boolean(flag)
    }

    /// A list of text (labels, components, logins).
    pub fn text_list<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Value {
        Value::TextList(items.into_iter().map(Into::into).collect())
    }

    /// A calendar date, `YYYY-MM-DD`. The text is passed through as given.
    pub fn date(date: impl Into<String>) -> Value {
        Value::Date(date.into())
    }

    /// An instant, RFC 3339. The text is passed through as given.
    pub fn datetime(instant: impl Into<String>) -> Value {
        Value::Datetime(instant.into())
    }

    /// Nested data, serialised to the JSON text the `json` case carries.
    pub fn json<T: Serialize + ?Sized>(data: &T) -> Result<Value, PluginError> {
        serde_json::to_string(data)
            .map(Value::Json)
            .map_err(|error| PluginError::invalid_input(format!("cannot encode as JSON: {error}")))
    }

    /// True for the `null` case.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The text of a `text` value; `None` for every other case (dates included).
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The number of an `integer` value.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Value::Integer(number) => Some(*number),
            _ => None,
        }
    }

    /// The number of a `number` or `integer` value.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(number) => Some(*number),
            Value::Integer(number) => Some(*number as f64),
            _ => None,
        }
    }

    /// The flag of a `boolean` value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(flag) => Some(*flag),
            _ => None,
        }
    }

    /// The items of a `text-list` value.
    pub fn as_text_list(&self) -> Option<&[String]> {
        match self {
            Value::TextList(items) => Some(items),
            _ => None,
        }
    }

    /// The `YYYY-MM-DD` text of a `date` value.
    pub fn as_date(&self) -> Option<&str> {
        match self {
            Value::Date(date) => Some(date),
            _ => None,
        }
    }

    /// The RFC 3339 text of a `datetime` value.
    pub fn as_datetime(&self) -> Option<&str> {
        match self {
            Value::Datetime(instant) => Some(instant),
            _ => None,
        }
    }

    /// The JSON text of a `json` value.
    pub fn as_json_text(&self) -> Option<&str> {
        match self {
            Value::Json(text) => Some(text),
            _ => None,
        }
    }

    /// Decodes a `json` value into `T`. Any other case, or JSON that does not fit `T`, is an
    /// `invalid-input` error saying which.
    pub fn parse_json<T: DeserializeOwned>(&self) -> Result<T, PluginError> {
        let text = self.as_json_text().ok_or_else(|| {
            PluginError::invalid_input(format!("expected a json value, got {self}"))
        })?;
        serde_json::from_str(text).map_err(|error| {
            PluginError::invalid_input(format!("json value does not fit: {error}"))
        })
    }

    /// The WIT name of this value's case: `null`, `boolean`, `integer`, `number`, `text`,
    /// `text-list`, `date`, `datetime` or `json`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Boolean(_) => "boolean",
            Value::Integer(_) => "integer",
            Value::Number(_) => "number",
            Value::Text(_) => "text",
            Value::TextList(_) => "text-list",
            Value::Date(_) => "date",
            Value::Datetime(_) => "datetime",
            Value::Json(_) => "json",
        }
    }
}

/// `integer 3`, `text "High"`, `null`: the case and the content, for error messages.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Boolean(flag) => write!(f, "boolean {flag}"),
            Value::Integer(number) => write!(f, "integer {number}"),
            Value::Number(number) => write!(f, "number {number}"),
            Value::Text(text) => write!(f, "text {text:?}"),
            Value::TextList(items) => write!(f, "text-list {items:?}"),
            Value::Date(date) => write!(f, "date {date:?}"),
            Value::Datetime(instant) => write!(f, "datetime {instant:?}"),
            Value::Json(text) => write!(f, "json {text}"),
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Text(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Text(text)
    }
}

impl From<i64> for Value {
    fn from(number: i64) -> Value {
        Value::Integer(number)
    }
}

impl From<f64> for Value {
    fn from(number: f64) -> Value {
        Value::Number(number)
    }
}

impl From<bool> for Value {
    fn from(flag: bool) -> Value {
        Value::Boolean(flag)
    }
}

impl From<Vec<String>> for Value {
    fn from(items: Vec<String>) -> Value {
        Value::TextList(items)
    }
}

/// `None` becomes `null`.
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Value {
        value.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_answer_only_for_their_own_case() {
        let value = Value::text("High");
        assert_eq!(value.as_text(), Some("High"));
        assert_eq!(value.as_integer(), None);
        assert_eq!(Value::date("2024-05-01").as_text(), None);
        assert_eq!(Value::integer(3).as_number(), Some(3.0));
    }

    #[test]
    fn display_names_case_and_content_for_error_messages() {
        assert_eq!(Value::integer(7).to_string(), "integer 7");
        assert_eq!(Value::text("To Do").to_string(), "text \"To Do\"");
        assert_eq!(Value::Null.to_string(), "null");
    }

    #[test]
    fn json_round_trips_through_the_json_case() {
        let value = Value::json(&serde_json::json!({"a": [1, 2]})).expect("encodes");
        assert_eq!(value.as_json_text(), Some(r#"{"a":[1,2]}"#));
        let back: serde_json::Value = value.parse_json().expect("decodes");
        assert_eq!(back["a"][1], 2);
    }

    #[test]
    fn parse_json_of_a_non_json_value_says_what_it_got() {
        let error = Value::text("x")
            .parse_json::<serde_json::Value>()
            .unwrap_err();
        assert_eq!(
            error,
            PluginError::invalid_input("expected a json value, got text \"x\"")
        );
    }

    #[test]
    fn none_converts_to_null() {
        assert_eq!(Value::from(None::<i64>), Value::Null);
        assert_eq!(Value::from(Some("a")), Value::text("a"));
    }
}
