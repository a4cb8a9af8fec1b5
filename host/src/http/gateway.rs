//! `Gateway`: the `HttpClient` of one connector instance. Checks, injects, limits, retries,
//! times out and measures every request a connector plugin sends.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderMap;

use super::allowed_host::HostPattern;
use super::credential::Credential;
use super::limiter::PlatformLimiter;
use super::metrics::AttemptOutcome;
use super::policy::GatewaySettings;
use super::rate_headers;
use super::request_check::{Permissions, PreparedRequest, prepare};
use super::retry_rules::{self, Verdict};
use super::transport::HttpTransport;
use super::types::{HttpClient, HttpFailure, InboundResponse, OutboundRequest};

/// What one connector instance may do on the network.
#[derive(Debug, Clone, Default)]
pub struct GatewayConfig {
    /// The plugin's name, used in messages (`plugin github is not granted ...`).
    pub plugin: String,
    /// Origins the plugin may reach: the intersection of what it declared and what the
    /// operator granted.
    pub grants: Vec<HostPattern>,
    /// Credential names the plugin declared (plugin.toml).
    pub declared_credentials: BTreeSet<String>,
    /// Credentials the operator configured, by name.
    pub credentials: BTreeMap<String, Credential>,
    pub settings: GatewaySettings,
}

/// The network access of one connector instance. Cheap to share (`Arc<dyn HttpClient>`);
/// `send` may be called from several threads at once.
#[derive(Debug)]
pub struct Gateway {
    config: GatewayConfig,
    transport: Arc<HttpTransport>,
    limiter: Arc<PlatformLimiter>,
}

/// A complete response as read from the wire.
struct RawResponse {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// Why one attempt produced no response.
enum AttemptFailure {
    Timeout {
        connection_failed: bool,
    },
    Transport {
        cause: String,
        connection_failed: bool,
    },
    BodyTooLarge,
}

impl Gateway {
    pub fn new(
        config: GatewayConfig,
        transport: Arc<HttpTransport>,
        limiter: Arc<PlatformLimiter>,
    ) -> Self {
        Gateway {
            config,
            transport,
            limiter,
        }
    }

    pub fn plugin(&self) -> &str {
        &self.config.plugin
    }

    pub fn limiter(&self) -> &Arc<PlatformLimiter> {
        &self.limiter
    }

    /// `send` for callers that are already async.
    pub async fn send_async(
        &self,
        request: OutboundRequest,
    ) -> Result<InboundResponse, HttpFailure> {
        let started = Instant::now();
        let metrics = &self.limiter.metrics;
        metrics.request();
        let permissions = Permissions {
            plugin: &self.config.plugin,
            grants: &self.config.grants,
            declared_credentials: &self.config.declared_credentials,
            credentials: &self.config.credentials,
        };
        let prepared = prepare(request, &permissions).inspect_err(|failure| {
            if matches!(failure, HttpFailure::Denied(_)) {
                metrics.denied();
            }
            tracing::warn!(plugin = %self.config.plugin, %failure, "request refused");
        })?;
        let bucket = self.limiter.bucket_for(&prepared.url);
        let retry_policy = &self.config.settings.retry;
        let max_attempts = retry_policy.max_attempts.max(1);
        let max_wait = self.limiter.policy().max_rate_limit_wait;

        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let slot = if retry_rules::is_write(&prepared.method) {
                self.limiter.write_slot().await
            } else {
                None
            };
            if let Some((_, queued)) = &slot {
                metrics.write_queue_wait(*queued);
            }
            if !self.wait_for_budget(bucket, max_wait).await {
                return Err(HttpFailure::Transport(format!(
                    "{}: stopping, so not waiting for the rate limit to reset; it is sent next run",
                    prepared.label
                )));
            }

            let attempt_started = Instant::now();
            let outcome = self.attempt(&prepared).await;
            let latency = attempt_started.elapsed();
            drop(slot);

            let may_retry_after = |delay: Duration| {
                attempt < max_attempts && started.elapsed() + delay <= retry_policy.max_total
            };
            match outcome {
                Ok(response) => {
                    metrics.attempt(AttemptOutcome::Status(response.status), latency);
                    tracing::debug!(
                        request = %prepared.label,
                        status = response.status,
                        latency_ms = latency.as_millis() as u64,
                        attempt,
                        "response"
                    );
                    let budget_wait = self.limiter.record_response(&response.headers, bucket);
                    // `retry-after` is in the platform's time (scaled on a sandbox).
                    let retry_after =
                        rate_headers::retry_after(&response.headers, SystemTime::now())
                            .map(|wait| self.limiter.scaled(wait));
                    let verdict = retry_rules::classify(
                        self.limiter.policy().kind,
                        &prepared.method,
                        response.status,
                        retry_after,
                        budget_wait,
                    );
                    match verdict {
                        Verdict::Final => return Ok(into_inbound(response)),
                        Verdict::RateLimited(Some(wait)) => {
                            if wait > max_wait || !may_retry_after(wait) {
                                tracing::warn!(
                                    request = %prepared.label,
                                    status = response.status,
                                    wait_ms = wait.as_millis() as u64,
                                    "rate limited; not waiting, returning the response"
                                );
                                return Ok(into_inbound(response));
                            }
                            if retry_after.is_some() {
                                self.limiter.block_all_for(wait);
                            }
                            tracing::info!(
                                request = %prepared.label,
                                status = response.status,
                                wait_ms = wait.as_millis() as u64,
                                "rate limited; retrying after the wait"
                            );
                            metrics.retry();
                            // The wait itself happens in `wait_for_budget` before the next
                            // attempt, where every gateway of the platform observes it.
                        }
                        Verdict::RateLimited(None) | Verdict::ServerError => {
                            let delay = retry_rules::backoff_delay(attempt, retry_policy);
                            if !may_retry_after(delay) {
                                return Ok(into_inbound(response));
                            }
                            tracing::info!(
                                request = %prepared.label,
                                status = response.status,
                                delay_ms = delay.as_millis() as u64,
                                attempt,
                                "retrying after backoff"
                            );
                            metrics.retry();
                            if !self.limiter.cancel.sleep(delay).await {
                                return Ok(into_inbound(response));
                            }
                            if verdict == Verdict::ServerError {
                                metrics.backoff_wait(delay);
                            } else {
                                metrics.rate_limit_wait(delay);
                            }
                        }
                    }
                }
                Err(failure) => {
                    let (outcome, connection_failed) = match &failure {
                        AttemptFailure::Timeout { connection_failed } => {
                            (AttemptOutcome::Timeout, *connection_failed)
                        }
                        AttemptFailure::Transport {
                            connection_failed, ..
                        } => (AttemptOutcome::Transport, *connection_failed),
                        AttemptFailure::BodyTooLarge => (AttemptOutcome::Transport, false),
                    };
                    metrics.attempt(outcome, latency);
                    let retryable = !matches!(failure, AttemptFailure::BodyTooLarge)
                        && retry_rules::transport_failure_is_retryable(
                            &prepared.method,
                            connection_failed,
                        );
                    let delay = retry_rules::backoff_delay(attempt, retry_policy);
                    if !retryable || !may_retry_after(delay) {
                        return Err(self.describe_failure(&prepared, failure, attempt));
                    }
                    tracing::info!(
                        request = %prepared.label,
                        delay_ms = delay.as_millis() as u64,
                        attempt,
                        "no response; retrying after backoff"
                    );
                    metrics.retry();
                    if !self.limiter.cancel.sleep(delay).await {
                        return Err(self.describe_failure(&prepared, failure, attempt));
                    }
                    metrics.backoff_wait(delay);
                }
            }
        }
    }

    /// Waits while the platform reported the request's budget exhausted or asked every
    /// request to hold off — unless that wait exceeds `max_wait`, in which case the
    /// request goes out at once and the plugin gets the platform's answer.
    /// Returns false when a stop ended the wait: the request is not sent.
    async fn wait_for_budget(&self, bucket: &str, max_wait: Duration) -> bool {
        let Some(wait) = self.limiter.wait_for(bucket) else {
            return true;
        };
        if wait > max_wait {
            tracing::warn!(
                platform = %self.limiter.platform(),
                budget = bucket,
                wait_ms = wait.as_millis() as u64,
                "rate-limit reset is further away than the configured maximum wait; not waiting"
            );
            return true;
        }
        let announced = self.limiter.announce_wait(bucket, wait);
        tracing::warn!(
            platform = %announced.platform,
            budget = bucket,
            wait_ms = announced.wait_ms,
            until = %announced.until,
            "waiting for the platform's rate limit to reset"
        );
        let waiting_since = Instant::now();
        let waited = self.limiter.cancel.sleep(wait).await;
        self.limiter
            .metrics
            .rate_limit_wait(waiting_since.elapsed());
        waited
    }

    async fn attempt(&self, prepared: &PreparedRequest) -> Result<RawResponse, AttemptFailure> {
        let mut builder = self
            .transport
            .client()
            .request(prepared.method.clone(), prepared.url.clone())
            .headers(prepared.headers.clone());
        if let Some(body) = &prepared.body {
            builder = builder.body(body.clone());
        }
        let limit = self.config.settings.max_response_bytes;
        let exchange = async {
            let mut response = builder.send().await.map_err(classify_reqwest_error)?;
            if response
                .content_length()
                .is_some_and(|length| length > limit as u64)
            {
                return Err(AttemptFailure::BodyTooLarge);
            }
            let status = response.status().as_u16();
            let headers = std::mem::take(response.headers_mut());
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(classify_reqwest_error)? {
                if body.len() + chunk.len() > limit {
                    return Err(AttemptFailure::BodyTooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(RawResponse {
                status,
                headers,
                body,
            })
        };
        match tokio::time::timeout(self.config.settings.request_timeout, exchange).await {
            Ok(result) => result,
            Err(_elapsed) => Err(AttemptFailure::Timeout {
                connection_failed: false,
            }),
        }
    }

    fn describe_failure(
        &self,
        prepared: &PreparedRequest,
        failure: AttemptFailure,
        attempts: u32,
    ) -> HttpFailure {
        let label = &prepared.label;
        let tries = if attempts == 1 {
            "1 attempt".to_string()
        } else {
            format!("{attempts} attempts")
        };
        match failure {
            AttemptFailure::Timeout { connection_failed } => {
                let what = if connection_failed {
                    "could not connect in time".to_string()
                } else {
                    format!(
                        "no complete response within {:?}",
                        self.config.settings.request_timeout
                    )
                };
                HttpFailure::Timeout(format!("{label}: {what} ({tries})"))
            }
            AttemptFailure::Transport { cause, .. } => {
                HttpFailure::Transport(format!("{label}: {cause} ({tries})"))
            }
            AttemptFailure::BodyTooLarge => HttpFailure::Transport(format!(
                "{label}: the response body exceeds the limit of {} bytes",
                self.config.settings.max_response_bytes
            )),
        }
    }
}

impl HttpClient for Gateway {
    fn send(&self, request: OutboundRequest) -> Result<InboundResponse, HttpFailure> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(HttpFailure::Transport(
                "the HTTP gateway was called from inside an async runtime; call it from a \
                 blocking thread (e.g. tokio::task::spawn_blocking) or use send_async"
                    .into(),
            ));
        }
        self.transport.handle().block_on(self.send_async(request))
    }
}

fn classify_reqwest_error(error: reqwest::Error) -> AttemptFailure {
    let connection_failed = error.is_connect();
    if error.is_timeout() {
        return AttemptFailure::Timeout { connection_failed };
    }
    AttemptFailure::Transport {
        cause: error_chain(&error.without_url()),
        connection_failed,
    }
}

/// The error and its causes, `outer: inner: root`, without repeating identical messages.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

fn into_inbound(response: RawResponse) -> InboundResponse {
    let headers = response
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    InboundResponse {
        status: response.status,
        headers,
        body: response.body,
    }
}
