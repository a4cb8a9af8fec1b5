//! Linear's filter inputs (`IssueFilter`, `TeamFilter`, `WorkflowStateFilter`,
//! `IssueLabelFilter`, ...) applied to an entity seen as JSON (`{"id", "name", "team": {...},
//! "labels": [...]}`). The schema decides which keys a filter may carry (an unknown key fails
//! validation before this runs), so one evaluator serves every filter type:
//!
//! * `and` / `or`: lists of filters of the same type;
//! * a comparator (`{eq, neq, in, nin, gt, gte, lt, lte, eqIgnoreCase, containsIgnoreCase,
//!   null}`) on a scalar: strings compare case-insensitively for `eq`/`neq`/`in`/`nin` (as the
//!   sandbox always did), date-times as instants, numbers as numbers;
//! * a filter on a related entity (`team`, `state`, `parent`), with `null: true|false` for an
//!   optional one;
//! * a collection filter (`labels`): `some`, `every`, `length`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// Whether `entity` passes `filter`; `Err` names what cannot be evaluated.
pub(crate) fn matches(entity: &Value, filter: &Map<String, Value>) -> Result<bool, String> {
    for (key, condition) in filter {
        if condition.is_null() {
            continue;
        }
        let ok = match key.as_str() {
            "and" => {
                let mut all = true;
                for f in list(condition, key)? {
                    all &= matches(entity, f)?;
                }
                all
            }
            "or" => {
                let mut any = false;
                for f in list(condition, key)? {
                    any |= matches(entity, f)?;
                }
                any
            }
            "null" => condition.as_bool() == Some(entity.is_null()),
            _ => field_matches(&entity[key.as_str()], object(condition, key)?, key)?,
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn list<'a>(v: &'a Value, key: &str) -> Result<Vec<&'a Map<String, Value>>, String> {
    v.as_array()
        .ok_or_else(|| format!("`{key}` must be a list of filters"))?
        .iter()
        .map(|f| object(f, key))
        .collect()
}

fn object<'a>(v: &'a Value, key: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| format!("`{key}` must be an object"))
}

const COMPARATORS: [&str; 11] = [
    "eq",
    "neq",
    "in",
    "nin",
    "gt",
    "gte",
    "lt",
    "lte",
    "eqIgnoreCase",
    "containsIgnoreCase",
    "length",
];

fn field_matches(value: &Value, condition: &Map<String, Value>, key: &str) -> Result<bool, String> {
    if let Value::Array(items) = value {
        return collection_matches(items, condition, key);
    }
    let is_comparator = condition
        .keys()
        .all(|k| COMPARATORS.contains(&k.as_str()) || k == "null");
    if !is_comparator || value.is_object() {
        // A related entity (possibly absent: `null` handles that).
        if value.is_null() {
            return Ok(condition.get("null").and_then(Value::as_bool) == Some(true)
                || condition.is_empty());
        }
        return matches(value, condition);
    }
    for (op, operand) in condition {
        if operand.is_null() {
            continue;
        }
        if !compare(value, op, operand, key)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn collection_matches(
    items: &[Value],
    condition: &Map<String, Value>,
    key: &str,
) -> Result<bool, String> {
    for (op, operand) in condition {
        if operand.is_null() {
            continue;
        }
        let ok = match op.as_str() {
            "some" => {
                let f = object(operand, op)?;
                let mut any = false;
                for item in items {
                    any |= matches(item, f)?;
                }
                any
            }
            "every" => {
                let f = object(operand, op)?;
                let mut all = true;
                for item in items {
                    all &= matches(item, f)?;
                }
                all
            }
            "length" => {
                let f = object(operand, op)?;
                let length = Value::from(items.len());
                let mut all = true;
                for (cmp, n) in f {
                    all &= compare(&length, cmp, n, "length")?;
                }
                all
            }
            other => return Err(format!("the sandbox does not evaluate `{key}.{other}`")),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn instant(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

/// Orders two scalars: date-times as instants, numbers as numbers, strings ignoring case.
fn order(a: &Value, b: &Value, key: &str) -> Result<std::cmp::Ordering, String> {
    if let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) {
        return x
            .partial_cmp(&y)
            .ok_or_else(|| format!("`{key}` compares a number that is not finite"));
    }
    if let (Some(x), Some(y)) = (instant(a), instant(b)) {
        return Ok(x.cmp(&y));
    }
    if a.is_string()
        && b.is_string()
        && a.as_str()
            .is_some_and(|s| instant(&Value::from(s)).is_some())
    {
        return Err(format!(
            "`{key}` must be an ISO 8601 date-time (durations are not supported by the sandbox), got {b}"
        ));
    }
    match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => Ok(x.to_lowercase().cmp(&y.to_lowercase())),
        _ => Ok(if a == b {
            std::cmp::Ordering::Equal
        } else {
            std::cmp::Ordering::Less
        }),
    }
}

fn compare(value: &Value, op: &str, operand: &Value, key: &str) -> Result<bool, String> {
    use std::cmp::Ordering::*;
    let equal = |x: &Value| -> Result<bool, String> {
        if value.is_null() {
            return Ok(x.is_null());
        }
        Ok(order(value, x, key)? == Equal)
    };
    let listed = || -> Result<bool, String> {
        let items = operand
            .as_array()
            .ok_or_else(|| format!("`{key}.{op}` must be a list"))?;
        for x in items {
            if equal(x)? {
                return Ok(true);
            }
        }
        Ok(false)
    };
    Ok(match op {
        "eq" | "eqIgnoreCase" => equal(operand)?,
        "neq" => !equal(operand)?,
        "in" => listed()?,
        "nin" => !listed()?,
        "null" => operand.as_bool() == Some(value.is_null()),
        "containsIgnoreCase" => match (value.as_str(), operand.as_str()) {
            (Some(v), Some(o)) => v.to_lowercase().contains(&o.to_lowercase()),
            _ => false,
        },
        "gt" | "gte" | "lt" | "lte" => {
            if value.is_null() {
                return Ok(false);
            }
            let ordering = order(value, operand, key)?;
            match op {
                "gt" => ordering == Greater,
                "gte" => ordering != Less,
                "lt" => ordering == Less,
                _ => ordering != Greater,
            }
        }
        other => return Err(format!("the sandbox does not evaluate `{key}.{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(entity: Value, filter: Value) -> bool {
        matches(&entity, filter.as_object().expect("object")).expect("evaluates")
    }

    #[test]
    fn filters_compare_scalars_related_entities_and_collections() {
        let issue = json!({
            "number": 7, "updatedAt": "2025-03-01T10:00:00.000Z",
            "team": {"key": "ENG"}, "state": {"type": "started", "name": "In Progress"},
            "labels": [{"name": "bug", "team": null}, {"name": "backend", "team": null}],
        });
        assert!(check(
            issue.clone(),
            json!({"team": {"key": {"eq": "eng"}}})
        ));
        assert!(!check(
            issue.clone(),
            json!({"team": {"key": {"in": ["OPS"]}}})
        ));
        assert!(check(
            issue.clone(),
            json!({"updatedAt": {"gte": "2025-03-01T00:00:00Z"}})
        ));
        assert!(!check(
            issue.clone(),
            json!({"updatedAt": {"gt": "2025-03-01T10:00:00Z"}})
        ));
        assert!(check(
            issue.clone(),
            json!({"labels": {"some": {"name": {"eq": "bug"}}}})
        ));
        assert!(!check(
            issue.clone(),
            json!({"labels": {"every": {"name": {"eq": "bug"}}}})
        ));
        assert!(check(
            issue.clone(),
            json!({"labels": {"some": {"team": {"null": true}}}})
        ));
        assert!(check(
            issue.clone(),
            json!({"or": [{"number": {"eq": 8}}, {"state": {"name": {"in": ["In Progress"]}}}]})
        ));
        assert!(!check(
            issue,
            json!({"and": [{"number": {"gte": 1}}, {"number": {"lt": 7}}]})
        ));
    }

    #[test]
    fn a_duration_is_refused_with_a_message_naming_the_key() {
        let issue = json!({"updatedAt": "2025-03-01T10:00:00.000Z"});
        let error = matches(
            &issue,
            json!({"updatedAt": {"gte": "-P2W"}}).as_object().unwrap(),
        )
        .expect_err("durations are not evaluated");
        assert!(error.contains("updatedAt"), "{error}");
    }
}
