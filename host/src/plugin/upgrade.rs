//! The upgrade of plugins that loaded from baseline (Winch) code: their components compiled
//! again with Cranelift into the cache, so the next load runs optimised code. Used by
//! `plugins precompile` and `bundle install`, and by a run once it finished syncing.

use super::cache::sha256_hex;
use super::compiler::Compiler;
use super::inventory::PluginInfo;
use super::limits::{MAX_COMPONENT_BYTES, cut, read_bounded};
use super::loader::PluginRuntime;
use serde::Serialize;

/// What the upgrade did for one plugin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Upgrade {
    pub plugin: String,
    pub version: String,
    #[serde(flatten)]
    pub outcome: UpgradeOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum UpgradeOutcome {
    /// Compiled with Cranelift and cached, in this many ms.
    Optimised { compile_ms: f64 },
    /// The optimised entry was in the cache already.
    AlreadyOptimised,
    /// Could not be compiled or cached (why); the plugin keeps its baseline code.
    Failed { reason: String },
}

impl PluginRuntime {
    /// The plugins of `loaded` that need an upgrade: those running baseline code.
    pub fn needs_upgrade(loaded: &[PluginInfo]) -> Vec<&PluginInfo> {
        loaded
            .iter()
            .filter(|p| p.compiler == Compiler::Winch)
            .collect()
    }

    /// Compiles the component of each plugin that loaded from baseline code with Cranelift
    /// into the cache, one after another, reporting each to `progress` before (`None`) and
    /// after (`Some`) its compile. A component file that changed since it loaded is not
    /// compiled (its sha256 no longer matches).
    pub fn upgrade(
        &self,
        loaded: &[PluginInfo],
        mut progress: impl FnMut(&PluginInfo, Option<&Upgrade>),
    ) -> Vec<Upgrade> {
        let mut done = Vec::new();
        for plugin in PluginRuntime::needs_upgrade(loaded) {
            progress(plugin, None);
            let outcome = match self.upgrade_one(plugin) {
                Ok(Some(took)) => UpgradeOutcome::Optimised {
                    compile_ms: took.as_secs_f64() * 1000.0,
                },
                Ok(None) => UpgradeOutcome::AlreadyOptimised,
                Err(reason) => UpgradeOutcome::Failed {
                    reason: cut(&reason, 2_000),
                },
            };
            let upgrade = Upgrade {
                plugin: plugin.name.clone(),
                version: plugin.version.clone(),
                outcome,
            };
            progress(plugin, Some(&upgrade));
            done.push(upgrade);
        }
        done
    }

    fn upgrade_one(&self, plugin: &PluginInfo) -> Result<Option<std::time::Duration>, String> {
        let bytes = read_bounded(&plugin.component, MAX_COMPONENT_BYTES, "the component file")?;
        if sha256_hex(&bytes) != plugin.sha256 {
            return Err(format!(
                "{} changed since it was loaded; load it again first",
                plugin.component.display()
            ));
        }
        self.tiers.optimise(&bytes)
    }
}
