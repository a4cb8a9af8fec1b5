//! The resolver `{{name_snake}}`: when both sides changed a text field differently, the
//! longer text wins, if it is at least `min_difference` characters longer (a setting, default
//! 1). Anything else (equal lengths, numbers, lists) is deferred: left to a person, with the
//! reason shown to them in `conflicts list`.

use pmsync_sdk::{Conflict, PluginError, Resolution, ResolveRequest, Resolver, config, log};

/// The plugin. State kept between calls (parsed settings, caches) goes in this struct.
pub struct {{name_camel}};

/// The decision for one conflict.
pub fn decide(conflict: &Conflict, min_difference: usize) -> Resolution {
    let (Some(source), Some(target)) = (conflict.source.as_text(), conflict.target.as_text())
    else {
        return Resolution::Defer(format!("`{}` is not text on both sides", conflict.field));
    };
    let (source_len, target_len) = (source.chars().count(), target.chars().count());
    if source_len >= target_len + min_difference {
        Resolution::TakeSource
    } else if target_len >= source_len + min_difference {
        Resolution::TakeTarget
    } else {
        Resolution::Defer(format!(
            "`{}`: both texts are about as long ({source_len} and {target_len} characters)",
            conflict.field
        ))
    }
}

fn min_difference() -> Result<usize, PluginError> {
    let setting = config::get_or("min_difference", "1");
    match setting.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(PluginError::invalid_input(format!(
            "setting `min_difference` must be a whole number above 0, got {setting:?}"
        ))),
    }
}

impl Resolver for {{name_camel}} {
    fn new() -> Self {
        {{name_camel}}
    }

    fn name(&mut self) -> String {
        "{{name_snake}}".to_owned()
    }

    fn resolve_one(&mut self, request: ResolveRequest) -> Result<Vec<Resolution>, PluginError> {
        let min_difference = min_difference()?;
        log::debug(format!(
            "{} vs {}: {} conflicts",
            request.source.key,
            request.target.key,
            request.conflicts.len()
        ));
        Ok(request
            .conflicts
            .iter()
            .map(|conflict| decide(conflict, min_difference))
            .collect())
    }
}

pmsync_sdk::export_resolver!({{name_camel}});

#[cfg(test)]
mod tests {
    use super::*;
    use pmsync_sdk::Value;

    fn conflict(source: Value, target: Value) -> Conflict {
        Conflict {
            field: "description".to_owned(),
            source,
            target,
            base: None,
        }
    }

    #[test]
    fn the_longer_text_wins() {
        let decided = decide(&conflict(Value::text("a longer text"), Value::text("short")), 1);
        assert_eq!(decided, Resolution::TakeSource);
        let decided = decide(&conflict(Value::text("short"), Value::text("a longer text")), 1);
        assert_eq!(decided, Resolution::TakeTarget);
    }

    #[test]
    fn texts_of_about_the_same_length_are_left_to_a_person() {
        let decided = decide(&conflict(Value::text("abcd"), Value::text("abc")), 3);
        assert!(matches!(decided, Resolution::Defer(reason) if reason.contains("description")));
    }

    #[test]
    fn numbers_are_left_to_a_person() {
        let decided = decide(&conflict(Value::integer(1), Value::integer(2)), 1);
        assert!(matches!(decided, Resolution::Defer(_)));
    }
}
