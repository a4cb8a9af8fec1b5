//! Value maps and the user map, in either direction.

use super::convert::{date_text, datetime_text, number_text};
use super::error::TransformError;
use crate::config::ValueMap;
use crate::value::Value;
use std::collections::BTreeMap;

/// A value's text for lookups: text as is, numbers plainly (`2`), booleans `true`/`false`,
/// dates ISO. `None` for null and lists.
pub fn lookup_text(value: &Value) -> Option<String> {
    match value {
        Value::Text(s) | Value::Json(s) => Some(s.clone()),
        Value::Integer(_) | Value::Number(_) => number_text(value),
        Value::Boolean(b) => Some(b.to_string()),
        Value::Date(d) => Some(date_text(*d)),
        Value::DateTime(t) => Some(datetime_text(t)),
        Value::Null | Value::TextList(_) => None,
    }
}

/// A JSON value from a config as lookup text (strings without quotes).
pub fn json_text(json: &serde_json::Value) -> String {
    match json {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One direction of a value map: lookups by the value's text, then `default` for values
/// not listed, otherwise the value passes unchanged. Lists are mapped item by item.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueLookup {
    /// The map's name in `value_maps`.
    pub name: String,
    pub table: BTreeMap<String, Value>,
    pub default: Option<Value>,
}

impl ValueLookup {
    /// Source value → target value.
    pub fn forward(name: &str, map: &ValueMap) -> ValueLookup {
        ValueLookup {
            name: name.to_string(),
            table: map
                .forward
                .iter()
                .map(|(k, v)| (k.clone(), Value::from_json(v)))
                .collect(),
            default: map.default.as_ref().map(Value::from_json),
        }
    }

    /// Target value → source value: the forward table inverted (when several sources share
    /// a target, the first in key order; validation refuses such maps on mappings used both
    /// ways unless `reverse` is given), overridden by the explicit `reverse` entries.
    /// Values listed nowhere pass unchanged.
    pub fn reverse(name: &str, map: &ValueMap) -> ValueLookup {
        let mut table = BTreeMap::new();
        for (source, target) in &map.forward {
            table
                .entry(json_text(target))
                .or_insert_with(|| Value::Text(source.clone()));
        }
        for (target, source) in map.reverse.iter().flatten() {
            table.insert(target.clone(), Value::from_json(source));
        }
        ValueLookup {
            name: name.to_string(),
            table,
            default: None,
        }
    }

    pub fn apply(&self, value: &Value) -> Result<Value, TransformError> {
        match value {
            Value::Null => Ok(Value::Null),
            Value::TextList(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match self.lookup(&Value::Text(item.clone())) {
                        Value::Null => {}
                        mapped => out.push(lookup_text(&mapped).ok_or_else(|| {
                            TransformError::new(
                                format!("value_map {}", self.name),
                                format!(
                                    "maps the list item {item:?} to a {}; list items map to text",
                                    mapped.kind()
                                ),
                            )
                        })?),
                    }
                }
                Ok(Value::TextList(out))
            }
            other => Ok(self.lookup(other)),
        }
    }

    fn lookup(&self, value: &Value) -> Value {
        lookup_text(value)
            .and_then(|text| self.table.get(&text))
            .or(self.default.as_ref())
            .cloned()
            .unwrap_or_else(|| value.clone())
    }
}

/// Source targets that have several sources in a map: `(target text, sources)`.
pub fn shared_targets(map: &ValueMap) -> Vec<(String, Vec<String>)> {
    let mut by_target: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (source, target) in &map.forward {
        by_target
            .entry(json_text(target))
            .or_default()
            .push(source.clone());
    }
    by_target
        .into_iter()
        .filter(|(_, sources)| sources.len() > 1)
        .collect()
}

/// One direction of the user map; names not listed pass unchanged. Applies to text and to
/// each item of a list (assignees).
#[derive(Debug, Clone, PartialEq)]
pub struct UserLookup {
    pub table: BTreeMap<String, String>,
}

impl UserLookup {
    pub fn forward(user_map: &BTreeMap<String, String>) -> UserLookup {
        UserLookup {
            table: user_map.clone(),
        }
    }

    /// Target user → source user (the first source in key order when several share one).
    pub fn reverse(user_map: &BTreeMap<String, String>) -> UserLookup {
        let mut table = BTreeMap::new();
        for (source, target) in user_map {
            table
                .entry(target.clone())
                .or_insert_with(|| source.clone());
        }
        UserLookup { table }
    }

    pub fn apply(&self, value: &Value) -> Result<Value, TransformError> {
        let map = |name: &String| self.table.get(name).unwrap_or(name).clone();
        match value {
            Value::Text(name) => Ok(Value::Text(map(name))),
            Value::TextList(names) => Ok(Value::TextList(names.iter().map(map).collect())),
            Value::Null => Ok(Value::Null),
            other => Err(TransformError::new(
                "user_map",
                format!(
                    "expects a user name or a list of them, got {} {}",
                    other.kind(),
                    super::error::show(other)
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn status_map() -> ValueMap {
        ValueMap {
            forward: [
                ("To Do", json!("Todo")),
                ("In Progress", json!("In Progress")),
                ("Done", json!("Done")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
            reverse: None,
            default: Some(json!("Backlog")),
        }
    }

    #[test]
    fn a_listed_value_maps_forward_and_an_unlisted_one_takes_the_default() {
        let forward = ValueLookup::forward("status", &status_map());
        assert_eq!(
            forward.apply(&Value::Text("To Do".into())).unwrap(),
            Value::Text("Todo".into())
        );
        assert_eq!(
            forward.apply(&Value::Text("Blocked".into())).unwrap(),
            Value::Text("Backlog".into())
        );
    }

    #[test]
    fn without_a_default_an_unlisted_value_passes_through() {
        let mut map = status_map();
        map.default = None;
        let forward = ValueLookup::forward("status", &map);
        assert_eq!(
            forward.apply(&Value::Text("Blocked".into())).unwrap(),
            Value::Text("Blocked".into())
        );
    }

    #[test]
    fn the_reverse_of_a_one_to_one_map_is_its_inversion() {
        let reverse = ValueLookup::reverse("status", &status_map());
        assert_eq!(
            reverse.apply(&Value::Text("Todo".into())).unwrap(),
            Value::Text("To Do".into())
        );
        assert_eq!(
            reverse.apply(&Value::Text("Backlog".into())).unwrap(),
            Value::Text("Backlog".into())
        );
    }

    #[test]
    fn an_explicit_reverse_table_wins_over_inversion() {
        let mut map = status_map();
        map.forward.insert("Closed".into(), json!("Done"));
        map.reverse = Some(
            [("Done".to_string(), json!("Closed"))]
                .into_iter()
                .collect(),
        );
        assert_eq!(
            shared_targets(&map),
            vec![(
                "Done".to_string(),
                vec!["Closed".to_string(), "Done".to_string()]
            )]
        );
        let reverse = ValueLookup::reverse("status", &map);
        assert_eq!(
            reverse.apply(&Value::Text("Done".into())).unwrap(),
            Value::Text("Closed".into())
        );
    }

    #[test]
    fn numbers_are_looked_up_by_their_text() {
        let map = ValueMap {
            forward: [
                ("1".to_string(), json!("Urgent")),
                ("2".to_string(), json!("High")),
            ]
            .into_iter()
            .collect(),
            reverse: None,
            default: None,
        };
        assert_eq!(
            ValueLookup::forward("p", &map)
                .apply(&Value::Integer(1))
                .unwrap(),
            Value::Text("Urgent".into())
        );
        assert_eq!(
            ValueLookup::forward("p", &map)
                .apply(&Value::Number(2.0))
                .unwrap(),
            Value::Text("High".into())
        );
    }

    #[test]
    fn labels_are_mapped_item_by_item() {
        let map = ValueMap {
            forward: [("bug".to_string(), json!("type: bug"))]
                .into_iter()
                .collect(),
            reverse: None,
            default: None,
        };
        let labels = Value::TextList(vec!["bug".into(), "ui".into()]);
        assert_eq!(
            ValueLookup::forward("labels", &map).apply(&labels).unwrap(),
            Value::TextList(vec!["type: bug".into(), "ui".into()])
        );
    }

    #[test]
    fn users_map_both_ways_and_unknown_users_pass() {
        let users: BTreeMap<String, String> =
            [("alice@acme.test".to_string(), "alice".to_string())]
                .into_iter()
                .collect();
        let assignees = Value::TextList(vec!["alice@acme.test".into(), "bob".into()]);
        let mapped = UserLookup::forward(&users).apply(&assignees).unwrap();
        assert_eq!(mapped, Value::TextList(vec!["alice".into(), "bob".into()]));
        assert_eq!(
            UserLookup::reverse(&users).apply(&mapped).unwrap(),
            assignees
        );
    }
}
