//! The HTTP gateway against small axum servers on 127.0.0.1: grants, credential injection,
//! platform rate limits, retries, timeouts and metrics.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::response::Response;
use pmsync_host::http::{
    Credential, Gateway, GatewayConfig, GatewaySettings, HostPattern, HttpClient, HttpFailure,
    HttpTransport, OutboundRequest, PlatformLimiter, RatePolicy, RetryPolicy, Secret,
    TransportSettings,
};
use tokio::runtime::Runtime;

// ---------------------------------------------------------------------------------------
// Test server

#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
}

impl Reply {
    fn status(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    fn ok(body: &str) -> Self {
        Reply {
            body: body.as_bytes().to_vec(),
            ..Reply::status(200)
        }
    }

    fn header(mut self, name: &str, value: impl ToString) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Debug, Clone)]
struct Hit {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    started: Instant,
    started_wall: SystemTime,
    finished: Option<Instant>,
}

impl Hit {
    fn header_values(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// What the server saw.
#[derive(Clone, Default)]
struct Observed {
    hits: Arc<Mutex<Vec<Hit>>>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

impl Observed {
    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    fn count(&self) -> usize {
        self.hits.lock().unwrap().len()
    }
}

type Script = Arc<dyn Fn(usize, &Hit) -> Reply + Send + Sync>;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("test runtime")
}

/// Starts a server answering the n-th request (0-based) with `script(n, hit)`.
/// Returns its base URL (`http://127.0.0.1:<port>`).
fn serve(
    rt: &Runtime,
    script: impl Fn(usize, &Hit) -> Reply + Send + Sync + 'static,
) -> (String, Observed) {
    let observed = Observed::default();
    let script: Script = Arc::new(script);
    let state = observed.clone();
    let app = Router::new().fallback(move |request: Request| {
        let state = state.clone();
        let script = script.clone();
        async move { handle(state, script, request).await }
    });
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind test server");
    let address: SocketAddr = listener.local_addr().expect("local address");
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{address}"), observed)
}

async fn handle(state: Observed, script: Script, request: Request) -> Response {
    let now_in_flight = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state
        .max_in_flight
        .fetch_max(now_in_flight, Ordering::SeqCst);
    let hit = Hit {
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
        headers: request
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        started: Instant::now(),
        started_wall: SystemTime::now(),
        finished: None,
    };
    let _ = to_bytes(request.into_body(), usize::MAX).await;
    let index = {
        let mut hits = state.hits.lock().unwrap();
        hits.push(hit.clone());
        hits.len() - 1
    };
    let reply = script(index, &hit);
    tokio::time::sleep(reply.delay).await;
    state.hits.lock().unwrap()[index].finished = Some(Instant::now());
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    let mut response = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    response
        .body(Body::from(reply.body))
        .expect("valid test response")
}

// ---------------------------------------------------------------------------------------
// Gateway helpers

fn transport(rt: &Runtime) -> Arc<HttpTransport> {
    let settings = TransportSettings {
        connect_timeout: Duration::from_secs(2),
        use_system_proxy: false,
        ..TransportSettings::default()
    };
    HttpTransport::new(rt.handle().clone(), &settings).expect("transport")
}

fn fast_settings() -> GatewaySettings {
    GatewaySettings {
        request_timeout: Duration::from_secs(5),
        max_response_bytes: 1024 * 1024,
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_total: Duration::from_secs(20),
        },
    }
}

fn config(plugin: &str, grants: &[&str], settings: GatewaySettings) -> GatewayConfig {
    GatewayConfig {
        plugin: plugin.to_string(),
        grants: grants
            .iter()
            .map(|g| HostPattern::parse(g).expect("test grant"))
            .collect(),
        declared_credentials: BTreeSet::new(),
        credentials: BTreeMap::new(),
        settings,
    }
}

fn loopback_gateway(rt: &Runtime, policy: RatePolicy, settings: GatewaySettings) -> Gateway {
    let limiter = PlatformLimiter::new(format!("{:?}", policy.kind).to_lowercase(), policy);
    Gateway::new(
        config("test-connector", &["http://127.0.0.1:*"], settings),
        transport(rt),
        limiter,
    )
}

fn request(method: &str, url: String) -> OutboundRequest {
    OutboundRequest {
        method: method.to_string(),
        url,
        headers: Vec::new(),
        body: None,
        credential: None,
    }
}

fn get(url: String) -> OutboundRequest {
    request("GET", url)
}

fn epoch_now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
}

// ---------------------------------------------------------------------------------------
// Grants, headers and credentials

#[test]
fn url_outside_the_grants_is_denied_and_never_reaches_the_server() {
    let rt = runtime();
    let (base, observed) = serve(&rt, |_, _| Reply::ok("should not be reached"));
    let port = base.rsplit(':').next().unwrap().to_string();
    let gateway = Gateway::new(
        config("github", &["https://api.github.com"], fast_settings()),
        transport(&rt),
        PlatformLimiter::new("github", RatePolicy::github()),
    );

    let failure = gateway
        .send(get(format!("{base}/repos/o/r/issues")))
        .expect_err("an ungranted origin must be denied");

    assert_eq!(
        failure,
        HttpFailure::Denied(format!(
            "plugin github is not granted http://127.0.0.1:{port}"
        ))
    );
    assert_eq!(observed.count(), 0);
    assert_eq!(gateway.limiter().metrics().denied, 1);
    assert_eq!(gateway.limiter().metrics().attempts, 0);
}

#[test]
fn host_header_override_is_denied_and_never_reaches_the_server() {
    let rt = runtime();
    let (base, observed) = serve(&rt, |_, _| Reply::ok("should not be reached"));
    let gateway = loopback_gateway(&rt, RatePolicy::generic(), fast_settings());
    let mut sneaky = get(format!("{base}/x"));
    sneaky
        .headers
        .push(("Host".into(), "internal.example".into()));

    let failure = gateway
        .send(sneaky)
        .expect_err("Host override must be denied");

    assert!(
        matches!(&failure, HttpFailure::Denied(m) if m.contains("Host header")),
        "{failure}"
    );
    assert_eq!(observed.count(), 0);
}

#[test]
fn url_with_user_info_is_an_invalid_request() {
    let rt = runtime();
    let (base, observed) = serve(&rt, |_, _| Reply::ok("should not be reached"));
    let gateway = loopback_gateway(&rt, RatePolicy::generic(), fast_settings());
    let url = base.replace("http://", "http://me:pw@");

    let failure = gateway
        .send(get(url))
        .expect_err("user info must be refused");

    assert!(
        matches!(failure, HttpFailure::InvalidRequest(_)),
        "{failure}"
    );
    assert!(!failure.to_string().contains("pw"), "{failure}");
    assert_eq!(observed.count(), 0);
}

#[test]
fn granted_request_carries_the_injected_credential_and_not_the_plugins_authorization() {
    let rt = runtime();
    let (base, observed) = serve(&rt, |_, _| Reply::ok("{}"));
    let mut config = config("github", &["http://127.0.0.1:*"], fast_settings());
    config.declared_credentials.insert("token".into());
    config.credentials.insert(
        "token".into(),
        Credential::Bearer(Secret::new("ghp_operator_token")),
    );
    let gateway = Gateway::new(
        config,
        transport(&rt),
        PlatformLimiter::new("github", RatePolicy::github()),
    );
    let mut outbound = get(format!("{base}/user"));
    outbound.credential = Some("token".into());
    outbound.headers = vec![
        ("Authorization".into(), "Bearer made-up-by-plugin".into()),
        ("Cookie".into(), "session=plugin".into()),
        ("Accept".into(), "application/vnd.github+json".into()),
    ];

    let response = gateway.send(outbound).expect("granted request");

    assert_eq!(response.status, 200);
    let hits = observed.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].header_values("authorization"),
        vec!["Bearer ghp_operator_token"]
    );
    assert!(hits[0].header_values("cookie").is_empty());
    assert_eq!(
        hits[0].header_values("accept"),
        vec!["application/vnd.github+json"]
    );
}

#[test]
fn jira_basic_and_linear_raw_credentials_are_sent_as_configured() {
    let rt = runtime();
    let (base, observed) = serve(&rt, |_, _| Reply::ok("{}"));
    let transport = transport(&rt);
    let make = |plugin: &str, credential: Credential| {
        let mut config = config(plugin, &["http://127.0.0.1:*"], fast_settings());
        config.declared_credentials.insert("token".into());
        config.credentials.insert("token".into(), credential);
        Gateway::new(
            config,
            transport.clone(),
            PlatformLimiter::new(plugin, declared_policy(plugin)),
        )
    };
    let jira = make(
        "jira",
        Credential::Basic {
            user: "me@example.com".into(),
            token: Secret::new("api-token"),
        },
    );
    let linear = make(
        "linear",
        Credential::Raw {
            header: "Authorization".into(),
            value: Secret::new("lin_api_key"),
        },
    );
    let mut to_jira = get(format!("{base}/rest/api/3/myself"));
    to_jira.credential = Some("token".into());
    let mut to_linear = request("POST", format!("{base}/graphql"));
    to_linear.credential = Some("token".into());
    to_linear.body = Some(br#"{"query":"{ viewer { id } }"}"#.to_vec());

    jira.send(to_jira).expect("jira request");
    linear.send(to_linear).expect("linear request");

    let hits = observed.hits();
    assert_eq!(
        hits[0].header_values("authorization"),
        vec!["Basic bWVAZXhhbXBsZS5jb206YXBpLXRva2Vu"]
    );
    assert_eq!(hits[1].header_values("authorization"), vec!["lin_api_key"]);
}

#[test]
fn undeclared_or_unconfigured_credentials_are_denied_and_secrets_never_appear_in_failures() {
    let rt = runtime();
    let (base, observed) = serve(&rt, |_, _| Reply::ok("{}"));
    let transport = transport(&rt);
    let secret = "ghp_do_not_leak_me";
    let limiter = PlatformLimiter::new("github", RatePolicy::github());
    let gateway_with = |declared: &[&str], configured: Option<Credential>| {
        let mut config = config("github", &["http://127.0.0.1:*"], fast_settings());
        config.declared_credentials = declared.iter().map(|s| s.to_string()).collect();
        if let Some(credential) = configured {
            config.credentials.insert("token".into(), credential);
        }
        Gateway::new(config, transport.clone(), limiter.clone())
    };
    let with_credential = |url: String| {
        let mut outbound = get(url);
        outbound.credential = Some("token".into());
        outbound
    };

    let undeclared = gateway_with(&[], Some(Credential::Bearer(Secret::new(secret))));
    let not_configured = gateway_with(&["token"], None);
    let unusable = gateway_with(
        &["token"],
        Some(Credential::Bearer(Secret::new(format!(
            "{secret}\r\nX-Evil: 1"
        )))),
    );

    let failures = [
        undeclared
            .send(with_credential(format!("{base}/a")))
            .unwrap_err(),
        not_configured
            .send(with_credential(format!("{base}/b")))
            .unwrap_err(),
        unusable
            .send(with_credential(format!("{base}/c")))
            .unwrap_err(),
    ];

    assert!(
        failures[0].to_string().contains("does not declare"),
        "{}",
        failures[0]
    );
    assert!(
        failures[1].to_string().contains("not configured"),
        "{}",
        failures[1]
    );
    assert!(
        failures[2].to_string().contains("cannot be used"),
        "{}",
        failures[2]
    );
    for failure in &failures {
        assert!(matches!(failure, HttpFailure::Denied(_)), "{failure}");
        assert!(
            !format!("{failure} {failure:?}").contains(secret),
            "{failure:?}"
        );
    }
    assert!(!format!("{undeclared:?}").contains(secret));
    assert_eq!(observed.count(), 0);
    assert_eq!(limiter.metrics().denied, 3);
}

#[test]
fn redirects_are_returned_to_the_plugin_not_followed() {
    let rt = runtime();
    let (base, observed) = serve(&rt, |_, hit| {
        if hit.path == "/start" {
            Reply::status(302).header("location", "/elsewhere")
        } else {
            Reply::ok("followed")
        }
    });
    let gateway = loopback_gateway(&rt, RatePolicy::generic(), fast_settings());

    let response = gateway
        .send(get(format!("{base}/start")))
        .expect("response");

    assert_eq!(response.status, 302);
    assert_eq!(response.header("location"), Some("/elsewhere"));
    assert_eq!(observed.count(), 1);
}

// ---------------------------------------------------------------------------------------
// Rate limits

#[test]
fn rate_limited_429_with_retry_after_is_retried_after_the_delay_and_succeeds() {
    let rt = runtime();
    let (base, observed) = serve(&rt, |n, _| match n {
        0 => Reply::status(429)
            .header("retry-after", "1")
            .header("ratelimit-reason", "jira-burst-based"),
        _ => Reply::ok("{\"ok\":true}"),
    });
    let gateway = loopback_gateway(&rt, RatePolicy::jira(), fast_settings());

    let response = gateway
        .send(get(format!("{base}/rest/api/3/search/jql")))
        .expect("response");

    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"{\"ok\":true}");
    let hits = observed.hits();
    assert_eq!(hits.len(), 2);
    let gap = hits[1].started - hits[0].started;
    assert!(gap >= Duration::from_secs(1), "retried after only {gap:?}");
    let metrics = gateway.limiter().metrics();
    assert_eq!(metrics.retries, 1);
    assert!(metrics.rate_limit_wait_ms >= 900.0, "{metrics:?}");
}

#[test]
fn jira_503_with_retry_after_is_retried_even_for_post() {
    let rt = runtime();
    let (base, observed) = serve(&rt, |n, _| match n {
        0 => Reply::status(503).header("retry-after", "0"),
        _ => Reply::status(201),
    });
    let gateway = loopback_gateway(&rt, RatePolicy::jira(), fast_settings());

    let response = gateway
        .send(request("POST", format!("{base}/rest/api/3/issue")))
        .expect("response");

    assert_eq!(response.status, 201);
    assert_eq!(observed.count(), 2);
}

#[test]
fn github_exhausted_budget_makes_the_next_request_wait_for_the_reset() {
    let rt = runtime();
    let reset_epoch = epoch_now().as_secs() + 2;
    let (base, observed) = serve(&rt, move |n, _| match n {
        0 => Reply::ok("[]")
            .header("x-ratelimit-limit", "5000")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", reset_epoch)
            .header("x-ratelimit-resource", "core"),
        _ => Reply::ok("[]")
            .header("x-ratelimit-remaining", "4999")
            .header("x-ratelimit-reset", reset_epoch + 3600)
            .header("x-ratelimit-resource", "core"),
    });
    let policy = RatePolicy::github().with_min_write_interval(Some(Duration::from_millis(10)));
    let gateway = loopback_gateway(&rt, policy, fast_settings());

    let first = gateway
        .send(get(format!("{base}/repos/o/r/issues")))
        .expect("first");
    let second = gateway
        .send(get(format!("{base}/repos/o/r/issues")))
        .expect("second");

    assert_eq!((first.status, second.status), (200, 200));
    let hits = observed.hits();
    assert_eq!(hits.len(), 2);
    let second_at = hits[1].started_wall.duration_since(UNIX_EPOCH).unwrap();
    assert!(
        second_at >= Duration::from_secs(reset_epoch),
        "second request at {second_at:?}, before the reset at {reset_epoch}s"
    );
    assert!(gateway.limiter().metrics().rate_limit_wait_ms > 0.0);
}

#[test]
fn github_reset_beyond_the_maximum_wait_returns_the_limit_response_at_once() {
    let rt = runtime();
    let reset_epoch = epoch_now().as_secs() + 3600;
    let (base, observed) = serve(&rt, move |_, _| {
        Reply::status(403)
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", reset_epoch)
            .body(br#"{"message":"API rate limit exceeded"}"#.to_vec())
    });
    let policy = RatePolicy::github().with_max_rate_limit_wait(Duration::from_secs(1));
    let gateway = loopback_gateway(&rt, policy, fast_settings());
    let started = Instant::now();

    let response = gateway
        .send(get(format!("{base}/repos/o/r/issues")))
        .expect("response");

    assert_eq!(response.status, 403);
    assert_eq!(
        response.header("x-ratelimit-reset"),
        Some(reset_epoch.to_string().as_str())
    );
    assert_eq!(observed.count(), 1);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn github_secondary_limit_403_with_retry_after_is_retried() {
    let rt = runtime();
    let (base, observed) = serve(&rt, |n, _| match n {
        0 => Reply::status(403)
            .header("retry-after", "1")
            .body(br#"{"message":"You have exceeded a secondary rate limit"}"#.to_vec()),
        _ => Reply::status(200),
    });
    let policy = RatePolicy::github().with_min_write_interval(Some(Duration::from_millis(10)));
    let gateway = loopback_gateway(&rt, policy, fast_settings());

    let response = gateway
        .send(request("PATCH", format!("{base}/repos/o/r/issues/1")))
        .expect("response");

    assert_eq!(response.status, 200);
    let hits = observed.hits();
    assert_eq!(hits.len(), 2);
    assert!(hits[1].started - hits[0].started >= Duration::from_secs(1));
}

#[test]
fn linear_429_waits_for_the_reported_request_budget_reset() {
    let rt = runtime();
    let reset_ms = epoch_now().as_millis() as u64 + 600;
    let (base, observed) = serve(&rt, move |n, _| match n {
        0 => Reply::status(429)
            .header("x-ratelimit-requests-limit", "1500")
            .header("x-ratelimit-requests-remaining", "0")
            .header("x-ratelimit-requests-reset", reset_ms)
            .body(br#"{"errors":[{"extensions":{"code":"RATELIMITED"}}]}"#.to_vec()),
        _ => Reply::ok("{\"data\":{}}").header("x-ratelimit-requests-remaining", "1499"),
    });
    let gateway = loopback_gateway(&rt, RatePolicy::linear(), fast_settings());

    let response = gateway
        .send(request("POST", format!("{base}/graphql")))
        .expect("response");

    assert_eq!(response.status, 200);
    let hits = observed.hits();
    assert_eq!(hits.len(), 2);
    let second_ms = hits[1]
        .started_wall
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(
        second_ms >= reset_ms,
        "retried at {second_ms}, reset at {reset_ms}"
    );
}

#[test]
fn github_writes_from_several_threads_are_serialized_and_spaced() {
    let rt = runtime();
    let interval = Duration::from_millis(40);
    let (base, observed) = serve(&rt, |_, hit| {
        if hit.method == "POST" {
            Reply::status(201).delay(Duration::from_millis(15))
        } else {
            Reply::ok("{}")
        }
    });
    let transport = transport(&rt);
    let limiter = PlatformLimiter::new(
        "github",
        RatePolicy::github().with_min_write_interval(Some(interval)),
    );
    let gateways: Vec<Arc<Gateway>> = (0..2)
        .map(|_| {
            Arc::new(Gateway::new(
                config("github", &["http://127.0.0.1:*"], fast_settings()),
                transport.clone(),
                limiter.clone(),
            ))
        })
        .collect();

    let threads: Vec<_> = (0..4)
        .map(|t| {
            let gateway = gateways[t % 2].clone();
            let base = base.clone();
            thread::spawn(move || {
                for i in 0..3 {
                    let mut post = request("POST", format!("{base}/repos/o/r/issues"));
                    post.body = Some(format!("{{\"title\":\"t{t}-{i}\"}}").into_bytes());
                    let response = gateway.send(post).expect("write");
                    assert_eq!(response.status, 201);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("writer thread");
    }

    let mut hits = observed.hits();
    assert_eq!(hits.len(), 12);
    assert_eq!(
        observed.max_in_flight.load(Ordering::SeqCst),
        1,
        "writes overlapped"
    );
    hits.sort_by_key(|h| h.started);
    for pair in hits.windows(2) {
        let previous_end = pair[0].finished.expect("finished");
        let gap = pair[1].started.saturating_duration_since(previous_end);
        assert!(
            pair[1].started >= previous_end && gap >= interval,
            "write started {gap:?} after the previous one finished (want >= {interval:?})"
        );
    }
    assert!(limiter.metrics().write_queue_wait_ms > 0.0);
}

// ---------------------------------------------------------------------------------------
// Retries, failures, timeouts

#[test]
fn server_error_is_retried_then_succeeds() {
    let rt = runtime();
    let (base, observed) = serve(&rt, |n, _| match n {
        0 => Reply::status(500),
        1 => Reply::status(502),
        _ => Reply::ok("fine"),
    });
    let gateway = loopback_gateway(&rt, RatePolicy::generic(), fast_settings());

    let response = gateway
        .send(get(format!("{base}/items")))
        .expect("response");

    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"fine");
    assert_eq!(observed.count(), 3);
}

#[test]
fn retries_are_bounded_and_a_persistent_503_is_returned() {
    let rt = runtime();
    let (base, observed) = serve(&rt, |_, _| Reply::status(503).body(b"down".to_vec()));
    let mut settings = fast_settings();
    settings.retry.max_attempts = 3;
    let gateway = loopback_gateway(&rt, RatePolicy::generic(), settings);

    let response = gateway
        .send(get(format!("{base}/items")))
        .expect("response");

    assert_eq!(response.status, 503);
    assert_eq!(response.body, b"down");
    assert_eq!(observed.count(), 3);
}

#[test]
fn post_is_not_retried_after_a_500() {
    let rt = runtime();
    let (base, observed) = serve(&rt, |_, _| Reply::status(500));
    let gateway = loopback_gateway(&rt, RatePolicy::generic(), fast_settings());

    let response = gateway
        .send(request("POST", format!("{base}/items")))
        .expect("response");

    assert_eq!(response.status, 500);
    assert_eq!(observed.count(), 1);
}

#[test]
fn connection_refused_is_a_transport_error_after_bounded_retries() {
    let rt = runtime();
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let gateway = loopback_gateway(&rt, RatePolicy::generic(), fast_settings());

    let failure = gateway
        .send(request(
            "POST",
            format!("http://127.0.0.1:{closed_port}/items"),
        ))
        .expect_err("nothing listens there");

    assert!(
        matches!(&failure, HttpFailure::Transport(m) if m.contains("4 attempts")),
        "{failure}"
    );
    let metrics = gateway.limiter().metrics();
    assert_eq!(
        metrics.transport_errors, 4,
        "connect errors are retried even for POST"
    );
    assert_eq!(metrics.retries, 3);
}

#[test]
fn slow_server_gives_a_timeout() {
    let rt = runtime();
    let (base, _observed) = serve(&rt, |_, _| Reply::ok("late").delay(Duration::from_secs(3)));
    let mut settings = fast_settings();
    settings.request_timeout = Duration::from_millis(200);
    settings.retry.max_attempts = 2;
    let gateway = loopback_gateway(&rt, RatePolicy::generic(), settings);
    let started = Instant::now();

    let failure = gateway
        .send(get(format!("{base}/slow")))
        .expect_err("too slow");

    assert!(matches!(failure, HttpFailure::Timeout(_)), "{failure}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(gateway.limiter().metrics().timeouts, 2);
}

#[test]
fn oversized_response_body_is_an_error() {
    let rt = runtime();
    let (base, _observed) = serve(&rt, |_, _| Reply::ok("").body(vec![b'x'; 4096]));
    let mut settings = fast_settings();
    settings.max_response_bytes = 1024;
    let gateway = loopback_gateway(&rt, RatePolicy::generic(), settings);

    let failure = gateway
        .send(get(format!("{base}/big")))
        .expect_err("too big");

    assert!(
        matches!(&failure, HttpFailure::Transport(m) if m.contains("exceeds the limit of 1024 bytes")),
        "{failure}"
    );
}

#[test]
fn send_from_inside_an_async_runtime_is_refused_instead_of_panicking() {
    let rt = runtime();
    let (base, observed) = serve(&rt, |_, _| Reply::ok("{}"));
    let gateway = loopback_gateway(&rt, RatePolicy::generic(), fast_settings());

    let result = rt.block_on(async { gateway.send(get(format!("{base}/x"))) });

    assert!(matches!(result, Err(HttpFailure::Transport(m)) if m.contains("spawn_blocking")));
    assert_eq!(observed.count(), 0);
}

#[test]
fn gateway_with_its_own_runtime_sends_requests() {
    let rt = runtime();
    let (base, _observed) = serve(&rt, |_, _| Reply::ok("own runtime"));
    let settings = TransportSettings {
        use_system_proxy: false,
        ..TransportSettings::default()
    };
    let gateway = Gateway::new(
        config("generic", &["http://127.0.0.1:*"], fast_settings()),
        HttpTransport::with_own_runtime(&settings).expect("own runtime"),
        PlatformLimiter::new("generic", RatePolicy::generic()),
    );

    let response = gateway.send(get(format!("{base}/x"))).expect("response");

    assert_eq!(response.body, b"own runtime");
}

#[test]
fn transport_refuses_a_current_thread_runtime_that_could_not_drive_plugin_requests() {
    let current_thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let result = HttpTransport::new(
        current_thread.handle().clone(),
        &TransportSettings::default(),
    );

    assert!(result.is_err());
}

// ---------------------------------------------------------------------------------------
// Metrics

#[test]
fn metrics_count_requests_attempts_retries_and_status_classes() {
    let rt = runtime();
    let (base, _observed) = serve(&rt, |n, hit| match (hit.path.as_str(), n) {
        ("/flaky", 0) => Reply::status(503),
        ("/missing", _) => Reply::status(404),
        _ => Reply::ok("{}"),
    });
    let gateway = loopback_gateway(&rt, RatePolicy::generic(), fast_settings());

    gateway.send(get(format!("{base}/flaky"))).expect("flaky");
    gateway
        .send(get(format!("{base}/missing")))
        .expect("missing");
    let _ = gateway.send(get("https://not-granted.example/".into()));

    let metrics = gateway.limiter().metrics();
    assert_eq!(metrics.requests, 3);
    assert_eq!(metrics.attempts, 3);
    assert_eq!(metrics.retries, 1);
    assert_eq!(metrics.denied, 1);
    assert_eq!(metrics.responses_by_status_class.get("2xx"), Some(&1));
    assert_eq!(metrics.responses_by_status_class.get("4xx"), Some(&1));
    assert_eq!(metrics.responses_by_status_class.get("5xx"), Some(&1));
    assert!(metrics.latency_max_ms >= metrics.latency_avg_ms && metrics.latency_avg_ms > 0.0);
    let json = serde_json::to_value(&metrics).expect("serializable");
    assert_eq!(json["retries"], 1);
    assert_eq!(json["platform"], "generic");
}

/// The rate policy each first-party connector declares in its plugin.toml.
fn declared_policy(plugin: &str) -> RatePolicy {
    use pmsync_host::http::PlatformKind;
    match plugin {
        "github" => RatePolicy::declared(PlatformKind::GitHub, Some(Duration::from_secs(1))),
        "jira" => RatePolicy::declared(PlatformKind::Jira, None),
        "linear" => RatePolicy::declared(PlatformKind::Linear, None),
        _ => RatePolicy::declared(PlatformKind::Generic, None),
    }
}
