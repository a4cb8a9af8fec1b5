//! The [`Resolver`] implementation exported as the component.

use pmsync_sdk::{PluginError, Resolution, ResolveRequest, Resolver, config, log};

use crate::decision::{Settings, Winner, decide};
use crate::priority::{Priority, read_priority};

/// The resolver `priority_based`.
pub struct PriorityResolver;

impl Resolver for PriorityResolver {
    fn new() -> Self {
        PriorityResolver
    }

    fn name(&mut self) -> String {
        "priority_based".to_owned()
    }

    fn resolve_one(&mut self, request: ResolveRequest) -> Result<Vec<Resolution>, PluginError> {
        let settings = settings_from_config();
        warn_about_unrecognized(&request, &settings);
        let decision = decide(&request.source, &request.target, &settings)?;
        log::debug(format!(
            "{} vs {}: {:?} wins ({})",
            request.source.key, request.target.key, decision.winner, decision.reason
        ));
        let resolution = match decision.winner {
            Winner::Source => Resolution::TakeSource,
            Winner::Target => Resolution::TakeTarget,
        };
        Ok(vec![resolution; request.conflicts.len()])
    }
}

fn settings_from_config() -> Settings {
    let defaults = Settings::default();
    Settings {
        source_priority_field: config::get_or(
            "source_priority_field",
            &defaults.source_priority_field,
        ),
        target_priority_field: config::get_or(
            "target_priority_field",
            &defaults.target_priority_field,
        ),
    }
}

/// A priority field holding something that is not a priority is treated as no priority;
/// say so, so an operator can fix the field name or the data.
fn warn_about_unrecognized(request: &ResolveRequest, settings: &Settings) {
    let sides = [
        (&request.source, &settings.source_priority_field),
        (&request.target, &settings.target_priority_field),
    ];
    for (item, field) in sides {
        if let Priority::Unrecognized(value) = read_priority(item.field(field)) {
            log::warn(format!(
                "{}: field `{field}` holds {value}, which is not a priority; \
                 treating it as no priority",
                item.key
            ));
        }
    }
}

pmsync_sdk::export_resolver!(PriorityResolver);

#[cfg(test)]
mod tests {
    use super::*;
    use pmsync_sdk::{Conflict, Item, Value, config::testing};

    fn conflict(field: &str) -> Conflict {
        Conflict {
            field: field.to_owned(),
            source: Value::text("from source"),
            target: Value::text("from target"),
            base: Some(Value::text("before")),
        }
    }

    fn request(source: Item, target: Item, conflicts: usize) -> ResolveRequest {
        ResolveRequest {
            source,
            target,
            conflicts: (0..conflicts).map(|n| conflict(&format!("f{n}"))).collect(),
        }
    }

    #[test]
    fn the_winner_takes_every_conflicting_field() {
        testing::clear();
        let source =
            Item::new("1", "PROJ-1", "", "2024-05-01T12:00:00Z").with_field("priority", "Low");
        let target = Item::new("2", "ENG-1", "", "2024-05-01T10:00:00Z").with_field("priority", 1);
        let resolutions = PriorityResolver::new()
            .resolve_one(request(source, target, 3))
            .expect("resolves");
        assert_eq!(resolutions, vec![Resolution::TakeTarget; 3]);
    }

    #[test]
    fn configured_field_names_are_honoured() {
        testing::clear();
        testing::set("source_priority_field", "severity");
        testing::set("target_priority_field", "urgency");
        let source = Item::new("1", "PROJ-1", "", "2024-05-01T10:00:00Z")
            .with_field("severity", "Critical")
            .with_field("priority", "Low");
        let target = Item::new("2", "ENG-1", "", "2024-05-01T12:00:00Z")
            .with_field("urgency", 2)
            .with_field("priority", 1);
        let resolutions = PriorityResolver::new()
            .resolve_one(request(source, target, 1))
            .expect("resolves");
        assert_eq!(resolutions, vec![Resolution::TakeSource]);
        testing::clear();
    }

    #[test]
    fn one_bad_pair_in_a_batch_fails_only_itself() {
        testing::clear();
        let good = request(
            Item::new("1", "PROJ-1", "", "2024-05-01T10:00:00Z"),
            Item::new("2", "ENG-1", "", "2024-05-01T12:00:00Z"),
            1,
        );
        let bad = request(
            Item::new("3", "PROJ-2", "", "not a time"),
            Item::new("4", "ENG-2", "", "2024-05-01T12:00:00Z"),
            1,
        );
        let results = PriorityResolver::new().resolve(vec![good, bad]);
        assert_eq!(results[0], Ok(vec![Resolution::TakeTarget]));
        assert!(matches!(results[1], Err(PluginError::InvalidInput(_))));
    }

    #[test]
    fn name_is_priority_based() {
        assert_eq!(PriorityResolver::new().name(), "priority_based");
    }
}
