//! The connector's settings:
//! - `base_url`: the API base; GraphQL is `POST {base_url}/graphql` (default
//!   `https://api.github.com`);
//! - `rest_base_url`: the REST base for creating and finding issues (default: `base_url`;
//!   set it for GitHub Enterprise, where REST is `/api/v3` and GraphQL `/api/graphql`);
//! - `org` (an organisation's login) or `user` (a user's login): the project's owner;
//! - `project_number`: the project's number in its owner's URL (`.../projects/5`);
//! - `repo` (`owner/name`): where new issues are created and origin markers searched.

use pmsync_github_common::repo::{Repo, trim_base_url};
use pmsync_sdk::{PluginError, config};

pub const DEFAULT_BASE_URL: &str = "https://api.github.com";

/// Who owns the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Organization(String),
    User(String),
}

impl Owner {
    /// The GraphQL root field that finds the owner.
    pub fn root_field(&self) -> &'static str {
        match self {
            Owner::Organization(_) => "organization",
            Owner::User(_) => "user",
        }
    }

    pub fn login(&self) -> &str {
        match self {
            Owner::Organization(login) | Owner::User(login) => login,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub base_url: String,
    pub rest_base_url: String,
    pub owner: Owner,
    pub project_number: i64,
    repo: Option<String>,
}

impl Settings {
    pub fn load() -> Result<Settings, PluginError> {
        let base_url = trim_base_url(&config::get_or("base_url", DEFAULT_BASE_URL));
        let rest_base_url = config::get("rest_base_url")
            .map_or_else(|| base_url.clone(), |url| trim_base_url(&url));
        let owner = match (config::get("org"), config::get("user")) {
            (Some(org), None) if !org.trim().is_empty() => {
                Owner::Organization(org.trim().to_owned())
            }
            (None, Some(user)) if !user.trim().is_empty() => Owner::User(user.trim().to_owned()),
            (Some(_), Some(_)) => {
                return Err(PluginError::invalid_input(
                    "set either the plugin setting `org` or `user`, not both",
                ));
            }
            _ => {
                return Err(PluginError::invalid_input(
                    "the plugin setting `org` (or `user`) is required: the login that owns the project",
                ));
            }
        };
        let number_text = config::require("project_number")?;
        let project_number = number_text.trim().parse::<i64>().ok().filter(|number| *number > 0).ok_or_else(|| {
            PluginError::invalid_input(format!(
                "the plugin setting `project_number` = {number_text:?} is not a project number (a positive whole number)"
            ))
        })?;
        Ok(Settings {
            base_url,
            rest_base_url,
            owner,
            project_number,
            repo: config::get("repo"),
        })
    }

    /// The repository new issues go to; required for `create` and `find-by-origin`.
    pub fn repo(&self) -> Result<Repo, PluginError> {
        let text = self.repo.as_deref().ok_or_else(|| {
            PluginError::invalid_input(
                "the plugin setting `repo` (`owner/name`) is required to create issues and find them by origin",
            )
        })?;
        Repo::parse(text, "repo")
    }

    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.base_url)
    }

    /// Identifies the project, for caches.
    pub fn project_key(&self) -> String {
        format!(
            "{} {}:{}#{}",
            self.base_url,
            self.owner.root_field(),
            self.owner.login(),
            self.project_number
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_and_number_are_required_and_checked() {
        config::testing::clear();
        config::testing::set("project_number", "5");
        assert!(Settings::load().unwrap_err().message().contains("`org`"));
        config::testing::set("org", "octo-org");
        let settings = Settings::load().expect("valid");
        assert_eq!(settings.graphql_url(), "https://api.github.com/graphql");
        assert_eq!(settings.owner, Owner::Organization("octo-org".to_owned()));
        assert!(settings.repo().unwrap_err().message().contains("`repo`"));
        config::testing::set("project_number", "five");
        assert!(
            Settings::load()
                .unwrap_err()
                .message()
                .contains("`project_number`")
        );
        config::testing::set("project_number", "5");
        config::testing::set("user", "octocat");
        assert!(Settings::load().unwrap_err().message().contains("not both"));
    }
}
