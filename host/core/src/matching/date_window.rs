//! The date window of a `fields` rule: items with equal fields are the same work only if a
//! date of each (`created` and `created_at`, say) lies within so many days of the other. Ties
//! are made per key bucket by a sweep over the targets sorted by date, so the cost stays
//! `O(n log n)` even when one title is shared by thousands of items.

use super::groups::Ties;
use crate::value::Value;
use chrono::{DateTime, NaiveDate};

/// A point in time of a date field, in seconds since the epoch (a date counts from its
/// midnight, UTC); text is read as RFC 3339 or `YYYY-MM-DD`. Anything else has no date and
/// matches nothing under a window.
pub fn seconds(value: &Value) -> Option<i64> {
    match value {
        Value::Date(date) => Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp()),
        Value::DateTime(at) => Some(at.timestamp()),
        Value::Text(text) => {
            let text = text.trim();
            DateTime::parse_from_rfc3339(text)
                .map(|at| at.timestamp())
                .ok()
                .or_else(|| {
                    NaiveDate::parse_from_str(text, "%Y-%m-%d")
                        .ok()?
                        .and_hms_opt(0, 0, 0)
                        .map(|at| at.and_utc().timestamp())
                })
        }
        _ => None,
    }
}

/// Ties each source of a bucket to every target of the bucket whose date lies within
/// `window` seconds of its own. `source_at` / `target_at` hold each item's date.
pub fn tie_within(
    ties: &mut Ties,
    sources: &[usize],
    targets: &[usize],
    source_at: &[Option<i64>],
    target_at: &[Option<i64>],
    window: i64,
) {
    let mut dated: Vec<(i64, usize)> = targets
        .iter()
        .filter_map(|&t| target_at[t].map(|at| (at, t)))
        .collect();
    if dated.is_empty() {
        return;
    }
    dated.sort_unstable();
    // cover[i] > 0: targets i and i + 1 are both in some source's window (so, through that
    // source, in one group).
    let mut cover = vec![0i64; dated.len()];
    for &s in sources {
        let Some(at) = source_at[s] else { continue };
        let low = dated.partition_point(|&(t_at, _)| t_at < at.saturating_sub(window));
        let high = dated.partition_point(|&(t_at, _)| t_at <= at.saturating_add(window));
        if low >= high {
            continue;
        }
        ties.tie(s, dated[low].1);
        if high - low > 1 {
            cover[low] += 1;
            cover[high - 1] -= 1;
        }
    }
    let mut open = 0;
    for i in 0..dated.len().saturating_sub(1) {
        open += cover[i];
        if open > 0 {
            ties.tie_targets(dated[i].1, dated[i + 1].1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn groups(
        sources: usize,
        targets: usize,
        source_at: &[Option<i64>],
        target_at: &[Option<i64>],
    ) -> Vec<(Vec<usize>, Vec<usize>)> {
        let mut ties = Ties::new(sources, targets);
        let all_s: Vec<usize> = (0..sources).collect();
        let all_t: Vec<usize> = (0..targets).collect();
        tie_within(&mut ties, &all_s, &all_t, source_at, target_at, DAY);
        let mut out: Vec<_> = ties
            .groups()
            .into_iter()
            .map(|g| (g.sources, g.targets))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn equal_titles_created_far_apart_are_not_the_same_work() {
        let found = groups(1, 1, &[Some(0)], &[Some(3 * DAY)]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_recurring_title_pairs_each_item_with_the_one_made_the_same_day() {
        // "Weekly report" every week on both sides: four pairs, no ambiguity.
        let at: Vec<Option<i64>> = (0..4).map(|w| Some(w * 7 * DAY)).collect();
        let shifted: Vec<Option<i64>> = (0..4).map(|w| Some(w * 7 * DAY + 3600)).collect();
        let found = groups(4, 4, &at, &shifted);
        assert_eq!(
            found,
            (0..4).map(|i| (vec![i], vec![i])).collect::<Vec<_>>()
        );
    }

    #[test]
    fn two_targets_within_one_sources_window_stay_ambiguous() {
        let found = groups(1, 2, &[Some(DAY)], &[Some(0), Some(2 * DAY)]);
        assert_eq!(found, vec![(vec![0], vec![0, 1])]);
    }

    #[test]
    fn an_item_without_the_date_matches_nothing() {
        assert!(groups(1, 1, &[None], &[Some(0)]).is_empty());
    }

    #[test]
    fn dates_are_read_from_dates_datetimes_and_text() {
        let midnight = seconds(&Value::Text("2025-03-01".into())).unwrap();
        assert_eq!(
            seconds(&Value::Text("2025-03-01T06:00:00+02:00".into())),
            Some(midnight + 4 * 3600)
        );
        assert_eq!(seconds(&Value::Text("soon".into())), None);
        assert_eq!(seconds(&Value::Integer(3)), None);
    }
}
