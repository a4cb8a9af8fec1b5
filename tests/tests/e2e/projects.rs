//! `examples/github_projects.yaml`, sync `jira-estimates`: Jira PROJ stories → items of the
//! GitHub Projects (v2) board, with story points as `Estimate` and the status through the
//! `jira_status_to_linear` transform of the `example-transforms` WASM plugin.

use super::harness::*;
use super::platforms::*;
use pmsync_sandbox::ProjectFieldValue;

const SYNC: &str = "jira-estimates";

fn board_status(status: &str) -> &'static str {
    match status {
        "To Do" => "Todo",
        "In Progress" => "In Progress",
        "Done" => "Done",
        _ => "Backlog",
    }
}

#[test]
fn jira_estimates_puts_every_story_on_the_board_with_estimate_and_status_and_follows_edits() {
    let mut w = World::start("github_projects.yaml", |_| {});
    let stories: Vec<JiraIssue> = jira_project(&w.sandbox, "PROJ")
        .into_iter()
        .filter(|i| i.issue_type == "Story")
        .collect();
    let board_before = w.sandbox.github().project_item_count();
    let first = w.run(SYNC);
    assert_no_failures(&first);
    assert_eq!(first.counts.created, stories.len(), "{}", first.summary());
    assert_eq!(
        w.sandbox.github().project_item_count(),
        board_before + stories.len()
    );

    let github = w.sandbox.github();
    let estimate = github
        .project_field_id("Estimate")
        .expect("an Estimate field");
    let status = github.project_field_id("Status").expect("a Status field");
    let links = w.store.links(SYNC).expect("links");
    assert_eq!(links.len(), stories.len());
    for story in &stories {
        let link = links
            .iter()
            .find(|l| l.source_key == story.key)
            .expect("linked");
        let item = github.project_item(&link.target_id).expect("on the board");
        let issue = github_issues(&w.sandbox)
            .into_iter()
            .find(|i| i.node_id == item.content_node_id)
            .expect("the item shows a repository issue");
        assert_eq!(issue.title, story.summary, "{}", story.key);
        assert_eq!(
            item.values.get(&estimate),
            story.story_points.map(ProjectFieldValue::Number).as_ref(),
            "{}",
            story.key
        );
        let option = github
            .project_option_id("Status", board_status(&story.status))
            .expect("a board status");
        assert_eq!(
            item.values.get(&status),
            Some(&ProjectFieldValue::SingleSelect(option)),
            "{} ({})",
            story.key,
            story.status
        );
    }

    // New story points in Jira move the board's Estimate.
    let story = &stories[0];
    assert!(w.sandbox.jira().edit(&story.key, |f| {
        f.insert("customfield_10016".into(), serde_json::json!(13));
    }));
    let second = w.run(SYNC);
    assert_no_failures(&second);
    assert_eq!(second.counts.updated, 1, "{}", second.summary());
    let link = links
        .iter()
        .find(|l| l.source_key == story.key)
        .expect("linked");
    let item = w
        .sandbox
        .github()
        .project_item(&link.target_id)
        .expect("on the board");
    assert_eq!(
        item.values.get(&estimate),
        Some(&ProjectFieldValue::Number(13.0))
    );

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
