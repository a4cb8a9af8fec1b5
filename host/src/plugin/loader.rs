//! Loading plugins: find manifests, compile (or fetch from the cache) and check each
//! component against its manifest, pre-link it, and collect per-plugin errors so one bad
//! plugin does not stop the others.

use super::bindings::connector_world::ConnectorPluginPre;
use super::bindings::resolver_world::ResolverPluginPre;
use super::bindings::transformer_world::TransformerPluginPre;
use super::cache::{CacheOutcome, ComponentCache, sha256_hex};
use super::claims::{Candidate, settle};
use super::compiler::{ColdCompile, Compiler};
use super::error::{LoadError, PluginError};
use super::grants::Grants;
use super::limits::{MAX_COMPONENT_BYTES, cut, name_list, read_bounded};
use super::loaded::{KindPre, LoadedPlugin};
use super::manifest::{Manifest, PluginKind};
use super::precheck::world_names;
use super::set::PluginSet;
use super::tiers::Tiers;
use super::world::{check_world, check_world_names};
use crate::bundle::check_installed;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where compiled components are cached.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CacheSetting {
    /// `<user cache dir>/pmsync/components` (no cache if the platform has none).
    #[default]
    Default,
    /// This folder.
    Dir(PathBuf),
    /// Compile every time.
    Disabled,
}

/// How the runtime is set up.
#[derive(Debug, Clone, Default)]
pub struct RuntimeOptions {
    pub cache: CacheSetting,
    /// What compiles a component that is not in the cache.
    pub cold: ColdCompile,
}

/// The plugin runtime: an engine per compiler (each with its epoch ticker) and an optional
/// compiled component cache. Create it once; load plugins with [`PluginRuntime::load_dir`].
pub struct PluginRuntime {
    pub(crate) tiers: Tiers,
}

/// The result of loading a plugins directory: what loaded, what was refused and why, and
/// how long loading took (for cold vs warm comparisons).
pub struct LoadReport {
    pub plugins: PluginSet,
    pub errors: Vec<LoadError>,
    pub elapsed: Duration,
}

impl PluginRuntime {
    /// Sets up the engine and cache.
    pub fn new(options: RuntimeOptions) -> Result<PluginRuntime, PluginError> {
        let cache = match options.cache {
            CacheSetting::Default => ComponentCache::default_dir().map(ComponentCache::new),
            CacheSetting::Dir(dir) => Some(ComponentCache::new(dir)),
            CacheSetting::Disabled => None,
        };
        Ok(PluginRuntime {
            tiers: Tiers::new(cache, options.cold)?,
        })
    }

    /// A runtime caching compiled components in `dir`.
    pub fn with_cache_dir(dir: impl Into<PathBuf>) -> Result<PluginRuntime, PluginError> {
        PluginRuntime::new(RuntimeOptions {
            cache: CacheSetting::Dir(dir.into()),
            ..RuntimeOptions::default()
        })
    }

    /// The cache folder in use, if any.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.tiers.cache.as_ref().map(ComponentCache::dir)
    }

    /// The key of the optimised (Cranelift) cache entry of a component's bytes.
    pub fn cache_key(&self, component_bytes: &[u8]) -> String {
        self.tiers.optimised_key(component_bytes)
    }

    /// Loads plugins from `path`: a folder of plugin folders (each with `plugin.toml`), a
    /// single plugin folder, or a `.wasm` file whose manifest is the `plugin.toml` beside it.
    ///
    /// Every plugin is read first (manifest, then its component: a regular file within
    /// [`MAX_COMPONENT_BYTES`]); who serves each name is settled next (pins, then refusal
    /// of every claimant of a name claimed twice); only then is anything compiled, after its
    /// imports and exports were checked, and only what loads is cached.
    pub fn load_dir(&self, path: &Path, grants: &Grants) -> LoadReport {
        let started = Instant::now();
        let mut errors = Vec::new();
        let manifests = match find_manifests(path) {
            Ok(m) => m,
            Err(e) => {
                errors.push(e);
                Vec::new()
            }
        };
        let root = plugins_root(path);
        let installed = check_installed(&root, grants.trust.as_ref());
        let installed = match installed {
            Ok(check) => check,
            Err(reason) => {
                // Without a readable lock no folder can be told from a bundle's: load nothing.
                errors.push(LoadError {
                    plugin: "bundles".to_string(),
                    path: root.join(crate::bundle::LOCK_FILE),
                    reason: format!("{reason}; no plugin of this folder is loaded"),
                });
                return self.report(started, errors, Vec::new());
            }
        };
        for refused in &installed.refused {
            errors.push(LoadError {
                plugin: format!("bundle {}", refused.bundle),
                path: refused
                    .folders
                    .first()
                    .cloned()
                    .unwrap_or_else(|| path.to_path_buf()),
                reason: format!(
                    "refused, none of its plugins is loaded: {}",
                    cut(&refused.reason, 2_000)
                ),
            });
        }
        let mut candidates = Vec::new();
        for (manifest_path, wasm_override) in manifests {
            let folder = manifest_path.parent().unwrap_or(path).to_path_buf();
            if installed.refusal(&folder).is_some() {
                continue;
            }
            match read_candidate(&manifest_path, wasm_override.as_deref()) {
                Ok(mut candidate) => {
                    candidate.bundle = installed.verified.get(&folder).cloned();
                    candidates.push(candidate)
                }
                Err(e) => errors.push(e),
            }
        }
        let (candidates, refused) = settle(candidates, &grants.pins);
        errors.extend(refused);
        let mut loaded: Vec<Arc<LoadedPlugin>> = Vec::new();
        for candidate in candidates {
            match self.load_plugin(candidate, grants) {
                Ok(plugin) => loaded.push(Arc::new(plugin)),
                Err(e) => errors.push(e),
            }
        }
        self.report(started, errors, loaded)
    }

    fn report(
        &self,
        started: Instant,
        errors: Vec<LoadError>,
        loaded: Vec<Arc<LoadedPlugin>>,
    ) -> LoadReport {
        for e in &errors {
            tracing::warn!(target: "pmsync::plugin", "{e}");
        }
        LoadReport {
            plugins: PluginSet::new(loaded),
            errors,
            elapsed: started.elapsed(),
        }
    }

    /// Checks, compiles (or fetches from the cache) and pre-links one read plugin.
    fn load_plugin(
        &self,
        candidate: Candidate,
        grants: &Grants,
    ) -> Result<LoadedPlugin, LoadError> {
        let started = Instant::now();
        let refuse = |reason: String| candidate.refuse_component(reason);
        let manifest = &candidate.manifest;
        let component_path = manifest.component.clone();
        let names = world_names(&candidate.bytes).map_err(refuse)?;
        check_world_names(&names.imports, &names.exports, manifest).map_err(refuse)?;
        let compiled = self
            .tiers
            .obtain(&candidate.bytes)
            .map_err(|e| refuse(format!("corrupt component: {e}")))?;
        let engine = compiled.engine.clone();
        check_world(&engine.engine, &compiled.component, manifest).map_err(refuse)?;
        let instance_pre = engine
            .linker
            .instantiate_pre(&compiled.component)
            .map_err(|e| refuse(format!("cannot link: {e:#}")))?;
        let pre = match manifest.kind {
            PluginKind::Transformer => {
                TransformerPluginPre::new(instance_pre).map(KindPre::Transformer)
            }
            PluginKind::Resolver => ResolverPluginPre::new(instance_pre).map(KindPre::Resolver),
            PluginKind::Connector => ConnectorPluginPre::new(instance_pre).map(KindPre::Connector),
        }
        .map_err(|e| {
            refuse(format!(
                "component does not fit the {} world: {e:#}",
                manifest.kind
            ))
        })?;
        let granted = grants.resolve(manifest);
        let settings = grants
            .plugins
            .get(&manifest.name)
            .map(|g| g.settings.clone())
            .unwrap_or_default();
        let plugin = LoadedPlugin {
            granted: Arc::new(granted),
            settings: Arc::new(settings),
            component_path,
            sha256: candidate.sha256.clone(),
            bundle: candidate.bundle.clone(),
            cache_key: compiled.key.clone(),
            cache: compiled.cache.clone(),
            load_time: Duration::ZERO,
            engine,
            pre,
            manifest: manifest.clone(),
        };
        check_provided_names(&plugin).map_err(refuse)?;
        // Only a component that loaded is worth keeping compiled.
        if let (Some(cache), CacheOutcome::Miss | CacheOutcome::Rebuilt(_)) =
            (&self.tiers.cache, &plugin.cache)
        {
            cache.keep(&compiled.key, plugin.engine.compiler, &compiled.component);
        }
        if plugin.engine.compiler == Compiler::Winch {
            tracing::info!(target: "pmsync::plugin", "plugin {} runs baseline (winch) code; `pmsync-host plugins precompile` caches optimised code", manifest.name);
        }
        Ok(LoadedPlugin {
            load_time: started.elapsed(),
            ..plugin
        })
    }
}

/// Reads the plugin whose manifest is at `manifest_path`: the manifest, then its component
/// file (a regular file within [`MAX_COMPONENT_BYTES`], checked before a byte is read).
fn read_candidate(manifest_path: &Path, wasm: Option<&Path>) -> Result<Candidate, LoadError> {
    let folder_name = manifest_path
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| manifest_path.display().to_string());
    let manifest = Manifest::from_file(manifest_path).map_err(|e| LoadError {
        plugin: folder_name,
        path: manifest_path.to_path_buf(),
        reason: cut(&e.message, 2_000),
    })?;
    let label = format!("{} {}", manifest.name, manifest.version);
    let refuse = |path: &Path, reason: String| LoadError {
        plugin: label.clone(),
        path: path.to_path_buf(),
        reason,
    };
    if !manifest.api.is_supported() {
        return Err(refuse(manifest_path, manifest.api.unsupported_message()));
    }
    let component_path = manifest.component.clone();
    if let Some(wasm) = wasm
        && wasm.file_name() != component_path.file_name()
    {
        return Err(refuse(
            wasm,
            format!(
                "plugin.toml names component `{}`, not this file",
                component_path.display()
            ),
        ));
    }
    if !component_path.exists() && component_path.symlink_metadata().is_err() {
        return Err(refuse(
            &component_path,
            "component file is missing (build the plugin first: `make plugins`)".to_string(),
        ));
    }
    let bytes = read_bounded(&component_path, MAX_COMPONENT_BYTES, "the component file")
        .map_err(|e| refuse(&component_path, e))?;
    Ok(Candidate {
        sha256: sha256_hex(&bytes),
        bytes,
        manifest,
        bundle: None,
    })
}

/// Compares what the manifest says the plugin provides with what the component reports.
fn check_provided_names(plugin: &LoadedPlugin) -> Result<(), String> {
    let provides = &plugin.manifest.provides;
    match plugin.manifest.kind {
        PluginKind::Transformer => {
            let actual: BTreeSet<String> = plugin
                .transformer_names()
                .map_err(|e| format!("cannot ask the component for its transform names: {e}"))?
                .into_iter()
                .collect();
            let declared: BTreeSet<String> = provides.transforms.iter().cloned().collect();
            let missing: Vec<&String> = declared.difference(&actual).collect();
            let undeclared: Vec<&String> = actual.difference(&declared).collect();
            if !missing.is_empty() || !undeclared.is_empty() {
                let mut parts = Vec::new();
                if !missing.is_empty() {
                    parts.push(format!(
                        "manifest declares transforms the component does not provide: {}",
                        name_list(missing)
                    ));
                }
                if !undeclared.is_empty() {
                    parts.push(format!(
                        "component provides transforms the manifest does not declare: {}",
                        name_list(undeclared)
                    ));
                }
                return Err(parts.join("; "));
            }
        }
        PluginKind::Resolver => {
            let actual = plugin
                .resolver_name()
                .map_err(|e| format!("cannot ask the component for its resolver name: {e}"))?;
            if provides.resolver.as_deref() != Some(actual.as_str()) {
                return Err(format!(
                    "manifest declares resolver {:?} but the component's name() is {:?}",
                    provides.resolver.as_deref().unwrap_or(""),
                    cut(&actual, 200)
                ));
            }
        }
        PluginKind::Connector => {
            let actual = plugin
                .connector_platform()
                .map_err(|e| format!("cannot ask the component to describe itself: {e}"))?;
            if provides.platform.as_deref() != Some(actual.as_str()) {
                return Err(format!(
                    "manifest declares platform {:?} but the component's describe().platform is {:?}",
                    provides.platform.as_deref().unwrap_or(""),
                    cut(&actual, 200)
                ));
            }
        }
    }
    Ok(())
}

/// The plugins folder `path` is in: itself, or for one plugin folder (or a file in one) the
/// folder holding it, where a bundle's lock file would be.
fn plugins_root(path: &Path) -> PathBuf {
    let folder = if path.is_file() {
        path.parent().unwrap_or(path)
    } else {
        path
    };
    if folder.join("plugin.toml").is_file() {
        folder.parent().unwrap_or(folder).to_path_buf()
    } else {
        folder.to_path_buf()
    }
}

/// The manifests under `path`, each with the `.wasm` the caller named, if any.
fn find_manifests(path: &Path) -> Result<Vec<(PathBuf, Option<PathBuf>)>, LoadError> {
    let error = |reason: String| LoadError {
        plugin: path.display().to_string(),
        path: path.to_path_buf(),
        reason,
    };
    if path.is_file() {
        if path.extension().is_some_and(|e| e == "wasm") {
            let manifest = path.with_file_name("plugin.toml");
            if !manifest.is_file() {
                return Err(error("no plugin.toml beside this component".into()));
            }
            return Ok(vec![(manifest, Some(path.to_path_buf()))]);
        }
        if path.file_name().is_some_and(|n| n == "plugin.toml") {
            return Ok(vec![(path.to_path_buf(), None)]);
        }
        return Err(error(
            "expected a plugins folder, a plugin folder or a .wasm component".into(),
        ));
    }
    if path.join("plugin.toml").is_file() {
        return Ok(vec![(path.join("plugin.toml"), None)]);
    }
    let entries =
        std::fs::read_dir(path).map_err(|e| error(format!("cannot read plugins folder: {e}")))?;
    let mut manifests: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("plugin.toml"))
        .filter(|m| m.is_file())
        .collect();
    manifests.sort();
    Ok(manifests.into_iter().map(|m| (m, None)).collect())
}

/// The manifests under `path` (same rules as [`PluginRuntime::load_dir`]), read without
/// compiling anything; unreadable ones are left out (loading reports them).
pub fn manifests_in(path: &Path) -> Vec<Manifest> {
    find_manifests(path)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(manifest, _)| Manifest::from_file(&manifest).ok())
        .collect()
}
