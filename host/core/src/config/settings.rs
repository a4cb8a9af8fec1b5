//! Connector settings as each connector declares them in its `plugin.toml` (`[settings.NAME]`),
//! and the checks of a config's `platforms.*.settings` against those declarations: unknown or
//! misspelled keys, wrong types, URL syntax, missing required settings, secrets written where
//! `export-config` would print them.

use super::environment::{env_reference, has_env_syntax};
use super::error::ConfigPath;
use super::model::PlatformConfig;
use super::suggest::closest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The type of a connector setting's value (settings are text in the config file; the
/// type says which text is valid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SettingType {
    #[default]
    String,
    /// An absolute `http://` or `https://` URL.
    Url,
    /// A whole number (see [`SettingSpec::min`]).
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A mapping of text to text (`aliases: {bugfix: bug}`), for transformer and resolver
    /// settings; the plugin reads it as a JSON object.
    Map,
}

impl SettingType {
    pub fn as_str(self) -> &'static str {
        match self {
            SettingType::String => "string",
            SettingType::Url => "url",
            SettingType::Integer => "integer",
            SettingType::Boolean => "boolean",
            SettingType::Map => "map",
        }
    }
}

/// One setting a connector reads (`[settings.project]` in its `plugin.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingSpec {
    #[serde(rename = "type", default)]
    pub kind: SettingType,
    /// The connector cannot work without it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// What it is, for people (`validate` messages, `plugins inspect`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// This setting is the platform's API base URL: `allow_hosts` must cover it, `doctor`
    /// probes it and `--sandbox` replaces it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub base_url: bool,
    /// A secret (a webhook secret, ...): only a `${VAR}` reference is accepted, never the
    /// value itself.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
    /// The value the connector uses when the setting is absent (documentation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// For integers: the smallest allowed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
}

/// What config validation knows about a connector's platform, from its manifest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectorSpec {
    /// Declared settings. A connector that declares none is not checked key by key.
    pub settings: BTreeMap<String, SettingSpec>,
    /// Groups of settings of which exactly one must be given (`org` or `user`).
    pub exactly_one_of: Vec<Vec<String>>,
    /// The `filters:` key holding this platform's query (`jql`): an alias of
    /// `source_query` / `target_query`.
    pub query_key: Option<String>,
    /// How this platform's secret tokens begin (`ghp_`, `lin_api_`): such a value under
    /// `settings:` is refused.
    pub secret_prefixes: Vec<String>,
    /// The common filters (`projects`, `issue_types`, `labels`) the connector reads;
    /// `None`: all of them.
    pub filters: Option<Vec<String>>,
    /// Where the type of an item it creates comes from, when its platform types items
    /// (Jira: `issuetype`), so validation can tell when created items fall outside a sync's
    /// `filters.issue_types`.
    pub created_type: Option<CreatedType>,
}

/// `[connector.created_type]`: the field holding an item's type, the setting that gives
/// created items their type, and the type they get when that setting is not given.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreatedType {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    pub default: String,
}

impl ConnectorSpec {
    /// The name of the setting that holds the API base URL.
    pub fn base_url_setting(&self) -> Option<&str> {
        self.settings
            .iter()
            .find(|(_, s)| s.base_url)
            .map(|(name, _)| name.as_str())
    }
}

/// What a loaded plugin declares about the settings it reads (`[settings.NAME]` in its
/// manifest), for `plugins.settings.<plugin>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PluginSettingsSpec {
    /// `connector`, `transformer` or `resolver`.
    pub kind: String,
    /// Declared settings; a plugin that declares none is not checked key by key.
    pub settings: BTreeMap<String, SettingSpec>,
}

/// Checks `plugins.settings.<plugin>`: a transformer or resolver that is loaded, keys it
/// declares (when it declares any), values of their types, no secrets.
pub(crate) fn check_plugin_settings(
    plugin: &str,
    values: &BTreeMap<String, String>,
    loaded: &BTreeMap<String, PluginSettingsSpec>,
) -> Vec<Finding> {
    let path = ConfigPath::root()
        .key("plugins")
        .key("settings")
        .key(plugin.to_string());
    let mut out = Vec::new();
    let spec = loaded.get(plugin);
    match spec {
        None if !loaded.is_empty() => {
            let hint = closest(plugin, loaded.keys().map(String::as_str))
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            out.push((path, format!("no plugin named `{plugin}` is loaded{hint}")));
            return out;
        }
        Some(spec) if spec.kind == "connector" => {
            out.push((
                path,
                format!(
                    "`{plugin}` is a connector: its settings go under `platforms.<entry>.settings`"
                ),
            ));
            return out;
        }
        _ => {}
    }
    let declared = spec.map(|s| &s.settings).filter(|s| !s.is_empty());
    for (key, value) in values {
        let at = path.key(key.clone());
        if is_secret_name(key) {
            out.push((
                at,
                format!(
                    "`{key}` looks like a secret; plugin settings are handed to the plugin and printed by `export-config`, so they never hold secrets"
                ),
            ));
            continue;
        }
        // (`${VAR}` in a plugin setting is refused as the file loads: it is not expanded.)
        let Some(declared) = declared else {
            continue;
        };
        match declared.get(key) {
            None => {
                let hint = closest(key, declared.keys().map(String::as_str))
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                out.push((
                    at,
                    format!(
                        "unknown setting `{key}` for plugin `{plugin}` (its settings: {}){hint}",
                        declared.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            Some(setting) => {
                if let Some(problem) = type_problem(value, setting) {
                    out.push((at, format!("`{key}` {problem}")));
                }
            }
        }
    }
    for (name, setting) in declared.into_iter().flatten() {
        if setting.required && !values.contains_key(name) {
            out.push((
                path.clone(),
                format!("plugin `{plugin}` needs the setting `{name}`"),
            ));
        }
    }
    out
}

/// Key names that say "this is a secret", whatever the connector.
pub fn is_secret_name(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("api_key")
        || key.contains("apikey")
        || key.contains("private_key")
        || key
            .split(['_', '-', '.'])
            .any(|part| matches!(part, "token" | "secret" | "password" | "passwd" | "pat"))
}

/// A finding about one setting: where and what.
pub(crate) type Finding = (ConfigPath, String);

/// Checks one `platforms:` entry's settings against its connector's declaration.
pub(crate) fn check_settings(
    entry: &str,
    connector: &str,
    platform: &PlatformConfig,
    spec: &ConnectorSpec,
) -> Vec<Finding> {
    let entry_path = ConfigPath::root().key("platforms").key(entry.to_string());
    let settings_path = entry_path.key("settings");
    let mut out = Vec::new();
    for (key, value) in &platform.settings {
        let path = settings_path.key(key.clone());
        if let Some(prefix) = spec
            .secret_prefixes
            .iter()
            .find(|p| !p.is_empty() && value.trim().starts_with(p.as_str()))
        {
            out.push((
                path,
                format!(
                    "`{key}` holds what looks like a `{connector}` token (it starts with `{prefix}`); secrets go under `credentials:` as `${{VAR}}` references, never under `settings:` (which `export-config` prints)"
                ),
            ));
            continue;
        }
        let Some(setting) = spec.settings.get(key) else {
            if spec.settings.is_empty() {
                continue;
            }
            let known: Vec<&str> = spec.settings.keys().map(String::as_str).collect();
            let hint = closest(key, known.iter().copied())
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            out.push((
                path,
                format!(
                    "unknown setting `{key}` for connector `{connector}` (its settings: {}){hint}",
                    known.join(", ")
                ),
            ));
            continue;
        };
        if has_env_syntax(value) {
            if env_reference(value).is_none() {
                out.push((
                    path,
                    format!(
                        "`{key}`: an environment reference must be the whole value, `${{NAME}}` (letters, digits and `_`)"
                    ),
                ));
            }
            continue;
        }
        if setting.secret {
            out.push((
                path,
                format!(
                    "`{key}` is a secret and is written literally in the file; write `${{VAR}}` and set that environment variable"
                ),
            ));
            continue;
        }
        if let Some(problem) = type_problem(value, setting) {
            out.push((path, format!("`{key}` {problem}")));
        }
    }
    for (name, setting) in &spec.settings {
        if setting.required && !platform.settings.contains_key(name) {
            let path = if platform.settings.is_empty() {
                entry_path.clone()
            } else {
                settings_path.clone()
            };
            let what = if setting.description.is_empty() {
                String::new()
            } else {
                format!(" ({})", setting.description)
            };
            out.push((
                path,
                format!("connector `{connector}` needs the setting `{name}`{what}"),
            ));
        }
    }
    for group in &spec.exactly_one_of {
        let given: Vec<&str> = group
            .iter()
            .filter(|k| platform.settings.contains_key(*k))
            .map(String::as_str)
            .collect();
        let names = group
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        match given.as_slice() {
            [_] => {}
            [] => out.push((
                settings_path.clone(),
                format!("connector `{connector}` needs one of the settings {names}"),
            )),
            [_, second, ..] => out.push((
                settings_path.key(second.to_string()),
                format!("set only one of {names}, not several"),
            )),
        }
    }
    out
}

/// Why a literal value does not fit its declared type, if it does not.
fn type_problem(value: &str, setting: &SettingSpec) -> Option<String> {
    let text = value.trim();
    match setting.kind {
        SettingType::String => None,
        SettingType::Boolean => (!matches!(text, "true" | "false"))
            .then(|| format!("is {value:?}; expected `true` or `false`")),
        SettingType::Integer => match text.parse::<i64>() {
            Err(_) => Some(format!("is {value:?}; expected a whole number")),
            Ok(n) => setting
                .min
                .filter(|min| n < *min)
                .map(|min| format!("is {n}; expected {min} or more")),
        },
        SettingType::Url => url_problem(text).map(|p| format!("is not a URL: {p}")),
        SettingType::Map => map_problem(text),
    }
}

/// Why a `map` setting's value (JSON text, as the config loader stores a YAML mapping) is
/// not a mapping of names to scalars, if it is not.
fn map_problem(text: &str) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(entries)) => entries
            .iter()
            .find(|(_, value)| value.is_object() || value.is_array())
            .map(|(key, _)| {
                format!("maps `{key}` to nested data; expected a mapping of names to text")
            }),
        _ => Some(format!(
            "is {text:?}; expected a mapping (`{{name: value, ...}}`)"
        )),
    }
}

/// Why `text` is not an absolute http(s) URL, if it is not.
pub fn url_problem(text: &str) -> Option<String> {
    let Some((scheme, rest)) = text.split_once("://") else {
        return Some(format!(
            "{text:?} has no scheme; expected `https://host[:port][/path]`"
        ));
    };
    if !matches!(scheme, "http" | "https") {
        return Some(format!(
            "{text:?}: the scheme must be `http` or `https`, not `{scheme}`"
        ));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!("{text:?} contains spaces"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Some(format!(
            "{text:?} carries credentials before `@`; credentials go under `credentials:`"
        ));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            (host, Some(port))
        }
        _ => (authority, None),
    };
    if host.is_empty() {
        return Some(format!("{text:?} has no host"));
    }
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '[' | ']' | ':'))
    {
        return Some(format!("{text:?}: `{host}` is not a host name"));
    }
    if let Some(port) = port
        && port.parse::<u16>().is_err()
    {
        return Some(format!("{text:?}: `{port}` is not a port number"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_need_a_scheme_a_host_and_a_numeric_port() {
        assert_eq!(url_problem("https://acme.atlassian.net"), None);
        assert_eq!(url_problem("http://127.0.0.1:18080/base"), None);
        assert!(
            url_problem("acme.atlassian.net")
                .unwrap()
                .contains("no scheme")
        );
        assert!(url_problem("ftp://x").unwrap().contains("scheme"));
        assert!(url_problem("https://").unwrap().contains("no host"));
        assert!(url_problem("https://x:port").unwrap().contains("port"));
        assert!(url_problem("https://a b").unwrap().contains("spaces"));
    }

    #[test]
    fn secret_names_are_recognised_by_their_words() {
        for name in [
            "token",
            "api_token",
            "webhook_secret",
            "API_KEY",
            "password",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["project", "story_points_field", "base_url", "repo"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }
}
