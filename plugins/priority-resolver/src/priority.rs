//! Reading a priority out of a field value.

use pmsync_sdk::Value;

/// What a priority field says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Priority {
    /// A rank: 1 is the most urgent, larger numbers are less urgent.
    Rank(i64),
    /// No priority: the field is missing or null, `0` (Linear's "no priority") or a name
    /// meaning none.
    Unset,
    /// A value that is not a priority this resolver knows; it counts as no priority.
    Unrecognized(String),
}

impl Priority {
    /// The rank, if there is one.
    pub fn rank(&self) -> Option<i64> {
        match self {
            Priority::Rank(rank) => Some(*rank),
            Priority::Unset | Priority::Unrecognized(_) => None,
        }
    }
}

/// The priority a field value stands for. `None` is a field the item does not have.
pub fn read_priority(value: Option<&Value>) -> Priority {
    match value {
        None | Some(Value::Null) => Priority::Unset,
        Some(Value::Integer(number)) => from_number(*number),
        Some(Value::Number(number)) if number.fract() == 0.0 && number.abs() < 1e15 => {
            from_number(*number as i64)
        }
        Some(Value::Text(text)) => from_text(text),
        Some(other) => Priority::Unrecognized(other.to_string()),
    }
}

fn from_number(number: i64) -> Priority {
    match number {
        0 => Priority::Unset,
        rank if rank > 0 => Priority::Rank(rank),
        negative => Priority::Unrecognized(format!("integer {negative}")),
    }
}

fn from_text(text: &str) -> Priority {
    let trimmed = text.trim();
    if let Ok(number) = trimmed.parse::<i64>() {
        return from_number(number);
    }
    match trimmed.to_ascii_lowercase().as_str() {
        "critical" | "urgent" => Priority::Rank(1),
        "high" => Priority::Rank(2),
        "medium" => Priority::Rank(3),
        "low" => Priority::Rank(4),
        "" | "none" | "no priority" => Priority::Unset,
        _ => Priority::Unrecognized(format!("text {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_names_rank_critical_to_low_as_one_to_four() {
        assert_eq!(
            read_priority(Some(&Value::text("Critical"))),
            Priority::Rank(1)
        );
        assert_eq!(read_priority(Some(&Value::text("High"))), Priority::Rank(2));
        assert_eq!(
            read_priority(Some(&Value::text("Medium"))),
            Priority::Rank(3)
        );
        assert_eq!(read_priority(Some(&Value::text("Low"))), Priority::Rank(4));
    }

    #[test]
    fn linear_numbers_rank_as_themselves_and_zero_is_no_priority() {
        assert_eq!(read_priority(Some(&Value::integer(1))), Priority::Rank(1));
        assert_eq!(read_priority(Some(&Value::integer(4))), Priority::Rank(4));
        assert_eq!(read_priority(Some(&Value::integer(0))), Priority::Unset);
        assert_eq!(read_priority(Some(&Value::number(2.0))), Priority::Rank(2));
        assert_eq!(
            read_priority(Some(&Value::text("Urgent"))),
            Priority::Rank(1)
        );
        assert_eq!(
            read_priority(Some(&Value::text("No priority"))),
            Priority::Unset
        );
    }

    #[test]
    fn numbers_written_as_text_are_numbers() {
        assert_eq!(read_priority(Some(&Value::text(" 2 "))), Priority::Rank(2));
        assert_eq!(read_priority(Some(&Value::text("0"))), Priority::Unset);
    }

    #[test]
    fn missing_and_null_fields_have_no_priority() {
        assert_eq!(read_priority(None), Priority::Unset);
        assert_eq!(read_priority(Some(&Value::Null)), Priority::Unset);
    }

    #[test]
    fn values_that_are_not_priorities_are_reported_as_such() {
        assert_eq!(
            read_priority(Some(&Value::text("P0!"))),
            Priority::Unrecognized("text \"P0!\"".to_owned())
        );
        assert_eq!(
            read_priority(Some(&Value::integer(-1))),
            Priority::Unrecognized("integer -1".to_owned())
        );
        assert_eq!(read_priority(Some(&Value::number(1.5))).rank(), None);
        assert_eq!(read_priority(Some(&Value::boolean(true))).rank(), None);
    }
}
