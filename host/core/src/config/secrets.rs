//! Credentials: `${VAR}` references in the file, values from the environment at run time.
//! Resolved values print as `***` and never appear in errors.

use super::environment::env_reference;
use super::error::{ConfigError, ConfigPath};
use super::model::{ConfigFile, CredentialConfig};
use std::collections::BTreeMap;
use std::fmt;

pub use crate::secret::Secret;

/// A credential with its environment references resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolvedCredential {
    Bearer { token: Secret },
    Basic { user: Secret, token: Secret },
    Header { name: String, value: Secret },
}

/// Every platform's resolved credentials: platform → credential name → credential.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResolvedSecrets {
    pub platforms: BTreeMap<String, BTreeMap<String, ResolvedCredential>>,
}

impl ResolvedSecrets {
    pub fn get(&self, platform: &str, credential: &str) -> Option<&ResolvedCredential> {
        self.platforms.get(platform)?.get(credential)
    }
}

impl fmt::Display for ResolvedSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (platform, credentials) in &self.platforms {
            for name in credentials.keys() {
                writeln!(f, "{platform}.{name}: ***")?;
            }
        }
        Ok(())
    }
}

/// The parts of a credential as (key, value, whether it must be a reference). A Basic
/// `user` (an e-mail, an account name) may be written literally; tokens and header values
/// may not.
fn parts(credential: &CredentialConfig) -> Vec<(&'static str, &str, bool)> {
    match credential {
        CredentialConfig::Bearer { token } => vec![("token", token, true)],
        CredentialConfig::Basic { user, token } => {
            vec![("user", user, false), ("token", token, true)]
        }
        CredentialConfig::Header { value, .. } => vec![("value", value, true)],
    }
}

fn suggested_variable(platform: &str, part: &str) -> String {
    let mut name: String = platform
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    name.push('_');
    name.push_str(&if part == "value" {
        "TOKEN".to_string()
    } else {
        part.to_ascii_uppercase()
    });
    name
}

/// Refuses secrets written into the file. The error never repeats the value.
pub fn check_credentials_are_references(config: &ConfigFile) -> Result<(), ConfigError> {
    check_webhook_secrets_are_references(config)?;
    for (platform, settings) in &config.platforms {
        for (name, credential) in &settings.credentials {
            for (part, value, must_reference) in parts(credential) {
                let looks_like_reference = value.trim_start().starts_with('$');
                if env_reference(value).is_some() || (!must_reference && !looks_like_reference) {
                    continue;
                }
                let path = ConfigPath::root()
                    .key("platforms")
                    .key(platform.clone())
                    .key("credentials")
                    .key(name.clone())
                    .key(part);
                let variable = suggested_variable(platform, part);
                let message = if looks_like_reference {
                    format!(
                        "`{part}` of credential `{name}` is not a valid environment reference; write it as `${{{variable}}}` (letters, digits and `_` inside `${{...}}`)"
                    )
                } else {
                    format!(
                        "`{part}` of credential `{name}` is written literally in the file; secrets must come from the environment: write `${{{variable}}}` and set that environment variable"
                    )
                };
                return Err(ConfigError::at_path(path, message));
            }
        }
    }
    Ok(())
}

/// Refuses a `webhook_secret` written literally (or not as a whole `${VAR}` reference).
fn check_webhook_secrets_are_references(config: &ConfigFile) -> Result<(), ConfigError> {
    for (platform, settings) in &config.platforms {
        let Some(value) = &settings.webhook_secret else {
            continue;
        };
        if env_reference(value).is_none() {
            let variable = suggested_variable(platform, "webhook_secret");
            return Err(ConfigError::at_path(
                ConfigPath::root()
                    .key("platforms")
                    .key(platform.clone())
                    .key("webhook_secret"),
                format!(
                    "`webhook_secret` must come from the environment: write `${{{variable}}}` and set that environment variable"
                ),
            ));
        }
    }
    Ok(())
}

/// The webhook signing secret of every platform entry that has one, read through `env`
/// (for `serve`). A missing (or empty) variable is an error naming it and where it is used.
pub fn resolve_webhook_secrets(
    config: &ConfigFile,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, Secret>, ConfigError> {
    check_webhook_secrets_are_references(config)?;
    let mut out = BTreeMap::new();
    for (platform, settings) in &config.platforms {
        let Some(variable) = settings.webhook_secret.as_deref().and_then(env_reference) else {
            continue;
        };
        match env(variable).filter(|v| !v.is_empty()) {
            Some(value) => {
                out.insert(platform.clone(), Secret::new(value));
            }
            None => {
                return Err(ConfigError::at_path(
                    ConfigPath::root()
                        .key("platforms")
                        .key(platform.clone())
                        .key("webhook_secret"),
                    format!(
                        "environment variable `{variable}` is not set (or is empty); the webhook secret is read from it"
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// Resolves every credential reference through `env`. A missing (or empty) variable is an
/// error naming the variable and where it is used; with several, all are named.
pub fn resolve_secrets(
    config: &ConfigFile,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ResolvedSecrets, ConfigError> {
    check_credentials_are_references(config)?;
    let mut resolved = ResolvedSecrets::default();
    let mut missing: Vec<(String, ConfigPath)> = Vec::new();
    for (platform, settings) in &config.platforms {
        for (name, credential) in &settings.credentials {
            let path = ConfigPath::root()
                .key("platforms")
                .key(platform.clone())
                .key("credentials")
                .key(name.clone());
            let mut get = |part: &str, value: &str| -> Secret {
                let Some(variable) = env_reference(value) else {
                    return Secret::new(value);
                };
                match env(variable).filter(|v| !v.is_empty()) {
                    Some(v) => Secret::new(v),
                    None => {
                        missing.push((variable.to_string(), path.key(part)));
                        Secret::new("")
                    }
                }
            };
            let value = match credential {
                CredentialConfig::Bearer { token } => ResolvedCredential::Bearer {
                    token: get("token", token),
                },
                CredentialConfig::Basic { user, token } => ResolvedCredential::Basic {
                    user: get("user", user),
                    token: get("token", token),
                },
                CredentialConfig::Header { name, value } => ResolvedCredential::Header {
                    name: name.clone(),
                    value: get("value", value),
                },
            };
            resolved
                .platforms
                .entry(platform.clone())
                .or_default()
                .insert(name.clone(), value);
        }
    }
    match missing.as_slice() {
        [] => Ok(resolved),
        [(variable, path)] => Err(ConfigError::at_path(
            path.clone(),
            format!(
                "environment variable `{variable}` is not set (or is empty); this credential is read from it"
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::PlatformConfig;

    fn config_with(credential: CredentialConfig) -> ConfigFile {
        let mut platform = PlatformConfig::default();
        platform.credentials.insert("token".into(), credential);
        let mut config = ConfigFile::default();
        config.platforms.insert("github".into(), platform);
        config
    }

    #[test]
    fn a_literal_webhook_secret_is_refused_and_a_reference_resolves() {
        let mut config = ConfigFile::default();
        config.platforms.insert(
            "github".into(),
            crate::config::model::PlatformConfig {
                webhook_secret: Some("hunter2".into()),
                ..Default::default()
            },
        );
        let error = check_credentials_are_references(&config).expect_err("literal refused");
        let text = error.to_string();
        assert!(text.contains("platforms.github.webhook_secret"), "{text}");
        assert!(text.contains("${GITHUB_WEBHOOK_SECRET}"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");

        if let Some(p) = config.platforms.get_mut("github") {
            p.webhook_secret = Some("${HOOK}".into());
        }
        let missing = resolve_webhook_secrets(&config, &|_| None).expect_err("unset variable");
        assert!(
            missing.to_string().contains("`HOOK` is not set"),
            "{missing}"
        );
        let resolved = resolve_webhook_secrets(&config, &|name| {
            (name == "HOOK").then(|| "s3cret".to_string())
        })
        .expect("resolves");
        assert_eq!(resolved["github"].expose(), "s3cret");
    }

    #[test]
    fn resolved_secrets_print_as_stars() {
        let config = config_with(CredentialConfig::Bearer {
            token: "${GH}".into(),
        });
        let secrets = resolve_secrets(&config, &|v| {
            (v == "GH").then(|| "ghp_very_secret".to_string())
        })
        .unwrap();
        let shown = format!("{secrets:?} {secrets}");
        assert!(!shown.contains("ghp_very_secret"), "{shown}");
        assert!(shown.contains("***"));
        match secrets.get("github", "token") {
            Some(ResolvedCredential::Bearer { token }) => {
                assert_eq!(token.expose(), "ghp_very_secret")
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_missing_variable_is_named_with_where_it_is_used() {
        let config = config_with(CredentialConfig::Bearer {
            token: "${GITHUB_TOKEN}".into(),
        });
        let e = resolve_secrets(&config, &|_| None).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("`GITHUB_TOKEN`"), "{text}");
        assert!(
            text.contains("platforms.github.credentials.token.token"),
            "{text}"
        );
    }

    #[test]
    fn a_literal_token_is_refused_without_repeating_it() {
        let config = config_with(CredentialConfig::Bearer {
            token: "ghp_literal_secret".into(),
        });
        let e = check_credentials_are_references(&config)
            .unwrap_err()
            .to_string();
        assert!(e.contains("environment"), "{e}");
        assert!(e.contains("${GITHUB_TOKEN}"), "{e}");
        assert!(!e.contains("ghp_literal_secret"), "{e}");
    }

    #[test]
    fn a_basic_user_may_be_literal() {
        let config = config_with(CredentialConfig::Basic {
            user: "me@acme.test".into(),
            token: "${JIRA_TOKEN}".into(),
        });
        let secrets = resolve_secrets(&config, &|_| Some("t".into())).unwrap();
        match secrets.get("github", "token") {
            Some(ResolvedCredential::Basic { user, .. }) => {
                assert_eq!(user.expose(), "me@acme.test")
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
