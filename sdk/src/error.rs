//! Constructors and queries on [`PluginError`], the typed error every plugin call returns.

use crate::{PluginError, RateLimit};

impl PluginError {
    /// Permanent: this input can never succeed. The host fails the item and never retries it.
    pub fn invalid_input(message: impl Into<String>) -> PluginError {
        PluginError::InvalidInput(message.into())
    }

    /// Temporary: the host retries with backoff.
    pub fn transient(message: impl Into<String>) -> PluginError {
        PluginError::Transient(message.into())
    }

    /// The host retries after `retry_after_ms` milliseconds.
    pub fn rate_limited(retry_after_ms: u64, message: impl Into<String>) -> PluginError {
        PluginError::RateLimited(RateLimit {
            retry_after_ms,
            message: message.into(),
        })
    }

    /// Credentials missing, wrong or lacking permission.
    pub fn unauthorized(message: impl Into<String>) -> PluginError {
        PluginError::Unauthorized(message.into())
    }

    /// The item, or something it refers to, does not exist.
    pub fn not_found(message: impl Into<String>) -> PluginError {
        PluginError::NotFound(message.into())
    }

    /// An optional call this plugin does not implement, or an operation or field its
    /// platform does not have; permanent.
    pub fn unsupported(message: impl Into<String>) -> PluginError {
        PluginError::Unsupported(message.into())
    }

    /// The human-readable message, whatever the case.
    pub fn message(&self) -> &str {
        match self {
            PluginError::InvalidInput(message)
            | PluginError::Transient(message)
            | PluginError::Unauthorized(message)
            | PluginError::NotFound(message)
            | PluginError::Unsupported(message) => message,
            PluginError::RateLimited(limit) => &limit.message,
        }
    }

    /// The same kind of error (and retry delay) with another message, e.g. the platform's own
    /// explanation in place of a generic one.
    pub fn with_message(self, message: impl Into<String>) -> PluginError {
        let message = message.into();
        match self {
            PluginError::InvalidInput(_) => PluginError::InvalidInput(message),
            PluginError::Transient(_) => PluginError::Transient(message),
            PluginError::Unauthorized(_) => PluginError::Unauthorized(message),
            PluginError::NotFound(_) => PluginError::NotFound(message),
            PluginError::Unsupported(_) => PluginError::Unsupported(message),
            PluginError::RateLimited(limit) => PluginError::RateLimited(RateLimit {
                retry_after_ms: limit.retry_after_ms,
                message,
            }),
        }
    }

    /// True for the cases the host retries: `transient` and `rate-limited`.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            PluginError::Transient(_) | PluginError::RateLimited(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_and_rate_limited_errors_are_retryable() {
        assert!(PluginError::transient("reset").is_retryable());
        assert!(PluginError::rate_limited(1_000, "slow down").is_retryable());
        assert!(!PluginError::invalid_input("too long").is_retryable());
        assert!(!PluginError::unauthorized("bad token").is_retryable());
        assert!(!PluginError::not_found("gone").is_retryable());
    }

    #[test]
    fn message_reads_through_every_case() {
        assert_eq!(
            PluginError::rate_limited(5, "slow down").message(),
            "slow down"
        );
        assert_eq!(PluginError::not_found("PROJ-1").message(), "PROJ-1");
    }

    #[test]
    fn with_message_keeps_the_kind_and_the_retry_delay() {
        let again =
            PluginError::rate_limited(1500, "slow down").with_message("GitHub: secondary limit");
        assert!(matches!(
            &again,
            PluginError::RateLimited(RateLimit { retry_after_ms: 1500, message }) if message == "GitHub: secondary limit"
        ));
        let gone = PluginError::unsupported("no webhooks").with_message("Linear: no webhooks here");
        assert!(matches!(gone, PluginError::Unsupported(m) if m == "Linear: no webhooks here"));
    }
}
