//! Choosing the workflow transition that reaches a status.

use pmsync_sdk::PluginError;
use serde_json::Value as Json;

/// The id of the transition in a `GET .../transitions` answer whose target status is
/// `status` (case-insensitive); none is `invalid-input` naming the status and the targets.
pub fn choose(answer: &Json, status: &str, subject: &str) -> Result<String, PluginError> {
    let transitions = answer["transitions"].as_array().ok_or_else(|| {
        PluginError::transient(format!(
            "{subject}: the transitions answer has no `transitions` list"
        ))
    })?;
    let wanted = status.trim().to_lowercase();
    let mut targets = Vec::new();
    for transition in transitions {
        let Some(target) = transition["to"]["name"].as_str() else {
            continue;
        };
        if transition["isAvailable"] == Json::Bool(false) {
            continue;
        }
        if target.to_lowercase() == wanted {
            return match &transition["id"] {
                Json::String(id) => Ok(id.clone()),
                Json::Number(id) => Ok(id.to_string()),
                _ => Err(PluginError::transient(format!(
                    "{subject}: the transition to {target:?} has no id"
                ))),
            };
        }
        targets.push(target.to_owned());
    }
    Err(PluginError::invalid_input(format!(
        "{subject}: no transition leads to status {status:?}; available: {}",
        if targets.is_empty() {
            "none".to_owned()
        } else {
            targets.join(", ")
        }
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::example;
    use serde_json::json;

    #[test]
    fn the_transition_is_found_by_target_name_ignoring_case() {
        let answer = json!({"transitions": [
            {"id": "11", "to": {"name": "To Do"}},
            {"id": "31", "to": {"name": "Done"}}
        ]});
        assert_eq!(choose(&answer, "done", "PROJ-1").unwrap(), "31");
    }

    #[test]
    fn no_matching_transition_names_the_status_and_the_targets() {
        let answer = json!({"transitions": [{"id": "11", "to": {"name": "To Do"}}]});
        assert_eq!(
            choose(&answer, "Shipped", "PROJ-1").unwrap_err(),
            PluginError::invalid_input(
                "PROJ-1: no transition leads to status \"Shipped\"; available: To Do"
            )
        );
    }

    #[test]
    fn the_recorded_transitions_example_is_understood() {
        let Some(body) = example("getTransitions.response.200.json") else {
            return;
        };
        let answer: Json = serde_json::from_str(&body).unwrap();
        assert_eq!(choose(&answer, "closed", "ED-1").unwrap(), "711");
        assert_eq!(choose(&answer, "In Progress", "ED-1").unwrap(), "2");
    }
}
