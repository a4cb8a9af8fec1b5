//! The state store: links with their base, per-side watermarks, create intents, pending
//! manual conflicts, failed items and the audit trail, in one SQLite file.
//!
//! Durability: the file runs in WAL mode with `synchronous=FULL`. `NORMAL` would survive a
//! process crash but may lose the last commits on power loss; losing a committed create
//! intent after the platform already created the item would produce a duplicate on the next
//! run, so every commit is made durable. Commits happen per batch, so the fsync cost is per
//! batch, not per item.
//!
//! Nothing secret is ever stored: only item ids, keys, field values and messages.

mod audit;
mod conflicts;
mod failures;
mod intents;
mod links;
mod lock;
mod pending_updates;
mod schema;
mod watermarks;
mod webhook_deliveries;

pub use audit::{
    AuditEntry, AuditExportError, AuditQuery, AuditStatus, ChangeRecord, NewAuditEntry,
};
pub use conflicts::{ConflictChoice, StoredConflict};
pub use failures::FailedItem;
pub use intents::{CreateIntent, IntentState};
pub use lock::{LockError, LockWait, StateLock, lock_path};
pub use pending_updates::{PendingUpdate, PendingWrite};
pub use schema::SCHEMA_VERSION;
pub use webhook_deliveries::{DeliveryOutcome, QueuedDelivery};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("state store {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "state store {path} was written by a newer pmsync (schema version {found}, this build knows up to {supported}); upgrade pmsync-host or point --state at another file"
    )]
    TooNew {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error("cannot create the state store's folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("state store: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("state store holds unreadable {what}: {message}")]
    Corrupt { what: String, message: String },
    #[error("state store: {0}")]
    NotFound(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The default location: `<data dir>/pmsync/state.db` (e.g. `~/.local/share/pmsync/state.db`).
pub fn default_path() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("pmsync").join("state.db"))
}

/// A timestamp as stored: RFC 3339, UTC, milliseconds, so text order is time order.
pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn parse_stamp(what: &str, text: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt {
            what: what.into(),
            message: format!("timestamp {text:?}: {e}"),
        })
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        what: what.into(),
        message: e.to_string(),
    })
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serializing plain data (maps, values, enums) cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// The state store. Reads go through `&self`; writes through [`Store::write`], one
/// transaction per call.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Open (creating if needed) the store at `path` and bring its schema up to date.
    pub fn open(path: &Path) -> StoreResult<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Folder {
                path: parent.display().to_string(),
                source,
            })?;
        }
        let shown = path.display().to_string();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::Open {
            path: shown.clone(),
            source,
        })?;
        Self::prepare(conn, Some(path.to_path_buf()), &shown)
    }

    /// Open the default store (see [`default_path`]).
    pub fn open_default() -> StoreResult<Store> {
        let path = default_path().ok_or_else(|| {
            StoreError::NotFound("no data directory on this system; pass a state file path".into())
        })?;
        Self::open(&path)
    }

    /// A store that lives in memory only (tests, dry experiments).
    pub fn in_memory() -> StoreResult<Store> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: ":memory:".into(),
            source,
        })?;
        Self::prepare(conn, None, ":memory:")
    }

    fn prepare(mut conn: Connection, path: Option<PathBuf>, shown: &str) -> StoreResult<Store> {
        let open_err = |source| StoreError::Open {
            path: shown.to_string(),
            source,
        };
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(open_err)?;
        if path.is_some() {
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(open_err)?;
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        schema::migrate(&mut conn, shown)?;
        Ok(Store { conn, path })
    }

    /// The file this store lives in (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> StoreResult<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Run `f` in one immediate transaction; commit when it returns `Ok`, roll back otherwise.
    pub fn write<T>(&mut self, f: impl FnOnce(&Tx<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&Tx { conn: &tx })?;
        tx.commit()?;
        Ok(value)
    }

    /// SQLite's `PRAGMA integrity_check`: `ok`, or what is damaged.
    pub fn integrity_check(&self) -> StoreResult<String> {
        let rows: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows.join("; "))
    }

    /// Row counts per table, e.g. to show that a dry run wrote nothing.
    pub fn row_counts(&self) -> StoreResult<Vec<(String, i64)>> {
        let mut out = Vec::new();
        for table in schema::TABLES {
            let n: i64 =
                self.conn
                    .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
            out.push((table.to_string(), n));
        }
        Ok(out)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// An open write transaction (see [`Store::write`]).
pub struct Tx<'a> {
    conn: &'a Connection,
}

impl Tx<'_> {
    pub(crate) fn conn(&self) -> &Connection {
        self.conn
    }
}
