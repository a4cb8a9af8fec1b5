//! The embedded first run: with no config and no credentials, start the sandbox platforms,
//! sync their example data both ways through the WASM connectors (the shipped
//! `examples/jira_to_github.yaml`), let "people" edit both sides — including the same field
//! on both sides — and sync again, then once more to show that nothing echoes back.

use super::runner::{Connectors, Setup};
use super::sandbox_config::point_at_sandbox;
use crate::engine::{Progress, RunOptions, RunReport};
use crate::plugin::PluginSet;
use crate::store::Store;
use pmsync_core::config::{ConfigFile, InitialWinner, LinkExisting, LinkMode, MatchRule, load_str};
use pmsync_sandbox::{Sandbox, SandboxHandle, SandboxOptions, SandboxRuntime};
use serde::Serialize;

/// The config the first run uses: the shipped Jira ↔ GitHub example.
pub const DEMO_CONFIG: &str = include_str!("../../../examples/jira_to_github.yaml");

/// The demo's sandbox runs ten times faster than the real platforms' pace (the host paces
/// itself to it, as it would to the real ones).
const DEMO_TIME_SCALE: f64 = 0.1;

/// How the demo adopts what exists: pair by a cross-reference or an equal title, create
/// the rest; where a pair differs, the side edited last wins.
fn demo_link_existing() -> LinkExisting {
    LinkExisting {
        mode: LinkMode::MatchThenCreate,
        rules: vec![
            MatchRule::CrossReference,
            MatchRule::Fields {
                fields: vec!["summary".to_string()],
                date_window: None,
            },
        ],
        initial_winner: Some(InitialWinner::Newer),
    }
}

/// One pass of the demo and what happened before it.
#[derive(Debug, Serialize)]
pub struct DemoPass {
    pub title: String,
    /// Edits made on the platforms before this pass, as a person would.
    pub edits: Vec<String>,
    pub reports: Vec<RunReport>,
}

/// A running sandbox with the demo config pointed at it.
pub struct Demo {
    pub handle: SandboxHandle,
    _runtime: SandboxRuntime,
    pub config: ConfigFile,
    pub secrets: pmsync_core::config::ResolvedSecrets,
}

impl Demo {
    pub fn start() -> Result<Demo, String> {
        let (handle, runtime) =
            Sandbox::start_blocking(SandboxOptions::default().with_time_scale(DEMO_TIME_SCALE))
                .map_err(|e| format!("cannot start the sandbox: {e:#}"))?;
        let mut config =
            load_str(DEMO_CONFIG, "examples/jira_to_github.yaml").map_err(|e| e.to_string())?;
        // Both sandbox platforms already hold some of the same work (equal titles): the
        // first run pairs those instead of creating duplicates, as an adopting team would.
        for sync in &mut config.syncs {
            sync.link_existing = demo_link_existing();
        }
        let secrets = point_at_sandbox(&mut config, &handle)?;
        Ok(Demo {
            handle,
            _runtime: runtime,
            config,
            secrets,
        })
    }

    /// Runs the three passes.
    pub fn run(
        &self,
        plugins: &PluginSet,
        progress: &dyn Progress,
    ) -> Result<Vec<DemoPass>, String> {
        let setup = Setup::new(&self.config, plugins, &self.secrets, false)?;
        let mut connectors = Connectors::new(&setup);
        let mut store = Store::in_memory().map_err(|e| e.to_string())?;
        let sync = &self.config.syncs[0];
        let mut pass =
            |store: &mut Store, title: &str, edits: Vec<String>| -> Result<DemoPass, String> {
                let report = connectors.run(sync, store, &RunOptions::default(), progress)?;
                Ok(DemoPass {
                    title: title.to_string(),
                    edits,
                    reports: vec![report],
                })
            };
        let mut passes = vec![pass(
            &mut store,
            "first sync: match what exists on both sides, link it, create the rest",
            Vec::new(),
        )?];
        let edits = self.edit_like_people(&store, &sync.name)?;
        passes.push(pass(&mut store, "after people edited both sides", edits)?);
        passes.push(pass(
            &mut store,
            "nothing changed since: the echo of our own writes is no change",
            Vec::new(),
        )?);
        Ok(passes)
    }

    /// Edits three linked pairs: one on the Jira side, one on the GitHub side, and the same
    /// field on both sides of a third (a conflict; the example resolves it by last write).
    fn edit_like_people(&self, store: &Store, sync: &str) -> Result<Vec<String>, String> {
        let links = store.links(sync).map_err(|e| e.to_string())?;
        let pairs: Vec<_> = links
            .iter()
            .filter_map(|l| {
                l.target_id
                    .parse::<u64>()
                    .ok()
                    .map(|n| (l.source_key.clone(), n))
            })
            .take(3)
            .collect();
        if pairs.len() < 3 {
            return Err(format!("the first pass linked only {} items", pairs.len()));
        }
        let set_summary = |key: &str, text: &str| {
            self.handle.jira().edit(key, |fields| {
                fields.insert("summary".into(), serde_json::Value::String(text.into()));
            })
        };
        let set_title = |number: u64, text: &str| {
            self.handle
                .github()
                .edit(number, |issue| issue.title = text.into())
        };
        let mut edits = Vec::new();
        let (jira_key, _) = &pairs[0];
        set_summary(jira_key, "Checkout fails for saved cards (edited in Jira)");
        edits.push(format!("Jira {jira_key}: summary edited"));
        let (_, number) = pairs[1];
        set_title(number, "Dark mode for the settings page (edited on GitHub)");
        edits.push(format!("GitHub #{number}: title edited"));
        let (jira_key, number) = &pairs[2];
        set_summary(jira_key, "Both sides edited this: Jira's words");
        std::thread::sleep(std::time::Duration::from_millis(1100));
        set_title(*number, "Both sides edited this: GitHub's words (later)");
        edits.push(format!(
            "Jira {jira_key} and GitHub #{number}: the same field edited on both sides"
        ));
        Ok(edits)
    }
}
