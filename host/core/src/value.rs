//! Field values as the engine sees them: the Rust mirror of the WIT `value` variant.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A field value. Nested data travels as [`Value::Json`] text, as in the WIT contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    #[default]
    Null,
    Boolean(bool),
    Integer(i64),
    Number(f64),
    Text(String),
    TextList(Vec<String>),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    /// Nested data as compact JSON text.
    Json(String),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The name of this value's case, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Boolean(_) => "boolean",
            Value::Integer(_) => "integer",
            Value::Number(_) => "number",
            Value::Text(_) => "text",
            Value::TextList(_) => "text list",
            Value::Date(_) => "date",
            Value::DateTime(_) => "datetime",
            Value::Json(_) => "json",
        }
    }

    /// Semantic equality used by change detection: `1` equals `1.0`, JSON texts are
    /// compared as parsed documents, an empty text list equals null, text lists compare
    /// as sets (label order is not a change), and datetimes compare as instants.
    pub fn equivalent(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Integer(a), Number(b)) | (Number(b), Integer(a)) => (*a as f64) == *b,
            (Number(a), Number(b)) => a == b || (a.is_nan() && b.is_nan()),
            (TextList(a), TextList(b)) => {
                let mut a = a.clone();
                let mut b = b.clone();
                a.sort();
                a.dedup();
                b.sort();
                b.dedup();
                a == b
            }
            (TextList(a), Null) | (Null, TextList(a)) => a.is_empty(),
            (Json(a), Json(b)) => {
                a == b
                    || match (
                        serde_json::from_str::<serde_json::Value>(a),
                        serde_json::from_str::<serde_json::Value>(b),
                    ) {
                        (Ok(x), Ok(y)) => x == y,
                        _ => false,
                    }
            }
            (a, b) => a == b,
        }
    }

    /// This value as plain JSON (dates as ISO text, JSON text parsed), for audit and output.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Boolean(b) => J::Bool(*b),
            Value::Integer(i) => J::from(*i),
            Value::Number(n) => serde_json::Number::from_f64(*n)
                .map(J::Number)
                .unwrap_or(J::Null),
            Value::Text(s) => J::String(s.clone()),
            Value::TextList(l) => J::Array(l.iter().cloned().map(J::String).collect()),
            Value::Date(d) => J::String(d.format("%Y-%m-%d").to_string()),
            Value::DateTime(t) => J::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            Value::Json(s) => serde_json::from_str(s).unwrap_or_else(|_| J::String(s.clone())),
        }
    }

    /// A value from plain JSON: strings stay text (no guessing of dates), arrays of
    /// strings become text lists, other arrays and objects become JSON text.
    pub fn from_json(json: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Boolean(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Integer(i),
                None => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => Value::Text(s.clone()),
            J::Array(items) if items.iter().all(|v| v.is_string()) => Value::TextList(
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
            ),
            other => Value::Json(other.to_string()),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Text(s) => write!(f, "{s:?}"),
            other => write!(f, "{}", other.to_json()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_and_number_with_same_magnitude_are_equivalent() {
        assert!(Value::Integer(3).equivalent(&Value::Number(3.0)));
        assert!(!Value::Integer(3).equivalent(&Value::Number(3.5)));
    }

    #[test]
    fn label_order_is_not_a_difference() {
        let a = Value::TextList(vec!["b".into(), "a".into()]);
        let b = Value::TextList(vec!["a".into(), "b".into()]);
        assert!(a.equivalent(&b));
    }

    #[test]
    fn json_texts_compare_as_documents() {
        assert!(
            Value::Json("{\"a\":1, \"b\":2}".into())
                .equivalent(&Value::Json("{\"b\":2,\"a\":1}".into()))
        );
    }

    #[test]
    fn empty_labels_equal_no_labels() {
        assert!(Value::TextList(vec![]).equivalent(&Value::Null));
    }
}
