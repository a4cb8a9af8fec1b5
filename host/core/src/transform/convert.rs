//! Automatic conversion between the seven declared field types.

use super::error::{TransformError, show};
use crate::config::FieldType;
use crate::value::Value;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

const CONVERT: &str = "convert";

/// The declared type a value has, judged by its case; `None` for null.
pub fn type_of(value: &Value) -> Option<FieldType> {
    Some(match value {
        Value::Null => return None,
        Value::Boolean(_) => FieldType::Boolean,
        Value::Integer(_) | Value::Number(_) => FieldType::Number,
        Value::Text(_) => FieldType::String,
        Value::TextList(_) => FieldType::Array,
        Value::Date(_) => FieldType::Date,
        Value::DateTime(_) => FieldType::Datetime,
        Value::Json(text) if text.trim_start().starts_with('[') => FieldType::Array,
        Value::Json(_) => FieldType::Object,
    })
}

/// Whether some values of type `from` convert to `to` (number → boolean only for 0 and 1,
/// string → number only for numeric text, ...). Pairs for which no value converts, such as
/// boolean → date, are `false`.
pub fn conversion_exists(from: FieldType, to: FieldType) -> bool {
    use FieldType::*;
    from == to
        || matches!(
            (from, to),
            (String, _)
                | (_, String)
                | (Number, Boolean)
                | (Boolean, Number)
                | (Date, Datetime)
                | (Datetime, Date)
                | (Array, Object)
        )
}

/// Converts a value declared as `from` to type `to`. The value's actual case wins over
/// `from` (a number that arrives for a field declared `string` converts as a number); a
/// value that already has type `to` and null pass unchanged.
///
/// string ↔ number, string ↔ boolean (`true/false/yes/no/1/0`), string ↔ date
/// (`YYYY-MM-DD`) and datetime (RFC 3339; a date alone is midnight UTC), date ↔ datetime
/// (midnight UTC; a datetime's UTC date), array ↔ string (comma-separated), object ↔ string
/// (JSON), number ↔ boolean (only 0 and 1), array → object (a JSON list). Anything else is
/// an error naming the value and both types.
pub fn convert(value: &Value, from: FieldType, to: FieldType) -> Result<Value, TransformError> {
    use FieldType as T;
    let Some(actual) = type_of(value) else {
        return Ok(Value::Null);
    };
    if actual == to {
        return Ok(value.clone());
    }
    let impossible = || {
        let declared = if actual == from {
            String::new()
        } else {
            format!(" (declared {from})")
        };
        TransformError::new(
            CONVERT,
            format!(
                "cannot convert {} from {actual}{declared} to {to}",
                show(value)
            ),
        )
    };
    let not_a = |what: &str, expected: &str| {
        TransformError::new(
            CONVERT,
            format!(
                "{} is not {what} (converting {actual} to {to}; expected {expected})",
                show(value)
            ),
        )
    };
    Ok(match (value, to) {
        (Value::Text(s), T::Number) => {
            parse_number(s).ok_or_else(|| not_a("a number", "digits like 3 or 2.5"))?
        }
        (Value::Text(s), T::Boolean) => Value::Boolean(
            parse_boolean(s).ok_or_else(|| not_a("a boolean", "true/false/yes/no/1/0"))?,
        ),
        (Value::Text(s), T::Date) => Value::Date(
            parse_date(s)
                .or_else(|| parse_datetime(s).map(|t| t.date_naive()))
                .ok_or_else(|| not_a("a date", "YYYY-MM-DD or RFC 3339"))?,
        ),
        (Value::Text(s), T::Datetime) => Value::DateTime(
            parse_datetime(s)
                .or_else(|| parse_date(s).map(midnight_utc))
                .ok_or_else(|| {
                    not_a(
                        "a datetime",
                        "RFC 3339 like 2024-05-01T12:00:00Z, or YYYY-MM-DD",
                    )
                })?,
        ),
        (Value::Text(s), T::Array) => split_list(s),
        (Value::Text(s), T::Object) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(json @ serde_json::Value::Object(_)) => Value::Json(json.to_string()),
            _ => return Err(not_a("a JSON object", "JSON text like {\"a\": 1}")),
        },
        (Value::Integer(_) | Value::Number(_), T::String) => {
            Value::Text(number_text(value).unwrap_or_default())
        }
        (Value::Integer(i), T::Boolean) => match i {
            0 => Value::Boolean(false),
            1 => Value::Boolean(true),
            _ => return Err(impossible()),
        },
        (Value::Number(n), T::Boolean) if *n == 0.0 || *n == 1.0 => Value::Boolean(*n == 1.0),
        (Value::Boolean(b), T::String) => Value::Text(b.to_string()),
        (Value::Boolean(b), T::Number) => Value::Integer(i64::from(*b)),
        (Value::Date(d), T::String) => Value::Text(date_text(*d)),
        (Value::Date(d), T::Datetime) => Value::DateTime(midnight_utc(*d)),
        (Value::DateTime(t), T::String) => Value::Text(datetime_text(t)),
        (Value::DateTime(t), T::Date) => Value::Date(t.date_naive()),
        (Value::TextList(_) | Value::Json(_), T::String) if actual == T::Array => {
            Value::Text(join_list(value))
        }
        (Value::TextList(items), T::Object) => {
            Value::Json(serde_json::Value::from(items.clone()).to_string())
        }
        (Value::Json(text), T::String) => Value::Text(text.clone()),
        _ => return Err(impossible()),
    })
}

/// A number from text: a whole number when it is one, otherwise a finite decimal.
pub fn parse_number(text: &str) -> Option<Value> {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::Integer(i));
    }
    let has_digit = t.chars().any(|c| c.is_ascii_digit());
    t.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && has_digit)
        .map(Value::Number)
}

/// `true/false/yes/no/1/0`, case-insensitive, surrounding spaces ignored.
pub fn parse_boolean(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// RFC 3339, and also Jira's `2024-05-01T12:00:00.000+0000` (offset without a colon).
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    DateTime::parse_from_rfc3339(t)
        .or_else(|_| DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn midnight_utc(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

pub fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub fn datetime_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A number's text: `3`, `2.5`.
pub fn number_text(value: &Value) -> Option<String> {
    match value {
        Value::Integer(i) => Some(i.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Comma-separated items, trimmed, empty items dropped.
pub fn split_list(text: &str) -> Value {
    Value::TextList(
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// A list's items joined with `, ` (non-text items as JSON).
pub fn join_list(value: &Value) -> String {
    match value {
        Value::TextList(items) => items.join(", "),
        Value::Json(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Array(items)) => items
                .iter()
                .map(|i| match i {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            _ => text.clone(),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FieldType as T;

    fn date(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn numeric_text_becomes_a_number_and_back() {
        assert_eq!(
            convert(&Value::Text(" 42 ".into()), T::String, T::Number).unwrap(),
            Value::Integer(42)
        );
        assert_eq!(
            convert(&Value::Text("2.5".into()), T::String, T::Number).unwrap(),
            Value::Number(2.5)
        );
        assert_eq!(
            convert(&Value::Number(2.5), T::Number, T::String).unwrap(),
            Value::Text("2.5".into())
        );
        assert_eq!(
            convert(&Value::Integer(3), T::Number, T::String).unwrap(),
            Value::Text("3".into())
        );
    }

    #[test]
    fn text_that_is_not_a_number_names_the_value_and_both_types() {
        let e = convert(&Value::Text("abc".into()), T::String, T::Number)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"abc\"") && e.contains("string") && e.contains("number"),
            "{e}"
        );
    }

    #[test]
    fn booleans_convert_from_yes_no_words_in_any_case() {
        assert_eq!(
            convert(&Value::Text("YES".into()), T::String, T::Boolean).unwrap(),
            Value::Boolean(true)
        );
        assert_eq!(
            convert(&Value::Text("0".into()), T::String, T::Boolean).unwrap(),
            Value::Boolean(false)
        );
        assert_eq!(
            convert(&Value::Boolean(true), T::Boolean, T::String).unwrap(),
            Value::Text("true".into())
        );
        assert!(convert(&Value::Text("maybe".into()), T::String, T::Boolean).is_err());
    }

    #[test]
    fn only_zero_and_one_are_booleans_among_numbers() {
        assert_eq!(
            convert(&Value::Integer(1), T::Number, T::Boolean).unwrap(),
            Value::Boolean(true)
        );
        assert_eq!(
            convert(&Value::Boolean(false), T::Boolean, T::Number).unwrap(),
            Value::Integer(0)
        );
        let e = convert(&Value::Integer(7), T::Number, T::Boolean)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot convert 7 from number to boolean"), "{e}");
    }

    #[test]
    fn dates_parse_from_iso_text_and_widen_to_midnight_utc() {
        let d = convert(&Value::Text("2024-05-01".into()), T::String, T::Date).unwrap();
        assert_eq!(d, Value::Date(date("2024-05-01")));
        let t = convert(&d, T::Date, T::Datetime).unwrap();
        assert_eq!(t, Value::DateTime(midnight_utc(date("2024-05-01"))));
        assert_eq!(
            convert(&t, T::Datetime, T::String).unwrap(),
            Value::Text("2024-05-01T00:00:00Z".into())
        );
        let from_text = convert(&Value::Text("2024-05-01".into()), T::String, T::Datetime).unwrap();
        assert_eq!(from_text, t);
    }

    #[test]
    fn jira_datetimes_with_compact_offsets_parse() {
        let t = convert(
            &Value::Text("2024-05-01T14:00:00.000+0200".into()),
            T::String,
            T::Datetime,
        )
        .unwrap();
        assert_eq!(
            convert(&t, T::Datetime, T::String).unwrap(),
            Value::Text("2024-05-01T12:00:00Z".into())
        );
    }

    #[test]
    fn a_datetime_narrows_to_its_utc_date() {
        let t = Value::DateTime(parse_datetime("2024-05-01T23:30:00-02:00").unwrap());
        assert_eq!(
            convert(&t, T::Datetime, T::Date).unwrap(),
            Value::Date(date("2024-05-02"))
        );
    }

    #[test]
    fn lists_join_with_commas_and_split_trimmed() {
        let list = Value::TextList(vec!["bug".into(), "ui".into()]);
        assert_eq!(
            convert(&list, T::Array, T::String).unwrap(),
            Value::Text("bug, ui".into())
        );
        assert_eq!(
            convert(&Value::Text(" bug ,ui,, ".into()), T::String, T::Array).unwrap(),
            list
        );
    }

    #[test]
    fn objects_travel_as_json_text() {
        let obj = convert(&Value::Text("{\"a\": 1}".into()), T::String, T::Object).unwrap();
        assert_eq!(obj, Value::Json("{\"a\":1}".into()));
        assert_eq!(
            convert(&obj, T::Object, T::String).unwrap(),
            Value::Text("{\"a\":1}".into())
        );
        assert!(convert(&Value::Text("[1]".into()), T::String, T::Object).is_err());
    }

    #[test]
    fn impossible_conversions_are_errors_not_guesses() {
        let e = convert(&Value::Boolean(true), T::Boolean, T::Date)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "convert: cannot convert true from boolean to date");
        assert!(convert(&Value::Integer(1_700_000_000), T::Number, T::Datetime).is_err());
        assert!(!conversion_exists(T::Boolean, T::Date));
        assert!(conversion_exists(T::Number, T::Boolean));
    }

    #[test]
    fn null_and_values_already_of_the_target_type_pass_unchanged() {
        assert_eq!(
            convert(&Value::Null, T::String, T::Number).unwrap(),
            Value::Null
        );
        assert_eq!(
            convert(&Value::Integer(5), T::String, T::Number).unwrap(),
            Value::Integer(5)
        );
    }
}
