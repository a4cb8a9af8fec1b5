//! The command line, as clap sees it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "pmsync-host",
    version,
    about = "Two-way sync of Jira, Linear and GitHub, customised by WebAssembly plugins",
    long_about = "Two-way sync of Jira Cloud, Linear, GitHub Issues and GitHub Projects.\n\
                  With no --config and no credentials, `run` starts the built-in sandbox platforms \
                  and syncs example data through the WASM connectors."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Sync configuration (YAML).
    #[arg(short, long, global = true, env = "PMSYNC_CONFIG")]
    pub config: Option<PathBuf>,
    /// Plugins directory (or a single .wasm with its plugin.toml beside it).
    #[arg(
        short,
        long,
        global = true,
        env = "PMSYNC_PLUGINS",
        default_value = "./plugins"
    )]
    pub plugins: PathBuf,
    /// State database file (links, bases, watermarks, audit).
    #[arg(long, global = true, env = "PMSYNC_STATE")]
    pub state: Option<PathBuf>,
    /// Compiled-plugin cache directory.
    #[arg(long, global = true, env = "PMSYNC_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Print results as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// Never show progress bars.
    #[arg(long, global = true)]
    pub no_progress: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the configured syncs once, or every `sync_interval` with --daemon. Without a config,
    /// sync the built-in sandbox platforms.
    Run(RunArgs),
    /// One sync pass (like `run`, never a daemon).
    Sync(SyncArgs),
    /// Check a config against the loaded plugins; nothing runs.
    Validate,
    /// List or inspect plugins.
    #[command(subcommand)]
    Plugins(PluginsCommand),
    /// Audit trail of synced items.
    History(HistoryArgs),
    /// Conflicts left for a person (`manual` strategy, deferred by a resolver).
    #[command(subcommand)]
    Conflicts(ConflictsCommand),
    /// Write the config back out as YAML (loads to the same thing).
    ExportConfig(ExportArgs),
    /// Start the sandbox platforms (Jira, GitHub, Linear simulators) on loopback.
    Sandbox(SandboxArgs),
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args, Clone, Default)]
pub struct SyncArgs {
    /// Print the plan; write nothing anywhere (platforms and state store included).
    #[arg(long)]
    pub dry_run: bool,
    /// Reconcile everything, not only what changed since the last run.
    #[arg(long)]
    pub full: bool,
    /// Only this sync (by name); repeatable.
    #[arg(long = "sync", value_name = "NAME")]
    pub only: Vec<String>,
    /// Run the config against the built-in sandbox platforms instead of the real ones
    /// (base URLs and credentials are replaced; state is kept in memory unless --state is given).
    #[arg(long)]
    pub sandbox: bool,
    /// With --sandbox: the sandbox's time scale (1 = the platforms' real pace, e.g. GitHub's
    /// one second between writes; 0.1 = ten times faster). The host paces itself to it.
    #[arg(long, value_name = "FACTOR", default_value_t = 0.1)]
    pub sandbox_time_scale: f64,
    /// When another run holds the state store, wait for it instead of exiting with code 3.
    #[arg(long)]
    pub wait: bool,
}

#[derive(Debug, Args, Clone, Default)]
pub struct RunArgs {
    #[command(flatten)]
    pub sync: SyncArgs,
    /// Keep running, one pass every `sync_interval` seconds, until Ctrl-C.
    #[arg(long)]
    pub daemon: bool,
}

#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// Every plugin in the plugins directory.
    List,
    /// One plugin: kind, version, API, what it provides, capabilities asked and granted, limits.
    Inspect { name: String },
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only entries about this item key (either side: `PROJ-12`, `#4`, `ENG-7`).
    #[arg(long)]
    pub item: Option<String>,
    /// Only the last N days.
    #[arg(long)]
    pub days: Option<u32>,
    /// Only this sync.
    #[arg(long = "sync", value_name = "NAME")]
    pub sync: Option<String>,
    /// Write JSON Lines in the seed spec's audit format to this file (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ConflictsCommand {
    /// Open conflicts.
    List {
        #[arg(long = "sync", value_name = "NAME")]
        sync: Option<String>,
    },
    /// Settle one conflict; the next run writes the chosen value.
    Resolve {
        /// The conflict's id, from `conflicts list`.
        id: i64,
        /// Keep one side's value.
        #[arg(long, value_enum, conflicts_with = "value")]
        take: Option<TakeSide>,
        /// Use this value instead (JSON: `"text"`, `3`, `["a","b"]`), in target terms.
        #[arg(long)]
        value: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TakeSide {
    Source,
    Target,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port of the Jira simulator; GitHub and Linear take the next two (0: any free ports).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Items per platform to seed (default: the hand-written example data).
    #[arg(long)]
    pub items: Option<usize>,
    /// Probability (0..1) of an injected fault per request (429, 5xx, dropped connection, a
    /// write applied whose answer is lost).
    #[arg(long, default_value_t = 0.0)]
    pub faults: f64,
    /// Fixed latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Time scale of the platforms' pace (1 = real: GitHub writes a second apart; 0.01 = a
    /// hundred times faster). Answers carry `x-sandbox-time-scale` so clients pace to it.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    pub time_scale: f64,
}
