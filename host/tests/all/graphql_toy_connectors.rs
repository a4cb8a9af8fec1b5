//! Developing a connector against the sandbox the way an outside author would, for the GraphQL
//! platforms: the toy connectors in `tests/plugins/toy-linear` and `tests/plugins/toy-github-projects` are
//! written straight against `wit/pmsync.wit` with GraphQL documents of their own, taken from
//! the platforms' documentation (Relay `edges`, inline input objects, fragments on
//! `DraftIssue`/`PullRequest`, the project's node id), not from pmsync's connectors. Run by
//! the host plugin runtime, they list and update items on the loopback sandbox.
//!
//! Needs the components: run `bash scripts/build-plugins.sh` (or `make plugins`) first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pmsync_core::Value;
use pmsync_host::connector::{Connector, ListRequest, UpdateRequest};
use pmsync_host::http::{
    Credential, Gateway, GatewayConfig, GatewaySettings, HttpTransport, PlatformLimiter,
    RatePolicy, Secret, TransportSettings,
};
use pmsync_host::plugin::{Grants, PluginRuntime, PluginSet};
use pmsync_sandbox::{ProjectFieldValue, Sandbox, SandboxHandle, SandboxOptions, SandboxRuntime};

const TOKEN: &str = "toy-connector-token";

fn toy_folder(name: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/plugins")
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

/// The toy plugin, a gateway with loopback and `token` granted, and a connector on it.
struct Toy {
    _runtime: PluginRuntime,
    _plugins: PluginSet,
    connector: Box<dyn Connector>,
}

fn toy(name: &str, credential: Credential, settings: &[(&str, &str)]) -> Toy {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache");
    let runtime = PluginRuntime::with_cache_dir(cache).expect("plugin runtime");
    let grants = Grants::default()
        .grant(name, &["http://127.0.0.1:*"], &["token"])
        .expect("grants parse");
    let report = runtime.load_dir(&toy_folder(name), &grants);
    assert!(
        report.errors.is_empty(),
        "loading {name}: {:?}",
        report.errors
    );
    let plugins = report.plugins;
    let info = plugins.info(name).expect("plugin loaded");
    let config = GatewayConfig {
        plugin: name.to_string(),
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
    let gateway = Arc::new(Gateway::new(
        config,
        transport,
        // What each toy's manifest would declare: GitHub's conventions, or Linear's.
        PlatformLimiter::new(
            name,
            if name.contains("github") {
                RatePolicy::github()
            } else {
                RatePolicy::linear()
            },
        ),
    ));
    let settings = settings
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let connector = plugins
        .connector(name, settings, gateway)
        .expect("toy connector");
    Toy {
        _runtime: runtime,
        _plugins: plugins,
        connector,
    }
}

fn sandbox() -> (SandboxHandle, SandboxRuntime) {
    Sandbox::start_blocking(SandboxOptions::default().with_token(TOKEN)).expect("sandbox starts")
}

fn list_all(connector: &dyn Connector, page_size: u32) -> Vec<pmsync_core::Item> {
    let mut items = Vec::new();
    let mut cursor = None;
    for _ in 0..100 {
        let page = connector
            .list_changed(&ListRequest {
                cursor: cursor.take(),
                page_size,
                ..ListRequest::default()
            })
            .expect("a page");
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return items,
        }
    }
    panic!("more than 100 pages");
}

#[test]
fn a_toy_linear_connector_with_its_own_queries_lists_and_renames_issues_in_the_sandbox() {
    let (sb, _rt) = sandbox();
    let base = sb.linear_url();
    let base = base.strip_suffix("/graphql").unwrap_or(&base).to_string();
    let toy = toy(
        "toy-linear",
        Credential::Raw {
            header: "Authorization".to_string(),
            value: Secret::new(TOKEN),
        },
        &[("base_url", &base)],
    );

    let items = list_all(toy.connector.as_ref(), 3);
    assert_eq!(
        items.len(),
        sb.linear().issue_count(),
        "every issue, 3 per page"
    );
    let stamps: Vec<_> = items.iter().map(|i| i.updated_at).collect();
    assert!(
        stamps.windows(2).all(|w| w[0] >= w[1]),
        "newest updated first"
    );
    let first = &items[0];
    let stored = sb.linear().issue(&first.id).expect("a sandbox issue");
    assert_eq!(first.key, stored.identifier);
    assert_eq!(first.field("title"), &Value::Text(stored.title.clone()));
    let state = sb.linear().state_name(&first.id).expect("a state");
    assert_eq!(first.field("status"), &Value::Text(state));

    let renamed = toy.connector.update(&[UpdateRequest {
        id: first.id.clone(),
        fields: vec![("title".to_string(), Value::Text("Renamed by a toy".into()))],
    }]);
    let renamed = renamed[0].as_ref().expect("renamed");
    assert_eq!(
        renamed.field("title"),
        &Value::Text("Renamed by a toy".into())
    );
    assert_eq!(
        sb.linear().issue(&first.id).expect("issue").title,
        "Renamed by a toy"
    );

    let missing = toy.connector.get(&["ENG-999".to_string()]);
    assert!(
        missing[0].is_err(),
        "an unknown issue is an error: {missing:?}"
    );
}

#[test]
fn a_toy_github_projects_connector_with_the_docs_queries_lists_and_moves_board_items() {
    let (sb, _rt) = sandbox();
    let toy = toy(
        "toy-github-projects",
        Credential::Bearer(Secret::new(TOKEN)),
        &[
            ("base_url", &sb.github_url()),
            ("org", "acme"),
            ("project_number", "1"),
        ],
    );
    let github = sb.github();

    let items = list_all(toy.connector.as_ref(), 4);
    assert_eq!(
        items.len(),
        github.project_item_count(),
        "every item, 4 per page"
    );
    let item = items
        .iter()
        .find(|i| i.field("Status") != &Value::Text("Done".into()))
        .expect("an item not done");
    let stored = github.project_item(&item.id).expect("a board item");
    let issue = (1..=200)
        .filter_map(|n| github.issue(n))
        .find(|i| i.node_id == stored.content_node_id)
        .expect("the item's issue");
    assert_eq!(item.field("title"), &Value::Text(issue.title.clone()));
    assert_eq!(item.key, format!("#{}", issue.number));

    let moved = toy.connector.update(&[UpdateRequest {
        id: item.id.clone(),
        fields: vec![
            ("Status".to_string(), Value::Text("Done".into())),
            ("Notes".to_string(), Value::Text("Checked by a toy".into())),
        ],
    }]);
    let moved = moved[0].as_ref().expect("moved");
    assert_eq!(moved.field("Status"), &Value::Text("Done".into()));
    assert_eq!(
        moved.field("Notes"),
        &Value::Text("Checked by a toy".into())
    );
    let status = github.project_field_id("Status").expect("Status");
    let done = github.project_option_id("Status", "Done").expect("Done");
    assert_eq!(
        github
            .project_item(&item.id)
            .expect("item")
            .values
            .get(&status),
        Some(&ProjectFieldValue::SingleSelect(done))
    );
}
