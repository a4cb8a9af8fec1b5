//! A config checked against the loaded plugins: the pure checks of `pmsync_core::config`
//! (each connector's settings against what its manifest declares) plus what needs the host's
//! grant syntax: every `allow_hosts` entry parses and covers the platform's base URL, which
//! the connector's manifest must ask for too. All findings carry file:line:col.

use super::platform_connectors::connector_info;
use crate::plugin::{HostPattern, Origin, PluginSet, connector_spec};
use pmsync_core::config::{
    Available, ConfigError, ConfigFile, ConfigPath, Diagnostic, PluginSettingsSpec, Severity,
    check_str, has_env_syntax, url_problem,
};

/// What the loaded plugins provide, for config validation: names, and what each connector
/// declares about its platform.
pub fn available(plugins: &PluginSet) -> Available {
    let mut available = Available::default();
    for info in plugins.inventory() {
        available.plugin_settings.insert(
            info.name.clone(),
            PluginSettingsSpec {
                kind: info.kind.to_string(),
                settings: info.settings.clone(),
            },
        );
        available
            .transforms
            .extend(info.provides.transforms.iter().cloned());
        available
            .resolvers
            .extend(info.provides.resolver.iter().cloned());
        if let Some(platform) = &info.provides.platform {
            available = available.with_spec(
                platform,
                connector_spec(info.connector.as_ref(), &info.settings),
            );
        }
    }
    available
}

/// Loads `text` and checks it against `plugins`; errors first, in document order.
pub fn check_config(
    text: &str,
    origin: &str,
    plugins: &PluginSet,
) -> Result<(ConfigFile, Vec<Diagnostic>), ConfigError> {
    let (config, mut diagnostics) = check_str(text, origin, &available(plugins))?;
    for mut d in allow_hosts_findings(&config, plugins) {
        d.locate_in(text, origin);
        diagnostics.push(d);
    }
    diagnostics.sort_by_key(|d| d.severity);
    Ok((config, diagnostics))
}

fn error(path: ConfigPath, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        path,
        message,
        location: None,
    }
}

fn allow_hosts_findings(config: &ConfigFile, plugins: &PluginSet) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (entry, platform) in &config.platforms {
        let base = ConfigPath::root().key("platforms").key(entry.clone());
        let mut patterns = Vec::new();
        let mut from_environment = false;
        for (i, host) in platform.allow_hosts.iter().enumerate() {
            if has_env_syntax(host) {
                from_environment = true;
                continue;
            }
            match HostPattern::parse(host) {
                Ok(p) => patterns.push(p),
                Err(e) => out.push(error(
                    base.key("allow_hosts").index(i),
                    format!("`{host}` is not a host pattern: {e}"),
                )),
            }
        }
        let Ok(info) = connector_info(config, entry, plugins) else {
            continue;
        };
        let Some((name, spec)) = info.settings.iter().find(|(_, s)| s.base_url) else {
            continue;
        };
        let Some(url) = platform
            .settings
            .get(name)
            .or(spec.default.as_ref())
            .map(|u| u.trim().to_string())
        else {
            continue;
        };
        if has_env_syntax(&url) || url_problem(&url).is_some() {
            continue;
        }
        let Ok(origin) = Origin::of_url(&url) else {
            continue;
        };
        let grant = format!("{}://{}:{}", origin.scheme, origin.host, origin.port);
        let url_path = if platform.settings.contains_key(name) {
            base.key("settings").key(name.clone())
        } else {
            base.clone()
        };
        if platform.allow_hosts.is_empty() {
            out.push(error(
                base.clone(),
                format!("no `allow_hosts`: the connector may reach nothing; add `allow_hosts: [\"{grant}\"]` for `{name}` {url}"),
            ));
        } else if !from_environment && !patterns.iter().any(|p| p.allows(&origin)) {
            out.push(error(
                base.key("allow_hosts"),
                format!("no entry of `allow_hosts` covers `{name}` {url}; add \"{grant}\""),
            ));
        }
        if !info.asked.hosts.iter().any(|p| p.allows(&origin)) {
            let asked: Vec<String> = info.asked.hosts.iter().map(|h| h.to_string()).collect();
            out.push(error(
                url_path,
                format!(
                    "connector `{}` asks only for {} (its plugin.toml); requests to {url} would be denied",
                    info.name,
                    if asked.is_empty() { "no hosts".to_string() } else { asked.join(", ") }
                ),
            ));
        }
    }
    out
}
