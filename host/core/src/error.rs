//! Typed errors of a call that works on one item: the host acts on the kind.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Why a call on one item failed. Mirrors the WIT `plugin-error`, plus failures of the
/// plugin itself (trap, timeout, memory, fuel), which are permanent for that item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum ItemError {
    /// Permanent: never retried.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Retried with backoff.
    #[error("transient error: {0}")]
    Transient(String),
    /// Retried after the delay.
    #[error("rate limited (retry after {}ms): {message}", retry_after.as_millis())]
    RateLimited {
        retry_after: Duration,
        message: String,
    },
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// The plugin does not do this (an optional call, or something its platform lacks).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The plugin trapped, ran out of time, memory or fuel, or broke the contract.
    #[error("plugin failure: {0}")]
    Plugin(String),
}

impl ItemError {
    /// Whether trying again later can succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ItemError::Transient(_) | ItemError::RateLimited { .. }
        )
    }

    /// The delay the other side asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ItemError::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}
