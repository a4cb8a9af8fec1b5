//! The plugin runtime against real components built by `scripts/build-plugins.sh`
//! (`make plugins`): sandbox, limits, refusals, the compiled-component cache and the
//! connector facade.

use pmsync_core::plugins::{CustomTransforms, TransformCall, TransformContext};
use pmsync_core::{ItemError, Value};
use pmsync_host::connector::ListRequest;
use pmsync_host::http::{HttpClient, HttpFailure, InboundResponse, OutboundRequest};
use pmsync_host::plugin::{CacheOutcome, Grants, LimitCaps, PluginGrant, PluginRuntime, PluginSet};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const HOSTILE_PANIC: &str = "hostile plugin gave up on purpose";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// The folder of a test plugin; fails clearly when its component was not built.
fn test_plugin(name: &str) -> PathBuf {
    let folder = workspace_root().join("tests/plugins").join(name);
    let manifest =
        std::fs::read_to_string(folder.join("plugin.toml")).expect("test plugin manifest");
    let component = manifest
        .lines()
        .find_map(|l| l.strip_prefix("component = "))
        .map(|c| c.trim().trim_matches('"').to_string())
        .expect("manifest names its component");
    assert!(
        folder.join(&component).is_file(),
        "component {} is missing: run `make plugins` (scripts/build-plugins.sh) before these tests",
        folder.join(&component).display()
    );
    folder
}

/// Copies a test plugin into `dir/<name>`, optionally rewriting its manifest.
fn copy_plugin(name: &str, dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let from = test_plugin(name);
    let to = dir.join(name);
    crate::support::copy_plugin_folder(&from, to, edit)
}

/// One runtime and hostile plugin shared by the sandbox tests (compiling it once).
fn hostile() -> &'static PluginSet {
    static SET: OnceLock<(tempfile::TempDir, PluginRuntime, PluginSet)> = OnceLock::new();
    let (_, _, set) = SET.get_or_init(|| {
        let cache = tempfile::tempdir().unwrap();
        let runtime = PluginRuntime::with_cache_dir(cache.path()).unwrap();
        let report = runtime.load_dir(&test_plugin("hostile"), &Grants::default());
        assert!(
            report.errors.is_empty(),
            "hostile plugin refused: {:?}",
            report.errors
        );
        (cache, runtime, report.plugins)
    });
    set
}

fn call(name: &str, value: Value) -> TransformCall {
    TransformCall {
        name: name.to_string(),
        value,
        context: TransformContext {
            field: "summary -> title".into(),
            source_platform: "jira".into(),
            target_platform: "github".into(),
            item_key: "PROJ-1".into(),
        },
    }
}

fn transform(set: &PluginSet, name: &str, value: Value) -> Result<Value, ItemError> {
    let mut results = set.transform_batch(&[call(name, value)]);
    assert_eq!(results.len(), 1);
    results.remove(0)
}

fn plugin_failure(result: Result<Value, ItemError>) -> String {
    match result {
        Err(ItemError::Plugin(message)) => message,
        other => panic!("expected a plugin failure, got {other:?}"),
    }
}

fn assert_upper_still_works(set: &PluginSet) {
    assert_eq!(
        transform(set, "upper", Value::Text("still alive".into())),
        Ok(Value::Text("STILL ALIVE".into()))
    );
}

#[test]
fn good_transform_runs_in_the_sandbox() {
    let set = hostile();
    assert!(set.has("upper"));
    assert!(!set.has("lower"));
    assert_upper_still_works(set);
    assert!(
        matches!(transform(set, "lower", Value::Null), Err(ItemError::InvalidInput(m)) if m.contains("lower"))
    );
    assert!(matches!(
        transform(set, "upper", Value::Integer(3)),
        Err(ItemError::InvalidInput(_))
    ));
}

#[test]
fn infinite_loop_is_stopped_at_its_deadline_and_named() {
    let set = hostile();
    let started = Instant::now();
    let message = plugin_failure(transform(set, "spin", Value::Null));
    let elapsed = started.elapsed();
    assert!(
        message.starts_with("plugin hostile 0.1.0, transform-batch: "),
        "{message}"
    );
    assert!(message.contains("deadline of 500 ms exceeded"), "{message}");
    assert!(
        elapsed >= Duration::from_millis(450),
        "stopped too early: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "deadline not enforced: {elapsed:?}"
    );
    assert_upper_still_works(set);
}

#[test]
fn fuel_budget_stops_a_loop_before_the_deadline() {
    let cache = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::with_cache_dir(cache.path()).unwrap();
    let mut grants = Grants::default();
    grants.plugins.insert(
        "hostile".into(),
        PluginGrant {
            limits: LimitCaps {
                fuel: Some(5_000_000),
                ..LimitCaps::default()
            },
            ..PluginGrant::default()
        },
    );
    let report = runtime.load_dir(&test_plugin("hostile"), &grants);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let message = plugin_failure(transform(&report.plugins, "spin", Value::Null));
    assert!(
        message.contains("plugin hostile 0.1.0, transform-batch: fuel of 5000000 exhausted"),
        "{message}"
    );
    assert_upper_still_works(&report.plugins);
}

#[test]
fn memory_bomb_is_stopped_at_its_limit() {
    let set = hostile();
    let message = plugin_failure(transform(set, "balloon", Value::Null));
    assert!(
        message.contains("plugin hostile 0.1.0, transform-batch: memory limit of 256 MiB exceeded"),
        "{message}"
    );
    assert_upper_still_works(set);
}

#[test]
fn guest_panic_message_reaches_the_error() {
    let set = hostile();
    let message = plugin_failure(transform(set, "panic", Value::Null));
    assert!(
        message.contains("plugin hostile 0.1.0, transform-batch: guest panicked: "),
        "{message}"
    );
    assert!(message.contains(HOSTILE_PANIC), "{message}");
    assert!(message.contains("hostile/src/component.rs:"), "{message}");
    assert_upper_still_works(set);
}

#[test]
fn plugin_cannot_read_host_files() {
    let set = hostile();
    let result = transform(set, "read_file", Value::Null);
    let Err(ItemError::InvalidInput(message)) = &result else {
        panic!("expected the guest's own error, got {result:?}");
    };
    assert!(message.starts_with("read_file failed"), "{message}");
    assert!(
        !message.contains("root:"),
        "file contents leaked: {message}"
    );
    assert_upper_still_works(set);
}

#[test]
fn plugin_sees_no_environment() {
    let set = hostile();
    let result = transform(set, "read_env", Value::Null);
    assert_eq!(
        result,
        Ok(Value::TextList(vec![])),
        "environment leaked into the plugin"
    );
    if let Ok(home) = std::env::var("HOME") {
        assert!(!format!("{result:?}").contains(&home));
    }
    assert_upper_still_works(set);
}

#[test]
fn plugin_cannot_open_sockets() {
    // If this process may listen on the port the plugin dials, listen, to prove nothing
    // connects; otherwise the refusal alone is checked.
    let listener = std::net::TcpListener::bind("127.0.0.1:9").ok();
    let set = hostile();
    let result = transform(set, "open_socket", Value::Null);
    let Err(ItemError::InvalidInput(message)) = &result else {
        panic!("expected the guest's own connect error, got {result:?}");
    };
    assert!(message.starts_with("open_socket failed"), "{message}");
    if let Some(listener) = listener {
        listener.set_nonblocking(true).unwrap();
        assert!(
            listener.accept().is_err(),
            "the plugin reached a host socket"
        );
    }
    assert_upper_still_works(set);
}

#[test]
fn pure_plugin_sees_a_fixed_clock_and_seeded_randomness() {
    let set = hostile();
    let first = transform(set, "clock", Value::Null).unwrap();
    let second = transform(set, "clock", Value::Null).unwrap();
    assert_eq!(first, second, "time or randomness differs between runs");
    let Value::TextList(parts) = first else {
        panic!("unexpected {first:?}")
    };
    assert_eq!(
        parts[0],
        pmsync_host::plugin::FIXED_WALL_CLOCK_SECS.to_string()
    );
    assert_eq!(parts[1], "0", "monotonic clock moved");
}

#[test]
fn oversized_output_is_refused() {
    let set = hostile();
    let message = plugin_failure(transform(set, "huge_output", Value::Null));
    assert!(
        message.contains("plugin hostile 0.1.0, transform-batch: output of 67108864 bytes refused (limit 1048576 bytes)"),
        "{message}"
    );
    assert_upper_still_works(set);
}

#[test]
fn one_failing_plugin_call_fails_its_batch_only() {
    let set = hostile();
    let results = set.transform_batch(&[
        call("upper", Value::Text("a".into())),
        call("nope", Value::Null),
    ]);
    assert_eq!(results[0], Ok(Value::Text("A".into())));
    assert!(matches!(&results[1], Err(ItemError::InvalidInput(_))));
    let results = set.transform_batch(&[
        call("upper", Value::Text("a".into())),
        call("panic", Value::Null),
    ]);
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Err(ItemError::Plugin(m)) if m.contains(HOSTILE_PANIC)))
    );
}

#[test]
fn plugin_built_for_a_future_major_is_refused_saying_why() {
    let cache = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::with_cache_dir(cache.path()).unwrap();
    let report = runtime.load_dir(&test_plugin("future-major"), &Grants::default());
    assert!(report.plugins.is_empty());
    assert_eq!(report.errors.len(), 1);
    let message = report.errors[0].to_string();
    assert!(message.contains("future-major"), "{message}");
    assert!(
        message.contains("built for pmsync:plugin@2.0.0; this host supports 1.x"),
        "{message}"
    );

    // A manifest that claims 1.0.0 does not hide what the component was built for.
    let dir = tempfile::tempdir().unwrap();
    let lying = copy_plugin("future-major", dir.path(), |m| {
        m.replace("pmsync:plugin@2.0.0", "pmsync:plugin@1.0.0")
    });
    let report = runtime.load_dir(&lying, &Grants::default());
    assert!(report.plugins.is_empty());
    assert!(
        report.errors[0]
            .reason
            .contains("built for pmsync:plugin@2.0.0; this host supports 1.x"),
        "{:?}",
        report.errors
    );
}

#[test]
fn manifest_with_the_wrong_kind_is_refused_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let folder = copy_plugin("hostile", dir.path(), |m| {
        let start = m.find("[provides]").unwrap();
        let end = m.find("[limits]").unwrap();
        format!(
            "{}[provides]\nresolver = \"hostile\"\n\n{}",
            &m[..start],
            &m[end..]
        )
        .replace("kind = \"transformer\"", "kind = \"resolver\"")
    });
    let runtime = PluginRuntime::with_cache_dir(dir.path().join("cache")).unwrap();
    let report = runtime.load_dir(&folder, &Grants::default());
    assert!(report.plugins.is_empty());
    let message = report.errors[0].to_string();
    assert!(message.contains("hostile 0.1.0"), "{message}");
    assert!(
        message.contains("manifest says kind `resolver`"),
        "{message}"
    );
    assert!(
        message.contains("pmsync:plugin/transformer@1.0.0"),
        "{message}"
    );
}

#[test]
fn manifest_with_wrong_provided_names_is_refused_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let folder = copy_plugin("hostile", dir.path(), |m| {
        m.replace("\"burn\"]", "\"burn\", \"lower\"]")
    });
    let runtime = PluginRuntime::with_cache_dir(dir.path().join("cache")).unwrap();
    let report = runtime.load_dir(&folder, &Grants::default());
    assert!(report.plugins.is_empty());
    let message = report.errors[0].to_string();
    assert!(
        message.contains("declares transforms the component does not provide"),
        "{message}"
    );
    assert!(message.contains("lower"), "{message}");
}

#[test]
fn one_bad_plugin_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    copy_plugin("hostile", &plugins, |m| m);
    copy_plugin("future-major", &plugins, |m| m);
    let corrupt = copy_plugin("http-probe", &plugins, |m| m);
    std::fs::write(
        corrupt.join("http_probe.wasm"),
        b"\0asm this is not a component",
    )
    .unwrap();
    let missing = plugins.join("missing");
    std::fs::create_dir_all(&missing).unwrap();
    std::fs::write(
        missing.join("plugin.toml"),
        "name = \"missing\"\nversion = \"1.0.0\"\nkind = \"transformer\"\napi = \"pmsync:plugin@1.0.0\"\n\
         component = \"missing.wasm\"\n[provides]\ntransforms = [\"x\"]\n",
    )
    .unwrap();
    let broken_manifest = plugins.join("typo");
    std::fs::create_dir_all(&broken_manifest).unwrap();
    std::fs::write(
        broken_manifest.join("plugin.toml"),
        "name = \"typo\"\nversoin = \"1\"\n",
    )
    .unwrap();

    let runtime = PluginRuntime::with_cache_dir(dir.path().join("cache")).unwrap();
    let report = runtime.load_dir(&plugins, &Grants::default());
    assert_eq!(report.plugins.names(), vec!["hostile"]);
    assert_upper_still_works(&report.plugins);
    let errors: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 4, "{errors:#?}");
    let find = |needle: &str| {
        errors
            .iter()
            .find(|e| e.contains(needle))
            .cloned()
            .unwrap_or_default()
    };
    assert!(
        find("future-major").contains("this host supports 1.x"),
        "{errors:#?}"
    );
    assert!(
        find("http-probe").contains("corrupt component"),
        "{errors:#?}"
    );
    assert!(
        find("missing").contains("component file is missing"),
        "{errors:#?}"
    );
    assert!(find("typo").contains("versoin"), "{errors:#?}");
}

#[test]
fn single_wasm_path_loads_with_the_manifest_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::with_cache_dir(dir.path()).unwrap();
    let report = runtime.load_dir(
        &test_plugin("hostile").join("hostile.wasm"),
        &Grants::default(),
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_upper_still_works(&report.plugins);
}

#[test]
fn warm_load_hits_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cold = PluginRuntime::with_cache_dir(dir.path())
        .unwrap()
        .load_dir(&test_plugin("hostile"), &Grants::default());
    assert_eq!(cold.plugins.inventory()[0].cache, CacheOutcome::Miss);
    let warm = PluginRuntime::with_cache_dir(dir.path())
        .unwrap()
        .load_dir(&test_plugin("hostile"), &Grants::default());
    let info = &warm.plugins.inventory()[0];
    assert_eq!(info.cache, CacheOutcome::Hit);
    assert_eq!(info.cache_key, cold.plugins.inventory()[0].cache_key);
    assert_upper_still_works(&warm.plugins);
}

#[test]
fn corrupt_cache_entry_is_detected_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let first = PluginRuntime::with_cache_dir(dir.path())
        .unwrap()
        .load_dir(&test_plugin("hostile"), &Grants::default());
    let key = first.plugins.inventory()[0].cache_key.clone();
    let entry = dir.path().join(format!("{key}.cwasm"));
    let mut bytes = std::fs::read(&entry).expect("cache entry written");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&entry, &bytes).unwrap();

    let second = PluginRuntime::with_cache_dir(dir.path())
        .unwrap()
        .load_dir(&test_plugin("hostile"), &Grants::default());
    assert!(second.errors.is_empty(), "{:?}", second.errors);
    match &second.plugins.inventory()[0].cache {
        CacheOutcome::Rebuilt(reason) => assert!(reason.contains("checksum"), "{reason}"),
        other => panic!("corruption not detected: {other:?}"),
    }
    assert_upper_still_works(&second.plugins);

    let third = PluginRuntime::with_cache_dir(dir.path())
        .unwrap()
        .load_dir(&test_plugin("hostile"), &Grants::default());
    assert_eq!(
        third.plugins.inventory()[0].cache,
        CacheOutcome::Hit,
        "rebuilt entry was not written back"
    );
}

#[test]
fn changing_the_component_changes_the_cache_key() {
    let dir = tempfile::tempdir().unwrap();
    let folder = copy_plugin("hostile", dir.path(), |m| m);
    let runtime = PluginRuntime::with_cache_dir(dir.path().join("cache")).unwrap();
    let before = runtime
        .load_dir(&folder, &Grants::default())
        .plugins
        .inventory()[0]
        .clone();

    // Append a custom section: a different, still valid component.
    let wasm = folder.join("hostile.wasm");
    let mut bytes = std::fs::read(&wasm).unwrap();
    let name = b"pmsync-test";
    let payload = b"changed";
    bytes.push(0); // custom section id
    bytes.push((1 + name.len() + payload.len()) as u8);
    bytes.push(name.len() as u8);
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(payload);
    std::fs::write(&wasm, &bytes).unwrap();

    let report = runtime.load_dir(&folder, &Grants::default());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let after = report.plugins.inventory()[0].clone();
    assert_ne!(before.cache_key, after.cache_key);
    assert_ne!(before.sha256, after.sha256);
    assert_eq!(after.cache, CacheOutcome::Miss);
    assert_eq!(runtime.cache_key(&bytes), after.cache_key);
    assert_upper_still_works(&report.plugins);
}

/// An HttpClient that answers from a table and records what it was asked.
#[derive(Default)]
struct FakeHttp {
    requests: Mutex<Vec<OutboundRequest>>,
}

impl HttpClient for FakeHttp {
    fn send(&self, request: OutboundRequest) -> Result<InboundResponse, HttpFailure> {
        let path = request.url.splitn(4, '/').nth(3).unwrap_or("").to_string();
        self.requests.lock().unwrap().push(request);
        let (status, body) = match path.as_str() {
            "items" => (200, "hello from the fake".to_string()),
            "items/404" => (404, "no such item".to_string()),
            other => (200, format!("item at {other}")),
        };
        Ok(InboundResponse {
            status,
            headers: vec![],
            body: body.into_bytes(),
        })
    }
}

fn probe_set(runtime: &PluginRuntime, grants: &Grants) -> PluginSet {
    let report = runtime.load_dir(&test_plugin("http-probe"), grants);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    report.plugins
}

fn settings(base_url: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("base_url".to_string(), base_url.to_string())])
}

#[test]
fn connector_reaches_the_network_only_through_the_host_http_client() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::with_cache_dir(dir.path()).unwrap();
    let grants = Grants::default()
        .grant("http-probe", &["http://127.0.0.1:8080"], &["token"])
        .unwrap();
    let set = probe_set(&runtime, &grants);
    let http = Arc::new(FakeHttp::default());
    let connector = set
        .connector("probe", settings("http://127.0.0.1:8080"), http.clone())
        .unwrap();

    let descriptor = connector.describe().unwrap();
    assert_eq!(descriptor.platform, "probe");
    assert_eq!(
        descriptor
            .fields
            .iter()
            .map(|f| f.field_type.as_str())
            .collect::<Vec<_>>(),
        ["number", "string", "date"]
    );
    assert!(descriptor.capabilities.webhooks && !descriptor.capabilities.incremental);

    let page = connector
        .list_changed(&ListRequest {
            page_size: 50,
            ..ListRequest::default()
        })
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let item = &page.items[0];
    assert_eq!(item.key, "PROBE-1");
    assert_eq!(item.field("status"), &Value::Integer(200));
    assert_eq!(
        item.field("body"),
        &Value::Text("hello from the fake".into())
    );
    assert_eq!(
        item.field("due"),
        &Value::Date(chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap())
    );
    assert_eq!(item.updated_at.to_rfc3339(), "2024-05-01T12:00:00+00:00");
    {
        let requests = http.requests.lock().unwrap();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].url, "http://127.0.0.1:8080/items");
        assert_eq!(requests[0].method, "GET");
        assert_eq!(requests[0].credential.as_deref(), Some("token"));
    }

    let got = connector.get(&["7".to_string(), "404".to_string()]);
    assert_eq!(
        got[0].as_ref().unwrap().field("body"),
        &Value::Text("item at items/7".into())
    );
    assert!(matches!(&got[1], Err(ItemError::NotFound(_))), "{got:?}");
    assert_eq!(
        connector.parse_webhook(&[], b"4, 5,").unwrap(),
        vec!["4", "5"]
    );
    assert!(matches!(&connector.create(&[]).as_slice(), []));
}

#[test]
fn connector_request_to_an_ungranted_host_is_denied_before_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::with_cache_dir(dir.path()).unwrap();
    let grants = Grants::default()
        .grant("http-probe", &["http://127.0.0.1:8080"], &["token"])
        .unwrap();
    let set = probe_set(&runtime, &grants);
    let http = Arc::new(FakeHttp::default());
    let connector = set
        .connector("probe", settings("http://127.0.0.1:9999"), http.clone())
        .unwrap();
    let err = connector.list_changed(&ListRequest::default()).unwrap_err();
    assert!(
        matches!(&err, ItemError::Unauthorized(m) if m.contains("not a granted host")),
        "{err:?}"
    );
    assert!(
        http.requests.lock().unwrap().is_empty(),
        "the denied request reached the client"
    );

    // With default grants (nothing), even the host the plugin asked for is denied.
    let set = probe_set(&runtime, &Grants::default());
    let connector = set
        .connector("probe", settings("http://127.0.0.1:8080"), http.clone())
        .unwrap();
    assert!(matches!(
        connector.list_changed(&ListRequest::default()),
        Err(ItemError::Unauthorized(_))
    ));
    assert!(http.requests.lock().unwrap().is_empty());
}

#[test]
fn connector_is_callable_from_several_threads_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::with_cache_dir(dir.path()).unwrap();
    let grants = Grants::default()
        .grant("http-probe", &["http://127.0.0.1:*"], &["token"])
        .unwrap();
    let set = probe_set(&runtime, &grants);
    let http = Arc::new(FakeHttp::default());
    let connector: Arc<dyn pmsync_host::connector::Connector> = Arc::from(
        set.connector("probe", settings("http://127.0.0.1:8080"), http.clone())
            .unwrap(),
    );
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let connector = connector.clone();
            std::thread::spawn(move || {
                for i in 0..5 {
                    let id = format!("{t}-{i}");
                    let got = connector.get(std::slice::from_ref(&id));
                    assert_eq!(got[0].as_ref().unwrap().id, id);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("connector call panicked");
    }
    assert_eq!(http.requests.lock().unwrap().len(), 20);
}

#[test]
fn unknown_platform_has_no_connector() {
    let set = hostile();
    let err = set
        .connector("jira", BTreeMap::new(), Arc::new(FakeHttp::default()))
        .err()
        .expect("no connector");
    assert!(err.to_string().contains("platform `jira`"), "{err}");
}

#[test]
fn inventory_shows_asked_and_granted_capabilities() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::with_cache_dir(dir.path()).unwrap();
    let grants = Grants::default()
        .grant(
            "http-probe",
            &["http://127.0.0.1:8080", "https://elsewhere.com"],
            &[],
        )
        .unwrap();
    let set = probe_set(&runtime, &grants);
    let info = set.info("http-probe").unwrap();
    assert_eq!(
        info.asked
            .hosts
            .iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>(),
        ["http://127.0.0.1:*"]
    );
    assert_eq!(
        info.granted
            .hosts
            .iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>(),
        ["http://127.0.0.1:8080"]
    );
    assert_eq!(info.asked.secrets, ["token"]);
    assert!(info.granted.secrets.is_empty());
    assert_eq!(info.sha256.len(), 64);
    let json = serde_json::to_value(&info).unwrap();
    assert_eq!(json["kind"], "connector");
    assert_eq!(json["granted"]["hosts"][0], "http://127.0.0.1:8080");
    let table = pmsync_host::plugin::render_table(&set.inventory());
    assert!(
        table.lines().nth(1).unwrap().starts_with("http-probe"),
        "{table}"
    );
    let details = pmsync_host::plugin::render_details(&info);
    assert!(
        details.contains("asked http://127.0.0.1:*; granted http://127.0.0.1:8080"),
        "{details}"
    );
}

fn item(key: &str, title: &str) -> pmsync_core::Item {
    pmsync_core::Item {
        id: key.to_string(),
        key: key.to_string(),
        url: String::new(),
        updated_at: "2024-05-01T12:00:00Z".parse().unwrap(),
        fields: BTreeMap::from([("title".to_string(), Value::Text(title.to_string()))]),
    }
}

#[test]
fn resolver_plugin_decides_each_conflicting_field() {
    use pmsync_core::plugins::{CustomResolvers, FieldConflict, Resolution, ResolveCall};
    let dir = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::with_cache_dir(dir.path()).unwrap();
    let report = runtime.load_dir(&test_plugin("longest-wins"), &Grants::default());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let set = report.plugins;
    assert!(CustomResolvers::has(&set, "longest_wins"));
    let conflict = |source: Value, target: Value| FieldConflict {
        field: "title".into(),
        source,
        target,
        base: None,
    };
    let calls = [
        ResolveCall {
            resolver: "longest_wins".into(),
            source: item("A-1", "long title"),
            target: item("#1", "short"),
            conflicts: vec![
                conflict(
                    Value::Text("long title".into()),
                    Value::Text("short".into()),
                ),
                conflict(Value::Text("ab".into()), Value::Text("cd".into())),
                conflict(Value::Integer(1), Value::Text("x".into())),
            ],
        },
        ResolveCall {
            resolver: "nobody".into(),
            source: item("A-2", ""),
            target: item("#2", ""),
            conflicts: vec![],
        },
    ];
    let results = set.resolve_batch(&calls);
    assert_eq!(
        results[0],
        Ok(vec![
            Resolution::TakeSource,
            Resolution::Merged(Value::Text("ab / cd".into())),
            Resolution::Defer("`title` is not text on both sides".into()),
        ])
    );
    assert!(matches!(&results[1], Err(ItemError::InvalidInput(m)) if m.contains("nobody")));
}

/// A client that answers like [`FakeHttp`] after blocking `delay` per request, as the
/// gateway does while it paces writes or waits for a rate-limit reset.
struct SlowHttp {
    delay: Duration,
    inner: FakeHttp,
}

impl HttpClient for SlowHttp {
    fn send(&self, request: OutboundRequest) -> Result<InboundResponse, HttpFailure> {
        std::thread::sleep(self.delay);
        self.inner.send(request)
    }
}

#[test]
fn time_blocked_in_http_send_does_not_count_against_the_call_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    copy_plugin("http-probe", &plugins, |manifest| {
        format!("{manifest}\n[limits]\ntimeout_ms = 300\n")
    });
    let runtime = PluginRuntime::with_cache_dir(dir.path().join("cache")).unwrap();
    let grants = Grants::default()
        .grant("http-probe", &["http://127.0.0.1:8080"], &["token"])
        .unwrap();
    let report = runtime.load_dir(&plugins.join("http-probe"), &grants);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let http = Arc::new(SlowHttp {
        delay: Duration::from_millis(150),
        inner: FakeHttp::default(),
    });
    let connector = report
        .plugins
        .connector("probe", settings("http://127.0.0.1:8080"), http)
        .unwrap();

    // Six requests of one call block 900 ms in the host: three times the 300 ms deadline.
    let ids: Vec<String> = (1..=6).map(|n| n.to_string()).collect();
    let started = Instant::now();
    let got = connector.get(&ids);
    assert!(started.elapsed() >= Duration::from_millis(900));
    for (id, result) in ids.iter().zip(&got) {
        let item = result.as_ref().expect("no deadline error for host waiting");
        assert_eq!(
            item.field("body"),
            &Value::Text(format!("item at items/{id}"))
        );
    }
}
