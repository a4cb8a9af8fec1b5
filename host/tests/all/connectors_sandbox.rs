//! The real Jira and Linear connector plugins (WebAssembly components from `plugins/`),
//! run by the host plugin runtime, reaching the loopback sandbox platforms through the host
//! HTTP gateway (grants, credential injection, retries). Each test starts its own sandbox
//! with the small example seed (Jira: PROJ-1..12 plus 3 in OPS; Linear: ENG-1..8).
//!
//! Needs the components: run `bash scripts/build-plugins.sh` (or `make plugins`) first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::Utc;
use pmsync_core::{Item, ItemError, Value};
use pmsync_host::connector::{Connector, CreateRequest, Filter, ListRequest, UpdateRequest};
use pmsync_host::http::{
    Credential, Gateway, GatewayConfig, GatewaySettings, HttpTransport, PlatformLimiter,
    RetryPolicy, Secret, TransportSettings,
};
use pmsync_host::plugin::{Grants, PluginRuntime, PluginSet};
use pmsync_sandbox::{FaultPlan, Platform, Sandbox, SandboxHandle, SandboxOptions, SandboxRuntime};
use serde_json::json;

/// The only credential the sandbox accepts in these tests.
const TOKEN: &str = "sandbox-test-token";
/// The Jira account e-mail of the Basic credential.
const JIRA_USER: &str = "sync-bot@example.com";
/// Example seed sizes (see `SeedSize::Examples`).
const JIRA_PROJ_ISSUES: usize = 12;
const LINEAR_ISSUES: usize = 8;

// ---------------------------------------------------------------------------------------
// Harness

fn plugin_folder(name: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins")
        .join(name);
    let built = std::fs::read_dir(&folder)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "wasm"))
        })
        .unwrap_or(false);
    assert!(
        built,
        "{} has no component: run `bash scripts/build-plugins.sh` (make plugins) first",
        folder.display()
    );
    folder
}

/// The Jira and Linear connector plugins, loaded once per test binary with loopback and
/// `token` granted.
fn connector_plugins() -> (&'static PluginSet, &'static PluginSet) {
    static PLUGINS: OnceLock<(PluginRuntime, PluginSet, PluginSet)> = OnceLock::new();
    let (_, jira, linear) = PLUGINS.get_or_init(|| {
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache");
        let runtime = PluginRuntime::with_cache_dir(cache).expect("plugin runtime");
        let grants = Grants::default()
            .grant("jira", &["http://127.0.0.1:*"], &["token"])
            .and_then(|g| g.grant("linear", &["http://127.0.0.1:*"], &["token"]))
            .expect("grants parse");
        let load = |name: &str| {
            let report = runtime.load_dir(&plugin_folder(name), &grants);
            assert!(
                report.errors.is_empty(),
                "loading {name}: {:?}",
                report.errors
            );
            report.plugins
        };
        let jira = load("jira");
        let linear = load("linear");
        (runtime, jira, linear)
    });
    (jira, linear)
}

/// The shared HTTP transport (no system proxy: everything is on loopback).
fn transport() -> Arc<HttpTransport> {
    static TRANSPORT: OnceLock<Arc<HttpTransport>> = OnceLock::new();
    TRANSPORT
        .get_or_init(|| {
            let settings = TransportSettings {
                use_system_proxy: false,
                ..TransportSettings::default()
            };
            HttpTransport::with_own_runtime(&settings).expect("HTTP transport")
        })
        .clone()
}

/// A gateway for `plugin` as the app wires it: the plugin's granted hosts, its declared
/// credential names, and the operator's `token` credential. Short retry backoff.
fn gateway(plugins: &PluginSet, plugin: &str, credential: Credential) -> Arc<Gateway> {
    let info = plugins.info(plugin).expect("plugin loaded");
    let grants = info.granted.hosts.clone();
    let config = GatewayConfig {
        plugin: plugin.to_string(),
        grants,
        declared_credentials: info.asked.secrets.iter().cloned().collect::<BTreeSet<_>>(),
        credentials: BTreeMap::from([("token".to_string(), credential)]),
        settings: GatewaySettings {
            retry: RetryPolicy {
                max_attempts: 6,
                base_delay: Duration::from_millis(20),
                max_delay: Duration::from_millis(200),
                max_total: Duration::from_secs(30),
            },
            ..GatewaySettings::default()
        },
    };
    let policy = info
        .connector
        .as_ref()
        .map(|c| c.rate_policy())
        .expect("the connector's plugin.toml declares [connector]");
    let limiter = PlatformLimiter::new(plugin, policy);
    Arc::new(Gateway::new(config, transport(), limiter))
}

/// One sandbox (its own ports and state) and one connector instance talking to it.
struct Harness {
    sandbox: SandboxHandle,
    connector: Box<dyn Connector>,
    gateway: Arc<Gateway>,
    _runtime: SandboxRuntime,
}

fn start_sandbox() -> (SandboxHandle, SandboxRuntime) {
    Sandbox::start_blocking(
        SandboxOptions::default()
            .with_token(TOKEN)
            .with_time_scale(0.01),
    )
    .expect("sandbox starts")
}

fn jira_settings(base_url: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("base_url".to_string(), base_url.to_string()),
        ("project".to_string(), "PROJ".to_string()),
    ])
}

fn linear_settings(base_url: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("base_url".to_string(), base_url.to_string()),
        ("team".to_string(), "ENG".to_string()),
    ])
}

/// The Linear API base (`http://127.0.0.1:port`; the connector appends `/graphql`).
fn linear_base(sandbox: &SandboxHandle) -> String {
    let url = sandbox.linear_url();
    url.strip_suffix("/graphql").unwrap_or(&url).to_string()
}

fn jira() -> Harness {
    let (sandbox, runtime) = start_sandbox();
    let (plugins, _) = connector_plugins();
    let credential = Credential::Basic {
        user: JIRA_USER.to_string(),
        token: Secret::new(TOKEN),
    };
    let gateway = gateway(plugins, "jira", credential);
    let connector = plugins
        .connector("jira", jira_settings(&sandbox.jira_url()), gateway.clone())
        .expect("jira connector");
    Harness {
        sandbox,
        connector,
        gateway,
        _runtime: runtime,
    }
}

fn linear() -> Harness {
    let (sandbox, runtime) = start_sandbox();
    let (_, plugins) = connector_plugins();
    let credential = Credential::Raw {
        header: "Authorization".to_string(),
        value: Secret::new(TOKEN),
    };
    let gateway = gateway(plugins, "linear", credential);
    let connector = plugins
        .connector(
            "linear",
            linear_settings(&linear_base(&sandbox)),
            gateway.clone(),
        )
        .expect("linear connector");
    Harness {
        sandbox,
        connector,
        gateway,
        _runtime: runtime,
    }
}

// ---------------------------------------------------------------------------------------
// Helpers

fn list_request(page_size: u32, since: Option<String>, filter: Filter) -> ListRequest {
    ListRequest {
        since,
        cursor: None,
        page_size,
        filter,
    }
}

/// Every page of a listing, in the order the connector returned them.
fn all_pages(connector: &dyn Connector, request: ListRequest) -> Vec<Vec<Item>> {
    let mut request = request;
    let mut pages = Vec::new();
    loop {
        let page = connector
            .list_changed(&request)
            .unwrap_or_else(|e| panic!("list_changed page {}: {e}", pages.len() + 1));
        pages.push(page.items);
        match page.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => return pages,
        }
        assert!(pages.len() < 100, "listing does not end");
    }
}

fn keys(items: &[Item]) -> BTreeSet<String> {
    items.iter().map(|i| i.key.clone()).collect()
}

fn text(value: &Value) -> &str {
    match value {
        Value::Text(t) => t,
        other => panic!("expected text, got {other:?}"),
    }
}

fn text_list(value: &Value) -> Vec<String> {
    match value {
        Value::TextList(list) => list.clone(),
        other => panic!("expected a text list, got {other:?}"),
    }
}

fn field(name: &str, value: Value) -> (String, Value) {
    (name.to_string(), value)
}

fn one<T>(mut results: Vec<Result<T, ItemError>>, what: &str) -> T {
    assert_eq!(results.len(), 1, "{what}: one result per request");
    results
        .remove(0)
        .unwrap_or_else(|e| panic!("{what} failed: {e}"))
}

fn is_ascending(items: &[Item]) -> bool {
    items.windows(2).all(|w| w[0].updated_at <= w[1].updated_at)
}

/// A unique origin marker per test run.
fn marker(test: &str) -> String {
    format!(
        "pmsync:conformance:{test}:{}",
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    )
}

// ---------------------------------------------------------------------------------------
// Jira

#[test]
fn jira_describe_lists_the_documented_fields_and_capabilities() {
    let h = jira();
    let descriptor = h.connector.describe().expect("describe");
    assert_eq!(descriptor.platform, "jira");
    let fields: BTreeMap<&str, (&str, bool)> = descriptor
        .fields
        .iter()
        .map(|f| (f.name.as_str(), (f.field_type.as_str(), f.writable)))
        .collect();
    for (name, field_type, writable) in [
        ("summary", "string", true),
        ("description", "string", true),
        ("status", "string", true),
        ("priority", "string", true),
        ("labels", "array", true),
        ("assignee", "string", true),
        ("duedate", "date", true),
        ("story_points", "number", true),
        ("issuetype", "string", true),
        ("created", "datetime", false),
        ("updated", "datetime", false),
        ("reporter", "string", false),
    ] {
        assert_eq!(
            fields.get(name),
            Some(&(field_type, writable)),
            "field {name}"
        );
    }
    assert!(descriptor.capabilities.incremental);
    assert!(descriptor.capabilities.webhooks);
    assert!(descriptor.capabilities.origin_markers);
}

#[test]
fn jira_full_listing_pages_through_every_project_issue_oldest_first_with_typed_fields() {
    let h = jira();
    let pages = all_pages(
        h.connector.as_ref(),
        list_request(5, None, Filter::default()),
    );
    assert_eq!(pages.len(), 3, "12 issues in pages of 5");
    let items: Vec<Item> = pages.into_iter().flatten().collect();
    let expected: BTreeSet<String> = (1..=JIRA_PROJ_ISSUES)
        .map(|n| format!("PROJ-{n}"))
        .collect();
    assert_eq!(
        keys(&items),
        expected,
        "every PROJ issue once, no OPS issue"
    );
    assert_eq!(items.len(), JIRA_PROJ_ISSUES, "no duplicates across pages");
    assert!(is_ascending(&items), "ascending updated order across pages");

    let statuses = ["To Do", "In Progress", "Done"];
    let (mut points, mut dues) = (0, 0);
    for item in &items {
        let wire = h.sandbox.jira().issue(&item.key).expect("sandbox has it");
        assert_eq!(item.id, wire["id"].as_str().expect("id"), "{}", item.key);
        assert_eq!(
            text(item.field("summary")),
            wire["fields"]["summary"].as_str().expect("summary")
        );
        let description = text(item.field("description"));
        let wire_text = wire["fields"]["description"]["content"][0]["content"][0]["text"]
            .as_str()
            .expect("seeded ADF paragraph");
        assert!(
            description.starts_with(wire_text) && !description.contains("\"type\""),
            "{}: description is the Markdown of the ADF, got {description:?}",
            item.key
        );
        assert!(
            statuses.contains(&text(item.field("status"))),
            "{}",
            item.key
        );
        assert!(!text(item.field("priority")).is_empty());
        let labels = text_list(item.field("labels"));
        let wire_labels: Vec<String> =
            serde_json::from_value(wire["fields"]["labels"].clone()).expect("labels");
        assert_eq!(labels, wire_labels, "{}", item.key);
        match item.field("story_points") {
            Value::Number(n) => {
                points += 1;
                assert_eq!(Some(*n), wire["fields"]["customfield_10016"].as_f64());
            }
            Value::Null => assert!(wire["fields"]["customfield_10016"].is_null()),
            other => panic!("{}: story_points is {other:?}", item.key),
        }
        match item.field("duedate") {
            Value::Date(d) => {
                dues += 1;
                assert_eq!(
                    Some(d.to_string().as_str()),
                    wire["fields"]["duedate"].as_str()
                );
            }
            Value::Null => assert!(wire["fields"]["duedate"].is_null()),
            other => panic!("{}: duedate is {other:?}", item.key),
        }
        assert!(matches!(item.field("updated"), Value::DateTime(_)));
        assert!(item.url.ends_with(&format!("/browse/{}", item.key)));
    }
    assert!(
        points > 0 && dues > 0,
        "the seed has story points and due dates"
    );
}

#[test]
fn jira_listing_since_a_watermark_returns_only_issues_edited_after_it() {
    let h = jira();
    let watermark = Utc::now();
    std::thread::sleep(Duration::from_millis(5));
    for key in ["PROJ-3", "PROJ-7"] {
        assert!(h.sandbox.jira().edit(key, |fields| {
            fields.insert("summary".into(), json!(format!("{key} edited by a person")));
        }));
    }
    let pages = all_pages(
        h.connector.as_ref(),
        list_request(5, Some(watermark.to_rfc3339()), Filter::default()),
    );
    let items: Vec<Item> = pages.into_iter().flatten().collect();
    assert_eq!(
        keys(&items),
        BTreeSet::from(["PROJ-3".to_string(), "PROJ-7".to_string()])
    );
    assert!(is_ascending(&items));
    assert_eq!(
        text(items[0].field("summary")),
        format!("{} edited by a person", items[0].key)
    );
}

/// Jira JQL compares dates at minute precision: the connector floors the watermark to the
/// minute, so an issue from earlier in the watermark's minute comes again (a harmless
/// overlap), and one from the minute before does not.
#[test]
fn jira_watermark_overlaps_within_its_minute_and_not_before() {
    let h = jira();
    let minute = Utc::now() - chrono::TimeDelta::minutes(10);
    let minute = minute - chrono::TimeDelta::seconds(minute.timestamp().rem_euclid(60));
    let watermark = minute + chrono::TimeDelta::seconds(40);
    assert!(
        h.sandbox
            .jira()
            .set_updated("PROJ-2", minute + chrono::TimeDelta::seconds(10))
    );
    assert!(
        h.sandbox
            .jira()
            .set_updated("PROJ-9", minute - chrono::TimeDelta::seconds(5))
    );
    assert!(
        h.sandbox
            .jira()
            .set_updated("PROJ-4", watermark + chrono::TimeDelta::seconds(1))
    );
    let items: Vec<Item> = all_pages(
        h.connector.as_ref(),
        list_request(10, Some(watermark.to_rfc3339()), Filter::default()),
    )
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(
        items.iter().map(|i| i.key.as_str()).collect::<Vec<_>>(),
        ["PROJ-2", "PROJ-4"],
        "same-minute overlap and the newer issue, oldest first"
    );
}

#[test]
fn jira_listing_with_an_or_query_and_labels_filter_narrows_the_result() {
    let h = jira();
    let filter = Filter {
        query: Some("priority = Highest OR priority = High".to_string()),
        ..Filter::default()
    };
    let items: Vec<Item> = all_pages(h.connector.as_ref(), list_request(50, None, filter))
        .into_iter()
        .flatten()
        .collect();
    assert!(!items.is_empty(), "the seed has high-priority issues");
    for item in &items {
        let priority = text(item.field("priority"));
        assert!(
            priority == "Highest" || priority == "High",
            "{}: {priority}",
            item.key
        );
    }
    let all: Vec<Item> = all_pages(
        h.connector.as_ref(),
        list_request(50, None, Filter::default()),
    )
    .into_iter()
    .flatten()
    .collect();
    let high = all
        .iter()
        .filter(|i| matches!(text(i.field("priority")), "Highest" | "High"))
        .count();
    assert_eq!(items.len(), high);

    let by_label = Filter {
        labels: vec!["bug".to_string()],
        ..Filter::default()
    };
    let labelled: Vec<Item> = all_pages(h.connector.as_ref(), list_request(50, None, by_label))
        .into_iter()
        .flatten()
        .collect();
    let expected = all
        .iter()
        .filter(|i| text_list(i.field("labels")).contains(&"bug".to_string()))
        .count();
    assert!(expected > 0);
    assert_eq!(labelled.len(), expected);
}

#[test]
fn jira_get_returns_existing_issues_and_not_found_for_the_missing_one_only() {
    let h = jira();
    let id = h.sandbox.jira().issue("PROJ-2").expect("seeded")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let results = h
        .connector
        .get(&[id.clone(), "999999".to_string(), "PROJ-4".to_string()]);
    assert_eq!(results.len(), 3);
    let first = results[0].as_ref().expect("existing id");
    assert_eq!(first.id, id);
    assert_eq!(first.key, "PROJ-2");
    match &results[1] {
        Err(ItemError::NotFound(message)) => assert!(message.contains("999999"), "{message}"),
        other => panic!("missing id: expected NotFound, got {other:?}"),
    }
    assert_eq!(results[2].as_ref().expect("existing key").key, "PROJ-4");
}

#[test]
fn jira_create_stores_the_fields_and_the_origin_marker_that_find_by_origin_finds() {
    let h = jira();
    let origin = marker("jira-create");
    let created = one(
        h.connector.create(&[CreateRequest {
            origin: origin.clone(),
            fields: vec![
                field(
                    "summary",
                    Value::Text("Created through the connector".into()),
                ),
                field(
                    "description",
                    Value::Text("Some **bold** text.\n\n- one\n- two".into()),
                ),
                field(
                    "labels",
                    Value::TextList(vec!["backend".into(), "sync".into()]),
                ),
                field("priority", Value::Text("High".into())),
                field("duedate", Value::Date("2025-03-01".parse().expect("date"))),
                field("story_points", Value::Number(5.0)),
                field("status", Value::Text("In Progress".into())),
            ],
        }]),
        "create",
    );
    assert!(created.key.starts_with("PROJ-"), "{}", created.key);
    let wire = h
        .sandbox
        .jira()
        .issue(&created.id)
        .expect("sandbox holds the new issue");
    let fields = &wire["fields"];
    assert_eq!(fields["summary"], "Created through the connector");
    assert_eq!(fields["labels"], json!(["backend", "sync"]));
    assert_eq!(fields["priority"]["name"], "High");
    assert_eq!(fields["duedate"], "2025-03-01");
    assert_eq!(fields["customfield_10016"].as_f64(), Some(5.0));
    assert_eq!(fields["description"]["type"], "doc", "stored as ADF");
    assert_eq!(
        h.sandbox.jira().status(&created.id).as_deref(),
        Some("In Progress")
    );
    assert_eq!(wire["properties"]["pmsync"]["origin"], json!(origin));
    assert_eq!(
        text(created.field("description")),
        "Some **bold** text.\n\n- one\n- two"
    );
    assert_eq!(text(created.field("status")), "In Progress");

    let found = h
        .connector
        .find_by_origin(&[origin.clone(), marker("jira-unknown")]);
    assert_eq!(found.len(), 2);
    let hit = found[0].as_ref().expect("lookup").as_ref().expect("found");
    assert_eq!(hit.id, created.id);
    assert!(
        found[1].as_ref().expect("lookup").is_none(),
        "unknown marker finds nothing"
    );
}

#[test]
fn jira_update_writes_summary_status_labels_and_priority_and_returns_the_fresh_item() {
    let h = jira();
    let before = h.sandbox.jira().status("PROJ-1").expect("seeded");
    let target = if before == "Done" {
        "In Progress"
    } else {
        "Done"
    };
    // Someone's account id, taken from a seeded issue that has an assignee.
    let someone = (1..=JIRA_PROJ_ISSUES)
        .filter_map(|n| h.sandbox.jira().issue(&format!("PROJ-{n}")))
        .find_map(|wire| {
            wire["fields"]["assignee"]["accountId"]
                .as_str()
                .map(str::to_string)
        })
        .expect("a seeded issue with an assignee");
    let id = h.sandbox.jira().issue("PROJ-1").expect("seeded")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let updated = one(
        h.connector.update(&[UpdateRequest {
            id: id.clone(),
            fields: vec![
                field("summary", Value::Text("Renamed by pmsync".into())),
                field("status", Value::Text(target.into())),
                field(
                    "labels",
                    Value::TextList(vec!["customer".into(), "urgent".into()]),
                ),
                field("priority", Value::Text("Lowest".into())),
                field("assignee", Value::Text(someone.clone())),
                field("duedate", Value::Date("2025-06-30".parse().expect("date"))),
                field("story_points", Value::Integer(13)),
                field(
                    "description",
                    Value::Text("Rewritten with `code` and a [link](https://example.com).".into()),
                ),
            ],
        }]),
        "update",
    );
    let wire = h.sandbox.jira().issue(&id).expect("exists");
    assert_eq!(wire["fields"]["summary"], "Renamed by pmsync");
    assert_eq!(wire["fields"]["labels"], json!(["customer", "urgent"]));
    assert_eq!(wire["fields"]["priority"]["name"], "Lowest");
    assert_eq!(wire["fields"]["assignee"]["accountId"], json!(someone));
    assert_eq!(wire["fields"]["duedate"], "2025-06-30");
    assert_eq!(wire["fields"]["customfield_10016"].as_f64(), Some(13.0));
    assert_eq!(wire["fields"]["description"]["type"], "doc");
    assert_eq!(
        text(updated.field("description")),
        "Rewritten with `code` and a [link](https://example.com)."
    );
    assert_eq!(h.sandbox.jira().status(&id).as_deref(), Some(target));
    let stats = h.sandbox.stats(Platform::Jira);
    assert!(
        stats.route(&format!("POST /rest/api/3/issue/{id}/transitions")) >= 1,
        "status changed through a transition: {:?}",
        stats.by_route
    );
    let fresh = one(
        h.connector.get(std::slice::from_ref(&id)),
        "get after update",
    );
    assert_eq!(
        updated, fresh,
        "the returned item is what a fresh get shows"
    );
}

#[test]
fn jira_summary_over_255_characters_is_truncated_not_refused() {
    let h = jira();
    let long: String = "x".repeat(250) + "abcdef";
    assert_eq!(long.chars().count(), 256);
    let updated = one(
        h.connector.update(&[UpdateRequest {
            id: "PROJ-5".to_string(),
            fields: vec![field("summary", Value::Text(long.clone()))],
        }]),
        "update with a 256-character summary",
    );
    let stored = h.sandbox.jira().issue("PROJ-5").expect("exists")["fields"]["summary"]
        .as_str()
        .expect("summary")
        .to_string();
    assert_eq!(stored.chars().count(), 255, "{stored}");
    assert!(stored.starts_with(&"x".repeat(250)));
    assert_eq!(text(updated.field("summary")), stored);
}

#[test]
fn jira_webhook_delivery_yields_the_issue_id() {
    let h = jira();
    let body = json!({
        "timestamp": 1_736_154_000_000_i64,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Mia Krystof"},
        "issue": {
            "id": "10003",
            "self": "https://acme.atlassian.net/rest/api/3/issue/10003",
            "key": "PROJ-3",
            "fields": {"summary": "Password reset e-mail is sent twice"}
        },
        "changelog": {"id": "10100", "items": [{"field": "summary", "fieldtype": "jira", "from": null, "fromString": "a", "to": null, "toString": "b"}]}
    });
    let headers = vec![("content-type".to_string(), "application/json".to_string())];
    let ids = h
        .connector
        .parse_webhook(&headers, body.to_string().as_bytes())
        .expect("parses");
    assert_eq!(ids, vec!["10003".to_string()]);
}

#[test]
fn jira_listing_survives_rate_limit_answers_because_the_gateway_retries() {
    let h = jira();
    h.sandbox
        .set_fault_plan(FaultPlan::none().with_seed(11).with_rate_limited(0.4, 1));
    let items: Vec<Item> = all_pages(
        h.connector.as_ref(),
        list_request(4, None, Filter::default()),
    )
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(items.len(), JIRA_PROJ_ISSUES);
    let stats = h.sandbox.stats(Platform::Jira);
    assert!(
        stats.status(429) >= 1,
        "the sandbox injected 429s: {:?}",
        stats.by_status
    );
    let metrics = h.gateway.limiter().metrics();
    assert!(metrics.retries >= stats.status(429), "{metrics:?}");
    // `Retry-After: 1` is one second of the sandbox's time: 10 ms at its time scale of 0.01.
    assert!(
        metrics.rate_limit_wait_ms >= 9.0 * stats.status(429) as f64,
        "honoured Retry-After in the sandbox's time: {metrics:?}"
    );
}

#[test]
fn jira_request_to_a_host_that_was_not_granted_is_denied() {
    let (sandbox, _runtime) = start_sandbox();
    let (plugins, _) = connector_plugins();
    let credential = Credential::Bearer(Secret::new(TOKEN));
    let gateway = gateway(plugins, "jira", credential);
    // `localhost` resolves to the sandbox too, but only 127.0.0.1 was granted.
    let base = sandbox.jira_url().replace("127.0.0.1", "localhost");
    let connector = plugins
        .connector("jira", jira_settings(&base), gateway)
        .expect("connector");
    match connector.list_changed(&list_request(5, None, Filter::default())) {
        Err(ItemError::Unauthorized(message)) => {
            assert!(message.contains("refused by the host"), "{message}");
            assert!(message.contains("localhost"), "{message}");
        }
        other => panic!("expected a denied request, got {other:?}"),
    }
    assert_eq!(
        sandbox.stats(Platform::Jira).total,
        0,
        "nothing reached the platform"
    );
}

// ---------------------------------------------------------------------------------------
// Linear

#[test]
fn linear_describe_lists_the_documented_fields_and_capabilities() {
    let h = linear();
    let descriptor = h.connector.describe().expect("describe");
    assert_eq!(descriptor.platform, "linear");
    let fields: BTreeMap<&str, (&str, bool)> = descriptor
        .fields
        .iter()
        .map(|f| (f.name.as_str(), (f.field_type.as_str(), f.writable)))
        .collect();
    for (name, field_type, writable) in [
        ("title", "string", true),
        ("description", "string", true),
        ("state", "string", true),
        ("priority", "number", true),
        ("labels", "array", true),
        ("assignee", "string", true),
        ("dueDate", "date", true),
        ("estimate", "number", true),
        ("identifier", "string", false),
        ("createdAt", "datetime", false),
        ("updatedAt", "datetime", false),
    ] {
        assert_eq!(
            fields.get(name),
            Some(&(field_type, writable)),
            "field {name}"
        );
    }
    assert!(descriptor.capabilities.incremental);
    assert!(descriptor.capabilities.webhooks);
    assert!(descriptor.capabilities.origin_markers);
}

/// Linear paginates `orderBy: updatedAt` newest first and has no ascending cursor order;
/// the connector sorts each page ascending (see `plugins/linear/src/listing.rs`).
#[test]
fn linear_full_listing_pages_through_every_team_issue_with_typed_fields() {
    let h = linear();
    let pages = all_pages(
        h.connector.as_ref(),
        list_request(3, None, Filter::default()),
    );
    assert_eq!(pages.len(), 3, "8 issues in pages of 3");
    for page in &pages {
        assert!(is_ascending(page), "each page is ascending by updated");
    }
    let items: Vec<Item> = pages.into_iter().flatten().collect();
    let expected: BTreeSet<String> = (1..=LINEAR_ISSUES).map(|n| format!("ENG-{n}")).collect();
    assert_eq!(keys(&items), expected);
    assert_eq!(items.len(), LINEAR_ISSUES, "no duplicates across pages");

    let (mut estimates, mut dues, mut labelled) = (0, 0, 0);
    for item in &items {
        let stored = h.sandbox.linear().issue(&item.id).expect("sandbox has it");
        assert_eq!(item.key, stored.identifier);
        assert_eq!(text(item.field("title")), stored.title);
        assert_eq!(
            Some(text(item.field("description"))),
            stored.description.as_deref()
        );
        assert_eq!(
            Some(text(item.field("state")).to_string()),
            h.sandbox.linear().state_name(&item.id)
        );
        match item.field("priority") {
            Value::Integer(p) => assert_eq!(*p, i64::from(stored.priority), "{}", item.key),
            Value::Number(p) => assert_eq!(*p, f64::from(stored.priority), "{}", item.key),
            other => panic!("{}: priority is {other:?}", item.key),
        }
        let labels = text_list(item.field("labels"));
        assert_eq!(labels.len(), stored.label_ids.len(), "{}", item.key);
        labelled += usize::from(!labels.is_empty());
        match (item.field("dueDate"), stored.due_date) {
            (Value::Date(d), Some(due)) => {
                dues += 1;
                assert_eq!(*d, due);
            }
            (Value::Null, None) => {}
            (other, due) => panic!("{}: dueDate {other:?} vs stored {due:?}", item.key),
        }
        match (item.field("estimate"), stored.estimate) {
            (Value::Integer(n), Some(e)) => {
                estimates += 1;
                assert_eq!(*n as f64, e);
            }
            (Value::Number(n), Some(e)) => {
                estimates += 1;
                assert_eq!(*n, e);
            }
            (Value::Null, None) => {}
            (other, e) => panic!("{}: estimate {other:?} vs stored {e:?}", item.key),
        }
        assert!(matches!(item.field("updatedAt"), Value::DateTime(_)));
    }
    assert!(
        estimates > 0 && dues > 0 && labelled > 0,
        "the seed has these"
    );
}

#[test]
fn linear_listing_since_a_watermark_returns_only_issues_edited_after_it() {
    let h = linear();
    let watermark = Utc::now();
    std::thread::sleep(Duration::from_millis(5));
    for key in ["ENG-2", "ENG-6"] {
        assert!(h.sandbox.linear().edit(key, |issue| {
            issue.title = format!("{key} edited by a person");
        }));
    }
    let items: Vec<Item> = all_pages(
        h.connector.as_ref(),
        list_request(1, Some(watermark.to_rfc3339()), Filter::default()),
    )
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(
        keys(&items),
        BTreeSet::from(["ENG-2".to_string(), "ENG-6".to_string()])
    );
    for item in &items {
        assert!(item.updated_at >= watermark);
        assert_eq!(
            text(item.field("title")),
            format!("{} edited by a person", item.key)
        );
    }
}

#[test]
fn linear_listing_by_label_returns_only_issues_carrying_it() {
    let h = linear();
    let all: Vec<Item> = all_pages(
        h.connector.as_ref(),
        list_request(50, None, Filter::default()),
    )
    .into_iter()
    .flatten()
    .collect();
    let with_label = |label: &str| -> BTreeSet<String> {
        all.iter()
            .filter(|i| text_list(i.field("labels")).iter().any(|l| l == label))
            .map(|i| i.key.clone())
            .collect()
    };
    let label = [
        "bug",
        "backend",
        "frontend",
        "customer",
        "performance",
        "docs",
    ]
    .into_iter()
    .find(|l| !with_label(l).is_empty() && with_label(l).len() < all.len())
    .expect("a label on some but not all seeded issues");
    let filter = Filter {
        labels: vec![label.to_string()],
        ..Filter::default()
    };
    let items: Vec<Item> = all_pages(h.connector.as_ref(), list_request(50, None, filter))
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(keys(&items), with_label(label), "label {label}");
}

#[test]
fn linear_listing_with_a_filter_query_applies_it_together_with_the_team() {
    let h = linear();
    let filter = Filter {
        query: Some(
            r#"{"team": {"key": {"eq": "ENG"}}, "state": {"name": {"eq": "Done"}}}"#.into(),
        ),
        ..Filter::default()
    };
    let items: Vec<Item> = all_pages(h.connector.as_ref(), list_request(50, None, filter))
        .into_iter()
        .flatten()
        .collect();
    let expected: BTreeSet<String> = (1..=LINEAR_ISSUES)
        .map(|n| format!("ENG-{n}"))
        .filter(|key| h.sandbox.linear().state_name(key).as_deref() == Some("Done"))
        .collect();
    assert!(!expected.is_empty(), "the seed has done issues");
    assert_eq!(keys(&items), expected);
}

#[test]
fn linear_get_returns_existing_issues_and_not_found_for_the_missing_one_only() {
    let h = linear();
    let existing = h.sandbox.linear().issue("ENG-3").expect("seeded");
    let missing = "0b6a2f8e-3c1d-4e5f-9a7b-123456789abc".to_string();
    let results = h
        .connector
        .get(&[existing.id.clone(), missing.clone(), "ENG-5".to_string()]);
    assert_eq!(results.len(), 3);
    let first = results[0].as_ref().expect("existing id");
    assert_eq!(
        (first.id.as_str(), first.key.as_str()),
        (existing.id.as_str(), "ENG-3")
    );
    match &results[1] {
        Err(ItemError::NotFound(message)) => assert!(message.contains(&missing), "{message}"),
        other => panic!("missing id: expected NotFound, got {other:?}"),
    }
    assert_eq!(
        results[2].as_ref().expect("existing identifier").key,
        "ENG-5"
    );
}

#[test]
fn linear_create_stores_the_fields_under_the_origin_derived_id_that_find_by_origin_finds() {
    let h = linear();
    let origin = marker("linear-create");
    let due = "2025-04-01".parse().expect("date");
    let created = one(
        h.connector.create(&[CreateRequest {
            origin: origin.clone(),
            fields: vec![
                field("title", Value::Text("Created through the connector".into())),
                field("description", Value::Text("Some **bold** text.".into())),
                field(
                    "labels",
                    Value::TextList(vec!["bug".into(), "customer".into()]),
                ),
                field("priority", Value::Integer(2)),
                field("state", Value::Text("In Progress".into())),
                field("dueDate", Value::Date(due)),
                field("estimate", Value::Integer(3)),
            ],
        }]),
        "create",
    );
    let stored = h
        .sandbox
        .linear()
        .issue(&created.id)
        .expect("sandbox holds it under the connector's id");
    assert_eq!(stored.id, created.id, "the client-chosen id is kept");
    assert_eq!(stored.title, "Created through the connector");
    assert_eq!(stored.description.as_deref(), Some("Some **bold** text."));
    assert_eq!(stored.priority, 2);
    assert_eq!(stored.due_date, Some(due));
    assert_eq!(stored.estimate, Some(3.0));
    assert_eq!(stored.label_ids.len(), 2);
    assert_eq!(
        h.sandbox.linear().state_name(&created.id).as_deref(),
        Some("In Progress")
    );
    assert_eq!(
        text_list(created.field("labels")),
        vec!["bug".to_string(), "customer".to_string()]
    );

    let found = h
        .connector
        .find_by_origin(&[origin.clone(), marker("linear-unknown")]);
    assert_eq!(found.len(), 2);
    let hit = found[0].as_ref().expect("lookup").as_ref().expect("found");
    assert_eq!(hit.id, created.id);
    assert!(
        found[1].as_ref().expect("lookup").is_none(),
        "unknown marker finds nothing"
    );

    // Creating again for the same origin (a retry after a lost answer) makes no duplicate.
    let count = h.sandbox.linear().issue_count();
    let again = one(
        h.connector.create(&[CreateRequest {
            origin,
            fields: vec![field(
                "title",
                Value::Text("Created through the connector".into()),
            )],
        }]),
        "repeated create",
    );
    assert_eq!(again.id, created.id);
    assert_eq!(h.sandbox.linear().issue_count(), count);
}

#[test]
fn linear_update_writes_title_state_labels_and_priority_and_returns_the_fresh_item() {
    let h = linear();
    let id = h.sandbox.linear().issue("ENG-4").expect("seeded").id;
    let updated = one(
        h.connector.update(&[UpdateRequest {
            id: id.clone(),
            fields: vec![
                field("title", Value::Text("Renamed by pmsync".into())),
                field("state", Value::Text("Done".into())),
                field(
                    "labels",
                    Value::TextList(vec!["docs".into(), "performance".into()]),
                ),
                field("priority", Value::Integer(1)),
                field("assignee", Value::Text("noah@example.com".into())),
                field("dueDate", Value::Date("2025-06-30".parse().expect("date"))),
                field("estimate", Value::Number(5.0)),
                field("description", Value::Text("Rewritten *by* pmsync.".into())),
            ],
        }]),
        "update",
    );
    let stored = h.sandbox.linear().issue(&id).expect("exists");
    assert_eq!(stored.title, "Renamed by pmsync");
    assert_eq!(stored.priority, 1);
    assert_eq!(stored.due_date, Some("2025-06-30".parse().expect("date")));
    assert_eq!(stored.estimate, Some(5.0));
    assert_eq!(
        stored.description.as_deref(),
        Some("Rewritten *by* pmsync.")
    );
    assert!(stored.assignee_id.is_some());
    assert_eq!(text(updated.field("assignee")), "noah@example.com");
    assert_eq!(h.sandbox.linear().state_name(&id).as_deref(), Some("Done"));
    let labels = text_list(updated.field("labels"));
    assert_eq!(labels, vec!["docs".to_string(), "performance".to_string()]);
    assert_eq!(stored.label_ids.len(), 2);
    let fresh = one(h.connector.get(&[id]), "get after update");
    assert_eq!(
        updated, fresh,
        "the returned item is what a fresh get shows"
    );
}

#[test]
fn linear_webhook_delivery_yields_the_issue_id() {
    let h = linear();
    let issue_id = h.sandbox.linear().issue("ENG-1").expect("seeded").id;
    let body = json!({
        "action": "update",
        "type": "Issue",
        "createdAt": "2025-01-06T09:10:00.000Z",
        "organizationId": "3c1d2e3f-0000-4000-8000-000000000001",
        "url": "https://linear.app/acme/issue/ENG-1",
        "webhookTimestamp": 1_736_154_600_000_i64,
        "webhookId": "8f0e1d2c-0000-4000-8000-000000000002",
        "data": {"id": issue_id, "identifier": "ENG-1", "title": "Edited", "teamId": h.sandbox.linear().team_id()},
        "updatedFrom": {"title": "Before", "updatedAt": "2025-01-06T09:00:00.000Z"}
    });
    let headers = vec![
        ("Linear-Event".to_string(), "Issue".to_string()),
        (
            "Content-Type".to_string(),
            "application/json; charset=utf-8".to_string(),
        ),
    ];
    let ids = h
        .connector
        .parse_webhook(&headers, body.to_string().as_bytes())
        .expect("parses");
    assert_eq!(ids, vec![issue_id]);
}

/// Linear answers rate limiting with HTTP 400 and `extensions.code = "RATELIMITED"`, not a
/// 429 (see `plugins/linear/src/errors.rs`), so the gateway hands it back instead of
/// retrying; the connector reports it as rate-limited with the announced delay, and the
/// caller (the engine's executor) tries again after it. A 429 would be retried by the
/// gateway itself, as for Jira.
#[test]
fn linear_rate_limited_pages_are_reported_with_their_delay_and_succeed_when_retried() {
    let h = linear();
    h.sandbox
        .set_fault_plan(FaultPlan::none().with_seed(7).with_rate_limited(0.4, 1));
    let mut request = list_request(3, None, Filter::default());
    let (mut items, mut limited) = (Vec::new(), 0);
    loop {
        match h.connector.list_changed(&request) {
            Ok(page) => {
                items.extend(page.items);
                match page.next_cursor {
                    Some(cursor) => request.cursor = Some(cursor),
                    None => break,
                }
            }
            Err(ItemError::RateLimited {
                retry_after,
                message,
            }) => {
                limited += 1;
                assert!(limited < 20, "rate limited too often: {message}");
                assert_eq!(retry_after, Duration::from_secs(1), "{message}");
                std::thread::sleep(retry_after);
            }
            Err(other) => panic!("list_changed: {other}"),
        }
    }
    assert!(limited >= 1, "the sandbox injected RATELIMITED answers");
    assert_eq!(
        keys(&items).len(),
        LINEAR_ISSUES,
        "every issue once the retries got through"
    );
    let stats = h.sandbox.stats(Platform::Linear);
    assert_eq!(stats.status(400), limited, "{:?}", stats.by_status);
}

#[test]
fn linear_request_to_a_host_that_was_not_granted_is_denied() {
    let (sandbox, _runtime) = start_sandbox();
    let (_, plugins) = connector_plugins();
    let credential = Credential::Raw {
        header: "Authorization".to_string(),
        value: Secret::new(TOKEN),
    };
    let gateway = gateway(plugins, "linear", credential);
    let base = linear_base(&sandbox).replace("127.0.0.1", "localhost");
    let connector = plugins
        .connector("linear", linear_settings(&base), gateway)
        .expect("connector");
    match connector.list_changed(&list_request(5, None, Filter::default())) {
        Err(ItemError::Unauthorized(message)) => {
            assert!(message.contains("refused by the host"), "{message}");
            assert!(message.contains("localhost"), "{message}");
        }
        other => panic!("expected a denied request, got {other:?}"),
    }
    assert_eq!(
        sandbox.stats(Platform::Linear).total,
        0,
        "nothing reached the platform"
    );
}
