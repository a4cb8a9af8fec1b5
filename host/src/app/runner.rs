//! Run the syncs of a config: connectors for its platforms, the field pipelines and resolvers
//! from the plugins, and the engine over the state store.

use super::platform_connectors::{Network, connector_for, connector_info};
use crate::connector::Connector;
use crate::engine::{
    EngineError, Progress, RunOptions, RunReport, Runner, StopSignal, SyncContext,
};
use crate::http::{HttpTransport, LimiterRegistry, MetricsSnapshot, TransportSettings};
use crate::plugin::PluginSet;
use crate::store::Store;
use pmsync_core::Side;
use pmsync_core::config::{ConfigFile, ResolvedSecrets, SyncConfig};
use pmsync_core::planner::PipelineConverter;
use std::collections::BTreeMap;

/// Everything a run needs besides the store.
pub struct Setup<'a> {
    pub config: &'a ConfigFile,
    pub plugins: &'a PluginSet,
    pub secrets: &'a ResolvedSecrets,
    pub network: Network,
    /// Asks the runs to stop gracefully (a signal handler sets it).
    pub stop: StopSignal,
}

impl<'a> Setup<'a> {
    /// A setup with its own HTTP transport. `fast_writes` drops the spacing of writes that
    /// real platforms ask for (the sandbox does not need it).
    pub fn new(
        config: &'a ConfigFile,
        plugins: &'a PluginSet,
        secrets: &'a ResolvedSecrets,
        fast_writes: bool,
    ) -> Result<Setup<'a>, String> {
        let transport = HttpTransport::with_own_runtime(&TransportSettings::default())
            .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
        Ok(Setup {
            config,
            plugins,
            secrets,
            network: Network {
                transport,
                limiters: LimiterRegistry::new(),
                min_write_interval: fast_writes.then_some(None),
            },
            stop: StopSignal::new(),
        }
        .with_stop(StopSignal::new()))
    }

    /// Runs under `stop`: once it is asked for, no new write starts, and the engine's and
    /// the HTTP gateway's waits (retry backoffs, rate-limit resets) end at once.
    pub fn with_stop(mut self, stop: StopSignal) -> Setup<'a> {
        self.network
            .limiters
            .cancel_waits_with(stop.network_waits());
        self.stop = stop;
        self
    }

    /// The syncs to run: all, or those named (an unknown name is an error).
    pub fn syncs(&self, only: &[String]) -> Result<Vec<&'a SyncConfig>, String> {
        for name in only {
            if !self.config.syncs.iter().any(|s| &s.name == name) {
                let known: Vec<&str> = self.config.syncs.iter().map(|s| s.name.as_str()).collect();
                return Err(format!(
                    "no sync named `{name}` (the config has: {})",
                    known.join(", ")
                ));
            }
        }
        Ok(self
            .config
            .syncs
            .iter()
            .filter(|s| only.is_empty() || only.contains(&s.name))
            .collect())
    }

    /// Request counts, retries and latencies per platform so far.
    pub fn metrics(&self) -> Vec<MetricsSnapshot> {
        self.network.limiters.snapshots()
    }
}

/// Connectors by platform entry, built once per run and shared by the syncs using them.
pub struct Connectors<'s> {
    setup: &'s Setup<'s>,
    built: BTreeMap<String, Box<dyn Connector>>,
}

impl<'s> Connectors<'s> {
    pub fn new(setup: &'s Setup<'s>) -> Connectors<'s> {
        Connectors {
            setup,
            built: BTreeMap::new(),
        }
    }

    fn ensure(&mut self, entry: &str) -> Result<(), String> {
        if !self.built.contains_key(entry) {
            let s = self.setup;
            let connector = connector_for(s.config, entry, s.plugins, s.secrets, &s.network)?;
            self.built.insert(entry.to_string(), connector);
        }
        Ok(())
    }

    /// The source and target connectors of a sync.
    pub fn pair(&mut self, sync: &SyncConfig) -> Result<(&dyn Connector, &dyn Connector), String> {
        self.ensure(&sync.source_platform)?;
        self.ensure(&sync.target_platform)?;
        Ok((
            self.built[&sync.source_platform].as_ref(),
            self.built[&sync.target_platform].as_ref(),
        ))
    }

    /// Runs one sync.
    pub fn run(
        &mut self,
        sync: &SyncConfig,
        store: &mut Store,
        options: &RunOptions,
        progress: &dyn Progress,
    ) -> Result<RunReport, String> {
        self.with_runner(sync, progress, |runner| runner.run(store, options))
    }

    /// Syncs just the named items of one sync (ids per side; see `Runner::run_items`).
    pub fn run_items(
        &mut self,
        sync: &SyncConfig,
        store: &mut Store,
        named: &BTreeMap<Side, Vec<String>>,
        progress: &dyn Progress,
    ) -> Result<RunReport, String> {
        self.with_runner(sync, progress, |runner| runner.run_items(store, named))
    }

    /// The connector of a platform entry, built on first use.
    pub fn connector(&mut self, entry: &str) -> Result<&dyn Connector, String> {
        self.ensure(entry)?;
        Ok(self.built[entry].as_ref())
    }

    fn with_runner<T>(
        &mut self,
        sync: &SyncConfig,
        progress: &dyn Progress,
        f: impl FnOnce(&Runner<'_>) -> Result<T, EngineError>,
    ) -> Result<T, String> {
        self.ensure(&sync.source_platform)?;
        self.ensure(&sync.target_platform)?;
        let sync = &with_platform_queries(sync, self.setup.config, self.setup.plugins);
        let source = self.built[&sync.source_platform].as_ref();
        let target = self.built[&sync.target_platform].as_ref();
        // Transformer and resolver calls carry at most `batch_size` requests each.
        let plugins = self.setup.plugins.with_batch_size(sync.batch_size);
        let converter = PipelineConverter::new(sync, &plugins);
        let context = SyncContext {
            sync,
            source,
            target,
            converter: &converter,
            resolvers: &plugins,
        };
        let runner = Runner::new(context)
            .with_progress(progress)
            .with_stop(self.setup.stop.clone());
        f(&runner).map_err(|e| format!("sync `{}`: {e}", sync.name))
    }
}

/// The sync with each side's platform query taken from the `filters:` key its connector
/// declares (`jql`, `github_query`, ...), unless `source_query` / `target_query` gives it,
/// and the common filters each side's connector declares it reads.
pub fn with_platform_queries(
    sync: &SyncConfig,
    config: &ConfigFile,
    plugins: &PluginSet,
) -> SyncConfig {
    let manifest = |entry: &str| {
        connector_info(config, entry, plugins)
            .ok()
            .and_then(|info| info.connector)
            .unwrap_or_default()
    };
    let mut sync = sync.clone();
    let source = manifest(&sync.source_platform);
    let target = manifest(&sync.target_platform);
    sync.filters
        .resolve_query_aliases(source.query_key.as_deref(), target.query_key.as_deref());
    sync.filters.set_reads(source.filters, target.filters);
    sync
}
