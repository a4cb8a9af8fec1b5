//! `doctor`: for each platform of a config — is it reachable, are the credentials accepted,
//! does the configured project / repository / team / board exist, does the token have the
//! scopes and permissions the sync needs, how much rate budget is left.
//!
//! What to ask comes from the connector's manifest (`[connector.doctor]`: an identity
//! request, the scopes header and the scopes needed, a permissions request) plus the
//! connector's own `list-changed` call for the resource; nothing here knows a platform by
//! name. Requests go through the same [`Gateway`] as a sync (grants, credential injection,
//! rate limits), with one attempt each and a short timeout.

use super::config_grants::connector_platform;
use super::platform_connectors::{Network, connector_info, gateway_for};
use crate::connector::{Filter, ListRequest};
use crate::http::{
    GatewaySettings, HttpClient, HttpFailure, InboundResponse, OutboundRequest, PlatformKind,
    RetryPolicy,
};
use crate::plugin::{DoctorManifest, PluginSet};
use pmsync_core::ItemError;
use pmsync_core::config::{ConfigFile, ResolvedSecrets};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Works, but worth a look (a budget running low).
    Warn,
    Fail,
    /// Not checked: the platform does not report it, or an earlier check failed.
    Skip,
}

/// One check of one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// `reachable`, `credentials`, `scopes`, `permissions`, `resource`, `rate-budget`.
    pub check: &'static str,
    pub status: Status,
    pub detail: String,
}

/// Every check of one `platforms:` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformReport {
    /// The `platforms:` key.
    pub platform: String,
    /// The connector's platform name.
    pub connector: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    pub checks: Vec<Check>,
}

impl PlatformReport {
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.status == Status::Fail)
    }
}

/// The gateway settings of a check: one attempt, a short deadline.
fn doctor_settings() -> GatewaySettings {
    GatewaySettings {
        request_timeout: Duration::from_secs(15),
        retry: RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        ..GatewaySettings::default()
    }
}

/// Checks every platform entry of `config`, in order. Call from a blocking thread.
pub fn check_all(
    config: &ConfigFile,
    plugins: &PluginSet,
    secrets: &ResolvedSecrets,
    network: &Network,
) -> Vec<PlatformReport> {
    config
        .platforms
        .keys()
        .map(|entry| check_platform(config, entry, plugins, secrets, network))
        .collect()
}

fn check_platform(
    config: &ConfigFile,
    entry: &str,
    plugins: &PluginSet,
    secrets: &ResolvedSecrets,
    network: &Network,
) -> PlatformReport {
    let connector = connector_platform(config, entry).to_string();
    let settings = config
        .platforms
        .get(entry)
        .map(|p| p.settings.clone())
        .unwrap_or_default();
    let mut report = PlatformReport {
        platform: entry.to_string(),
        connector: connector.clone(),
        base_url: None,
        checks: Vec::new(),
    };
    let info = match connector_info(config, entry, plugins) {
        Ok(info) => info,
        Err(e) => {
            report.checks.push(fail("reachable", e));
            return report;
        }
    };
    let declared = info.connector.clone().unwrap_or_default();
    let doctor = declared.doctor.clone().unwrap_or_default();
    let base_url = info
        .settings
        .iter()
        .find(|(_, s)| s.base_url)
        .and_then(|(name, s)| settings.get(name).cloned().or_else(|| s.default.clone()))
        .map(|url| url.trim_end_matches('/').to_string());
    report.base_url = base_url.clone();
    let gateway = match gateway_for(config, entry, &info, secrets, network, doctor_settings()) {
        Ok(gateway) => gateway,
        Err(e) => {
            report.checks.push(fail("reachable", e));
            return report;
        }
    };
    let Some(base_url) = base_url else {
        report.checks.push(skip(
            "reachable",
            "the connector declares no base URL setting; nothing to probe",
        ));
        report.checks.push(resource_check(
            config, entry, plugins, &settings, &doctor, &gateway, None,
        ));
        return report;
    };

    // Reachable: any HTTP answer from the base URL will do.
    let started = Instant::now();
    match gateway.send(request("GET", &base_url, None, None)) {
        Ok(response) => report.checks.push(ok(
            "reachable",
            format!(
                "{base_url} answered HTTP {} in {} ms",
                response.status,
                started.elapsed().as_millis()
            ),
        )),
        Err(failure) => {
            report.checks.push(fail(
                "reachable",
                format!("{base_url}: {}", failure_text(&failure)),
            ));
            for check in [
                "credentials",
                "scopes",
                "permissions",
                "resource",
                "rate-budget",
            ] {
                report.checks.push(skip(check, "not reachable"));
            }
            return report;
        }
    }

    // Credentials: the manifest's identity request, with the configured credential.
    let credential = info.asked.secrets.first().cloned();
    let has_credentials = config
        .platforms
        .get(entry)
        .is_some_and(|p| !p.credentials.is_empty());
    let identity = doctor.identity.as_deref().map(|line| {
        let body = doctor
            .identity_body
            .as_deref()
            .map(|b| fill(b, &settings, Fill::Json));
        send_templated(
            &gateway,
            &base_url,
            line,
            body,
            credential.clone(),
            &settings,
        )
    });
    let mut identity_ok = None;
    match (&identity, has_credentials) {
        (_, false) => report.checks.push(fail(
            "credentials",
            format!("no credentials configured under `platforms.{entry}.credentials`"),
        )),
        (None, true) => report.checks.push(skip(
            "credentials",
            "the connector declares no identity request; checked by the resource check below",
        )),
        (Some(Err(failure)), true) => report.checks.push(fail("credentials", failure.clone())),
        (Some(Ok(response)), true) => match refusal(response) {
            Some(why) => report
                .checks
                .push(fail("credentials", format!("refused: {why}"))),
            None => {
                let who = doctor
                    .identity_name
                    .as_deref()
                    .and_then(|pointer| json_text(&response.body, pointer));
                report.checks.push(ok(
                    "credentials",
                    match who {
                        Some(who) => format!("accepted (as {who})"),
                        None => "accepted".to_string(),
                    },
                ));
                identity_ok = Some(response.clone());
            }
        },
    }

    // Scopes: read from the identity response's header.
    if let (Some(header), false) = (&doctor.scopes_header, doctor.scopes.is_empty()) {
        report.checks.push(match &identity_ok {
            None => skip("scopes", "credentials not accepted"),
            Some(response) => scopes_check(response, header, &doctor.scopes),
        });
    }

    // Permissions: the manifest's permissions request.
    if let Some(probe) = &doctor.permissions {
        report
            .checks
            .push(if identity_ok.is_none() && doctor.identity.is_some() {
                skip("permissions", "credentials not accepted")
            } else {
                match send_templated(
                    &gateway,
                    &base_url,
                    &probe.request,
                    None,
                    credential.clone(),
                    &settings,
                ) {
                    Err(failure) => fail("permissions", failure),
                    Ok(response) => match refusal(&response) {
                        Some(why) => fail("permissions", why),
                        None => permissions_check(&response, &probe.granted, &probe.names),
                    },
                }
            });
    }

    report.checks.push(resource_check(
        config,
        entry,
        plugins,
        &settings,
        &doctor,
        &gateway,
        Some((&base_url, credential.clone())),
    ));

    let kind = declared.rate_limit_headers;
    report.checks.push(match &identity_ok {
        Some(response) => budget_check(kind, response),
        None => skip("rate-budget", "no accepted response to read it from"),
    });
    report
}

/// The configured project / repository / team / board: the connector lists one item of it.
fn resource_check(
    config: &ConfigFile,
    entry: &str,
    plugins: &PluginSet,
    settings: &std::collections::BTreeMap<String, String>,
    doctor: &DoctorManifest,
    gateway: &Arc<crate::http::Gateway>,
    // The base URL and the credential name, for a declared resource request.
    probe: Option<(&str, Option<String>)>,
) -> Check {
    let what = doctor
        .resource
        .iter()
        .filter_map(|name| settings.get(name).map(|v| format!("{name} {v}")))
        .collect::<Vec<_>>()
        .join(", ");
    let what = if what.is_empty() {
        entry.to_string()
    } else {
        what
    };
    if let (Some(line), Some((base_url, credential))) = (&doctor.resource_request, probe) {
        return match send_templated(gateway, base_url, line, None, credential, settings) {
            Err(failure) => fail("resource", format!("{what}: {failure}")),
            Ok(response) => match refusal(&response) {
                Some(why) => fail(
                    "resource",
                    format!("{what}: not found or no access ({why})"),
                ),
                None => ok("resource", format!("{what}: found")),
            },
        };
    }
    let connector = match plugins.connector(
        connector_platform(config, entry),
        settings.clone(),
        gateway.clone(),
    ) {
        Ok(c) => c,
        Err(e) => {
            return fail(
                "resource",
                format!("{what}: the connector refused its settings: {e}"),
            );
        }
    };
    let filter = filter_of(config, entry, plugins);
    let listed = connector.list_changed(&ListRequest {
        since: None,
        cursor: None,
        page_size: 1,
        filter,
    });
    match listed {
        Ok(_) => ok("resource", format!("{what}: found")),
        Err(ItemError::NotFound(m)) => fail("resource", format!("{what}: not found ({m})")),
        Err(ItemError::Unauthorized(m)) => fail("resource", format!("{what}: no access ({m})")),
        Err(e) => fail("resource", format!("{what}: {e}")),
    }
}

/// The filter of the first sync that uses `entry`, so the check lists what the sync would.
fn filter_of(config: &ConfigFile, entry: &str, plugins: &PluginSet) -> Filter {
    for sync in &config.syncs {
        let side = if sync.source_platform == entry {
            pmsync_core::Side::Source
        } else if sync.target_platform == entry {
            pmsync_core::Side::Target
        } else {
            continue;
        };
        let sync = super::runner::with_platform_queries(sync, config, plugins);
        return crate::engine::run::filter_for(&sync.filters, side);
    }
    Filter::default()
}

fn scopes_check(response: &InboundResponse, header: &str, needed: &[String]) -> Check {
    let Some(value) = response.header(header) else {
        return skip(
            "scopes",
            format!(
                "the platform reports no `{header}` (a fine-grained or app token): not checked"
            ),
        );
    };
    let granted: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let missing: Vec<&str> = needed
        .iter()
        .filter(|need| !need.split('|').any(|alt| granted.contains(&alt.trim())))
        .map(String::as_str)
        .collect();
    let has = if granted.is_empty() {
        "none".to_string()
    } else {
        granted.join(", ")
    };
    if missing.is_empty() {
        ok(
            "scopes",
            format!("{} granted (token has: {has})", needed.join(", ")),
        )
    } else {
        fail(
            "scopes",
            format!(
                "missing scope {} (token has: {has})",
                missing
                    .iter()
                    .map(|m| format!("`{}`", m.replace('|', "` or `")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    }
}

fn permissions_check(response: &InboundResponse, pointer: &str, names: &[String]) -> Check {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
        return fail("permissions", "the answer is not JSON");
    };
    let missing: Vec<&str> = names
        .iter()
        .filter(|name| {
            json.pointer(&pointer.replace("{name}", name))
                .and_then(serde_json::Value::as_bool)
                != Some(true)
        })
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        ok("permissions", format!("{} granted", names.join(", ")))
    } else {
        fail(
            "permissions",
            format!("not granted: {}", missing.join(", ")),
        )
    }
}

fn budget_check(kind: PlatformKind, response: &InboundResponse) -> Check {
    let Some(budget) = kind.budget_left(&response.headers) else {
        return skip("rate-budget", "not reported on ordinary responses");
    };
    let resets = budget
        .resets_at
        .and_then(|at| at.duration_since(SystemTime::now()).ok())
        .map(|d| format!(", resets in {} min", d.as_secs().div_ceil(60)))
        .unwrap_or_default();
    let of = budget.limit.map(|l| format!("/{l}")).unwrap_or_default();
    let bucket = budget.bucket.map(|b| format!(" ({b})")).unwrap_or_default();
    let text = format!("{}{of} requests left{bucket}{resets}", budget.remaining);
    match budget.limit {
        _ if budget.remaining == 0 => fail("rate-budget", format!("exhausted: {text}")),
        Some(limit) if budget.remaining * 10 < limit => warn("rate-budget", format!("low: {text}")),
        _ => ok("rate-budget", text),
    }
}

/// Why a response means "no": a non-2xx status or GraphQL `errors`, with the platform's
/// own message when it gives one.
fn refusal(response: &InboundResponse) -> Option<String> {
    let json = serde_json::from_slice::<serde_json::Value>(&response.body).ok();
    let message = json.as_ref().and_then(platform_message);
    let graphql_errors = json
        .as_ref()
        .and_then(|j| j.get("errors"))
        .and_then(serde_json::Value::as_array)
        .is_some_and(|e| !e.is_empty());
    if (200..300).contains(&response.status) && !graphql_errors {
        return None;
    }
    Some(match message {
        Some(m) => format!("HTTP {}: {m}", response.status),
        None => format!("HTTP {}", response.status),
    })
}

/// The human message of an error body, in the shapes platforms use.
fn platform_message(json: &serde_json::Value) -> Option<String> {
    let text = json
        .get("message")
        .and_then(|m| m.as_str())
        .or_else(|| json.pointer("/errorMessages/0").and_then(|m| m.as_str()))
        .or_else(|| json.pointer("/errors/0/message").and_then(|m| m.as_str()))?;
    Some(text.chars().take(200).collect())
}

fn json_text(body: &[u8], pointer: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    match json.pointer(pointer)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

#[derive(Clone, Copy)]
enum Fill {
    Url,
    Json,
}

/// `{name}` placeholders replaced by settings: percent-encoded in URLs, escaped in JSON.
fn fill(
    template: &str,
    settings: &std::collections::BTreeMap<String, String>,
    how: Fill,
) -> String {
    let mut out = template.to_string();
    for (name, value) in settings {
        let placeholder = format!("{{{name}}}");
        if !out.contains(&placeholder) {
            continue;
        }
        let value = match how {
            Fill::Url => percent_encode(value),
            Fill::Json => {
                let quoted = serde_json::Value::String(value.clone()).to_string();
                quoted[1..quoted.len() - 1].to_string()
            }
        };
        out = out.replace(&placeholder, &value);
    }
    out
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sends `METHOD /path` (relative to the base URL) with an optional body.
fn send_templated(
    gateway: &Arc<crate::http::Gateway>,
    base_url: &str,
    line: &str,
    body: Option<String>,
    credential: Option<String>,
    settings: &std::collections::BTreeMap<String, String>,
) -> Result<InboundResponse, String> {
    let (method, path) = line.trim().split_once(' ').unwrap_or(("GET", line.trim()));
    let url = format!("{base_url}{}", fill(path.trim(), settings, Fill::Url));
    gateway
        .send(request(method, &url, body, credential))
        .map_err(|f| failure_text(&f))
}

fn request(
    method: &str,
    url: &str,
    body: Option<String>,
    credential: Option<String>,
) -> OutboundRequest {
    let mut headers = vec![("accept".to_string(), "application/json".to_string())];
    if body.is_some() {
        headers.push(("content-type".to_string(), "application/json".to_string()));
    }
    OutboundRequest {
        method: method.to_ascii_uppercase(),
        url: url.to_string(),
        headers,
        body: body.map(String::into_bytes),
        credential,
    }
}

fn failure_text(failure: &HttpFailure) -> String {
    match failure {
        HttpFailure::Denied(m) => format!("not allowed: {m}"),
        HttpFailure::Timeout(m) => format!("timed out: {m}"),
        HttpFailure::Transport(m) => format!("cannot connect: {m}"),
        HttpFailure::InvalidRequest(m) => format!("invalid request: {m}"),
    }
}

fn ok(check: &'static str, detail: impl Into<String>) -> Check {
    Check {
        check,
        status: Status::Ok,
        detail: detail.into(),
    }
}
fn warn(check: &'static str, detail: impl Into<String>) -> Check {
    Check {
        check,
        status: Status::Warn,
        detail: detail.into(),
    }
}
fn fail(check: &'static str, detail: impl Into<String>) -> Check {
    Check {
        check,
        status: Status::Fail,
        detail: detail.into(),
    }
}
fn skip(check: &'static str, detail: impl Into<String>) -> Check {
    Check {
        check,
        status: Status::Skip,
        detail: detail.into(),
    }
}
