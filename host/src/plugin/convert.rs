//! Conversions between the WIT types and the engine's types: values (dates `YYYY-MM-DD`,
//! datetimes RFC 3339), items, errors, descriptors; and the size of what a plugin returned.
//! A malformed value from a plugin is an `Err(description)`, never a panic.

use super::bindings::types;
use super::limits::plugin_text;
use crate::connector::{ConnectorCapabilities, Descriptor, FieldSpec};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use pmsync_core::{Item, ItemError, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// The engine's value as a WIT value.
pub fn value_to_wit(value: &Value) -> types::Value {
    match value {
        Value::Null => types::Value::Null,
        Value::Boolean(b) => types::Value::Boolean(*b),
        Value::Integer(i) => types::Value::Integer(*i),
        Value::Number(n) => types::Value::Number(*n),
        Value::Text(s) => types::Value::Text(s.clone()),
        Value::TextList(l) => types::Value::TextList(l.clone()),
        Value::Date(d) => types::Value::Date(d.format("%Y-%m-%d").to_string()),
        Value::DateTime(t) => {
            types::Value::Datetime(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }
        Value::Json(s) => types::Value::Json(s.clone()),
    }
}

/// Parses an RFC 3339 instant.
pub fn parse_datetime(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!(
                "malformed datetime {text:?} (expected RFC 3339, e.g. 2024-05-01T12:00:00Z): {e}"
            )
        })
}

/// A WIT value as the engine's value.
pub fn value_from_wit(value: types::Value) -> Result<Value, String> {
    Ok(match value {
        types::Value::Null => Value::Null,
        types::Value::Boolean(b) => Value::Boolean(b),
        types::Value::Integer(i) => Value::Integer(i),
        types::Value::Number(n) => Value::Number(n),
        types::Value::Text(s) => Value::Text(s),
        types::Value::TextList(l) => Value::TextList(l),
        types::Value::Date(s) => Value::Date(
            NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map_err(|e| format!("malformed date {s:?} (expected YYYY-MM-DD): {e}"))?,
        ),
        types::Value::Datetime(s) => Value::DateTime(parse_datetime(&s)?),
        types::Value::Json(s) => {
            serde_json::from_str::<serde_json::Value>(&s)
                .map_err(|e| format!("malformed JSON value: {e}"))?;
            Value::Json(s)
        }
    })
}

pub fn fields_to_wit(fields: &[(String, Value)]) -> Vec<types::Field> {
    fields
        .iter()
        .map(|(name, value)| types::Field {
            name: name.clone(),
            value: value_to_wit(value),
        })
        .collect()
}

pub fn item_to_wit(item: &Item) -> types::Item {
    types::Item {
        id: item.id.clone(),
        key: item.key.clone(),
        url: item.url.clone(),
        updated_at: item.updated_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        fields: item
            .fields
            .iter()
            .map(|(name, value)| types::Field {
                name: name.clone(),
                value: value_to_wit(value),
            })
            .collect(),
    }
}

/// A WIT item as the engine's item; names the item and field in errors.
pub fn item_from_wit(item: types::Item) -> Result<Item, String> {
    let updated_at = parse_datetime(&item.updated_at)
        .map_err(|e| format!("item {:?} updated-at: {e}", item.key))?;
    let mut fields = BTreeMap::new();
    for field in item.fields {
        let value = value_from_wit(field.value)
            .map_err(|e| format!("item {:?} field `{}`: {e}", item.key, field.name))?;
        if fields.insert(field.name.clone(), value).is_some() {
            return Err(format!(
                "item {:?} has field `{}` twice",
                item.key, field.name
            ));
        }
    }
    Ok(Item {
        id: item.id,
        key: item.key,
        url: item.url,
        updated_at,
        fields,
    })
}

/// A typed plugin error as the engine's item error, its text cut to
/// [`MAX_PLUGIN_TEXT`](super::limits::MAX_PLUGIN_TEXT).
pub fn item_error(error: types::PluginError) -> ItemError {
    let text = |m: String| plugin_text(&m);
    match error {
        types::PluginError::InvalidInput(m) => ItemError::InvalidInput(text(m)),
        types::PluginError::Transient(m) => ItemError::Transient(text(m)),
        types::PluginError::RateLimited(r) => ItemError::RateLimited {
            retry_after: Duration::from_millis(r.retry_after_ms),
            message: text(r.message),
        },
        types::PluginError::Unauthorized(m) => ItemError::Unauthorized(text(m)),
        types::PluginError::NotFound(m) => ItemError::NotFound(text(m)),
        types::PluginError::Unsupported(m) => ItemError::Unsupported(text(m)),
    }
}

pub fn field_type_name(t: types::FieldType) -> &'static str {
    match t {
        types::FieldType::String => "string",
        types::FieldType::Number => "number",
        types::FieldType::Boolean => "boolean",
        types::FieldType::Date => "date",
        types::FieldType::Datetime => "datetime",
        types::FieldType::Array => "array",
        types::FieldType::Object => "object",
    }
}

pub fn descriptor_from_wit(d: super::bindings::wit_connector::Descriptor) -> Descriptor {
    use super::bindings::wit_connector::Capabilities as C;
    Descriptor {
        platform: d.platform,
        fields: d
            .fields
            .into_iter()
            .map(|f| FieldSpec {
                name: f.name,
                field_type: field_type_name(f.field_type).to_string(),
                writable: f.writable,
            })
            .collect(),
        capabilities: ConnectorCapabilities {
            incremental: d.capabilities.contains(C::INCREMENTAL),
            webhooks: d.capabilities.contains(C::WEBHOOKS),
            origin_markers: d.capabilities.contains(C::ORIGIN_MARKERS),
        },
    }
}

/// Text and bytes carried by a value.
pub fn value_size(value: &types::Value) -> u64 {
    match value {
        types::Value::Text(s)
        | types::Value::Date(s)
        | types::Value::Datetime(s)
        | types::Value::Json(s) => s.len() as u64,
        types::Value::TextList(l) => l.iter().map(|s| s.len() as u64).sum(),
        _ => 8,
    }
}

/// Text and bytes carried by an item.
pub fn item_size(item: &types::Item) -> u64 {
    (item.id.len() + item.key.len() + item.url.len() + item.updated_at.len()) as u64
        + item
            .fields
            .iter()
            .map(|f| f.name.len() as u64 + value_size(&f.value))
            .sum::<u64>()
}

/// Text carried by a plugin error.
pub fn error_size(error: &types::PluginError) -> u64 {
    match error {
        types::PluginError::InvalidInput(m)
        | types::PluginError::Transient(m)
        | types::PluginError::Unauthorized(m)
        | types::PluginError::NotFound(m)
        | types::PluginError::Unsupported(m) => m.len() as u64,
        types::PluginError::RateLimited(r) => r.message.len() as u64 + 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_datetimes_round_trip_through_wit_text() {
        let date = Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert!(matches!(value_to_wit(&date), types::Value::Date(s) if s == "2024-02-29"));
        assert_eq!(value_from_wit(value_to_wit(&date)).unwrap(), date);
        let t = Value::DateTime(parse_datetime("2024-05-01T12:00:00+02:00").unwrap());
        assert!(
            matches!(value_to_wit(&t), types::Value::Datetime(s) if s == "2024-05-01T10:00:00Z")
        );
        assert_eq!(value_from_wit(value_to_wit(&t)).unwrap(), t);
    }

    #[test]
    fn malformed_dates_from_a_plugin_are_errors_not_panics() {
        let err = value_from_wit(types::Value::Date("2024-13-45".into())).unwrap_err();
        assert!(err.contains("YYYY-MM-DD"), "{err}");
        let err = value_from_wit(types::Value::Datetime("yesterday".into())).unwrap_err();
        assert!(err.contains("RFC 3339"), "{err}");
        assert!(value_from_wit(types::Value::Json("{not json".into())).is_err());
    }

    #[test]
    fn duplicate_fields_in_an_item_are_refused() {
        let item = types::Item {
            id: "1".into(),
            key: "A-1".into(),
            url: String::new(),
            updated_at: "2024-05-01T12:00:00Z".into(),
            fields: vec![
                types::Field {
                    name: "x".into(),
                    value: types::Value::Null,
                },
                types::Field {
                    name: "x".into(),
                    value: types::Value::Null,
                },
            ],
        };
        assert!(item_from_wit(item).unwrap_err().contains("twice"));
    }
}
