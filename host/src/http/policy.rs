//! Configuration of the gateway: per-platform rate-limit behaviour, retries, timeouts.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Which platform's rate-limit conventions apply. A connector declares it in its manifest
/// (`[connector] rate_limit_headers = "github"`); the host never guesses it from a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlatformKind {
    /// `x-ratelimit-remaining`/`-reset`/`-resource`; secondary limits via 403/429 +
    /// `retry-after`; writes serialized and spaced.
    GitHub,
    /// 429/503 + `Retry-After`; `RateLimit-Reason` logged.
    Jira,
    /// `X-RateLimit-Requests-*` and `X-RateLimit-Complexity-*`; 429 retried.
    Linear,
    /// Only `Retry-After` on 429/503 and the generic 5xx/transport retries.
    #[default]
    Generic,
}

/// The request budget one response reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLeft {
    pub remaining: u64,
    pub limit: Option<u64>,
    pub resets_at: Option<SystemTime>,
    /// The budget's name, when the platform says (GitHub's `x-ratelimit-resource`).
    pub bucket: Option<String>,
}

impl PlatformKind {
    /// The request budget a response reports under this convention, if it reports one on
    /// ordinary responses (Jira reports its limits only once one is hit).
    pub fn budget_left(self, headers: &[(String, String)]) -> Option<BudgetLeft> {
        let (remaining, limit, reset, bucket) = match self {
            PlatformKind::GitHub => (
                "x-ratelimit-remaining",
                "x-ratelimit-limit",
                "x-ratelimit-reset",
                Some("x-ratelimit-resource"),
            ),
            PlatformKind::Linear => (
                "x-ratelimit-requests-remaining",
                "x-ratelimit-requests-limit",
                "x-ratelimit-requests-reset",
                None,
            ),
            PlatformKind::Jira | PlatformKind::Generic => return None,
        };
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
        };
        let number = |name: &str| {
            get(name)
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|n| n.is_finite() && *n >= 0.0)
        };
        Some(BudgetLeft {
            remaining: number(remaining)? as u64,
            limit: number(limit).map(|n| n as u64),
            // Epoch seconds (GitHub) or milliseconds (Linear), told apart by size.
            resets_at: number(reset).map(|n| {
                let seconds = if n > 100_000_000_000.0 { n / 1000.0 } else { n };
                UNIX_EPOCH + Duration::from_secs_f64(seconds)
            }),
            bucket: bucket
                .and_then(get)
                .filter(|b| !b.is_empty())
                .map(str::to_string),
        })
    }
}

/// Per-platform rate-limit behaviour. Shared by every gateway of that platform through its
/// [`PlatformLimiter`](super::PlatformLimiter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatePolicy {
    pub kind: PlatformKind,
    /// When set, writes (POST, PATCH, PUT, DELETE) are sent one at a time across all
    /// gateways sharing the limiter, and each starts at least this long after the previous
    /// one finished. GitHub asks for one second.
    pub min_write_interval: Option<Duration>,
    /// The longest the gateway waits for a rate-limit reset or a `Retry-After`. When the
    /// platform asks for a longer wait, the gateway does not wait: the request goes out
    /// (or the limit response is returned) and the plugin sees the platform's 403/429
    /// with its headers, which it maps to a rate-limited error.
    pub max_rate_limit_wait: Duration,
}

impl RatePolicy {
    pub const DEFAULT_MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

    pub fn github() -> Self {
        RatePolicy {
            kind: PlatformKind::GitHub,
            min_write_interval: Some(Duration::from_secs(1)),
            max_rate_limit_wait: Self::DEFAULT_MAX_RATE_LIMIT_WAIT,
        }
    }

    pub fn jira() -> Self {
        Self::plain(PlatformKind::Jira)
    }

    pub fn linear() -> Self {
        Self::plain(PlatformKind::Linear)
    }

    pub fn generic() -> Self {
        Self::plain(PlatformKind::Generic)
    }

    /// The policy a connector declares in its manifest: whose rate-limit headers the
    /// platform sends, and the spacing it asks for between writes.
    pub fn declared(kind: PlatformKind, write_spacing: Option<Duration>) -> Self {
        RatePolicy {
            kind,
            min_write_interval: write_spacing.filter(|d| !d.is_zero()),
            max_rate_limit_wait: Self::DEFAULT_MAX_RATE_LIMIT_WAIT,
        }
    }

    pub fn with_min_write_interval(mut self, interval: Option<Duration>) -> Self {
        self.min_write_interval = interval;
        self
    }

    pub fn with_max_rate_limit_wait(mut self, wait: Duration) -> Self {
        self.max_rate_limit_wait = wait;
        self
    }

    fn plain(kind: PlatformKind) -> Self {
        RatePolicy {
            kind,
            min_write_interval: None,
            max_rate_limit_wait: Self::DEFAULT_MAX_RATE_LIMIT_WAIT,
        }
    }
}

/// Retries of 5xx responses, transport errors and rate-limit responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first one included (1 = never retry).
    pub max_attempts: u32,
    /// Backoff before retry n is uniformly random in `[0, min(max_delay, base_delay × 2^(n-1))]`
    /// ("full jitter").
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// No retry starts once this much time has passed since the plugin called `send`
    /// (waits included); the last response or failure is returned instead.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_total: Duration::from_secs(120),
        }
    }
}

/// Per-gateway (per connector instance) limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewaySettings {
    /// One attempt, from connecting to the last byte of the body.
    pub request_timeout: Duration,
    /// Larger response bodies fail the request with a transport error.
    pub max_response_bytes: usize,
    pub retry: RetryPolicy,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        GatewaySettings {
            request_timeout: Duration::from_secs(30),
            max_response_bytes: 32 * 1024 * 1024,
            retry: RetryPolicy::default(),
        }
    }
}

/// Settings of the one shared HTTP client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportSettings {
    pub connect_timeout: Duration,
    /// Honour `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` from the environment.
    pub use_system_proxy: bool,
    pub user_agent: String,
}

impl Default for TransportSettings {
    fn default() -> Self {
        TransportSettings {
            connect_timeout: Duration::from_secs(10),
            use_system_proxy: true,
            user_agent: format!("pmsync/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}
