//! The audit trail: every create, update, conflict, skip, failure and resolution, queryable
//! by item key and time range, exportable as JSON Lines in the seed spec's format.

use super::{Store, StoreError, StoreResult, Tx, from_json, parse_stamp, stamp, to_json};
use chrono::{DateTime, SecondsFormat, Utc};
use pmsync_core::{Side, Value};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditStatus {
    Created,
    Updated,
    Conflict,
    Skipped,
    Failed,
    Resolved,
    /// Two existing items were paired (by a match rule or by hand).
    Matched,
    /// Existing items a match rule could not pair one to one; left for a person.
    Ambiguous,
    /// A link was removed by hand (the items stay as they are).
    Unlinked,
}

impl AuditStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditStatus::Created => "created",
            AuditStatus::Updated => "updated",
            AuditStatus::Conflict => "conflict",
            AuditStatus::Skipped => "skipped",
            AuditStatus::Failed => "failed",
            AuditStatus::Resolved => "resolved",
            AuditStatus::Matched => "matched",
            AuditStatus::Ambiguous => "ambiguous",
            AuditStatus::Unlinked => "unlinked",
        }
    }

    fn parse(text: &str) -> StoreResult<AuditStatus> {
        Ok(match text {
            "created" => AuditStatus::Created,
            "updated" => AuditStatus::Updated,
            "conflict" => AuditStatus::Conflict,
            "skipped" => AuditStatus::Skipped,
            "failed" => AuditStatus::Failed,
            "resolved" => AuditStatus::Resolved,
            "matched" => AuditStatus::Matched,
            "ambiguous" => AuditStatus::Ambiguous,
            "unlinked" => AuditStatus::Unlinked,
            other => {
                return Err(StoreError::Corrupt {
                    what: "audit status".into(),
                    message: format!("{other:?}"),
                });
            }
        })
    }
}

/// One field written: on which side, from what to what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeRecord {
    pub field: String,
    /// The side that was written.
    pub side: Side,
    pub old: Value,
    pub new: Value,
}

/// An entry to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    pub run_id: String,
    pub sync: String,
    pub source_platform: String,
    pub target_platform: String,
    pub source_key: String,
    pub target_key: String,
    /// `source_to_target`, `target_to_source`, `both` or `none`.
    pub direction: String,
    pub status: AuditStatus,
    pub changes: Vec<ChangeRecord>,
    pub error: Option<String>,
    pub detail: Option<String>,
    pub retry_count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub timestamp: DateTime<Utc>,
    pub run_id: String,
    pub sync: String,
    pub source_platform: String,
    pub target_platform: String,
    pub source_key: String,
    pub target_key: String,
    pub direction: String,
    pub status: AuditStatus,
    pub changes: Vec<ChangeRecord>,
    pub error: Option<String>,
    pub detail: Option<String>,
    pub retry_count: u32,
}

impl AuditEntry {
    /// The entry in the seed spec's JSON Lines shape:
    /// `{"timestamp","item_id","status","source","target","changes":{"f":{"old","new"}},"error"}`.
    /// `item_id` is the source-side key; `changes` and `error` appear when there are any.
    /// A field written on the source side is named `source.<field>` when the target side
    /// also wrote a field of the same name.
    pub fn to_seed_json(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        object.insert(
            "timestamp".into(),
            self.timestamp
                .to_rfc3339_opts(SecondsFormat::Secs, true)
                .into(),
        );
        object.insert("item_id".into(), self.source_key.clone().into());
        object.insert("status".into(), self.status.as_str().into());
        object.insert("source".into(), self.source_platform.clone().into());
        object.insert("target".into(), self.target_platform.clone().into());
        if !self.changes.is_empty() {
            let mut changes = serde_json::Map::new();
            for c in &self.changes {
                let mut name = c.field.clone();
                if changes.contains_key(&name) {
                    name = format!("{}.{}", c.side, c.field);
                }
                changes.insert(
                    name,
                    serde_json::json!({"old": c.old.to_json(), "new": c.new.to_json()}),
                );
            }
            object.insert("changes".into(), changes.into());
        }
        if let Some(error) = &self.error {
            object.insert("error".into(), error.clone().into());
        }
        serde_json::Value::Object(object)
    }
}

/// Which entries to return; all criteria are optional and combine with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditQuery {
    pub sync: Option<String>,
    /// The human key of an item on either side (`PROJ-123`, `#42`).
    pub key: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: Option<u32>,
}

impl Store {
    /// Entries matching `query`, oldest first.
    pub fn audit(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, timestamp, run_id, sync, source_platform, target_platform, source_key, target_key, direction,
                    status, changes, error, detail, retry_count
             FROM audit
             WHERE (?1 IS NULL OR sync = ?1)
               AND (?2 IS NULL OR source_key = ?2 OR target_key = ?2)
               AND (?3 IS NULL OR timestamp >= ?3)
               AND (?4 IS NULL OR timestamp <= ?4)
             ORDER BY timestamp, id
             LIMIT ?5",
        )?;
        let limit = query.limit.map(i64::from).unwrap_or(-1);
        let rows = stmt
            .query_map(
                params![
                    query.sync,
                    query.key,
                    query.since.map(stamp),
                    query.until.map(stamp),
                    limit
                ],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        [
                            r.get::<_, String>(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                            r.get(8)?,
                            r.get(9)?,
                            r.get(10)?,
                        ],
                        r.get::<_, Option<String>>(11)?,
                        r.get::<_, Option<String>>(12)?,
                        r.get::<_, u32>(13)?,
                    ))
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, text, error, detail, retry_count)| {
                let what = format!("audit entry #{id}");
                let [
                    timestamp,
                    run_id,
                    sync,
                    source_platform,
                    target_platform,
                    source_key,
                    target_key,
                    direction,
                    status,
                    changes,
                ] = text;
                Ok(AuditEntry {
                    id,
                    timestamp: parse_stamp(&what, &timestamp)?,
                    status: AuditStatus::parse(&status)?,
                    changes: from_json(&what, &changes)?,
                    run_id,
                    sync,
                    source_platform,
                    target_platform,
                    source_key,
                    target_key,
                    direction,
                    error,
                    detail,
                    retry_count,
                })
            })
            .collect()
    }

    /// Write the entries matching `query` as JSON Lines (seed format, see
    /// [`AuditEntry::to_seed_json`]). Returns the number of lines written.
    pub fn export_audit_jsonl(
        &self,
        query: &AuditQuery,
        out: &mut dyn Write,
    ) -> Result<usize, AuditExportError> {
        let entries = self.audit(query)?;
        for entry in &entries {
            serde_json::to_writer(&mut *out, &entry.to_seed_json())
                .map_err(|e| AuditExportError::Write(e.to_string()))?;
            out.write_all(b"\n")
                .map_err(|e| AuditExportError::Write(e.to_string()))?;
        }
        Ok(entries.len())
    }

    /// Delete entries of `sync` older than `days` days. Returns how many were removed.
    pub fn purge_audit(&mut self, sync: &str, days: u32) -> StoreResult<usize> {
        self.write(|tx| tx.purge_audit(sync, days, Utc::now()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the audit export: {0}")]
    Write(String),
}

impl Tx<'_> {
    pub fn audit(&self, entry: &NewAuditEntry) -> StoreResult<()> {
        self.audit_at(entry, Utc::now())
    }

    /// Record an entry with an explicit time (imports, tests of time ranges).
    pub fn audit_at(&self, entry: &NewAuditEntry, at: DateTime<Utc>) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO audit (timestamp, run_id, sync, source_platform, target_platform, source_key, target_key,
                    direction, status, changes, error, detail, retry_count)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                stamp(at),
                entry.run_id,
                entry.sync,
                entry.source_platform,
                entry.target_platform,
                entry.source_key,
                entry.target_key,
                entry.direction,
                entry.status.as_str(),
                to_json(&entry.changes),
                entry.error,
                entry.detail,
                entry.retry_count
            ])?;
        Ok(())
    }

    pub fn purge_audit(&self, sync: &str, days: u32, now: DateTime<Utc>) -> StoreResult<usize> {
        let cutoff = now - chrono::Duration::days(i64::from(days));
        Ok(self.conn().execute(
            "DELETE FROM audit WHERE sync = ?1 AND timestamp < ?2",
            params![sync, stamp(cutoff)],
        )?)
    }
}
