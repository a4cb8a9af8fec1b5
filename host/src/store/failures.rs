//! Items that failed to sync: kept, visible, and retried on the next run until they succeed.

use super::intents::parse_side;
use super::{Store, StoreResult, Tx, parse_stamp, stamp};
use chrono::{DateTime, Utc};
use pmsync_core::Side;
use rusqlite::params;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedItem {
    pub sync: String,
    pub side: Side,
    pub item_id: String,
    pub key: String,
    pub error: String,
    /// Whether the last error was transient (retrying can help without any change).
    pub retryable: bool,
    /// Attempts over all runs.
    pub attempts: u32,
    pub first_failure: DateTime<Utc>,
    pub last_failure: DateTime<Utc>,
}

impl Store {
    /// Failed items (`sync` None: all syncs).
    pub fn failed_items(&self, sync: Option<&str>) -> StoreResult<Vec<FailedItem>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT sync, side, item_id, item_key, error, retryable, attempts, first_failure, last_failure
             FROM failed_items WHERE ?1 IS NULL OR sync = ?1 ORDER BY sync, first_failure, item_id",
        )?;
        let raws = stmt
            .query_map(params![sync], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, bool>(5)?,
                    r.get::<_, u32>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        raws.into_iter()
            .map(
                |(sync, side, item_id, key, error, retryable, attempts, first, last)| {
                    let what = format!("failed item {key}");
                    Ok(FailedItem {
                        side: parse_side(&side)?,
                        first_failure: parse_stamp(&what, &first)?,
                        last_failure: parse_stamp(&what, &last)?,
                        sync,
                        item_id,
                        key,
                        error,
                        retryable,
                        attempts,
                    })
                },
            )
            .collect()
    }
}

impl Tx<'_> {
    /// Record (or add to) the failure of an item.
    #[allow(clippy::too_many_arguments)]
    pub fn record_failure(
        &self,
        sync: &str,
        side: Side,
        item_id: &str,
        key: &str,
        error: &str,
        retryable: bool,
        attempts: u32,
    ) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO failed_items (sync, side, item_id, item_key, error, retryable, attempts, first_failure, last_failure)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
                 ON CONFLICT (sync, side, item_id) DO UPDATE SET
                    item_key = excluded.item_key, error = excluded.error, retryable = excluded.retryable,
                    attempts = failed_items.attempts + excluded.attempts, last_failure = excluded.last_failure",
            )?
            .execute(params![sync, side.as_str(), item_id, key, error, retryable, attempts, stamp(Utc::now())])?;
        Ok(())
    }

    /// The item synced: forget its failure. Returns whether there was one.
    pub fn clear_failure(&self, sync: &str, side: Side, item_id: &str) -> StoreResult<bool> {
        let n = self
            .conn()
            .prepare_cached(
                "DELETE FROM failed_items WHERE sync = ?1 AND side = ?2 AND item_id = ?3",
            )?
            .execute(params![sync, side.as_str(), item_id])?;
        Ok(n > 0)
    }
}
