//! `examples/jira_to_github.yaml`: Jira PROJ stories and bugs ↔ GitHub acme/widgets issues.

use super::harness::*;
use super::platforms::*;
use std::collections::BTreeSet;

const SYNC: &str = "jira-github-sync";

/// The example's `user_map`: Jira account id → GitHub login.
fn github_login(account: &str) -> Option<&'static str> {
    match account {
        "5b10a2844c20165700ede200" => Some("mia-krystof"),
        "5b10a2844c20165700ede201" => Some("noah-okafor"),
        "5b10a2844c20165700ede202" => Some("lena-schmidt"),
        _ => None,
    }
}

#[test]
fn jira_to_github_creates_every_partner_once_flows_edits_both_ways_and_then_rests() {
    let mut w = World::start("jira_to_github.yaml", |_| {});
    let jira_before = jira_project(&w.sandbox, "PROJ");
    let github_before = github_issues(&w.sandbox);
    let selected: Vec<&JiraIssue> = jira_before
        .iter()
        .filter(|i| i.issue_type == "Story" || i.issue_type == "Bug")
        .collect();
    assert!(selected.len() >= 4 && selected.len() < jira_before.len());

    let first = w.run(SYNC);
    assert_no_failures(&first);
    assert_eq!(first.counts.created, selected.len() + github_before.len());

    // Every selected Jira issue has exactly one GitHub partner, and the other way round.
    let links = w.store.links(SYNC).expect("links");
    assert_eq!(links.len(), selected.len() + github_before.len());
    let targets: BTreeSet<&str> = links.iter().map(|l| l.target_id.as_str()).collect();
    let sources: BTreeSet<&str> = links.iter().map(|l| l.source_id.as_str()).collect();
    assert_eq!(targets.len(), links.len(), "a GitHub issue is linked twice");
    assert_eq!(sources.len(), links.len(), "a Jira issue is linked twice");
    let github_after = github_issues(&w.sandbox);
    assert_eq!(github_after.len(), github_before.len() + selected.len());
    let jira_after = jira_project(&w.sandbox, "PROJ");
    assert_eq!(jira_after.len(), jira_before.len() + github_before.len());

    for jira in &selected {
        let link = links
            .iter()
            .find(|l| l.source_key == jira.key)
            .unwrap_or_else(|| panic!("{} has no partner", jira.key));
        let number: u64 = link.target_id.parse().expect("a GitHub issue number");
        let gh = w
            .sandbox
            .github()
            .issue(number)
            .expect("the partner exists");
        assert_eq!(gh.title, jira.summary, "{}", jira.key);
        let state = if jira.status == "Done" {
            "closed"
        } else {
            "open"
        };
        assert_eq!(
            gh.state, state,
            "{} ({}) → #{number}",
            jira.key, jira.status
        );
        let mut labels = gh.labels.clone();
        labels.sort();
        let mut expected = jira.labels.clone();
        expected.sort();
        assert_eq!(labels, expected, "labels of {} → #{number}", jira.key);
        let assignees: Vec<&str> = jira
            .assignee
            .as_deref()
            .and_then(github_login)
            .into_iter()
            .collect();
        assert_eq!(
            gh.assignees, assignees,
            "assignee of {} → #{number}",
            jira.key
        );
    }
    for gh in &github_before {
        let link = links
            .iter()
            .find(|l| l.target_id == gh.number.to_string())
            .unwrap_or_else(|| panic!("#{} has no partner", gh.number));
        let jira = jira_issue(&w.sandbox, &link.source_key).expect("the partner exists");
        assert_eq!(jira.summary, gh.title);
        let status = if gh.state == "closed" {
            "Done"
        } else {
            "To Do"
        };
        assert_eq!(
            jira.status, status,
            "#{} ({}) → {}",
            gh.number, gh.state, jira.key
        );
    }

    // A person edits a summary in Jira and closes an issue on GitHub.
    let from_jira = &links[0];
    let from_github = &links[1];
    assert!(w.sandbox.jira().edit(&from_jira.source_key, |f| {
        f.insert(
            "summary".into(),
            "Checkout fails for saved cards (edited in Jira)".into(),
        );
    }));
    let closed: u64 = from_github.target_id.parse().expect("a number");
    let reopen_state = w.sandbox.github().issue(closed).expect("exists").state;
    assert!(w.sandbox.github().edit(closed, |i| {
        i.title = "Dark mode for the settings page (edited on GitHub)".into();
        i.state = if reopen_state == "open" {
            "closed"
        } else {
            "open"
        }
        .into();
    }));
    let second = w.run(SYNC);
    assert_no_failures(&second);
    assert_eq!(second.counts.created, 0);
    assert_eq!(second.counts.updated, 2, "{}", second.summary());
    let target_number: u64 = from_jira.target_id.parse().expect("a number");
    assert_eq!(
        w.sandbox
            .github()
            .issue(target_number)
            .expect("exists")
            .title,
        "Checkout fails for saved cards (edited in Jira)"
    );
    let back = jira_issue(&w.sandbox, &from_github.source_key).expect("exists");
    assert_eq!(
        back.summary,
        "Dark mode for the settings page (edited on GitHub)"
    );
    let status = if reopen_state == "open" {
        "Done"
    } else {
        "To Do"
    };
    assert_eq!(back.status, status, "the GitHub state change reached Jira");

    // Nothing changed since: no writes at all.
    let writes_before = w.platform_writes();
    let third = w.run(SYNC);
    assert_no_failures(&third);
    assert_eq!(third.counts.writes, 0, "{}", third.summary());
    assert_eq!(
        w.platform_writes(),
        writes_before,
        "the platforms received writes"
    );
}
