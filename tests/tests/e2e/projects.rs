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
fn jira_estimates_puts_stories_on_the_board_follows_edits_on_both_sides_then_writes_nothing() {
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

    // Run 2, edits on both sides: a story's new title and points in Jira move the board
    // item's issue title (GraphQL `updateIssue`) and its Estimate; a person moves another
    // item on the board, which this one-way sync leaves as it is.
    let story = &stories[0];
    assert!(w.sandbox.jira().edit(&story.key, |f| {
        f.insert(
            "summary".into(),
            serde_json::json!("Estimate the widget rewrite again"),
        );
        f.insert("customfield_10016".into(), serde_json::json!(13));
    }));
    let other = links
        .iter()
        .find(|l| l.source_key == stories[1].key)
        .expect("linked");
    let notes = github.project_field_id("Notes").expect("a Notes field");
    assert!(github.edit_project_item(&other.target_id, |item| {
        item.values.insert(
            notes.clone(),
            ProjectFieldValue::Text("Blocked on design".into()),
        );
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
    let issue = github_issues(&w.sandbox)
        .into_iter()
        .find(|i| i.node_id == item.content_node_id)
        .expect("the item's issue");
    assert_eq!(issue.title, "Estimate the widget rewrite again");
    let other_item = w
        .sandbox
        .github()
        .project_item(&other.target_id)
        .expect("on the board");
    assert_eq!(
        other_item.values.get(&notes),
        Some(&ProjectFieldValue::Text("Blocked on design".into())),
        "the board edit stays"
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
