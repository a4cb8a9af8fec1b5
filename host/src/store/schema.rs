//! Versioned migrations: `PRAGMA user_version` holds how many have been applied; each
//! migration runs once, in order, inside one transaction with its version bump.

use super::{StoreError, StoreResult};
use rusqlite::Connection;

/// The tables, for diagnostics such as [`super::Store::row_counts`].
pub(crate) const TABLES: &[&str] = &[
    "links",
    "watermarks",
    "create_intents",
    "conflicts",
    "failed_items",
    "audit",
    "pending_updates",
    "webhook_deliveries",
];

const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    r#"
    CREATE TABLE links (
        sync        TEXT NOT NULL,
        source_id   TEXT NOT NULL,
        target_id   TEXT NOT NULL,
        source_key  TEXT NOT NULL,
        target_key  TEXT NOT NULL,
        base        TEXT NOT NULL,           -- JSON of pmsync_core::plan::Base
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (sync, source_id),
        UNIQUE (sync, target_id)
    );
    CREATE TABLE watermarks (
        sync        TEXT NOT NULL,
        side        TEXT NOT NULL CHECK (side IN ('source', 'target')),
        watermark   TEXT NOT NULL,           -- RFC 3339: max updated_at seen and committed
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (sync, side)
    );
    CREATE TABLE create_intents (
        id          INTEGER PRIMARY KEY,
        sync        TEXT NOT NULL,
        origin      TEXT NOT NULL,
        from_side   TEXT NOT NULL CHECK (from_side IN ('source', 'target')),
        from_id     TEXT NOT NULL,
        from_key    TEXT NOT NULL,
        target_side TEXT NOT NULL CHECK (target_side IN ('source', 'target')),
        base        TEXT NOT NULL,           -- the from side's base, JSON of Base
        state       TEXT NOT NULL CHECK (state IN ('pending', 'created')),
        created_id  TEXT,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        UNIQUE (sync, origin)
    );
    CREATE TABLE conflicts (
        id            INTEGER PRIMARY KEY,
        sync          TEXT NOT NULL,
        source_id     TEXT NOT NULL,
        target_id     TEXT NOT NULL,
        source_key    TEXT NOT NULL,
        target_key    TEXT NOT NULL,
        source_field  TEXT NOT NULL,
        target_field  TEXT NOT NULL,
        source_value  TEXT NOT NULL,         -- JSON of Value
        target_value  TEXT NOT NULL,
        base_source   TEXT,
        base_target   TEXT,
        strategy      TEXT NOT NULL,
        detail        TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        resolved_at   TEXT,
        resolution    TEXT,                  -- JSON of ConflictChoice
        applied_at    TEXT
    );
    CREATE UNIQUE INDEX conflicts_open ON conflicts (sync, source_id, source_field, target_field)
        WHERE applied_at IS NULL;
    CREATE TABLE failed_items (
        sync          TEXT NOT NULL,
        side          TEXT NOT NULL CHECK (side IN ('source', 'target')),
        item_id       TEXT NOT NULL,
        item_key      TEXT NOT NULL,
        error         TEXT NOT NULL,
        retryable     INTEGER NOT NULL,
        attempts      INTEGER NOT NULL,
        first_failure TEXT NOT NULL,
        last_failure  TEXT NOT NULL,
        PRIMARY KEY (sync, side, item_id)
    );
    CREATE TABLE audit (
        id              INTEGER PRIMARY KEY,
        timestamp       TEXT NOT NULL,
        run_id          TEXT NOT NULL,
        sync            TEXT NOT NULL,
        source_platform TEXT NOT NULL,
        target_platform TEXT NOT NULL,
        source_key      TEXT NOT NULL,
        target_key      TEXT NOT NULL,
        direction       TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('created', 'updated', 'conflict', 'skipped', 'failed', 'resolved')),
        changes         TEXT NOT NULL,       -- JSON list of {field, side, old, new}
        error           TEXT,
        detail          TEXT,
        retry_count     INTEGER NOT NULL
    );
    CREATE INDEX audit_time ON audit (timestamp);
    CREATE INDEX audit_source_key ON audit (source_key, timestamp);
    CREATE INDEX audit_target_key ON audit (target_key, timestamp);
    "#,
    // 2: a create intent holds what the create means to write (a create found half-done is
    // finished); updates are recorded before they are sent.
    r#"
    ALTER TABLE create_intents ADD COLUMN fields TEXT NOT NULL DEFAULT '[]';  -- JSON list of [field, value]
    CREATE TABLE pending_updates (
        sync        TEXT NOT NULL,
        source_id   TEXT NOT NULL,
        writes      TEXT NOT NULL,           -- JSON list of {side, field, value} being written
        new_base    TEXT NOT NULL,           -- JSON of Base: the base once they are written
        created_at  TEXT NOT NULL,
        PRIMARY KEY (sync, source_id)
    );
    "#,
    // 3: webhook deliveries `serve` accepted: queued until synced, then kept (without their
    // body) so a delivery id seen again is ignored, across restarts.
    r#"
    CREATE TABLE webhook_deliveries (
        id           INTEGER PRIMARY KEY,
        platform     TEXT NOT NULL,         -- the platforms: entry it came in for
        delivery_id  TEXT NOT NULL,         -- X-GitHub-Delivery, X-Atlassian-Webhook-Identifier, ...
        received_at  TEXT NOT NULL,
        headers      TEXT,                  -- JSON list of [name, value]; NULL once done
        body         BLOB,                  -- the raw body; NULL once done
        done_at      TEXT,
        error        TEXT,
        UNIQUE (platform, delivery_id)
    );
    CREATE INDEX webhook_deliveries_queued ON webhook_deliveries (id) WHERE done_at IS NULL;
    CREATE INDEX webhook_deliveries_done ON webhook_deliveries (done_at) WHERE done_at IS NOT NULL;
    "#,
    // 4: the audit records matched pairs, ambiguous groups and links removed by hand
    // (`link_existing:`, `links add|remove|import`). SQLite cannot change a CHECK, so the
    // table is rebuilt with its rows.
    r#"
    CREATE TABLE audit_v4 (
        id              INTEGER PRIMARY KEY,
        timestamp       TEXT NOT NULL,
        run_id          TEXT NOT NULL,
        sync            TEXT NOT NULL,
        source_platform TEXT NOT NULL,
        target_platform TEXT NOT NULL,
        source_key      TEXT NOT NULL,
        target_key      TEXT NOT NULL,
        direction       TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('created', 'updated', 'conflict', 'skipped', 'failed', 'resolved',
                                                        'matched', 'ambiguous', 'unlinked')),
        changes         TEXT NOT NULL,
        error           TEXT,
        detail          TEXT,
        retry_count     INTEGER NOT NULL
    );
    INSERT INTO audit_v4 SELECT id, timestamp, run_id, sync, source_platform, target_platform, source_key,
        target_key, direction, status, changes, error, detail, retry_count FROM audit;
    DROP TABLE audit;
    ALTER TABLE audit_v4 RENAME TO audit;
    CREATE INDEX audit_time ON audit (timestamp);
    CREATE INDEX audit_source_key ON audit (source_key, timestamp);
    CREATE INDEX audit_target_key ON audit (target_key, timestamp);
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn migrate(conn: &mut Connection, shown: &str) -> StoreResult<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: shown.to_string(),
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
