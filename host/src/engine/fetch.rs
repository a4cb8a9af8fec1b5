//! Fetching items: every page of `list_changed`, and `get` of ids in batches, with retries.

use super::EngineError;
use super::call_with_retry::call_with_retry;
use super::executor::Executor;
use super::progress_events::ProgressEvent;
use crate::connector::{Filter, ListRequest, Page, RejectedItem};
use pmsync_core::{Item, ItemError, Side};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Largest page asked of a platform (GitHub's and Linear's maximum).
pub(crate) const MAX_PAGE: u32 = 100;

/// What listing one side found: the items (one per id, the newest copy when a connector
/// listed an id twice) and the listed items it could not read, each to fail alone.
pub(crate) struct Listing {
    pub items: Vec<Item>,
    pub rejected: Vec<RejectedItem>,
}

/// List every item changed since `since` on `side`, following cursors, at most the sync's
/// `max_pages` pages and `max_items` items: a connector still paginating past either
/// fails this side with a message naming it (a cursor that never ends, `--dry-run` too).
pub(crate) fn list_all(
    exec: &Executor<'_>,
    side: Side,
    platform: &str,
    since: Option<String>,
    filter: Filter,
    retries: &mut u32,
) -> Result<Listing, EngineError> {
    let connector = exec.connector(side);
    let sync = exec.sync;
    let page_size = sync.batch_size.clamp(1, MAX_PAGE);
    let fail = |message: String| EngineError::Connector {
        sync: sync.name.clone(),
        side,
        platform: platform.to_string(),
        operation: "list changed items",
        error: ItemError::Plugin(message),
    };
    let mut items: Vec<Item> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut duplicated: BTreeSet<String> = BTreeSet::new();
    let mut rejected = Vec::new();
    let mut cursor = None;
    let mut seen_cursors = HashSet::new();
    let mut pages: u32 = 0;
    loop {
        if pages >= sync.max_pages {
            return Err(fail(format!(
                "{} returned more than {} pages ({} items); stopped. If the platform really has that \
                 many changed items, raise `max_pages` of sync `{}`",
                connector.provider(),
                sync.max_pages,
                items.len(),
                sync.name
            )));
        }
        pages += 1;
        let request = ListRequest {
            since: since.clone(),
            cursor: cursor.clone(),
            page_size,
            filter: filter.clone(),
        };
        let (mut answers, n) = call_with_retry(
            &exec.policy,
            exec.sleeper,
            &exec.stop,
            std::slice::from_ref(&request),
            &|r: &[ListRequest], _attempt: u32| {
                r.iter().map(|r| connector.list_changed(r)).collect()
            },
        );
        *retries += n;
        let answer = answers
            .pop()
            .map(|a| a.result)
            .unwrap_or_else(|| Err(ItemError::Plugin("no answer".into())));
        let page: Page = match answer {
            Ok(page) => page,
            Err(error) => {
                return Err(EngineError::Connector {
                    sync: sync.name.clone(),
                    side,
                    platform: platform.to_string(),
                    operation: "list changed items",
                    error,
                });
            }
        };
        rejected.extend(page.rejected);
        for item in page.items {
            match index.get(&item.id) {
                // Listed twice (within a page or across pages): keep the newest copy.
                Some(&at) => {
                    duplicated.insert(item.key.clone());
                    if item.updated_at > items[at].updated_at {
                        items[at] = item;
                    }
                }
                None => {
                    index.insert(item.id.clone(), items.len());
                    items.push(item);
                }
            }
        }
        if items.len() > sync.max_items as usize {
            return Err(fail(format!(
                "{} listed more than {} items in {pages} pages; stopped. If the platform really has \
                 that many changed items, raise `max_items` of sync `{}`",
                connector.provider(),
                sync.max_items,
                sync.name
            )));
        }
        exec.progress.event(&ProgressEvent::Fetched {
            side,
            total: items.len(),
        });
        match page.next_cursor {
            Some(next) if seen_cursors.insert(next.clone()) => cursor = Some(next),
            Some(next) => {
                return Err(fail(format!(
                    "{} returned cursor {next:?} twice; stopping to avoid a loop",
                    connector.provider()
                )));
            }
            None => break,
        }
    }
    if !duplicated.is_empty() {
        let examples: Vec<&str> = duplicated.iter().take(5).map(String::as_str).collect();
        tracing::warn!(
            target: "pmsync::engine",
            "sync `{}`, {side}: {} listed {} item{} more than once ({}); kept the newest copy of each",
            sync.name,
            connector.provider(),
            duplicated.len(),
            if duplicated.len() == 1 { "" } else { "s" },
            examples.join(", ")
        );
    }
    Ok(Listing { items, rejected })
}

/// Get items by id on `side`, in pages; one result per id, in order.
pub(crate) fn get_many(
    exec: &Executor<'_>,
    side: Side,
    ids: &[String],
    retries: &mut u32,
) -> Vec<Result<Item, ItemError>> {
    let connector = exec.connector(side);
    let page = exec.sync.batch_size.clamp(1, MAX_PAGE) as usize;
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(page) {
        let (answers, n) = call_with_retry(
            &exec.policy,
            exec.sleeper,
            &exec.stop,
            chunk,
            &|r: &[String], _attempt: u32| connector.get(r),
        );
        *retries += n;
        out.extend(answers.into_iter().map(|a| a.result));
    }
    out
}
