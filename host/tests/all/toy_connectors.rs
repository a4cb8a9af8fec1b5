//! Developing a connector against the sandbox the way an outside author would: two toy
//! connectors (`tests/plugins/toy-jira`, `tests/plugins/toy-github`), written straight
//! against `wit/pmsync.wit` with the requests the platforms' own documentation shows (Jira
//! REST v2 with plain-text descriptions; GitHub REST with `Link` paging and an HTML-comment
//! origin marker), not the requests of pmsync's connectors. Run by the host plugin runtime
//! through the host HTTP gateway, they list, create, update and find items again.
//!
//! Needs the components: run `bash scripts/build-plugins.sh` (or `make plugins`) first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use pmsync_core::{Item, Value};
use pmsync_host::connector::{Connector, CreateRequest, ListRequest, UpdateRequest};
use pmsync_host::http::{
    Credential, Gateway, GatewayConfig, GatewaySettings, HttpTransport, PlatformLimiter,
    RatePolicy, Secret, TransportSettings,
};
use pmsync_host::plugin::{Grants, PluginRuntime, PluginSet};
use pmsync_sandbox::{Platform, Sandbox, SandboxHandle, SandboxOptions, SandboxRuntime};

const TOKEN: &str = "toy-author-token";

fn toy_folder(name: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/plugins")
        .join(name);
    let component = folder.join(format!("{}.wasm", name.replace('-', "_")));
    assert!(
        component.is_file(),
        "{} is missing: run `bash scripts/build-plugins.sh` (make plugins) first",
        component.display()
    );
    folder
}

/// The two toy connectors, loaded once, with loopback and `token` granted.
fn toys() -> &'static BTreeMap<&'static str, PluginSet> {
    static TOYS: OnceLock<(PluginRuntime, BTreeMap<&'static str, PluginSet>)> = OnceLock::new();
    let (_, sets) = TOYS.get_or_init(|| {
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache");
        let runtime = PluginRuntime::with_cache_dir(cache).expect("plugin runtime");
        let grants = Grants::default()
            .grant("toy-jira", &["http://127.0.0.1:*"], &["token"])
            .and_then(|g| g.grant("toy-github", &["http://127.0.0.1:*"], &["token"]))
            .expect("grants parse");
        let mut sets = BTreeMap::new();
        for name in ["toy-jira", "toy-github"] {
            let report = runtime.load_dir(&toy_folder(name), &grants);
            assert!(
                report.errors.is_empty(),
                "loading {name}: {:?}",
                report.errors
            );
            sets.insert(name, report.plugins);
        }
        (runtime, sets)
    });
    sets
}

fn connector(
    plugin: &str,
    credential: Credential,
    settings: &[(&str, String)],
) -> Box<dyn Connector> {
    let set = &toys()[plugin];
    let info = set.info(plugin).expect("plugin loaded");
    let config = GatewayConfig {
        plugin: plugin.to_string(),
        grants: info.granted.hosts.clone(),
        declared_credentials: info.asked.secrets.iter().cloned().collect::<BTreeSet<_>>(),
        credentials: BTreeMap::from([("token".to_string(), credential)]),
        settings: GatewaySettings::default(),
    };
    let transport = HttpTransport::with_own_runtime(&TransportSettings {
        use_system_proxy: false,
        ..TransportSettings::default()
    })
    .expect("HTTP transport");
    // What each toy's manifest would declare: GitHub's conventions and write spacing, or Jira's.
    let policy = if plugin.contains("github") {
        RatePolicy::github()
    } else {
        RatePolicy::jira()
    };
    let limiter = PlatformLimiter::new(plugin, policy);
    let gateway = Arc::new(Gateway::new(config, transport, limiter));
    let settings = settings
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    set.connector(plugin, settings, gateway).expect("connector")
}

fn sandbox() -> (SandboxHandle, SandboxRuntime) {
    Sandbox::start_blocking(SandboxOptions::default().with_token(TOKEN)).expect("sandbox starts")
}

fn listing(connector: &dyn Connector, since: Option<String>, page_size: u32) -> (Vec<Item>, usize) {
    let mut request = ListRequest {
        since,
        page_size,
        ..ListRequest::default()
    };
    let mut items = Vec::new();
    let mut pages = 0;
    loop {
        let page = connector.list_changed(&request).expect("list_changed");
        pages += 1;
        items.extend(page.items);
        match page.next_cursor {
            Some(cursor) if pages < 50 => request.cursor = Some(cursor),
            _ => return (items, pages),
        }
    }
}

fn text(item: &Item, field: &str) -> String {
    match item.field(field) {
        Value::Text(t) => t.clone(),
        other => panic!("{field} of {} is not text: {other:?}", item.key),
    }
}

#[test]
fn a_toy_jira_connector_from_the_v2_docs_lists_creates_updates_and_finds_its_items() {
    let (sb, _rt) = sandbox();
    let toy = connector(
        "toy-jira",
        Credential::Basic {
            user: "author@example.com".into(),
            token: Secret::new(TOKEN),
        },
        &[("base_url", sb.jira_url()), ("project", "PROJ".into())],
    );

    let (items, pages) = listing(toy.as_ref(), None, 5);
    assert_eq!(items.len(), 12, "every PROJ issue, in pages of 5");
    assert_eq!(pages, 3);
    assert!(
        items.windows(2).all(|w| w[0].updated_at <= w[1].updated_at),
        "ORDER BY updated ASC"
    );
    assert!(
        !text(&items[0], "description").is_empty()
            && !text(&items[0], "description").contains("\"type\""),
        "v2 gives descriptions as plain text"
    );

    let created = toy
        .create(&[CreateRequest {
            origin: "github:acme/widgets#42".into(),
            fields: vec![
                (
                    "summary".into(),
                    Value::Text("Written by a toy connector".into()),
                ),
                (
                    "description".into(),
                    Value::Text("Plain text.\n\nTwo paragraphs.".into()),
                ),
                ("labels".into(), Value::TextList(vec!["toy".into()])),
            ],
        }])
        .remove(0)
        .expect("created");
    assert_eq!(created.key, "PROJ-13");
    let stored = sb.jira().issue("PROJ-13").expect("in the sandbox");
    assert_eq!(
        stored["fields"]["description"]["content"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "the sandbox stores the v2 text as two ADF paragraphs"
    );

    let updated = toy
        .update(&[UpdateRequest {
            id: created.id.clone(),
            fields: vec![("summary".into(), Value::Text("Renamed by the toy".into()))],
        }])
        .remove(0)
        .expect("updated");
    assert_eq!(text(&updated, "summary"), "Renamed by the toy");
    assert_eq!(
        sb.jira().issue("PROJ-13").expect("stored")["fields"]["summary"],
        "Renamed by the toy"
    );

    let found = toy.find_by_origin(&[
        "github:acme/widgets#42".into(),
        "github:acme/widgets#43".into(),
    ]);
    assert_eq!(
        found[0]
            .as_ref()
            .expect("search")
            .as_ref()
            .map(|i| i.key.as_str()),
        Some("PROJ-13")
    );
    assert!(found[1].as_ref().expect("search").is_none());

    let (changed, _) = listing(toy.as_ref(), Some(created.updated_at.to_rfc3339()), 50);
    assert!(
        changed.iter().any(|i| i.key == "PROJ-13"),
        "an incremental listing sees the edit"
    );
    let stats = sb.stats(Platform::Jira);
    assert!(
        stats.route("GET /rest/api/2/myself") >= 1,
        "{:?}",
        stats.by_route
    );
    assert_eq!(
        stats.status(400) + stats.status(404) + stats.status(500),
        0,
        "{:?}",
        stats.by_status
    );
}

#[test]
fn a_toy_github_connector_from_the_rest_docs_lists_creates_updates_and_finds_its_items() {
    let (sb, _rt) = sandbox();
    let toy = connector(
        "toy-github",
        Credential::Bearer(Secret::new(TOKEN)),
        &[
            ("base_url", sb.github_url()),
            ("repo", "acme/widgets".into()),
        ],
    );

    let (items, pages) = listing(toy.as_ref(), None, 3);
    assert_eq!(items.len(), 8, "the 8 issues, without the 2 pull requests");
    assert_eq!(
        pages, 4,
        "10 issues and pull requests in pages of 3, by the Link header"
    );

    let created = toy
        .create(&[CreateRequest {
            origin: "jira:PROJ-7".into(),
            fields: vec![
                (
                    "title".into(),
                    Value::Text("Opened by a toy connector".into()),
                ),
                ("body".into(), Value::Text("Some text.".into())),
                ("labels".into(), Value::TextList(vec!["bug".into()])),
            ],
        }])
        .remove(0)
        .expect("created");
    assert_eq!(created.key, "#11");
    assert_eq!(
        text(&created, "body"),
        "Some text.",
        "the origin marker is hidden from the field"
    );

    let closed = toy
        .update(&[UpdateRequest {
            id: created.id.clone(),
            fields: vec![
                ("state".into(), Value::Text("closed".into())),
                ("title".into(), Value::Text("Closed by the toy".into())),
            ],
        }])
        .remove(0)
        .expect("updated");
    assert_eq!(text(&closed, "state"), "closed");
    let stored = sb.github().issue(11).expect("in the sandbox");
    assert_eq!(
        (stored.state.as_str(), stored.title.as_str()),
        ("closed", "Closed by the toy")
    );

    let found = toy.find_by_origin(&["jira:PROJ-7".into(), "jira:PROJ-8".into()]);
    assert_eq!(
        found[0]
            .as_ref()
            .expect("search")
            .as_ref()
            .map(|i| i.key.as_str()),
        Some("#11")
    );
    assert!(found[1].as_ref().expect("search").is_none());

    let stats = sb.stats(Platform::GitHub);
    for first in ["GET /user", "GET /repos/acme/widgets"] {
        assert!(stats.route(first) >= 1, "{first}: {:?}", stats.by_route);
    }
    assert_eq!(
        stats.status(404) + stats.status(422),
        0,
        "{:?}",
        stats.by_status
    );
}
