//! A per-store clock whose timestamps strictly increase, so "updated" orders are total and
//! an edit is always newer than the previous one, even within one millisecond.

use chrono::{DateTime, TimeDelta, Utc};

#[derive(Debug, Clone)]
pub(crate) struct Clock {
    last: DateTime<Utc>,
}

impl Clock {
    pub(crate) fn starting_after(last: DateTime<Utc>) -> Self {
        Clock { last }
    }

    /// Now, or 1 ms after the previous tick if the wall clock has not moved past it.
    pub(crate) fn tick(&mut self) -> DateTime<Utc> {
        let now = Utc::now();
        let next = if now > self.last {
            now
        } else {
            self.last + TimeDelta::milliseconds(1)
        };
        self.last = next;
        next
    }

    /// Makes later ticks come after `seen` (used when seeds or tests set times directly).
    pub(crate) fn observe(&mut self, seen: DateTime<Utc>) {
        if seen > self.last {
            self.last = seen;
        }
    }
}
