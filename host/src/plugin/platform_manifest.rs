//! The platform knowledge a connector's `plugin.toml` declares, so that the host needs no
//! edit for a new platform: its settings (`[settings.NAME]`), the `filters:` key of its query,
//! its rate-limit convention, its webhook signature scheme, and how `doctor` checks a
//! connection (`[connector]`, `[connector.doctor]`).

use crate::http::webhook_signature::WebhookScheme;
use crate::http::{PlatformKind, RatePolicy};
use pmsync_core::config::{ConnectorSpec, CreatedType, SettingSpec, SettingType};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Filter keys every sync has; a connector's query key may not take one of them.
const FILTER_KEYS: [&str; 5] = [
    "projects",
    "issue_types",
    "labels",
    "source_query",
    "target_query",
];

/// The filters a connector may read, in a sync's `filters:`.
const COMMON_FILTERS: [&str; 3] = ["projects", "issue_types", "labels"];

/// `[connector]`: what the host needs to know about a connector's platform.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectorManifest {
    /// The `filters:` key holding this platform's query (`jql`, `github_query`): an alias
    /// of the platform-neutral `source_query` / `target_query`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_key: Option<String>,
    /// The common filters this connector reads (`projects`, `issue_types`, `labels`); the
    /// host passes it no other. Absent: all three.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<String>>,
    /// Where a created item's type comes from (`[connector.created_type]`), for platforms
    /// that type their items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_type: Option<CreatedType>,
    /// Whose rate-limit headers the platform sends: `github`, `jira`, `linear` or `generic`.
    #[serde(default)]
    pub rate_limit_headers: PlatformKind,
    /// The spacing the platform asks for between writes, ms (GitHub: 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_spacing_ms: Option<u64>,
    /// How the platform signs webhook deliveries: `github`, `linear`, `jira`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_signature: Option<WebhookScheme>,
    /// How the platform's secret tokens begin (`ghp_`): such a value under `settings:` is
    /// refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_prefixes: Vec<String>,
    /// Groups of settings of which exactly one must be given (`[["org", "user"]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exactly_one_of: Vec<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctor: Option<DoctorManifest>,
}

/// `[connector.doctor]`: how `pmsync-host doctor` checks a connection. Requests are
/// `METHOD /path` relative to the base URL setting; `{setting}` is replaced by that
/// setting's value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoctorManifest {
    /// A request that needs nothing but accepted credentials (`GET /user`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Its JSON body, for GraphQL platforms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_body: Option<String>,
    /// A JSON pointer to who the credentials belong to in the identity answer (`/login`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_name: Option<String>,
    /// The identity answer's header listing the token's scopes (`x-oauth-scopes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes_header: Option<String>,
    /// Scopes the sync needs; `a|b` accepts either.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<PermissionsProbe>,
    /// A request answering 2xx when the configured project / repository / team exists
    /// (`GET /rest/api/3/project/{project}`); without it the connector lists one item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_request: Option<String>,
    /// The settings naming what must exist (`project`, `repo`, `team`), for messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<String>,
}

/// A request answering which permissions the credentials have.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionsProbe {
    /// `GET /rest/api/3/mypermissions?projectKey={project}&permissions=...`
    pub request: String,
    /// A JSON pointer, with `{name}` for the permission, to `true` when it is granted.
    pub granted: String,
    /// The permissions the sync needs.
    pub names: Vec<String>,
}

impl ConnectorManifest {
    /// The rate policy of connections to this platform.
    pub fn rate_policy(&self) -> RatePolicy {
        RatePolicy::declared(
            self.rate_limit_headers,
            self.write_spacing_ms.map(Duration::from_millis),
        )
    }
}

/// What config validation needs from a connector's manifest.
pub fn connector_spec(
    connector: Option<&ConnectorManifest>,
    settings: &BTreeMap<String, SettingSpec>,
) -> ConnectorSpec {
    let connector = connector.cloned().unwrap_or_default();
    ConnectorSpec {
        settings: settings.clone(),
        exactly_one_of: connector.exactly_one_of,
        query_key: connector.query_key,
        secret_prefixes: connector.secret_prefixes,
        filters: connector.filters,
        created_type: connector.created_type,
    }
}

/// Checks the platform declarations of a manifest: names that exist, one base URL of type
/// `url`, a query key that is not a common filter key.
pub(crate) fn check(
    connector: Option<&ConnectorManifest>,
    settings: &BTreeMap<String, SettingSpec>,
    is_connector: bool,
) -> Result<(), String> {
    for name in settings.keys() {
        if !super::manifest::valid_name(name) {
            return Err(format!(
                "`settings.{name}`: expected a setting name of lowercase letters, digits, `-` and `_`"
            ));
        }
    }
    let base_urls: Vec<&String> = settings
        .iter()
        .filter(|(_, s)| s.base_url)
        .map(|(n, _)| n)
        .collect();
    if base_urls.len() > 1 {
        return Err(format!(
            "settings {} all say `base_url = true`; at most one setting is the base URL",
            base_urls
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(name) = base_urls.first()
        && settings[*name].kind != SettingType::Url
    {
        return Err(format!(
            "`settings.{name}` is the base URL but its type is not `url`"
        ));
    }
    let Some(connector) = connector else {
        return Ok(());
    };
    if !is_connector {
        return Err("`[connector]` is for connector plugins only".into());
    }
    if let Some(key) = &connector.query_key
        && (!super::manifest::valid_name(key) || FILTER_KEYS.contains(&key.as_str()))
    {
        return Err(format!(
            "`connector.query_key` = {key:?}: expected a filter key of lowercase letters, digits and `_`, other than {}",
            FILTER_KEYS.join(", ")
        ));
    }
    if let Some(filter) = connector
        .filters
        .iter()
        .flatten()
        .find(|f| !COMMON_FILTERS.contains(&f.as_str()))
    {
        return Err(format!(
            "`connector.filters` names {filter:?}: expected some of {}",
            COMMON_FILTERS.join(", ")
        ));
    }
    let declared = |name: &str| settings.is_empty() || settings.contains_key(name);
    for group in &connector.exactly_one_of {
        if group.len() < 2 {
            return Err("`connector.exactly_one_of`: each group names two settings or more".into());
        }
        if let Some(name) = group.iter().find(|n| !declared(n)) {
            return Err(format!(
                "`connector.exactly_one_of` names `{name}`, which is not under [settings]"
            ));
        }
    }
    if let Some(doctor) = &connector.doctor {
        for name in &doctor.resource {
            if !declared(name) {
                return Err(format!(
                    "`connector.doctor.resource` names `{name}`, which is not under [settings]"
                ));
            }
        }
        for (key, request) in doctor
            .identity
            .iter()
            .map(|r| ("identity", r))
            .chain(
                doctor
                    .resource_request
                    .iter()
                    .map(|r| ("resource_request", r)),
            )
            .chain(
                doctor
                    .permissions
                    .iter()
                    .map(|p| ("permissions.request", &p.request)),
            )
        {
            check_request_line(request)
                .map_err(|e| format!("`connector.doctor.{key}` = {request:?}: {e}"))?;
        }
    }
    Ok(())
}

fn check_request_line(line: &str) -> Result<(), String> {
    let (method, path) = line
        .trim()
        .split_once(' ')
        .ok_or("expected `METHOD /path`")?;
    if !matches!(method, "GET" | "POST" | "HEAD") {
        return Err(format!(
            "the method must be GET, POST or HEAD, not `{method}`"
        ));
    }
    if !path.trim().starts_with('/') {
        return Err("the path must start with `/` (it is relative to the base URL)".into());
    }
    Ok(())
}
