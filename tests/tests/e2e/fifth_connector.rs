//! A fifth platform added with no change to the host, the core or the sandbox crate: the toy
//! "tracker" connector and its simulator live in `tests/plugins/toy-tracker/` only, and this
//! test syncs it both ways with the sandbox's Jira through the real WASM connectors.

#[path = "../../plugins/toy-tracker/simulator.rs"]
mod tracker_simulator;

use pmsync_core::config::{Available, check_str, resolve_secrets};
use pmsync_host::app::{Connectors, Setup, grants_for};
use pmsync_host::engine::{NoProgress, RunOptions, RunReport};
use pmsync_host::plugin::{PluginRuntime, PluginSet, manifests_in};
use pmsync_host::store::Store;
use pmsync_sandbox::{Sandbox, SandboxOptions, serve};
use std::path::{Path, PathBuf};
use tracker_simulator::{TOKEN, TrackerHandle};

use crate::harness::{assert_no_failures, workspace};

const CONFIG: &str = r#"
name: "jira-tracker"
source_platform: "jira"
target_platform: "tracker"
direction: "bidirectional"
conflict_strategy: "last_write_wins"
batch_size: 10
retry_delay: 0
platforms:
  jira:
    settings: { base_url: "JIRA_URL", project: "PROJ" }
    credentials:
      token: { type: basic, user: "${JIRA_EMAIL}", token: "${JIRA_API_TOKEN}" }
    allow_hosts: ["JIRA_URL"]
  tracker:
    settings: { base_url: "TRACKER_URL" }
    credentials:
      token: { type: bearer, token: "${TRACKER_TOKEN}" }
    allow_hosts: ["TRACKER_URL"]
field_mappings:
  - { source_field: "summary", target_field: "title", source_type: "string", target_type: "string", bidirectional: true, required: true }
  - { source_field: "status", target_field: "status", source_type: "string", target_type: "string", bidirectional: true, value_map: "status" }
value_maps:
  status:
    forward: { "To Do": "open", "In Progress": "open", "Done": "done" }
    reverse: { "open": "To Do", "done": "Done" }
"#;

/// A plugin folder holding only the two connectors this sync needs (links to their folders).
fn plugin_folder(dir: &Path) -> PathBuf {
    let plugins = dir.join("plugins");
    std::fs::create_dir_all(&plugins).expect("plugin folder");
    for (name, source) in [
        ("jira", workspace().join("plugins/jira")),
        ("toy-tracker", workspace().join("tests/plugins/toy-tracker")),
    ] {
        assert!(
            source.join("plugin.toml").exists(),
            "{} is missing: run `make plugins`",
            source.display()
        );
        std::os::unix::fs::symlink(&source, plugins.join(name)).expect("link a plugin folder");
    }
    plugins
}

struct FifthWorld {
    jira: pmsync_sandbox::SandboxHandle,
    tracker: TrackerHandle,
    _runtime: tokio::runtime::Runtime,
    config: pmsync_core::config::ConfigFile,
    secrets: pmsync_core::config::ResolvedSecrets,
    plugins: PluginSet,
    store: Store,
    _stop_tracker: tokio::sync::watch::Sender<bool>,
    _dir: tempfile::TempDir,
    _plugin_runtime: PluginRuntime,
}

impl FifthWorld {
    fn start() -> FifthWorld {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let options = SandboxOptions::default();
        let jira = runtime
            .block_on(Sandbox::start(options.clone()))
            .expect("the sandbox starts");
        let (tracker, stop_tracker) = runtime
            .block_on(serve::<TrackerHandle>(0, &options))
            .expect("the tracker simulator starts");
        let text = CONFIG
            .replace("JIRA_URL", &jira.jira_url())
            .replace("TRACKER_URL", &tracker.url());
        let dir = tempfile::tempdir().expect("temp dir");
        let plugin_dir = plugin_folder(dir.path());
        let plugin_runtime =
            PluginRuntime::with_cache_dir(dir.path().join("cache")).expect("plugin runtime");
        let loaded = plugin_runtime.load_dir(&plugin_dir, &Default::default());
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let mut available = Available::default();
        for info in loaded.plugins.inventory() {
            available
                .connectors
                .extend(info.provides.platform.iter().cloned());
        }
        assert!(
            available.connectors.contains("tracker"),
            "{:?}",
            available.connectors
        );
        let (config, diagnostics) =
            check_str(&text, "jira-tracker.yaml", &available).expect("the config loads");
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let secrets = resolve_secrets(&config, &|name| match name {
            "JIRA_EMAIL" => Some("sandbox@example.com".into()),
            "JIRA_API_TOKEN" => Some("sandbox".into()),
            "TRACKER_TOKEN" => Some(TOKEN.into()),
            _ => None,
        })
        .expect("secrets resolve");
        let grants = grants_for(&config, &manifests_in(&plugin_dir)).expect("grants derive");
        let loaded = plugin_runtime.load_dir(&plugin_dir, &grants);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        FifthWorld {
            jira,
            tracker: tracker.handle,
            _runtime: runtime,
            config,
            secrets,
            plugins: loaded.plugins,
            store: Store::in_memory().expect("an in-memory store"),
            _stop_tracker: stop_tracker,
            _dir: dir,
            _plugin_runtime: plugin_runtime,
        }
    }

    fn run(&mut self) -> RunReport {
        let setup =
            Setup::new(&self.config, &self.plugins, &self.secrets, true).expect("the setup");
        let mut connectors = Connectors::new(&setup);
        let sync = &self.config.syncs[0];
        let report = connectors
            .run(sync, &mut self.store, &RunOptions::default(), &NoProgress)
            .expect("the sync runs");
        assert_no_failures(&report);
        report
    }

    fn jira_summary(&self, key: &str) -> Option<String> {
        let issue = self.jira.jira().issue(key)?;
        issue["fields"]["summary"].as_str().map(str::to_owned)
    }
}

#[test]
fn a_fifth_connector_syncs_both_ways_with_no_change_outside_its_folders() {
    let mut world = FifthWorld::start();

    // First run: every Jira issue of PROJ becomes a ticket, with its title and mapped status.
    let first = world.run();
    let tickets = world.tracker.tickets();
    assert!(first.counts.created > 0, "{}", first.summary());
    assert_eq!(tickets.len(), first.counts.created, "{}", first.summary());
    for item in &first.items {
        let id: u64 = item
            .target_key
            .trim_start_matches("T-")
            .parse()
            .expect("a ticket key");
        let ticket = tickets
            .iter()
            .find(|t| t.id == id)
            .expect("the ticket exists");
        assert_eq!(
            world.jira_summary(&item.source_key).as_deref(),
            Some(ticket.title.as_str()),
            "{} ↔ {}",
            item.source_key,
            item.target_key
        );
        assert!(ticket.origin.is_some(), "T-{id} carries an origin marker");
        assert!(
            ticket.status == "open" || ticket.status == "done",
            "{}",
            ticket.status
        );
    }

    // An edit on the tracker travels to Jira.
    let pair = &first.items[0];
    let ticket_id: u64 = pair
        .target_key
        .trim_start_matches("T-")
        .parse()
        .expect("a key");
    assert!(world.tracker.edit(ticket_id, "Renamed in the tracker"));
    let second = world.run();
    assert_eq!(second.counts.updated, 1, "{}", second.summary());
    assert_eq!(
        world.jira_summary(&pair.source_key).as_deref(),
        Some("Renamed in the tracker")
    );

    // The echo of that write is no change: a third run writes nothing anywhere.
    let writes_before = world.tracker.writes();
    let third = world.run();
    assert_eq!(third.counts.writes, 0, "{}", third.summary());
    assert_eq!(world.tracker.writes(), writes_before);
}
