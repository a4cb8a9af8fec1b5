//! Webhook deliveries `serve` accepted. A delivery is committed here before it is
//! acknowledged, so a crash after the answer loses nothing; the worker takes queued ones in
//! arrival order and marks them done (dropping the body). Done rows keep the delivery id so
//! the same delivery sent again is recognised, across restarts, until purged.

use super::{Store, StoreResult, Tx, from_json, parse_stamp, stamp, to_json};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

/// What recording a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Committed and queued.
    Queued,
    /// This platform entry already had a delivery with that id: nothing was changed.
    Duplicate,
}

/// A delivery waiting for the worker.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedDelivery {
    /// The row id (arrival order).
    pub id: i64,
    pub platform: String,
    pub delivery_id: String,
    pub received_at: DateTime<Utc>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Store {
    /// Up to `limit` queued deliveries, oldest first.
    pub fn queued_deliveries(&self, limit: usize) -> StoreResult<Vec<QueuedDelivery>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, platform, delivery_id, received_at, headers, body FROM webhook_deliveries
             WHERE done_at IS NULL ORDER BY id LIMIT ?1",
        )?;
        let rows = stmt
            .query_map(params![limit as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<Vec<u8>>>(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, platform, delivery_id, received, headers, body)| {
                let what = format!("webhook delivery {delivery_id}");
                Ok(QueuedDelivery {
                    id,
                    received_at: parse_stamp(&what, &received)?,
                    headers: from_json(&what, headers.as_deref().unwrap_or("[]"))?,
                    body: body.unwrap_or_default(),
                    platform,
                    delivery_id,
                })
            })
            .collect()
    }

    /// How many deliveries wait for the worker.
    pub fn queue_depth(&self) -> StoreResult<u64> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE done_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    /// Whether `platform` already has a delivery with this id.
    pub fn delivery_seen(&self, platform: &str, delivery_id: &str) -> StoreResult<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM webhook_deliveries WHERE platform = ?1 AND delivery_id = ?2",
                params![platform, delivery_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}

impl Tx<'_> {
    /// Queues a delivery unless this platform entry already has one with its id.
    pub fn record_delivery(
        &self,
        platform: &str,
        delivery_id: &str,
        headers: &[(String, String)],
        body: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<DeliveryOutcome> {
        let inserted = self.conn().execute(
            "INSERT INTO webhook_deliveries (platform, delivery_id, received_at, headers, body)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (platform, delivery_id) DO NOTHING",
            params![platform, delivery_id, stamp(now), to_json(&headers), body],
        )?;
        Ok(if inserted == 1 {
            DeliveryOutcome::Queued
        } else {
            DeliveryOutcome::Duplicate
        })
    }

    /// Marks a delivery done (with why it did nothing, if it failed) and drops its body.
    pub fn finish_delivery(
        &self,
        id: i64,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.conn().execute(
            "UPDATE webhook_deliveries SET done_at = ?2, error = ?3, headers = NULL, body = NULL
             WHERE id = ?1",
            params![id, stamp(now), error],
        )?;
        Ok(())
    }

    /// Forgets done deliveries older than `before` (their ids are no longer recognised).
    pub fn purge_deliveries(&self, before: DateTime<Utc>) -> StoreResult<usize> {
        Ok(self.conn().execute(
            "DELETE FROM webhook_deliveries WHERE done_at IS NOT NULL AND done_at < ?1",
            params![stamp(before)],
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_id_is_queued_once_and_recognised_after_it_is_done() {
        let mut store = Store::in_memory().expect("store");
        let now = Utc::now();
        let headers = vec![("X-GitHub-Event".to_string(), "issues".to_string())];
        let first = store
            .write(|tx| tx.record_delivery("github", "d-1", &headers, b"{}", now))
            .expect("recorded");
        assert_eq!(first, DeliveryOutcome::Queued);
        let again = store
            .write(|tx| tx.record_delivery("github", "d-1", &headers, b"{}", now))
            .expect("recorded");
        assert_eq!(again, DeliveryOutcome::Duplicate);
        // Another platform entry may use the same id.
        store
            .write(|tx| tx.record_delivery("linear", "d-1", &[], b"{}", now))
            .expect("recorded");
        let queued = store.queued_deliveries(10).expect("queued");
        assert_eq!(queued.len(), 2);
        assert_eq!(queued[0].headers, headers);
        assert_eq!(store.queue_depth().expect("depth"), 2);

        store
            .write(|tx| tx.finish_delivery(queued[0].id, None, now))
            .expect("done");
        assert_eq!(store.queue_depth().expect("depth"), 1);
        assert!(store.delivery_seen("github", "d-1").expect("seen"));
        let late = store
            .write(|tx| tx.record_delivery("github", "d-1", &headers, b"{}", now))
            .expect("recorded");
        assert_eq!(late, DeliveryOutcome::Duplicate);

        let purged = store
            .write(|tx| tx.purge_deliveries(now + chrono::Duration::seconds(1)))
            .expect("purged");
        assert_eq!(purged, 1);
        assert!(!store.delivery_seen("github", "d-1").expect("seen"));
    }
}
