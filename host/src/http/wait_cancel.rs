//! Ending the gateway's waits early: a run that is asked to stop must not sit out a
//! rate-limit reset or a retry backoff first. Once cancelled, every wait (current and
//! future) ends at once and its request fails as "stopping", to be done next run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// Shared by a run's limiters; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct WaitCanceller(Arc<(AtomicBool, Notify)>);

impl WaitCanceller {
    pub fn new() -> WaitCanceller {
        WaitCanceller::default()
    }

    /// Ends every wait, now and from now on.
    pub fn cancel(&self) {
        self.0.0.store(true, Ordering::SeqCst);
        self.0.1.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.0.load(Ordering::SeqCst)
    }

    /// Sleeps `delay` unless cancelled first; returns whether it slept it all.
    pub async fn sleep(&self, delay: Duration) -> bool {
        let notified = self.0.1.notified();
        tokio::pin!(notified);
        // Registered before the flag is read, so a cancel in between is not missed.
        notified.as_mut().enable();
        if self.is_cancelled() {
            return false;
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => true,
            _ = notified => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[tokio::test]
    async fn a_cancel_ends_a_long_wait_and_every_later_one() {
        let canceller = WaitCanceller::new();
        let waiting = canceller.clone();
        let started = Instant::now();
        let wait = tokio::spawn(async move { waiting.sleep(Duration::from_secs(60)).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        canceller.cancel();
        assert!(!wait.await.unwrap(), "the wait was cut short");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(!canceller.sleep(Duration::from_secs(60)).await);
        assert!(WaitCanceller::new().sleep(Duration::from_millis(1)).await);
    }
}
