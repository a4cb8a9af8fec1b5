//! `examples/github_to_linear.yaml`: open GitHub issues labelled `linear` ↔ Linear issues
//! labelled `linear`; descriptions flow one way, titles, states and labels both ways.

use super::harness::*;
use super::platforms::*;

const SYNC: &str = "github-linear-sync";

/// Labels the GitHub issues and Linear issues `linear`, as a team opting items in.
pub fn opt_in(w: &World, github: &[u64], linear: &[&str]) {
    for n in github {
        assert!(
            w.sandbox
                .github()
                .edit(*n, |i| i.labels.push("linear".into()))
        );
    }
    let label = w
        .sandbox
        .linear()
        .label_id("linear")
        .expect("the workspace has `linear`");
    for id in linear {
        assert!(
            w.sandbox
                .linear()
                .edit(id, |i| i.label_ids.push(label.clone()))
        );
    }
}

fn sorted_lowercase(labels: &[String]) -> Vec<String> {
    let mut out: Vec<String> = labels.iter().map(|l| l.to_lowercase()).collect();
    out.sort();
    out
}

#[test]
fn github_to_linear_creates_partners_of_open_labelled_issues_and_flows_edits_both_ways() {
    let mut w = World::start("github_to_linear.yaml", |_| {});
    let closed = github_issues(&w.sandbox)
        .into_iter()
        .find(|i| i.state == "closed")
        .expect("the seed has a closed issue");
    let open: Vec<u64> = github_issues(&w.sandbox)
        .into_iter()
        .filter(|i| i.state == "open")
        .map(|i| i.number)
        .take(3)
        .collect();
    assert_eq!(open.len(), 3);
    let mut labelled = open.clone();
    labelled.push(closed.number);
    opt_in(&w, &labelled, &["ENG-4"]);
    let github_before = github_issues(&w.sandbox).len();
    let linear_before = linear_issues(&w.sandbox).len();

    let first = w.run(SYNC);
    assert_no_failures(&first);
    // The closed issue is outside the example's `github_query: "is:issue is:open"`.
    assert_eq!(first.counts.created, 4, "{}", first.summary());
    assert_eq!(linear_issues(&w.sandbox).len(), linear_before + 3);
    assert_eq!(github_issues(&w.sandbox).len(), github_before + 1);
    let links = w.store.links(SYNC).expect("links");
    assert_eq!(links.len(), 4);
    assert!(
        !links
            .iter()
            .any(|l| l.source_id == closed.number.to_string())
    );
    for n in &open {
        let gh = w.sandbox.github().issue(*n).expect("seeded");
        let link = links
            .iter()
            .find(|l| l.source_id == n.to_string())
            .expect("linked");
        let linear = linear_issue(&w.sandbox, &link.target_key).expect("created");
        assert_eq!(linear.title, gh.title, "#{n}");
        assert_eq!(linear.state, "Todo", "#{n} is open");
        // The label map renames bug → Bug, ...; Linear matches label names without case.
        assert_eq!(
            sorted_lowercase(&linear.labels),
            sorted_lowercase(&gh.labels),
            "#{n}"
        );
        let stored = w.sandbox.linear().issue(&link.target_key).expect("created");
        assert_eq!(
            stored.description, gh.body,
            "#{n}: the body becomes the description"
        );
    }
    let eng4 = linear_issue(&w.sandbox, "ENG-4").expect("seeded");
    let link = links
        .iter()
        .find(|l| l.target_key == "ENG-4")
        .expect("linked");
    let number: u64 = link.source_id.parse().expect("a number");
    let gh = w.sandbox.github().issue(number).expect("created");
    assert_eq!(gh.title, eng4.title);
    let state = if matches!(eng4.state.as_str(), "Done" | "Canceled") {
        "closed"
    } else {
        "open"
    };
    assert_eq!(gh.state, state, "ENG-4 is {}", eng4.state);
    assert_eq!(sorted_lowercase(&gh.labels), sorted_lowercase(&eng4.labels));

    // A GitHub title edit reaches Linear; a Linear issue moved to Done closes its GitHub issue.
    let edited = open[0];
    assert!(
        w.sandbox
            .github()
            .edit(edited, |i| i.title = "Edited on GitHub".into())
    );
    let done = w.sandbox.linear().state_id("Done").expect("a Done state");
    let moved = links
        .iter()
        .find(|l| l.source_id == open[1].to_string())
        .expect("linked");
    assert!(
        w.sandbox
            .linear()
            .edit(&moved.target_key, |i| i.state_id = done.clone())
    );
    let second = w.run(SYNC);
    assert_no_failures(&second);
    assert_eq!(second.counts.updated, 2, "{}", second.summary());
    let target = links
        .iter()
        .find(|l| l.source_id == edited.to_string())
        .expect("linked");
    assert_eq!(
        linear_issue(&w.sandbox, &target.target_key)
            .expect("exists")
            .title,
        "Edited on GitHub"
    );
    assert_eq!(
        w.sandbox.github().issue(open[1]).expect("exists").state,
        "closed"
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

#[test]
fn a_linear_attachment_linking_a_github_issue_pairs_the_two_instead_of_creating_copies() {
    let mut w = World::start("github_to_linear.yaml", |config| {
        config.syncs[0].link_existing = pmsync_core::config::LinkExisting {
            mode: pmsync_core::config::LinkMode::MatchThenCreate,
            rules: vec![pmsync_core::config::MatchRule::CrossReference],
            initial_winner: Some(pmsync_core::config::InitialWinner::Source),
        };
    });
    let open: Vec<u64> = github_issues(&w.sandbox)
        .into_iter()
        .filter(|i| i.state == "open")
        .map(|i| i.number)
        .take(2)
        .collect();
    opt_in(&w, &open, &["ENG-4"]);
    // The Linear issue's GitHub integration attached the first open issue; titles differ.
    let attached = open[0];
    assert!(w.sandbox.linear().edit("ENG-4", |issue| {
        issue.title = "Worded differently in Linear".into();
        issue.attachments.push(pmsync_sandbox::LinearAttachment {
            title: format!("acme/widgets#{attached}"),
            url: format!("https://github.com/acme/widgets/issues/{attached}"),
        });
    }));
    let linear_before = linear_issues(&w.sandbox).len();

    let first = w.run(SYNC);
    assert_no_failures(&first);
    assert_eq!(first.counts.matched, 1, "{}", first.summary());
    assert_eq!(
        first.counts.created, 1,
        "only the unattached issue gets a partner"
    );
    assert_eq!(linear_issues(&w.sandbox).len(), linear_before + 1);
    let links = w.store.links(SYNC).expect("links");
    let pair = links
        .iter()
        .find(|l| l.target_key == "ENG-4")
        .expect("ENG-4 is linked");
    assert_eq!(pair.source_key, format!("#{attached}"));
    // The source won the initial base: Linear now has the GitHub title.
    let title = w.sandbox.github().issue(attached).expect("seeded").title;
    assert_eq!(
        linear_issue(&w.sandbox, "ENG-4").expect("kept").title,
        title
    );
}
