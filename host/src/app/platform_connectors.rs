//! Connector instances for the platforms of a config: a WASM connector plugin reaching its
//! platform through a host [`Gateway`] that holds the grants and the credentials.

use super::config_grants::connector_platform;
use crate::connector::Connector;
use crate::http::{
    Credential, Gateway, GatewayConfig, GatewaySettings, HttpTransport, LimiterRegistry,
    PlatformKind, RatePolicy,
};
use crate::plugin::{PluginInfo, PluginKind, PluginSet};
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
        ResolvedCredential::Bearer { token } => Credential::Bearer(token.clone()),
        ResolvedCredential::Basic { user, token } => Credential::Basic {
            user: user.expose().to_string(),
            token: token.clone(),
        },
        ResolvedCredential::Header { name, value } => Credential::Raw {
            header: name.clone(),
            value: value.clone(),
        },
    }
}

/// The connector plugin serving the `platforms:` entry `entry`.
pub fn connector_info(
    config: &ConfigFile,
    entry: &str,
    plugins: &PluginSet,
) -> Result<PluginInfo, String> {
    let platform = connector_platform(config, entry);
    plugins
        .inventory()
        .into_iter()
        .find(|p| {
            p.kind == PluginKind::Connector && p.provides.platform.as_deref() == Some(platform)
        })
        .ok_or_else(|| {
            format!("no connector plugin provides platform `{platform}` (for `{entry}`)")
        })
}

/// The network access of the connector `info` for the entry `entry`: its grants, the
/// entry's credentials, and the platform's shared rate limiter with the rate policy the
/// connector's manifest declares.
pub fn gateway_for(
    config: &ConfigFile,
    entry: &str,
    info: &PluginInfo,
    secrets: &ResolvedSecrets,
    network: &Network,
    settings: GatewaySettings,
) -> Result<Arc<Gateway>, String> {
    let platform = connector_platform(config, entry);
    let grants = info.granted.hosts.clone();
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
        let policy = info
            .connector
            .as_ref()
            .map(|c| c.rate_policy())
            .unwrap_or_else(|| RatePolicy::declared(PlatformKind::Generic, None));
        match network.min_write_interval {
            Some(interval) => policy.with_min_write_interval(interval),
            None => policy,
        }
    });
    Ok(Arc::new(Gateway::new(
        GatewayConfig {
            plugin: info.name.clone(),
            grants,
            declared_credentials: declared,
            credentials,
            settings,
        },
        network.transport.clone(),
        limiter,
    )))
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
    let info = connector_info(config, entry, plugins)?;
    let gateway = gateway_for(
        config,
        entry,
        &info,
        secrets,
        network,
        GatewaySettings::default(),
    )?;
    plugins
        .connector(
            connector_platform(config, entry),
            platform_config.settings.clone(),
            gateway,
        )
        .map_err(|e| format!("connector for `{entry}`: {e}"))
}
