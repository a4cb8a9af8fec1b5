//! The sync engine end to end over in-memory platforms: creates, echo suppression, edits
//! in both directions, conflicts, retries, failures, dry runs, audit, watermarks, deletes
//! and multi-hop chains.

use pmsync_core::Value;
use pmsync_core::config::{OnDelete, Strategy, SyncConfig};
use pmsync_core::planner::Converter;
use pmsync_core::plugins::NoCustomResolvers;
use pmsync_host::engine::{
    ItemAction, RunMode, RunOptions, RunReport, Runner, SyncContext, render_plan,
};
use pmsync_host::store::{AuditQuery, AuditStatus, ConflictChoice, Store, StoreError};
use pmsync_host::testing::{
    FailureKind, IdentityConverter, MemoryConnector, Op, RecordingSleeper, UppercaseConverter,
    sync_config, trim_text,
};
use std::time::Duration;

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

struct World {
    jira: MemoryConnector,
    github: MemoryConnector,
    sync: SyncConfig,
    sleeper: RecordingSleeper,
    store: Store,
}

impl World {
    fn new() -> World {
        World {
            jira: MemoryConnector::new("jira", "PROJ"),
            github: MemoryConnector::new("github", "GH"),
            sync: sync_config(
                "jira-github",
                "jira",
                "github",
                &[("summary", "title"), ("status", "state")],
            ),
            sleeper: RecordingSleeper::new(),
            store: Store::in_memory().expect("in-memory store"),
        }
    }

    fn run_with(&mut self, converter: &dyn Converter, options: RunOptions) -> RunReport {
        let ctx = SyncContext {
            sync: &self.sync,
            source: &self.jira,
            target: &self.github,
            converter,
            resolvers: &NoCustomResolvers,
        };
        Runner::new(ctx)
            .with_sleeper(&self.sleeper)
            .run(&mut self.store, &options)
            .expect("run succeeds")
    }

    fn run(&mut self) -> RunReport {
        self.run_with(&IdentityConverter, RunOptions::default())
    }

    fn writes(&self) -> usize {
        self.jira.counts().writes() + self.github.counts().writes()
    }

    fn partner_in_github(&self, jira_id: &str) -> pmsync_core::Item {
        let link = self
            .store
            .link(&self.sync.name, pmsync_core::Side::Source, jira_id)
            .unwrap()
            .expect("linked");
        self.github.item(&link.target_id).expect("partner exists")
    }
}

#[test]
fn initial_sync_creates_items_on_the_other_side_and_links_them() {
    let mut w = World::new();
    let a = w
        .jira
        .insert(&[("summary", text("Login fails")), ("status", text("open"))]);
    let b = w
        .github
        .insert(&[("title", text("Docs typo")), ("state", text("closed"))]);
    let report = w.run();
    assert_eq!(report.counts.created, 2);
    assert_eq!(report.counts.failed, 0);
    assert_eq!(w.jira.len(), 2);
    assert_eq!(w.github.len(), 2);
    let partner = w.partner_in_github(&a.id);
    assert_eq!(partner.field("title"), &text("Login fails"));
    assert_eq!(partner.field("state"), &text("open"));
    assert_eq!(
        w.github.origin_of(&partner.id).as_deref(),
        Some(format!("pmsync:jira-github:source:{}", a.id).as_str())
    );
    let back = w
        .store
        .link(&w.sync.name, pmsync_core::Side::Target, &b.id)
        .unwrap()
        .expect("linked");
    assert_eq!(
        w.jira.item(&back.source_id).unwrap().field("summary"),
        &text("Docs typo")
    );
    assert_eq!(w.store.link_count(&w.sync.name).unwrap(), 2);
}

#[test]
fn a_second_run_without_edits_makes_no_writes() {
    let mut w = World::new();
    w.jira
        .insert(&[("summary", text("One")), ("status", text("open"))]);
    w.github.insert(&[("title", text("Two"))]);
    w.run();
    let before = w.writes();
    let report = w.run();
    assert_eq!(w.writes(), before, "no platform writes on the second run");
    assert_eq!(report.counts.writes, 0);
    assert_eq!(report.counts.created + report.counts.updated, 0);
}

#[test]
fn echo_of_own_write_is_not_a_change_even_when_the_platform_normalises_it() {
    let mut w = World::new();
    w.github.normalise_writes(trim_text);
    let a = w.jira.insert(&[
        ("summary", text("  padded title  ")),
        ("status", text("open")),
    ]);
    w.run();
    assert_eq!(
        w.partner_in_github(&a.id).field("title"),
        &text("padded title")
    );
    let before = w.writes();
    w.run();
    w.run();
    assert_eq!(
        w.writes(),
        before,
        "the trimmed echo must not be written back or again"
    );
    // An edit to the padded field still flows, and its normalised echo is quiet too.
    w.jira.edit(&a.id, "summary", text("  new title "));
    w.run();
    assert_eq!(
        w.partner_in_github(&a.id).field("title"),
        &text("new title")
    );
    let before = w.writes();
    w.run();
    assert_eq!(w.writes(), before);
    assert_eq!(
        w.jira.item(&a.id).unwrap().field("summary"),
        &text("  new title "),
        "the source keeps its own value"
    );
}

#[test]
fn an_edit_on_either_side_flows_to_the_other() {
    let mut w = World::new();
    let a = w
        .jira
        .insert(&[("summary", text("Title")), ("status", text("open"))]);
    w.run();
    let partner = w.partner_in_github(&a.id);

    w.jira.edit(&a.id, "summary", text("Title from Jira"));
    let report = w.run();
    assert_eq!(report.counts.updated, 1);
    assert_eq!(
        w.github.item(&partner.id).unwrap().field("title"),
        &text("Title from Jira")
    );

    w.github.edit(&partner.id, "state", text("closed"));
    let report = w.run();
    assert_eq!(report.counts.updated, 1);
    assert_eq!(w.jira.item(&a.id).unwrap().field("status"), &text("closed"));
    let before = w.writes();
    w.run();
    assert_eq!(w.writes(), before, "converged: nothing more to write");
}

#[test]
fn a_converting_mapping_writes_converted_values_both_ways() {
    let mut w = World::new();
    let upper = UppercaseConverter::on(&[0]);
    let a = w
        .jira
        .insert(&[("summary", text("quiet")), ("status", text("open"))]);
    w.run_with(&upper, RunOptions::default());
    let partner = w.partner_in_github(&a.id);
    assert_eq!(partner.field("title"), &text("QUIET"));
    w.github.edit(&partner.id, "title", text("LOUD"));
    w.run_with(&upper, RunOptions::default());
    assert_eq!(w.jira.item(&a.id).unwrap().field("summary"), &text("loud"));
    let before = w.writes();
    w.run_with(&upper, RunOptions::default());
    assert_eq!(w.writes(), before);
}

#[test]
fn same_field_edits_with_manual_strategy_are_stored_once_while_other_fields_sync() {
    let mut w = World::new();
    w.sync.conflict_strategy = Strategy::Manual;
    let a = w
        .jira
        .insert(&[("summary", text("Base")), ("status", text("open"))]);
    w.run();
    let partner = w.partner_in_github(&a.id);
    w.jira.edit(&a.id, "summary", text("Jira title"));
    w.github.edit(&partner.id, "title", text("GitHub title"));
    w.jira.edit(&a.id, "status", text("in progress"));

    let report = w.run();
    assert_eq!(report.counts.conflicts_manual, 1);
    let gh = w.github.item(&partner.id).unwrap();
    assert_eq!(
        gh.field("state"),
        &text("in progress"),
        "the other field still syncs"
    );
    assert_eq!(
        gh.field("title"),
        &text("GitHub title"),
        "the conflicting field is left alone"
    );
    assert_eq!(
        w.jira.item(&a.id).unwrap().field("summary"),
        &text("Jira title")
    );

    // Full runs see the conflict again; it is stored once, audited once.
    w.run_with(
        &IdentityConverter,
        RunOptions {
            mode: RunMode::Full,
            ..RunOptions::default()
        },
    );
    w.run_with(
        &IdentityConverter,
        RunOptions {
            mode: RunMode::Full,
            ..RunOptions::default()
        },
    );
    let open = w.store.open_conflicts(Some(&w.sync.name)).unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].conflict.source_field, "summary");
    assert_eq!(open[0].conflict.source_value, text("Jira title"));
    assert_eq!(open[0].conflict.target_value, text("GitHub title"));
    let audited = w
        .store
        .audit(&AuditQuery {
            key: Some(a.key.clone()),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(
        audited
            .iter()
            .filter(|e| e.status == AuditStatus::Conflict)
            .count(),
        1
    );
}

#[test]
fn a_resolved_conflict_is_applied_on_the_next_run() {
    let mut w = World::new();
    w.sync.conflict_strategy = Strategy::Manual;
    let a = w
        .jira
        .insert(&[("summary", text("Base")), ("status", text("open"))]);
    w.run();
    let partner = w.partner_in_github(&a.id);
    w.jira.edit(&a.id, "summary", text("Jira title"));
    w.github.edit(&partner.id, "title", text("GitHub title"));
    w.run();
    let conflict = w
        .store
        .open_conflicts(None)
        .unwrap()
        .pop()
        .expect("a pending conflict");

    w.store
        .resolve_conflict(conflict.id, &ConflictChoice::Target)
        .unwrap();
    let report = w.run();
    assert_eq!(report.counts.resolved, 1);
    assert_eq!(
        w.jira.item(&a.id).unwrap().field("summary"),
        &text("GitHub title")
    );
    assert!(w.store.open_conflicts(None).unwrap().is_empty());
    assert!(w.store.resolved_unapplied(&w.sync.name).unwrap().is_empty());

    let before = w.writes();
    let report = w.run_with(
        &IdentityConverter,
        RunOptions {
            mode: RunMode::Full,
            ..RunOptions::default()
        },
    );
    assert_eq!(
        w.writes(),
        before,
        "after the resolution both sides agree with the base"
    );
    assert_eq!(report.counts.conflicts_manual, 0);
}

#[test]
fn a_conflict_resolved_with_a_given_value_writes_it_to_both_sides() {
    let mut w = World::new();
    w.sync.conflict_strategy = Strategy::Manual;
    let a = w
        .jira
        .insert(&[("summary", text("Base")), ("status", text("open"))]);
    w.run();
    let partner = w.partner_in_github(&a.id);
    w.jira.edit(&a.id, "summary", text("left"));
    w.github.edit(&partner.id, "title", text("right"));
    w.run();
    let conflict = w
        .store
        .open_conflicts(None)
        .unwrap()
        .pop()
        .expect("a pending conflict");
    w.store
        .resolve_conflict(conflict.id, &ConflictChoice::Value(text("agreed")))
        .unwrap();
    let ctx = SyncContext {
        sync: &w.sync,
        source: &w.jira,
        target: &w.github,
        converter: &IdentityConverter,
        resolvers: &NoCustomResolvers,
    };
    let report = Runner::new(ctx).apply_resolutions(&mut w.store).unwrap();
    assert_eq!(report.counts.resolved, 1);
    assert_eq!(
        w.jira.item(&a.id).unwrap().field("summary"),
        &text("agreed")
    );
    assert_eq!(
        w.github.item(&partner.id).unwrap().field("title"),
        &text("agreed")
    );
    let before = w.writes();
    w.run_with(
        &IdentityConverter,
        RunOptions {
            mode: RunMode::Full,
            ..RunOptions::default()
        },
    );
    assert_eq!(w.writes(), before);
}

#[test]
fn transient_errors_are_retried_with_backoff_and_succeed() {
    let mut w = World::new();
    w.sync.retry_delay = 2.0;
    w.github.fail_next(Op::Create, 2, FailureKind::Transient);
    let a = w
        .jira
        .insert(&[("summary", text("Flaky")), ("status", text("open"))]);
    let report = w.run();
    assert_eq!(report.counts.created, 1);
    assert_eq!(report.counts.failed, 0);
    assert_eq!(report.counts.retries, 2);
    assert_eq!(w.github.len(), 1, "no duplicate from the retries");
    assert_eq!(w.partner_in_github(&a.id).field("title"), &text("Flaky"));
    let delays = w.sleeper.delays();
    assert_eq!(delays.len(), 2);
    assert!(
        delays[0] >= Duration::from_secs(2) && delays[0] < Duration::from_millis(2300),
        "{delays:?}"
    );
    assert!(
        delays[1] >= Duration::from_secs(4) && delays[1] < Duration::from_millis(4500),
        "{delays:?}"
    );
    assert!(w.store.failed_items(None).unwrap().is_empty());
}

#[test]
fn a_create_whose_answer_was_lost_is_found_by_origin_instead_of_created_twice() {
    let mut w = World::new();
    w.github.fail_next(Op::Create, 1, FailureKind::LostResponse);
    let a = w
        .jira
        .insert(&[("summary", text("Timed out")), ("status", text("open"))]);
    let report = w.run();
    assert_eq!(report.counts.created, 1);
    assert_eq!(
        w.github.len(),
        1,
        "the retry found the created item by its origin marker"
    );
    assert_eq!(
        w.partner_in_github(&a.id).field("title"),
        &text("Timed out")
    );
}

#[test]
fn a_permanent_error_is_not_retried_and_the_item_is_retried_next_run() {
    let mut w = World::new();
    let a = w
        .jira
        .insert(&[("summary", text("Title")), ("status", text("open"))]);
    w.run();
    let partner = w.partner_in_github(&a.id);
    w.jira.edit(&a.id, "summary", text("Way too long title"));
    w.github.fail_next(Op::Update, 1, FailureKind::InvalidInput);
    let updates_before = w.github.counts().update;
    let report = w.run();
    assert_eq!(report.counts.failed, 1);
    assert_eq!(report.counts.retries, 0);
    assert_eq!(
        w.github.counts().update,
        updates_before + 1,
        "exactly one call: never retried"
    );
    assert!(w.sleeper.delays().is_empty());
    let failed = w.store.failed_items(Some(&w.sync.name)).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].key, partner.key);
    assert_eq!(failed[0].attempts, 1);
    assert!(
        failed[0].error.contains("invalid input"),
        "{}",
        failed[0].error
    );
    assert!(report.items.iter().any(|i| i.action == ItemAction::Failed));

    // The error is gone; the next run retries the item even though nothing changed since.
    w.jira.advance_clock(Duration::from_secs(3600));
    w.github.advance_clock(Duration::from_secs(3600));
    let report = w.run();
    assert_eq!(report.counts.updated, 1);
    assert_eq!(
        w.github.item(&partner.id).unwrap().field("title"),
        &text("Way too long title")
    );
    assert!(
        w.store.failed_items(None).unwrap().is_empty(),
        "a success clears the failure"
    );
}

#[test]
fn retries_give_up_after_max_retries_and_the_item_is_kept_as_failed() {
    let mut w = World::new();
    w.sync.max_retries = 2;
    w.github.fail_next(Op::Create, 3, FailureKind::Transient);
    w.jira
        .insert(&[("summary", text("Down")), ("status", text("open"))]);
    let report = w.run();
    assert_eq!(report.counts.failed, 1);
    assert_eq!(report.counts.retries, 2);
    let failed = w.store.failed_items(None).unwrap();
    assert_eq!(failed[0].attempts, 3);
    assert!(failed[0].retryable);
    let report = w.run();
    assert_eq!(report.counts.created, 1);
    assert_eq!(w.github.len(), 1);
    assert!(w.store.failed_items(None).unwrap().is_empty());
}

#[test]
fn rate_limit_retry_after_is_honoured() {
    let mut w = World::new();
    w.sync.retry_delay = 1.0;
    w.github.fail_next(
        Op::Create,
        1,
        FailureKind::RateLimited(Duration::from_secs(42)),
    );
    w.jira
        .insert(&[("summary", text("Limited")), ("status", text("open"))]);
    let report = w.run();
    assert_eq!(report.counts.created, 1);
    assert_eq!(w.sleeper.delays(), vec![Duration::from_secs(42)]);
}

fn file_digest(path: &std::path::Path) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).expect("state file readable")).to_vec()
}

#[test]
fn dry_run_writes_nothing_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let mut w = World::new();
    w.store = Store::open(&path).unwrap();
    let a = w
        .jira
        .insert(&[("summary", text("Existing")), ("status", text("open"))]);
    w.run();
    let partner = w.partner_in_github(&a.id);
    w.jira.edit(&a.id, "summary", text("Edited"));
    w.jira
        .insert(&[("summary", text("New")), ("status", text("open"))]);
    w.jira.reset_counts();
    w.github.reset_counts();
    let counts_before = w.store.row_counts().unwrap();
    let watermark_before = w
        .store
        .watermark(&w.sync.name, pmsync_core::Side::Source)
        .unwrap();
    drop(std::mem::replace(&mut w.store, Store::in_memory().unwrap()));
    let digest_before = file_digest(&path);

    w.store = Store::open(&path).unwrap();
    let report = w.run_with(
        &IdentityConverter,
        RunOptions {
            dry_run: true,
            ..RunOptions::default()
        },
    );
    assert!(report.dry_run);
    assert_eq!(report.counts.created, 1);
    assert_eq!(report.counts.updated, 1);
    let plan = report.plan.as_ref().expect("a dry run returns the plan");
    let shown = render_plan(plan);
    assert!(shown.contains("create PROJ-"), "{shown}");
    assert!(
        shown.contains("target title: \"Existing\" → \"Edited\""),
        "{shown}"
    );

    assert_eq!(w.jira.counts().writes() + w.github.counts().writes(), 0);
    assert_eq!(
        w.github.counts().create + w.github.counts().update + w.jira.counts().update,
        0
    );
    assert_eq!(w.store.row_counts().unwrap(), counts_before);
    assert_eq!(
        w.store
            .watermark(&w.sync.name, pmsync_core::Side::Source)
            .unwrap(),
        watermark_before
    );
    drop(std::mem::replace(&mut w.store, Store::in_memory().unwrap()));
    assert_eq!(
        file_digest(&path),
        digest_before,
        "the state file is byte for byte unchanged"
    );
    assert_eq!(
        w.github.item(&partner.id).unwrap().field("title"),
        &text("Existing")
    );
}

#[test]
fn audit_records_every_outcome_and_exports_the_seed_format() {
    let mut w = World::new();
    w.sync.conflict_strategy = Strategy::Manual;
    let start = chrono::Utc::now() - chrono::Duration::seconds(1);
    let a = w
        .jira
        .insert(&[("summary", text("Audited")), ("status", text("open"))]);
    w.run();
    let partner = w.partner_in_github(&a.id);
    w.jira.edit(&a.id, "status", text("done"));
    w.run();
    w.jira.edit(&a.id, "summary", text("mine"));
    w.github.edit(&partner.id, "title", text("theirs"));
    w.run();
    let b = w
        .jira
        .insert(&[("summary", text("Rejected")), ("status", text("open"))]);
    w.github.fail_next(Op::Create, 1, FailureKind::InvalidInput);
    w.run();

    let all = w
        .store
        .audit(&AuditQuery {
            sync: Some(w.sync.name.clone()),
            ..AuditQuery::default()
        })
        .unwrap();
    let statuses: Vec<AuditStatus> = all.iter().map(|e| e.status).collect();
    for wanted in [
        AuditStatus::Created,
        AuditStatus::Updated,
        AuditStatus::Conflict,
        AuditStatus::Failed,
    ] {
        assert!(
            statuses.contains(&wanted),
            "{wanted:?} missing from {statuses:?}"
        );
    }
    // History by key, on either side.
    let by_source_key = w
        .store
        .audit(&AuditQuery {
            key: Some(a.key.clone()),
            ..AuditQuery::default()
        })
        .unwrap();
    let by_target_key = w
        .store
        .audit(&AuditQuery {
            key: Some(partner.key.clone()),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(by_source_key.len(), 3, "created, updated, conflict");
    assert_eq!(by_source_key, by_target_key);
    let updated = by_source_key
        .iter()
        .find(|e| e.status == AuditStatus::Updated)
        .unwrap();
    assert_eq!(updated.changes[0].field, "state");
    assert_eq!(updated.changes[0].old, text("open"));
    assert_eq!(updated.changes[0].new, text("done"));
    assert_eq!(updated.direction, "source_to_target");
    // Time ranges.
    let future = chrono::Utc::now() + chrono::Duration::hours(1);
    assert!(
        w.store
            .audit(&AuditQuery {
                since: Some(future),
                ..AuditQuery::default()
            })
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        w.store
            .audit(&AuditQuery {
                since: Some(start),
                until: Some(future),
                ..AuditQuery::default()
            })
            .unwrap()
            .len(),
        all.len()
    );

    let mut out = Vec::new();
    let n = w
        .store
        .export_audit_jsonl(
            &AuditQuery {
                key: Some(a.key.clone()),
                ..AuditQuery::default()
            },
            &mut out,
        )
        .unwrap();
    assert_eq!(n, 3);
    let text_out = String::from_utf8(out).unwrap();
    let lines: Vec<serde_json::Value> = text_out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3);
    let update_line = &lines[1];
    assert_eq!(update_line["item_id"], a.key.as_str());
    assert_eq!(update_line["status"], "updated");
    assert_eq!(update_line["source"], "jira");
    assert_eq!(update_line["target"], "github");
    assert_eq!(update_line["changes"]["state"]["old"], "open");
    assert_eq!(update_line["changes"]["state"]["new"], "done");
    assert!(update_line.get("error").is_none());
    let stamp = update_line["timestamp"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(stamp).is_ok(),
        "{stamp}"
    );
    let keys: Vec<&String> = update_line.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "timestamp",
            "item_id",
            "status",
            "source",
            "target",
            "changes"
        ]
    );

    let mut out = Vec::new();
    w.store
        .export_audit_jsonl(
            &AuditQuery {
                key: Some(b.key.clone()),
                ..AuditQuery::default()
            },
            &mut out,
        )
        .unwrap();
    let failed: serde_json::Value =
        serde_json::from_slice(out.split(|c| *c == b'\n').next().unwrap()).unwrap();
    assert_eq!(failed["status"], "failed");
    assert!(failed["error"].as_str().unwrap().contains("invalid input"));
}

#[test]
fn audit_retention_purges_old_entries() {
    let mut w = World::new();
    w.jira
        .insert(&[("summary", text("x")), ("status", text("open"))]);
    w.run();
    let before = w.store.audit(&AuditQuery::default()).unwrap().len();
    assert!(before > 0);
    assert_eq!(
        w.store.purge_audit(&w.sync.name, 30).unwrap(),
        0,
        "recent entries stay"
    );
    let name = w.sync.name.clone();
    let in_31_days = chrono::Utc::now() + chrono::Duration::days(31);
    let purged = w
        .store
        .write(|tx| tx.purge_audit(&name, 30, in_31_days))
        .unwrap();
    assert_eq!(
        purged, before,
        "31 days later, a 30-day retention purges them"
    );
    assert!(w.store.audit(&AuditQuery::default()).unwrap().is_empty());
}

#[test]
fn the_watermark_advances_and_the_next_incremental_run_lists_only_since_it() {
    let mut w = World::new();
    for i in 0..5 {
        w.jira.insert(&[
            ("summary", text(&format!("item {i}"))),
            ("status", text("open")),
        ]);
        w.jira.advance_clock(Duration::from_secs(600));
    }
    w.run();
    let watermark = w
        .store
        .watermark(&w.sync.name, pmsync_core::Side::Source)
        .unwrap()
        .expect("a watermark");
    assert_eq!(
        watermark,
        w.jira.items().iter().map(|i| i.updated_at).max().unwrap()
    );

    w.jira.advance_clock(Duration::from_secs(3600));
    w.github.advance_clock(Duration::from_secs(3600));
    let edited = w.jira.items()[2].clone();
    w.jira.edit(&edited.id, "summary", text("only this one"));
    let report = w.run();
    // The edited item, and the last item of the first run (inside the five-minute overlap).
    assert_eq!(
        report.counts.fetched_source, 2,
        "only what changed since the watermark is listed"
    );
    assert_eq!(report.counts.updated, 1);
    let since = w
        .jira
        .list_requests()
        .last()
        .unwrap()
        .since
        .clone()
        .expect("incremental runs pass a watermark");
    let since = chrono::DateTime::parse_from_rfc3339(&since).unwrap();
    assert_eq!(
        since,
        watermark - chrono::Duration::minutes(5),
        "overlapping by five minutes"
    );

    let report = w.run_with(
        &IdentityConverter,
        RunOptions {
            mode: RunMode::Full,
            ..RunOptions::default()
        },
    );
    assert_eq!(
        report.counts.fetched_source, 5,
        "a full run lists everything"
    );
    assert_eq!(w.jira.list_requests().last().unwrap().since, None);
    assert_eq!(report.counts.writes, 0);
}

#[test]
fn listing_follows_cursors_across_pages() {
    let mut w = World::new();
    w.sync.batch_size = 2;
    for i in 0..5 {
        w.jira.insert(&[
            ("summary", text(&format!("item {i}"))),
            ("status", text("open")),
        ]);
    }
    let report = w.run();
    assert_eq!(report.counts.fetched_source, 5);
    assert_eq!(report.counts.created, 5);
    assert!(w.jira.list_requests().iter().all(|r| r.page_size == 2));
    assert_eq!(w.github.len(), 5);
}

#[test]
fn on_delete_unlink_forgets_the_link_and_keeps_the_other_item() {
    let mut w = World::new();
    w.sync.on_delete = OnDelete::Unlink;
    let a = w
        .jira
        .insert(&[("summary", text("Doomed")), ("status", text("open"))]);
    w.run();
    let partner = w.partner_in_github(&a.id);
    w.github
        .edit(&partner.id, "title", text("edited before delete"));
    w.jira.remove(&a.id);
    let report = w.run();
    assert_eq!(report.counts.unlinked, 1);
    assert_eq!(w.store.link_count(&w.sync.name).unwrap(), 0);
    assert!(
        w.github.item(&partner.id).is_some(),
        "the other side is not deleted"
    );
    assert_eq!(w.jira.len(), 0);
}

#[test]
fn on_delete_ignore_keeps_the_link_and_writes_nothing() {
    let mut w = World::new();
    let a = w
        .jira
        .insert(&[("summary", text("Kept")), ("status", text("open"))]);
    w.run();
    let partner = w.partner_in_github(&a.id);
    w.jira.remove(&a.id);
    w.github.edit(&partner.id, "title", text("still here"));
    let before = w.writes();
    let report = w.run();
    assert_eq!(w.writes(), before);
    assert_eq!(report.counts.skipped, 1);
    assert_eq!(w.store.link_count(&w.sync.name).unwrap(), 1);
}

#[test]
fn a_failing_transform_fails_that_item_only() {
    let mut w = World::new();
    let upper = UppercaseConverter::on(&[0]);
    w.jira
        .insert(&[("summary", text("FAIL me")), ("status", text("open"))]);
    w.jira
        .insert(&[("summary", text("fine")), ("status", text("open"))]);
    let report = w.run_with(&upper, RunOptions::default());
    assert_eq!(report.counts.created, 1);
    assert_eq!(report.counts.failed, 1);
    assert_eq!(w.store.failed_items(None).unwrap().len(), 1);
}

#[test]
fn progress_reports_fetches_plan_and_writes() {
    let mut w = World::new();
    w.jira
        .insert(&[("summary", text("p")), ("status", text("open"))]);
    let events = std::sync::Mutex::new(Vec::new());
    let record = |e: &pmsync_host::engine::ProgressEvent| events.lock().unwrap().push(e.clone());
    let ctx = SyncContext {
        sync: &w.sync,
        source: &w.jira,
        target: &w.github,
        converter: &IdentityConverter,
        resolvers: &NoCustomResolvers,
    };
    Runner::new(ctx)
        .with_progress(&record)
        .run(&mut w.store, &RunOptions::default())
        .unwrap();
    let events = events.into_inner().unwrap();
    use pmsync_host::engine::ProgressEvent as E;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, E::Fetched { total: 1, .. }))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, E::Planned { creates: 1, .. }))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, E::Written { done: 1, total: 1 }))
    );
}

#[test]
fn the_report_serialises_for_json_output() {
    let mut w = World::new();
    w.jira
        .insert(&[("summary", text("json")), ("status", text("open"))]);
    let report = w.run();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["counts"]["created"], 1);
    assert_eq!(json["items"][0]["action"], "created");
    assert!(report.summary().contains("created 1"));
}

#[test]
fn a_store_from_a_newer_pmsync_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    drop(Store::open(&path).unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let error = Store::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::TooNew { found: 99, .. }));
    assert!(error.to_string().contains("newer pmsync"), "{error}");
}

#[test]
fn a_chain_of_two_syncs_converges_without_loops() {
    // A ↔ B and B ↔ C, sharing B's connector.
    let a = MemoryConnector::new("jira", "A");
    let b = MemoryConnector::new("linear", "B");
    let c = MemoryConnector::new("github", "C");
    let ab = sync_config("a-b", "jira", "linear", &[("summary", "title")]);
    let bc = sync_config("b-c", "linear", "github", &[("title", "name")]);
    let mut store = Store::in_memory().unwrap();
    let sleeper = RecordingSleeper::new();
    let run = |store: &mut Store, sync: &SyncConfig, s: &MemoryConnector, t: &MemoryConnector| {
        let ctx = SyncContext {
            sync,
            source: s,
            target: t,
            converter: &IdentityConverter,
            resolvers: &NoCustomResolvers,
        };
        Runner::new(ctx)
            .with_sleeper(&sleeper)
            .run(store, &RunOptions::default())
            .unwrap()
    };
    let total_writes = || a.counts().writes() + b.counts().writes() + c.counts().writes();

    let origin = a.insert(&[("summary", text("chained"))]);
    for _ in 0..3 {
        run(&mut store, &ab, &a, &b);
        run(&mut store, &bc, &b, &c);
    }
    assert_eq!(
        (a.len(), b.len(), c.len()),
        (1, 1, 1),
        "one item per platform, no echo creates"
    );
    assert_eq!(c.items()[0].field("name"), &text("chained"));

    a.edit(&origin.id, "summary", text("edited in A"));
    let mut writes_per_round = Vec::new();
    for _ in 0..4 {
        let before = total_writes();
        run(&mut store, &ab, &a, &b);
        run(&mut store, &bc, &b, &c);
        writes_per_round.push(total_writes() - before);
    }
    assert_eq!(
        writes_per_round,
        vec![2, 0, 0, 0],
        "one write to B, one to C, then quiet"
    );
    assert_eq!(b.items()[0].field("title"), &text("edited in A"));
    assert_eq!(c.items()[0].field("name"), &text("edited in A"));

    let c_item = c.items()[0].clone();
    c.edit(&c_item.id, "name", text("edited in C"));
    for _ in 0..3 {
        run(&mut store, &bc, &b, &c);
        run(&mut store, &ab, &a, &b);
    }
    let before = total_writes();
    run(&mut store, &ab, &a, &b);
    run(&mut store, &bc, &b, &c);
    assert_eq!(total_writes(), before);
    assert_eq!(
        a.item(&origin.id).unwrap().field("summary"),
        &text("edited in C")
    );
    assert_eq!(b.items()[0].field("title"), &text("edited in C"));
}

#[test]
fn reopening_the_state_file_keeps_links_and_base() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("state.db");
    let mut w = World::new();
    w.store = Store::open(&path).unwrap();
    let a = w
        .jira
        .insert(&[("summary", text("persisted")), ("status", text("open"))]);
    w.run();
    let link = w
        .store
        .link(&w.sync.name, pmsync_core::Side::Source, &a.id)
        .unwrap()
        .unwrap();
    drop(std::mem::replace(&mut w.store, Store::in_memory().unwrap()));
    let reopened = Store::open(&path).unwrap();
    assert_eq!(
        reopened.schema_version().unwrap(),
        pmsync_host::store::SCHEMA_VERSION
    );
    assert_eq!(
        reopened
            .link(&w.sync.name, pmsync_core::Side::Source, &a.id)
            .unwrap(),
        Some(link)
    );
    assert_eq!(
        reopened
            .link(&w.sync.name, pmsync_core::Side::Source, &a.id)
            .unwrap()
            .unwrap()
            .base
            .source["summary"],
        text("persisted")
    );
}

#[test]
fn syncing_named_items_writes_only_those_creates_only_what_the_filters_select_and_keeps_the_watermarks()
 {
    let labelled = |label: &str| Value::TextList(vec![label.to_string()]);
    let mut w = World::new();
    w.sync.filters.labels = vec!["sync".into()];
    let a = w
        .jira
        .insert(&[("summary", text("A")), ("labels", labelled("sync"))]);
    let b = w
        .jira
        .insert(&[("summary", text("B")), ("labels", labelled("sync"))]);
    w.jira
        .insert(&[("summary", text("C")), ("labels", labelled("other"))]);
    w.run();
    assert_eq!(w.github.len(), 2, "the filters select A and B");
    let watermark = w
        .store
        .watermark(&w.sync.name, pmsync_core::Side::Source)
        .unwrap();

    w.jira.advance_clock(Duration::from_secs(60));
    w.jira.edit(&a.id, "summary", text("A, edited"));
    w.jira.edit(&b.id, "summary", text("B, edited"));
    let d = w
        .jira
        .insert(&[("summary", text("D")), ("labels", labelled("sync"))]);
    let e = w
        .jira
        .insert(&[("summary", text("E")), ("labels", labelled("other"))]);
    let named = std::collections::BTreeMap::from([(
        pmsync_core::Side::Source,
        vec![a.id.clone(), d.id.clone(), e.id.clone(), a.id.clone()],
    )]);
    let ctx = SyncContext {
        sync: &w.sync,
        source: &w.jira,
        target: &w.github,
        converter: &IdentityConverter,
        resolvers: &NoCustomResolvers,
    };
    let report = Runner::new(ctx)
        .with_sleeper(&w.sleeper)
        .run_items(&mut w.store, &named)
        .expect("run succeeds");
    assert_eq!(report.mode, RunMode::Items);
    assert_eq!(report.counts.updated, 1, "A, named, is updated");
    assert_eq!(
        report.counts.created, 1,
        "D is created; E is not selected by the filters"
    );
    assert_eq!(
        w.partner_in_github(&a.id).field("title"),
        &text("A, edited")
    );
    assert_eq!(
        w.partner_in_github(&b.id).field("title"),
        &text("B"),
        "B was not named"
    );
    assert_eq!(w.github.len(), 3);
    assert_eq!(
        w.store
            .watermark(&w.sync.name, pmsync_core::Side::Source)
            .unwrap(),
        watermark,
        "named items do not move the watermark"
    );

    let report = w.run();
    assert_eq!(report.counts.updated, 1, "the next run still finds B");
    assert_eq!(
        w.partner_in_github(&b.id).field("title"),
        &text("B, edited")
    );
}
