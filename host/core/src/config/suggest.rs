//! "Did you mean ...?" for misspelled keys and enum values.

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely
/// misspelling: a third of the word's length in edits, at least 1 and at most 3.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, counting an adjacent transposition as one edit.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// Adds a suggestion to a serde "unknown field/variant `x`, expected one of `a`, `b`"
/// message, when one of the expected names is close.
pub fn with_suggestion(message: &str) -> String {
    let Some(unknown) = backticked(message).next() else {
        return message.to_string();
    };
    if !(message.contains("unknown field") || message.contains("unknown variant")) {
        return message.to_string();
    }
    let Some(expected_at) = message.find("expected") else {
        return message.to_string();
    };
    let candidates: Vec<&str> = backticked(&message[expected_at..]).collect();
    match closest(unknown, candidates.iter().copied()) {
        Some(best) => format!("{message}; did you mean `{best}`?"),
        None => message.to_string(),
    }
}

fn backticked(text: &str) -> impl Iterator<Item = &str> {
    text.split('`').skip(1).step_by(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelled_key_suggests_the_closest_valid_one() {
        let m = with_suggestion(
            "unknown field `conflict_stratgy`, expected one of `name`, `conflict_strategy`, `resolver`",
        );
        assert!(m.ends_with("did you mean `conflict_strategy`?"), "{m}");
    }

    #[test]
    fn an_unrelated_key_gets_no_suggestion() {
        let m = with_suggestion("unknown field `colour`, expected one of `name`, `direction`");
        assert!(!m.contains("did you mean"), "{m}");
    }

    #[test]
    fn transposed_letters_count_as_one_edit() {
        assert_eq!(edit_distance("bidriectional", "bidirectional"), 1);
    }
}
