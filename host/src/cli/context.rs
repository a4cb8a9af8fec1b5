//! What every command needs: the global options, how to print, and lazily the config,
//! the plugins and the state store.

use super::args::Global;
use super::exit::CliError;
use super::output::Output;
use crate::plugin::{CacheSetting, Grants, LoadReport, PluginRuntime, RuntimeOptions};

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
        let cache = match &self.global.cache_dir {
            Some(dir) => CacheSetting::Dir(dir.clone()),
            None => CacheSetting::Default,
        };
        PluginRuntime::new(RuntimeOptions { cache })
            .map_err(|e| CliError::failed(format!("cannot start the plugin runtime: {e}")))
    }

    /// Loads the plugins directory with the grants the config gives (none without a config).
    pub fn load_plugins(&self) -> Result<LoadReport, CliError> {
        self.load_plugins_with(&Grants::default())
    }

    pub fn load_plugins_with(&self, grants: &Grants) -> Result<LoadReport, CliError> {
        let path = &self.global.plugins;
        if !path.exists() {
            return Err(CliError::bad_input(format!(
                "plugins path {} does not exist (build the first-party plugins with `make plugins`)",
                path.display()
            )));
        }
        Ok(self.runtime()?.load_dir(path, grants))
    }
}
