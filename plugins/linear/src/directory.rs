//! Name → id lookups (the team, its workflow states, labels, users), fetched page by page
//! with Relay cursors and cached for the life of the plugin instance (one sync run).
//!
//! A name that is not in the cache is looked up once more before it is refused, so a label
//! or state created during the run is found; a name that is still unknown is an
//! `invalid-input` error listing some of the valid names.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use pmsync_sdk::PluginError;

use crate::fields::Directory;
use crate::graphql::{self, Connection};
use crate::settings::Settings;

/// Page size of lookups (Linear's maximum).
const PAGE_SIZE: u32 = 250;
/// A bound on pages per lookup, against a server that never says "last page".
const MAX_PAGES: usize = 400;
/// How many valid names an "unknown name" error lists.
const NAMES_LISTED: usize = 8;

pub const TEAMS: &str = "query PmsyncTeams($filter: TeamFilter, $first: Int, $after: String) { \
     teams(filter: $filter, first: $first, after: $after) { \
     nodes { id key name } pageInfo { hasNextPage endCursor } } }";

pub const STATES: &str = "query PmsyncWorkflowStates($filter: WorkflowStateFilter, $first: Int, \
     $after: String) { workflowStates(filter: $filter, first: $first, after: $after) { \
     nodes { id name type team { id key } } pageInfo { hasNextPage endCursor } } }";

pub const LABELS: &str = "query PmsyncIssueLabels($filter: IssueLabelFilter, $first: Int, \
     $after: String) { issueLabels(filter: $filter, first: $first, after: $after) { \
     nodes { id name isGroup team { id key } } pageInfo { hasNextPage endCursor } } }";

pub const USERS: &str = "query PmsyncUsers($first: Int, $after: String) { \
     users(first: $first, after: $after) { \
     nodes { id name displayName email active } pageInfo { hasNextPage endCursor } } }";

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Team {
    pub id: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct TeamRef {
    key: String,
}

/// A workflow state or label.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Named {
    id: String,
    name: String,
    #[serde(default)]
    is_group: Option<bool>,
    #[serde(default)]
    team: Option<TeamRef>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct User {
    id: String,
    name: Option<String>,
    display_name: Option<String>,
    email: Option<String>,
}

/// Everything looked up so far, for one (`base_url`, `team`). Part of the plugin's state, so
/// it lives as long as the instance.
#[derive(Debug, Default)]
pub struct Cache {
    owner: Option<(String, String)>,
    team: Option<Team>,
    states: Option<Vec<Named>>,
    labels: Option<Vec<Named>>,
    users: Option<Vec<User>>,
}

/// Lookups against the Linear workspace of `settings`, through the instance cache.
pub struct CachedDirectory<'a> {
    settings: &'a Settings,
    cache: &'a mut Cache,
}

impl<'a> CachedDirectory<'a> {
    /// Lookups through `cache`, which is emptied first if it belongs to other settings.
    pub fn new(settings: &'a Settings, cache: &'a mut Cache) -> CachedDirectory<'a> {
        let owner = (settings.base_url.clone(), settings.team.clone());
        if cache.owner.as_ref() != Some(&owner) {
            *cache = Cache {
                owner: Some(owner),
                ..Cache::default()
            };
        }
        CachedDirectory { settings, cache }
    }

    /// The configured team (its id is needed to create issues).
    pub fn team(&mut self) -> Result<Team, PluginError> {
        if let Some(team) = self.cache.team.clone() {
            return Ok(team);
        }
        let key = &self.settings.team;
        let teams: Vec<Team> = fetch_all(
            self.settings,
            "PmsyncTeams",
            TEAMS,
            "teams",
            json!({"filter": {"key": {"eq": key}}}),
        )?;
        let team = teams
            .iter()
            .find(|team| team.key.eq_ignore_ascii_case(key))
            .cloned()
            .ok_or_else(|| {
                PluginError::invalid_input(format!(
                    "Linear has no team with the key `{key}` (setting `team`){}",
                    valid_names(teams.iter().map(|team| team.key.as_str()))
                ))
            })?;
        self.cache.team = Some(team.clone());
        Ok(team)
    }

    fn states(&mut self, refresh: bool) -> Result<(Vec<Named>, bool), PluginError> {
        let settings = self.settings;
        cached(&mut self.cache.states, refresh, || {
            let team = &settings.team;
            let states: Vec<Named> = fetch_all(
                settings,
                "PmsyncWorkflowStates",
                STATES,
                "workflowStates",
                json!({"filter": {"team": {"key": {"eq": team}}}}),
            )?;
            Ok(states
                .into_iter()
                .filter(|state| {
                    state
                        .team
                        .as_ref()
                        .is_none_or(|owner| owner.key.eq_ignore_ascii_case(team))
                })
                .collect())
        })
    }

    fn labels(&mut self, refresh: bool) -> Result<(Vec<Named>, bool), PluginError> {
        let settings = self.settings;
        cached(&mut self.cache.labels, refresh, || {
            let team = &settings.team;
            let labels: Vec<Named> = fetch_all(
                settings,
                "PmsyncIssueLabels",
                LABELS,
                "issueLabels",
                json!({"filter": {"or": [
                    {"team": {"null": true}},
                    {"team": {"key": {"eq": team}}}
                ]}}),
            )?;
            // Workspace labels and this team's labels; label groups cannot be applied.
            Ok(labels
                .into_iter()
                .filter(|label| label.is_group != Some(true))
                .filter(|label| {
                    label
                        .team
                        .as_ref()
                        .is_none_or(|owner| owner.key.eq_ignore_ascii_case(team))
                })
                .collect())
        })
    }

    fn users(&mut self, refresh: bool) -> Result<(Vec<User>, bool), PluginError> {
        let settings = self.settings;
        cached(&mut self.cache.users, refresh, || {
            fetch_all(settings, "PmsyncUsers", USERS, "users", json!({}))
        })
    }
}

impl Directory for CachedDirectory<'_> {
    fn state_id(&mut self, name: &str) -> Result<String, PluginError> {
        let find = |states: &[Named]| {
            states
                .iter()
                .find(|state| state.name.eq_ignore_ascii_case(name.trim()))
                .map(|state| state.id.clone())
        };
        let (states, fresh) = self.states(false)?;
        if let Some(id) = find(&states) {
            return Ok(id);
        }
        let states = if fresh { states } else { self.states(true)?.0 };
        find(&states).ok_or_else(|| {
            PluginError::invalid_input(format!(
                "`state`: Linear team {} has no workflow state `{name}`{}",
                self.settings.team,
                valid_names(states.iter().map(|state| state.name.as_str()))
            ))
        })
    }

    fn label_id(&mut self, name: &str) -> Result<String, PluginError> {
        let find = |labels: &[Named]| {
            labels
                .iter()
                .find(|label| label.name.eq_ignore_ascii_case(name.trim()))
                .map(|label| label.id.clone())
        };
        let (labels, fresh) = self.labels(false)?;
        if let Some(id) = find(&labels) {
            return Ok(id);
        }
        let labels = if fresh { labels } else { self.labels(true)?.0 };
        find(&labels).ok_or_else(|| {
            PluginError::invalid_input(format!(
                "`labels`: Linear has no label `{name}` for team {}{}",
                self.settings.team,
                valid_names(labels.iter().map(|label| label.name.as_str()))
            ))
        })
    }

    fn user_id(&mut self, who: &str) -> Result<String, PluginError> {
        let (users, fresh) = self.users(false)?;
        if let Some(found) = match_user(&users, who)? {
            return Ok(found);
        }
        let users = if fresh { users } else { self.users(true)?.0 };
        match_user(&users, who)?.ok_or_else(|| {
            PluginError::invalid_input(format!(
                "`assignee`: no Linear user has the email or name `{who}`{}",
                valid_names(
                    users
                        .iter()
                        .filter_map(|user| { user.email.as_deref().or(user.name.as_deref()) })
                )
            ))
        })
    }
}

/// By email first (unique), then by name, then by display name; a name shared by several
/// users is refused, since assigning the wrong person is worse than not assigning.
fn match_user(users: &[User], who: &str) -> Result<Option<String>, PluginError> {
    let who = who.trim();
    let same = |text: &Option<String>| text.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(who));
    if let Some(user) = users.iter().find(|user| same(&user.email)) {
        return Ok(Some(user.id.clone()));
    }
    for by_name in [
        &(|user: &User| same(&user.name)) as &dyn Fn(&User) -> bool,
        &|user: &User| same(&user.display_name),
    ] {
        let matches: Vec<&User> = users.iter().filter(|user| by_name(user)).collect();
        match matches.as_slice() {
            [] => continue,
            [one] => return Ok(Some(one.id.clone())),
            _ => {
                return Err(PluginError::invalid_input(format!(
                    "`assignee`: {} Linear users are called `{who}`; use their email instead",
                    matches.len()
                )));
            }
        }
    }
    Ok(None)
}

/// The cached list (and `false`), or a freshly loaded one (and `true`) when there is none
/// yet or `refresh` is set.
fn cached<T: Clone>(
    slot: &mut Option<Vec<T>>,
    refresh: bool,
    load: impl FnOnce() -> Result<Vec<T>, PluginError>,
) -> Result<(Vec<T>, bool), PluginError> {
    if !refresh && let Some(list) = slot.clone() {
        return Ok((list, false));
    }
    let list = load()?;
    *slot = Some(list.clone());
    Ok((list, true))
}

/// Every node of the connection `root`, following `pageInfo.endCursor`.
fn fetch_all<T: DeserializeOwned>(
    settings: &Settings,
    operation: &str,
    document: &str,
    root: &str,
    mut variables: Value,
) -> Result<Vec<T>, PluginError> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        variables["first"] = json!(PAGE_SIZE);
        variables["after"] = json!(after);
        let mut data = graphql::execute(settings, operation, document, variables.clone())?;
        let page: Connection<T> = graphql::field(&mut data, operation, root)?;
        all.extend(page.nodes);
        if !page.page_info.has_next_page {
            return Ok(all);
        }
        match page.page_info.end_cursor {
            Some(cursor) if after.as_ref() != Some(&cursor) => after = Some(cursor),
            _ => {
                return Err(PluginError::transient(format!(
                    "Linear {operation} said there is a next page but gave no new cursor"
                )));
            }
        }
    }
    Err(PluginError::transient(format!(
        "Linear {operation} returned more than {MAX_PAGES} pages; giving up"
    )))
}

/// `; valid: Backlog, Todo, Done` (at most a few, then `…`), or nothing when there are none.
fn valid_names<'n>(names: impl Iterator<Item = &'n str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        return String::new();
    }
    let shown: Vec<&str> = names.iter().take(NAMES_LISTED).copied().collect();
    let more = if names.len() > NAMES_LISTED {
        ", …"
    } else {
        ""
    };
    format!("; valid: {}{more}", shown.join(", "))
}
