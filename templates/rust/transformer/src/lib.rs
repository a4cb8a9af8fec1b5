//! The transformer `{{name_snake}}`: trims text and collapses runs of whitespace into one
//! space; with the setting `max_length` above 0, cuts longer text to that many characters.
//! Nulls pass through; anything but text fails its own item with a clear error.

use pmsync_sdk::{PluginError, TransformContext, Transformer, Value, config};

/// The plugin. State kept between calls (parsed settings, caches) goes in this struct.
pub struct {{name_camel}};

/// Trims `text`, collapses whitespace and cuts it to `max_length` characters (0: no limit).
pub fn tidy(text: &str, max_length: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if max_length == 0 {
        return collapsed;
    }
    collapsed.chars().take(max_length).collect()
}

fn max_length() -> Result<usize, PluginError> {
    let setting = config::get_or("max_length", "0");
    setting.trim().parse().map_err(|_| {
        PluginError::invalid_input(format!(
            "setting `max_length` must be a whole number, got {setting:?}"
        ))
    })
}

impl Transformer for {{name_camel}} {
    fn new() -> Self {
        {{name_camel}}
    }

    fn names(&mut self) -> Vec<String> {
        vec!["{{name_snake}}".to_owned()]
    }

    fn transform(
        &mut self,
        name: &str,
        value: Value,
        context: &TransformContext,
    ) -> Result<Value, PluginError> {
        if name != "{{name_snake}}" {
            return Err(PluginError::invalid_input(format!(
                "this plugin has no transform called `{name}`"
            )));
        }
        if value.is_null() {
            return Ok(Value::Null);
        }
        let text = value.as_text().ok_or_else(|| {
            PluginError::invalid_input(format!(
                "{{name_snake}} expects text in `{}` of {}, got {value}",
                context.field, context.item_key
            ))
        })?;
        Ok(Value::text(tidy(text, max_length()?)))
    }
}

pmsync_sdk::export_transformer!({{name_camel}});

#[cfg(test)]
mod tests {
    use super::*;
    use pmsync_sdk::config::testing;

    fn context() -> TransformContext {
        TransformContext {
            field: "title".to_owned(),
            source_platform: "jira".to_owned(),
            target_platform: "github".to_owned(),
            item_key: "PROJ-1".to_owned(),
        }
    }

    #[test]
    fn whitespace_is_trimmed_and_collapsed() {
        testing::clear();
        let out = {{name_camel}}
            .transform("{{name_snake}}", Value::text("  Fix \t the\n login  "), &context())
            .unwrap();
        assert_eq!(out, Value::text("Fix the login"));
    }

    #[test]
    fn max_length_setting_cuts_long_text() {
        testing::clear();
        testing::set("max_length", "3");
        let out = {{name_camel}}
            .transform("{{name_snake}}", Value::text("abcdef"), &context())
            .unwrap();
        testing::clear();
        assert_eq!(out, Value::text("abc"));
    }

    #[test]
    fn a_number_fails_with_the_field_and_item_named() {
        testing::clear();
        let error = {{name_camel}}
            .transform("{{name_snake}}", Value::integer(3), &context())
            .unwrap_err();
        let message = format!("{error:?}");
        assert!(message.contains("title") && message.contains("PROJ-1"), "{message}");
    }
}
