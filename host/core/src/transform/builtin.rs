//! The ten built-in transforms of the original spec, each with its inverse.
//!
//! Every built-in passes null through and accepts a value that already has its output type
//! unchanged (so `string_to_number` on a number is that number).

use super::convert::{
    date_text, datetime_text, join_list, number_text, parse_boolean, parse_date, parse_datetime,
    parse_number, split_list,
};
use super::error::{TransformError, show};
use crate::config::FieldType;
use crate::value::Value;

pub const BUILTIN_TRANSFORMS: [&str; 10] = [
    "string_to_number",
    "number_to_string",
    "date_to_string",
    "string_to_date",
    "array_to_string",
    "string_to_array",
    "json_encode",
    "json_decode",
    "boolean_to_string",
    "string_to_boolean",
];

pub fn is_builtin(name: &str) -> bool {
    BUILTIN_TRANSFORMS.contains(&name)
}

/// The transform that undoes `name`.
pub fn inverse_of(name: &str) -> Option<&'static str> {
    Some(match name {
        "string_to_number" => "number_to_string",
        "number_to_string" => "string_to_number",
        "date_to_string" => "string_to_date",
        "string_to_date" => "date_to_string",
        "array_to_string" => "string_to_array",
        "string_to_array" => "array_to_string",
        "json_encode" => "json_decode",
        "json_decode" => "json_encode",
        "boolean_to_string" => "string_to_boolean",
        "string_to_boolean" => "boolean_to_string",
        _ => return None,
    })
}

/// The types a built-in may produce; `None` when it depends on the value (`json_decode`)
/// or the transform is not a built-in.
pub fn output_types(name: &str) -> Option<&'static [FieldType]> {
    use FieldType::*;
    Some(match name {
        "string_to_number" => &[Number],
        "number_to_string" | "date_to_string" | "array_to_string" | "json_encode"
        | "boolean_to_string" => &[String],
        "string_to_date" => &[Date, Datetime],
        "string_to_array" => &[Array],
        "string_to_boolean" => &[Boolean],
        _ => return None,
    })
}

/// The types a built-in accepts; `None` when any type is accepted or it is not a built-in.
pub fn input_types(name: &str) -> Option<&'static [FieldType]> {
    use FieldType::*;
    Some(match name {
        "string_to_number" => &[String, Number],
        "number_to_string" => &[Number, String],
        "date_to_string" => &[Date, Datetime, String],
        "string_to_date" => &[String, Date, Datetime],
        "array_to_string" => &[Array, String],
        "string_to_array" => &[String, Array],
        "json_decode" => &[String, Object, Array],
        "boolean_to_string" => &[Boolean, String],
        "string_to_boolean" => &[String, Boolean, Number],
        _ => return None,
    })
}

/// Applies a built-in transform.
pub fn apply_builtin(name: &str, value: &Value) -> Result<Value, TransformError> {
    if value.is_null() {
        return if is_builtin(name) {
            Ok(Value::Null)
        } else {
            Err(unknown(name))
        };
    }
    let wrong_input = |expects: &str| {
        TransformError::new(
            name,
            format!("expects {expects}, got {} {}", value.kind(), show(value)),
        )
    };
    Ok(match name {
        "string_to_number" => match value {
            Value::Text(s) => parse_number(s).ok_or_else(|| {
                TransformError::new(name, format!("{} is not a number", show(value)))
            })?,
            Value::Integer(_) | Value::Number(_) => value.clone(),
            _ => return Err(wrong_input("text")),
        },
        "number_to_string" => match value {
            Value::Integer(_) | Value::Number(_) => {
                Value::Text(number_text(value).unwrap_or_default())
            }
            Value::Text(_) => value.clone(),
            _ => return Err(wrong_input("a number")),
        },
        "date_to_string" => match value {
            Value::Date(d) => Value::Text(date_text(*d)),
            Value::DateTime(t) => Value::Text(datetime_text(t)),
            Value::Text(_) => value.clone(),
            _ => return Err(wrong_input("a date or datetime")),
        },
        "string_to_date" => match value {
            Value::Text(s) => match (parse_date(s), parse_datetime(s)) {
                (Some(d), _) => Value::Date(d),
                (None, Some(t)) => Value::DateTime(t),
                (None, None) => {
                    return Err(TransformError::new(
                        name,
                        format!(
                            "{} is not a date (expected YYYY-MM-DD or RFC 3339)",
                            show(value)
                        ),
                    ));
                }
            },
            Value::Date(_) | Value::DateTime(_) => value.clone(),
            _ => return Err(wrong_input("text")),
        },
        "array_to_string" => match value {
            Value::TextList(_) => Value::Text(join_list(value)),
            Value::Json(t) if t.trim_start().starts_with('[') => Value::Text(join_list(value)),
            Value::Text(_) => value.clone(),
            _ => return Err(wrong_input("a list")),
        },
        "string_to_array" => match value {
            Value::Text(s) => split_list(s),
            Value::TextList(_) => value.clone(),
            _ => return Err(wrong_input("text")),
        },
        "json_encode" => match value {
            Value::Json(t) => match serde_json::from_str::<serde_json::Value>(t) {
                Ok(json) => Value::Text(json.to_string()),
                Err(_) => {
                    return Err(TransformError::new(
                        name,
                        format!("{} is not valid JSON", show(value)),
                    ));
                }
            },
            other => Value::Text(other.to_json().to_string()),
        },
        "json_decode" => match value {
            Value::Text(t) | Value::Json(t) => match serde_json::from_str::<serde_json::Value>(t) {
                Ok(json) => Value::from_json(&json),
                Err(e) => {
                    return Err(TransformError::new(
                        name,
                        format!("{} is not valid JSON ({e})", show(value)),
                    ));
                }
            },
            _ => return Err(wrong_input("JSON text")),
        },
        "boolean_to_string" => match value {
            Value::Boolean(b) => Value::Text(b.to_string()),
            Value::Text(_) => value.clone(),
            _ => return Err(wrong_input("a boolean")),
        },
        "string_to_boolean" => match value {
            Value::Text(s) => Value::Boolean(parse_boolean(s).ok_or_else(|| {
                TransformError::new(
                    name,
                    format!(
                        "{} is not a boolean (expected true/false/yes/no/1/0)",
                        show(value)
                    ),
                )
            })?),
            Value::Boolean(_) => value.clone(),
            Value::Integer(0) => Value::Boolean(false),
            Value::Integer(1) => Value::Boolean(true),
            _ => return Err(wrong_input("text")),
        },
        _ => return Err(unknown(name)),
    })
}

fn unknown(name: &str) -> TransformError {
    TransformError::new(name, format!("there is no built-in transform `{name}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    fn round_trip(name: &str, value: Value) {
        let there = apply_builtin(name, &value).unwrap();
        let back = apply_builtin(inverse_of(name).unwrap(), &there).unwrap();
        assert_eq!(back, value, "{name} then its inverse");
    }

    #[test]
    fn string_to_number_reads_whole_and_decimal_numbers() {
        assert_eq!(
            apply_builtin("string_to_number", &text("13")).unwrap(),
            Value::Integer(13)
        );
        assert_eq!(
            apply_builtin("string_to_number", &text("-0.5")).unwrap(),
            Value::Number(-0.5)
        );
        round_trip("string_to_number", text("13"));
    }

    #[test]
    fn string_to_number_names_itself_and_the_bad_value() {
        let e = apply_builtin("string_to_number", &text("abc")).unwrap_err();
        assert_eq!(e.to_string(), "string_to_number: \"abc\" is not a number");
        assert!(apply_builtin("string_to_number", &text("NaN")).is_err());
        assert!(apply_builtin("string_to_number", &text("")).is_err());
    }

    #[test]
    fn number_to_string_writes_numbers_plainly() {
        assert_eq!(
            apply_builtin("number_to_string", &Value::Number(2.5)).unwrap(),
            text("2.5")
        );
        round_trip("number_to_string", Value::Integer(8));
        assert!(apply_builtin("number_to_string", &Value::Boolean(true)).is_err());
    }

    #[test]
    fn date_to_string_and_back_keeps_dates_and_instants() {
        let d = Value::Date(parse_date("2024-02-29").unwrap());
        assert_eq!(
            apply_builtin("date_to_string", &d).unwrap(),
            text("2024-02-29")
        );
        round_trip("date_to_string", d);
        round_trip(
            "date_to_string",
            Value::DateTime(parse_datetime("2024-05-01T12:30:00Z").unwrap()),
        );
    }

    #[test]
    fn string_to_date_refuses_non_dates() {
        let e = apply_builtin("string_to_date", &text("next friday"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("string_to_date: \"next friday\" is not a date"),
            "{e}"
        );
        assert!(apply_builtin("string_to_date", &text("2024-02-30")).is_err());
        round_trip("string_to_date", text("2024-05-01"));
    }

    #[test]
    fn array_to_string_joins_and_string_to_array_splits_trimmed() {
        let labels = Value::TextList(vec!["bug".into(), "needs triage".into()]);
        assert_eq!(
            apply_builtin("array_to_string", &labels).unwrap(),
            text("bug, needs triage")
        );
        assert_eq!(
            apply_builtin("string_to_array", &text(" bug,needs triage ,")).unwrap(),
            labels
        );
        round_trip("array_to_string", labels);
        assert_eq!(
            apply_builtin("string_to_array", &text("")).unwrap(),
            Value::TextList(vec![])
        );
    }

    #[test]
    fn json_encode_and_decode_are_inverse() {
        assert_eq!(
            apply_builtin("json_encode", &text("a")).unwrap(),
            text("\"a\"")
        );
        assert_eq!(
            apply_builtin("json_encode", &Value::Json("{\"a\": [1, 2]}".into())).unwrap(),
            text("{\"a\":[1,2]}")
        );
        round_trip("json_encode", Value::Json("{\"a\":[1,2]}".into()));
        round_trip("json_encode", Value::Integer(3));
        round_trip("json_decode", text("[\"x\",\"y\"]"));
        let e = apply_builtin("json_decode", &text("{nope"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("json_decode: \"{nope\" is not valid JSON"),
            "{e}"
        );
    }

    #[test]
    fn string_to_boolean_accepts_the_six_words_in_any_case_and_nothing_else() {
        for (word, expected) in [
            ("true", true),
            ("FALSE", false),
            ("Yes", true),
            ("no", false),
            ("1", true),
            ("0", false),
        ] {
            assert_eq!(
                apply_builtin("string_to_boolean", &text(word)).unwrap(),
                Value::Boolean(expected),
                "{word}"
            );
        }
        let e = apply_builtin("string_to_boolean", &text("maybe"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("string_to_boolean: \"maybe\" is not a boolean"),
            "{e}"
        );
        round_trip("boolean_to_string", Value::Boolean(false));
        round_trip("string_to_boolean", text("true"));
    }

    #[test]
    fn every_builtin_has_an_inverse_that_leads_back() {
        for name in BUILTIN_TRANSFORMS {
            assert_eq!(inverse_of(inverse_of(name).unwrap()), Some(name));
            assert_eq!(apply_builtin(name, &Value::Null).unwrap(), Value::Null);
        }
    }
}
