//! The `repo` setting: `owner/name`.

use pmsync_sdk::PluginError;

/// A repository, `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl Repo {
    /// Parses `owner/name` as given in the setting `setting`.
    pub fn parse(text: &str, setting: &str) -> Result<Repo, PluginError> {
        let valid_part = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match text.trim().split_once('/') {
            Some((owner, name)) if valid_part(owner) && valid_part(name) => Ok(Repo {
                owner: owner.to_owned(),
                name: name.to_owned(),
            }),
            _ => Err(PluginError::invalid_input(format!(
                "the plugin setting `{setting}` = {text:?} is not a repository: expected `owner/name`"
            ))),
        }
    }

    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// `{base}/repos/owner/name`.
    pub fn api_url(&self, base_url: &str) -> String {
        format!("{base_url}/repos/{}/{}", self.owner, self.name)
    }
}

/// A base URL setting without its trailing slashes.
pub fn trim_base_url(base_url: &str) -> String {
    base_url.trim().trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_and_name_are_split_and_bad_values_named() {
        let repo = Repo::parse("octokit-fixture-org/paginate-issues", "repo").expect("valid");
        assert_eq!(
            repo.api_url("https://api.github.com"),
            "https://api.github.com/repos/octokit-fixture-org/paginate-issues"
        );
        for bad in ["", "justname", "a/b/c", "/b", "a/", "a b/c"] {
            let error = Repo::parse(bad, "repo").unwrap_err();
            assert!(error.message().contains("`repo`"), "{bad}: {error:?}");
        }
    }
}
