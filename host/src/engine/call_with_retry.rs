//! Calling a connector with bounded concurrency and per-item retries.
//!
//! A batch call returns one result per request. Requests whose result is transient or
//! rate-limited are called again (as a smaller batch) after `retry_delay × 2^(n-1)` plus
//! jitter, or after the `retry_after` the platform asked for if that is longer, up to
//! `max_retries` times. Permanent errors are final at once.

use super::stop_signal::StopSignal;
use pmsync_core::ItemError;
use pmsync_core::config::SyncConfig;
use rand::Rng;
use std::time::Duration;

/// Waits between retries. Tests substitute one that records instead of sleeping.
pub trait Sleeper: Send + Sync {
    /// Waits `delay`, unless `stop` is asked for first; returns whether it waited it all.
    fn sleep(&self, delay: Duration, stop: &StopSignal) -> bool;
}

/// Sleeps the calling thread; a stop request ends the sleep at once.
pub struct ThreadSleeper;

impl Sleeper for ThreadSleeper {
    fn sleep(&self, delay: Duration, stop: &StopSignal) -> bool {
        !stop.wait_timeout(delay)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub enabled: bool,
    pub max_retries: u32,
    pub base_delay: Duration,
    /// How many connector calls may be in flight at once.
    pub concurrency: usize,
    /// The longest wait a platform may ask for (a rate-limit reset); when it asks for more,
    /// the requests are not retried this run (they stay failed, kept for the next run).
    pub max_wait: Duration,
}

impl RetryPolicy {
    pub fn from_sync(sync: &SyncConfig) -> RetryPolicy {
        let seconds = if sync.retry_delay.is_finite() && sync.retry_delay >= 0.0 {
            sync.retry_delay
        } else {
            0.0
        };
        RetryPolicy {
            enabled: sync.enable_retry,
            max_retries: sync.max_retries,
            base_delay: Duration::from_secs_f64(seconds.min(3600.0)),
            concurrency: sync.concurrency.max(1) as usize,
            max_wait: Duration::from_secs(sync.max_wait),
        }
    }

    /// The delay before retry `n` (1-based), without jitter: `base × 2^(n-1)`.
    pub fn backoff(&self, n: u32) -> Duration {
        let factor = 2u32.saturating_pow(n.saturating_sub(1).min(20));
        self.base_delay.saturating_mul(factor)
    }
}

/// The final result for one request and how many calls it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempted<T> {
    pub result: Result<T, ItemError>,
    pub attempts: u32,
}

/// Split `requests` into up to `concurrency` chunks and make the calls in parallel on
/// scoped threads. One result per request, in order; a call that answers too few results
/// fails the unanswered requests.
pub fn call_concurrently<R, T, F>(
    requests: &[R],
    concurrency: usize,
    call: &F,
) -> Vec<Result<T, ItemError>>
where
    R: Sync,
    T: Send,
    F: Fn(&[R]) -> Vec<Result<T, ItemError>> + Sync,
{
    if requests.is_empty() {
        return Vec::new();
    }
    let complete = |chunk: &[R]| {
        let mut results = call(chunk);
        results.truncate(chunk.len());
        while results.len() < chunk.len() {
            results.push(Err(ItemError::Plugin(
                "connector returned fewer results than requests".into(),
            )));
        }
        results
    };
    let chunk_size = requests.len().div_ceil(concurrency.max(1));
    if chunk_size >= requests.len() {
        return complete(requests);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = requests
            .chunks(chunk_size)
            .map(|chunk| scope.spawn(move || complete(chunk)))
            .collect();
        let mut out = Vec::with_capacity(requests.len());
        for (handle, chunk) in handles.into_iter().zip(requests.chunks(chunk_size)) {
            match handle.join() {
                Ok(results) => out.extend(results),
                Err(_) => out.extend(
                    chunk
                        .iter()
                        .map(|_| Err(ItemError::Plugin("connector call panicked".into()))),
                ),
            }
        }
        out
    })
}

/// Call with retries. `call` gets the requests and the attempt number (1 for the first
/// call). Returns the final result per request and the number of retries made. A stop
/// asked for during a wait ends it: the requests still to retry keep their last error
/// (kept for the next run) and no retry starts.
pub fn call_with_retry<R, T, F>(
    policy: &RetryPolicy,
    sleeper: &dyn Sleeper,
    stop: &StopSignal,
    requests: &[R],
    call: &F,
) -> (Vec<Attempted<T>>, u32)
where
    R: Sync + Clone,
    T: Send,
    F: Fn(&[R], u32) -> Vec<Result<T, ItemError>> + Sync,
{
    let mut finals: Vec<Option<Attempted<T>>> = requests.iter().map(|_| None).collect();
    let mut pending: Vec<usize> = (0..requests.len()).collect();
    let mut attempt = 1u32;
    let mut retries = 0u32;
    while !pending.is_empty() {
        let batch: Vec<R> = pending.iter().map(|&i| requests[i].clone()).collect();
        let results = call_concurrently(&batch, policy.concurrency, &|r: &[R]| call(r, attempt));
        let mut again = Vec::new();
        let mut wait = Duration::ZERO;
        for (&index, result) in pending.iter().zip(results) {
            match result {
                Err(error)
                    if error.is_retryable() && policy.enabled && attempt <= policy.max_retries =>
                {
                    wait = wait.max(error.retry_after().unwrap_or_default());
                    again.push(index);
                    // Kept as the answer should no retry happen (a stop during the wait).
                    finals[index] = Some(Attempted {
                        result: Err(error),
                        attempts: attempt,
                    });
                }
                result => {
                    finals[index] = Some(Attempted {
                        result,
                        attempts: attempt,
                    })
                }
            }
        }
        if again.is_empty() {
            break;
        }
        if wait > policy.max_wait {
            let until = chrono::Utc::now()
                + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
            tracing::warn!(
                wait_s = wait.as_secs(),
                until = %until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                max_wait_s = policy.max_wait.as_secs(),
                "the platform asks to wait longer than max_wait; not waiting — {} item(s) are kept for the next run",
                again.len()
            );
            for index in again {
                finals[index] = Some(Attempted {
                    result: Err(ItemError::RateLimited {
                        retry_after: wait,
                        message: format!(
                            "rate limited until {} ({} s), longer than max_wait ({} s); kept for the next run",
                            until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                            wait.as_secs(),
                            policy.max_wait.as_secs()
                        ),
                    }),
                    attempts: attempt,
                });
            }
            break;
        }
        let backoff = policy.backoff(attempt);
        let jitter = backoff.mul_f64(rand::rng().random_range(0.0..0.1));
        let delay = wait.max(backoff + jitter);
        if delay >= Duration::from_secs(2) {
            let until = chrono::Utc::now()
                + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
            tracing::warn!(
                wait_s = delay.as_secs(),
                until = %until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                items = again.len(),
                "waiting before retrying (the platform asked to slow down or failed)"
            );
        }
        if !sleeper.sleep(delay, stop) {
            tracing::info!(
                items = again.len(),
                "stopping: not retrying; the items keep their last error for the next run"
            );
            break;
        }
        retries += again.len() as u32;
        pending = again;
        attempt += 1;
    }
    let out = finals
        .into_iter()
        .map(|f| {
            f.unwrap_or(Attempted {
                result: Err(ItemError::Plugin("request was never answered".into())),
                attempts: attempt,
            })
        })
        .collect();
    (out, retries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU32, Ordering};

    struct Recorder(Mutex<Vec<Duration>>);
    impl Sleeper for Recorder {
        fn sleep(&self, delay: Duration, stop: &StopSignal) -> bool {
            self.0.lock().unwrap().push(delay);
            !stop.requested()
        }
    }

    fn policy(max_retries: u32) -> RetryPolicy {
        RetryPolicy {
            enabled: true,
            max_retries,
            base_delay: Duration::from_secs(1),
            concurrency: 2,
            max_wait: Duration::from_secs(600),
        }
    }

    #[test]
    fn backoff_doubles_per_retry() {
        let p = policy(5);
        assert_eq!(p.backoff(1), Duration::from_secs(1));
        assert_eq!(p.backoff(2), Duration::from_secs(2));
        assert_eq!(p.backoff(3), Duration::from_secs(4));
    }

    #[test]
    fn transient_errors_are_retried_until_success_and_permanent_ones_are_not() {
        let calls = AtomicU32::new(0);
        let call = |reqs: &[u32], _attempt: u32| -> Vec<Result<u32, ItemError>> {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            reqs.iter()
                .map(|&r| match r {
                    0 if n < 2 => Err(ItemError::Transient("flaky".into())),
                    1 => Err(ItemError::InvalidInput("too long".into())),
                    r => Ok(r),
                })
                .collect()
        };
        let sleeper = Recorder(Mutex::new(Vec::new()));
        let p = RetryPolicy {
            concurrency: 1,
            ..policy(3)
        };
        let (results, retries) =
            call_with_retry(&p, &sleeper, &StopSignal::new(), &[0u32, 1, 2], &call);
        assert_eq!(
            results[0],
            Attempted {
                result: Ok(0),
                attempts: 3
            }
        );
        assert_eq!(results[1].attempts, 1);
        assert!(results[1].result.is_err());
        assert_eq!(
            results[2],
            Attempted {
                result: Ok(2),
                attempts: 1
            }
        );
        assert_eq!(retries, 2);
        let delays = sleeper.0.lock().unwrap().clone();
        assert_eq!(delays.len(), 2);
        assert!(delays[0] >= Duration::from_secs(1) && delays[0] < Duration::from_millis(1100));
        assert!(delays[1] >= Duration::from_secs(2) && delays[1] < Duration::from_millis(2200));
    }

    #[test]
    fn retry_after_longer_than_backoff_is_honoured() {
        let calls = AtomicU32::new(0);
        let call = |reqs: &[u32], _attempt: u32| -> Vec<Result<u32, ItemError>> {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            reqs.iter()
                .map(|&r| {
                    if n == 0 {
                        Err(ItemError::RateLimited {
                            retry_after: Duration::from_secs(30),
                            message: "slow down".into(),
                        })
                    } else {
                        Ok(r)
                    }
                })
                .collect()
        };
        let sleeper = Recorder(Mutex::new(Vec::new()));
        let (results, _) =
            call_with_retry(&policy(3), &sleeper, &StopSignal::new(), &[7u32], &call);
        assert_eq!(results[0].result, Ok(7));
        assert_eq!(
            sleeper.0.lock().unwrap().clone(),
            vec![Duration::from_secs(30)]
        );
    }

    #[test]
    fn a_wait_longer_than_max_wait_is_not_waited_and_the_items_stay_failed() {
        let call = |reqs: &[u32], _attempt: u32| -> Vec<Result<u32, ItemError>> {
            reqs.iter()
                .map(|_| {
                    Err(ItemError::RateLimited {
                        retry_after: Duration::from_secs(3000),
                        message: "budget spent".into(),
                    })
                })
                .collect()
        };
        let sleeper = Recorder(Mutex::new(Vec::new()));
        let (results, retries) =
            call_with_retry(&policy(3), &sleeper, &StopSignal::new(), &[1u32, 2], &call);
        assert!(
            sleeper.0.lock().unwrap().is_empty(),
            "no silent 50-minute wait"
        );
        assert_eq!(retries, 0);
        for r in &results {
            assert_eq!(r.attempts, 1);
            let message = r.result.as_ref().unwrap_err().to_string();
            assert!(
                message.contains("longer than max_wait (600 s)"),
                "{message}"
            );
            assert!(r.result.as_ref().unwrap_err().is_retryable());
        }
    }

    #[test]
    fn retries_stop_after_max_retries() {
        let call = |reqs: &[u32], _attempt: u32| -> Vec<Result<u32, ItemError>> {
            reqs.iter()
                .map(|_| Err(ItemError::Transient("down".into())))
                .collect()
        };
        let sleeper = Recorder(Mutex::new(Vec::new()));
        let (results, retries) = call_with_retry(
            &policy(2),
            &sleeper,
            &StopSignal::new(),
            &[1u32, 2, 3],
            &call,
        );
        assert!(results.iter().all(|r| r.attempts == 3 && r.result.is_err()));
        assert_eq!(retries, 6);
    }

    #[test]
    fn concurrent_chunks_keep_results_in_request_order() {
        let call = |reqs: &[u32]| -> Vec<Result<u32, ItemError>> {
            reqs.iter().map(|&r| Ok(r * 10)).collect()
        };
        let requests: Vec<u32> = (0..9).collect();
        let results = call_concurrently(&requests, 4, &call);
        let values: Vec<u32> = results.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(values, (0..9).map(|r| r * 10).collect::<Vec<_>>());
    }
}
