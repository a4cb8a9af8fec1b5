//! The world of one end-to-end test: a sandbox of its own (fresh seed data on free loopback
//! ports), a shipped example config pointed at it, the first-party WASM plugins loaded with
//! the grants that config gives, and an in-memory state store.

use pmsync_core::config::{Available, ConfigFile, ResolvedSecrets, check_str};
use pmsync_host::app::{Connectors, Setup, grants_for, point_at_sandbox};
use pmsync_host::engine::{NoProgress, RunOptions, RunReport};
use pmsync_host::plugin::{PluginRuntime, PluginSet, manifests_in};
use pmsync_host::store::Store;
use pmsync_sandbox::{
    FaultPlan, Platform, RequestStats, Sandbox, SandboxHandle, SandboxOptions, SandboxRuntime,
};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The workspace root (the parent of this crate).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// `<workspace>/plugins`, after checking that its components are built.
fn plugins_dir() -> PathBuf {
    let dir = workspace().join("plugins");
    let manifests = manifests_in(&dir);
    assert!(
        !manifests.is_empty(),
        "no plugin manifests in {}: is this the pmsync workspace?",
        dir.display()
    );
    let missing: Vec<String> = manifests
        .iter()
        .filter(|m| !m.component.exists())
        .map(|m| m.name.clone())
        .collect();
    assert!(
        missing.is_empty(),
        "the plugins {missing:?} in {} have no component: run `make plugins` \
         (bash scripts/build-plugins.sh) before these tests",
        dir.display()
    );
    dir
}

/// One plugin runtime per test binary, compiling into a cache shared by its tests.
fn runtime() -> &'static PluginRuntime {
    static RUNTIME: OnceLock<PluginRuntime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache");
        PluginRuntime::with_cache_dir(cache).expect("the plugin runtime starts")
    })
}

/// What the loaded plugins provide (and what their manifests declare), for checking a
/// config as `pmsync-host run` does.
fn available(plugins: &PluginSet) -> Available {
    pmsync_host::app::available(plugins)
}

/// The text of `examples/<file>`.
pub fn example_text(file: &str) -> String {
    let path = workspace().join("examples").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Time scale of the sandbox in these tests: its pace, a hundred times faster.
pub const TEST_TIME_SCALE: f64 = 0.01;

pub struct World {
    pub sandbox: SandboxHandle,
    _runtime: SandboxRuntime,
    pub config: ConfigFile,
    pub secrets: ResolvedSecrets,
    pub plugins: PluginSet,
    pub store: Store,
}

impl World {
    /// `examples/<file>` against a fresh sandbox, after `tweak` changed the loaded config
    /// (strategies, retry delays). Panics with the reason when anything does not start.
    pub fn start(file: &str, tweak: impl FnOnce(&mut ConfigFile)) -> World {
        Self::start_with(file, SandboxOptions::default(), tweak)
    }

    pub fn start_with(
        file: &str,
        options: SandboxOptions,
        tweak: impl FnOnce(&mut ConfigFile),
    ) -> World {
        // The platforms' pace (GitHub: a second between writes), a hundred times faster.
        let scale = options.time_scale.min(TEST_TIME_SCALE);
        let options = options.with_time_scale(scale);
        let text = example_text(file);
        let dir = plugins_dir();
        let (sandbox, runtime) = Sandbox::start_blocking(options).expect("the sandbox starts");
        let (mut config, diagnostics) = check_str(&text, file, &available(&Self::load(&dir, None)))
            .unwrap_or_else(|e| panic!("{file} does not load: {e}"));
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        assert!(errors.is_empty(), "{file} is not valid: {errors:#?}");
        tweak(&mut config);
        let secrets =
            point_at_sandbox(&mut config, &sandbox).expect("the config points at the sandbox");
        let plugins = Self::load(&dir, Some(&config));
        World {
            sandbox,
            _runtime: runtime,
            config,
            secrets,
            plugins,
            store: Store::in_memory().expect("an in-memory store"),
        }
    }

    /// The plugins of `dir`, with the grants `config` gives (none without one).
    fn load(dir: &Path, config: Option<&ConfigFile>) -> PluginSet {
        let grants = match config {
            Some(config) => grants_for(config, &manifests_in(dir)).expect("grants derive"),
            None => Default::default(),
        };
        let report = runtime().load_dir(dir, &grants);
        assert!(
            report.errors.is_empty(),
            "plugins failed to load: {:?}",
            report.errors
        );
        report.plugins
    }

    /// One incremental run of the sync `name`, as `pmsync-host run --sandbox` does it.
    pub fn run(&mut self, name: &str) -> RunReport {
        self.run_with(name, &RunOptions::default())
    }

    pub fn dry_run(&mut self, name: &str) -> RunReport {
        self.run_with(
            name,
            &RunOptions {
                dry_run: true,
                ..RunOptions::default()
            },
        )
    }

    pub fn try_run_with(&mut self, name: &str, options: &RunOptions) -> Result<RunReport, String> {
        // The host paces itself to the sandbox's (time-scaled) pace, as to a real platform.
        let setup = Setup::new(&self.config, &self.plugins, &self.secrets, false)?;
        let mut connectors = Connectors::new(&setup);
        let sync = self
            .config
            .syncs
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("no sync named {name}"))?;
        connectors.run(sync, &mut self.store, options, &NoProgress)
    }

    pub fn run_with(&mut self, name: &str, options: &RunOptions) -> RunReport {
        self.try_run_with(name, options)
            .unwrap_or_else(|e| panic!("sync {name} did not run: {e}"))
    }

    /// Request counters of all three platforms.
    pub fn stats(&self) -> [RequestStats; 3] {
        [
            self.sandbox.stats(Platform::Jira),
            self.sandbox.stats(Platform::GitHub),
            self.sandbox.stats(Platform::Linear),
        ]
    }

    /// State-changing requests received by all three platforms so far.
    pub fn platform_writes(&self) -> u64 {
        self.stats().iter().map(|s| s.writes).sum()
    }

    pub fn set_faults(&self, plan: FaultPlan) {
        self.sandbox.set_fault_plan(plan);
    }
}

/// Panics with every failed item when a run failed any.
pub fn assert_no_failures(report: &RunReport) {
    let failed: Vec<String> = report
        .items
        .iter()
        .filter(|i| i.error.is_some())
        .map(|i| {
            format!(
                "{} ↔ {}: {}",
                i.source_key,
                i.target_key,
                i.error.as_deref().unwrap_or_default()
            )
        })
        .collect();
    assert!(
        failed.is_empty() && report.counts.failed == 0,
        "sync {} failed items:\n{}\n{}",
        report.sync,
        failed.join("\n"),
        report.summary()
    );
}
