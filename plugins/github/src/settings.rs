//! The connector's settings: `base_url` (default `https://api.github.com`) and `repo`
//! (`owner/name`).

use pmsync_github_common::repo::{Repo, trim_base_url};
use pmsync_sdk::{PluginError, config};

pub const DEFAULT_BASE_URL: &str = "https://api.github.com";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The REST API base, without a trailing slash.
    pub base_url: String,
    pub repo: Repo,
}

impl Settings {
    pub fn load() -> Result<Settings, PluginError> {
        Ok(Settings {
            base_url: trim_base_url(&config::get_or("base_url", DEFAULT_BASE_URL)),
            repo: Repo::parse(&config::require("repo")?, "repo")?,
        })
    }

    /// `{base}/repos/owner/name`.
    pub fn repo_url(&self) -> String {
        self.repo.api_url(&self.base_url)
    }
}
