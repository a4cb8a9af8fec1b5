//! One loaded config as the service runs it: the config, its plugins and secrets, and for
//! each platform entry how its webhook deliveries are signed and with which secret. A reload
//! builds a new generation; the old one keeps running until the new one is complete.

use crate::app::connector_info;
use crate::http::Secret;
use crate::http::webhook_signature::WebhookScheme;
use crate::plugin::PluginSet;
use chrono::{DateTime, Utc};
use pmsync_core::config::{ConfigFile, ResolvedSecrets};
use std::collections::BTreeMap;

/// How one platform entry's deliveries are checked.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// What the entry's connector declares (`webhook_signature` in its plugin.toml).
    pub scheme: Option<WebhookScheme>,
    /// `platforms.<entry>.webhook_secret`, resolved; `None`: deliveries are refused.
    pub secret: Option<Secret>,
}

/// A loaded, checked config with everything the service needs to run it.
pub struct Generation {
    /// 1 for the config the service started with, then one more per successful reload.
    pub number: u64,
    /// Where the config came from (its path).
    pub origin: String,
    pub config: ConfigFile,
    pub plugins: PluginSet,
    pub secrets: ResolvedSecrets,
    pub endpoints: BTreeMap<String, Endpoint>,
    pub loaded_at: DateTime<Utc>,
}

impl Generation {
    /// A generation of `config`; `webhook_secrets` by platform entry.
    pub fn new(
        origin: String,
        config: ConfigFile,
        plugins: PluginSet,
        secrets: ResolvedSecrets,
        webhook_secrets: BTreeMap<String, pmsync_core::config::Secret>,
    ) -> Generation {
        let endpoints = config
            .platforms
            .keys()
            .map(|entry| {
                let scheme = connector_info(&config, entry, &plugins)
                    .ok()
                    .and_then(|info| info.connector)
                    .and_then(|c| c.webhook_signature);
                let secret = webhook_secrets.get(entry).map(|s| Secret::new(s.expose()));
                (entry.clone(), Endpoint { scheme, secret })
            })
            .collect();
        Generation {
            number: 1,
            origin,
            config,
            plugins,
            secrets,
            endpoints,
            loaded_at: Utc::now(),
        }
    }

    /// The shortest `sync_interval` of its syncs: how often the reconcile sweep runs.
    pub fn sweep_interval(&self) -> std::time::Duration {
        let seconds = self
            .config
            .syncs
            .iter()
            .map(|s| s.sync_interval)
            .min()
            .unwrap_or(300)
            .max(1);
        std::time::Duration::from_secs(seconds)
    }
}
