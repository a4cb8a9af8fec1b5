//! `pmsync-host serve` as it runs in production: the real binary in its own process, the
//! sandbox platforms in this one, delivering webhooks signed as the real platforms sign
//! them. An edit on one side reaches the other through a delivery (the reconcile sweep is
//! an hour away), forged, stale, oversized and replayed deliveries change nothing, and a
//! kill -9 in the middle of a burst loses no acknowledged delivery. Needs the plugins
//! built (`make plugins`).

use pmsync_host::store::Store;
use pmsync_sandbox::{
    Platform, Sandbox, SandboxHandle, SandboxOptions, SandboxRuntime, SentWebhook,
    webhooks::{WebhookStyle, signed_headers},
};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pmsync-host");
const SYNC: &str = "pair";
/// The secret every platform entry signs its deliveries with in these tests.
const SECRET: &str = "webhook-test-secret";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

fn cache_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache");
    std::fs::create_dir_all(&dir).expect("cache dir");
    dir
}

/// A platform of these tests: its `platforms:` entry and how titles are read and written.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    Jira,
    GitHub,
    Linear,
}

impl Side {
    fn entry(self) -> &'static str {
        match self {
            Side::Jira => "jira",
            Side::GitHub => "github",
            Side::Linear => "linear",
        }
    }

    fn platform(self) -> Platform {
        match self {
            Side::Jira => Platform::Jira,
            Side::GitHub => Platform::GitHub,
            Side::Linear => Platform::Linear,
        }
    }

    fn title_field(self) -> &'static str {
        match self {
            Side::Jira => "summary",
            Side::GitHub | Side::Linear => "title",
        }
    }

    fn platform_yaml(self, sandbox: &SandboxHandle) -> String {
        let hook = format!(
            "webhook_secret: \"${{{}_WEBHOOK_SECRET}}\"",
            self.entry().to_uppercase()
        );
        match self {
            Side::Jira => format!(
                r#"  jira:
    settings: {{ base_url: "{}", project: "PROJ" }}
    credentials:
      token: {{ type: basic, user: "${{JIRA_EMAIL}}", token: "${{JIRA_API_TOKEN}}" }}
    allow_hosts: ["http://127.0.0.1:*"]
    {hook}
"#,
                sandbox.jira_url()
            ),
            Side::GitHub => format!(
                r#"  github:
    settings: {{ base_url: "{}", repo: "acme/widgets" }}
    credentials:
      token: {{ type: bearer, token: "${{GITHUB_TOKEN}}" }}
    allow_hosts: ["http://127.0.0.1:*"]
    {hook}
"#,
                sandbox.github_url()
            ),
            Side::Linear => format!(
                r#"  linear:
    settings: {{ base_url: "{}", team: "ENG" }}
    credentials:
      token: {{ type: header, name: "Authorization", value: "${{LINEAR_API_KEY}}" }}
    allow_hosts: ["http://127.0.0.1:*"]
    {hook}
"#,
                sandbox.linear_url().trim_end_matches("/graphql")
            ),
        }
    }

    fn title(self, sandbox: &SandboxHandle, id: &str) -> String {
        match self {
            Side::Jira => sandbox.jira().issue(id).expect("Jira issue")["fields"]["summary"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            Side::GitHub => {
                sandbox
                    .github()
                    .issue(id.parse().expect("GitHub number"))
                    .expect("GitHub issue")
                    .title
            }
            Side::Linear => sandbox.linear().issue(id).expect("Linear issue").title,
        }
    }

    fn retitle(self, sandbox: &SandboxHandle, id: &str, title: &str) {
        let edited = match self {
            Side::Jira => sandbox.jira().edit(id, |fields| {
                fields.insert("summary".into(), serde_json::json!(title));
            }),
            Side::GitHub => sandbox
                .github()
                .edit(id.parse().expect("GitHub number"), |issue| {
                    issue.title = title.to_string()
                }),
            Side::Linear => sandbox
                .linear()
                .edit(id, |issue| issue.title = title.to_string()),
        };
        assert!(edited, "{self:?} {id} exists");
    }
}

/// The sandbox, a config syncing `source` ↔ `target` titles (sweep an hour apart), and a
/// state file, in a folder of their own.
struct World {
    sandbox: SandboxHandle,
    _runtime: SandboxRuntime,
    dir: tempfile::TempDir,
    source: Side,
    target: Side,
}

/// A running `pmsync-host serve`.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl World {
    fn start(source: Side, target: Side) -> World {
        Self::start_with(source, target, "last_write_wins")
    }

    fn start_with(source: Side, target: Side, strategy: &str) -> World {
        let options = SandboxOptions::default().with_time_scale(0.01);
        let (sandbox, runtime) = Sandbox::start_blocking(options).expect("sandbox starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let config = format!(
            r#"
name: "{SYNC}"
source_platform: "{}"
target_platform: "{}"
direction: "bidirectional"
conflict_strategy: "{strategy}"
sync_interval: 3600
concurrency: 2
retry_delay: 0.05
platforms:
{}{}field_mappings:
  - {{ source_field: {}, target_field: {}, required: true }}
"#,
            source.entry(),
            target.entry(),
            source.platform_yaml(&sandbox),
            target.platform_yaml(&sandbox),
            source.title_field(),
            target.title_field(),
        );
        std::fs::write(dir.path().join("sync.yaml"), config).expect("config written");
        World {
            sandbox,
            _runtime: runtime,
            dir,
            source,
            target,
        }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state.db")
    }

    /// Starts `serve` on a free port and waits until it is ready (its first sweep done),
    /// then points the sandbox's webhooks at it.
    fn serve(&self) -> Served {
        let served = serve_with_env(self, &[]);
        self.register_webhooks(&served);
        served
    }

    /// Points the sandbox's webhooks of both sides at `served`.
    fn register_webhooks(&self, served: &Served) {
        for side in [self.source, self.target] {
            self.sandbox
                .webhooks(side.platform())
                .register(&format!("{}/webhooks/{}", served.url, side.entry()), SECRET)
                .expect("webhooks registered");
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("serve.log")).unwrap_or_default()
    }

    /// (source id, target id) of every link.
    fn links(&self) -> Vec<(String, String)> {
        let store = Store::open(&self.state()).expect("state store opens");
        store
            .links(SYNC)
            .expect("links")
            .into_iter()
            .map(|l| (l.source_id, l.target_id))
            .collect()
    }
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A runtime for this module's HTTP calls.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime")
    })
}

fn send(request: reqwest::RequestBuilder) -> Option<(u16, String)> {
    runtime().block_on(async move {
        let answer = request.timeout(Duration::from_secs(15)).send().await.ok()?;
        let status = answer.status().as_u16();
        Some((status, answer.text().await.unwrap_or_default()))
    })
}

fn get(url: &str) -> (u16, String) {
    send(reqwest::Client::new().get(url)).unwrap_or((0, String::new()))
}

fn post(url: &str, headers: &[(String, String)], body: &[u8]) -> (u16, String) {
    let mut request = reqwest::Client::new().post(url).body(body.to_vec());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    send(request).expect("serve answers")
}

/// A sample of `/metrics` (0 when absent).
fn metric(served: &Served, sample: &str) -> f64 {
    metric_at(&served.url, sample)
}

/// Retitles the first linked item on `from` and waits for the title on the other side.
fn edit_travels(world: &World, served: &Served, from: Side) -> Duration {
    let (source_id, target_id) = world.links().into_iter().next().expect("a linked pair");
    let (from_id, to, to_id) = if from == world.source {
        (source_id, world.target, target_id)
    } else {
        (target_id, world.source, source_id)
    };
    let title = format!(
        "Edited on {from:?} at {}",
        chrono::Utc::now().timestamp_millis()
    );
    let started = Instant::now();
    from.retitle(&world.sandbox, &from_id, &title);
    wait_until(
        &format!("{from:?} {from_id}'s new title on {to:?} {to_id}"),
        Duration::from_secs(20),
        || to.title(&world.sandbox, &to_id) == title,
    );
    let took = started.elapsed();
    // The run that wrote it is counted when it ends.
    wait_until("a webhook run counted", Duration::from_secs(10), || {
        metric(served, "pmsync_runs_total{kind=\"webhook\"}") >= 1.0
    });
    assert_eq!(
        metric(served, "pmsync_runs_total{kind=\"sweep\"}"),
        1.0,
        "only the first sweep ran (the next is an hour away)"
    );
    let requests = metric(
        served,
        "pmsync_platform_requests_total{platform=\"github\"}",
    ) + metric(
        served,
        "pmsync_platform_requests_total{platform=\"linear\"}",
    ) + metric(served, "pmsync_platform_requests_total{platform=\"jira\"}");
    assert!(requests > 0.0, "per-platform requests are counted");
    took
}

#[test]
fn a_jira_edit_reaches_github_through_a_signed_webhook_within_seconds() {
    let world = World::start(Side::Jira, Side::GitHub);
    let served = world.serve();
    let took = edit_travels(&world, &served, Side::Jira);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    // GitHub reports its budget on every answer.
    let left = metric(
        &served,
        "pmsync_platform_rate_limit_remaining{platform=\"github\"}",
    );
    assert!(left > 0.0, "GitHub's remaining budget is shown: {left}");
}

#[test]
fn a_github_edit_reaches_linear_through_a_signed_webhook_within_seconds() {
    let world = World::start(Side::GitHub, Side::Linear);
    let served = world.serve();
    let took = edit_travels(&world, &served, Side::GitHub);
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn a_linear_edit_reaches_jira_through_a_signed_webhook_within_seconds() {
    let world = World::start(Side::Linear, Side::Jira);
    let served = world.serve();
    let took = edit_travels(&world, &served, Side::Linear);
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

/// Queued deliveries in the state store.
fn deliveries_in_store(world: &World) -> u64 {
    let store = Store::open(&world.state()).expect("state store opens");
    store
        .row_counts()
        .expect("row counts")
        .into_iter()
        .find(|(table, _)| table == "webhook_deliveries")
        .map(|(_, n)| n as u64)
        .unwrap_or(0)
}

#[test]
fn forged_unsigned_stale_and_oversized_deliveries_are_refused_and_nothing_is_queued() {
    let world = World::start(Side::Linear, Side::GitHub);
    let served = world.serve();
    let hooks = |entry: &str| format!("{}/webhooks/{entry}", served.url);
    let body = serde_json::to_vec(&serde_json::json!({
        "action": "update", "type": "Issue", "data": { "id": "x" },
        "webhookTimestamp": chrono::Utc::now().timestamp_millis(),
    }))
    .expect("json");
    let before = deliveries_in_store(&world);

    // Unsigned.
    let (status, answer) = post(&hooks("linear"), &[], &body);
    assert_eq!(status, 401, "{answer}");
    assert!(answer.contains("Linear-Signature"), "{answer}");
    // Signed with another secret.
    let forged = signed_headers(WebhookStyle::Linear, "not-the-secret", &body, "f-1", None);
    let (status, answer) = post(&hooks("linear"), &forged, &body);
    assert_eq!(status, 401, "{answer}");
    assert!(answer.contains("does not match"), "{answer}");
    // The right signature over another body.
    let signed = signed_headers(WebhookStyle::Linear, SECRET, &body, "f-2", None);
    let (status, _) = post(&hooks("linear"), &signed, b"{\"type\":\"Issue\"}");
    assert_eq!(status, 401);
    // Correctly signed, but sent two minutes ago: a replay.
    let stale = serde_json::to_vec(&serde_json::json!({
        "action": "update", "type": "Issue", "data": { "id": "x" },
        "webhookTimestamp": chrono::Utc::now().timestamp_millis() - 120_000,
    }))
    .expect("json");
    let signed = signed_headers(WebhookStyle::Linear, SECRET, &stale, "f-3", None);
    let (status, answer) = post(&hooks("linear"), &signed, &stale);
    assert_eq!(status, 401, "{answer}");
    assert!(answer.contains("webhookTimestamp"), "{answer}");
    // Larger than --max-body-bytes, correctly signed.
    let huge = vec![b' '; 70_000];
    let signed = signed_headers(WebhookStyle::GitHub, SECRET, &huge, "f-4", Some("issues"));
    let (status, _) = post(&hooks("github"), &signed, &huge);
    assert_eq!(status, 413);
    // A platform the config does not have.
    let (status, _) = post(&hooks("gitlab"), &signed, b"{}");
    assert_eq!(status, 404);

    assert_eq!(deliveries_in_store(&world), before, "nothing was queued");
    assert_eq!(
        metric(
            &served,
            "pmsync_webhook_deliveries_total{outcome=\"queued\"}"
        ),
        0.0
    );
    assert_eq!(
        metric(
            &served,
            "pmsync_webhook_deliveries_total{outcome=\"rejected_signature\"}"
        ),
        3.0
    );
    assert_eq!(
        metric(
            &served,
            "pmsync_webhook_deliveries_total{outcome=\"rejected_stale\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            &served,
            "pmsync_webhook_deliveries_total{outcome=\"rejected_oversized\"}"
        ),
        1.0
    );
    assert!(
        !world.log().contains(SECRET),
        "the secret never reaches the log"
    );
}

#[test]
fn the_documented_github_signature_example_is_accepted_and_a_wrong_one_refused() {
    // docs.github.com, "Validating webhook deliveries".
    let world = World::start(Side::Jira, Side::GitHub);
    let served = serve_with_env(
        &world,
        &[("GITHUB_WEBHOOK_SECRET", "It's a Secret to Everybody")],
    );
    let url = format!("{}/webhooks/github", served.url);
    let documented = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    let headers = |signature: &str| {
        vec![
            ("X-Hub-Signature-256".to_string(), signature.to_string()),
            ("X-GitHub-Delivery".to_string(), "docs-example".to_string()),
            ("X-GitHub-Event".to_string(), "ping".to_string()),
        ]
    };
    let (status, answer) = post(&url, &headers(documented), b"Hello, World!");
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("queued"), "{answer}");
    let wrong = documented.replace("757107", "757108");
    let (status, _) = post(&url, &headers(&wrong), b"Hello, World!");
    assert_eq!(status, 401);
}

/// `serve` with the world's config and state, on a free port, once it is ready (its first
/// sweep done); `extra` environment variables override the usual ones.
fn serve_with_env(world: &World, extra: &[(&str, &str)]) -> Served {
    serve_with_env_args(world, extra, &[])
}

/// [`serve_with_env`] with more arguments.
fn serve_with_env_args(world: &World, extra: &[(&str, &str)], args: &[&str]) -> Served {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(world.dir.path().join("serve.log"))
        .expect("log file");
    let mut command = Command::new(BIN);
    command
        .arg("serve")
        .arg("--config")
        .arg(world.dir.path().join("sync.yaml"))
        .arg("--plugins")
        .arg(workspace().join("plugins"))
        .arg("--cache-dir")
        .arg(cache_dir())
        .arg("--state")
        .arg(world.state())
        .args(["--max-body-bytes", "65536"])
        .args(if args.contains(&"--listen") {
            &[][..]
        } else {
            &["--listen", "127.0.0.1:0"][..]
        })
        .args(args)
        .env_clear()
        .env("HOME", world.dir.path())
        .env("NO_COLOR", "1")
        .env("JIRA_EMAIL", "tester@example.com")
        .env("JIRA_API_TOKEN", "jira-token")
        .env("GITHUB_TOKEN", "github-token")
        .env("LINEAR_API_KEY", "linear-key")
        .env("JIRA_WEBHOOK_SECRET", SECRET)
        .env("GITHUB_WEBHOOK_SECRET", SECRET)
        .env("LINEAR_WEBHOOK_SECRET", SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log);
    for (name, value) in extra {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("pmsync-host serve starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("serve prints where it listens");
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}; log:\n{}", world.log()))
        .to_string();
    let served = Served { child, url };
    wait_until("serve is ready", Duration::from_secs(120), || {
        get(&format!("{}/readyz", served.url)).0 == 200
    });
    served
}

/// The deliveries the sandbox sent to `served` and had acknowledged.
fn acknowledged(world: &World, side: Side) -> Vec<SentWebhook> {
    world
        .sandbox
        .webhooks(side.platform())
        .sent()
        .into_iter()
        .filter(|d| d.status == Some(200))
        .collect()
}

#[test]
fn a_replayed_delivery_is_acknowledged_and_ignored_even_after_a_restart() {
    let world = World::start(Side::Jira, Side::GitHub);
    let served = world.serve();
    edit_travels(&world, &served, Side::Jira);
    let original = acknowledged(&world, Side::Jira)
        .into_iter()
        .next()
        .expect("a delivery was acknowledged");
    let url = |served: &Served| format!("{}/webhooks/jira", served.url);
    let (status, answer) = post(&url(&served), &original.headers, &original.body);
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("duplicate"), "{answer}");
    let rows = deliveries_in_store(&world);
    drop(served);

    let served = world.serve();
    let (status, answer) = post(&url(&served), &original.headers, &original.body);
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("duplicate"), "after a restart: {answer}");
    assert_eq!(
        deliveries_in_store(&world),
        rows,
        "the replay queued nothing"
    );
    assert_eq!(
        metric(
            &served,
            "pmsync_webhook_deliveries_total{outcome=\"duplicate\"}"
        ),
        1.0
    );
}

#[test]
fn kill_9_in_the_middle_of_a_burst_loses_no_acknowledged_delivery() {
    let world = World::start(Side::Jira, Side::GitHub);
    let mut served = world.serve();
    let pairs = world.links();
    assert!(pairs.len() >= 10, "enough linked pairs: {}", pairs.len());
    let burst: Vec<(String, String, String)> = pairs
        .iter()
        .take(10)
        .enumerate()
        .map(|(n, (jira, github))| (jira.clone(), github.clone(), format!("Burst edit {n}")))
        .collect();
    for (jira, _, title) in &burst {
        Side::Jira.retitle(&world.sandbox, jira, title);
    }
    // Kill as soon as every delivery of the burst is acknowledged, mid-sync.
    wait_until("the burst acknowledged", Duration::from_secs(20), || {
        acknowledged(&world, Side::Jira).len() >= burst.len()
    });
    served.child.kill().expect("kill -9");
    let _ = served.child.wait();
    drop(served);

    let store = Store::open(&world.state()).expect("state store opens");
    for delivery in acknowledged(&world, Side::Jira) {
        assert!(
            store
                .delivery_seen("jira", &delivery.delivery_id)
                .expect("store answers"),
            "acknowledged delivery {} is in the store",
            delivery.delivery_id
        );
    }
    let left = store.queue_depth().expect("depth");
    eprintln!("deliveries still queued when killed: {left}");
    drop(store);

    let served = world.serve();
    wait_until(
        "every edit of the burst on GitHub",
        Duration::from_secs(30),
        || {
            burst
                .iter()
                .all(|(_, github, title)| Side::GitHub.title(&world.sandbox, github) == *title)
        },
    );
    wait_until("the queue drained", Duration::from_secs(10), || {
        Store::open(&world.state())
            .and_then(|s| s.queue_depth())
            .map(|d| d == 0)
            .unwrap_or(false)
    });
    drop(served);
}

fn hang_up(served: &Served) {
    let status = Command::new("kill")
        .args(["-HUP", &served.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn sighup_with_an_invalid_config_keeps_the_old_one_running_and_a_valid_one_is_taken() {
    let world = World::start(Side::Jira, Side::GitHub);
    let served = serve_with_env_args(&world, &[], &["--no-watch-config"]);
    world.register_webhooks(&served);
    let path = world.dir.path().join("sync.yaml");
    let good = std::fs::read_to_string(&path).expect("config");
    std::fs::write(
        &path,
        good.replace("direction: \"bidirectional\"", "direction: \"sideways\""),
    )
    .expect("config written");
    hang_up(&served);
    wait_until("the reload refused", Duration::from_secs(30), || {
        metric(&served, "pmsync_config_reloads_total{result=\"refused\"}") == 1.0
    });
    assert!(
        world
            .log()
            .contains("config reload refused; still running generation 1"),
        "the log says why:\n{}",
        world.log()
    );
    assert!(
        world.log().contains("sideways"),
        "the log names the problem:\n{}",
        world.log()
    );
    assert_eq!(get(&format!("{}/readyz", served.url)).0, 200);
    edit_travels(&world, &served, Side::Jira);

    std::fs::write(&path, good).expect("config written");
    hang_up(&served);
    wait_until("the reload taken", Duration::from_secs(30), || {
        metric(&served, "pmsync_config_generation") == 2.0
    });
    edit_travels(&world, &served, Side::Jira);
}

/// A chromedriver of this test, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ =
            send(reqwest::Client::new().delete(format!("{}/session/{}", self.url, self.session)));
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn webdriver(request: reqwest::RequestBuilder) -> serde_json::Value {
    let (status, text) = send(request).expect("chromedriver answers");
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    assert_eq!(status, 200, "chromedriver: {text}");
    value["value"].clone()
}

impl Driver {
    /// chromedriver on a free port with a headless Chromium session, or `None` (with a
    /// visible SKIPPED line) when they are not installed; under CI=true that fails.
    fn start() -> Option<Driver> {
        let which = |tool: &str| {
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        let (Some(chromium), Some(chromedriver)) = (which("chromium"), which("chromedriver"))
        else {
            let message =
                "chromium and chromedriver are not installed: run scripts/ensure-chromium.sh";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
            eprintln!("SKIPPED: {message}");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let mut driver = Driver {
            child,
            url,
            session: String::new(),
        };
        wait_until("chromedriver is ready", Duration::from_secs(20), || {
            get(&format!("{}/status", driver.url)).0 == 200
        });
        let session = webdriver(reqwest::Client::new().post(format!("{}/session", driver.url)).json(
            &serde_json::json!({ "capabilities": { "alwaysMatch": { "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            }}}}),
        ));
        driver.session = session["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        Some(driver)
    }

    fn command(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        webdriver(
            reqwest::Client::new()
                .post(format!("{}/session/{}/{path}", self.url, self.session))
                .json(&body),
        )
    }

    fn open(&self, url: &str) {
        self.command("url", serde_json::json!({ "url": url }));
    }

    /// The element `css` selects once the page shows it.
    fn element(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            let request = reqwest::Client::new()
                .post(format!("{}/session/{}/element", self.url, self.session))
                .json(&serde_json::json!({ "using": "css selector", "value": css }));
            let (status, text) = send(request).expect("chromedriver answers");
            if status == 200 {
                let value: serde_json::Value = serde_json::from_str(&text).expect("json");
                if let Some(id) = value["value"]
                    .as_object()
                    .and_then(|o| o.values().next())
                    .and_then(|v| v.as_str())
                {
                    return id.to_string();
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the page never showed {css}: {text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn text(&self, element: &str) -> String {
        webdriver(reqwest::Client::new().get(format!(
            "{}/session/{}/element/{element}/text",
            self.url, self.session
        )))
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    fn click(&self, element: &str) {
        self.command(&format!("element/{element}/click"), serde_json::json!({}));
    }
}

#[test]
fn a_conflict_shown_on_the_status_page_is_resolved_there_and_conflicts_list_sees_it() {
    let world = World::start_with(Side::Jira, Side::GitHub, "manual");
    let served = serve_with_env(&world, &[]);
    let (jira_id, github_id) = world.links().into_iter().next().expect("a linked pair");
    // Both sides change the title before either delivery is taken: a conflict.
    Side::Jira.retitle(&world.sandbox, &jira_id, "Title from Jira");
    Side::GitHub.retitle(&world.sandbox, &github_id, "Title from GitHub");
    world.register_webhooks(&served);
    Side::Jira.retitle(&world.sandbox, &jira_id, "Title from Jira");
    let conflict = {
        let mut found = None;
        wait_until("the conflict stored", Duration::from_secs(20), || {
            found = Store::open(&world.state())
                .and_then(|s| s.open_conflicts(None))
                .ok()
                .and_then(|c| c.into_iter().next());
            found.is_some()
        });
        found.expect("a conflict")
    };

    let Some(driver) = Driver::start() else {
        return;
    };
    driver.open(&served.url);
    let row = driver.element(&format!("tr[data-conflict-id=\"{}\"]", conflict.id));
    let shown = driver.text(&row);
    assert!(
        shown.contains("Title from Jira") && shown.contains("Title from GitHub"),
        "{shown}"
    );
    let take_source = driver.element(&format!("#resolve-{}-source", conflict.id));
    driver.click(&take_source);

    let conflicts_list = || {
        let out = Command::new(BIN)
            .args(["conflicts", "list", "--json", "--state"])
            .arg(world.state())
            .env_clear()
            .env("HOME", world.dir.path())
            .output()
            .expect("conflicts list runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("json")
    };
    wait_until(
        "conflicts list sees it resolved",
        Duration::from_secs(20),
        || {
            let listed = conflicts_list();
            let open = listed.as_array().expect("a list");
            open.iter()
                .filter(|c| c["id"] == conflict.id)
                .all(|c| c["resolution"]["take"] == "source")
        },
    );
    wait_until(
        "the choice written to GitHub",
        Duration::from_secs(20),
        || Side::GitHub.title(&world.sandbox, &github_id) == "Title from Jira",
    );
    let listed = conflicts_list();
    assert!(
        listed
            .as_array()
            .expect("a list")
            .iter()
            .all(|c| c["id"] != conflict.id),
        "once written the conflict is no longer open: {listed}"
    );
}

#[test]
fn an_edited_config_file_is_taken_without_a_signal_and_logs_are_json_when_asked() {
    let world = World::start(Side::Jira, Side::GitHub);
    let served = serve_with_env_args(&world, &[], &["--log-format", "json"]);
    world.register_webhooks(&served);
    let path = world.dir.path().join("sync.yaml");
    let good = std::fs::read_to_string(&path).expect("config");
    std::fs::write(&path, good.replace("concurrency: 2", "concurrency: 3"))
        .expect("config written");
    wait_until("the changed file taken", Duration::from_secs(30), || {
        metric(&served, "pmsync_config_generation") == 2.0
    });
    edit_travels(&world, &served, Side::Jira);
    let log = world.log();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("config reloaded (generation 2)"))),
        "{log}"
    );
    assert!(lines.iter().all(|l| l["timestamp"].is_string()), "{log}");
}

#[test]
fn the_status_page_beyond_loopback_needs_the_token_and_is_off_without_one() {
    let world = World::start(Side::Jira, Side::GitHub);
    let served = serve_with_env_args(
        &world,
        &[("PMSYNC_STATUS_TOKEN", "page-token")],
        &["--listen", "0.0.0.0:0"],
    );
    assert_eq!(get(&format!("{}/healthz", served.url)).0, 200);
    assert_eq!(get(&format!("{}/", served.url)).0, 401);
    assert_eq!(get(&format!("{}/api/status", served.url)).0, 401);
    assert_eq!(get(&format!("{}/?token=wrong", served.url)).0, 401);
    let (status, page) = get(&format!("{}/?token=page-token", served.url));
    assert_eq!(status, 200);
    assert!(page.contains("pmsync"), "{page}");
    let (status, json) = get(&format!("{}/api/status?token=page-token", served.url));
    assert_eq!(status, 200, "{json}");
    let status: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(status["syncs"][0]["name"], SYNC);
    // A write without the header a cross-site form cannot send is refused.
    let (status, _) = post(
        &format!("{}/api/conflicts/1/resolve?token=page-token", served.url),
        &[("Content-Type".to_string(), "application/json".to_string())],
        br#"{"take":"source"}"#,
    );
    assert_eq!(status, 403);
    drop(served);

    let served = serve_with_env_args(&world, &[], &["--listen", "0.0.0.0:0"]);
    assert_eq!(get(&format!("{}/?token=page-token", served.url)).0, 403);
    assert_eq!(
        get(&format!("{}/readyz", served.url)).0,
        200,
        "the rest still works"
    );
}

/// Kills a child process when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_sandbox_command_delivers_to_serve_in_another_process() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let serve_url = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sandbox = Killed(
        Command::new(BIN)
            .args([
                "sandbox",
                "--json",
                "--time-scale",
                "0.01",
                "--webhooks",
                &serve_url,
            ])
            .env_clear()
            .env("PMSYNC_SANDBOX_WEBHOOK_SECRET", SECRET)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sandbox starts"),
    );
    // The sandbox prints one JSON document (over several lines) saying where it is.
    let mut reader = BufReader::new(sandbox.0.stdout.take().expect("stdout"));
    let mut text = String::new();
    let urls: serde_json::Value = loop {
        let read = reader
            .read_line(&mut text)
            .expect("the sandbox says where it is");
        assert!(
            read > 0,
            "the sandbox ended before saying where it is: {text}"
        );
        if let Ok(urls) = serde_json::from_str(&text) {
            break urls;
        }
    };
    let (jira, github) = (
        urls["jira"].as_str().expect("jira").to_string(),
        urls["github"].as_str().expect("github").to_string(),
    );
    let config = format!(
        r#"
name: "{SYNC}"
source_platform: "jira"
target_platform: "github"
sync_interval: 3600
platforms:
  jira:
    settings: {{ base_url: "{jira}", project: "PROJ" }}
    credentials:
      token: {{ type: basic, user: "${{JIRA_EMAIL}}", token: "${{JIRA_API_TOKEN}}" }}
    allow_hosts: ["http://127.0.0.1:*"]
    webhook_secret: "${{JIRA_WEBHOOK_SECRET}}"
  github:
    settings: {{ base_url: "{github}", repo: "acme/widgets" }}
    credentials:
      token: {{ type: bearer, token: "${{GITHUB_TOKEN}}" }}
    allow_hosts: ["http://127.0.0.1:*"]
    webhook_secret: "${{GITHUB_WEBHOOK_SECRET}}"
field_mappings:
  - {{ source_field: summary, target_field: title, required: true }}
"#
    );
    std::fs::write(dir.path().join("sync.yaml"), config).expect("config written");
    let state = dir.path().join("state.db");
    let _serve = Killed(
        Command::new(BIN)
            .arg("serve")
            .arg("--config")
            .arg(dir.path().join("sync.yaml"))
            .arg("--plugins")
            .arg(workspace().join("plugins"))
            .arg("--cache-dir")
            .arg(cache_dir())
            .arg("--state")
            .arg(&state)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env_clear()
            .env("HOME", dir.path())
            .env("JIRA_EMAIL", "tester@example.com")
            .env("JIRA_API_TOKEN", "jira-token")
            .env("GITHUB_TOKEN", "github-token")
            .env("JIRA_WEBHOOK_SECRET", SECRET)
            .env("GITHUB_WEBHOOK_SECRET", SECRET)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts"),
    );
    wait_until("serve is ready", Duration::from_secs(120), || {
        get(&format!("{serve_url}/readyz")).0 == 200
    });
    let link = Store::open(&state)
        .expect("state store")
        .links(SYNC)
        .expect("links")
        .into_iter()
        .next()
        .expect("the first sweep linked items");

    // A person edits the Jira issue through the API of the sandbox process.
    let edit = reqwest::Client::new()
        .put(format!("{jira}/rest/api/3/issue/{}", link.source_key))
        .basic_auth("person@example.com", Some("token"))
        .json(&serde_json::json!({ "fields": { "summary": "Edited in another process" } }));
    let (status, answer) = send(edit).expect("Jira answers");
    assert_eq!(status, 204, "{answer}");
    wait_until("the edit on GitHub", Duration::from_secs(20), || {
        let read = reqwest::Client::new()
            .get(format!(
                "{github}/repos/acme/widgets/issues/{}",
                link.target_id
            ))
            .bearer_auth("token");
        send(read).is_some_and(|(_, body)| body.contains("Edited in another process"))
    });
    wait_until("the webhook run counted", Duration::from_secs(10), || {
        metric_at(&serve_url, "pmsync_runs_total{kind=\"webhook\"}") >= 1.0
    });
    assert_eq!(
        metric_at(&serve_url, "pmsync_runs_total{kind=\"sweep\"}"),
        1.0,
        "a delivery carried the edit, not a sweep"
    );
}

fn metric_at(url: &str, sample: &str) -> f64 {
    let (_, text) = get(&format!("{url}/metrics"));
    text.lines()
        .find_map(|line| line.strip_prefix(sample)?.trim().parse().ok())
        .unwrap_or(0.0)
}
