//! The [`Transformer`] implementation exported as the component.

use pmsync_sdk::{PluginError, TransformContext, Transformer, Value};

use crate::mappings::{jira_priority_to_number, jira_status_to_linear};

const PRIORITY_TO_NUMBER: &str = "jira_priority_to_number";
const STATUS_TO_LINEAR: &str = "jira_status_to_linear";

/// The plugin: both transforms, text in; null passes through as null.
pub struct ExampleTransforms;

impl Transformer for ExampleTransforms {
    fn new() -> Self {
        ExampleTransforms
    }

    fn names(&mut self) -> Vec<String> {
        vec![PRIORITY_TO_NUMBER.to_owned(), STATUS_TO_LINEAR.to_owned()]
    }

    fn transform(
        &mut self,
        name: &str,
        value: Value,
        context: &TransformContext,
    ) -> Result<Value, PluginError> {
        let mapping: fn(&str) -> Value = match name {
            PRIORITY_TO_NUMBER => |text| Value::integer(jira_priority_to_number(text)),
            STATUS_TO_LINEAR => |text| Value::text(jira_status_to_linear(text)),
            other => {
                return Err(PluginError::invalid_input(format!(
                    "example-transforms has no transform `{other}`; it provides \
                     {PRIORITY_TO_NUMBER} and {STATUS_TO_LINEAR}"
                )));
            }
        };
        match &value {
            Value::Null => Ok(Value::Null),
            Value::Text(text) => Ok(mapping(text)),
            _ => Err(PluginError::invalid_input(format!(
                "{name} expects text, got {value} (item {}, field {})",
                context.item_key, context.field
            ))),
        }
    }
}

pmsync_sdk::export_transformer!(ExampleTransforms);

#[cfg(test)]
mod tests {
    use super::*;
    use pmsync_sdk::TransformRequest;

    fn context() -> TransformContext {
        TransformContext {
            field: "priority -> priority_level".to_owned(),
            source_platform: "jira".to_owned(),
            target_platform: "linear".to_owned(),
            item_key: "PROJ-7".to_owned(),
        }
    }

    fn transform(name: &str, value: Value) -> Result<Value, PluginError> {
        ExampleTransforms::new().transform(name, value, &context())
    }

    #[test]
    fn priority_text_becomes_an_integer_value() {
        assert_eq!(
            transform(PRIORITY_TO_NUMBER, Value::text("High")),
            Ok(Value::integer(2))
        );
        assert_eq!(
            transform(PRIORITY_TO_NUMBER, Value::text("Unheard of")),
            Ok(Value::integer(3))
        );
    }

    #[test]
    fn status_text_becomes_a_linear_state_name() {
        assert_eq!(
            transform(STATUS_TO_LINEAR, Value::text("To Do")),
            Ok(Value::text("Todo"))
        );
        assert_eq!(
            transform(STATUS_TO_LINEAR, Value::text("Triage")),
            Ok(Value::text("Backlog"))
        );
    }

    #[test]
    fn null_stays_null() {
        assert_eq!(transform(PRIORITY_TO_NUMBER, Value::Null), Ok(Value::Null));
        assert_eq!(transform(STATUS_TO_LINEAR, Value::Null), Ok(Value::Null));
    }

    #[test]
    fn a_number_is_invalid_input_naming_the_transform_and_the_value() {
        assert_eq!(
            transform(PRIORITY_TO_NUMBER, Value::integer(2)),
            Err(PluginError::invalid_input(
                "jira_priority_to_number expects text, got integer 2 \
                 (item PROJ-7, field priority -> priority_level)"
            ))
        );
    }

    #[test]
    fn an_unknown_transform_name_is_invalid_input_listing_the_known_ones() {
        let error = transform("slugify", Value::text("x")).unwrap_err();
        assert!(matches!(error, PluginError::InvalidInput(_)));
        assert!(error.message().contains("`slugify`"), "{error:?}");
        assert!(error.message().contains(STATUS_TO_LINEAR), "{error:?}");
    }

    #[test]
    fn a_batch_with_one_bad_value_fails_only_that_value() {
        let request = |value| TransformRequest {
            name: PRIORITY_TO_NUMBER.to_owned(),
            value,
            context: context(),
        };
        let results = ExampleTransforms::new().transform_batch(vec![
            request(Value::text("Critical")),
            request(Value::boolean(true)),
            request(Value::text("Low")),
        ]);
        assert_eq!(results[0], Ok(Value::integer(1)));
        assert!(matches!(results[1], Err(PluginError::InvalidInput(_))));
        assert_eq!(results[2], Ok(Value::integer(4)));
    }

    #[test]
    fn names_lists_both_transforms() {
        assert_eq!(
            ExampleTransforms::new().names(),
            vec![PRIORITY_TO_NUMBER, STATUS_TO_LINEAR]
        );
    }
}
