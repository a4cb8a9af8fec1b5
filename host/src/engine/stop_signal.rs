//! Stopping a run gracefully: once asked, no new write starts; the writes in flight finish
//! and are recorded, state is committed, and the run ends, leaving the rest for the next
//! run. Cheap to clone and share between threads (a signal handler sets it).

use crate::http::WaitCanceller;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The stop flag, the engine's waits on it, and the HTTP gateway's waits (through
/// [`StopSignal::network_waits`]).
#[derive(Debug, Clone, Default)]
pub struct StopSignal(Arc<(Mutex<bool>, Condvar)>, WaitCanceller);

impl StopSignal {
    pub fn new() -> StopSignal {
        StopSignal::default()
    }

    /// Ask the run to stop; wakes every [`StopSignal::wait_timeout`].
    pub fn request(&self) {
        let (flag, woken) = &*self.0;
        *flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
        woken.notify_all();
        self.1.cancel();
    }

    /// What ends the HTTP gateway's waits (rate-limit resets, backoffs) when a stop is asked
    /// for; give it to the run's limiters.
    pub fn network_waits(&self) -> WaitCanceller {
        self.1.clone()
    }

    /// Whether a stop was asked for.
    pub fn requested(&self) -> bool {
        *self.0.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits `delay`, or less when a stop is asked for meanwhile; returns whether it was.
    pub fn wait_timeout(&self, delay: Duration) -> bool {
        let (flag, woken) = &*self.0;
        let deadline = Instant::now() + delay;
        let mut stopped = flag.lock().unwrap_or_else(|p| p.into_inner());
        while !*stopped {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            stopped = woken
                .wait_timeout(stopped, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *stopped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_ends_when_a_stop_is_asked_for() {
        let stop = StopSignal::new();
        let waiter = stop.clone();
        let started = Instant::now();
        let handle = std::thread::spawn(move || waiter.wait_timeout(Duration::from_secs(30)));
        std::thread::sleep(Duration::from_millis(50));
        stop.request();
        assert!(handle.join().unwrap(), "the wait reports the stop");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(!StopSignal::new().wait_timeout(Duration::from_millis(10)));
    }
}
