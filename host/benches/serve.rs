//! `pmsync-host serve` benchmark: the real binary in its own process, the sandbox platforms
//! in this one with every request delayed by `LATENCY_MS`, delivering signed webhooks.
//! Prints, in one run:
//!
//! 1. **Webhook to the other side**: `EDITS` Jira edits, one after the other; for each, the
//!    time from the edit (the sandbox sends its delivery at once) until the linked GitHub
//!    issue has the new title. p50, p95, max.
//! 2. **Memory with many links**: the state store holds `LINKS` links besides the sandbox's
//!    own; the process's resident memory (VmRSS) once ready, after the edits, and its peak
//!    (VmHWM).
//!
//! Run with `make plugins` first, then `cargo bench -p pmsync-host --bench serve`.
//! Sizes: `PMSYNC_BENCH_EDITS` (100), `PMSYNC_BENCH_LATENCY_MS` (20),
//! `PMSYNC_BENCH_LINKS` (1000000), `PMSYNC_BENCH_TIME_SCALE` (0.1: GitHub's second between
//! writes is 100 ms).

use pmsync_host::core::plan::{Base, Link};
use pmsync_host::store::Store;
use pmsync_sandbox::{FaultPlan, Latency, Platform, Sandbox, SandboxOptions};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pmsync-host");
const SYNC: &str = "bench-serve";
const SECRET: &str = "bench-webhook-secret";

fn env_number(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fail(message: &str) -> ! {
    eprintln!("bench serve: {message}");
    std::process::exit(1)
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// `VmRSS` and `VmHWM` of a process, in MB.
fn memory_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn get(runtime: &tokio::runtime::Runtime, url: &str) -> u16 {
    runtime.block_on(async {
        reqwest::get(url)
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    })
}

fn main() {
    let edits = env_number("PMSYNC_BENCH_EDITS", 100.0) as usize;
    let latency_ms = env_number("PMSYNC_BENCH_LATENCY_MS", 20.0) as u64;
    let links = env_number("PMSYNC_BENCH_LINKS", 1_000_000.0) as usize;
    let time_scale = env_number("PMSYNC_BENCH_TIME_SCALE", 0.1);
    let options = SandboxOptions::default()
        .with_time_scale(time_scale)
        .with_faults(
            FaultPlan::none().with_latency(Latency::Fixed(Duration::from_millis(latency_ms))),
        );
    let (sandbox, _runtime) =
        Sandbox::start_blocking(options).unwrap_or_else(|e| fail(&format!("sandbox: {e:#}")));
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(&e.to_string()));
    let config = format!(
        r#"
name: "{SYNC}"
source_platform: "jira"
target_platform: "github"
direction: "bidirectional"
conflict_strategy: "last_write_wins"
sync_interval: 3600
concurrency: 4
platforms:
  jira:
    settings: {{ base_url: "{}", project: "PROJ" }}
    credentials:
      token: {{ type: basic, user: "${{JIRA_EMAIL}}", token: "${{JIRA_API_TOKEN}}" }}
    allow_hosts: ["http://127.0.0.1:*"]
    webhook_secret: "${{JIRA_WEBHOOK_SECRET}}"
  github:
    settings: {{ base_url: "{}", repo: "acme/widgets" }}
    credentials:
      token: {{ type: bearer, token: "${{GITHUB_TOKEN}}" }}
    allow_hosts: ["http://127.0.0.1:*"]
    webhook_secret: "${{GITHUB_WEBHOOK_SECRET}}"
field_mappings:
  - {{ source_field: summary, target_field: title, required: true }}
"#,
        sandbox.jira_url(),
        sandbox.github_url()
    );
    let config_path = dir.path().join("sync.yaml");
    std::fs::write(&config_path, config).unwrap_or_else(|e| fail(&e.to_string()));
    let state = dir.path().join("state.db");

    println!(
        "serve: {edits} edits, {latency_ms} ms per sandbox request, time scale {time_scale}, {links} extra links"
    );
    let started = Instant::now();
    {
        let mut store = Store::open(&state).unwrap_or_else(|e| fail(&e.to_string()));
        store
            .write(|tx| {
                for n in 0..links {
                    tx.put_link(
                        SYNC,
                        &Link {
                            source_id: format!("bench-s-{n}"),
                            target_id: format!("bench-t-{n}"),
                            source_key: format!("BENCH-{n}"),
                            target_key: format!("acme/bench#{n}"),
                            base: Base::default(),
                        },
                    )?;
                }
                Ok(())
            })
            .unwrap_or_else(|e| fail(&e.to_string()));
    }
    println!(
        "  {links} links written to the state store in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-serve-cache");
    let mut child = Command::new(BIN)
        .arg("serve")
        .arg("--config")
        .arg(&config_path)
        .arg("--plugins")
        .arg(workspace().join("plugins"))
        .arg("--cache-dir")
        .arg(&cache)
        .arg("--state")
        .arg(&state)
        .args(["--listen", "127.0.0.1:0"])
        .env_clear()
        .env("HOME", dir.path())
        .env("JIRA_EMAIL", "bench@example.com")
        .env("JIRA_API_TOKEN", "bench")
        .env("GITHUB_TOKEN", "bench")
        .env("JIRA_WEBHOOK_SECRET", SECRET)
        .env("GITHUB_WEBHOOK_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| fail(&format!("serve: {e}")));
    let mut first = String::new();
    let _ = BufReader::new(child.stdout.take().unwrap_or_else(|| fail("no stdout")))
        .read_line(&mut first);
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| fail(&format!("unexpected first line {first:?}")))
        .to_string();
    let http = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    let ready_started = Instant::now();
    while get(&http, &format!("{url}/readyz")) != 200 {
        if ready_started.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            fail("serve was not ready within 300 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let (rss_ready, _) = memory_mb(child.id());
    println!(
        "  ready (first sweep done) {:.1} s after start; RSS {rss_ready:.1} MB",
        ready_started.elapsed().as_secs_f64()
    );
    for (platform, entry) in [(Platform::Jira, "jira"), (Platform::GitHub, "github")] {
        sandbox
            .webhooks(platform)
            .register(&format!("{url}/webhooks/{entry}"), SECRET)
            .unwrap_or_else(|e| fail(&e.to_string()));
    }

    let pairs: Vec<(String, u64)> = {
        let store = Store::open(&state).unwrap_or_else(|e| fail(&e.to_string()));
        store
            .links(SYNC)
            .unwrap_or_else(|e| fail(&e.to_string()))
            .into_iter()
            .filter(|l| !l.source_id.starts_with("bench-"))
            .filter_map(|l| Some((l.source_id, l.target_id.parse::<u64>().ok()?)))
            .collect()
    };
    if pairs.is_empty() {
        fail("the first sweep linked nothing");
    }
    let mut latencies = Vec::with_capacity(edits);
    for n in 0..edits {
        let (jira, github) = &pairs[n % pairs.len()];
        let title = format!("bench edit {n}");
        let sent = Instant::now();
        sandbox.jira().edit(jira, |fields| {
            fields.insert("summary".into(), serde_json::json!(title));
        });
        loop {
            if sandbox
                .github()
                .issue(*github)
                .is_some_and(|i| i.title == title)
            {
                break;
            }
            if sent.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                fail(&format!("edit {n} did not reach GitHub within 60 s"));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        latencies.push(sent.elapsed());
    }
    let (rss_after, peak) = memory_mb(child.id());
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  webhook → other side over {edits} edits: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms (goal p95 ≤ 2000 ms)",
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 95.0)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    println!(
        "  memory with {} links in the store: RSS {rss_after:.1} MB after the edits, peak {peak:.1} MB (goal ≤ 300 MB)",
        links + pairs.len()
    );
    let _ = child.kill();
    let _ = child.wait();
}
