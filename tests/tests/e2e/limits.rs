//! Unreliable and rate-limited platforms: injected faults during the initial sync, and an
//! exhausted GitHub request budget.

use super::harness::*;
use super::platforms::*;
use pmsync_sandbox::{FaultPlan, Platform};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const SYNC: &str = "jira-github-sync";

#[test]
fn with_a_fifth_of_requests_failing_repeated_runs_converge_without_duplicates() {
    let mut w = World::start("jira_to_github.yaml", |config| {
        for sync in &mut config.syncs {
            sync.retry_delay = 0.02;
            sync.max_retries = 4;
        }
    });
    let jira_before = jira_project(&w.sandbox, "PROJ").len();
    let github_before = github_issues(&w.sandbox).len();
    let selected = jira_project(&w.sandbox, "PROJ")
        .iter()
        .filter(|i| i.issue_type == "Story" || i.issue_type == "Bug")
        .count();
    w.set_faults(
        FaultPlan::none()
            .with_seed(20)
            .with_rate_limited(0.07, 1)
            .with_server_errors(0.07)
            .with_dropped_connections(0.06),
    );
    let mut runs = 0;
    loop {
        runs += 1;
        // A run may also stop early (a listing that kept failing); the next one goes on.
        let outcome = w.try_run_with(SYNC, &Default::default());
        if outcome.as_ref().is_ok_and(|r| r.counts.failed == 0) {
            break;
        }
        assert!(runs < 8, "no convergence after {runs} runs: {outcome:?}");
    }
    let faulted: u64 = w
        .stats()
        .iter()
        .map(|s| s.status(0) + s.status(429) + s.status(502) + s.status(503))
        .sum();
    assert!(faulted > 0, "the sandbox injected no faults");
    w.set_faults(FaultPlan::none());

    let links = w.store.links(SYNC).expect("links");
    assert_eq!(links.len(), selected + github_before);
    assert_eq!(
        github_issues(&w.sandbox).len(),
        github_before + selected,
        "GitHub duplicates"
    );
    assert_eq!(
        jira_project(&w.sandbox, "PROJ").len(),
        jira_before + github_before,
        "Jira duplicates"
    );
    for link in &links {
        let jira = jira_issue(&w.sandbox, &link.source_key).expect("exists");
        let number: u64 = link.target_id.parse().expect("a number");
        let gh = w.sandbox.github().issue(number).expect("exists");
        assert_eq!(jira.summary, gh.title, "{} ↔ #{number}", jira.key);
    }
    let writes_before = w.platform_writes();
    let last = w.run(SYNC);
    assert_no_failures(&last);
    assert_eq!(last.counts.writes, 0, "{}", last.summary());
    assert_eq!(w.platform_writes(), writes_before);
}

/// One authenticated `GET` to the sandbox's GitHub; returns the status line and headers.
fn github_get(url: &str, path: &str) -> String {
    let address = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connects");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer sandbox\r\n\
         User-Agent: e2e\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("sends");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("reads");
    answer
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn with_the_github_budget_exhausted_the_sync_waits_for_the_reset_and_succeeds() {
    let mut w = World::start("jira_to_github.yaml", |_| {});
    let budget = 300;
    w.set_faults(
        FaultPlan::none()
            .with_github_core_budget(budget)
            .with_budget_window(Duration::from_secs(3)),
    );
    let url = w.sandbox.github_url();
    for _ in 0..budget {
        github_get(&url, "/repos/acme/widgets/issues/1");
    }
    let refused = github_get(&url, "/repos/acme/widgets/issues/1");
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    let reset: i64 = refused
        .lines()
        .find_map(|l| l.strip_prefix("x-ratelimit-reset: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("an x-ratelimit-reset header");
    let started = Instant::now();
    let wait = Duration::from_millis(
        u64::try_from(reset * 1000 - chrono::Utc::now().timestamp_millis()).unwrap_or(0),
    );
    assert!(
        wait >= Duration::from_millis(500),
        "the reset is {wait:?} ahead"
    );
    let refused_before = w.sandbox.stats(Platform::GitHub).status(403);

    let report = w.run(SYNC);
    assert_no_failures(&report);
    assert!(report.counts.created > 0);
    assert!(
        started.elapsed() >= wait,
        "finished in {:?}, before the reset {wait:?} ahead",
        started.elapsed()
    );
    assert!(
        w.sandbox.stats(Platform::GitHub).status(403) > refused_before,
        "the sync never met the exhausted budget"
    );
}
