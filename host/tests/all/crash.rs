//! Crash safety: the executor stops at each step of a create and after an update as if the
//! process died; a fresh runner on the same state file must produce no duplicate, lose no
//! update, and converge (a further run writes nothing).

use pmsync_core::config::SyncConfig;
use pmsync_core::plugins::NoCustomResolvers;
use pmsync_core::{Side, Value};
use pmsync_host::engine::{EngineError, RunOptions, RunReport, Runner, SyncContext};
use pmsync_host::store::Store;
use pmsync_host::testing::{
    CrashPoint, FailureKind, IdentityConverter, MemoryConnector, Op, RecordingSleeper, sync_config,
};
use std::path::{Path, PathBuf};

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// Two platforms that outlive "processes"; each process opens the state file afresh.
struct Platforms {
    jira: MemoryConnector,
    github: MemoryConnector,
    sync: SyncConfig,
    _dir: tempfile::TempDir,
    state: PathBuf,
}

impl Platforms {
    fn new() -> Platforms {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = dir.path().join("state.db");
        let mut sync = sync_config(
            "jira-github",
            "jira",
            "github",
            &[("summary", "title"), ("status", "state")],
        );
        sync.batch_size = 2;
        Platforms {
            jira: MemoryConnector::new("jira", "PROJ"),
            github: MemoryConnector::new("github", "GH"),
            sync,
            _dir: dir,
            state,
        }
    }

    /// One process: open the store, run once, exit (the store is dropped either way).
    fn process(&self, crash_at: Option<CrashPoint>) -> Result<RunReport, EngineError> {
        run_process(&self.state, &self.sync, &self.jira, &self.github, crash_at)
    }

    fn writes(&self) -> usize {
        self.jira.counts().writes() + self.github.counts().writes()
    }

    fn assert_converged(&self) {
        let before = self.writes();
        let report = self.process(None).expect("a clean run");
        assert_eq!(
            self.writes(),
            before,
            "a further run writes nothing: {report:?}"
        );
        assert_eq!(report.counts.failed, 0);
    }

    /// Every item has exactly one partner with the same values.
    fn assert_paired(&self, expected_pairs: usize) {
        assert_eq!(
            self.jira.len(),
            expected_pairs,
            "no duplicate on the source side"
        );
        assert_eq!(
            self.github.len(),
            expected_pairs,
            "no duplicate on the target side"
        );
        let store = Store::open(&self.state).unwrap();
        assert_eq!(
            store.link_count(&self.sync.name).unwrap() as usize,
            expected_pairs
        );
        for item in self.jira.items() {
            let link = store
                .link(&self.sync.name, Side::Source, &item.id)
                .unwrap()
                .expect("every item is linked");
            let partner = self.github.item(&link.target_id).expect("partner exists");
            assert_eq!(partner.field("title"), item.field("summary"));
            assert_eq!(partner.field("state"), item.field("status"));
        }
        assert!(
            store.pending_intents(&self.sync.name).unwrap().is_empty(),
            "no intent left pending"
        );
    }
}

fn run_process(
    state: &Path,
    sync: &SyncConfig,
    source: &MemoryConnector,
    target: &MemoryConnector,
    crash_at: Option<CrashPoint>,
) -> Result<RunReport, EngineError> {
    let mut store = Store::open(state).expect("state file opens");
    let sleeper = RecordingSleeper::new();
    let ctx = SyncContext {
        sync,
        source,
        target,
        converter: &IdentityConverter,
        resolvers: &NoCustomResolvers,
    };
    Runner::new(ctx).with_sleeper(&sleeper).run(
        &mut store,
        &RunOptions {
            crash_at,
            ..RunOptions::default()
        },
    )
}

fn seed(p: &Platforms) {
    for i in 0..3 {
        p.jira.insert(&[
            ("summary", text(&format!("jira {i}"))),
            ("status", text("open")),
        ]);
    }
    p.github
        .insert(&[("title", text("github 0")), ("state", text("closed"))]);
}

fn crash_during_create(point: CrashPoint) {
    let p = Platforms::new();
    seed(&p);
    let crashed = p.process(Some(point));
    assert!(
        matches!(crashed, Err(EngineError::Crashed(at)) if at == point),
        "{crashed:?}"
    );
    let report = p.process(None).expect("the restarted run completes");
    assert_eq!(report.counts.failed, 0);
    p.assert_paired(4);
    p.assert_converged();
    p.assert_paired(4);
}

#[test]
fn a_crash_after_the_intent_creates_each_item_once() {
    crash_during_create(CrashPoint::AfterIntent);
}

#[test]
fn a_crash_after_the_create_links_the_created_item_instead_of_creating_again() {
    let p = Platforms::new();
    seed(&p);
    assert!(p.process(Some(CrashPoint::AfterCreate)).is_err());
    assert_eq!(
        p.github.len(),
        3,
        "the first batch of two was created before the crash"
    );
    let report = p.process(None).expect("the restarted run completes");
    assert!(
        report.items.iter().any(|i| i
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("found by origin marker"))),
        "recovered by origin marker: {:?}",
        report.items
    );
    p.assert_paired(4);
    p.assert_converged();
}

#[test]
fn a_crash_after_the_link_leaves_nothing_to_redo() {
    crash_during_create(CrashPoint::AfterLink);
}

#[test]
fn a_crash_after_creates_in_both_directions_recovers_both() {
    let p = Platforms::new();
    p.jira
        .insert(&[("summary", text("from jira")), ("status", text("open"))]);
    p.github
        .insert(&[("title", text("from github")), ("state", text("open"))]);
    assert!(p.process(Some(CrashPoint::AfterCreate)).is_err());
    p.process(None).expect("the restarted run completes");
    p.assert_paired(2);
    p.assert_converged();
}

#[test]
fn a_crash_after_an_update_loses_no_update() {
    let p = Platforms::new();
    seed(&p);
    p.process(None).unwrap();
    p.assert_paired(4);
    let item = p.jira.items()[0].clone();
    p.jira
        .edit(&item.id, "summary", text("edited before the crash"));
    assert!(matches!(
        p.process(Some(CrashPoint::AfterUpdate)),
        Err(EngineError::Crashed(CrashPoint::AfterUpdate))
    ));

    // While the process is down, someone edits the other field on the target side.
    let store = Store::open(&p.state).unwrap();
    let link = store
        .link(&p.sync.name, Side::Source, &item.id)
        .unwrap()
        .unwrap();
    drop(store);
    assert_eq!(
        p.github.item(&link.target_id).unwrap().field("title"),
        &text("edited before the crash")
    );
    p.github.edit(&link.target_id, "state", text("in review"));

    p.process(None).expect("the restarted run completes");
    assert_eq!(
        p.jira.item(&item.id).unwrap().field("summary"),
        &text("edited before the crash")
    );
    assert_eq!(
        p.jira.item(&item.id).unwrap().field("status"),
        &text("in review"),
        "the later edit is not lost"
    );
    p.assert_paired(4);
    p.assert_converged();
}

#[test]
fn an_origin_lookup_that_keeps_failing_never_creates_again() {
    let p = Platforms::new();
    p.jira
        .insert(&[("summary", text("only once")), ("status", text("open"))]);
    assert!(p.process(Some(CrashPoint::AfterCreate)).is_err());
    assert_eq!(p.github.len(), 1);
    // The platform is down for lookups during the next run: nothing may be created.
    p.github
        .fail_next(Op::FindByOrigin, 10, FailureKind::Transient);
    let report = p
        .process(None)
        .expect("the run completes without the lookup");
    assert_eq!(
        p.github.len(),
        1,
        "not created a second time while the lookup fails"
    );
    assert_eq!(report.counts.created, 0, "{:#?}", report.items);
    // Lookups work again: the item is linked, not duplicated.
    p.github.clear_failures();
    p.process(None).expect("recovery run");
    p.assert_paired(1);
    p.assert_converged();
}
