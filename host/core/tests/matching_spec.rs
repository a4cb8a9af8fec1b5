//! Specification tests of matching (`link_existing:`): which existing items are paired, by
//! which rule, which are held back as ambiguous, and where a matched pair's base starts.

use chrono::{DateTime, TimeZone, Utc};
use pmsync_core::config::{ConfigFile, InitialWinner, SyncConfig, load_str};
use pmsync_core::matching::{MatchPlan, initial_link, match_items};
use pmsync_core::plan::{Candidate, ConflictOutcome};
use pmsync_core::planner::{self, PipelineConverter};
use pmsync_core::plugins::{NoCustomResolvers, NoCustomTransforms};
use pmsync_core::{Item, Side, Value};

fn sync_with(rules: &str, winner: &str) -> SyncConfig {
    let text = format!(
        r#"
name: adopt
source_platform: jira
target_platform: github
conflict_strategy: last_write_wins
field_mappings:
  - source_field: summary
    target_field: title
  - source_field: status
    target_field: state
    value_map: status
  - source_field: labels
    target_field: labels
    source_type: array
    target_type: array
value_maps:
  status:
    forward: {{ "To Do": "open", "Done": "closed" }}
link_existing:
  mode: match_then_create
  initial_winner: {winner}
  match:
{rules}
"#
    );
    let config: ConfigFile = load_str(&text, "adopt.yaml").expect("the config loads");
    config.syncs.into_iter().next().expect("one sync")
}

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 12, minute, 0).unwrap()
}

fn jira(n: u32, summary: &str, fields: &[(&str, Value)]) -> Item {
    let key = format!("PROJ-{n}");
    let mut item = Item {
        id: (10_000 + n).to_string(),
        url: format!("https://acme.atlassian.net/browse/{key}"),
        key,
        updated_at: at(1),
        fields: Default::default(),
    };
    item.fields
        .insert("summary".into(), Value::Text(summary.into()));
    for (k, v) in fields {
        item.fields.insert(k.to_string(), v.clone());
    }
    item
}

fn github(n: u32, title: &str, fields: &[(&str, Value)]) -> Item {
    let mut item = Item {
        id: n.to_string(),
        key: format!("#{n}"),
        url: format!("https://github.com/acme/widgets/issues/{n}"),
        updated_at: at(2),
        fields: Default::default(),
    };
    item.fields
        .insert("title".into(), Value::Text(title.into()));
    for (k, v) in fields {
        item.fields.insert(k.to_string(), v.clone());
    }
    item
}

fn run(sync: &SyncConfig, source: Vec<Item>, target: Vec<Item>) -> MatchPlan {
    let converter = PipelineConverter::new(sync, &NoCustomTransforms);
    match_items(sync, source, target, &converter)
}

fn pairs(plan: &MatchPlan) -> Vec<(String, String, String)> {
    let mut pairs: Vec<_> = plan
        .pairs
        .iter()
        .map(|p| (p.source.key.clone(), p.target.key.clone(), p.rule.clone()))
        .collect();
    pairs.sort();
    pairs
}

fn unmatched(plan: &MatchPlan) -> Vec<String> {
    let mut keys: Vec<String> = plan.unmatched.iter().map(|(_, i)| i.key.clone()).collect();
    keys.sort();
    keys
}

fn labels(labels: &[&str]) -> Value {
    Value::TextList(labels.iter().map(|l| l.to_string()).collect())
}

#[test]
fn equal_titles_pair_items_whatever_their_case_and_spacing() {
    let sync = sync_with("    - fields: [summary]", "source");
    let plan = run(
        &sync,
        vec![jira(1, "Fix the  Login page", &[]), jira(2, "Other", &[])],
        vec![
            github(5, "fix the login PAGE ", &[]),
            github(6, "Else", &[]),
        ],
    );
    assert_eq!(
        pairs(&plan),
        vec![("PROJ-1".into(), "#5".into(), "fields summary".into())]
    );
    assert_eq!(unmatched(&plan), vec!["#6", "PROJ-2"]);
    assert!(plan.ambiguities.is_empty());
}

#[test]
fn a_second_field_must_agree_too_and_is_compared_in_target_terms() {
    let sync = sync_with("    - fields: [summary, status]", "source");
    let done = [("status", Value::Text("Done".into()))];
    let closed = [("state", Value::Text("closed".into()))];
    let open = [("state", Value::Text("open".into()))];
    let plan = run(
        &sync,
        vec![jira(1, "Same", &done), jira(2, "Twin", &done)],
        vec![github(5, "Same", &closed), github(6, "Twin", &open)],
    );
    assert_eq!(
        pairs(&plan),
        vec![(
            "PROJ-1".into(),
            "#5".into(),
            "fields summary + status".into()
        )]
    );
    assert_eq!(unmatched(&plan), vec!["#6", "PROJ-2"]);
}

#[test]
fn cross_references_pair_items_in_either_direction_and_either_form() {
    let sync = sync_with("    - cross_reference", "source");
    let plan = run(
        &sync,
        vec![
            jira(
                1,
                "A",
                &[(
                    "description",
                    Value::Text("Mirrors https://github.com/acme/widgets/issues/5".into()),
                )],
            ),
            jira(
                2,
                "B",
                &[("description", Value::Text("see acme/widgets#6".into()))],
            ),
            jira(3, "C", &[]),
        ],
        vec![
            github(5, "A", &[]),
            github(6, "B", &[]),
            github(7, "[PROJ-3] C", &[]),
        ],
    );
    assert_eq!(
        pairs(&plan),
        vec![
            ("PROJ-1".into(), "#5".into(), "cross_reference".into()),
            ("PROJ-2".into(), "#6".into(), "cross_reference".into()),
            ("PROJ-3".into(), "#7".into(), "cross_reference".into()),
        ]
    );
}

#[test]
fn a_key_label_on_both_sides_pairs_items_and_other_labels_do_not() {
    let sync = sync_with(
        "    - key_field: { source: labels, target: labels, prefix: \"legacy-\" }",
        "source",
    );
    let plan = run(
        &sync,
        vec![
            jira(1, "A", &[("labels", labels(&["bug", "legacy-17"]))]),
            jira(2, "B", &[("labels", labels(&["bug"]))]),
        ],
        vec![
            github(5, "X", &[("labels", labels(&["Legacy-17"]))]),
            github(6, "Y", &[("labels", labels(&["bug"]))]),
        ],
    );
    assert_eq!(pairs(&plan).len(), 1);
    assert_eq!(pairs(&plan)[0].0, "PROJ-1");
    assert_eq!(pairs(&plan)[0].1, "#5");
    assert_eq!(unmatched(&plan), vec!["#6", "PROJ-2"]);
}

#[test]
fn one_item_fitting_several_is_reported_and_neither_linked_nor_created() {
    let sync = sync_with("    - fields: [summary]", "source");
    let plan = run(
        &sync,
        vec![
            jira(1, "Dup", &[]),
            jira(2, "dup", &[]),
            jira(3, "Solo", &[]),
        ],
        vec![github(5, "Dup", &[]), github(6, "Solo", &[])],
    );
    assert_eq!(pairs(&plan).len(), 1);
    assert_eq!(plan.ambiguities.len(), 1);
    let a = &plan.ambiguities[0];
    assert_eq!(a.sources.len(), 2);
    assert_eq!(a.targets.len(), 1);
    assert_eq!(a.describe(), "PROJ-1, PROJ-2 ↔ #5 (fields summary)");
    assert!(unmatched(&plan).is_empty(), "{:?}", unmatched(&plan));
}

#[test]
fn a_stricter_rule_listed_first_settles_what_equal_titles_cannot() {
    let source = || vec![jira(1, "Dup", &[]), jira(2, "Dup", &[])];
    let target_titled = || vec![github(5, "Dup", &[("body", Value::Text("PROJ-2".into()))])];

    // Cross-references first: #5 names PROJ-2; PROJ-1 then matches nothing and is created.
    let sync = sync_with("    - cross_reference\n    - fields: [summary]", "source");
    let plan = run(&sync, source(), target_titled());
    assert_eq!(pairs(&plan)[0].0, "PROJ-2");
    assert!(plan.ambiguities.is_empty());
    assert_eq!(unmatched(&plan), vec!["PROJ-1"]);

    // Titles first: they are ambiguous; the cross-reference still pairs PROJ-2, and
    // PROJ-1, once ambiguous, is left for a person rather than created.
    let sync = sync_with("    - fields: [summary]\n    - cross_reference", "source");
    let plan = run(&sync, source(), target_titled());
    assert_eq!(pairs(&plan)[0].0, "PROJ-2");
    assert_eq!(plan.ambiguities.len(), 1);
    assert!(unmatched(&plan).is_empty());
}

#[test]
fn empty_titles_never_match() {
    let sync = sync_with("    - fields: [summary]", "source");
    let plan = run(&sync, vec![jira(1, "  ", &[])], vec![github(5, "", &[])]);
    assert!(plan.pairs.is_empty());
    assert_eq!(unmatched(&plan).len(), 2);
}

/// The plan for one matched pair, as the engine makes it.
fn plan_pair(
    sync: &SyncConfig,
    winner: InitialWinner,
    s: Item,
    t: Item,
) -> pmsync_core::plan::Plan {
    let link = initial_link(sync, winner, &s, &t);
    let candidates = vec![Candidate::Linked {
        link,
        source: Some(s),
        target: Some(t),
    }];
    let converter = PipelineConverter::new(sync, &NoCustomTransforms);
    planner::plan(sync, &candidates, &converter, &NoCustomResolvers)
}

#[test]
fn the_winner_overwrites_only_the_fields_that_differ() {
    let sync = sync_with("    - fields: [summary]", "source");
    let s = jira(1, "Same", &[("status", Value::Text("Done".into()))]);
    let t = github(5, "Same", &[("state", Value::Text("open".into()))]);
    let plan = plan_pair(&sync, InitialWinner::Source, s.clone(), t.clone());
    let update = &plan.updates[0];
    assert_eq!(update.to_target.len(), 1, "{update:?}");
    assert_eq!(update.to_target[0].field, "state");
    assert_eq!(update.to_target[0].new, Value::Text("closed".into()));
    assert!(update.to_source.is_empty());

    let plan = plan_pair(&sync, InitialWinner::Target, s.clone(), t.clone());
    let update = &plan.updates[0];
    assert!(update.to_target.is_empty());
    assert_eq!(update.to_source.len(), 1);
    assert_eq!(update.to_source[0].field, "status");

    // Newer: the GitHub issue was edited last (minute 2 against 1).
    let plan = plan_pair(&sync, InitialWinner::Newer, s, t);
    assert_eq!(plan.updates[0].to_source.len(), 1);
}

#[test]
fn winner_none_leaves_every_difference_to_a_person_whatever_the_strategy() {
    let sync = sync_with("    - fields: [summary]", "none");
    let s = jira(1, "Same", &[("status", Value::Text("Done".into()))]);
    let t = github(5, "Same", &[("state", Value::Text("open".into()))]);
    let plan = plan_pair(&sync, InitialWinner::None, s, t);
    let update = &plan.updates[0];
    assert!(!update.has_writes(), "{update:?}");
    assert_eq!(update.conflicts.len(), 1);
    assert_eq!(update.conflicts[0].source_field, "status");
    assert!(matches!(
        update.conflicts[0].outcome,
        ConflictOutcome::Manual(_)
    ));
    // The agreeing title settles; the status stays held until a person decides.
    assert!(update.new_base.source.contains_key("summary"));
    assert!(!update.new_base.held.contains("summary"));
    assert!(update.new_base.held.contains("status"));
}

#[test]
fn matching_never_depends_on_the_order_items_are_listed() {
    let sync = sync_with("    - cross_reference\n    - fields: [summary]", "source");
    let source: Vec<Item> = (1..=30)
        .map(|n| jira(n, &format!("Title {}", n % 7), &[]))
        .collect();
    let target: Vec<Item> = (1..=30)
        .map(|n| github(n, &format!("title {} PROJ-{}", n % 5, n * 2), &[]))
        .collect();
    let forward = run(&sync, source.clone(), target.clone());
    let mut rs = source;
    let mut rt = target;
    rs.reverse();
    rt.reverse();
    let backward = run(&sync, rs, rt);
    assert_eq!(pairs(&forward), pairs(&backward));
    assert_eq!(unmatched(&forward), unmatched(&backward));
    let side_count = |p: &MatchPlan, side| p.unmatched.iter().filter(|(s, _)| *s == side).count();
    assert_eq!(
        side_count(&forward, Side::Source),
        side_count(&backward, Side::Source)
    );
}

#[test]
fn a_repository_issue_and_its_own_board_item_are_the_same_item() {
    let sync = sync_with("    - same_item", "source");
    let board_item = |n: u32| Item {
        id: format!("PVTI_{n}"),
        key: format!("acme/widgets#{n}"),
        url: format!("https://github.com/acme/widgets/issues/{n}"),
        updated_at: at(3),
        fields: Default::default(),
    };
    let mut issue = github(7, "Seven", &[]);
    // The repository is the source side here.
    issue
        .fields
        .insert("summary".into(), Value::Text("Seven".into()));
    let plan = run(
        &sync,
        vec![issue, github(8, "Eight", &[])],
        vec![board_item(7), board_item(9)],
    );
    assert_eq!(
        pairs(&plan),
        vec![("#7".into(), "acme/widgets#7".into(), "same_item".into())]
    );
    assert_eq!(unmatched(&plan), vec!["#8", "acme/widgets#9"]);
}

fn created(day: u32) -> Value {
    Value::DateTime(Utc.with_ymd_and_hms(2024, 5, day, 9, 0, 0).unwrap())
}

#[test]
fn a_date_window_pairs_a_recurring_title_with_the_item_made_the_same_day() {
    let sync = sync_with(
        "    - fields: [summary]\n      date_window: { source: created, target: created_at, days: 1 }",
        "source",
    );
    // "Weekly report" every week on both sides: without the window all six are one ambiguous
    // group; with it, each pairs with its own week's item.
    let source = (0..3)
        .map(|w| jira(w + 1, "Weekly report", &[("created", created(1 + 7 * w))]))
        .collect();
    let target = (0..3)
        .map(|w| {
            github(
                w + 10,
                "weekly report",
                &[(
                    "created_at",
                    Value::Text(format!("2024-05-{:02}T17:30:00Z", 1 + 7 * w)),
                )],
            )
        })
        .collect();
    let plan = run(&sync, source, target);
    let rule = "fields summary within 1 days (created ~ created_at)".to_string();
    assert_eq!(
        pairs(&plan),
        vec![
            ("PROJ-1".into(), "#10".into(), rule.clone()),
            ("PROJ-2".into(), "#11".into(), rule.clone()),
            ("PROJ-3".into(), "#12".into(), rule),
        ]
    );
    assert!(plan.ambiguities.is_empty());
}

#[test]
fn equal_titles_outside_the_date_window_are_not_paired_and_an_item_without_the_date_neither() {
    let sync = sync_with(
        "    - fields: [summary]\n      date_window: { source: created, target: created_at, days: 2 }",
        "source",
    );
    let plan = run(
        &sync,
        vec![
            jira(1, "Upgrade the database", &[("created", created(1))]),
            jira(2, "Rotate keys", &[]),
        ],
        vec![
            github(5, "Upgrade the database", &[("created_at", created(20))]),
            github(6, "Rotate keys", &[("created_at", created(1))]),
        ],
    );
    assert!(pairs(&plan).is_empty(), "{:?}", pairs(&plan));
    assert_eq!(unmatched(&plan), vec!["#5", "#6", "PROJ-1", "PROJ-2"]);
}

#[test]
fn a_date_window_without_fields_or_beside_another_rule_is_refused_where_it_is_written() {
    for (rules, expected) in [
        (
            "    - date_window: { source: created, target: created_at, days: 2 }",
            "belongs to a `fields` rule",
        ),
        (
            "    - key_field: { source: labels, target: labels }\n      date_window: { source: a, target: b, days: 1 }",
            "second key",
        ),
        (
            "    - fields: [summary]\n      date_window: { source: created, target: created_at }",
            "days",
        ),
    ] {
        let text = format!(
            "name: adopt\nsource_platform: jira\ntarget_platform: github\nfield_mappings:\n  - {{ source_field: summary, target_field: title }}\nlink_existing:\n  mode: match_then_create\n  initial_winner: source\n  match:\n{rules}\n"
        );
        let error = load_str(&text, "adopt.yaml").expect_err(rules).to_string();
        assert!(error.contains(expected), "{rules}: {error}");
        assert!(error.contains("adopt.yaml:"), "{error}");
    }
}
