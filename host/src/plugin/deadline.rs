//! The wall-clock deadline of a plugin call counts the plugin's own running only. Time the
//! call spends blocked in a host import — `http.send` waiting for the platform's write
//! pacing, a rate-limit reset, a retry's backoff, the response — is the host's, bounded per
//! request by the HTTP gateway (timeout, retries, maximum wait), so a batch of any size
//! completes when each of its requests is within its own limits.

use super::state::PluginState;
use super::wasmtime_engine::PluginEngine;
use std::time::{Duration, Instant};
use wasmtime::{StoreContextMut, UpdateDeadline};

/// When the current call started and how much of it was spent in host imports.
#[derive(Debug, Clone, Copy)]
pub struct CallClock {
    started: Instant,
    in_host: Duration,
}

impl Default for CallClock {
    fn default() -> Self {
        CallClock {
            started: Instant::now(),
            in_host: Duration::ZERO,
        }
    }
}

impl CallClock {
    /// A new call starts now.
    pub fn restart(&mut self) {
        *self = CallClock::default();
    }

    /// `blocked` was spent in a host import.
    pub fn add_host_time(&mut self, blocked: Duration) {
        self.in_host += blocked;
    }

    /// How long the plugin itself has run in this call.
    pub fn guest_time(&self) -> Duration {
        self.started.elapsed().saturating_sub(self.in_host)
    }
}

/// Called by wasmtime when the epoch deadline passes: the call goes on for the rest of its
/// `timeout` when part of the elapsed time was host time, and is interrupted otherwise.
pub fn on_deadline(
    store: StoreContextMut<'_, PluginState>,
    timeout: Duration,
) -> wasmtime::Result<UpdateDeadline> {
    let state = store.data();
    let used = state.call_clock.guest_time();
    // The timeout is per item: a call carrying `call_items` requests gets that many times it.
    let timeout = timeout.saturating_mul(u32::try_from(state.call_items).unwrap_or(u32::MAX));
    match timeout.checked_sub(used) {
        Some(left) if !left.is_zero() => Ok(UpdateDeadline::Continue(
            PluginEngine::deadline_ticks(left.as_millis() as u64),
        )),
        _ => Ok(UpdateDeadline::Interrupt),
    }
}
