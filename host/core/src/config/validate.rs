//! Semantic checks of a loaded config against what the loaded plugins provide.

use super::error::{ConfigError, ConfigPath, Location, Segment};
use super::filters::COMMON_FILTER_KEYS;
use super::model::{ConfigFile, Direction, FieldMapping, FieldType, Strategy, SyncConfig};
use super::settings::{ConnectorSpec, PluginSettingsSpec, check_plugin_settings, check_settings};
use super::suggest::closest;
use crate::transform::{
    BUILTIN_TRANSFORMS, conversion_exists, input_types, is_builtin, output_types, parse_date,
    parse_datetime, shared_targets,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What the loaded plugins provide, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Available {
    /// Transform names of transformer plugins (built-ins need not be listed).
    pub transforms: BTreeSet<String>,
    /// Resolver names of resolver plugins.
    pub resolvers: BTreeSet<String>,
    /// Platform names of connector plugins.
    pub connectors: BTreeSet<String>,
    /// What each connector declares in its manifest (settings, query key), by platform.
    /// A connector without an entry is not checked setting by setting.
    pub connector_specs: BTreeMap<String, ConnectorSpec>,
    /// Every loaded plugin by name, with the settings it declares (for
    /// `plugins.settings`). Empty: plugin names are not checked.
    pub plugin_settings: BTreeMap<String, PluginSettingsSpec>,
}

impl Available {
    pub fn new<'a>(
        transforms: impl IntoIterator<Item = &'a str>,
        resolvers: impl IntoIterator<Item = &'a str>,
        connectors: impl IntoIterator<Item = &'a str>,
    ) -> Available {
        let set = |items: &mut dyn Iterator<Item = &'a str>| items.map(str::to_owned).collect();
        Available {
            transforms: set(&mut transforms.into_iter()),
            resolvers: set(&mut resolvers.into_iter()),
            connectors: set(&mut connectors.into_iter()),
            connector_specs: BTreeMap::new(),
            plugin_settings: BTreeMap::new(),
        }
    }

    /// Adds what a connector declares about its platform.
    pub fn with_spec(mut self, platform: &str, spec: ConnectorSpec) -> Available {
        self.connectors.insert(platform.to_string());
        self.connector_specs.insert(platform.to_string(), spec);
        self
    }

    /// The query key a connector declares, if any.
    fn query_key(&self, connector: &str) -> Option<&str> {
        self.connector_specs.get(connector)?.query_key.as_deref()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One finding of validation: where (path, and line:col once located) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub path: ConfigPath,
    pub message: String,
    pub location: Option<Location>,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
    /// Fills in line and column from the document text.
    pub fn locate_in(&mut self, text: &str, origin: &str) {
        if self.location.is_none() {
            self.location = super::locate::locate(text, origin, &self.path);
        }
    }
    pub fn to_error(&self) -> ConfigError {
        ConfigError {
            location: self.location.clone(),
            path: Some(self.path.clone()),
            message: self.message.clone(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.location {
            Some(loc) => write!(f, "{loc}: {severity}: {}: {}", self.path, self.message),
            None => write!(f, "{}: {severity}: {}", self.path, self.message),
        }
    }
}

/// Loads and validates a file's text; diagnostics carry line and column.
pub fn check_str(
    text: &str,
    origin: &str,
    available: &Available,
) -> Result<(ConfigFile, Vec<Diagnostic>), ConfigError> {
    let config = super::load::load_str(text, origin)?;
    let mut diagnostics = validate(&config, available);
    let single_sync_form = !super::locate::has_top_level_key(text, "syncs");
    for d in &mut diagnostics {
        d.locate_in(text, origin);
        // In the original single-sync form the sync's keys are at the top level.
        if let [Segment::Key(k), Segment::Index(0), rest @ ..] = d.path.segments()
            && single_sync_form
            && k == "syncs"
        {
            d.path = ConfigPath(rest.to_vec());
        }
    }
    Ok((config, diagnostics))
}

/// Every problem with the config, errors first in document order, then warnings.
pub fn validate(config: &ConfigFile, available: &Available) -> Vec<Diagnostic> {
    let mut v = Validator {
        available,
        out: Vec::new(),
    };
    v.file(config);
    let mut out = v.out;
    out.extend(super::feedback::check(config, available));
    out.extend(super::trust::check_trust(config));
    out.sort_by_key(|d| d.severity);
    out
}

struct Validator<'a> {
    available: &'a Available,
    out: Vec<Diagnostic>,
}

fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

fn listed(names: &BTreeSet<String>) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Validator<'_> {
    fn error(&mut self, path: ConfigPath, message: impl Into<String>) {
        self.out.push(Diagnostic {
            severity: Severity::Error,
            path,
            message: message.into(),
            location: None,
        });
    }
    fn warning(&mut self, path: ConfigPath, message: impl Into<String>) {
        self.out.push(Diagnostic {
            severity: Severity::Warning,
            path,
            message: message.into(),
            location: None,
        });
    }

    fn file(&mut self, config: &ConfigFile) {
        let root = ConfigPath::root();
        if config.syncs.is_empty() {
            self.error(
                root.key("syncs"),
                "there are no syncs; expected at least one",
            );
        }
        for (name, platform) in &config.platforms {
            let connector = platform.connector.as_deref().unwrap_or(name);
            if !self.available.connectors.contains(connector) {
                let path = if platform.connector.is_some() {
                    root.key("platforms").key(name.clone()).key("connector")
                } else {
                    root.key("platforms").key(name.clone())
                };
                self.error(
                    path,
                    format!(
                        "no connector plugin provides platform `{connector}` (loaded connectors: {}){}",
                        listed(&self.available.connectors),
                        did_you_mean(connector, self.available.connectors.iter().map(String::as_str))
                    ),
                );
            }
            if let Some(spec) = self.available.connector_specs.get(connector) {
                for (path, message) in check_settings(name, connector, platform, spec) {
                    self.error(path, message);
                }
            }
            let used = config
                .syncs
                .iter()
                .any(|s| &s.source_platform == name || &s.target_platform == name);
            if !used {
                self.warning(
                    root.key("platforms").key(name.clone()),
                    format!("platform `{name}` is not used by any sync"),
                );
            }
        }
        self.pins(config);
        for (plugin, values) in &config.plugins.settings {
            for (path, message) in
                check_plugin_settings(plugin, values, &self.available.plugin_settings)
            {
                self.error(path, message);
            }
        }
        for (plugin, limits) in &config.plugins.limits {
            let path = root.key("plugins").key("limits").key(plugin.clone());
            if !self.available.plugin_settings.is_empty()
                && !self.available.plugin_settings.contains_key(plugin)
            {
                let hint = super::suggest::closest(
                    plugin,
                    self.available.plugin_settings.keys().map(String::as_str),
                )
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
                self.error(
                    path.clone(),
                    format!("no plugin named `{plugin}` is loaded{hint}"),
                );
            }
            for (key, value) in limits.given() {
                let (_, ceiling, unit) = super::model::PluginLimits::CEILING
                    .into_iter()
                    .find(|(k, _, _)| *k == key)
                    .expect("every limit has a ceiling");
                if value == 0 || value > ceiling {
                    self.error(
                        path.key(key),
                        format!("{key} must be between 1 and {ceiling} {unit}, got {value}"),
                    );
                }
            }
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, sync) in config.syncs.iter().enumerate() {
            let path = root.key("syncs").index(i);
            if sync.name.trim().is_empty() {
                self.error(path.key("name"), "a sync needs a non-empty name");
            } else if let Some(first) = seen.get(sync.name.as_str()) {
                self.error(path.key("name"), format!("sync name `{}` is already used by syncs[{first}]; sync names must be unique", sync.name));
            } else {
                seen.insert(&sync.name, i);
            }
            self.sync(config, sync, &path);
        }
    }

    /// `plugins.pins`: each names a plugin, and a version and a sha256 digest when given
    /// are well-formed.
    fn pins(&mut self, config: &ConfigFile) {
        let root = ConfigPath::root().key("plugins").key("pins");
        for (name, pin) in &config.plugins.pins {
            let path = root.key(name.clone());
            let valid_name = |n: &str| {
                !n.is_empty()
                    && n.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
                    })
            };
            if !valid_name(&pin.plugin) {
                self.error(
                    path.key("plugin"),
                    format!(
                        "`{}` is not a plugin name (lowercase letters, digits, `-` and `_`, as in its plugin.toml)",
                        pin.plugin
                    ),
                );
            }
            if let Some(version) = &pin.version
                && version.trim().is_empty()
            {
                self.error(
                    path.key("version"),
                    "an empty version pins nothing; remove it or give the plugin's version",
                );
            }
            if let Some(digest) = &pin.sha256
                && (digest.len() != 64 || !digest.chars().all(|c| c.is_ascii_hexdigit()))
            {
                self.error(
                    path.key("sha256"),
                    "expected the 64 hex digits of the component's sha256, as `pmsync-host plugins inspect NAME` shows it",
                );
            }
            let provided = self.available.transforms.contains(name)
                || self.available.resolvers.contains(name)
                || self.available.connectors.contains(name);
            if !provided {
                self.warning(
                    path.clone(),
                    format!("no loaded plugin serves `{name}`; the pin has no effect (or it refused the plugin: see the plugin errors)"),
                );
            }
        }
    }

    /// The connector and settings a sync's platform name stands for.
    fn platform(
        &mut self,
        config: &ConfigFile,
        name: &str,
        path: ConfigPath,
    ) -> Option<(String, BTreeMap<String, String>)> {
        if let Some(p) = config.platforms.get(name) {
            return Some((
                p.connector.clone().unwrap_or_else(|| name.to_string()),
                p.settings.clone(),
            ));
        }
        if self.available.connectors.contains(name) {
            self.warning(path, format!("platform `{name}` has no entry under `platforms:`; its connector gets no settings and no credentials"));
            return Some((name.to_string(), BTreeMap::new()));
        }
        let candidates: Vec<&str> = config
            .platforms
            .keys()
            .map(String::as_str)
            .chain(self.available.connectors.iter().map(String::as_str))
            .collect();
        self.error(
            path,
            format!(
                "unknown platform `{name}`: it is neither a key of `platforms:` nor a loaded connector (loaded connectors: {}){}",
                listed(&self.available.connectors),
                did_you_mean(name, candidates)
            ),
        );
        None
    }

    fn sync(&mut self, config: &ConfigFile, sync: &SyncConfig, path: &ConfigPath) {
        let source = self.platform(config, &sync.source_platform, path.key("source_platform"));
        let target = self.platform(config, &sync.target_platform, path.key("target_platform"));
        if sync.source_platform == sync.target_platform {
            self.error(
                path.key("target_platform"),
                format!("source and target are both `{}`; a sync needs two different platforms (or two `platforms:` entries with different settings)", sync.target_platform),
            );
        } else if let (Some(s), Some(t)) = (&source, &target)
            && s == t
        {
            self.error(
                    path.key("target_platform"),
                    format!(
                        "`{}` and `{}` are the same connector with the same settings; a sync between them would sync items with themselves",
                        sync.source_platform, sync.target_platform
                    ),
                );
        }

        self.queries(
            sync,
            source.as_ref().map(|(c, _)| c.as_str()),
            target.as_ref().map(|(c, _)| c.as_str()),
            path,
        );
        self.strategy(
            sync.conflict_strategy,
            sync.resolver.as_deref(),
            path.key("conflict_strategy"),
            path.key("resolver"),
        );
        let custom_somewhere = sync.conflict_strategy == Strategy::Custom
            || sync
                .field_mappings
                .iter()
                .any(|m| m.conflict_strategy == Some(Strategy::Custom));
        if sync.resolver.is_some() && !custom_somewhere {
            self.warning(
                path.key("resolver"),
                "a resolver is set but no conflict strategy is `custom`, so it is never used",
            );
        }

        if sync.max_pages < 1 {
            self.error(path.key("max_pages"), "max_pages must be at least 1");
        }
        if sync.max_items < 1 {
            self.error(path.key("max_items"), "max_items must be at least 1");
        }
        if sync.batch_size < 1 {
            self.error(path.key("batch_size"), "batch_size must be at least 1");
        }
        if sync.max_retries > 20 {
            self.error(path.key("max_retries"), format!("max_retries is {}; at most 20 is allowed (with exponential backoff, more would wait for days)", sync.max_retries));
        }
        if !(sync.retry_delay >= 0.0 && sync.retry_delay.is_finite()) {
            self.error(
                path.key("retry_delay"),
                format!(
                    "retry_delay must be a number of seconds, 0 or more; got {}",
                    sync.retry_delay
                ),
            );
        }
        if sync.concurrency < 1 {
            self.error(path.key("concurrency"), "concurrency must be at least 1");
        }
        if sync.sync_interval < 1 {
            self.error(
                path.key("sync_interval"),
                "sync_interval must be at least 1 second",
            );
        }

        if sync.field_mappings.is_empty() {
            self.error(path.key("field_mappings"), "there are no field mappings; expected at least one (`source_field`, `target_field`)");
        }
        let mut targets: BTreeMap<&str, usize> = BTreeMap::new();
        let mut sources_written: BTreeMap<&str, usize> = BTreeMap::new();
        for (j, m) in sync.field_mappings.iter().enumerate() {
            let mpath = path.key("field_mappings").index(j);
            let (to_target, to_source) = ways(sync.direction, m);
            if to_target && let Some(first) = targets.insert(&m.target_field, j) {
                self.error(
                    mpath.key("target_field"),
                    format!(
                        "target field `{}` is already written by field_mappings[{first}]",
                        m.target_field
                    ),
                );
            }
            if to_source && let Some(first) = sources_written.insert(&m.source_field, j) {
                self.error(
                    mpath.key("source_field"),
                    format!(
                        "source field `{}` is already written back by field_mappings[{first}]",
                        m.source_field
                    ),
                );
            }
            self.mapping(sync, m, &mpath, to_target, to_source);
        }

        let used_maps: BTreeSet<&str> = sync
            .field_mappings
            .iter()
            .filter_map(|m| m.value_map.as_deref())
            .collect();
        for name in sync.value_maps.keys() {
            if !used_maps.contains(name.as_str()) {
                self.warning(
                    path.key("value_maps").key(name.clone()),
                    format!("value map `{name}` is not used by any field mapping"),
                );
            }
        }
        for (at, message) in super::link_existing::problems(sync, path) {
            self.error(at, message);
        }
        let maps_users = sync.field_mappings.iter().any(|m| m.map_users);
        if !sync.user_map.is_empty() && !maps_users {
            self.warning(
                path.key("user_map"),
                "a user_map is given but no field mapping sets `map_users: true`",
            );
        }
    }

    /// Platform queries under a connector's own key (`jql`): the key must be the query key
    /// of a side's connector, and not given twice for one side.
    fn queries(
        &mut self,
        sync: &SyncConfig,
        source: Option<&str>,
        target: Option<&str>,
        path: &ConfigPath,
    ) {
        let source_key = source.and_then(|c| self.available.query_key(c));
        let target_key = target.and_then(|c| self.available.query_key(c));
        for key in sync.filters.queries.keys() {
            let kpath = path.key("filters").key(key.clone());
            let for_source = source_key == Some(key.as_str());
            let for_target = target_key == Some(key.as_str());
            if for_source && sync.filters.source_query.is_some() {
                self.error(
                    kpath.clone(),
                    format!(
                        "both `source_query` and `{key}` give the source side's query; keep one"
                    ),
                );
            }
            if for_target && sync.filters.target_query.is_some() {
                self.error(
                    kpath.clone(),
                    format!(
                        "both `target_query` and `{key}` give the target side's query; keep one"
                    ),
                );
            }
            if for_source || for_target {
                continue;
            }
            let owners: Vec<&str> = self
                .available
                .connector_specs
                .iter()
                .filter(|(_, spec)| spec.query_key.as_deref() == Some(key.as_str()))
                .map(|(platform, _)| platform.as_str())
                .collect();
            if !owners.is_empty() {
                self.error(
                    kpath,
                    format!(
                        "`{key}` is the query of connector {}, but neither side of this sync uses it (source `{}`, target `{}`); write the query as `source_query` or `target_query`",
                        owners.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", "),
                        sync.source_platform,
                        sync.target_platform
                    ),
                );
                continue;
            }
            let known: Vec<&str> = COMMON_FILTER_KEYS
                .iter()
                .copied()
                .chain(source_key)
                .chain(target_key)
                .collect();
            let candidates: Vec<&str> = known
                .iter()
                .copied()
                .chain(
                    self.available
                        .connector_specs
                        .values()
                        .filter_map(|s| s.query_key.as_deref()),
                )
                .collect();
            self.error(
                kpath,
                format!(
                    "unknown filter `{key}` (filters: {}){}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    did_you_mean(key, candidates)
                ),
            );
        }
    }

    fn strategy(
        &mut self,
        strategy: Strategy,
        resolver: Option<&str>,
        strategy_path: ConfigPath,
        resolver_path: ConfigPath,
    ) {
        if strategy != Strategy::Custom {
            return;
        }
        match resolver {
            None => self.error(
                strategy_path,
                format!("conflict_strategy `custom` needs a `resolver:` naming a resolver plugin (loaded resolvers: {})", listed(&self.available.resolvers)),
            ),
            Some(r) if !self.available.resolvers.contains(r) => self.error(
                resolver_path,
                format!(
                    "no resolver plugin provides `{r}` (loaded resolvers: {}){}",
                    listed(&self.available.resolvers),
                    did_you_mean(r, self.available.resolvers.iter().map(String::as_str))
                ),
            ),
            Some(_) => {}
        }
    }

    fn transform_exists(&mut self, name: &str, path: ConfigPath) -> bool {
        if is_builtin(name) || self.available.transforms.contains(name) {
            return true;
        }
        let candidates = BUILTIN_TRANSFORMS
            .iter()
            .copied()
            .chain(self.available.transforms.iter().map(String::as_str));
        self.error(
            path,
            format!(
                "unknown transform `{name}`: not a built-in and no loaded transformer plugin provides it (plugin transforms: {}){}",
                listed(&self.available.transforms),
                did_you_mean(name, candidates)
            ),
        );
        false
    }

    fn mapping(
        &mut self,
        sync: &SyncConfig,
        m: &FieldMapping,
        path: &ConfigPath,
        to_target: bool,
        to_source: bool,
    ) {
        if m.source_field.trim().is_empty() {
            self.error(path.key("source_field"), "source_field is empty");
        }
        if m.target_field.trim().is_empty() {
            self.error(path.key("target_field"), "target_field is empty");
        }
        if !to_target && !to_source {
            self.warning(path.clone(), "this field never syncs: the sync runs target → source but the mapping has `bidirectional: false`");
        }
        let mapped_before_transform = m.value_map.is_some() || m.map_users;

        if let Some(t) = &m.transform {
            if self.transform_exists(t, path.key("transform")) {
                if is_builtin(t) {
                    if let Some(outs) = output_types(t)
                        && !outs.contains(&m.target_type)
                    {
                        self.error(
                            path.key("transform"),
                            format!(
                                "`{t}` produces {} but target_type is {}",
                                type_list(outs),
                                m.target_type
                            ),
                        );
                    }
                    if let Some(ins) = input_types(t)
                        && !mapped_before_transform
                        && !ins.contains(&m.source_type)
                    {
                        self.error(
                            path.key("transform"),
                            format!(
                                "`{t}` takes {} but source_type is {}",
                                type_list(ins),
                                m.source_type
                            ),
                        );
                    }
                } else if to_source && m.reverse_transform.is_none() {
                    self.error(
                        path.key("transform"),
                        format!("`{t}` is a plugin transform and cannot be inverted, but this mapping also syncs target → source; set `reverse_transform`, or `bidirectional: false`"),
                    );
                }
            }
        } else if !mapped_before_transform && !conversion_exists(m.source_type, m.target_type) {
            self.error(
                path.key("target_type"),
                format!(
                    "there is no automatic conversion from {} to {}; add a `transform`",
                    m.source_type, m.target_type
                ),
            );
        }
        if let Some(r) = &m.reverse_transform
            && self.transform_exists(r, path.key("reverse_transform"))
            && !mapped_before_transform
            && let Some(outs) = output_types(r)
            && !outs.contains(&m.source_type)
        {
            self.error(
                path.key("reverse_transform"),
                format!(
                    "`{r}` produces {} but source_type is {}",
                    type_list(outs),
                    m.source_type
                ),
            );
        }

        if let Some(name) = &m.value_map {
            match sync.value_maps.get(name) {
                None => self.error(
                    path.key("value_map"),
                    format!(
                        "value map `{name}` is not defined under this sync's `value_maps`{}",
                        did_you_mean(name, sync.value_maps.keys().map(String::as_str))
                    ),
                ),
                Some(map) if to_source => {
                    let reversed = |target: &String| {
                        map.reverse.as_ref().is_some_and(|r| r.contains_key(target))
                    };
                    if let Some((target, sources)) =
                        shared_targets(map).into_iter().find(|(t, _)| !reversed(t))
                    {
                        let sources = sources
                            .iter()
                            .map(|s| format!("{s:?}"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        self.error(
                            path.key("value_map"),
                            format!(
                                "value map `{name}` cannot be reversed for target → source: target value {target:?} comes from several source values ({sources}); list {target:?} in `value_maps.{name}.reverse`, or set `bidirectional: false`"
                            ),
                        );
                    }
                }
                Some(_) => {}
            }
        }
        if m.map_users {
            if sync.user_map.is_empty() {
                self.warning(
                    path.key("map_users"),
                    "`map_users` is set but the sync has no `user_map`; names pass unchanged",
                );
            } else if to_source {
                let mut by_target: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
                for (s, t) in &sync.user_map {
                    by_target.entry(t).or_default().push(s);
                }
                if let Some((target, sources)) = by_target.into_iter().find(|(_, s)| s.len() > 1) {
                    self.error(
                        path.key("map_users"),
                        format!("user_map cannot be reversed for target → source: user `{target}` comes from {}; make the user_map one-to-one or set `bidirectional: false`", sources.join(", ")),
                    );
                }
            }
        }
        if let Some(strategy) = m.conflict_strategy {
            let resolver = m.resolver.as_deref().or(sync.resolver.as_deref());
            self.strategy(
                strategy,
                resolver,
                path.key("conflict_strategy"),
                if m.resolver.is_some() {
                    path.key("resolver")
                } else {
                    path.key("conflict_strategy")
                },
            );
        }
        if let Some(default) = &m.default_value
            && let Some(problem) = default_problem(default, m.source_type)
        {
            self.error(path.key("default_value"), problem);
        }
    }
}

/// Which ways a mapping's values travel: (source → target, target → source).
fn ways(direction: Direction, m: &FieldMapping) -> (bool, bool) {
    match direction {
        Direction::Bidirectional => (true, m.bidirectional),
        Direction::SourceToTarget => (true, false),
        Direction::TargetToSource => (false, m.bidirectional),
    }
}

fn type_list(types: &[FieldType]) -> String {
    types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Why a default value does not fit the source field's type, if it does not.
fn default_problem(default: &serde_json::Value, ty: FieldType) -> Option<String> {
    use serde_json::Value as J;
    let ok = match (ty, default) {
        (FieldType::String, J::String(_))
        | (FieldType::Number, J::Number(_))
        | (FieldType::Boolean, J::Bool(_)) => true,
        (FieldType::Array, J::Array(_)) | (FieldType::Object, J::Object(_)) => true,
        (FieldType::Date, J::String(s)) => {
            return parse_date(s).is_none().then(|| {
                format!("default_value {s:?} is not a date; expected YYYY-MM-DD (like 2024-05-31)")
            });
        }
        (FieldType::Datetime, J::String(s)) => {
            return (parse_datetime(s).is_none() && parse_date(s).is_none())
                .then(|| format!("default_value {s:?} is not a datetime; expected RFC 3339 (like 2024-05-31T12:00:00Z) or YYYY-MM-DD"));
        }
        _ => false,
    };
    let kind = match default {
        J::Null => "null",
        J::Bool(_) => "a boolean",
        J::Number(_) => "a number",
        J::String(_) => "text",
        J::Array(_) => "a list",
        J::Object(_) => "a mapping",
    };
    (!ok).then(|| {
        format!("default_value is {kind} but source_type is {ty}; the default must be a {ty} value")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_str;

    fn available() -> Available {
        Available::new(
            ["jira_priority_to_number"],
            ["priority_based"],
            ["jira", "github", "linear"],
        )
    }

    fn diagnostics(text: &str) -> Vec<Diagnostic> {
        let (_, d) = check_str(text, "t.yaml", &available()).unwrap_or_else(|e| panic!("{e}"));
        d
    }

    const MANY_TO_ONE: &str = "name: s\nsource_platform: jira\ntarget_platform: github\nfield_mappings:\n  - source_field: status\n    target_field: state\n    value_map: st\n    bidirectional: false\nvalue_maps:\n  st:\n    forward: {To Do: open, Doing: open, Done: closed}\nplatforms:\n  jira: {settings: {base_url: x}}\n  github: {settings: {base_url: y}}\n";

    #[test]
    fn a_many_to_one_value_map_on_a_one_way_field_is_fine() {
        assert_eq!(diagnostics(MANY_TO_ONE), vec![]);
    }

    #[test]
    fn a_many_to_one_value_map_is_refused_when_the_sync_runs_target_to_source() {
        let text = MANY_TO_ONE
            .replace("    bidirectional: false\n", "")
            .replace("name: s\n", "name: s\ndirection: target_to_source\n");
        let d = diagnostics(&text);
        assert!(
            d.iter()
                .any(|d| d.is_error() && d.message.contains("cannot be reversed")),
            "{d:?}"
        );
    }

    #[test]
    fn an_explicit_reverse_entry_makes_a_many_to_one_map_usable_both_ways() {
        let text = MANY_TO_ONE
            .replace("    bidirectional: false\n", "")
            .replace("Done: closed}", "Done: closed}\n    reverse: {open: To Do}");
        assert_eq!(diagnostics(&text), vec![]);
    }

    #[test]
    fn a_platform_without_settings_is_a_warning_with_its_position() {
        let text = "name: s\nsource_platform: jira\ntarget_platform: linear\nfield_mappings:\n  - {source_field: summary, target_field: title}\n";
        let d = diagnostics(text);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d.iter().all(|d| d.severity == Severity::Warning));
        assert_eq!(
            d[0].to_string(),
            "t.yaml:2:18: warning: source_platform: platform `jira` has no entry under `platforms:`; its connector gets no settings and no credentials"
        );
    }

    #[test]
    fn a_field_level_custom_strategy_uses_the_syncs_resolver() {
        let text = "name: s\nsource_platform: jira\ntarget_platform: linear\nresolver: priority_based\nfield_mappings:\n  - {source_field: summary, target_field: title, conflict_strategy: custom}\nplatforms:\n  jira: {settings: {base_url: x}}\n  linear: {settings: {base_url: y}}\n";
        assert_eq!(diagnostics(text), vec![]);
        let without = text.replace("resolver: priority_based\n", "");
        let d = diagnostics(&without);
        assert!(
            d.iter()
                .any(|d| d.is_error() && d.message.contains("needs a `resolver:`")),
            "{d:?}"
        );
    }

    #[test]
    fn two_mappings_writing_one_target_field_are_refused() {
        let text = "name: s\nsource_platform: jira\ntarget_platform: linear\nfield_mappings:\n  - {source_field: summary, target_field: title}\n  - {source_field: key, target_field: title, bidirectional: false}\nplatforms:\n  jira: {settings: {base_url: x}}\n  linear: {settings: {base_url: y}}\n";
        let d = diagnostics(text);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            d[0].location.as_ref().map(|l| (l.line, l.column)),
            Some((6, 39))
        );
        assert!(
            d[0].message
                .contains("already written by field_mappings[0]")
        );
    }

    #[test]
    fn validate_alone_reports_paths_without_positions() {
        let config = load_str(
            "name: s\nsource_platform: jira\ntarget_platform: jira\nfield_mappings: []\n",
            "t",
        )
        .unwrap();
        let d = validate(&config, &available());
        let errors: Vec<String> = d
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors.iter().all(|e| e.starts_with("syncs[0].")),
            "{errors:?}"
        );
    }
}
