//! Per-side watermarks: the latest `updated_at` up to which every change is committed.

use super::{Store, StoreResult, Tx, parse_stamp, stamp};
use chrono::{DateTime, Utc};
use pmsync_core::Side;
use rusqlite::{OptionalExtension, params};

impl Store {
    pub fn watermark(&self, sync: &str, side: Side) -> StoreResult<Option<DateTime<Utc>>> {
        let text: Option<String> = self
            .conn()
            .query_row(
                "SELECT watermark FROM watermarks WHERE sync = ?1 AND side = ?2",
                params![sync, side.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| parse_stamp(&format!("{side} watermark of sync {sync}"), &t))
            .transpose()
    }
}

impl Tx<'_> {
    /// Move the watermark forward to `at`; never moves it back.
    pub fn advance_watermark(&self, sync: &str, side: Side, at: DateTime<Utc>) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO watermarks (sync, side, watermark, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (sync, side) DO UPDATE SET watermark = excluded.watermark, updated_at = excluded.updated_at
                 WHERE excluded.watermark > watermarks.watermark",
            )?
            .execute(params![sync, side.as_str(), stamp(at), stamp(Utc::now())])?;
        Ok(())
    }
}
