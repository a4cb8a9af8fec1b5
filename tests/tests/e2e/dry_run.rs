//! A dry run through the real connectors: the plan, and nothing written anywhere.

use super::harness::*;
use pmsync_core::Side;
use pmsync_host::engine::render_plan;

const SYNC: &str = "jira-github-sync";

#[test]
fn dry_run_lists_the_creates_and_writes_nothing_to_platforms_or_store() {
    let mut w = World::start("jira_to_github.yaml", |_| {});
    let store_before = w.store.row_counts().expect("row counts");
    let report = w.dry_run(SYNC);
    assert!(report.dry_run);
    assert_no_failures(&report);
    assert_eq!(w.platform_writes(), 0, "a dry run wrote to a platform");
    assert_eq!(
        w.store.row_counts().expect("row counts"),
        store_before,
        "a dry run changed the store"
    );
    assert!(w.store.links(SYNC).expect("links").is_empty());

    let plan = report.plan.as_ref().expect("a dry run returns its plan");
    let to_github = plan
        .creates
        .iter()
        .filter(|c| c.from == Side::Source)
        .count();
    let to_jira = plan
        .creates
        .iter()
        .filter(|c| c.from == Side::Target)
        .count();
    assert!(to_github > 0 && to_jira > 0, "{}", render_plan(plan));
    let text = render_plan(plan);
    for create in &plan.creates {
        assert!(
            text.contains(&create.item.key),
            "{} missing from:\n{text}",
            create.item.key
        );
    }

    // The real run then does exactly what the plan said.
    let real = w.run(SYNC);
    assert_no_failures(&real);
    assert_eq!(real.counts.created, plan.creates.len());
}
