//! What every sandbox platform shares: request accounting, authentication, rate budgets and
//! fault injection, applied by one axum middleware in front of the platform's routes. The
//! middleware decides a request's fate before the handler runs, so a refused or faulted
//! request never changes state.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::accounting::Counters;
use crate::faults::{BudgetState, Fault, FaultController, FaultPlan, RateBudget};
use crate::pacing::{Pacing, TIME_SCALE_HEADER};

/// The three simulated platforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Jira,
    GitHub,
    Linear,
}

impl Platform {
    fn salt(self) -> u64 {
        match self {
            Platform::Jira => 0x4a49_5241,
            Platform::GitHub => 0x4749_5448,
            Platform::Linear => 0x4c49_4e45,
        }
    }
}

/// Locks a mutex, recovering from poisoning (state stays usable after a panicking test).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug)]
struct Budgets {
    /// GitHub REST `core`, or Linear requests.
    primary: RateBudget,
    /// GitHub `graphql`.
    graphql: RateBudget,
}

impl Budgets {
    fn from_plan(platform: Platform, plan: &FaultPlan) -> Self {
        let primary_limit = match platform {
            Platform::Linear => plan.linear_request_budget,
            _ => plan.github_core_budget,
        };
        Budgets {
            primary: RateBudget::new(primary_limit, plan.budget_window),
            graphql: RateBudget::new(plan.github_graphql_budget, plan.budget_window),
        }
    }
}

/// Shared machinery of one platform.
#[derive(Debug)]
pub(crate) struct PlatformCore {
    pub(crate) platform: Platform,
    pub(crate) counters: Counters,
    faults: Mutex<FaultController>,
    budgets: Mutex<Budgets>,
    required_token: Option<String>,
    /// What GitHub reports in `X-OAuth-Scopes` for the token.
    oauth_scopes: Option<String>,
    pacing: Pacing,
}

/// Marker payload of the unwind that aborts a connection without an answer.
struct ConnectionDropped;

impl PlatformCore {
    /// The core of `platform` as `options` configure it (faults, credential, time scale).
    pub(crate) fn for_options(platform: Platform, options: &crate::SandboxOptions) -> Self {
        PlatformCore::new(
            platform,
            options.faults.clone(),
            options.token.clone(),
            options.time_scale,
        )
    }

    /// `router` behind this core's guard: every request is counted, authenticated, charged
    /// against the rate budget, paced and faulted here before any handler runs.
    pub(crate) fn guard(self: Arc<Self>, router: axum::Router) -> axum::Router {
        router.layer(axum::middleware::from_fn_with_state(self, guard))
    }

    pub(crate) fn new(
        platform: Platform,
        plan: FaultPlan,
        required_token: Option<String>,
        time_scale: f64,
    ) -> Self {
        PlatformCore {
            pacing: Pacing::new(platform, time_scale),
            platform,
            counters: Counters::default(),
            budgets: Mutex::new(Budgets::from_plan(platform, &plan)),
            faults: Mutex::new(FaultController::new(plan, platform.salt())),
            required_token,
            oauth_scopes: None,
        }
    }

    /// Answers `X-OAuth-Scopes: <scopes>` on every response, as GitHub does for classic tokens.
    pub(crate) fn with_oauth_scopes(mut self, scopes: &[String]) -> Self {
        self.oauth_scopes = Some(scopes.join(", "));
        self
    }

    pub(crate) fn fault_plan(&self) -> FaultPlan {
        lock(&self.faults).plan().clone()
    }

    /// Replaces the plan; restarts the decision sequence and the budget windows.
    pub(crate) fn set_fault_plan(&self, plan: FaultPlan) {
        *lock(&self.budgets) = Budgets::from_plan(self.platform, &plan);
        lock(&self.faults).replace(plan);
    }

    /// GitHub's GraphQL budget as it stands (for the `rateLimit` query).
    pub(crate) fn graphql_budget(&self) -> Option<crate::faults::BudgetState> {
        (self.platform == Platform::GitHub).then(|| lock(&self.budgets).graphql.state())
    }

    fn credential_accepted(&self, headers: &HeaderMap) -> Result<(), AuthFailure> {
        let Some(raw) = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return Err(AuthFailure::Missing);
        };
        let raw = raw.trim();
        let secret = match raw.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => {
                rest.trim().to_string()
            }
            Some((scheme, rest))
                if scheme.eq_ignore_ascii_case("token") && self.platform == Platform::GitHub =>
            {
                rest.trim().to_string()
            }
            Some((scheme, rest))
                if scheme.eq_ignore_ascii_case("basic") && self.platform == Platform::Jira =>
            {
                let decoded = decode_base64(rest.trim()).ok_or(AuthFailure::Invalid)?;
                let text = String::from_utf8(decoded).map_err(|_| AuthFailure::Invalid)?;
                match text.split_once(':') {
                    Some((user, token)) if !user.is_empty() => token.to_string(),
                    _ => return Err(AuthFailure::Invalid),
                }
            }
            // Linear personal API keys are sent bare, without a scheme.
            None if self.platform == Platform::Linear => raw.to_string(),
            _ => return Err(AuthFailure::Invalid),
        };
        if secret.is_empty() {
            return Err(AuthFailure::Missing);
        }
        match &self.required_token {
            Some(required) if *required != secret => Err(AuthFailure::Invalid),
            _ => Ok(()),
        }
    }

    fn consume_budget(
        &self,
        path: &str,
    ) -> Option<(Result<BudgetState, BudgetState>, &'static str)> {
        let mut budgets = lock(&self.budgets);
        match self.platform {
            Platform::Jira => None,
            Platform::GitHub if path == "/graphql" => Some((budgets.graphql.consume(), "graphql")),
            // Reading the rate limit does not count against it (as on GitHub).
            Platform::GitHub if path == "/rate_limit" => {
                Some((Ok(budgets.primary.state()), "core"))
            }
            Platform::GitHub => Some((budgets.primary.consume(), "core")),
            Platform::Linear => Some((budgets.primary.consume(), "requests")),
        }
    }
}

impl PlatformCore {
    /// Gives back the request a `304 Not Modified` answer spent: GitHub does not count
    /// conditional requests answered 304 against the rate limit.
    fn refund(&self, resource: &str) -> BudgetState {
        let mut budgets = lock(&self.budgets);
        let budget = if resource == "graphql" {
            &mut budgets.graphql
        } else {
            &mut budgets.primary
        };
        budget.used = budget.used.saturating_sub(1);
        budget.state()
    }

    /// The primary (GitHub `core`) and GraphQL budgets as they stand, spending nothing.
    pub(crate) fn budget_snapshot(&self) -> (BudgetState, BudgetState) {
        let budgets = lock(&self.budgets);
        (budgets.primary.state(), budgets.graphql.state())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthFailure {
    Missing,
    Invalid,
}

/// The middleware in front of every platform's routes.
pub(crate) async fn guard(
    State(core): State<Arc<PlatformCore>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    core.counters
        .request(format!("{} {}", request.method(), path));

    if let Err(failure) = core.credential_accepted(request.headers()) {
        let response = unauthorized(core.platform, failure);
        core.counters.status(response.status().as_u16());
        return response;
    }

    let mut budget = core.consume_budget(&path);
    let too_soon = if core.pacing.is_paced_write(request.method(), &path) {
        core.pacing.admit().err()
    } else {
        None
    };
    let (fault, latency) = lock(&core.faults).decide(request.method().as_str(), &path);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    let mut response = match (&budget, fault) {
        (Some((Err(state), resource)), _) => {
            budget_exhausted(core.platform, &path, *state, resource)
        }
        // Writes closer together than the platform allows meet its secondary rate limit.
        _ if too_soon.is_some() => fault_response(
            core.platform,
            &path,
            Fault::SecondaryRateLimit {
                retry_after_secs: 1,
            },
        ),
        (_, Some(Fault::AppliedResponseLost)) => {
            // The write is applied; the connection drops before the answer is sent.
            let _applied = next.run(request).await;
            core.counters.status(0);
            std::panic::resume_unwind(Box::new(ConnectionDropped));
        }
        (_, Some(Fault::DropConnection)) => {
            core.counters.status(0);
            // Unwinding out of the connection task makes hyper close the socket without
            // writing a response; `resume_unwind` skips the panic hook, so nothing is printed.
            std::panic::resume_unwind(Box::new(ConnectionDropped));
        }
        (_, Some(fault)) => fault_response(core.platform, &path, fault),
        (_, None) => next.run(request).await,
    };
    if response.status() == StatusCode::NOT_MODIFIED
        && let Some((Ok(state), resource)) = &mut budget
    {
        *state = core.refund(resource);
    }
    if let Some((state, resource)) = budget {
        let state = match state {
            Ok(s) | Err(s) => s,
        };
        add_rate_limit_headers(core.platform, response.headers_mut(), state, resource);
    }
    if let Some(scopes) = &core.oauth_scopes {
        set_header(response.headers_mut(), "x-oauth-scopes", scopes.clone());
    }
    set_header(
        response.headers_mut(),
        TIME_SCALE_HEADER,
        core.pacing.time_scale().to_string(),
    );
    core.counters.status(response.status().as_u16());
    response
}

pub(crate) fn json_response(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn set_header(headers: &mut HeaderMap, name: &'static str, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(HeaderName::from_static(name), v);
    }
}

fn add_rate_limit_headers(
    platform: Platform,
    headers: &mut HeaderMap,
    state: BudgetState,
    resource: &str,
) {
    match platform {
        Platform::GitHub => {
            set_header(headers, "x-ratelimit-limit", state.limit.to_string());
            set_header(
                headers,
                "x-ratelimit-remaining",
                state.remaining.to_string(),
            );
            set_header(headers, "x-ratelimit-used", state.used.to_string());
            set_header(
                headers,
                "x-ratelimit-reset",
                state.reset_at.timestamp().to_string(),
            );
            set_header(headers, "x-ratelimit-resource", resource.to_string());
        }
        Platform::Linear => {
            let reset_ms = state.reset_at.timestamp_millis().to_string();
            set_header(
                headers,
                "x-ratelimit-requests-limit",
                state.limit.to_string(),
            );
            set_header(
                headers,
                "x-ratelimit-requests-remaining",
                state.remaining.to_string(),
            );
            set_header(headers, "x-ratelimit-requests-reset", reset_ms.clone());
            // The sandbox charges a flat complexity per request.
            const COMPLEXITY_LIMIT: u64 = 3_000_000;
            let spent = u64::from(state.used) * LINEAR_COMPLEXITY_PER_REQUEST;
            set_header(
                headers,
                "x-complexity",
                LINEAR_COMPLEXITY_PER_REQUEST.to_string(),
            );
            set_header(
                headers,
                "x-ratelimit-complexity-limit",
                COMPLEXITY_LIMIT.to_string(),
            );
            set_header(
                headers,
                "x-ratelimit-complexity-remaining",
                COMPLEXITY_LIMIT.saturating_sub(spent).to_string(),
            );
            set_header(headers, "x-ratelimit-complexity-reset", reset_ms);
        }
        Platform::Jira => {}
    }
}

const LINEAR_COMPLEXITY_PER_REQUEST: u64 = 10;

fn unauthorized(platform: Platform, failure: AuthFailure) -> Response {
    match platform {
        Platform::Jira => {
            let mut response = json_response(
                StatusCode::UNAUTHORIZED,
                json!({"errorMessages": ["You are not authenticated. Authentication required to perform this operation."], "errors": {}}),
            );
            set_header(
                response.headers_mut(),
                "www-authenticate",
                "Basic realm=\"protected-area\"".into(),
            );
            response
        }
        Platform::GitHub => {
            let message = match failure {
                AuthFailure::Missing => "Requires authentication",
                AuthFailure::Invalid => "Bad credentials",
            };
            json_response(
                StatusCode::UNAUTHORIZED,
                json!({"message": message, "documentation_url": "https://docs.github.com/rest", "status": "401"}),
            )
        }
        Platform::Linear => json_response(
            StatusCode::BAD_REQUEST,
            json!({"errors": [{
                "message": "Authentication required, not authenticated",
                "extensions": {
                    "type": "authentication error",
                    "code": "AUTHENTICATION_ERROR",
                    "statusCode": 401,
                    "userPresentableMessage": "You need to authenticate to access this operation."
                }
            }]}),
        ),
    }
}

fn budget_exhausted(
    platform: Platform,
    path: &str,
    state: BudgetState,
    resource: &str,
) -> Response {
    match platform {
        Platform::Linear => {
            linear_ratelimited(state.reset_at.timestamp() - chrono::Utc::now().timestamp())
        }
        _ if path == "/graphql" => json_response(
            StatusCode::FORBIDDEN,
            json!({"errors": [{"type": "RATE_LIMITED", "message": format!("API rate limit exceeded for user ID 1. ({resource})")}]}),
        ),
        _ => json_response(
            StatusCode::FORBIDDEN,
            json!({
                "message": "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                "status": "403"
            }),
        ),
    }
}

fn linear_ratelimited(retry_after_secs: i64) -> Response {
    let mut response = json_response(
        StatusCode::BAD_REQUEST,
        json!({"errors": [{
            "message": "Rate limit exceeded",
            "extensions": {
                "code": "RATELIMITED",
                "type": "ratelimited",
                "statusCode": 429,
                "userPresentableMessage": "You have exceeded the rate limit. Please try again later."
            }
        }]}),
    );
    let reset = chrono::Utc::now().timestamp_millis() + retry_after_secs.max(0) * 1000;
    set_header(
        response.headers_mut(),
        "x-ratelimit-requests-reset",
        reset.to_string(),
    );
    set_header(
        response.headers_mut(),
        "retry-after",
        retry_after_secs.max(0).to_string(),
    );
    response
}

fn fault_response(platform: Platform, path: &str, fault: Fault) -> Response {
    let secs = |s: u64| s.to_string();
    match (platform, fault) {
        (_, Fault::DropConnection | Fault::AppliedResponseLost) => {
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        (
            Platform::Linear,
            Fault::RateLimited { retry_after_secs }
            | Fault::SecondaryRateLimit { retry_after_secs },
        ) => {
            let mut response = linear_ratelimited(retry_after_secs as i64);
            set_header(
                response.headers_mut(),
                "x-ratelimit-requests-remaining",
                "0".into(),
            );
            response
        }
        (
            Platform::Jira,
            Fault::RateLimited { retry_after_secs }
            | Fault::SecondaryRateLimit { retry_after_secs },
        ) => {
            let mut response = json_response(
                StatusCode::TOO_MANY_REQUESTS,
                json!({"errorMessages": ["Rate limit exceeded."], "errors": {}}),
            );
            set_header(
                response.headers_mut(),
                "retry-after",
                secs(retry_after_secs),
            );
            set_header(
                response.headers_mut(),
                "x-ratelimit-reason",
                "jira-quota-tenant-based".into(),
            );
            response
        }
        (
            Platform::GitHub,
            Fault::RateLimited { retry_after_secs }
            | Fault::SecondaryRateLimit { retry_after_secs },
        ) => {
            let status = if matches!(fault, Fault::RateLimited { .. }) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::FORBIDDEN
            };
            let message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.";
            let body = if path == "/graphql" {
                json!({"errors": [{"type": "RATE_LIMITED", "message": message}]})
            } else {
                json!({"message": message, "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits", "status": status.as_u16().to_string()})
            };
            let mut response = json_response(status, body);
            set_header(
                response.headers_mut(),
                "retry-after",
                secs(retry_after_secs),
            );
            response
        }
        (platform, Fault::ServerError { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let body = match platform {
                Platform::Jira => json!({"errorMessages": ["Internal server error"], "errors": {}}),
                Platform::GitHub if path != "/graphql" => json!({"message": "Server Error"}),
                _ => {
                    json!({"errors": [{"message": "Internal server error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]})
                }
            };
            json_response(status, body)
        }
    }
}

/// Standard base64 (with or without padding); `None` on any invalid character.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let bytes: Vec<u8> = text.bytes().filter(|&b| b != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let produced = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        for i in 0..produced {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn basic_credentials_decode() {
        assert_eq!(
            decode_base64("dXNlcjp0b2tlbg==").as_deref(),
            Some(&b"user:token"[..])
        );
        assert_eq!(
            decode_base64("dXNlcjp0b2tlbg").as_deref(),
            Some(&b"user:token"[..])
        );
        assert_eq!(decode_base64("***"), None);
    }
}
