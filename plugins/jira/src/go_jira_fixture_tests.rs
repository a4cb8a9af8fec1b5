//! The go-jira project's recorded Jira responses (`fixtures/jira-go-jira-mock-data`) that fit
//! this connector parse without error: an agile search page of issues and a transitions list.

use crate::issue::to_item;
use crate::settings::Settings;
use crate::test_support::{apidata, configure};
use crate::transitions::choose;
use serde_json::Value as Json;

fn recorded(name: &str) -> Option<Json> {
    let path = apidata()?
        .join("fixtures/jira-go-jira-mock-data")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

#[test]
fn every_recorded_issue_of_a_search_page_becomes_an_item() {
    let Some(page) = recorded("issues_in_sprint.json") else {
        return;
    };
    configure();
    let settings = Settings::load().expect("settings");
    let issues = page["issues"].as_array().expect("an issues list");
    assert!(!issues.is_empty());
    for issue in issues {
        let item = to_item(issue, &settings, "search")
            .unwrap_or_else(|e| panic!("{}: {}", issue["key"], e.message()));
        assert_eq!(item.key, issue["key"].as_str().unwrap_or_default());
        assert!(
            item.updated_at.starts_with("2016-02-01"),
            "{}",
            item.updated_at
        );
        assert_eq!(
            item.field("summary").and_then(|v| v.as_text()),
            issue["fields"]["summary"].as_str(),
            "{}",
            item.key
        );
    }
}

#[test]
fn the_recorded_transitions_list_yields_the_transition_to_each_target() {
    let Some(answer) = recorded("transitions.json") else {
        return;
    };
    for transition in answer["transitions"].as_array().expect("transitions") {
        let target = transition["to"]["name"].as_str().expect("a target name");
        let id = choose(&answer, &target.to_uppercase(), "AR-1").expect("a transition");
        assert_eq!(Some(id.as_str()), transition["id"].as_str());
    }
    assert!(choose(&answer, "Nowhere", "AR-1").is_err());
}
