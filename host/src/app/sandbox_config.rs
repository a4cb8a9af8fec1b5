//! Point a config at the sandbox platforms: every platform entry's `base_url` and granted
//! hosts go to the loopback simulator of its connector's platform, and credentials are the
//! sandbox's (any non-empty credential works there; none of them is a real secret).

use super::config_grants::connector_platform;
use pmsync_core::config::{
    ConfigFile, CredentialConfig, ResolvedCredential, ResolvedSecrets, Secret,
};
use pmsync_sandbox::{Platform, SandboxHandle};

/// The sandbox URL a connector of `platform` talks to, if the sandbox simulates it.
pub fn sandbox_base_url(handle: &SandboxHandle, platform: &str) -> Option<String> {
    match platform {
        "jira" => Some(handle.jira_url()),
        "github" | "github_projects" => Some(handle.github_url()),
        "linear" => Some(handle.linear_url().trim_end_matches("/graphql").to_string()),
        _ => None,
    }
}

/// The simulator serving a connector of `platform`, if the sandbox simulates it.
pub fn sandbox_platform(platform: &str) -> Option<Platform> {
    match platform {
        "jira" => Some(Platform::Jira),
        "github" | "github_projects" => Some(Platform::GitHub),
        "linear" => Some(Platform::Linear),
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

/// Opts a few sandbox items into the shipped examples' label filters, as a team would label
/// items to sync: Linear ENG-1..3 and Jira PROJ-2, PROJ-5 get `sync`
/// (`linear_to_jira.yaml`); the open GitHub issues #1..#3, Linear ENG-4 and Jira PROJ-3 get
/// `linear` (`github_to_linear.yaml`, `multi_sync.yaml`). Returns what it labelled.
pub fn label_example_items(handle: &SandboxHandle) -> Vec<String> {
    let mut labelled = Vec::new();
    let linear = handle.linear();
    for (ids, label) in [
        (&["ENG-1", "ENG-2", "ENG-3"][..], "sync"),
        (&["ENG-4"][..], "linear"),
    ] {
        let Some(label_id) = linear.label_id(label) else {
            continue;
        };
        for id in ids {
            let added = linear.edit(id, |issue| {
                if !issue.label_ids.contains(&label_id) {
                    issue.label_ids.push(label_id.clone());
                }
            });
            if added {
                labelled.push(format!("Linear {id}: {label}"));
            }
        }
    }
    for (key, label) in [("PROJ-2", "sync"), ("PROJ-5", "sync"), ("PROJ-3", "linear")] {
        let added = handle.jira().edit(key, |fields| {
            if let Some(serde_json::Value::Array(labels)) = fields.get_mut("labels")
                && !labels.iter().any(|l| l == label)
            {
                labels.push(label.into());
            }
        });
        if added {
            labelled.push(format!("Jira {key}: {label}"));
        }
    }
    for number in 1..=3u64 {
        let added = handle.github().edit(number, |issue| {
            if issue.state == "open" && !issue.labels.iter().any(|l| l == "linear") {
                issue.labels.push("linear".into());
            }
        });
        if added {
            labelled.push(format!("GitHub #{number}: linear (if open)"));
        }
    }
    labelled
}
