//! Connector instances for the platforms of a config: a WASM connector plugin reaching its
//! platform through a host [`Gateway`] that holds the grants and the credentials.

use super::config_grants::connector_platform;
use crate::connector::Connector;
use crate::http::{
    Credential, Gateway, GatewayConfig, GatewaySettings, HttpTransport, LimiterRegistry,
    OriginGrant, RatePolicy, Secret,
};
use crate::plugin::{PluginKind, PluginSet};
use pmsync_core::config::{ConfigFile, ResolvedCredential, ResolvedSecrets};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Shared network state for one run: the transport and the per-platform rate limiters.
pub struct Network {
    pub transport: Arc<HttpTransport>,
    pub limiters: LimiterRegistry,
    /// Overrides the minimum spacing of writes for every platform (tests and the sandbox).
    pub min_write_interval: Option<Option<std::time::Duration>>,
}

fn credential(resolved: &ResolvedCredential) -> Credential {
    match resolved {
        ResolvedCredential::Bearer { token } => Credential::Bearer(Secret::new(token.expose())),
        ResolvedCredential::Basic { user, token } => Credential::Basic {
            user: user.expose().to_string(),
            token: Secret::new(token.expose()),
        },
        ResolvedCredential::Header { name, value } => Credential::Raw {
            header: name.clone(),
            value: Secret::new(value.expose()),
        },
    }
}

/// Builds the connector for the `platforms:` entry `entry`.
pub fn connector_for(
    config: &ConfigFile,
    entry: &str,
    plugins: &PluginSet,
    secrets: &ResolvedSecrets,
    network: &Network,
) -> Result<Box<dyn Connector>, String> {
    let platform_config = config.platforms.get(entry).cloned().unwrap_or_default();
    let platform = connector_platform(config, entry);
    let info = plugins
        .inventory()
        .into_iter()
        .find(|p| {
            p.kind == PluginKind::Connector && p.provides.platform.as_deref() == Some(platform)
        })
        .ok_or_else(|| {
            format!("no connector plugin provides platform `{platform}` (for `{entry}`)")
        })?;
    let mut grants = Vec::new();
    for host in &info.granted.hosts {
        grants.push(
            OriginGrant::parse(&host.to_string())
                .map_err(|e| format!("plugin {}: granted host `{host}`: {e}", info.name))?,
        );
    }
    let credentials: BTreeMap<String, Credential> = secrets
        .platforms
        .get(entry)
        .map(|c| {
            c.iter()
                .map(|(name, cred)| (name.clone(), credential(cred)))
                .collect()
        })
        .unwrap_or_default();
    let declared: BTreeSet<String> = info.asked.secrets.iter().cloned().collect();
    let limiter = network.limiters.limiter(platform, || {
        let policy = RatePolicy::for_platform(platform);
        match network.min_write_interval {
            Some(interval) => policy.with_min_write_interval(interval),
            None => policy,
        }
    });
    let gateway = Gateway::new(
        GatewayConfig {
            plugin: info.name.clone(),
            grants,
            declared_credentials: declared,
            credentials,
            settings: GatewaySettings::default(),
        },
        network.transport.clone(),
        limiter,
    );
    plugins
        .connector(
            platform,
            platform_config.settings.clone(),
            Arc::new(gateway),
        )
        .map_err(|e| format!("connector for `{entry}`: {e}"))
}
