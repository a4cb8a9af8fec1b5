//! The fields of a create or update, checked against the project and turned into mutation
//! inputs: `updateIssue` for `title`, `updateProjectV2ItemFieldValue` per field value,
//! `clearProjectV2ItemFieldValue` per null. Every field is checked before anything is
//! written, so a bad option name never leaves half an update behind.

use pmsync_github_common::time;
use pmsync_sdk::{Field, PluginError, Value};
use serde_json::{Value as Json, json};

use crate::project::{FieldKind, Project, TITLE};

/// One write.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    Title(String),
    /// Field id and the `ProjectV2FieldValue` input.
    Set {
        field_id: String,
        value: Json,
    },
    Clear {
        field_id: String,
    },
}

/// Why a value did not fit; `UnknownOption` may go away after re-reading the project.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanError {
    UnknownOption(PluginError),
    Invalid(PluginError),
}

impl PlanError {
    pub fn into_error(self) -> PluginError {
        match self {
            PlanError::UnknownOption(error) | PlanError::Invalid(error) => error,
        }
    }
}

/// The writes for `fields`.
pub fn plan(project: &Project, fields: &[Field]) -> Result<Vec<Write>, PlanError> {
    fields
        .iter()
        .map(|field| plan_one(project, field))
        .collect()
}

fn plan_one(project: &Project, field: &Field) -> Result<Write, PlanError> {
    let invalid = |message: String| PlanError::Invalid(PluginError::invalid_input(message));
    let name = field.name.as_str();
    if name == TITLE {
        return match &field.value {
            Value::Text(title) if !title.trim().is_empty() => Ok(Write::Title(title.clone())),
            other => Err(invalid(format!(
                "field `title` needs non-empty text, got {other}"
            ))),
        };
    }
    let Some(target) = project.field(name) else {
        let known: Vec<&str> = std::iter::once(TITLE)
            .chain(project.fields.iter().map(|field| field.name.as_str()))
            .collect();
        return Err(invalid(format!(
            "the project has no field `{name}`; fields: {}",
            known.join(", ")
        )));
    };
    if field.value.is_null() {
        return Ok(Write::Clear {
            field_id: target.id.clone(),
        });
    }
    let set = |value: Json| {
        Ok(Write::Set {
            field_id: target.id.clone(),
            value,
        })
    };
    let value = &field.value;
    match &target.kind {
        FieldKind::SingleSelect(options) => {
            let wanted = text(name, value)?;
            match choose(options, wanted) {
                Some(id) => set(json!({ "singleSelectOptionId": id })),
                None => Err(PlanError::UnknownOption(PluginError::invalid_input(
                    format!(
                        "field `{name}`: {wanted:?} is not an option; options: {}",
                        names(options)
                    ),
                ))),
            }
        }
        FieldKind::Iteration(iterations) => {
            let wanted = text(name, value)?;
            match choose(iterations, wanted) {
                Some(id) => set(json!({ "iterationId": id })),
                None => Err(PlanError::UnknownOption(PluginError::invalid_input(
                    format!(
                        "field `{name}`: {wanted:?} is not an iteration; iterations: {}",
                        names(iterations)
                    ),
                ))),
            }
        }
        FieldKind::Number => {
            let number = match value {
                Value::Integer(_) | Value::Number(_) => {
                    value.as_number().filter(|number| number.is_finite())
                }
                Value::Text(text) => text
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|number| number.is_finite()),
                _ => None,
            };
            match number {
                Some(number) => set(json!({ "number": number })),
                None => Err(invalid(format!(
                    "field `{name}` expects a number, got {value}"
                ))),
            }
        }
        FieldKind::Date => {
            let date = match value {
                Value::Date(date) | Value::Text(date) => Some(date.trim()),
                Value::Datetime(instant) => instant.get(..10),
                _ => None,
            };
            match date.filter(|date| time::parse_date_days(date).is_some()) {
                Some(date) => set(json!({ "date": date })),
                None => Err(invalid(format!(
                    "field `{name}` expects a date (YYYY-MM-DD), got {value}"
                ))),
            }
        }
        FieldKind::Text => set(json!({ "text": text(name, value)? })),
    }
}

fn text<'a>(name: &str, value: &'a Value) -> Result<&'a str, PlanError> {
    value.as_text().ok_or_else(|| {
        PlanError::Invalid(PluginError::invalid_input(format!(
            "field `{name}` expects text, got {value}"
        )))
    })
}

/// The id of the option named `wanted`: exact match first, then a unique case-insensitive one.
fn choose<'a>(options: &'a [(String, String)], wanted: &str) -> Option<&'a str> {
    if let Some((id, _)) = options.iter().find(|(_, name)| name == wanted) {
        return Some(id);
    }
    let mut folded = options
        .iter()
        .filter(|(_, name)| name.trim().eq_ignore_ascii_case(wanted.trim()));
    match (folded.next(), folded.next()) {
        (Some((id, _)), None) => Some(id),
        _ => None,
    }
}

fn names(options: &[(String, String)]) -> String {
    if options.is_empty() {
        return "(none)".to_owned();
    }
    options
        .iter()
        .map(|(_, name)| name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The mutation document and its variables for `write` on item `item_id` (issue `issue_id`).
pub fn mutation(
    write: &Write,
    project_id: &str,
    item_id: &str,
    issue_id: &str,
) -> (&'static str, Json) {
    use crate::queries::{CLEAR_FIELD, UPDATE_FIELD, UPDATE_ISSUE};
    match write {
        Write::Title(title) => (
            UPDATE_ISSUE,
            json!({ "input": { "id": issue_id, "title": title } }),
        ),
        Write::Set { field_id, value } => (
            UPDATE_FIELD,
            json!({ "input": { "projectId": project_id, "itemId": item_id, "fieldId": field_id, "value": value } }),
        ),
        Write::Clear { field_id } => (
            CLEAR_FIELD,
            json!({ "input": { "projectId": project_id, "itemId": item_id, "fieldId": field_id } }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::tests::project;

    fn plan_of(pairs: Vec<(&str, Value)>) -> Result<Vec<Write>, PlanError> {
        let fields: Vec<Field> = pairs
            .into_iter()
            .map(|(name, value)| Field::new(name, value))
            .collect();
        plan(&project(), &fields)
    }

    #[test]
    fn each_field_type_becomes_its_graphql_value_input() {
        let writes = plan_of(vec![
            ("Status", Value::text("done")),
            ("Iteration", Value::text("Iteration 1")),
            ("Estimate", Value::integer(5)),
            ("Due", Value::date("2024-06-01")),
            ("Notes", Value::text("see thread")),
            ("title", Value::text("New title")),
        ])
        .expect("valid");
        let set = |id: &str, value: Json| Write::Set {
            field_id: id.to_owned(),
            value,
        };
        assert_eq!(
            writes,
            vec![
                set("PVTSSF_status", json!({"singleSelectOptionId": "opt_done"})),
                set("PVTIF_iter", json!({"iterationId": "it_1"})),
                set("PVTF_est", json!({"number": 5.0})),
                set("PVTF_due", json!({"date": "2024-06-01"})),
                set("PVTF_notes", json!({"text": "see thread"})),
                Write::Title("New title".to_owned()),
            ]
        );
    }

    #[test]
    fn null_clears_the_field() {
        assert_eq!(
            plan_of(vec![("Estimate", Value::Null)]).expect("valid"),
            vec![Write::Clear {
                field_id: "PVTF_est".to_owned()
            }]
        );
    }

    #[test]
    fn an_unknown_option_lists_the_valid_ones() {
        let error = plan_of(vec![("Status", Value::text("Blocked"))]).unwrap_err();
        assert_eq!(
            error,
            PlanError::UnknownOption(PluginError::invalid_input(
                "field `Status`: \"Blocked\" is not an option; options: Todo, Done"
            ))
        );
    }

    #[test]
    fn wrong_types_and_unknown_fields_are_invalid_input_naming_the_field() {
        let message = |pairs| {
            plan_of(pairs)
                .unwrap_err()
                .into_error()
                .message()
                .to_owned()
        };
        assert!(
            message(vec![("Estimate", Value::text("lots"))])
                .contains("`Estimate` expects a number")
        );
        assert!(message(vec![("Due", Value::text("June"))]).contains("`Due` expects a date"));
        assert!(
            message(vec![("Priority", Value::text("High"))])
                .contains("no field `Priority`; fields: title, Status")
        );
        assert!(message(vec![("title", Value::Null)]).contains("non-empty text"));
    }

    #[test]
    fn mutation_variables_carry_every_argument() {
        let (document, variables) = mutation(
            &Write::Set {
                field_id: "F".into(),
                value: json!({"number": 2.0}),
            },
            "PVT_1",
            "PVTI_1",
            "I_1",
        );
        assert!(document.contains("updateProjectV2ItemFieldValue(input: $input)"));
        assert_eq!(
            variables,
            json!({"input": {"projectId": "PVT_1", "itemId": "PVTI_1", "fieldId": "F", "value": {"number": 2.0}}})
        );
        let (document, variables) = mutation(
            &Write::Clear {
                field_id: "F".into(),
            },
            "PVT_1",
            "PVTI_1",
            "I_1",
        );
        assert!(document.contains("clearProjectV2ItemFieldValue(input: $input)"));
        assert_eq!(
            variables,
            json!({"input": {"projectId": "PVT_1", "itemId": "PVTI_1", "fieldId": "F"}})
        );
        let (document, variables) = mutation(&Write::Title("T".into()), "PVT_1", "PVTI_1", "I_1");
        assert!(document.contains("updateIssue(input: $input)"));
        assert_eq!(variables, json!({"input": {"id": "I_1", "title": "T"}}));
    }
}
