//! Which side wins: the pure decision, free of any plugin machinery.

use chrono::{DateTime, FixedOffset};
use pmsync_sdk::{Item, PluginError};

use crate::priority::read_priority;

/// Where each side keeps its priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub source_priority_field: String,
    pub target_priority_field: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            source_priority_field: "priority".to_owned(),
            target_priority_field: "priority".to_owned(),
        }
    }
}

/// The side whose values win every conflicting field of an item pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Winner {
    Source,
    Target,
}

/// The winner and, for the log, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub winner: Winner,
    pub reason: String,
}

/// Decides which of `source` and `target` wins: the lower priority number; an item with a
/// priority over one without; otherwise the later `updated-at`; on an exact tie, the source.
///
/// The timestamps are only read when the priorities do not decide; one that is not RFC 3339
/// then is an `invalid-input` error naming the item and the value.
pub fn decide(source: &Item, target: &Item, settings: &Settings) -> Result<Decision, PluginError> {
    let source_priority = read_priority(source.field(&settings.source_priority_field)).rank();
    let target_priority = read_priority(target.field(&settings.target_priority_field)).rank();
    let by_priority = match (source_priority, target_priority) {
        (Some(s), Some(t)) if s < t => Some((Winner::Source, format!("priority {s} beats {t}"))),
        (Some(s), Some(t)) if t < s => Some((Winner::Target, format!("priority {t} beats {s}"))),
        (Some(s), None) => Some((
            Winner::Source,
            format!("only the source has a priority ({s})"),
        )),
        (None, Some(t)) => Some((
            Winner::Target,
            format!("only the target has a priority ({t})"),
        )),
        _ => None,
    };
    if let Some((winner, reason)) = by_priority {
        return Ok(Decision { winner, reason });
    }

    let tied_on = match source_priority {
        Some(rank) => format!("equal priority {rank}"),
        None => "no priority on either side".to_owned(),
    };
    let source_updated = updated_at(source, "source")?;
    let target_updated = updated_at(target, "target")?;
    let (winner, why) = if target_updated > source_updated {
        (Winner::Target, "the target was updated later")
    } else if source_updated > target_updated {
        (Winner::Source, "the source was updated later")
    } else {
        (
            Winner::Source,
            "both were updated at the same instant, the source wins ties",
        )
    };
    Ok(Decision {
        winner,
        reason: format!("{tied_on}; {why}"),
    })
}

fn updated_at(item: &Item, side: &str) -> Result<DateTime<FixedOffset>, PluginError> {
    DateTime::parse_from_rfc3339(&item.updated_at).map_err(|error| {
        PluginError::invalid_input(format!(
            "cannot tell which side was updated last: the {side} item {} has updated-at {:?}, \
             which is not an RFC 3339 instant ({error})",
            item.key, item.updated_at
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmsync_sdk::Value;

    fn item(key: &str, updated_at: &str, priority: Option<Value>) -> Item {
        let item = Item::new(key, key, "", updated_at);
        match priority {
            Some(value) => item.with_field("priority", value),
            None => item,
        }
    }

    fn winner(source: &Item, target: &Item) -> Winner {
        decide(source, target, &Settings::default())
            .expect("decidable")
            .winner
    }

    const EARLY: &str = "2024-05-01T10:00:00Z";
    const LATE: &str = "2024-05-01T12:00:00Z";

    #[test]
    fn the_more_urgent_item_wins_even_if_it_is_older() {
        let source = item("PROJ-1", EARLY, Some(Value::text("Critical")));
        let target = item("ENG-1", LATE, Some(Value::integer(3)));
        assert_eq!(winner(&source, &target), Winner::Source);
        assert_eq!(winner(&target, &source), Winner::Target);
    }

    #[test]
    fn an_item_with_a_priority_beats_one_without() {
        let source = item("PROJ-1", EARLY, Some(Value::text("Low")));
        let target = item("ENG-1", LATE, Some(Value::integer(0)));
        let decision = decide(&source, &target, &Settings::default()).expect("decidable");
        assert_eq!(decision.winner, Winner::Source);
        assert_eq!(decision.reason, "only the source has a priority (4)");
    }

    #[test]
    fn equal_priorities_fall_back_to_the_later_update() {
        let source = item("PROJ-1", EARLY, Some(Value::text("High")));
        let target = item("ENG-1", LATE, Some(Value::integer(2)));
        let decision = decide(&source, &target, &Settings::default()).expect("decidable");
        assert_eq!(decision.winner, Winner::Target);
        assert_eq!(
            decision.reason,
            "equal priority 2; the target was updated later"
        );
    }

    #[test]
    fn no_priorities_fall_back_to_the_later_update() {
        let source = item("PROJ-1", LATE, None);
        let target = item("ENG-1", EARLY, Some(Value::Null));
        assert_eq!(winner(&source, &target), Winner::Source);
    }

    #[test]
    fn later_update_is_judged_by_instant_not_by_text() {
        // 11:30 at +02:00 is 09:30Z, earlier than 10:00Z although its text sorts later.
        let source = item("PROJ-1", "2024-05-01T11:30:00+02:00", None);
        let target = item("ENG-1", EARLY, None);
        assert_eq!(winner(&source, &target), Winner::Target);
    }

    #[test]
    fn an_exact_tie_goes_to_the_source_whichever_way_round() {
        let a = item("PROJ-1", "2024-05-01T12:00:00Z", Some(Value::integer(2)));
        let b = item(
            "ENG-1",
            "2024-05-01T14:00:00+02:00",
            Some(Value::text("High")),
        );
        assert_eq!(winner(&a, &b), Winner::Source);
        assert_eq!(winner(&b, &a), Winner::Source);
    }

    #[test]
    fn priority_fields_are_read_from_the_configured_names() {
        let source = item("PROJ-1", LATE, None).with_field("severity", Value::text("Low"));
        let target = item("ENG-1", EARLY, None).with_field("urgency", Value::integer(1));
        let settings = Settings {
            source_priority_field: "severity".to_owned(),
            target_priority_field: "urgency".to_owned(),
        };
        let decision = decide(&source, &target, &settings).expect("decidable");
        assert_eq!(decision.winner, Winner::Target);
        assert_eq!(decision.reason, "priority 1 beats 4");
    }

    #[test]
    fn an_unreadable_timestamp_is_invalid_input_naming_the_item() {
        let source = item("PROJ-1", "yesterday", None);
        let target = item("ENG-1", LATE, None);
        let error = decide(&source, &target, &Settings::default()).unwrap_err();
        assert!(matches!(error, PluginError::InvalidInput(_)));
        assert!(
            error
                .message()
                .contains("the source item PROJ-1 has updated-at \"yesterday\""),
            "{error:?}"
        );
    }

    #[test]
    fn timestamps_are_not_needed_when_priorities_decide() {
        let source = item("PROJ-1", "", Some(Value::integer(1)));
        let target = item("ENG-1", "", Some(Value::integer(2)));
        assert_eq!(winner(&source, &target), Winner::Source);
    }
}
