//! Conflicts per strategy: the same field edited differently on both sides of a linked pair,
//! on `examples/jira_to_github.yaml` (summary ↔ title) with its `conflict_strategy`
//! overridden, and on `examples/github_to_linear.yaml` (its `priority_based` resolver plugin).

use super::github_linear;
use super::harness::*;
use super::platforms::*;
use chrono::{TimeDelta, Utc};
use pmsync_core::config::{ConfigFile, Strategy};
use pmsync_host::store::ConflictChoice;

const SYNC: &str = "jira-github-sync";

fn with_strategy(strategy: Strategy) -> impl FnOnce(&mut ConfigFile) {
    move |config| {
        for sync in &mut config.syncs {
            sync.conflict_strategy = strategy;
        }
    }
}

/// A linked Jira ↔ GitHub pair after the initial sync.
struct Pair {
    key: String,
    number: u64,
}

fn linked_world(strategy: Strategy) -> (World, Vec<Pair>) {
    let mut w = World::start("jira_to_github.yaml", with_strategy(strategy));
    assert_no_failures(&w.run(SYNC));
    let pairs = w
        .store
        .links(SYNC)
        .expect("links")
        .into_iter()
        .filter_map(|l| {
            Some(Pair {
                number: l.target_id.parse().ok()?,
                key: l.source_key,
            })
        })
        .collect();
    (w, pairs)
}

/// Jira says `jira`, GitHub says `github`; Jira's edit is `jira_later` than GitHub's.
fn edit_both(w: &World, pair: &Pair, jira: &str, github: &str, jira_later: bool) {
    assert!(
        w.sandbox
            .github()
            .edit(pair.number, |i| i.title = github.into())
    );
    assert!(w.sandbox.jira().edit(&pair.key, |f| {
        f.insert("summary".into(), jira.into());
    }));
    let shift = if jira_later { 2 } else { -2 };
    assert!(
        w.sandbox
            .jira()
            .set_updated(&pair.key, Utc::now() + TimeDelta::minutes(shift))
    );
}

fn both_say(w: &World, pair: &Pair) -> (String, String) {
    (
        jira_issue(&w.sandbox, &pair.key).expect("exists").summary,
        w.sandbox.github().issue(pair.number).expect("exists").title,
    )
}

#[test]
fn last_write_wins_takes_the_later_edit_in_either_direction() {
    let (mut w, pairs) = linked_world(Strategy::LastWriteWins);
    edit_both(&w, &pairs[0], "Jira later", "GitHub earlier", true);
    edit_both(&w, &pairs[1], "Jira earlier", "GitHub later", false);
    let report = w.run(SYNC);
    assert_no_failures(&report);
    assert_eq!(report.counts.conflicts_auto, 2, "{}", report.summary());
    assert_eq!(
        both_say(&w, &pairs[0]),
        ("Jira later".into(), "Jira later".into())
    );
    assert_eq!(
        both_say(&w, &pairs[1]),
        ("GitHub later".into(), "GitHub later".into())
    );
    assert_eq!(
        w.run(SYNC).counts.writes,
        0,
        "settled conflicts do not echo"
    );
}

#[test]
fn source_wins_writes_the_jira_value_even_when_github_edited_later() {
    let (mut w, pairs) = linked_world(Strategy::SourceWins);
    edit_both(&w, &pairs[0], "Jira's words", "GitHub's words", false);
    let report = w.run(SYNC);
    assert_no_failures(&report);
    assert_eq!(report.counts.conflicts_auto, 1, "{}", report.summary());
    assert_eq!(
        both_say(&w, &pairs[0]),
        ("Jira's words".into(), "Jira's words".into())
    );
}

#[test]
fn target_wins_writes_the_github_value_even_when_jira_edited_later() {
    let (mut w, pairs) = linked_world(Strategy::TargetWins);
    edit_both(&w, &pairs[0], "Jira's words", "GitHub's words", true);
    let report = w.run(SYNC);
    assert_no_failures(&report);
    assert_eq!(report.counts.conflicts_auto, 1, "{}", report.summary());
    assert_eq!(
        both_say(&w, &pairs[0]),
        ("GitHub's words".into(), "GitHub's words".into())
    );
}

#[test]
fn manual_conflict_is_stored_once_leaves_the_field_alone_and_is_written_once_resolved() {
    let (mut w, pairs) = linked_world(Strategy::Manual);
    let pair = &pairs[0];
    edit_both(&w, pair, "Jira's words", "GitHub's words", true);
    // The same Jira edit also adds a label: that field is not in conflict and still syncs.
    assert!(w.sandbox.jira().edit(&pair.key, |f| {
        if let Some(serde_json::Value::Array(labels)) = f.get_mut("labels") {
            labels.push("needs-triage".into());
        }
    }));
    let report = w.run(SYNC);
    assert_no_failures(&report);
    assert_eq!(report.counts.conflicts_manual, 1, "{}", report.summary());
    assert_eq!(
        both_say(&w, pair),
        ("Jira's words".into(), "GitHub's words".into())
    );
    let labels = w
        .sandbox
        .github()
        .issue(pair.number)
        .expect("exists")
        .labels;
    assert!(labels.contains(&"needs-triage".to_string()), "{labels:?}");

    // Running again neither duplicates the conflict nor touches the field.
    let again = w.run(SYNC);
    assert_eq!(again.counts.writes, 0, "{}", again.summary());
    let open = w.store.open_conflicts(Some(SYNC)).expect("conflicts");
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0].source_key, pair.key);
    assert_eq!(
        both_say(&w, pair),
        ("Jira's words".into(), "GitHub's words".into())
    );

    // A person takes GitHub's words; the next run writes them to Jira.
    w.store
        .resolve_conflict(open[0].id, &ConflictChoice::Target)
        .expect("resolves");
    let applied = w.run(SYNC);
    assert_no_failures(&applied);
    assert_eq!(
        both_say(&w, pair),
        ("GitHub's words".into(), "GitHub's words".into())
    );
    assert!(
        w.store
            .open_conflicts(Some(SYNC))
            .expect("conflicts")
            .is_empty()
    );
    assert_eq!(w.run(SYNC).counts.writes, 0);
}

#[test]
fn custom_priority_based_resolver_lets_the_prioritised_linear_side_win_over_a_later_github_edit() {
    let mut w = World::start("github_to_linear.yaml", |_| {});
    let open = github_issues(&w.sandbox)
        .into_iter()
        .find(|i| i.state == "open")
        .expect("an open issue")
        .number;
    github_linear::opt_in(&w, &[open], &[]);
    assert_no_failures(&w.run("github-linear-sync"));
    let links = w.store.links("github-linear-sync").expect("links");
    let linear = links[0].target_key.clone();

    // Linear: a person marks it High priority and In Progress; then GitHub closes it.
    let in_progress = w.sandbox.linear().state_id("In Progress").expect("a state");
    assert!(w.sandbox.linear().edit(&linear, |i| {
        i.priority = 2;
        i.state_id = in_progress.clone();
    }));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert!(w.sandbox.github().edit(open, |i| i.state = "closed".into()));
    let report = w.run("github-linear-sync");
    assert_no_failures(&report);
    assert_eq!(report.counts.conflicts_auto, 1, "{}", report.summary());
    assert_eq!(
        w.sandbox.linear().state_name(&linear).as_deref(),
        Some("In Progress")
    );
    assert_eq!(
        w.sandbox.github().issue(open).expect("exists").state,
        "open"
    );
}
