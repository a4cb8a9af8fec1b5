//! `links list|add|remove|import`: the links between items, by hand. `add` and `import`
//! check every item on its platform first and write all or nothing (see `app::hand_links`);
//! everything is audited and every command prints JSON with `--json`.

use super::context::{Context, refuse_invalid_config};
use super::exit::{CliError, Outcome};
use super::links_args::{AddArgs, ImportArgs, LinksCommand, ListArgs, RemoveArgs, Winner};
use super::output::{out, outln, table};
use crate::app::hand_links::{self, HandLinkError, MAX_PAIRS, PairRequest};
use crate::app::{Connectors, Setup};
use crate::store::{LockError, LockWait, StateLock, Store};
use pmsync_core::config::{
    ConfigFile, InitialWinner, SyncConfig, expand_environment, resolve_secrets,
};
use pmsync_core::plan::Link;
use serde::Serialize;
use std::path::Path;

/// Largest CSV file `links import` reads.
const MAX_IMPORT_BYTES: u64 = 8 * 1024 * 1024;

pub fn links(ctx: &Context, command: &LinksCommand) -> Result<Outcome, CliError> {
    match command {
        LinksCommand::List(args) => list(ctx, args),
        LinksCommand::Add(args) => add(ctx, args),
        LinksCommand::Remove(args) => remove(ctx, args),
        LinksCommand::Import(args) => import(ctx, args),
    }
}

#[derive(Serialize)]
struct LinkLine<'a> {
    source_key: &'a str,
    target_key: &'a str,
    source_id: &'a str,
    target_id: &'a str,
}

fn line(link: &Link) -> LinkLine<'_> {
    LinkLine {
        source_key: &link.source_key,
        target_key: &link.target_key,
        source_id: &link.source_id,
        target_id: &link.target_id,
    }
}

fn store_error(e: impl std::fmt::Display) -> CliError {
    CliError::failed(e.to_string())
}

fn list(ctx: &Context, args: &ListArgs) -> Result<Outcome, CliError> {
    let store = ctx.existing_store()?;
    let links = store.links(&args.sync).map_err(store_error)?;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "sync": args.sync,
            "links": links.iter().map(line).collect::<Vec<_>>(),
        }));
        return Ok(Outcome::Ok);
    }
    if links.is_empty() {
        outln!("sync `{}` has no links", args.sync);
        return Ok(Outcome::Ok);
    }
    let rows: Vec<Vec<String>> = links
        .iter()
        .map(|l| {
            vec![
                l.source_key.clone(),
                l.target_key.clone(),
                l.source_id.clone(),
                l.target_id.clone(),
            ]
        })
        .collect();
    out!(
        "{}",
        table(&["SOURCE", "TARGET", "SOURCE ID", "TARGET ID"], &rows)
    );
    outln!("{} link(s)", links.len());
    Ok(Outcome::Ok)
}

/// The store, for a command that writes: the run lock first (exit 3 when a run holds it).
fn writable_store(ctx: &Context) -> Result<(Store, StateLock), CliError> {
    let path = ctx.state_path()?;
    let lock = StateLock::acquire(&path, LockWait::No, &|_| {}).map_err(|e| match e {
        LockError::Held { .. } => CliError::busy(e.to_string()),
        LockError::Io { .. } => CliError::failed(e.to_string()),
    })?;
    let store = Store::open(&path).map_err(store_error)?;
    Ok((store, lock))
}

/// The config (checked like `run` checks it), its plugins and secrets, and the named sync.
struct Prepared {
    config: ConfigFile,
    plugins: crate::plugin::LoadReport,
    secrets: pmsync_core::config::ResolvedSecrets,
}

fn prepare(ctx: &Context) -> Result<Prepared, CliError> {
    let (source, mut config) = ctx.load_config()?;
    let located = |e: pmsync_core::config::ConfigError| {
        CliError::bad_input(e.located_in(&source.text, &source.origin).to_string())
    };
    expand_environment(&mut config, &|name| std::env::var(name).ok()).map_err(located)?;
    let plugins = ctx.load_plugins_for(&config)?;
    refuse_invalid_config(&source, &plugins.plugins, "nothing was written")?;
    let secrets = resolve_secrets(&config, &|name| std::env::var(name).ok()).map_err(located)?;
    Ok(Prepared {
        config,
        plugins,
        secrets,
    })
}

fn sync_named<'a>(config: &'a ConfigFile, name: &str) -> Result<&'a SyncConfig, CliError> {
    config.syncs.iter().find(|s| s.name == name).ok_or_else(|| {
        let known: Vec<&str> = config.syncs.iter().map(|s| s.name.as_str()).collect();
        CliError::bad_input(format!(
            "no sync named `{name}` (the config has: {}); nothing was written",
            known.join(", ")
        ))
    })
}

fn winner_of(sync: &SyncConfig, asked: Option<Winner>) -> InitialWinner {
    match asked {
        Some(Winner::Source) => InitialWinner::Source,
        Some(Winner::Target) => InitialWinner::Target,
        Some(Winner::Newer) => InitialWinner::Newer,
        Some(Winner::None) => InitialWinner::None,
        None => sync
            .link_existing
            .initial_winner
            .unwrap_or(InitialWinner::None),
    }
}

fn refused(e: HandLinkError) -> CliError {
    match e {
        HandLinkError::Refused(problems) => {
            CliError::bad_input(format!("nothing was written:\n  {}", problems.join("\n  ")))
        }
        HandLinkError::Unreachable(message) => CliError::failed(message),
        HandLinkError::Store(e) => store_error(e),
    }
}

/// Check and record `requests` for sync `name`.
fn link_pairs(
    ctx: &Context,
    name: &str,
    requests: &[PairRequest],
    asked: Option<Winner>,
    how: &str,
) -> Result<(Vec<Link>, InitialWinner), CliError> {
    let prepared = prepare(ctx)?;
    let sync = sync_named(&prepared.config, name)?;
    let winner = winner_of(sync, asked);
    let setup = Setup::new(
        &prepared.config,
        &prepared.plugins.plugins,
        &prepared.secrets,
        false,
    )
    .map_err(CliError::failed)?;
    let mut connectors = Connectors::new(&setup);
    let (source, target) = connectors.pair(sync).map_err(CliError::bad_input)?;
    // Refused pairs leave no trace: a store that does not exist yet is created only to
    // record pairs that passed.
    let existed = ctx.state_path()?.exists();
    let (store, lock) = if existed {
        let (store, lock) = writable_store(ctx)?;
        (store, Some(lock))
    } else {
        (Store::in_memory().map_err(store_error)?, None)
    };
    let links =
        hand_links::check_pairs(sync, source, target, &store, requests, winner).map_err(refused)?;
    let (mut store, _lock) = match lock {
        Some(lock) => (store, lock),
        None => writable_store(ctx)?,
    };
    hand_links::record(&mut store, sync, &links, winner, how).map_err(refused)?;
    Ok((links, winner))
}

fn print_linked(ctx: &Context, sync: &str, links: &[Link], winner: InitialWinner) {
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "sync": sync,
            "initial_winner": winner.as_str(),
            "linked": links.iter().map(line).collect::<Vec<_>>(),
        }));
        return;
    }
    for l in links {
        outln!("linked {} ↔ {}", l.source_key, l.target_key);
    }
    outln!(
        "{} link(s) recorded in sync `{sync}`; initial values: {} (the next run settles them)",
        links.len(),
        winner.as_str()
    );
}

fn add(ctx: &Context, args: &AddArgs) -> Result<Outcome, CliError> {
    let request = PairRequest {
        line: None,
        source: args.source.clone(),
        target: args.target.clone(),
    };
    let (links, winner) = link_pairs(ctx, &args.sync, &[request], args.winner, "links-add")?;
    print_linked(ctx, &args.sync, &links, winner);
    Ok(Outcome::Ok)
}

fn remove(ctx: &Context, args: &RemoveArgs) -> Result<Outcome, CliError> {
    let path = ctx.state_path()?;
    if !path.exists() {
        return Err(CliError::bad_input(format!(
            "no state store at {} (pass --state FILE)",
            path.display()
        )));
    }
    let (mut store, _lock) = writable_store(ctx)?;
    let link = hand_links::remove(&mut store, &args.sync, &args.key).map_err(refused)?;
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "sync": args.sync, "removed": line(&link) }));
    } else {
        outln!(
            "removed the link {} ↔ {} from sync `{}`; both items stay as they are",
            link.source_key,
            link.target_key,
            args.sync
        );
    }
    Ok(Outcome::Ok)
}

fn import(ctx: &Context, args: &ImportArgs) -> Result<Outcome, CliError> {
    let requests = read_pairs(&args.file)?;
    let (links, winner) = link_pairs(ctx, &args.sync, &requests, args.winner, "links-import")?;
    print_linked(ctx, &args.sync, &links, winner);
    Ok(Outcome::Ok)
}

/// The pairs of a CSV file, each with its line; a malformed line is bad input.
fn read_pairs(path: &Path) -> Result<Vec<PairRequest>, CliError> {
    let shown = path.display();
    let size = std::fs::metadata(path)
        .map_err(|e| CliError::bad_input(format!("cannot read {shown}: {e}")))?
        .len();
    if size > MAX_IMPORT_BYTES {
        return Err(CliError::bad_input(format!(
            "{shown} is {size} bytes; at most {MAX_IMPORT_BYTES} are imported at once (split the file)"
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| CliError::bad_input(format!("cannot read {shown}: {e}")))?;
    let mut pairs = Vec::new();
    let mut problems = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| CliError::bad_input(format!("{shown}: {e}")))?;
        let line = record.position().map_or(index + 1, |p| p.line() as usize);
        let fields: Vec<&str> = record.iter().collect();
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        let header = |f: &str| matches!(f.to_lowercase().as_str(), "source" | "source_key");
        if pairs.is_empty() && problems.is_empty() && fields.len() == 2 && header(fields[0]) {
            continue;
        }
        match fields.as_slice() {
            [source, target] if !source.is_empty() && !target.is_empty() => {
                pairs.push(PairRequest {
                    line: Some(line),
                    source: source.to_string(),
                    target: target.to_string(),
                })
            }
            _ => problems.push(format!(
                "line {line}: expected two values, the source item's key and the target item's, got {}",
                record.len()
            )),
        }
        if pairs.len() > MAX_PAIRS {
            return Err(CliError::bad_input(format!(
                "{shown} has more than {MAX_PAIRS} pairs; split the file"
            )));
        }
    }
    if !problems.is_empty() {
        return Err(CliError::bad_input(format!(
            "{shown}: nothing was written:\n  {}",
            problems.join("\n  ")
        )));
    }
    if pairs.is_empty() {
        return Err(CliError::bad_input(format!("{shown} holds no pairs")));
    }
    Ok(pairs)
}
