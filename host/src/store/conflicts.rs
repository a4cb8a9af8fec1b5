//! Pending manual conflicts: recorded once per (link, field), resolved by a person from the
//! CLI, applied by the next run.

use super::{Store, StoreError, StoreResult, Tx, from_json, parse_stamp, stamp, to_json};
use chrono::{DateTime, Utc};
use pmsync_core::Value;
use pmsync_core::plan::{Conflict, ConflictOutcome, Link};
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

/// How a person settled a conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "take", content = "value", rename_all = "snake_case")]
pub enum ConflictChoice {
    /// The source's current value is written to the target.
    Source,
    /// The target's current value is written to the source.
    Target,
    /// This value (in the target's terms) is written to the target, and converted back to
    /// the source.
    Value(Value),
}

/// A conflict left for a person, as stored: the planner's [`Conflict`] (its outcome is
/// [`ConflictOutcome::Manual`] with the reason) and the pair it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredConflict {
    pub id: i64,
    pub sync: String,
    pub source_id: String,
    pub target_id: String,
    pub source_key: String,
    pub target_key: String,
    #[serde(flatten)]
    pub conflict: Conflict,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<ConflictChoice>,
}

impl StoredConflict {
    /// Why the conflict was left for a person.
    pub fn detail(&self) -> &str {
        match &self.conflict.outcome {
            ConflictOutcome::Manual(why) => why,
            _ => "",
        }
    }
}

const COLUMNS: &str = "id, sync, source_id, target_id, source_key, target_key, source_field, target_field, source_value, \
     target_value, base_source, base_target, strategy, detail, created_at, resolved_at, resolution";

struct Raw {
    id: i64,
    text: [String; 14],
    base: [Option<String>; 2],
    resolved_at: Option<String>,
    resolution: Option<String>,
}

fn read(row: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        id: row.get(0)?,
        text: [
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
            row.get(6)?,
            row.get(7)?,
            row.get(8)?,
            row.get(9)?,
            row.get(12)?,
            row.get(13)?,
            row.get(14)?,
            String::new(),
            String::new(),
        ],
        base: [row.get(10)?, row.get(11)?],
        resolved_at: row.get(15)?,
        resolution: row.get(16)?,
    })
}

fn build(raw: Raw) -> StoreResult<StoredConflict> {
    let what = format!("conflict #{}", raw.id);
    let [
        sync,
        source_id,
        target_id,
        source_key,
        target_key,
        source_field,
        target_field,
        sv,
        tv,
        strategy,
        detail,
        created,
        ..,
    ] = raw.text;
    let value = |t: &str| from_json::<Value>(&what, t);
    Ok(StoredConflict {
        id: raw.id,
        conflict: Conflict {
            source_field,
            target_field,
            source_value: value(&sv)?,
            target_value: value(&tv)?,
            base_source: raw.base[0].as_deref().map(value).transpose()?,
            base_target: raw.base[1].as_deref().map(value).transpose()?,
            strategy: from_json(&what, &strategy)?,
            outcome: ConflictOutcome::Manual(detail),
        },
        created_at: parse_stamp(&what, &created)?,
        resolved_at: raw
            .resolved_at
            .as_deref()
            .map(|t| parse_stamp(&what, t))
            .transpose()?,
        resolution: raw
            .resolution
            .as_deref()
            .map(|t| from_json(&what, t))
            .transpose()?,
        sync,
        source_id,
        target_id,
        source_key,
        target_key,
    })
}

impl Store {
    /// Conflicts waiting for a person (`sync` None: all syncs).
    pub fn open_conflicts(&self, sync: Option<&str>) -> StoreResult<Vec<StoredConflict>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conflicts WHERE applied_at IS NULL AND resolved_at IS NULL
             AND (?1 IS NULL OR sync = ?1) ORDER BY id"
        ))?;
        let raws = stmt
            .query_map(params![sync], read)?
            .collect::<Result<Vec<_>, _>>()?;
        raws.into_iter().map(build).collect()
    }

    /// Conflicts a person resolved that the engine has not written yet.
    pub fn resolved_unapplied(&self, sync: &str) -> StoreResult<Vec<StoredConflict>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conflicts WHERE applied_at IS NULL AND resolved_at IS NOT NULL AND sync = ?1 ORDER BY id"
        ))?;
        let raws = stmt
            .query_map(params![sync], read)?
            .collect::<Result<Vec<_>, _>>()?;
        raws.into_iter().map(build).collect()
    }

    pub fn conflict(&self, id: i64) -> StoreResult<Option<StoredConflict>> {
        let raw = self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM conflicts WHERE id = ?1"),
                params![id],
                read,
            )
            .optional()?;
        raw.map(build).transpose()
    }

    /// Record a person's decision on an open conflict; the next run (or
    /// `Runner::apply_resolutions`) writes it.
    pub fn resolve_conflict(
        &mut self,
        id: i64,
        choice: &ConflictChoice,
    ) -> StoreResult<StoredConflict> {
        self.write(|tx| {
            let changed = tx
                .conn()
                .execute(
                    "UPDATE conflicts SET resolved_at = ?2, resolution = ?3 WHERE id = ?1 AND applied_at IS NULL",
                    params![id, stamp(Utc::now()), to_json(choice)],
                )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("no open conflict #{id}")));
            }
            Ok(())
        })?;
        self.conflict(id)?
            .ok_or_else(|| StoreError::NotFound(format!("no conflict #{id}")))
    }
}

impl Tx<'_> {
    /// Store a manual conflict once: an open conflict on the same link and field is updated
    /// with the latest values instead of duplicated. Returns true when it is new or its
    /// values changed (worth an audit entry).
    pub fn upsert_conflict(&self, sync: &str, link: &Link, c: &Conflict) -> StoreResult<bool> {
        // The engine stores only conflicts left for a person; any other outcome is kept
        // readable rather than dropped.
        let detail = match &c.outcome {
            ConflictOutcome::Manual(why) => why.clone(),
            other => format!("{other:?}"),
        };
        let sv = to_json(&c.source_value);
        let tv = to_json(&c.target_value);
        let existing: Option<(i64, String, String)> = self
            .conn()
            .prepare_cached(
                "SELECT id, source_value, target_value FROM conflicts
                 WHERE sync = ?1 AND source_id = ?2 AND source_field = ?3 AND target_field = ?4 AND applied_at IS NULL",
            )?
            .query_row(params![sync, link.source_id, c.source_field, c.target_field], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let now = stamp(Utc::now());
        match existing {
            Some((_, old_s, old_t)) if old_s == sv && old_t == tv => Ok(false),
            Some((id, _, _)) => {
                self.conn().execute(
                    "UPDATE conflicts SET source_value = ?2, target_value = ?3, detail = ?4, updated_at = ?5 WHERE id = ?1",
                    params![id, sv, tv, detail, now],
                )?;
                Ok(true)
            }
            None => {
                self.conn().execute(
                    "INSERT INTO conflicts (sync, source_id, target_id, source_key, target_key, source_field, target_field,
                        source_value, target_value, base_source, base_target, strategy, detail, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
                    params![
                        sync,
                        link.source_id,
                        link.target_id,
                        link.source_key,
                        link.target_key,
                        c.source_field,
                        c.target_field,
                        sv,
                        tv,
                        c.base_source.as_ref().map(to_json),
                        c.base_target.as_ref().map(to_json),
                        to_json(&c.strategy),
                        detail,
                        now
                    ],
                )?;
                Ok(true)
            }
        }
    }

    /// The resolution has been written to both sides.
    pub fn mark_conflict_applied(&self, id: i64) -> StoreResult<()> {
        self.conn().execute(
            "UPDATE conflicts SET applied_at = ?2 WHERE id = ?1",
            params![id, stamp(Utc::now())],
        )?;
        Ok(())
    }

    /// Close open conflicts on a link whose fields are no longer in conflict (someone made the
    /// sides agree), except the (source_field, target_field) pairs in `still_open`.
    pub fn close_settled_conflicts(
        &self,
        sync: &str,
        source_id: &str,
        still_open: &[(String, String)],
    ) -> StoreResult<usize> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, source_field, target_field FROM conflicts
             WHERE sync = ?1 AND source_id = ?2 AND applied_at IS NULL AND resolved_at IS NULL",
        )?;
        let open = stmt
            .query_map(params![sync, source_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let now = stamp(Utc::now());
        let mut closed = 0;
        for (id, sf, tf) in open {
            if !still_open.iter().any(|(s, t)| *s == sf && *t == tf) {
                self.conn().execute(
                    "UPDATE conflicts SET resolved_at = ?2, applied_at = ?2, resolution = NULL,
                        detail = detail || ' (settled: the sides no longer disagree)' WHERE id = ?1",
                    params![id, now],
                )?;
                closed += 1;
            }
        }
        Ok(closed)
    }
}
