//! Test utilities for the engine, usable by other tests and benchmarks: an in-memory
//! connector with failure injection and write normalisation, a sleeper that records
//! instead of waiting, simple converters, and the executor's crash points.

mod config;
mod converters;
mod memory;

pub use crate::engine::CrashPoint;
pub use config::{sync_config, text_mapping};
pub use converters::{IdentityConverter, UppercaseConverter};
pub use memory::{CallCounts, FailureKind, MemoryConnector, Op, trim_text};

use crate::engine::{Sleeper, StopSignal};
use std::sync::Mutex;
use std::time::Duration;

/// Records the delays the engine asked for, without waiting.
#[derive(Debug, Default)]
pub struct RecordingSleeper {
    delays: Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    pub fn new() -> RecordingSleeper {
        RecordingSleeper::default()
    }

    pub fn delays(&self) -> Vec<Duration> {
        self.delays.lock().map(|d| d.clone()).unwrap_or_default()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, delay: Duration, stop: &StopSignal) -> bool {
        if let Ok(mut d) = self.delays.lock() {
            d.push(delay);
        }
        !stop.requested()
    }
}
