//! Point a config at the sandbox platforms: every platform entry's `base_url` and granted
//! hosts go to the loopback simulator of its connector's platform, and credentials are the
//! sandbox's (any non-empty credential works there; none of them is a real secret).

use super::grants::connector_platform;
use crate::sandbox::SandboxHandle;
use pmsync_core::config::{
    ConfigFile, CredentialConfig, ResolvedCredential, ResolvedSecrets, Secret,
};

/// The sandbox URL a connector of `platform` talks to, if the sandbox simulates it.
pub fn sandbox_base_url(handle: &SandboxHandle, platform: &str) -> Option<String> {
    match platform {
        "jira" => Some(handle.jira_url()),
        "github" | "github_projects" => Some(handle.github_url()),
        "linear" => Some(handle.linear_url().trim_end_matches("/graphql").to_string()),
        _ => None,
    }
}

/// Rewrites `config` to use the sandbox and returns sandbox credentials for it.
pub fn point_at_sandbox(
    config: &mut ConfigFile,
    handle: &SandboxHandle,
) -> Result<ResolvedSecrets, String> {
    let mut secrets = ResolvedSecrets::default();
    let entries: Vec<String> = config.platforms.keys().cloned().collect();
    for entry in entries {
        let platform = connector_platform(config, &entry).to_string();
        let url = sandbox_base_url(handle, &platform).ok_or_else(|| {
            format!("platforms.{entry}: the sandbox has no `{platform}` platform")
        })?;
        let Some(p) = config.platforms.get_mut(&entry) else {
            continue;
        };
        p.settings.insert("base_url".into(), url);
        p.allow_hosts = vec!["http://127.0.0.1:*".into()];
        let credentials = p
            .credentials
            .iter()
            .map(|(name, credential)| {
                let resolved = match credential {
                    CredentialConfig::Bearer { .. } => ResolvedCredential::Bearer {
                        token: Secret::new("sandbox"),
                    },
                    CredentialConfig::Basic { .. } => ResolvedCredential::Basic {
                        user: Secret::new("sandbox@example.com"),
                        token: Secret::new("sandbox"),
                    },
                    CredentialConfig::Header { name, .. } => ResolvedCredential::Header {
                        name: name.clone(),
                        value: Secret::new("sandbox"),
                    },
                };
                (name.clone(), resolved)
            })
            .collect();
        secrets.platforms.insert(entry, credentials);
    }
    Ok(secrets)
}
