//! Fetching the items a run was asked about by id (webhook deliveries) instead of listing
//! what changed: each is read with `get`; one that is not linked yet is kept only when the
//! side's filters select it, which is checked by listing that side (filters included) from
//! just before its `updated-at` — a webhook names every item a platform changed, not just
//! those the sync is about.

use super::EngineError;
use super::executor::Executor;
use super::fetch::{Listing, get_many, list_all};
use super::run::WATERMARK_OVERLAP;
use crate::connector::{Filter, RejectedItem};
use pmsync_core::{Item, ItemError, Side};
use std::collections::HashSet;

/// The named `ids` of `side`, read by id. An id the platform no longer has is left out (the
/// reconcile sweep settles deletions); one that cannot be read fails alone. `is_linked`
/// says whether an id already has a partner.
pub(crate) fn fetch(
    exec: &Executor<'_>,
    side: Side,
    platform: &str,
    ids: &[String],
    filter: Filter,
    is_linked: &dyn Fn(&str) -> Result<bool, EngineError>,
    retries: &mut u32,
) -> Result<Listing, EngineError> {
    let mut unique: Vec<String> = Vec::with_capacity(ids.len());
    let mut seen = HashSet::new();
    for id in ids {
        if seen.insert(id.as_str()) {
            unique.push(id.clone());
        }
    }
    let mut linked: Vec<Item> = Vec::new();
    let mut unlinked: Vec<Item> = Vec::new();
    let mut rejected = Vec::new();
    for (id, result) in unique.iter().zip(get_many(exec, side, &unique, retries)) {
        match result {
            Ok(item) if is_linked(&item.id)? => linked.push(item),
            Ok(item) => unlinked.push(item),
            Err(ItemError::NotFound(_)) => {}
            Err(error) => rejected.push(RejectedItem {
                id: id.clone(),
                key: id.clone(),
                error,
            }),
        }
    }
    if let Some(oldest) = unlinked.iter().map(|i| i.updated_at).min() {
        let since =
            (oldest - WATERMARK_OVERLAP).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let selected: HashSet<String> =
            list_all(exec, side, platform, Some(since), filter, retries)?
                .items
                .into_iter()
                .map(|i| i.id)
                .collect();
        unlinked.retain(|item| selected.contains(&item.id));
    }
    linked.extend(unlinked);
    Ok(Listing {
        items: linked,
        rejected,
    })
}
