//! Pending updates: the values an update is about to write, committed before it is sent. A
//! run that dies between the platform applying the write and recording the new base leaves
//! the record behind; the next run sees its own value on the platform, takes it as the base
//! (so it is not mistaken for a user's edit, and a later user edit on the other side is not
//! met with our stale value), and drops the record.

use super::{Store, StoreResult, Tx, from_json, stamp, to_json};
use chrono::Utc;
use pmsync_core::plan::Base;
use pmsync_core::{Side, Value};
use rusqlite::params;
use serde::{Deserialize, Serialize};

/// One field value being written to one side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingWrite {
    pub side: Side,
    pub field: String,
    pub value: Value,
}

/// The writes of one linked pair in flight, and the base to record once they land.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingUpdate {
    pub source_id: String,
    pub writes: Vec<PendingWrite>,
    pub new_base: Base,
}

impl Store {
    /// Updates of `sync` sent (or about to be) whose outcome was never recorded.
    pub fn pending_updates(&self, sync: &str) -> StoreResult<Vec<PendingUpdate>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT source_id, writes, new_base FROM pending_updates WHERE sync = ?1 ORDER BY source_id",
        )?;
        let raws = stmt
            .query_map(params![sync], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        raws.into_iter()
            .map(|(source_id, writes, new_base)| {
                Ok(PendingUpdate {
                    writes: from_json(&format!("pending writes of {source_id}"), &writes)?,
                    new_base: from_json(&format!("pending base of {source_id}"), &new_base)?,
                    source_id,
                })
            })
            .collect()
    }
}

impl Tx<'_> {
    /// Records the writes about to be sent for a pair (replacing an older record).
    pub fn put_pending_update(&self, sync: &str, pending: &PendingUpdate) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO pending_updates (sync, source_id, writes, new_base, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (sync, source_id) DO UPDATE SET
                    writes = excluded.writes, new_base = excluded.new_base, created_at = excluded.created_at",
            )?
            .execute(params![
                sync,
                pending.source_id,
                to_json(&pending.writes),
                to_json(&pending.new_base),
                stamp(Utc::now())
            ])?;
        Ok(())
    }

    /// The pair's writes are settled (recorded, or known not to have happened).
    pub fn clear_pending_update(&self, sync: &str, source_id: &str) -> StoreResult<()> {
        self.conn()
            .prepare_cached("DELETE FROM pending_updates WHERE sync = ?1 AND source_id = ?2")?
            .execute(params![sync, source_id])?;
        Ok(())
    }
}
