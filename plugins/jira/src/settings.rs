//! The connector's settings, read from the host `config` import.

use pmsync_sdk::{PluginError, config};

/// One connector instance's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `https://acme.atlassian.net`, without a trailing slash.
    pub base_url: String,
    /// The project key new issues go to and listings are restricted to.
    pub project: String,
    /// Extra JQL ANDed to every listing.
    pub jql: Option<String>,
    /// The custom field holding story points.
    pub story_points_field: String,
    /// The entity property key holding `{"origin": marker}`.
    pub origin_property: String,
    /// The issue type of created issues that do not name one.
    pub default_issue_type: String,
    /// The UTC offset (`+02:00`) in which the Jira account reads JQL dates.
    pub jql_time_zone: chrono::FixedOffset,
    /// Whether listings read each issue's remote links (one request per issue).
    pub read_remote_links: bool,
}

impl Settings {
    /// Reads and checks the settings; a missing or malformed one is `invalid-input` naming it.
    pub fn load() -> Result<Settings, PluginError> {
        let base_url = config::require("base_url")?
            .trim_end_matches('/')
            .to_owned();
        let project = config::require("project")?.trim().to_owned();
        if project.is_empty() {
            return Err(PluginError::invalid_input(
                "the plugin setting `project` is empty",
            ));
        }
        let story_points_field = config::get_or("story_points_field", "customfield_10016");
        let origin_property = config::get_or("origin_property", "pmsync");
        if origin_property.is_empty()
            || !origin_property
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(PluginError::invalid_input(format!(
                "the plugin setting `origin_property` = {origin_property:?} must be letters, digits, `-`, `_` or `.`"
            )));
        }
        let zone = config::get_or("jql_time_zone", "+00:00");
        let jql_time_zone = parse_offset(&zone).ok_or_else(|| {
            PluginError::invalid_input(format!(
                "the plugin setting `jql_time_zone` = {zone:?} is not a UTC offset like +02:00"
            ))
        })?;
        let read_remote_links = match config::get_or("read_remote_links", "false").trim() {
            "true" => true,
            "false" => false,
            other => {
                return Err(PluginError::invalid_input(format!(
                    "the plugin setting `read_remote_links` = {other:?} must be true or false"
                )));
            }
        };
        Ok(Settings {
            base_url,
            read_remote_links,
            project,
            jql: config::get("jql").filter(|jql| !jql.trim().is_empty()),
            story_points_field,
            origin_property,
            default_issue_type: config::get_or("default_issue_type", "Task"),
            jql_time_zone,
        })
    }

    /// `https://acme.atlassian.net/rest/api/3{path}`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/rest/api/3{path}", self.base_url)
    }
}

fn parse_offset(text: &str) -> Option<chrono::FixedOffset> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("z") || text.eq_ignore_ascii_case("utc") {
        return chrono::FixedOffset::east_opt(0);
    }
    let sign = match text.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let (hours, minutes) = text[1..].split_once(':')?;
    let seconds = hours.parse::<i32>().ok()? * 3600 + minutes.parse::<i32>().ok()? * 60;
    chrono::FixedOffset::east_opt(sign * seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmsync_sdk::config::testing;

    #[test]
    fn defaults_apply_when_only_base_url_and_project_are_set() {
        crate::test_support::configure();
        let settings = Settings::load().expect("loads");
        assert_eq!(settings.story_points_field, "customfield_10016");
        assert_eq!(settings.origin_property, "pmsync");
        assert_eq!(settings.default_issue_type, "Task");
        assert_eq!(settings.jql, None);
        assert_eq!(
            settings.api("/issue/1"),
            "https://acme.atlassian.net/rest/api/3/issue/1"
        );
    }

    #[test]
    fn missing_project_and_bad_property_key_are_named() {
        testing::clear();
        testing::set("base_url", "https://acme.atlassian.net/");
        assert!(
            Settings::load()
                .unwrap_err()
                .message()
                .contains("`project`")
        );
        testing::set("project", "PROJ");
        testing::set("origin_property", "a]b");
        assert!(
            Settings::load()
                .unwrap_err()
                .message()
                .contains("origin_property")
        );
    }

    #[test]
    fn time_zone_offsets_parse() {
        assert_eq!(
            parse_offset("+02:00").map(|o| o.local_minus_utc()),
            Some(7200)
        );
        assert_eq!(
            parse_offset("-05:30").map(|o| o.local_minus_utc()),
            Some(-19800)
        );
        assert_eq!(parse_offset("CET"), None);
    }
}
