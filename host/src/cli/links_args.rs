//! The arguments of `pmsync-host links ...`: the links between items, by hand.

use super::args::{ConfigOpt, Global, JsonOpt, PluginOpts, StateOpt};
use clap::{Args, Subcommand, ValueEnum, ValueHint};
use std::path::PathBuf;

const LIST_HELP: &str = "\
Examples:
  pmsync-host links list --sync jira-github
  pmsync-host links list --sync jira-github --json

Exit status: 0 ok, 2 no state store.";

const ADD_HELP: &str = "\
Both items are looked up on their platforms first (a key or an id; `#42` or `42` for a GitHub
issue); an item that does not exist, or is already linked in this sync, is refused with exit
status 2 and nothing is written. The pair's initial values follow --winner (default: the sync's
`link_existing.initial_winner`, else `none`: differing fields become conflicts for a person).

Examples:
  pmsync-host links add --sync jira-github PROJ-12 '#40' --config sync.yaml
  pmsync-host links add --sync jira-github PROJ-12 40 --winner source --config sync.yaml

Exit status: 0 linked, 1 a platform could not be reached, 2 bad input (nothing written),
3 a run holds the state store.";

const REMOVE_HELP: &str = "\
Forgets the link (both items stay as they are); recorded in the audit. KEY is either item's
key or id.

Examples:
  pmsync-host links remove --sync jira-github PROJ-12

Exit status: 0 removed, 2 no such link, 3 a run holds the state store.";

const IMPORT_HELP: &str = "\
FILE is CSV: one pair per line, the source item's key (or id) then the target item's; a first
line `source,target` (or `source_key,target_key`) is a header. Every pair is checked on both
platforms and against the existing links before anything is written: one bad line refuses the
whole file (exit status 2, each bad line named), so an import is all or nothing.

Examples:
  pmsync-host links import --sync jira-github pairs.csv --config sync.yaml
  pmsync-host links import --sync jira-github exalate-export.csv --winner target --config sync.yaml --json

Exit status: 0 imported, 1 a platform could not be reached, 2 bad input (nothing written),
3 a run holds the state store.";

#[derive(Debug, Subcommand)]
pub enum LinksCommand {
    /// The links of a sync.
    #[command(after_long_help = LIST_HELP)]
    List(ListArgs),
    /// Link two existing items by hand (checked on both platforms).
    #[command(after_long_help = ADD_HELP)]
    Add(AddArgs),
    /// Forget a link.
    #[command(after_long_help = REMOVE_HELP)]
    Remove(RemoveArgs),
    /// Link the pairs of a CSV file (exported from another tool), all or nothing.
    #[command(after_long_help = IMPORT_HELP)]
    Import(ImportArgs),
}

/// Whose values a hand-made pair starts from.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Winner {
    Source,
    Target,
    Newer,
    /// Differing fields become conflicts for a person.
    None,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The sync (its `name:`).
    #[arg(long = "sync", value_name = "NAME")]
    pub sync: String,
    #[command(flatten)]
    pub state: StateOpt,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The sync (its `name:`).
    #[arg(long = "sync", value_name = "NAME")]
    pub sync: String,
    /// The source item's key or id (`PROJ-12`).
    pub source: String,
    /// The target item's key or id (`#40`).
    pub target: String,
    /// Whose values the pair starts from.
    #[arg(long, value_enum)]
    pub winner: Option<Winner>,
    #[command(flatten)]
    pub config: ConfigOpt,
    #[command(flatten)]
    pub plugins: PluginOpts,
    #[command(flatten)]
    pub state: StateOpt,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The sync (its `name:`).
    #[arg(long = "sync", value_name = "NAME")]
    pub sync: String,
    /// Either item's key or id.
    pub key: String,
    #[command(flatten)]
    pub state: StateOpt,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The sync (its `name:`).
    #[arg(long = "sync", value_name = "NAME")]
    pub sync: String,
    /// CSV of pairs: source key, target key.
    #[arg(value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub file: PathBuf,
    /// Whose values the pairs start from.
    #[arg(long, value_enum)]
    pub winner: Option<Winner>,
    #[command(flatten)]
    pub config: ConfigOpt,
    #[command(flatten)]
    pub plugins: PluginOpts,
    #[command(flatten)]
    pub state: StateOpt,
    #[command(flatten)]
    pub json: JsonOpt,
}

impl LinksCommand {
    /// Fills the shared options this subcommand took.
    pub fn global(&self, g: &mut Global) {
        match self {
            LinksCommand::List(a) => {
                g.state = a.state.state.clone();
                g.json = a.json.json;
            }
            LinksCommand::Remove(a) => {
                g.state = a.state.state.clone();
                g.json = a.json.json;
            }
            LinksCommand::Add(a) => {
                g.config = a.config.config.clone();
                g.plugins = a.plugins.plugins.clone();
                g.cache_dir = a.plugins.cache_dir.clone();
                g.cold_compiler = a.plugins.cold_compiler;
                g.state = a.state.state.clone();
                g.json = a.json.json;
            }
            LinksCommand::Import(a) => {
                g.config = a.config.config.clone();
                g.plugins = a.plugins.plugins.clone();
                g.cache_dir = a.plugins.cache_dir.clone();
                g.cold_compiler = a.plugins.cold_compiler;
                g.state = a.state.state.clone();
                g.json = a.json.json;
            }
        }
    }
}
