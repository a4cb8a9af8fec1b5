//! Fetching items: every page of `list_changed`, and `get` of ids in batches, with retries.

use super::EngineError;
use super::call_with_retry::call_with_retry;
use super::executor::Executor;
use super::progress_events::ProgressEvent;
use crate::connector::{Filter, ListRequest, Page};
use pmsync_core::{Item, ItemError, Side};

/// Largest page asked of a platform (GitHub's and Linear's maximum).
pub(crate) const MAX_PAGE: u32 = 100;

/// List every item changed since `since` on `side`, following cursors.
pub(crate) fn list_all(
    exec: &Executor<'_>,
    side: Side,
    platform: &str,
    since: Option<String>,
    filter: Filter,
    retries: &mut u32,
) -> Result<Vec<Item>, EngineError> {
    let connector = exec.connector(side);
    let page_size = exec.sync.batch_size.clamp(1, MAX_PAGE);
    let mut items = Vec::new();
    let mut cursor = None;
    let mut seen_cursors = std::collections::HashSet::new();
    loop {
        let request = ListRequest {
            since: since.clone(),
            cursor: cursor.clone(),
            page_size,
            filter: filter.clone(),
        };
        let (mut answers, n) = call_with_retry(
            &exec.policy,
            exec.sleeper,
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
                    sync: exec.sync.name.clone(),
                    side,
                    platform: platform.to_string(),
                    operation: "list changed items",
                    error,
                });
            }
        };
        items.extend(page.items);
        exec.progress.event(&ProgressEvent::Fetched {
            side,
            total: items.len(),
        });
        match page.next_cursor {
            Some(next) if seen_cursors.insert(next.clone()) => cursor = Some(next),
            Some(next) => {
                return Err(EngineError::Connector {
                    sync: exec.sync.name.clone(),
                    side,
                    platform: platform.to_string(),
                    operation: "list changed items",
                    error: ItemError::Plugin(format!(
                        "the connector returned cursor {next:?} twice; stopping to avoid a loop"
                    )),
                });
            }
            None => break,
        }
    }
    Ok(items)
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
            chunk,
            &|r: &[String], _attempt: u32| connector.get(r),
        );
        *retries += n;
        out.extend(answers.into_iter().map(|a| a.result));
    }
    out
}
