//! The mappings themselves, free of any plugin machinery. Names match exactly (Jira's
//! spelling); anything unknown gets the documented fallback.

/// `Critical` 1, `High` 2, `Medium` 3, `Low` 4; any other name 3 (medium).
pub fn jira_priority_to_number(priority: &str) -> i64 {
    match priority {
        "Critical" => 1,
        "High" => 2,
        "Medium" => 3,
        "Low" => 4,
        _ => 3,
    }
}

/// `To Do` → `Todo`; `In Progress`, `Done`, `Blocked` keep their names; any other status
/// → `Backlog`.
pub fn jira_status_to_linear(status: &str) -> &'static str {
    match status {
        "To Do" => "Todo",
        "In Progress" => "In Progress",
        "Done" => "Done",
        "Blocked" => "Blocked",
        _ => "Backlog",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_priorities_map_to_one_through_four() {
        assert_eq!(jira_priority_to_number("Critical"), 1);
        assert_eq!(jira_priority_to_number("High"), 2);
        assert_eq!(jira_priority_to_number("Medium"), 3);
        assert_eq!(jira_priority_to_number("Low"), 4);
    }

    #[test]
    fn unknown_priorities_count_as_medium() {
        assert_eq!(jira_priority_to_number("Highest"), 3);
        assert_eq!(jira_priority_to_number("high"), 3);
        assert_eq!(jira_priority_to_number(""), 3);
    }

    #[test]
    fn jira_statuses_map_to_linear_states() {
        assert_eq!(jira_status_to_linear("To Do"), "Todo");
        assert_eq!(jira_status_to_linear("In Progress"), "In Progress");
        assert_eq!(jira_status_to_linear("Done"), "Done");
        assert_eq!(jira_status_to_linear("Blocked"), "Blocked");
    }

    #[test]
    fn unknown_statuses_go_to_backlog() {
        assert_eq!(jira_status_to_linear("In Review"), "Backlog");
        assert_eq!(jira_status_to_linear("done"), "Backlog");
    }
}
