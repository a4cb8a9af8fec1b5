//! The configuration model: what a sync config file says, after parsing and before
//! validation. Key names follow the original spec (`source_platform`, `field_mappings`, ...),
//! extended with several syncs per file, per-field strategies, value maps, a user map,
//! `on_delete`, platform filters and connector settings.

use super::filters::Filters;
use super::link_existing::LinkExisting;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A whole config file: connections to platforms and one or more syncs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Connector settings by platform name (`jira`, `github`, `linear`, `github_projects`, or
    /// any alias whose `connector` names a connector plugin's platform).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub platforms: BTreeMap<String, PlatformConfig>,
    /// What the operator decides about plugins (which one serves a name).
    #[serde(default, skip_serializing_if = "PluginsConfig::is_empty")]
    pub plugins: PluginsConfig,
    pub syncs: Vec<SyncConfig>,
}

/// `plugins:` — the operator's say over plugins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PluginsConfig {
    /// Which plugin serves a platform, transform or resolver name. Two plugins providing
    /// one name are refused unless a pin chooses; a plugin that is not the pinned one (by
    /// name, and version and component digest when given) is refused with its grants.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pins: BTreeMap<String, PinConfig>,
    /// Settings of transformer and resolver plugins, by plugin name, read by the plugin
    /// through its `config` import (connectors take theirs under
    /// `platforms.<entry>.settings`). Literal values; never secrets. A value written as a
    /// YAML mapping (a `map` setting) is kept, and handed to the plugin, as JSON text.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "super::setting_value::plugin_settings"
    )]
    pub settings: BTreeMap<String, BTreeMap<String, String>>,
    /// Whose plugin bundles are trusted, by organisation: the public keys that may sign
    /// them (several, for rotation) and the keys revoked.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub trust: BTreeMap<String, TrustConfig>,
    /// The operator's limits for a plugin, by plugin name: they replace what its manifest
    /// asks (`[limits]`), up to [`PluginLimits::CEILING`]. A Python plugin given big batches
    /// may need more memory than its author asked for; a plugin may be held to less.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, PluginLimits>,
}

impl PluginsConfig {
    pub fn is_empty(&self) -> bool {
        self.pins.is_empty()
            && self.settings.is_empty()
            && self.trust.is_empty()
            && self.limits.is_empty()
    }
}

/// `plugins.limits.NAME`: per call, as `[limits]` in a manifest; absent keys keep what the
/// manifest asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PluginLimits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_bytes: Option<u64>,
}

impl PluginLimits {
    /// The most an operator may give one plugin: (key, ceiling, unit).
    pub const CEILING: [(&'static str, u64, &'static str); 4] = [
        ("memory_mb", 4096, "MiB"),
        ("timeout_ms", 600_000, "ms"),
        ("fuel", 2_000_000_000_000, "units of fuel"),
        ("max_output_bytes", 1 << 30, "bytes"),
    ];

    /// (key, value) of the limits given.
    pub fn given(&self) -> Vec<(&'static str, u64)> {
        [
            ("memory_mb", self.memory_mb),
            ("timeout_ms", self.timeout_ms),
            ("fuel", self.fuel),
            ("max_output_bytes", self.max_output_bytes),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (key, v)))
        .collect()
    }
}

/// `plugins.trust.ORGANISATION`: the ed25519 public keys (64 hex digits, as
/// `pmsync-host bundle keygen` prints them) whose signatures on the organisation's bundles
/// are accepted, and the keys (or their 16-hex-digit key ids) that are not, whatever else
/// the config says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TrustConfig {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<String>,
}

/// `plugins.pins.NAME`: the plugin that serves NAME.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PinConfig {
    /// The plugin's name (its manifest's `name`).
    pub plugin: String,
    /// Its exact version, if pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The sha256 of its component file (hex, as `plugins inspect` shows it), if pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// How to reach one platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PlatformConfig {
    /// The connector plugin's platform name; defaults to this entry's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector: Option<String>,
    /// Settings handed to the connector plugin (site URL, project, repo, team, project
    /// number, ...). Never secrets.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, String>,
    /// Credentials by the name the connector asks for (`token`). Values reference
    /// environment variables (`${GITHUB_TOKEN}`); literal secrets are refused.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub credentials: BTreeMap<String, CredentialConfig>,
    /// Hosts the operator grants the connector (`https://api.github.com`); the connector
    /// gets the intersection with what its manifest asks for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_hosts: Vec<String>,
    /// The secret the platform signs its webhook deliveries with, as an environment
    /// reference (`${GITHUB_WEBHOOK_SECRET}`), for `serve`; a literal secret is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
}

/// A credential made of environment-variable references.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CredentialConfig {
    /// `Authorization: Bearer <token>` (GitHub, Linear OAuth).
    Bearer { token: String },
    /// `Authorization: Basic base64(user:token)` (Jira Cloud: email + API token).
    Basic { user: String, token: String },
    /// A raw header (Linear API keys: `Authorization: <key>`).
    Header { name: String, value: String },
}

/// One sync between two platforms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    pub name: String,
    pub source_platform: String,
    pub target_platform: String,
    #[serde(default)]
    pub direction: Direction,
    #[serde(default)]
    pub conflict_strategy: Strategy,
    /// The resolver plugin's name, for `conflict_strategy: custom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolver: Option<String>,
    #[serde(default = "defaults::batch_size")]
    pub batch_size: u32,
    /// Most pages listed per side per run; a connector still paginating past it fails
    /// that side, naming the plugin.
    #[serde(default = "defaults::max_pages")]
    pub max_pages: u32,
    /// Most items listed per side per run (same).
    #[serde(default = "defaults::max_items")]
    pub max_items: u32,
    /// Seconds between runs in daemon mode.
    #[serde(default = "defaults::sync_interval")]
    pub sync_interval: u64,
    #[serde(default = "defaults::yes")]
    pub enable_retry: bool,
    #[serde(default = "defaults::max_retries")]
    pub max_retries: u32,
    /// Seconds; the n-th retry waits `retry_delay × 2^(n-1)` (with jitter).
    #[serde(default = "defaults::retry_delay")]
    pub retry_delay: f64,
    #[serde(default = "defaults::yes")]
    pub enable_audit: bool,
    /// Days to keep audit entries; none keeps them forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_retention_days: Option<u32>,
    /// How many writes may be in flight at once.
    #[serde(default = "defaults::concurrency")]
    pub concurrency: u32,
    /// Seconds a side may wait for a platform's rate limit to reset; when the platform asks
    /// for longer, that side stops cleanly (its items are kept for the next run; exit 1).
    #[serde(default = "defaults::max_wait")]
    pub max_wait: u64,
    pub field_mappings: Vec<FieldMapping>,
    #[serde(default, skip_serializing_if = "Filters::is_empty")]
    pub filters: Filters,
    /// Named value maps (status, priority, labels, ...), used by `field_mappings[].value_map`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub value_maps: BTreeMap<String, ValueMap>,
    /// Source user → target user (logins, emails, account ids), for mappings with `map_users`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user_map: BTreeMap<String, String>,
    #[serde(default)]
    pub on_delete: OnDelete,
    /// Fields set on the items this sync creates, per side, in that platform's field names
    /// (`source: { issuetype: Story }` for issues it creates in a Jira source); a mapped
    /// value of the same field wins.
    #[serde(default, skip_serializing_if = "CreateFields::is_empty")]
    pub create_fields: CreateFields,
    /// What to do with items that already exist on both sides (pair them or create).
    #[serde(default, skip_serializing_if = "LinkExisting::is_default")]
    pub link_existing: LinkExisting,
}

/// `create_fields:` of a sync: field → value for the items it creates on each side.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateFields {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub target: BTreeMap<String, String>,
}

impl CreateFields {
    pub fn is_empty(&self) -> bool {
        self.source.is_empty() && self.target.is_empty()
    }

    /// The fields for items created on `side`.
    pub fn on(&self, side: crate::item::Side) -> &BTreeMap<String, String> {
        match side {
            crate::item::Side::Source => &self.source,
            crate::item::Side::Target => &self.target,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    Bidirectional,
    SourceToTarget,
    TargetToSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    #[default]
    LastWriteWins,
    SourceWins,
    TargetWins,
    Manual,
    Custom,
}

/// What to do when a linked item disappears on one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnDelete {
    /// Keep the other side as it is and keep the link (default: never destroy data).
    #[default]
    Ignore,
    /// Forget the link; the other side stays as it is.
    Unlink,
}

/// The seven field types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    #[default]
    String,
    Number,
    Boolean,
    Date,
    Datetime,
    Array,
    Object,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMapping {
    pub source_field: String,
    pub target_field: String,
    #[serde(default)]
    pub source_type: FieldType,
    #[serde(default)]
    pub target_type: FieldType,
    #[serde(default = "defaults::yes")]
    pub bidirectional: bool,
    #[serde(default)]
    pub required: bool,
    /// Used when the source value is missing (source → target) or the target value is
    /// missing (target → source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<serde_json::Value>,
    /// A built-in transform or a transformer plugin's transform, applied source → target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform: Option<String>,
    /// Applied target → source. Built-in transforms have a natural inverse and need none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverse_transform: Option<String>,
    /// A key of the sync's `value_maps`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_map: Option<String>,
    /// Map user names through the sync's `user_map`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub map_users: bool,
    /// Overrides the sync's conflict strategy for this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict_strategy: Option<Strategy>,
    /// The resolver plugin for this field's `custom` strategy; defaults to the sync's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolver: Option<String>,
}

/// A value map: source value (as text) → target value. Reversible when one-to-one, or
/// when `reverse` is given explicitly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ValueMap {
    pub forward: BTreeMap<String, serde_json::Value>,
    /// Target value (as text) → source value, for the target → source direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverse: Option<BTreeMap<String, serde_json::Value>>,
    /// Used for a value the map does not list; without it the value passes through unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
}

pub(crate) mod defaults {
    pub fn yes() -> bool {
        true
    }
    pub fn batch_size() -> u32 {
        50
    }
    pub fn max_pages() -> u32 {
        5_000
    }
    pub fn max_items() -> u32 {
        250_000
    }
    pub fn sync_interval() -> u64 {
        300
    }
    pub fn max_retries() -> u32 {
        3
    }
    pub fn retry_delay() -> f64 {
        5.0
    }
    pub fn concurrency() -> u32 {
        4
    }
    pub fn max_wait() -> u64 {
        600
    }
}

impl FieldType {
    pub const ALL: [FieldType; 7] = [
        FieldType::String,
        FieldType::Number,
        FieldType::Boolean,
        FieldType::Date,
        FieldType::Datetime,
        FieldType::Array,
        FieldType::Object,
    ];

    /// The name used in config files (`string`, `datetime`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Array => "array",
            FieldType::Object => "object",
        }
    }
}

impl std::fmt::Display for FieldType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
