//! Links made by hand (`links add`, `links import`): each named item is looked up on its
//! platform (a key or an id; `#42` is also tried as `42`), and a pair is refused when an item
//! does not exist, is named twice, or is already linked in the sync. Checked pairs get the
//! initial base `initial_winner` says (as matched pairs do) and are recorded, with their
//! audit entries, in one transaction — all or nothing.

use crate::connector::Connector;
use crate::store::{AuditStatus, NewAuditEntry, Store, StoreError};
use pmsync_core::config::{InitialWinner, SyncConfig};
use pmsync_core::matching::initial_link;
use pmsync_core::plan::Link;
use pmsync_core::{Item, ItemError, Side};
use std::collections::{BTreeMap, HashSet};

/// One pair asked for; `line` is its line in an imported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairRequest {
    pub line: Option<usize>,
    pub source: String,
    pub target: String,
}

#[derive(Debug, thiserror::Error)]
pub enum HandLinkError {
    /// Pairs that cannot be linked (each message names its line or pair); nothing written.
    #[error("{}", .0.join("\n"))]
    Refused(Vec<String>),
    /// A platform could not answer; nothing written.
    #[error("{0}")]
    Unreachable(String),
    #[error("state store: {0}")]
    Store(#[from] StoreError),
}

/// Most pairs one import may hold.
pub const MAX_PAIRS: usize = 50_000;

/// The items named on one side, looked up in batches of `batch` (key → item or why not).
fn look_up(
    connector: &dyn Connector,
    side: Side,
    platform: &str,
    names: &[String],
    batch: usize,
) -> Result<BTreeMap<String, Result<Item, String>>, HandLinkError> {
    let mut found: BTreeMap<String, Result<Item, String>> = BTreeMap::new();
    let mut retry: Vec<(String, String)> = Vec::new();
    let unreachable = |name: &str, e: &ItemError| {
        HandLinkError::Unreachable(format!(
            "cannot look up {side} item `{name}` on {platform}: {e}; nothing was written"
        ))
    };
    for chunk in names.chunks(batch.max(1)) {
        for (name, result) in chunk.iter().zip(connector.get(chunk)) {
            match result {
                Ok(item) => {
                    found.insert(name.clone(), Ok(item));
                }
                Err(ItemError::NotFound(_) | ItemError::InvalidInput(_))
                    if name.starts_with('#') =>
                {
                    retry.push((name.clone(), name.trim_start_matches('#').to_string()));
                }
                Err(e @ (ItemError::NotFound(_) | ItemError::InvalidInput(_))) => {
                    found.insert(name.clone(), Err(e.to_string()));
                }
                Err(e) => return Err(unreachable(name, &e)),
            }
        }
    }
    for chunk in retry.chunks(batch.max(1)) {
        let ids: Vec<String> = chunk.iter().map(|(_, id)| id.clone()).collect();
        for ((name, _), result) in chunk.iter().zip(connector.get(&ids)) {
            match result {
                Ok(item) => {
                    found.insert(name.clone(), Ok(item));
                }
                Err(e @ (ItemError::NotFound(_) | ItemError::InvalidInput(_))) => {
                    found.insert(name.clone(), Err(e.to_string()));
                }
                Err(e) => return Err(unreachable(name, &e)),
            }
        }
    }
    Ok(found)
}

/// Check `requests` against both platforms and the sync's links; the links to record.
pub fn check_pairs(
    sync: &SyncConfig,
    source: &dyn Connector,
    target: &dyn Connector,
    store: &Store,
    requests: &[PairRequest],
    winner: InitialWinner,
) -> Result<Vec<Link>, HandLinkError> {
    if requests.len() > MAX_PAIRS {
        return Err(HandLinkError::Refused(vec![format!(
            "{} pairs; at most {MAX_PAIRS} are imported at once (split the file)",
            requests.len()
        )]));
    }
    let unique = |pick: fn(&PairRequest) -> &String| {
        let mut names: Vec<String> = requests.iter().map(|r| pick(r).clone()).collect();
        names.sort();
        names.dedup();
        names
    };
    let batch = sync.batch_size as usize;
    let sources = look_up(
        source,
        Side::Source,
        &sync.source_platform,
        &unique(|r| &r.source),
        batch,
    )?;
    let targets = look_up(
        target,
        Side::Target,
        &sync.target_platform,
        &unique(|r| &r.target),
        batch,
    )?;

    let mut problems = Vec::new();
    let mut links = Vec::new();
    let mut used: HashSet<(Side, String)> = HashSet::new();
    for request in requests {
        let at = match request.line {
            Some(line) => format!("line {line}: "),
            None => String::new(),
        };
        let mut refuse = |why: String| problems.push(format!("{at}{why}"));
        let (s, t) = match (&sources[&request.source], &targets[&request.target]) {
            (Ok(s), Ok(t)) => (s, t),
            (s, t) => {
                if let Err(e) = s {
                    refuse(format!(
                        "no source item `{}` on {} ({e})",
                        request.source, sync.source_platform
                    ));
                }
                if let Err(e) = t {
                    refuse(format!(
                        "no target item `{}` on {} ({e})",
                        request.target, sync.target_platform
                    ));
                }
                continue;
            }
        };
        let mut ok = true;
        for (side, item) in [(Side::Source, s), (Side::Target, t)] {
            if !used.insert((side, item.id.clone())) {
                refuse(format!("{side} item {} is named in two pairs", item.key));
                ok = false;
            } else if let Some(link) = store.link(&sync.name, side, &item.id)? {
                refuse(format!(
                    "{side} item {} is already linked ({} ↔ {}); remove that link first (`pmsync-host links remove`)",
                    item.key, link.source_key, link.target_key
                ));
                ok = false;
            }
        }
        if ok {
            links.push(initial_link(sync, winner, s, t));
        }
    }
    if !problems.is_empty() {
        return Err(HandLinkError::Refused(problems));
    }
    Ok(links)
}

/// Record checked links and their audit entries in one transaction.
pub fn record(
    store: &mut Store,
    sync: &SyncConfig,
    links: &[Link],
    winner: InitialWinner,
    how: &str,
) -> Result<(), HandLinkError> {
    let run_id = format!("{how}-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"));
    store.write(|tx| {
        for link in links {
            tx.put_link(&sync.name, link)?;
            if sync.enable_audit {
                tx.audit(&entry(
                    sync,
                    &run_id,
                    link,
                    AuditStatus::Matched,
                    format!(
                        "linked by hand ({how}); initial values: {}",
                        winner.as_str()
                    ),
                ))?;
            }
        }
        Ok(())
    })?;
    Ok(())
}

/// Forget the link of the item named `name` (either side, key or id); returns it. The
/// audit entry names the platforms the sync's earlier entries name (the store alone knows
/// the sync by name).
pub fn remove(store: &mut Store, sync_name: &str, name: &str) -> Result<Link, HandLinkError> {
    let link = find(store, sync_name, name)?.ok_or_else(|| {
        HandLinkError::Refused(vec![format!(
            "sync `{sync_name}` has no link of an item `{name}` (see `pmsync-host links list --sync {sync_name}`)"
        )])
    })?;
    let earlier = store
        .audit(&crate::store::AuditQuery {
            sync: Some(sync_name.to_string()),
            limit: Some(1),
            ..Default::default()
        })?
        .into_iter()
        .next();
    let (source_platform, target_platform) = earlier
        .map(|e| (e.source_platform, e.target_platform))
        .unwrap_or_default();
    let run_id = format!(
        "links-remove-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
    );
    store.write(|tx| {
        tx.remove_link(sync_name, &link.source_id)?;
        tx.audit(&NewAuditEntry {
            run_id,
            sync: sync_name.to_string(),
            source_platform,
            target_platform,
            source_key: link.source_key.clone(),
            target_key: link.target_key.clone(),
            direction: "none".to_string(),
            status: AuditStatus::Unlinked,
            changes: Vec::new(),
            error: None,
            detail: Some("link removed by hand; both items stay as they are".to_string()),
            retry_count: 0,
        })
    })?;
    Ok(link)
}

/// The link of the item named `name` on either side (key or id; `#42` or `42`).
pub fn find(store: &Store, sync: &str, name: &str) -> Result<Option<Link>, StoreError> {
    let bare = name.trim_start_matches('#');
    Ok(store.links(sync)?.into_iter().find(|l| {
        [&l.source_key, &l.source_id, &l.target_key, &l.target_id]
            .iter()
            .any(|k| k.as_str() == name || k.trim_start_matches('#') == bare)
    }))
}

fn entry(
    sync: &SyncConfig,
    run_id: &str,
    link: &Link,
    status: AuditStatus,
    detail: String,
) -> NewAuditEntry {
    NewAuditEntry {
        run_id: run_id.to_string(),
        sync: sync.name.clone(),
        source_platform: sync.source_platform.clone(),
        target_platform: sync.target_platform.clone(),
        source_key: link.source_key.clone(),
        target_key: link.target_key.clone(),
        direction: "none".to_string(),
        status,
        changes: Vec::new(),
        error: None,
        detail: Some(detail),
        retry_count: 0,
    }
}
