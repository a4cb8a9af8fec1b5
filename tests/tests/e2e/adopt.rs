//! Adopting pmsync on existing data (`link_existing:`): both sandbox platforms start with
//! items that already belong together — 100 pairs, some recognisable by title, some by a
//! cross-reference, some by a `legacy-N` key label — plus 20 items per side with no partner
//! and 5 ambiguous groups. Matching links the pairs instead of duplicating them.

use super::harness::*;
use super::platforms::*;
use pmsync_core::config::{ConfigFile, InitialWinner, LinkExisting, LinkMode, MatchRule};
use pmsync_host::engine::{ItemAction, render_matching};
use pmsync_sandbox::{ProjectFieldValue, SandboxOptions};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

const SYNC: &str = "jira-github-sync";
/// Items each side starts with.
const SEEDED: usize = 130;
const PAIRS_BY_TITLE: std::ops::Range<usize> = 0..40;
const PAIRS_BY_REFERENCE: std::ops::Range<usize> = 40..70;
const PAIRS_BY_KEY: std::ops::Range<usize> = 70..100;
const UNMATCHED: std::ops::Range<usize> = 100..120;
const AMBIGUOUS: std::ops::Range<usize> = 120..130;

fn adopting(mode: LinkMode) -> impl FnOnce(&mut ConfigFile) {
    move |config| {
        let sync = &mut config.syncs[0];
        // Every PROJ issue is in scope (the generated data has more issue types).
        sync.filters.issue_types.clear();
        sync.link_existing = LinkExisting {
            mode,
            rules: vec![
                MatchRule::CrossReference,
                MatchRule::KeyField {
                    source: "labels".into(),
                    target: "labels".into(),
                    prefix: Some("legacy-".into()),
                },
                MatchRule::Fields {
                    fields: vec!["summary".into()],
                    date_window: None,
                },
            ],
            initial_winner: Some(InitialWinner::Source),
        };
    }
}

fn adf(text: &str) -> serde_json::Value {
    json!({"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    ]})
}

/// The seeded data, arranged as described in the module docs. Returns (Jira key, GitHub
/// number) of the 100 pairs that belong together.
fn arrange(w: &World) -> BTreeMap<String, u64> {
    let jira: Vec<String> = jira_project(&w.sandbox, "PROJ")
        .into_iter()
        .map(|i| i.key)
        .collect();
    let github: Vec<u64> = github_issues(&w.sandbox)
        .into_iter()
        .map(|i| i.number)
        .collect();
    assert_eq!((jira.len(), github.len()), (SEEDED, SEEDED));
    let mut pairs = BTreeMap::new();
    for i in 0..SEEDED {
        let (key, number) = (jira[i].clone(), github[i]);
        let (summary, title, description, body, label) = if PAIRS_BY_TITLE.contains(&i) {
            (
                format!("Existing work item {i}"),
                format!("existing  WORK item {i} "),
                String::from("Plain text."),
                String::from("Plain text."),
                None,
            )
        } else if PAIRS_BY_REFERENCE.contains(&i) {
            // Half name the GitHub issue in Jira, half the Jira key on GitHub.
            let (description, body) = if i % 2 == 0 {
                (
                    format!("Mirrors https://github.com/acme/widgets/issues/{number}"),
                    String::from("Plain text."),
                )
            } else {
                (
                    String::from("Plain text."),
                    format!("Tracked in Jira as {key}."),
                )
            };
            (
                format!("Jira wording {i}"),
                format!("GitHub wording {i}"),
                description,
                body,
                None,
            )
        } else if PAIRS_BY_KEY.contains(&i) {
            (
                format!("Imported from the old tracker {i}"),
                format!("Old tracker import {i}"),
                String::from("Plain text."),
                String::from("Plain text."),
                Some(format!("legacy-{i}")),
            )
        } else if UNMATCHED.contains(&i) {
            (
                format!("Only in Jira {i}"),
                format!("Only on GitHub {i}"),
                String::from("Plain text."),
                String::from("Plain text."),
                None,
            )
        } else {
            // Two Jira issues and two GitHub issues share one title: 5 ambiguous groups.
            let group = (i - AMBIGUOUS.start) / 2;
            (
                format!("Ambiguous duplicate {group}"),
                format!("Ambiguous duplicate {group}"),
                String::from("Plain text."),
                String::from("Plain text."),
                None,
            )
        };
        let jira_label = label.clone();
        assert!(w.sandbox.jira().edit(&key, |f| {
            f.insert("summary".into(), json!(summary));
            f.insert("description".into(), adf(&description));
            let mut labels: Vec<serde_json::Value> = vec![json!("imported")];
            labels.extend(jira_label.map(|l| json!(l)));
            f.insert("labels".into(), json!(labels));
        }));
        assert!(w.sandbox.github().edit(number, |issue| {
            issue.title = title;
            issue.body = Some(body);
            issue.labels = label.into_iter().collect();
        }));
        if i < PAIRS_BY_KEY.end {
            pairs.insert(key, number);
        }
    }
    pairs
}

fn counts_on_platforms(w: &World) -> (usize, usize) {
    (
        jira_project(&w.sandbox, "PROJ").len(),
        github_issues(&w.sandbox).len(),
    )
}

#[test]
fn match_then_create_links_the_existing_pairs_creates_the_rest_and_reports_the_ambiguous() {
    let mut w = World::start_with(
        "jira_to_github.yaml",
        SandboxOptions::seed_items(SEEDED),
        adopting(LinkMode::MatchThenCreate),
    );
    let expected = arrange(&w);

    // The dry run shows the matches, the ambiguities and the creates that remain.
    let plan = w.dry_run(SYNC);
    assert_no_failures(&plan);
    let matching = plan
        .matching
        .as_ref()
        .expect("the dry run reports matching");
    assert_eq!(matching.matched.len(), 100);
    assert_eq!(matching.ambiguous.len(), 5);
    assert_eq!(matching.remaining_creates, 40);
    let shown = render_matching(matching);
    assert!(
        shown.contains("100 pair(s), 5 ambiguous group(s), 40 create(s) remain"),
        "{shown}"
    );
    assert_eq!(shown.matches("\n  ambiguous ").count(), 5, "{shown}");
    assert_eq!(plan.plan.as_ref().expect("a plan").creates.len(), 40);
    assert_eq!(w.platform_writes(), 0, "the dry run wrote");
    assert!(w.store.links(SYNC).expect("links").is_empty());

    let first = w.run(SYNC);
    assert_no_failures(&first);
    assert_eq!(first.counts.matched, 100, "{}", first.summary());
    assert_eq!(first.counts.ambiguous, 5);
    assert_eq!(first.counts.created, 40);

    // Every pair that belongs together is linked, each by the rule meant to find it.
    let links = w.store.links(SYNC).expect("links");
    let linked: BTreeMap<&str, &str> = links
        .iter()
        .map(|l| (l.source_key.as_str(), l.target_key.as_str()))
        .collect();
    for (key, number) in &expected {
        assert_eq!(
            linked.get(key.as_str()).copied(),
            Some(format!("#{number}").as_str()),
            "{key} is not linked to #{number}"
        );
    }
    let rules: BTreeMap<String, usize> = first
        .matching
        .as_ref()
        .expect("matching")
        .matched
        .iter()
        .fold(BTreeMap::new(), |mut m, line| {
            *m.entry(line.rule.clone()).or_default() += 1;
            m
        });
    assert_eq!(rules.get("cross_reference"), Some(&30), "{rules:?}");
    assert_eq!(rules.get("fields summary"), Some(&40), "{rules:?}");
    assert_eq!(rules.values().sum::<usize>(), 100);

    // 20 created on each side, nothing duplicated, ambiguous items neither linked nor copied.
    assert_eq!(links.len(), 140);
    assert_eq!(counts_on_platforms(&w), (SEEDED + 20, SEEDED + 20));
    let titles: Vec<String> = github_issues(&w.sandbox)
        .into_iter()
        .map(|i| i.title)
        .collect();
    let distinct: BTreeSet<&String> = titles.iter().collect();
    assert_eq!(
        titles.len() - distinct.len(),
        5,
        "only the 5 seeded ambiguous twins share a title on GitHub"
    );
    let ambiguous_lines = first
        .items
        .iter()
        .filter(|i| i.action == ItemAction::Ambiguous)
        .count();
    assert_eq!(ambiguous_lines, 5);
    let audited = w
        .store
        .audit(&Default::default())
        .expect("audit")
        .into_iter()
        .fold(BTreeMap::new(), |mut m: BTreeMap<&str, usize>, e| {
            *m.entry(e.status.as_str()).or_default() += 1;
            m
        });
    assert_eq!(audited.get("matched"), Some(&100), "{audited:?}");
    assert_eq!(audited.get("ambiguous"), Some(&5), "{audited:?}");

    // The winner's values reached the partner where they differed.
    let pair_by_reference = &jira_project(&w.sandbox, "PROJ")[PAIRS_BY_REFERENCE.start];
    let number = expected[&pair_by_reference.key];
    assert_eq!(
        w.sandbox.github().issue(number).expect("exists").title,
        pair_by_reference.summary
    );

    // A second run writes nothing.
    let writes = w.platform_writes();
    let second = w.run(SYNC);
    assert_no_failures(&second);
    assert_eq!(second.counts.created, 0, "{}", second.summary());
    assert_eq!(second.counts.writes, 0, "{}", second.summary());
    assert_eq!(w.platform_writes(), writes, "the second run wrote");

    // A person makes one ambiguous group unique; the next run pairs what became clear.
    let twins: Vec<String> = jira_project(&w.sandbox, "PROJ")
        .into_iter()
        .filter(|i| i.summary == "Ambiguous duplicate 0")
        .map(|i| i.key)
        .collect();
    let github_twins: Vec<u64> = github_issues(&w.sandbox)
        .into_iter()
        .filter(|i| i.title == "Ambiguous duplicate 0")
        .map(|i| i.number)
        .collect();
    assert_eq!((twins.len(), github_twins.len()), (2, 2));
    assert!(w.sandbox.jira().edit(&twins[0], |f| {
        f.insert("summary".into(), json!("No longer a duplicate"));
    }));
    assert!(w.sandbox.github().edit(github_twins[0], |i| {
        i.title = "No longer a duplicate".into();
    }));
    let third = w.run(SYNC);
    assert_no_failures(&third);
    assert_eq!(third.counts.matched, 2, "{}", third.summary());
    assert_eq!(third.counts.ambiguous, 4);
    assert_eq!(third.counts.created, 0);
    assert_eq!(w.store.links(SYNC).expect("links").len(), 142);
    assert_eq!(counts_on_platforms(&w), (SEEDED + 20, SEEDED + 20));
}

#[test]
fn match_only_links_the_pairs_and_creates_nothing() {
    let mut w = World::start_with(
        "jira_to_github.yaml",
        SandboxOptions::seed_items(SEEDED),
        adopting(LinkMode::MatchOnly),
    );
    arrange(&w);
    let first = w.run(SYNC);
    assert_no_failures(&first);
    assert_eq!(first.counts.matched, 100, "{}", first.summary());
    assert_eq!(first.counts.ambiguous, 5);
    assert_eq!(first.counts.created, 0);
    assert_eq!(counts_on_platforms(&w), (SEEDED, SEEDED));
    assert_eq!(w.store.links(SYNC).expect("links").len(), 100);

    let writes = w.platform_writes();
    let second = w.run(SYNC);
    assert_no_failures(&second);
    assert_eq!(second.counts.writes, 0, "{}", second.summary());
    assert_eq!(w.platform_writes(), writes);
}

#[test]
fn a_repository_and_its_own_board_are_paired_by_identity_and_nothing_is_created() {
    const BOARD: &str = "repo-board";
    let mut w = World::start("github_repo_board.yaml", |_| {});
    let issues = github_issues(&w.sandbox);
    let board_items = w.sandbox.github().project_item_count();
    assert!(!issues.is_empty() && board_items >= issues.len());

    let first = w.run(BOARD);
    assert_no_failures(&first);
    assert_eq!(first.counts.matched, issues.len(), "{}", first.summary());
    assert_eq!(first.counts.created, 0);
    assert_eq!(first.counts.ambiguous, 0);
    assert_eq!(
        github_issues(&w.sandbox).len(),
        issues.len(),
        "an issue was created"
    );
    assert_eq!(w.sandbox.github().project_item_count(), board_items);

    // Each issue is linked to its own board item, whose Status now follows its state.
    let status_field = w
        .sandbox
        .github()
        .project_field_id("Status")
        .expect("a Status field");
    for issue in &issues {
        let item = w
            .sandbox
            .github()
            .project_item_for_issue(issue.number)
            .expect("the issue is on the board");
        let link = w
            .store
            .link(BOARD, pmsync_core::Side::Source, &issue.number.to_string())
            .expect("the store answers")
            .unwrap_or_else(|| panic!("#{} is not linked", issue.number));
        assert_eq!(link.target_id, item.id, "#{}", issue.number);
        let expected = if issue.state == "closed" {
            "Done"
        } else {
            "Todo"
        };
        let option = w
            .sandbox
            .github()
            .project_option_id("Status", expected)
            .expect("the option exists");
        assert_eq!(
            item.values.get(&status_field),
            Some(&ProjectFieldValue::SingleSelect(option)),
            "#{} ({}) on the board",
            issue.number,
            issue.state
        );
    }

    let writes = w.platform_writes();
    let second = w.run(BOARD);
    assert_no_failures(&second);
    assert_eq!(second.counts.writes, 0, "{}", second.summary());
    assert_eq!(w.platform_writes(), writes);
}

#[test]
fn a_jira_remote_link_to_a_github_issue_pairs_the_two_when_remote_links_are_read() {
    let mut w = World::start_with(
        "jira_to_github.yaml",
        SandboxOptions::seed_items(6),
        |config: &mut ConfigFile| {
            adopting(LinkMode::MatchOnly)(config);
            config.syncs[0].link_existing.rules = vec![MatchRule::CrossReference];
            config
                .platforms
                .get_mut("jira")
                .expect("the example has jira")
                .settings
                .insert("read_remote_links".into(), "true".into());
        },
    );
    let jira: Vec<String> = jira_project(&w.sandbox, "PROJ")
        .into_iter()
        .map(|i| i.key)
        .collect();
    let github: Vec<u64> = github_issues(&w.sandbox)
        .into_iter()
        .map(|i| i.number)
        .collect();
    // Someone linked the Jira issue to its GitHub issue by hand, as a remote link; no text
    // field names the other, and the titles differ.
    let (key, number) = (jira[2].clone(), github[4]);
    assert!(w.sandbox.jira().add_remote_link(
        &key,
        &format!("acme/widgets#{number}"),
        &format!("https://github.com/acme/widgets/issues/{number}"),
    ));
    let first = w.run(SYNC);
    assert_no_failures(&first);
    assert_eq!(first.counts.matched, 1, "{}", first.summary());
    assert_eq!(first.counts.created, 0, "match_only creates nothing");
    let links = w.store.links(SYNC).expect("links");
    assert_eq!(links.len(), 1);
    assert_eq!(
        (links[0].source_key.as_str(), links[0].target_key.as_str()),
        (key.as_str(), format!("#{number}").as_str())
    );
}
