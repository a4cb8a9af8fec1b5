//! The operator's grants, derived from the sync config: each connector plugin may reach the
//! hosts its platform entry allows (`allow_hosts`) and have the credentials named under
//! `credentials` injected. Nothing else is granted.

use crate::plugin::{Grants, HostPattern, Manifest, PluginKind};
use pmsync_core::config::ConfigFile;

/// The connector platform a `platforms:` entry uses (its `connector`, or the entry's key).
pub fn connector_platform<'a>(config: &'a ConfigFile, entry: &'a str) -> &'a str {
    config
        .platforms
        .get(entry)
        .and_then(|p| p.connector.as_deref())
        .unwrap_or(entry)
}

/// Grants for every connector plugin that serves a platform of the config.
pub fn grants_for(config: &ConfigFile, manifests: &[Manifest]) -> Result<Grants, String> {
    let mut grants = Grants::default();
    for (entry, platform) in &config.platforms {
        let connector = connector_platform(config, entry);
        let Some(plugin) = manifests.iter().find(|m| {
            m.kind == PluginKind::Connector && m.provides.platform.as_deref() == Some(connector)
        }) else {
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
