//! How a field conflict is settled by the built-in strategies.

use crate::config::Strategy;
use crate::item::Side;
use chrono::{DateTime, Utc};

/// The side whose value wins under a built-in strategy, or `None` when a person
/// (`manual`) or a plugin (`custom`) must decide.
pub fn winner(
    strategy: Strategy,
    source_updated: DateTime<Utc>,
    target_updated: DateTime<Utc>,
) -> Option<Side> {
    match strategy {
        Strategy::SourceWins => Some(Side::Source),
        Strategy::TargetWins => Some(Side::Target),
        // Later edit wins; an exact tie goes to the source so the outcome never depends on
        // fetch order.
        Strategy::LastWriteWins => Some(if target_updated > source_updated {
            Side::Target
        } else {
            Side::Source
        }),
        Strategy::Manual | Strategy::Custom => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(sec: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, sec).unwrap()
    }

    #[test]
    fn last_write_wins_picks_the_later_edit() {
        assert_eq!(
            winner(Strategy::LastWriteWins, at(1), at(2)),
            Some(Side::Target)
        );
        assert_eq!(
            winner(Strategy::LastWriteWins, at(3), at(2)),
            Some(Side::Source)
        );
    }

    #[test]
    fn last_write_wins_breaks_a_tie_toward_the_source() {
        assert_eq!(
            winner(Strategy::LastWriteWins, at(2), at(2)),
            Some(Side::Source)
        );
    }

    #[test]
    fn manual_and_custom_leave_the_decision_open() {
        assert_eq!(winner(Strategy::Manual, at(1), at(2)), None);
        assert_eq!(winner(Strategy::Custom, at(1), at(2)), None);
    }
}
