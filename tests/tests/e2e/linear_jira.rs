//! `examples/linear_to_jira.yaml`: Linear ENG issues ↔ Jira PROJ issues, both labelled `sync`.

use super::harness::*;
use super::platforms::*;

const SYNC: &str = "linear-jira-sync";

/// The example's `priority` value map: Linear priority → Jira priority name.
fn jira_priority(linear: u8) -> &'static str {
    match linear {
        1 => "Highest",
        2 => "High",
        3 => "Medium",
        4 => "Low",
        _ => "Lowest",
    }
}

/// The example's `state` value map, forward.
fn jira_status(linear: &str) -> &'static str {
    match linear {
        "Backlog" | "Todo" => "To Do",
        "In Progress" => "In Progress",
        _ => "Done",
    }
}

/// Puts the `sync` label on Linear issues and Jira issues, as a team opting items in.
fn opt_in(w: &World, linear: &[&str], jira: &[&str]) {
    let sync = w
        .sandbox
        .linear()
        .label_id("sync")
        .expect("the workspace has `sync`");
    for id in linear {
        assert!(
            w.sandbox
                .linear()
                .edit(id, |i| i.label_ids.push(sync.clone()))
        );
    }
    for key in jira {
        assert!(w.sandbox.jira().edit(key, |f| {
            if let Some(serde_json::Value::Array(labels)) = f.get_mut("labels") {
                labels.push("sync".into());
            }
        }));
    }
}

#[test]
fn linear_to_jira_creates_partners_of_items_labelled_sync_with_mapped_priorities() {
    let mut w = World::start("linear_to_jira.yaml", |_| {});
    opt_in(
        &w,
        &["ENG-1", "ENG-2", "ENG-3", "ENG-5"],
        &["PROJ-2", "PROJ-5"],
    );
    let linear_before = linear_issues(&w.sandbox);
    let jira_before = jira_project(&w.sandbox, "PROJ");
    let urgent = linear_issue(&w.sandbox, "ENG-2").expect("seeded");
    assert_eq!(urgent.priority, 1, "the seed's ENG-2 is urgent");

    let first = w.run(SYNC);
    // Urgent maps to Jira's "Highest" priority.
    assert_no_failures(&first);
    assert_eq!(first.counts.created, 6, "{}", first.summary());
    assert_eq!(
        jira_project(&w.sandbox, "PROJ").len(),
        jira_before.len() + 4
    );
    assert_eq!(linear_issues(&w.sandbox).len(), linear_before.len() + 2);

    let links = w.store.links(SYNC).expect("links");
    assert_eq!(links.len(), 6);
    for id in ["ENG-1", "ENG-2", "ENG-3", "ENG-5"] {
        let linear = linear_issue(&w.sandbox, id).expect("seeded");
        let link = links.iter().find(|l| l.source_key == id).expect("linked");
        let jira = jira_issue(&w.sandbox, &link.target_key).expect("created");
        assert_eq!(jira.summary, linear.title, "{id}");
        assert_eq!(
            jira.status,
            jira_status(&linear.state),
            "{id} ({})",
            linear.state
        );
        assert_eq!(jira.priority, jira_priority(linear.priority), "{id}");
        assert!(
            jira.labels.contains(&"sync".to_string()),
            "{id}: {:?}",
            jira.labels
        );
        assert_eq!(jira.story_points, linear.estimate, "{id}");
    }
    for key in ["PROJ-2", "PROJ-5"] {
        let jira = jira_issue(&w.sandbox, key).expect("seeded");
        let link = links.iter().find(|l| l.target_key == key).expect("linked");
        let linear = linear_issue(&w.sandbox, &link.source_key).expect("created");
        assert_eq!(linear.title, jira.summary, "{key}");
        assert_eq!(
            jira_status(&linear.state),
            jira.status,
            "{key} → {}",
            linear.state
        );
        assert_eq!(jira_priority(linear.priority), jira.priority, "{key}");
        assert!(
            linear.labels.contains(&"sync".to_string()),
            "{key}: {:?}",
            linear.labels
        );
    }

    // Edits on both sides flow across.
    let eng1 = links
        .iter()
        .find(|l| l.source_key == "ENG-1")
        .expect("linked");
    assert!(w.sandbox.linear().edit("ENG-1", |i| i.title =
        "Onboarding checklist (edited in Linear)".into()));
    assert!(w.sandbox.jira().edit("PROJ-2", |f| {
        f.insert("summary".into(), "CSV export (edited in Jira)".into());
    }));
    let second = w.run(SYNC);
    assert_eq!(second.counts.updated, 2, "{}", second.summary());
    assert_no_failures(&second);
    let proj = jira_issue(&w.sandbox, &eng1.target_key).expect("exists");
    assert_eq!(proj.summary, "Onboarding checklist (edited in Linear)");
    let back = links
        .iter()
        .find(|l| l.target_key == "PROJ-2")
        .expect("linked");
    let eng = linear_issue(&w.sandbox, &back.source_key).expect("exists");
    assert_eq!(eng.title, "CSV export (edited in Jira)");

    // Nothing changed since: no writes.
    let writes_before = w.platform_writes();
    let third = w.run(SYNC);
    assert_eq!(third.counts.writes, 0, "{}", third.summary());
    assert_no_failures(&third);
    assert_eq!(
        w.platform_writes(),
        writes_before,
        "the platforms received writes"
    );
    assert_eq!(
        jira_project(&w.sandbox, "PROJ").len(),
        jira_before.len() + 4
    );
}
