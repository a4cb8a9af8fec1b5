//! Links: which item on one side is paired with which on the other, and their base.

use super::{Store, StoreResult, Tx, from_json, stamp, to_json};
use chrono::Utc;
use pmsync_core::Side;
use pmsync_core::plan::{Base, Link};
use rusqlite::{Connection, OptionalExtension, Row, params};

const COLUMNS: &str = "source_id, target_id, source_key, target_key, base";

fn read(row: &Row<'_>) -> rusqlite::Result<(String, String, String, String, String)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn build(raw: (String, String, String, String, String)) -> StoreResult<Link> {
    let (source_id, target_id, source_key, target_key, base) = raw;
    let base: Base = from_json(&format!("base of link {source_key} ↔ {target_key}"), &base)?;
    Ok(Link {
        source_id,
        target_id,
        source_key,
        target_key,
        base,
    })
}

pub(crate) fn find(
    conn: &Connection,
    sync: &str,
    side: Side,
    id: &str,
) -> StoreResult<Option<Link>> {
    let column = match side {
        Side::Source => "source_id",
        Side::Target => "target_id",
    };
    let raw = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM links WHERE sync = ?1 AND {column} = ?2"
        ))?
        .query_row(params![sync, id], read)
        .optional()?;
    raw.map(build).transpose()
}

impl Store {
    /// The link of the item `id` on `side`, if it has one.
    pub fn link(&self, sync: &str, side: Side, id: &str) -> StoreResult<Option<Link>> {
        find(self.conn(), sync, side, id)
    }

    /// All links of a sync, ordered by source id.
    pub fn links(&self, sync: &str) -> StoreResult<Vec<Link>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {COLUMNS} FROM links WHERE sync = ?1 ORDER BY source_id"
        ))?;
        let raws = stmt
            .query_map(params![sync], read)?
            .collect::<Result<Vec<_>, _>>()?;
        raws.into_iter().map(build).collect()
    }

    pub fn link_count(&self, sync: &str) -> StoreResult<i64> {
        Ok(self.conn().query_row(
            "SELECT COUNT(*) FROM links WHERE sync = ?1",
            params![sync],
            |r| r.get(0),
        )?)
    }
}

impl Tx<'_> {
    pub fn link(&self, sync: &str, side: Side, id: &str) -> StoreResult<Option<Link>> {
        find(self.conn(), sync, side, id)
    }

    /// Record a new link, or replace the keys and base of the link with the same source id.
    pub fn put_link(&self, sync: &str, link: &Link) -> StoreResult<()> {
        let now = stamp(Utc::now());
        self.conn()
            .prepare_cached(
                "INSERT INTO links (sync, source_id, target_id, source_key, target_key, base, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
                 ON CONFLICT (sync, source_id) DO UPDATE SET
                    target_id = excluded.target_id, source_key = excluded.source_key,
                    target_key = excluded.target_key, base = excluded.base, updated_at = excluded.updated_at",
            )?
            .execute(params![sync, link.source_id, link.target_id, link.source_key, link.target_key, to_json(&link.base), now])?;
        Ok(())
    }

    /// Replace the base of an existing link.
    pub fn set_base(&self, sync: &str, source_id: &str, base: &Base) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "UPDATE links SET base = ?3, updated_at = ?4 WHERE sync = ?1 AND source_id = ?2",
            )?
            .execute(params![sync, source_id, to_json(base), stamp(Utc::now())])?;
        Ok(())
    }

    /// Forget a link (the items stay as they are).
    pub fn remove_link(&self, sync: &str, source_id: &str) -> StoreResult<()> {
        self.conn()
            .prepare_cached("DELETE FROM links WHERE sync = ?1 AND source_id = ?2")?
            .execute(params![sync, source_id])?;
        Ok(())
    }
}
