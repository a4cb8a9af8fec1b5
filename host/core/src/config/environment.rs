//! `${VAR}` references: where a config file may use them (credentials, connector settings,
//! `allow_hosts`), refusing them everywhere else, and expanding them from the environment
//! before a run. Only a whole value can be a reference.

use super::error::{ConfigError, ConfigPath};
use super::model::ConfigFile;
use super::settings::is_secret_name;

/// The variable name of a whole-value `${NAME}` reference.
pub fn env_reference(value: &str) -> Option<&str> {
    let name = value.trim().strip_prefix("${")?.strip_suffix('}')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(name)
}

/// Whether text contains `${`, i.e. means to reference the environment.
pub fn has_env_syntax(value: &str) -> bool {
    value.contains("${")
}

/// Whether `${VAR}` is expanded at `path` (the key path from the top of the file).
fn expanded_at(path: &[String]) -> bool {
    matches!(
        path,
        [platforms, _, section, ..]
            if platforms == "platforms"
                && matches!(section.as_str(), "credentials" | "settings" | "allow_hosts" | "webhook_secret")
    )
}

/// Refuses `${VAR}` where nothing expands it (sync names, filters, mappings, ...): it would
/// be used as the literal text `${VAR}`.
pub(crate) fn check_references_are_expanded(top: &serde_yaml_ng::Value) -> Result<(), ConfigError> {
    let mut path = Vec::new();
    walk(top, &mut path)
}

fn walk(value: &serde_yaml_ng::Value, path: &mut Vec<String>) -> Result<(), ConfigError> {
    use serde_yaml_ng::Value as Y;
    match value {
        Y::String(text) if has_env_syntax(text) && !expanded_at(path) => Err(ConfigError::at_path(
            to_config_path(path),
            format!(
                "{text:?}: `${{VAR}}` is not expanded here; environment references work only in `credentials:`, connector `settings:`, `allow_hosts` and `webhook_secret`"
            ),
        )),
        Y::String(text) if has_env_syntax(text) && env_reference(text).is_none() => {
            Err(ConfigError::at_path(
                to_config_path(path),
                "an environment reference must be the whole value, `${NAME}` (letters, digits and `_` inside)",
            ))
        }
        Y::Mapping(map) => {
            for (key, child) in map {
                let key = match key {
                    Y::String(s) => s.clone(),
                    other => serde_yaml_ng::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                path.push(key);
                let result = walk(child, path);
                path.pop();
                result?;
            }
            Ok(())
        }
        Y::Sequence(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(format!("[{i}]"));
                let result = walk(child, path);
                path.pop();
                result?;
            }
            Ok(())
        }
        Y::Tagged(tagged) => walk(&tagged.value, path),
        _ => Ok(()),
    }
}

fn to_config_path(path: &[String]) -> ConfigPath {
    let mut out = ConfigPath::root();
    for part in path {
        out = match part
            .strip_prefix('[')
            .and_then(|p| p.strip_suffix(']'))
            .and_then(|i| i.parse::<usize>().ok())
        {
            Some(index) => out.index(index),
            None => out.key(part.clone()),
        };
    }
    out
}

/// Refuses connector settings whose name says they are secrets (`token`, `api_key`, ...)
/// written literally: `export-config` prints settings. The error never repeats the value.
pub(crate) fn check_settings_hold_no_literal_secrets(
    config: &ConfigFile,
) -> Result<(), ConfigError> {
    for (entry, platform) in &config.platforms {
        for (key, value) in &platform.settings {
            if is_secret_name(key) && env_reference(value).is_none() {
                return Err(ConfigError::at_path(
                    ConfigPath::root()
                        .key("platforms")
                        .key(entry.clone())
                        .key("settings")
                        .key(key.clone()),
                    format!(
                        "`{key}` looks like a secret written literally under `settings:` (which `export-config` prints); put credentials under `credentials:` as `${{VAR}}` references"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Replaces every `${VAR}` in connector settings and `allow_hosts` by the variable's value.
/// A missing (or empty) variable is an error naming it and where it is used; with several,
/// all are named. Credentials are resolved separately ([`super::resolve_secrets`]).
pub fn expand_environment(
    config: &mut ConfigFile,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    let mut missing: Vec<(String, ConfigPath)> = Vec::new();
    for (entry, platform) in config.platforms.iter_mut() {
        let base = ConfigPath::root().key("platforms").key(entry.clone());
        for (key, value) in platform.settings.iter_mut() {
            expand(value, env, &mut missing, || {
                base.key("settings").key(key.clone())
            });
        }
        for (i, host) in platform.allow_hosts.iter_mut().enumerate() {
            expand(host, env, &mut missing, || base.key("allow_hosts").index(i));
        }
    }
    match missing.as_slice() {
        [] => Ok(()),
        [(variable, path)] => Err(ConfigError::at_path(
            path.clone(),
            format!(
                "environment variable `{variable}` is not set (or is empty); this value is read from it"
            ),
        )),
        [(_, first), ..] => Err(ConfigError::at_path(
            first.clone(),
            format!(
                "environment variables not set (or empty): {}",
                missing
                    .iter()
                    .map(|(v, p)| format!("`{v}` (for `{p}`)"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn expand(
    value: &mut String,
    env: &dyn Fn(&str) -> Option<String>,
    missing: &mut Vec<(String, ConfigPath)>,
    path: impl FnOnce() -> ConfigPath,
) {
    let Some(variable) = env_reference(value) else {
        return;
    };
    match env(variable).filter(|v| !v.is_empty()) {
        Some(v) => *value = v,
        None => missing.push((variable.to_string(), path())),
    }
}
