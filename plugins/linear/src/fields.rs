//! The connector's fields: what `describe` lists, and how written values become Linear's
//! `IssueCreateInput` / `IssueUpdateInput`.

use serde_json::{Map, Value as Json, json};

use pmsync_sdk::{Field, FieldSpec, FieldType, PluginError, Value};

pub const TITLE: &str = "title";
pub const DESCRIPTION: &str = "description";
pub const STATE: &str = "state";
pub const PRIORITY: &str = "priority";
pub const LABELS: &str = "labels";
pub const ASSIGNEE: &str = "assignee";
pub const DUE_DATE: &str = "dueDate";
pub const ESTIMATE: &str = "estimate";
pub const IDENTIFIER: &str = "identifier";
pub const CREATED_AT: &str = "createdAt";
pub const UPDATED_AT: &str = "updatedAt";
/// The URLs of the issue's attachments (links to a GitHub issue, a Jira issue, a document):
/// read-only, and what `link_existing`'s `cross_reference` rule reads to pair existing items.
pub const ATTACHMENTS: &str = "attachments";

/// (name, type, writable), in the order `describe` lists them.
const SPECS: [(&str, FieldType, bool); 12] = [
    (TITLE, FieldType::String, true),
    (DESCRIPTION, FieldType::String, true),
    (STATE, FieldType::String, true),
    (PRIORITY, FieldType::Number, true),
    (LABELS, FieldType::Array, true),
    (ASSIGNEE, FieldType::String, true),
    (DUE_DATE, FieldType::Date, true),
    (ESTIMATE, FieldType::Number, true),
    (IDENTIFIER, FieldType::String, false),
    (CREATED_AT, FieldType::Datetime, false),
    (UPDATED_AT, FieldType::Datetime, false),
    (ATTACHMENTS, FieldType::Array, false),
];

/// Linear's priority names, by number.
const PRIORITY_NAMES: [&str; 5] = ["No priority", "Urgent", "High", "Medium", "Low"];

/// The field specs `describe` reports.
pub fn describe() -> Vec<FieldSpec> {
    SPECS
        .iter()
        .map(|(name, field_type, writable)| FieldSpec {
            name: (*name).to_owned(),
            field_type: *field_type,
            writable: *writable,
        })
        .collect()
}

/// Resolves the names users write (workflow states, labels, people) to Linear ids.
pub trait Directory {
    /// The id of the team's workflow state called `name`.
    fn state_id(&mut self, name: &str) -> Result<String, PluginError>;
    /// The id of the label called `name` (workspace or team label).
    fn label_id(&mut self, name: &str) -> Result<String, PluginError>;
    /// The id of the user with this email, name or display name.
    fn user_id(&mut self, who: &str) -> Result<String, PluginError>;
}

/// The input object for the given fields: only those fields, each converted and its names
/// resolved to ids. A read-only or unknown field, or a value of the wrong kind, is an
/// `invalid-input` error naming the field.
pub fn issue_input(
    fields: &[Field],
    directory: &mut impl Directory,
) -> Result<Map<String, Json>, PluginError> {
    let mut input = Map::new();
    for field in fields {
        let (key, value) = input_entry(field, directory)?;
        input.insert(key.to_owned(), value);
    }
    Ok(input)
}

fn input_entry(
    field: &Field,
    directory: &mut impl Directory,
) -> Result<(&'static str, Json), PluginError> {
    let value = &field.value;
    let entry = match field.name.as_str() {
        TITLE => match value {
            Value::Text(title) if !title.trim().is_empty() => ("title", json!(title)),
            Value::Text(_) | Value::Null => {
                return Err(PluginError::invalid_input(
                    "`title`: a Linear issue needs a non-empty title",
                ));
            }
            other => return Err(wrong_kind(TITLE, "text", other)),
        },
        DESCRIPTION => match value {
            Value::Text(text) => ("description", json!(text)),
            Value::Null => ("description", Json::Null),
            other => return Err(wrong_kind(DESCRIPTION, "Markdown text", other)),
        },
        STATE => match value {
            Value::Text(name) => ("stateId", json!(directory.state_id(name)?)),
            Value::Null => {
                return Err(PluginError::invalid_input(
                    "`state`: a Linear issue always has a workflow state; it cannot be unset",
                ));
            }
            other => return Err(wrong_kind(STATE, "a workflow state name", other)),
        },
        PRIORITY => ("priority", json!(priority(value)?)),
        LABELS => {
            let names: Vec<&str> = match value {
                Value::TextList(names) => names.iter().map(String::as_str).collect(),
                Value::Text(name) => vec![name.as_str()],
                Value::Null => Vec::new(),
                other => return Err(wrong_kind(LABELS, "a list of label names", other)),
            };
            let mut ids: Vec<String> = Vec::with_capacity(names.len());
            for name in names.into_iter().filter(|name| !name.trim().is_empty()) {
                let id = directory.label_id(name)?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            ("labelIds", json!(ids))
        }
        ASSIGNEE => match value {
            Value::Text(who) if !who.trim().is_empty() => {
                ("assigneeId", json!(directory.user_id(who)?))
            }
            Value::Text(_) | Value::Null => ("assigneeId", Json::Null),
            other => return Err(wrong_kind(ASSIGNEE, "a user's email or name", other)),
        },
        DUE_DATE => match value {
            Value::Date(date) | Value::Text(date) if is_calendar_date(date) => {
                ("dueDate", json!(date))
            }
            Value::Null => ("dueDate", Json::Null),
            Value::Text(text) if text.is_empty() => ("dueDate", Json::Null),
            other => return Err(wrong_kind(DUE_DATE, "a date YYYY-MM-DD", other)),
        },
        ESTIMATE => match value {
            Value::Null => ("estimate", Json::Null),
            other => ("estimate", json!(whole_number(ESTIMATE, other)?)),
        },
        IDENTIFIER | CREATED_AT | UPDATED_AT | ATTACHMENTS => {
            return Err(PluginError::invalid_input(format!(
                "`{}` is read-only on Linear",
                field.name
            )));
        }
        other => {
            let known: Vec<&str> = SPECS
                .iter()
                .filter(|(_, _, writable)| *writable)
                .map(|(name, _, _)| *name)
                .collect();
            return Err(PluginError::invalid_input(format!(
                "the Linear connector has no field `{other}`; writable fields: {}",
                known.join(", ")
            )));
        }
    };
    Ok(entry)
}

/// 0 none, 1 urgent, 2 high, 3 medium, 4 low; also Linear's names for them.
fn priority(value: &Value) -> Result<i64, PluginError> {
    if value.is_null() {
        return Ok(0);
    }
    let number = match value {
        Value::Text(name) => PRIORITY_NAMES
            .iter()
            .position(|known| known.eq_ignore_ascii_case(name.trim()))
            .map(|position| position as i64)
            .or_else(|| name.trim().parse::<i64>().ok()),
        other => whole_number(PRIORITY, other).ok(),
    };
    number
        .filter(|number| (0..=4).contains(number))
        .ok_or_else(|| {
            PluginError::invalid_input(format!(
                "`priority` expects 0 (no priority), 1 (urgent), 2 (high), 3 (medium) or 4 (low), \
             got {value}"
            ))
        })
}

/// An `integer`, or a `number` without a fractional part (Linear's `Int` inputs).
fn whole_number(field: &str, value: &Value) -> Result<i64, PluginError> {
    match value {
        Value::Integer(number) => Ok(*number),
        Value::Number(number) if number.fract() == 0.0 && number.abs() < 9.0e15 => {
            Ok(*number as i64)
        }
        other => Err(wrong_kind(field, "a whole number", other)),
    }
}

/// `YYYY-MM-DD` with a plausible month and day.
fn is_calendar_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let month: u32 = text[5..7].parse().unwrap_or(0);
    let day: u32 = text[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn wrong_kind(field: &str, expected: &str, got: &Value) -> PluginError {
    PluginError::invalid_input(format!("`{field}` expects {expected}, got {got}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory with fixed ids: `state:<name>`, `label:<name>`, `user:<who>`.
    struct Fixed;

    impl Directory for Fixed {
        fn state_id(&mut self, name: &str) -> Result<String, PluginError> {
            Ok(format!("state:{name}"))
        }
        fn label_id(&mut self, name: &str) -> Result<String, PluginError> {
            Ok(format!("label:{}", name.to_lowercase()))
        }
        fn user_id(&mut self, who: &str) -> Result<String, PluginError> {
            Ok(format!("user:{who}"))
        }
    }

    fn input(fields: Vec<Field>) -> Result<Json, PluginError> {
        issue_input(&fields, &mut Fixed).map(Json::Object)
    }

    #[test]
    fn every_writable_field_becomes_its_linear_input_with_names_resolved_to_ids() {
        let built = input(vec![
            Field::new("title", "Checkout fails"),
            Field::new("description", "Steps to reproduce"),
            Field::new("state", "In Progress"),
            Field::new("priority", 2),
            Field::new("labels", Value::text_list(["bug", "Frontend"])),
            Field::new("assignee", "mia@example.com"),
            Field::new("dueDate", Value::date("2025-07-15")),
            Field::new("estimate", Value::number(3.0)),
        ])
        .expect("valid input");
        assert_eq!(
            built,
            json!({
                "title": "Checkout fails",
                "description": "Steps to reproduce",
                "stateId": "state:In Progress",
                "priority": 2,
                "labelIds": ["label:bug", "label:frontend"],
                "assigneeId": "user:mia@example.com",
                "dueDate": "2025-07-15",
                "estimate": 3
            })
        );
    }

    #[test]
    fn only_the_given_fields_are_in_the_input() {
        let built = input(vec![Field::new("priority", "Urgent")]).expect("valid input");
        assert_eq!(built, json!({"priority": 1}));
    }

    #[test]
    fn null_clears_what_linear_lets_clear() {
        let built = input(vec![
            Field::new("description", Value::Null),
            Field::new("assignee", Value::Null),
            Field::new("dueDate", Value::Null),
            Field::new("estimate", Value::Null),
            Field::new("labels", Value::Null),
            Field::new("priority", Value::Null),
        ])
        .expect("valid input");
        assert_eq!(
            built,
            json!({"description": null, "assigneeId": null, "dueDate": null,
                   "estimate": null, "labelIds": [], "priority": 0})
        );
    }

    #[test]
    fn the_same_label_twice_is_sent_once() {
        let built = input(vec![Field::new("labels", Value::text_list(["Bug", "bug"]))])
            .expect("valid input");
        assert_eq!(built, json!({"labelIds": ["label:bug"]}));
    }

    #[test]
    fn out_of_range_priority_is_refused_with_the_valid_values() {
        let error = input(vec![Field::new("priority", 7)]).unwrap_err();
        assert!(matches!(error, PluginError::InvalidInput(_)));
        assert!(error.message().contains("4 (low)"), "{error:?}");
        assert!(error.message().contains("integer 7"), "{error:?}");
    }

    #[test]
    fn a_fractional_estimate_is_refused_because_linear_takes_whole_numbers() {
        let error = input(vec![Field::new("estimate", 2.5)]).unwrap_err();
        assert_eq!(
            error,
            PluginError::invalid_input("`estimate` expects a whole number, got number 2.5")
        );
    }

    #[test]
    fn a_malformed_due_date_is_refused() {
        let error = input(vec![Field::new("dueDate", "15.07.2025")]).unwrap_err();
        assert!(
            error.message().starts_with("`dueDate` expects a date"),
            "{error:?}"
        );
        let error = input(vec![Field::new("dueDate", Value::date("2025-13-01"))]).unwrap_err();
        assert!(matches!(error, PluginError::InvalidInput(_)));
    }

    #[test]
    fn read_only_and_unknown_fields_are_refused_by_name() {
        let error = input(vec![Field::new("identifier", "ENG-9")]).unwrap_err();
        assert_eq!(
            error,
            PluginError::invalid_input("`identifier` is read-only on Linear")
        );
        let error = input(vec![Field::new("severity", "high")]).unwrap_err();
        assert!(error.message().contains("no field `severity`"), "{error:?}");
        assert!(error.message().contains("dueDate"), "{error:?}");
    }

    #[test]
    fn an_empty_title_and_an_unset_state_are_refused() {
        assert!(matches!(
            input(vec![Field::new("title", "  ")]),
            Err(PluginError::InvalidInput(_))
        ));
        assert!(matches!(
            input(vec![Field::new("state", Value::Null)]),
            Err(PluginError::InvalidInput(_))
        ));
    }

    #[test]
    fn describe_lists_read_only_fields_as_not_writable() {
        let specs = describe();
        let identifier = specs
            .iter()
            .find(|spec| spec.name == "identifier")
            .expect("identifier is described");
        assert!(!identifier.writable);
        let labels = specs
            .iter()
            .find(|spec| spec.name == "labels")
            .expect("labels");
        assert_eq!(labels.field_type, FieldType::Array);
        assert!(labels.writable);
    }
}
