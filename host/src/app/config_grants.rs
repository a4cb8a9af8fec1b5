//! The operator's grants, derived from the sync config: each connector plugin may reach the
//! hosts its platform entry allows (`allow_hosts`) and have the credentials named under
//! `credentials` injected; transformers and resolvers get their `plugins.settings`.
//! Nothing else is granted.

use crate::plugin::{Grants, HostPattern, LimitCaps, Manifest, Pin, PluginKind};
use pmsync_core::config::ConfigFile;

/// The connector platform a `platforms:` entry uses (its `connector`, or the entry's key).
pub fn connector_platform<'a>(config: &'a ConfigFile, entry: &'a str) -> &'a str {
    config
        .platforms
        .get(entry)
        .and_then(|p| p.connector.as_deref())
        .unwrap_or(entry)
}

/// Grants for the connector plugin that serves each platform of the config, and the
/// config's pins. A platform's grant goes to the plugin its pin names, or to the one
/// connector providing it; when two provide it and no pin chooses, to neither (loading
/// refuses both).
pub fn grants_for(config: &ConfigFile, manifests: &[Manifest]) -> Result<Grants, String> {
    let mut grants = Grants {
        trust: Some(crate::bundle::TrustPolicy::from_config(
            &config.plugins.trust,
        )),
        ..Grants::default()
    };
    for (name, pin) in &config.plugins.pins {
        grants.pins.insert(
            name.clone(),
            Pin {
                plugin: pin.plugin.clone(),
                version: pin.version.clone(),
                sha256: pin.sha256.clone(),
            },
        );
    }
    for (plugin, settings) in &config.plugins.settings {
        grants.plugins.entry(plugin.clone()).or_default().settings = settings.clone();
    }
    for (plugin, limits) in &config.plugins.limits {
        grants.plugins.entry(plugin.clone()).or_default().set_limits = LimitCaps {
            memory_mb: limits.memory_mb,
            timeout_ms: limits.timeout_ms,
            fuel: limits.fuel,
            max_output_bytes: limits.max_output_bytes,
        };
    }
    for (entry, platform) in &config.platforms {
        let connector = connector_platform(config, entry);
        let providers: Vec<&Manifest> = manifests
            .iter()
            .filter(|m| {
                m.kind == PluginKind::Connector && m.provides.platform.as_deref() == Some(connector)
            })
            .collect();
        let plugin = match grants.pins.get(connector) {
            Some(pin) => providers.iter().find(|m| m.name == pin.plugin),
            None if providers.len() == 1 => providers.first(),
            None => None,
        };
        let Some(plugin) = plugin else {
            continue;
        };
        let grant = grants.plugins.entry(plugin.name.clone()).or_default();
        for host in &platform.allow_hosts {
            let pattern = HostPattern::parse(host)
                .map_err(|e| format!("platforms.{entry}.allow_hosts: `{host}`: {e}"))?;
            if !grant.hosts.contains(&pattern) {
                grant.hosts.push(pattern);
            }
        }
        for name in platform.credentials.keys() {
            if !grant.secrets.contains(name) {
                grant.secrets.push(name.clone());
            }
        }
    }
    Ok(grants)
}
