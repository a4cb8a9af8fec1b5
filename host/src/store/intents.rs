//! Create intents: written and committed before a create, so a crash between the create and
//! recording its link is recovered by looking the origin marker up instead of creating again.

use super::{Store, StoreError, StoreResult, Tx, from_json, stamp, to_json};
use chrono::Utc;
use pmsync_core::Side;
use pmsync_core::Value;
use pmsync_core::plan::Base;
use rusqlite::{Row, params};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentState {
    Pending,
    Created,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateIntent {
    pub sync: String,
    pub origin: String,
    pub from_side: Side,
    pub from_id: String,
    pub from_key: String,
    /// The from side's base as planned.
    pub base: Base,
    /// What the create means to write (field, value in the created side's terms): an item
    /// found by its origin marker is compared with it, and what is missing is written.
    pub fields: Vec<(String, Value)>,
    pub state: IntentState,
    pub created_id: Option<String>,
}

impl CreateIntent {
    /// The side the item is created on.
    pub fn target_side(&self) -> Side {
        self.from_side.other()
    }
}

fn side(text: &str) -> StoreResult<Side> {
    match text {
        "source" => Ok(Side::Source),
        "target" => Ok(Side::Target),
        other => Err(StoreError::Corrupt {
            what: "side".into(),
            message: format!("unknown side {other:?}"),
        }),
    }
}

type Raw = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
);

fn read(row: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
    ))
}

fn build(raw: Raw) -> StoreResult<CreateIntent> {
    let (sync, origin, from_side, from_id, from_key, base, state, created_id, fields) = raw;
    Ok(CreateIntent {
        base: from_json(&format!("base of create intent {origin}"), &base)?,
        fields: from_json(&format!("fields of create intent {origin}"), &fields)?,
        from_side: side(&from_side)?,
        state: if state == "created" {
            IntentState::Created
        } else {
            IntentState::Pending
        },
        sync,
        origin,
        from_id,
        from_key,
        created_id,
    })
}

impl Store {
    /// Intents whose create has not been confirmed (the create may or may not have happened).
    pub fn pending_intents(&self, sync: &str) -> StoreResult<Vec<CreateIntent>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT sync, origin, from_side, from_id, from_key, base, state, created_id, fields
             FROM create_intents WHERE sync = ?1 AND state = 'pending' ORDER BY id",
        )?;
        let raws = stmt
            .query_map(params![sync], read)?
            .collect::<Result<Vec<_>, _>>()?;
        raws.into_iter().map(build).collect()
    }
}

impl Tx<'_> {
    /// Record that `origin` is about to be created (idempotent).
    pub fn put_intent(&self, intent: &CreateIntent) -> StoreResult<()> {
        let now = stamp(Utc::now());
        self.conn()
            .prepare_cached(
                "INSERT INTO create_intents
                    (sync, origin, from_side, from_id, from_key, target_side, base, state, created_id, created_at, updated_at, fields)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', NULL, ?8, ?8, ?9)
                 ON CONFLICT (sync, origin) DO UPDATE SET
                    base = excluded.base, fields = excluded.fields, state = 'pending', created_id = NULL, updated_at = excluded.updated_at",
            )?
            .execute(params![
                intent.sync,
                intent.origin,
                intent.from_side.as_str(),
                intent.from_id,
                intent.from_key,
                intent.target_side().as_str(),
                to_json(&intent.base),
                now,
                to_json(&intent.fields)
            ])?;
        Ok(())
    }

    /// The create happened and its link is recorded.
    pub fn complete_intent(&self, sync: &str, origin: &str, created_id: &str) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "UPDATE create_intents SET state = 'created', created_id = ?3, updated_at = ?4 WHERE sync = ?1 AND origin = ?2",
            )?
            .execute(params![sync, origin, created_id, stamp(Utc::now())])?;
        Ok(())
    }

    /// The create is known not to have happened; the item is re-planned normally.
    pub fn drop_intent(&self, sync: &str, origin: &str) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "DELETE FROM create_intents WHERE sync = ?1 AND origin = ?2 AND state = 'pending'",
            )?
            .execute(params![sync, origin])?;
        Ok(())
    }
}

pub(crate) fn parse_side(text: &str) -> StoreResult<Side> {
    side(text)
}
