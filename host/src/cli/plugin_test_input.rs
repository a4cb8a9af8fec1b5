//! What `plugins test` reads from the command line: a conflict, a value and settings as
//! JSON (inline or `@FILE`), each refused with a message naming the option and the problem.

use chrono::{DateTime, Utc};
use pmsync_core::item::Item;
use pmsync_core::plugins::FieldConflict;
use pmsync_core::value::Value;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Read;

/// The largest `@FILE` read (bytes).
pub const MAX_INPUT_BYTES: u64 = 1024 * 1024;

/// `--conflict`: the conflict and the two items it is between.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictInput {
    pub conflict: FieldConflict,
    pub source: Item,
    pub target: Item,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConflict {
    field: String,
    source: serde_json::Value,
    target: serde_json::Value,
    #[serde(default)]
    base: Option<serde_json::Value>,
    #[serde(default)]
    source_item: RawItem,
    #[serde(default)]
    target_item: RawItem,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: Option<String>,
    key: Option<String>,
    #[serde(default)]
    url: String,
    updated_at: Option<String>,
    #[serde(default)]
    fields: BTreeMap<String, serde_json::Value>,
}

/// The text of an option: itself, or the file `@FILE` names (at most [`MAX_INPUT_BYTES`]).
pub fn option_text(option: &str, given: &str) -> Result<String, String> {
    let Some(path) = given.strip_prefix('@') else {
        return Ok(given.to_owned());
    };
    let file = std::fs::File::open(path).map_err(|e| format!("{option} @{path}: {e}"))?;
    let mut text = String::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("{option} @{path}: {e}"))?;
    if text.len() as u64 > MAX_INPUT_BYTES {
        return Err(format!(
            "{option} @{path}: the file is larger than {MAX_INPUT_BYTES} bytes"
        ));
    }
    Ok(text)
}

fn parse<T: for<'de> Deserialize<'de>>(option: &str, text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("{option} is not valid: {e}"))
}

/// A value: plain JSON, or typed as `{"type": "date", "value": "2024-05-01"}`.
pub fn value_of(json: &serde_json::Value) -> Value {
    if let Some(object) = json.as_object()
        && object.contains_key("type")
        && object.len() <= 2
        && let Ok(typed) = serde_json::from_value::<Value>(json.clone())
    {
        return typed;
    }
    Value::from_json(json)
}

/// `--value`.
pub fn parse_value(text: &str) -> Result<Value, String> {
    parse::<serde_json::Value>("--value", text).map(|json| value_of(&json))
}

/// `--conflict`; items not given get keys `SOURCE-1` / `TARGET-1` and `now` as their
/// update instant.
pub fn parse_conflict(text: &str, now: DateTime<Utc>) -> Result<ConflictInput, String> {
    let raw: RawConflict = parse("--conflict", text)?;
    if raw.field.trim().is_empty() {
        return Err("--conflict: `field` is empty".to_owned());
    }
    let conflict = FieldConflict {
        field: raw.field,
        source: value_of(&raw.source),
        target: value_of(&raw.target),
        base: raw.base.as_ref().map(value_of),
    };
    Ok(ConflictInput {
        conflict,
        source: item("source_item", raw.source_item, "SOURCE-1", now)?,
        target: item("target_item", raw.target_item, "TARGET-1", now)?,
    })
}

fn item(which: &str, raw: RawItem, key: &str, now: DateTime<Utc>) -> Result<Item, String> {
    let updated_at = match raw.updated_at {
        None => now,
        Some(text) => DateTime::parse_from_rfc3339(&text)
            .map_err(|e| {
                format!(
                    "--conflict: `{which}.updated_at` is {text:?}, not an RFC 3339 instant ({e})"
                )
            })?
            .with_timezone(&Utc),
    };
    let key = raw.key.unwrap_or_else(|| key.to_owned());
    Ok(Item {
        id: raw.id.unwrap_or_else(|| key.clone()),
        key,
        url: raw.url,
        updated_at,
        fields: raw
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), value_of(v)))
            .collect(),
    })
}

/// `--settings`: a JSON object; strings as they are, other values as JSON text (as a
/// list setting is written in a config).
pub fn parse_settings(text: &str) -> Result<BTreeMap<String, String>, String> {
    let object: BTreeMap<String, serde_json::Value> = parse("--settings", text)?;
    Ok(object
        .into_iter()
        .map(|(key, value)| {
            let text = match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (key, text)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2024-05-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_minimal_conflict_gets_placeholder_items_at_one_instant() {
        let input = parse_conflict(
            r#"{"field": "status", "source": "Done", "target": "To Do"}"#,
            now(),
        )
        .unwrap();
        assert_eq!(input.conflict.source, Value::Text("Done".into()));
        assert_eq!(input.conflict.base, None);
        assert_eq!(input.source.key, "SOURCE-1");
        assert_eq!(input.target.updated_at, now());
    }

    #[test]
    fn typed_values_and_item_fields_are_read() {
        let input = parse_conflict(
            r#"{"field": "due", "source": {"type": "date", "value": "2024-05-01"},
                "target": ["a", "b"], "base": null,
                "target_item": {"key": "ENG-7", "updated_at": "2024-05-01T14:00:00+02:00",
                                "fields": {"priority": 2}}}"#,
            now(),
        )
        .unwrap();
        assert_eq!(
            input.conflict.source,
            Value::Date("2024-05-01".parse().unwrap())
        );
        assert_eq!(
            input.conflict.target,
            Value::TextList(vec!["a".into(), "b".into()])
        );
        assert_eq!(input.target.key, "ENG-7");
        assert_eq!(input.target.updated_at, now());
        assert_eq!(input.target.field("priority"), &Value::Integer(2));
    }

    #[test]
    fn bad_conflicts_say_what_is_wrong() {
        let err = parse_conflict("{oops", now()).unwrap_err();
        assert!(
            err.starts_with("--conflict is not valid: key must be a string"),
            "{err}"
        );
        let err = parse_conflict(r#"{"field": "x", "source": 1}"#, now()).unwrap_err();
        assert!(err.contains("missing field `target`"), "{err}");
        let err = parse_conflict(
            r#"{"field": "x", "source": 1, "target": 2, "sorce": 3}"#,
            now(),
        )
        .unwrap_err();
        assert!(err.contains("unknown field `sorce`"), "{err}");
        let err = parse_conflict(
            r#"{"field": "x", "source": 1, "target": 2, "source_item": {"updated_at": "yesterday"}}"#,
            now(),
        )
        .unwrap_err();
        assert!(
            err.contains("`source_item.updated_at` is \"yesterday\", not an RFC 3339 instant"),
            "{err}"
        );
    }

    #[test]
    fn settings_that_are_not_strings_travel_as_json_text() {
        let settings = parse_settings(r#"{"order": ["A", "B"], "otherwise": "newer"}"#).unwrap();
        assert_eq!(settings["order"], r#"["A","B"]"#);
        assert_eq!(settings["otherwise"], "newer");
        assert!(
            parse_settings("[1]")
                .unwrap_err()
                .starts_with("--settings is not valid")
        );
    }
}
