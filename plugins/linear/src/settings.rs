//! The connector instance's settings.

use pmsync_sdk::{PluginError, config};

/// What the operator configured for this connector instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `{base_url}/graphql` is the endpoint (Linear: `https://api.linear.app`).
    pub base_url: String,
    /// The team key (`ENG`): issues are created in it and listed from it.
    pub team: String,
}

impl Settings {
    /// Reads `base_url` and `team`; a missing or empty one is an `invalid-input` error
    /// naming it.
    pub fn load() -> Result<Settings, PluginError> {
        let base_url = non_empty("base_url")?;
        let team = non_empty("team")?;
        Ok(Settings {
            base_url: base_url.trim_end_matches('/').to_owned(),
            team,
        })
    }

    /// The GraphQL endpoint.
    pub fn endpoint(&self) -> String {
        format!("{}/graphql", self.base_url)
    }
}

fn non_empty(key: &str) -> Result<String, PluginError> {
    let value = config::require(key)?;
    let value = value.trim();
    if value.is_empty() {
        return Err(PluginError::invalid_input(format!(
            "the Linear connector setting `{key}` is empty"
        )));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmsync_sdk::config::testing;

    #[test]
    fn endpoint_is_graphql_under_the_base_url_without_a_double_slash() {
        testing::clear();
        testing::set("base_url", "https://api.linear.app/");
        testing::set("team", "ENG");
        let settings = Settings::load().expect("settings load");
        assert_eq!(settings.endpoint(), "https://api.linear.app/graphql");
        assert_eq!(settings.team, "ENG");
    }

    #[test]
    fn a_missing_team_is_named_in_the_error() {
        testing::clear();
        testing::set("base_url", "https://api.linear.app");
        let error = Settings::load().unwrap_err();
        assert!(matches!(error, PluginError::InvalidInput(_)));
        assert!(error.message().contains("`team`"), "{error:?}");
    }
}
