//! What every command needs: the global options, how to print, and lazily the config,
//! the plugins and the state store.

use super::args::Global;
use super::exit::CliError;
use super::output::Output;
use crate::plugin::{CacheSetting, ColdCompile, Grants, LoadReport, PluginRuntime, RuntimeOptions};
use pmsync_core::config::ConfigFile;

pub struct Context {
    pub global: Global,
    pub out: Output,
}

impl Context {
    pub fn new(global: Global) -> Context {
        let out = Output::new(global.json, global.no_progress);
        Context { global, out }
    }

    pub fn runtime(&self) -> Result<PluginRuntime, CliError> {
        self.runtime_compiling_with(self.global.cold_compiler)
    }

    /// A runtime whose cold loads compile with `cold` (whatever `--cold-compiler` says).
    pub fn runtime_compiling_with(&self, cold: ColdCompile) -> Result<PluginRuntime, CliError> {
        let cache = match &self.global.cache_dir {
            Some(dir) => CacheSetting::Dir(dir.clone()),
            None => CacheSetting::Default,
        };
        PluginRuntime::new(RuntimeOptions { cache, cold })
            .map_err(|e| CliError::failed(format!("cannot start the plugin runtime: {e}")))
    }

    /// Loads the plugins directory with the grants the config gives (none without a config).
    pub fn load_plugins(&self) -> Result<LoadReport, CliError> {
        self.load_plugins_with(&Grants::default())
    }

    pub fn load_plugins_with(&self, grants: &Grants) -> Result<LoadReport, CliError> {
        self.load_plugins_into(&self.runtime()?, grants)
    }

    /// Loads the plugins directory into `runtime`.
    pub fn load_plugins_into(
        &self,
        runtime: &PluginRuntime,
        grants: &Grants,
    ) -> Result<LoadReport, CliError> {
        let path = &self.global.plugins;
        if !path.exists() {
            return Err(CliError::bad_input(format!(
                "plugins path {} does not exist (build the first-party plugins with `make plugins`)",
                path.display()
            )));
        }
        Ok(runtime.load_dir(path, grants))
    }
}

/// Checks a config against the loaded plugins; any error refuses the command, listing every
/// problem at its file:line:col and saying what was not done (`"nothing was run"`).
pub fn refuse_invalid_config(
    source: &ConfigSource,
    plugins: &crate::plugin::PluginSet,
    not_done: &str,
) -> Result<(), CliError> {
    let (_, diagnostics) = crate::app::check_config(&source.text, &source.origin, plugins)
        .map_err(|e| CliError::bad_input(e.to_string()))?;
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(CliError::bad_input(format!(
        "{} is not valid; {not_done}:\n{}",
        source.origin,
        errors.join("\n")
    )))
}

/// A config file's text and the name it is shown under in messages.
pub struct ConfigSource {
    pub text: String,
    pub origin: String,
}

impl Context {
    /// The `--config` file, read; a missing flag or file is bad input.
    pub fn config_source(&self) -> Result<ConfigSource, CliError> {
        let path = self.global.config.as_ref().ok_or_else(|| {
            CliError::bad_input("no config given: pass --config FILE (or set PMSYNC_CONFIG)")
        })?;
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::bad_input(format!("cannot read config {}: {e}", path.display()))
        })?;
        Ok(ConfigSource {
            text,
            origin: path.display().to_string(),
        })
    }

    /// The config, parsed (not yet checked against plugins).
    pub fn load_config(&self) -> Result<(ConfigSource, ConfigFile), CliError> {
        let source = self.config_source()?;
        let config = pmsync_core::config::load_str(&source.text, &source.origin)
            .map_err(|e| CliError::bad_input(e.to_string()))?;
        Ok((source, config))
    }

    /// Plugins loaded with the grants the config gives.
    pub fn load_plugins_for(&self, config: &ConfigFile) -> Result<LoadReport, CliError> {
        self.load_plugins_with(&self.grants_for(config)?)
    }

    /// The grants (and pins) `config` gives the plugins of the plugins directory.
    pub fn grants_for(&self, config: &ConfigFile) -> Result<Grants, CliError> {
        let manifests = crate::plugin::manifests_in(&self.global.plugins);
        crate::app::grants_for(config, &manifests).map_err(CliError::bad_input)
    }
}

impl Context {
    /// The state database: `--state`, or the default under the user's data directory.
    pub fn state_path(&self) -> Result<std::path::PathBuf, CliError> {
        match &self.global.state {
            Some(path) => Ok(path.clone()),
            None => crate::store::default_path().ok_or_else(|| {
                CliError::bad_input("no data directory for the state store: pass --state FILE")
            }),
        }
    }

    /// An existing state store (for history and conflicts): a missing file is an error,
    /// never created here.
    pub fn existing_store(&self) -> Result<crate::store::Store, CliError> {
        let path = self.state_path()?;
        if !path.exists() {
            return Err(CliError::bad_input(format!(
                "no state store at {} (run a sync first, or pass --state FILE)",
                path.display()
            )));
        }
        crate::store::Store::open(&path).map_err(|e| CliError::failed(e.to_string()))
    }
}
