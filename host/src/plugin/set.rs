//! [`PluginSet`]: the loaded plugins, routing transforms and resolvers by name and making
//! connector instances by platform.

use super::error::PluginError;
use super::inventory::PluginInfo;
use super::limits::{DEFAULT_CALL_BATCH, MAX_CALL_BATCH};
use super::loaded::LoadedPlugin;
use super::wasm_connector::WasmConnector;
use crate::connector::Connector;
use crate::http::HttpClient;
use pmsync_core::plugins::{
    CustomResolvers, CustomTransforms, Resolution, ResolveCall, TransformCall,
};
use pmsync_core::{ItemError, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The plugins that loaded. Cheap to clone; safe to share between threads.
#[derive(Clone, Default)]
pub struct PluginSet {
    plugins: Vec<Arc<LoadedPlugin>>,
    /// Transform name -> index into `plugins`.
    transforms: BTreeMap<String, usize>,
    resolvers: BTreeMap<String, usize>,
    platforms: BTreeMap<String, usize>,
    /// Most requests in one transformer or resolver call; 0: [`DEFAULT_CALL_BATCH`].
    batch_size: usize,
}

impl PluginSet {
    pub(crate) fn new(plugins: Vec<Arc<LoadedPlugin>>) -> PluginSet {
        let mut set = PluginSet {
            plugins,
            ..PluginSet::default()
        };
        for (i, p) in set.plugins.iter().enumerate() {
            for t in &p.manifest.provides.transforms {
                set.transforms.insert(t.clone(), i);
            }
            if let Some(r) = &p.manifest.provides.resolver {
                set.resolvers.insert(r.clone(), i);
            }
            if let Some(platform) = &p.manifest.provides.platform {
                set.platforms.insert(platform.clone(), i);
            }
        }
        set
    }

    /// The same plugins, calling transformers and resolvers with at most `size` requests
    /// per call (a sync's `batch_size`; at most [`MAX_CALL_BATCH`]). Fuel and deadline are
    /// per item, so a call of `size` requests gets `size` times each, and a call that runs
    /// out fails only its own requests.
    pub fn with_batch_size(&self, size: u32) -> PluginSet {
        PluginSet {
            batch_size: (size as usize).clamp(1, MAX_CALL_BATCH),
            ..self.clone()
        }
    }

    /// Most requests in one transformer or resolver call.
    pub fn batch_size(&self) -> usize {
        match self.batch_size {
            0 => DEFAULT_CALL_BATCH,
            n => n,
        }
    }

    pub fn len(&self) -> usize {
        self.plugins.len()
    }

    pub fn is_empty(&self) -> bool {
        self.plugins.is_empty()
    }

    /// Names of the loaded plugins, in load order.
    pub fn names(&self) -> Vec<String> {
        self.plugins
            .iter()
            .map(|p| p.manifest.name.clone())
            .collect()
    }

    /// The platforms connectors were loaded for.
    pub fn platforms(&self) -> Vec<String> {
        self.platforms.keys().cloned().collect()
    }

    /// What `plugins list` / `plugins inspect` show, one entry per plugin.
    pub fn inventory(&self) -> Vec<PluginInfo> {
        self.plugins.iter().map(|p| PluginInfo::of(p)).collect()
    }

    /// The entry of the plugin named `name`.
    pub fn info(&self, name: &str) -> Option<PluginInfo> {
        self.plugins
            .iter()
            .find(|p| p.manifest.name == name)
            .map(|p| PluginInfo::of(p))
    }

    /// A connector instance for `platform` with its settings (read by the plugin through
    /// `config`) and the HTTP client its `http.send` calls go to. The client is expected to
    /// enforce grants and inject credentials; the runtime also refuses destinations and
    /// credential names not granted to the plugin before calling it.
    pub fn connector(
        &self,
        platform: &str,
        settings: BTreeMap<String, String>,
        http: Arc<dyn HttpClient>,
    ) -> Result<Box<dyn Connector>, PluginError> {
        let index = self
            .platforms
            .get(platform)
            .ok_or_else(|| PluginError::NoConnector(platform.to_string()))?;
        Ok(Box::new(WasmConnector::new(
            self.plugins[*index].clone(),
            settings,
            http,
        )))
    }

    /// Routes each call to the plugin serving its name, in batches of at most
    /// [`PluginSet::batch_size`] per plugin. A call no plugin serves fails as unknown; a
    /// plugin failure fails every call of its batch, and only those.
    fn dispatch<C, R, E: std::fmt::Display>(
        &self,
        calls: &[C],
        table: &BTreeMap<String, usize>,
        what: &str,
        name: impl Fn(&C) -> &str,
        call: impl Fn(&LoadedPlugin, &[&C]) -> Result<Vec<Result<R, ItemError>>, E>,
    ) -> Vec<Result<R, ItemError>> {
        let mut results: Vec<Option<Result<R, ItemError>>> = calls.iter().map(|_| None).collect();
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, c) in calls.iter().enumerate() {
            match table.get(name(c)) {
                Some(p) => groups.entry(*p).or_default().push(i),
                None => {
                    results[i] = Some(Err(ItemError::InvalidInput(format!(
                        "unknown {what} `{}`",
                        name(c)
                    ))))
                }
            }
        }
        for (plugin, indices) in groups {
            for chunk in indices.chunks(self.batch_size()) {
                let batch: Vec<&C> = chunk.iter().map(|i| &calls[*i]).collect();
                match call(&self.plugins[plugin], &batch) {
                    Ok(out) => {
                        for (&i, r) in chunk.iter().zip(out) {
                            results[i] = Some(r);
                        }
                    }
                    Err(e) => {
                        for &i in chunk {
                            results[i] = Some(Err(ItemError::Plugin(e.to_string())));
                        }
                    }
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(ItemError::Plugin("no result".into()))))
            .collect()
    }
}

impl CustomTransforms for PluginSet {
    fn has(&self, name: &str) -> bool {
        self.transforms.contains_key(name)
    }

    /// Routes each call to the plugin providing its transform (one `transform-batch` per
    /// plugin). A plugin failure fails every call of its batch with `ItemError::Plugin`.
    fn transform_batch(&self, calls: &[TransformCall]) -> Vec<Result<Value, ItemError>> {
        self.dispatch(
            calls,
            &self.transforms,
            "transform",
            |c| c.name.as_str(),
            |p, batch| p.transform_batch(batch),
        )
    }
}

impl CustomResolvers for PluginSet {
    fn has(&self, name: &str) -> bool {
        self.resolvers.contains_key(name)
    }

    /// Routes each call to the plugin providing its resolver (one `resolve` per plugin).
    fn resolve_batch(&self, calls: &[ResolveCall]) -> Vec<Result<Vec<Resolution>, ItemError>> {
        self.dispatch(
            calls,
            &self.resolvers,
            "resolver",
            |c| c.resolver.as_str(),
            |p, batch| p.resolve(batch),
        )
    }
}
