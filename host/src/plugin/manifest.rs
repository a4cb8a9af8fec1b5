//! `plugin.toml`: what a plugin says it is, provides, asks for and needs.

use super::grants::HostPattern;
use super::platform_manifest::{self, ConnectorManifest};
use pmsync_core::config::SettingSpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The WIT package every plugin is built against.
pub const API_PACKAGE: &str = "pmsync:plugin";
/// The API major this host supports.
pub const SUPPORTED_MAJOR: u64 = 1;

/// The three plugin kinds, one WIT world each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PluginKind {
    Transformer,
    Resolver,
    Connector,
}

impl PluginKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PluginKind::Transformer => "transformer",
            PluginKind::Resolver => "resolver",
            PluginKind::Connector => "connector",
        }
    }

    /// The WIT interface a plugin of this kind exports (without package and version).
    pub fn export_interface(self) -> &'static str {
        self.as_str()
    }
}

impl fmt::Display for PluginKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `pmsync:plugin@MAJOR.MINOR.PATCH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl ApiVersion {
    /// Parses `pmsync:plugin@1.0.0`.
    pub fn parse(text: &str) -> Result<ApiVersion, String> {
        let expected =
            format!("expected `{API_PACKAGE}@MAJOR.MINOR.PATCH`, e.g. `{API_PACKAGE}@1.0.0`");
        let Some((package, version)) = text.split_once('@') else {
            return Err(format!("`{text}` has no version: {expected}"));
        };
        if package != API_PACKAGE {
            return Err(format!("unknown API package `{package}`: {expected}"));
        }
        let version = Self::parse_version(version)
            .ok_or_else(|| format!("bad version in `{text}`: {expected}"))?;
        Ok(version)
    }

    /// Parses `1.0.0` (a pre-release or build suffix is ignored).
    pub fn parse_version(text: &str) -> Option<ApiVersion> {
        let core = text.split(['-', '+']).next().unwrap_or(text);
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let (Some(Some(major)), Some(Some(minor)), Some(Some(patch)), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        Some(ApiVersion {
            major,
            minor,
            patch,
        })
    }

    pub fn is_supported(&self) -> bool {
        self.major == SUPPORTED_MAJOR
    }

    /// The refusal message for an unsupported major.
    pub fn unsupported_message(&self) -> String {
        format!("built for {self}; this host supports {SUPPORTED_MAJOR}.x")
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{API_PACKAGE}@{}.{}.{}",
            self.major, self.minor, self.patch
        )
    }
}

/// What a plugin provides, by kind.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provides {
    /// Transform names (transformers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<String>,
    /// The resolver name (resolvers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolver: Option<String>,
    /// The platform name (connectors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
}

impl Provides {
    /// A one-line summary: `transforms upper, lower` / `resolver x` / `platform jira`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.transforms.is_empty() {
            parts.push(format!("transforms {}", self.transforms.join(", ")));
        }
        if let Some(r) = &self.resolver {
            parts.push(format!("resolver {r}"));
        }
        if let Some(p) = &self.platform {
            parts.push(format!("platform {p}"));
        }
        parts.join("; ")
    }
}

/// Capabilities a plugin asks for (or the operator grants).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// Outbound destinations, `scheme://host[:port]` (see [`HostPattern`]).
    #[serde(default)]
    pub hosts: Vec<HostPattern>,
    /// Names of credentials the host may inject into this plugin's requests.
    #[serde(default)]
    pub secrets: Vec<String>,
}

/// Default memory limit of a plugin instance, MiB.
pub const DEFAULT_MEMORY_MB: u64 = 64;
/// Default wall-clock deadline of one call, ms.
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;
/// Default fuel of one transformer/resolver call (roughly a second of compute).
pub const DEFAULT_FUEL: u64 = 2_000_000_000;
/// Default limit on the text and bytes one call returns.
pub const DEFAULT_MAX_OUTPUT_BYTES: u64 = 16 << 20;

/// Resource limits of a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Linear memory of one instance, MiB.
    #[serde(default = "default_memory_mb")]
    pub memory_mb: u64,
    /// Wall-clock deadline of one call (instantiation included), ms.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Fuel of one call, for transformers and resolvers (connectors are bound by time).
    #[serde(default = "default_fuel")]
    pub fuel: u64,
    /// The sum of text and bytes one call may return.
    #[serde(default = "default_max_output_bytes")]
    pub max_output_bytes: u64,
}

fn default_memory_mb() -> u64 {
    DEFAULT_MEMORY_MB
}
fn default_timeout_ms() -> u64 {
    DEFAULT_TIMEOUT_MS
}
fn default_fuel() -> u64 {
    DEFAULT_FUEL
}
fn default_max_output_bytes() -> u64 {
    DEFAULT_MAX_OUTPUT_BYTES
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_mb: DEFAULT_MEMORY_MB,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            fuel: DEFAULT_FUEL,
            max_output_bytes: DEFAULT_MAX_OUTPUT_BYTES,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    name: String,
    version: String,
    #[serde(default)]
    description: Option<String>,
    kind: PluginKind,
    api: String,
    component: String,
    #[serde(default)]
    provides: Provides,
    #[serde(default)]
    capabilities: Capabilities,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    connector: Option<ConnectorManifest>,
    #[serde(default)]
    settings: BTreeMap<String, SettingSpec>,
}

/// A parsed and checked `plugin.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    /// One line on what the plugin does.
    pub description: Option<String>,
    pub kind: PluginKind,
    /// The API the plugin says it was built for, as written.
    pub api_text: String,
    pub api: ApiVersion,
    /// The component file, resolved against the manifest's folder.
    pub component: PathBuf,
    pub provides: Provides,
    pub capabilities: Capabilities,
    pub limits: Limits,
    /// What a connector declares about its platform (`[connector]`).
    pub connector: Option<ConnectorManifest>,
    /// The settings the plugin reads (`[settings.NAME]`).
    pub settings: BTreeMap<String, SettingSpec>,
    /// Where this manifest was read from.
    pub path: PathBuf,
}

/// A manifest that could not be read or is wrong; the message names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ManifestError {
    pub path: String,
    pub message: String,
}

impl Manifest {
    /// Reads and checks the manifest at `path`.
    pub fn from_file(path: &Path) -> Result<Manifest, ManifestError> {
        let fail = |message: String| ManifestError {
            path: path.display().to_string(),
            message,
        };
        let bytes = super::limits::read_bounded(
            path,
            super::limits::MAX_MANIFEST_BYTES,
            "the plugin manifest",
        )
        .map_err(fail)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| fail("cannot read plugin manifest: it is not UTF-8 text".into()))?;
        Manifest::parse(&text, path)
    }

    /// Parses and checks manifest text; `path` names the file in errors and anchors
    /// the component file name.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
        let fail = |message: String| ManifestError {
            path: path.display().to_string(),
            message,
        };
        let raw: RawManifest =
            toml::from_str(text).map_err(|e| fail(format!("invalid plugin manifest: {e}")))?;
        if !valid_name(&raw.name) {
            return Err(fail(format!(
                "`name` = {:?}: expected a plugin name of lowercase letters, digits, `-` and `_`",
                raw.name
            )));
        }
        if raw.version.trim().is_empty() {
            return Err(fail(
                "`version` is empty: expected the plugin's version, e.g. \"0.1.0\"".into(),
            ));
        }
        let api = ApiVersion::parse(&raw.api).map_err(|e| fail(format!("`api`: {e}")))?;
        if raw.component.is_empty()
            || raw.component.contains(['/', '\\'])
            || raw.component == ".."
            || raw.component == "."
        {
            return Err(fail(format!(
                "`component` = {:?}: expected the file name of the .wasm beside plugin.toml",
                raw.component
            )));
        }
        check_provides(raw.kind, &raw.provides).map_err(fail)?;
        check_limits(&raw.limits).map_err(fail)?;
        platform_manifest::check(
            raw.connector.as_ref(),
            &raw.settings,
            raw.kind == PluginKind::Connector,
        )
        .map_err(fail)?;
        for secret in &raw.capabilities.secrets {
            if !valid_name(secret) {
                return Err(fail(format!(
                    "`capabilities.secrets`: {secret:?} is not a credential name"
                )));
            }
        }
        let folder = path.parent().unwrap_or(Path::new("."));
        Ok(Manifest {
            name: raw.name,
            version: raw.version,
            description: raw.description,
            kind: raw.kind,
            api_text: raw.api,
            api,
            component: folder.join(&raw.component),
            provides: raw.provides,
            capabilities: raw.capabilities,
            limits: raw.limits,
            connector: raw.connector,
            settings: raw.settings,
            path: path.to_path_buf(),
        })
    }
}

pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Longest name a plugin may provide (platform, transform, resolver), bytes.
const MAX_PROVIDED_NAME: usize = 128;

fn check_provides(kind: PluginKind, provides: &Provides) -> Result<(), String> {
    let has_transforms = !provides.transforms.is_empty();
    let has_resolver = provides.resolver.is_some();
    let has_platform = provides.platform.is_some();
    let (ok, expected) = match kind {
        PluginKind::Transformer => (
            has_transforms && !has_resolver && !has_platform,
            "`[provides] transforms = [..]`",
        ),
        PluginKind::Resolver => (
            has_resolver && !has_transforms && !has_platform,
            "`[provides] resolver = \"..\"`",
        ),
        PluginKind::Connector => (
            has_platform && !has_transforms && !has_resolver,
            "`[provides] platform = \"..\"`",
        ),
    };
    if !ok {
        return Err(format!(
            "a {kind} plugin must declare exactly {expected} (and nothing else under [provides])"
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for name in provides
        .transforms
        .iter()
        .chain(provides.resolver.iter())
        .chain(provides.platform.iter())
    {
        if name.trim().is_empty() {
            return Err("[provides] has an empty name".into());
        }
        if name.len() > MAX_PROVIDED_NAME {
            return Err(format!(
                "[provides] has a name of {} bytes (at most {MAX_PROVIDED_NAME})",
                name.len()
            ));
        }
        if !seen.insert(name) {
            return Err(format!("[provides] names `{name}` twice"));
        }
    }
    // A built-in must mean the same in every config: no plugin may stand in for one.
    if let Some(builtin) = provides
        .transforms
        .iter()
        .find(|t| pmsync_core::transform::is_builtin(t))
    {
        return Err(format!(
            "[provides] transforms: `{builtin}` is a built-in transform; a plugin may not provide one \
             of that name (rename it)"
        ));
    }
    Ok(())
}

fn check_limits(limits: &Limits) -> Result<(), String> {
    for (key, value) in [
        ("memory_mb", limits.memory_mb),
        ("timeout_ms", limits.timeout_ms),
        ("fuel", limits.fuel),
        ("max_output_bytes", limits.max_output_bytes),
    ] {
        if value == 0 {
            return Err(format!("`limits.{key}` is 0: expected a positive number"));
        }
    }
    if limits.memory_mb > 4096 {
        return Err(format!(
            "`limits.memory_mb` = {}: a plugin can address at most 4096 MiB",
            limits.memory_mb
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "example-transforms"
version = "0.1.0"
kind = "transformer"
api = "pmsync:plugin@1.0.0"
component = "example.wasm"

[provides]
transforms = ["jira_priority_to_number"]

[limits]
memory_mb = 32
"#;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(text, Path::new("/plugins/example/plugin.toml"))
    }

    #[test]
    fn good_manifest_parses_with_default_limits_filled_in() {
        let m = parse(GOOD).unwrap();
        assert_eq!(m.name, "example-transforms");
        assert_eq!(m.kind, PluginKind::Transformer);
        assert_eq!(
            m.api,
            ApiVersion {
                major: 1,
                minor: 0,
                patch: 0
            }
        );
        assert_eq!(m.component, Path::new("/plugins/example/example.wasm"));
        assert_eq!(m.limits.memory_mb, 32);
        assert_eq!(m.limits.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert!(m.capabilities.hosts.is_empty());
    }

    #[test]
    fn unknown_key_is_an_error_naming_file_and_key() {
        let err = parse(&GOOD.replace("kind =", "colour = \"red\"\nkind =")).unwrap_err();
        assert!(
            err.to_string().contains("/plugins/example/plugin.toml"),
            "{err}"
        );
        assert!(err.to_string().contains("colour"), "{err}");
    }

    #[test]
    fn wrong_type_is_an_error_saying_what_was_expected() {
        let err = parse(&GOOD.replace("memory_mb = 32", "memory_mb = \"lots\"")).unwrap_err();
        assert!(err.to_string().contains("memory_mb"), "{err}");
        assert!(err.to_string().contains("expected u64"), "{err}");
        assert!(err.to_string().contains("line 12"), "{err}");
    }

    #[test]
    fn unknown_kind_is_refused() {
        let err = parse(&GOOD.replace("\"transformer\"", "\"exporter\"")).unwrap_err();
        assert!(err.to_string().contains("exporter"), "{err}");
    }

    #[test]
    fn provides_must_match_the_kind() {
        let err = parse(&GOOD.replace(
            "transforms = [\"jira_priority_to_number\"]",
            "platform = \"jira\"",
        ))
        .unwrap_err();
        assert!(err.to_string().contains("transforms"), "{err}");
    }

    #[test]
    fn api_must_name_the_pmsync_package_and_a_full_version() {
        assert!(parse(&GOOD.replace("pmsync:plugin@1.0.0", "pmsync:plugin@1")).is_err());
        assert!(parse(&GOOD.replace("pmsync:plugin@1.0.0", "wasi:cli@0.2.0")).is_err());
        let future = parse(&GOOD.replace("pmsync:plugin@1.0.0", "pmsync:plugin@2.0.0")).unwrap();
        assert!(!future.api.is_supported());
        assert_eq!(
            future.api.unsupported_message(),
            "built for pmsync:plugin@2.0.0; this host supports 1.x"
        );
    }

    #[test]
    fn component_must_be_a_plain_file_name() {
        let err = parse(&GOOD.replace("example.wasm", "../../etc/evil.wasm")).unwrap_err();
        assert!(err.to_string().contains("component"), "{err}");
    }

    #[test]
    fn a_transform_named_like_a_builtin_is_refused() {
        let err = parse(&GOOD.replace(
            "[\"jira_priority_to_number\"]",
            "[\"jira_priority_to_number\", \"string_to_number\"]",
        ))
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("`string_to_number` is a built-in transform"),
            "{err}"
        );
    }

    #[test]
    fn zero_limits_are_refused() {
        let err = parse(&GOOD.replace("memory_mb = 32", "timeout_ms = 0")).unwrap_err();
        assert!(err.to_string().contains("timeout_ms"), "{err}");
    }

    #[test]
    fn malformed_host_pattern_is_refused() {
        let text = format!("{GOOD}\n[capabilities]\nhosts = [\"api.github.com\"]\n");
        let err = parse(&text).unwrap_err();
        assert!(err.to_string().contains("api.github.com"), "{err}");
    }
}
