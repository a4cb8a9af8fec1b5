//! The command line, as clap sees it. Each subcommand takes only the options that do
//! something for it; the shared ones (`--config`, `--plugins`, `--cache-dir`, `--state`,
//! `--json`, `--no-progress`) are listed under their own heading.

use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};
use std::path::PathBuf;

/// Shown at the end of every `--help`.
const EXIT_CODES: &str = "\
Exit status:
  0  everything succeeded
  1  some items (or checks) failed; the rest was done
  2  bad input (arguments, config, plugins): nothing was written";

const TOP_EXAMPLES: &str = "\
Examples:
  pmsync-host run                                   # no config: sync the built-in sandbox platforms
  pmsync-host validate --config sync.yaml
  pmsync-host doctor --config sync.yaml             # can each platform be reached, with these credentials?
  pmsync-host run --config sync.yaml --sandbox --dry-run
  pmsync-host run --config sync.yaml --daemon

Environment: PMSYNC_CONFIG, PMSYNC_PLUGINS, PMSYNC_STATE, PMSYNC_CACHE_DIR stand in for the
options of the same name; NO_COLOR (non-empty) turns colour off; RUST_LOG sets the log level.

Exit status:
  0  everything succeeded
  1  some items (or checks) failed; the rest was done
  2  bad input (arguments, config, plugins): nothing was written";

const GLOBAL: &str = "Global options";

#[derive(Debug, Parser)]
#[command(
    name = "pmsync-host",
    version,
    about = "Two-way sync of Jira, Linear and GitHub, customised by WebAssembly plugins",
    long_about = "Two-way sync of Jira Cloud, Linear, GitHub Issues and GitHub Projects.\n\
                  With no --config and no credentials, `run` starts the built-in sandbox platforms \
                  and syncs example data through the WASM connectors.",
    after_help = EXIT_CODES,
    after_long_help = TOP_EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// `--config`.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = GLOBAL)]
pub struct ConfigOpt {
    /// The sync configuration (YAML).
    #[arg(short, long, env = "PMSYNC_CONFIG", value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub config: Option<PathBuf>,
}

/// `--plugins` and `--cache-dir`.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = GLOBAL)]
pub struct PluginOpts {
    /// Plugins directory (or a single .wasm with its plugin.toml beside it).
    #[arg(
        short,
        long,
        env = "PMSYNC_PLUGINS",
        default_value = "./plugins",
        value_name = "DIR",
        value_hint = ValueHint::DirPath
    )]
    pub plugins: PathBuf,
    /// Compiled-plugin cache directory (default: the user's cache dir).
    #[arg(long, env = "PMSYNC_CACHE_DIR", value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub cache_dir: Option<PathBuf>,
    /// Compiler for a plugin not in the cache yet: auto (Winch, the fast baseline compiler,
    /// for components of 4 MiB or more; Cranelift for smaller ones), cranelift or winch.
    /// Optimised (Cranelift) code in the cache is always preferred.
    #[arg(
        long,
        env = "PMSYNC_COLD_COMPILER",
        value_enum,
        default_value = "auto",
        value_name = "COMPILER"
    )]
    pub cold_compiler: crate::plugin::ColdCompile,
}

/// `--state`.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = GLOBAL)]
pub struct StateOpt {
    /// State database file: links, bases, watermarks, conflicts, audit (default: the user's
    /// data dir, pmsync/state.db).
    #[arg(long, env = "PMSYNC_STATE", value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub state: Option<PathBuf>,
}

/// `--json`.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = GLOBAL)]
pub struct JsonOpt {
    /// Print the result as one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `--no-progress`.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = GLOBAL)]
pub struct ProgressOpt {
    /// Never show progress bars (they are shown only on a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,
}

/// The shared options as one value, whichever subcommand took them.
#[derive(Debug, Clone, Default)]
pub struct Global {
    pub config: Option<PathBuf>,
    pub plugins: PathBuf,
    pub state: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
    pub cold_compiler: crate::plugin::ColdCompile,
    pub json: bool,
    pub no_progress: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the configured syncs once, or every `sync_interval` with --daemon. Without a
    /// config, sync the built-in sandbox platforms.
    #[command(after_long_help = RUN_HELP)]
    Run(RunArgs),
    /// One sync pass (like `run`, never a daemon).
    #[command(after_long_help = SYNC_HELP)]
    Sync(SyncArgs),
    /// Check a config against the loaded plugins (connector settings included); nothing runs.
    #[command(after_long_help = VALIDATE_HELP)]
    Validate(ValidateArgs),
    /// Check each platform of a config: reachable, credentials accepted, project exists,
    /// scopes and permissions, rate budget left.
    #[command(after_long_help = DOCTOR_HELP)]
    Doctor(DoctorArgs),
    /// List or inspect plugins.
    #[command(subcommand)]
    Plugins(PluginsCommand),
    /// Audit trail of synced items.
    #[command(after_long_help = HISTORY_HELP)]
    History(HistoryArgs),
    /// Conflicts left for a person (`manual` strategy, deferred by a resolver).
    #[command(subcommand)]
    Conflicts(ConflictsCommand),
    /// Links between items: list them, add or remove one by hand, import pairs (CSV).
    #[command(subcommand)]
    Links(super::links_args::LinksCommand),
    /// Write the config back out as YAML (loads to the same thing).
    #[command(after_long_help = EXPORT_HELP)]
    ExportConfig(ExportArgs),
    /// Run as a service: signed webhooks synced within seconds through a durable queue, a
    /// reconcile sweep every sync_interval, /healthz /readyz /metrics, a status page at /; the
    /// config is reloaded on SIGHUP or when its file changes.
    #[command(after_long_help = SERVE_HELP)]
    Serve(ServeArgs),
    /// Start the sandbox platforms (Jira, GitHub, Linear simulators) on loopback.
    #[command(after_long_help = SANDBOX_HELP)]
    Sandbox(SandboxArgs),
    /// Print a shell completion script.
    #[command(after_long_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Organisation plugin bundles: keys, pack and sign, verify, install, registry push/pull.
    #[command(subcommand)]
    Bundle(super::bundle_args::BundleCommand),
}

const RUN_HELP: &str = "\
Examples:
  pmsync-host run                                          # the first run: sandbox platforms, no config
  pmsync-host run --config sync.yaml                       # every sync of the file, once
  pmsync-host run --config sync.yaml --daemon              # again every sync_interval, until Ctrl-C
  pmsync-host run --config sync.yaml --sandbox --dry-run   # what it would do, against the simulators

Exit status: 0 all synced, 1 some items failed, 2 bad input (nothing was written).";

const SYNC_HELP: &str = "\
Examples:
  pmsync-host sync --config sync.yaml --dry-run            # print the plan, write nothing
  pmsync-host sync --config sync.yaml --sync jira-github --full

Exit status: 0 all synced, 1 some items failed, 2 bad input (nothing was written).";

const VALIDATE_HELP: &str = "\
Every problem is reported as file:line:col, with a suggestion for misspellings; connector
settings are checked against what each connector declares in its plugin.toml.

Examples:
  pmsync-host validate --config sync.yaml
  pmsync-host validate --config sync.yaml --json | jq '.diagnostics[]'

Exit status: 0 valid, 2 the config has errors (or cannot be read).";

const DOCTOR_HELP: &str = "\
For each platform of the config: is the base URL reachable, are the credentials accepted,
does the configured project / repository / team / board exist, does the token have the scopes
and permissions the sync needs (GitHub Projects needs the `project` scope; Jira needs the
permission to transition issues), and how much rate budget is left.

Examples:
  pmsync-host doctor --config sync.yaml
  pmsync-host doctor --config sync.yaml --json
  pmsync-host doctor --config sync.yaml --sandbox          # the same checks against the simulators

Exit status: 0 every check passed, 1 some check failed, 2 bad input.";

const HISTORY_HELP: &str = "\
Examples:
  pmsync-host history --item PROJ-12
  pmsync-host history --since 2024-05-01 --until 2024-05-31T12:00:00Z --limit 50
  pmsync-host history --days 7 --export - | head

Exit status: 0 ok, 2 bad input (no state store, a bad date).";

const EXPORT_HELP: &str = "\
Examples:
  pmsync-host export-config --config sync.yaml -o normalised.yaml
  pmsync-host export-config --config sync.yaml --json

Exit status: 0 ok, 2 the config cannot be read.";

const SANDBOX_HELP: &str = "\
Examples:
  pmsync-host sandbox --port 18080                         # Jira 18080, GitHub 18081, Linear 18082
  pmsync-host sandbox --items 500 --faults 0.2 --latency-ms 20
  pmsync-host sandbox --token secret --github-scopes repo  # try doctor against a refusing platform
  PMSYNC_SANDBOX_WEBHOOK_SECRET=s pmsync-host sandbox --webhooks http://127.0.0.1:8787  # deliver to serve

Exit status: 0 after Ctrl-C, 2 bad input.";

const SERVE_HELP: &str = "\
Platforms deliver to POST /webhooks/<platform entry> (e.g. /webhooks/github), signed with
`platforms.<entry>.webhook_secret: \"${GITHUB_WEBHOOK_SECRET}\"`. A delivery is committed to the
state store before it is acknowledged; forged or unsigned ones get 401, oversized ones 413, one
already received 200 (ignored). Operations: GET /healthz, /readyz, /metrics (Prometheus).

Examples:
  pmsync-host serve --config sync.yaml --state /var/lib/pmsync/state.db
  pmsync-host serve --config sync.yaml --listen 0.0.0.0:8787
  pmsync-host serve --config examples/jira_to_github.yaml --sandbox   # the simulators deliver here
  kill -HUP <pid>                                            # reload the config (an invalid one is refused)

Exit status: 0 stopped by SIGTERM/SIGINT, 1 failed, 2 bad input, 3 another run holds the state store.";

const COMPLETIONS_HELP: &str = "\
Examples:
  source <(pmsync-host completions bash)
  pmsync-host completions zsh > ~/.zfunc/_pmsync-host
  pmsync-host completions fish > ~/.config/fish/completions/pmsync-host.fish

Exit status: 0 ok, 2 an unknown shell.";

#[derive(Debug, Args, Clone, Default)]
pub struct SyncOptions {
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

#[derive(Debug, Args, Clone)]
pub struct SyncArgs {
    #[command(flatten)]
    pub options: SyncOptions,
    #[command(flatten)]
    pub config: ConfigOpt,
    #[command(flatten)]
    pub plugins: PluginOpts,
    #[command(flatten)]
    pub state: StateOpt,
    #[command(flatten)]
    pub json: JsonOpt,
    #[command(flatten)]
    pub progress: ProgressOpt,
}

#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub sync: SyncArgs,
    /// Keep running, one pass every `sync_interval` seconds, until Ctrl-C.
    #[arg(long)]
    pub daemon: bool,
}

/// How `serve` writes its log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port; the address is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub listen: std::net::SocketAddr,
    /// Run the config against the built-in sandbox platforms, which deliver their webhooks
    /// (signed with a secret made up for the session) to this process.
    #[arg(long)]
    pub sandbox: bool,
    /// With --sandbox: the sandbox's time scale (see `run --sandbox-time-scale`).
    #[arg(long, value_name = "FACTOR", default_value_t = 0.1)]
    pub sandbox_time_scale: f64,
    /// Largest webhook body accepted, in bytes (larger: 413).
    #[arg(long, value_name = "BYTES", default_value_t = 1_048_576)]
    pub max_body_bytes: usize,
    /// Reload the config only on SIGHUP, not also when its file changes.
    #[arg(long)]
    pub no_watch_config: bool,
    /// Log lines as text or as one JSON object each (timestamp, level, target, message).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub config: ConfigOpt,
    #[command(flatten)]
    pub plugins: PluginOpts,
    #[command(flatten)]
    pub state: StateOpt,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Args, Clone)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub config: ConfigOpt,
    #[command(flatten)]
    pub plugins: PluginOpts,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Args, Clone)]
pub struct DoctorArgs {
    /// Check against the built-in sandbox platforms instead of the real ones.
    #[arg(long)]
    pub sandbox: bool,
    #[command(flatten)]
    pub config: ConfigOpt,
    #[command(flatten)]
    pub plugins: PluginOpts,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// Every plugin in the plugins directory.
    #[command(
        after_long_help = "Examples:\n  pmsync-host plugins list\n  pmsync-host plugins list --plugins ./my-plugins --json\n  pmsync-host plugins list --config sync.yaml   (with the config's pins and grants)\n\nExit status: 0 all loaded, 2 some plugin was refused."
    )]
    List {
        /// With a config, its pins choose between plugins claiming one name and its grants
        /// show what each plugin will get.
        #[command(flatten)]
        config: ConfigOpt,
        #[command(flatten)]
        plugins: PluginOpts,
        #[command(flatten)]
        json: JsonOpt,
    },
    /// One plugin: kind, version, API, what it provides, settings, capabilities asked and
    /// granted, limits.
    #[command(
        after_long_help = "Examples:\n  pmsync-host plugins inspect jira\n  pmsync-host plugins inspect github-projects --json\n\nExit status: 0 ok, 2 no such plugin (or it was refused)."
    )]
    Inspect {
        /// The plugin's name, as `plugins list` shows it.
        name: String,
        #[command(flatten)]
        config: ConfigOpt,
        #[command(flatten)]
        plugins: PluginOpts,
        #[command(flatten)]
        json: JsonOpt,
    },
    /// A new plugin folder that builds with one command, inside or outside this repository:
    /// the template of its kind and language, the WIT, and the language's SDK.
    #[command(
        after_long_help = "Examples:\n  pmsync-host plugins new title-case --kind transformer\n  pmsync-host plugins new my-resolver --kind resolver --lang python\n  pmsync-host plugins new acme-tracker --kind connector --lang js --dir ./plugins/acme-tracker\n\nThen, in the new folder: `sh build.sh` builds the component beside plugin.toml, and\n`pmsync-host plugins inspect NAME --plugins FOLDER` loads it as a sync would.\n\nExit status: 0 written, 2 bad name or the folder is not empty (nothing written)."
    )]
    New {
        /// The plugin's name: lowercase letters, digits and single hyphens (`title-case`).
        name: String,
        /// What the plugin does.
        #[arg(long, value_enum)]
        kind: crate::scaffold::Kind,
        /// The language it is written in.
        #[arg(long, value_enum, default_value = "rust")]
        lang: crate::scaffold::Lang,
        /// Where to write it (default: ./NAME); must not exist or be empty.
        #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
        dir: Option<PathBuf>,
        #[command(flatten)]
        json: JsonOpt,
    },
    /// Run a resolver on one conflict, or a transformer on one value, and print its answer.
    #[command(after_long_help = super::plugin_test_args::PLUGINS_TEST_HELP)]
    Test(super::plugin_test_args::PluginTestArgs),
    /// Put optimised (Cranelift) code of every plugin in the cache: plugins that load from
    /// baseline (Winch) code are compiled again, so the next load runs optimised code.
    #[command(
        after_long_help = "Examples:\n  pmsync-host plugins precompile\n  pmsync-host plugins precompile --plugins ./my-plugins --json\n\nExit status: 0 every plugin has optimised code cached, 2 some plugin was refused or could not be compiled."
    )]
    Precompile {
        #[command(flatten)]
        config: ConfigOpt,
        #[command(flatten)]
        plugins: PluginOpts,
        #[command(flatten)]
        json: JsonOpt,
        #[command(flatten)]
        progress: ProgressOpt,
    },
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only entries about this item key (either side: `PROJ-12`, `#4`, `ENG-7`).
    #[arg(long, value_name = "KEY")]
    pub item: Option<String>,
    /// Only the last N days.
    #[arg(long, value_name = "N", conflicts_with = "since")]
    pub days: Option<u32>,
    /// Only entries at or after this time (RFC 3339, or a date YYYY-MM-DD, UTC).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only entries before this time (RFC 3339, or a date YYYY-MM-DD: up to its end).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// At most N entries, the newest first.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Only this sync.
    #[arg(long = "sync", value_name = "NAME")]
    pub sync: Option<String>,
    /// Write JSON Lines in the seed spec's audit format to this file (`-` for stdout).
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub export: Option<PathBuf>,
    #[command(flatten)]
    pub state: StateOpt,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Subcommand)]
pub enum ConflictsCommand {
    /// Open conflicts.
    #[command(
        after_long_help = "Examples:\n  pmsync-host conflicts list\n  pmsync-host conflicts list --sync jira-github --json\n\nExit status: 0 ok, 2 no state store."
    )]
    List {
        /// Only conflicts of this sync.
        #[arg(long = "sync", value_name = "NAME")]
        sync: Option<String>,
        #[command(flatten)]
        state: StateOpt,
        #[command(flatten)]
        json: JsonOpt,
    },
    /// Settle one conflict; the next run writes the chosen value.
    #[command(
        after_long_help = "A --value must fit the field: it is checked against the type of the values in \
conflict and, with --config, converted back to the source the way the next run will.\n\n\
Examples:\n  pmsync-host conflicts resolve 3 --take source\n  pmsync-host conflicts resolve 4 --value '\"Ship it\"'\n  pmsync-host conflicts resolve 5 --value 8 --config sync.yaml\n\n\
Exit status: 0 resolved, 2 bad input (no such conflict, a value that does not fit)."
    )]
    Resolve(ResolveArgs),
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The conflict's id, from `conflicts list`.
    pub id: i64,
    /// Keep one side's value.
    #[arg(long, value_enum, conflicts_with = "value")]
    pub take: Option<TakeSide>,
    /// Use this value instead (JSON: `"text"`, `3`, `["a","b"]`), in target terms.
    #[arg(long, value_name = "JSON")]
    pub value: Option<String>,
    #[command(flatten)]
    pub state: StateOpt,
    #[command(flatten)]
    pub config: ConfigOpt,
    #[command(flatten)]
    pub plugins: PluginOpts,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TakeSide {
    /// The source item's value.
    Source,
    /// The target item's value.
    Target,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigOpt,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port of the Jira simulator; GitHub and Linear take the next two (0: any free ports).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Items per platform to seed (default: the hand-written example data).
    #[arg(long, value_name = "N")]
    pub items: Option<usize>,
    /// Probability (0..1) of an injected fault per request (429, 5xx, dropped connection, a
    /// write applied whose answer is lost).
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    pub faults: f64,
    /// Fixed latency per request, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// Time scale of the platforms' pace (1 = real: GitHub writes a second apart; 0.01 = a
    /// hundred times faster). Answers carry `x-sandbox-time-scale` so clients pace to it.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    pub time_scale: f64,
    /// Accept only this credential (default: any non-empty one).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// The scopes GitHub reports for the token (`X-OAuth-Scopes`), comma-separated.
    #[arg(long, value_name = "SCOPES", value_delimiter = ',')]
    pub github_scopes: Option<Vec<String>>,
    /// Deliver every change as a signed webhook to `pmsync-host serve` at this base URL
    /// (`URL/webhooks/jira`, `/webhooks/github`, `/webhooks/linear`), signed with the secret in
    /// the environment variable PMSYNC_SANDBOX_WEBHOOK_SECRET.
    #[arg(long, value_name = "URL")]
    pub webhooks: Option<String>,
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

impl Command {
    /// The shared options this subcommand took.
    pub fn global(&self) -> Global {
        let mut g = Global {
            plugins: PathBuf::from("./plugins"),
            ..Global::default()
        };
        let plugins = |p: &PluginOpts, g: &mut Global| {
            g.plugins = p.plugins.clone();
            g.cache_dir = p.cache_dir.clone();
            g.cold_compiler = p.cold_compiler;
        };
        match self {
            Command::Run(RunArgs { sync, .. }) | Command::Sync(sync) => {
                g.config = sync.config.config.clone();
                plugins(&sync.plugins, &mut g);
                g.state = sync.state.state.clone();
                g.json = sync.json.json;
                g.no_progress = sync.progress.no_progress;
            }
            Command::Validate(a) => {
                g.config = a.config.config.clone();
                plugins(&a.plugins, &mut g);
                g.json = a.json.json;
            }
            Command::Doctor(a) => {
                g.config = a.config.config.clone();
                plugins(&a.plugins, &mut g);
                g.json = a.json.json;
            }
            Command::Plugins(PluginsCommand::List {
                config,
                plugins: p,
                json,
            })
            | Command::Plugins(PluginsCommand::Inspect {
                config,
                plugins: p,
                json,
                ..
            }) => {
                g.config = config.config.clone();
                plugins(p, &mut g);
                g.json = json.json;
            }
            Command::Plugins(PluginsCommand::New { json, .. }) => {
                g.json = json.json;
            }
            Command::Plugins(PluginsCommand::Test(a)) => {
                plugins(&a.plugins, &mut g);
                g.json = a.json.json;
            }
            Command::Plugins(PluginsCommand::Precompile {
                config,
                plugins: p,
                json,
                progress,
            }) => {
                g.config = config.config.clone();
                plugins(p, &mut g);
                g.json = json.json;
                g.no_progress = progress.no_progress;
            }
            Command::History(a) => {
                g.state = a.state.state.clone();
                g.json = a.json.json;
            }
            Command::Conflicts(ConflictsCommand::List { state, json, .. }) => {
                g.state = state.state.clone();
                g.json = json.json;
            }
            Command::Conflicts(ConflictsCommand::Resolve(a)) => {
                g.state = a.state.state.clone();
                g.config = a.config.config.clone();
                plugins(&a.plugins, &mut g);
                g.json = a.json.json;
            }
            Command::ExportConfig(a) => {
                g.config = a.config.config.clone();
                g.json = a.json.json;
            }
            Command::Serve(a) => {
                g.config = a.config.config.clone();
                plugins(&a.plugins, &mut g);
                g.state = a.state.state.clone();
                g.json = a.json.json;
                g.no_progress = true;
            }
            Command::Sandbox(a) => g.json = a.json.json,
            Command::Links(links) => links.global(&mut g),
            Command::Completions(_) => {}
            Command::Bundle(b) => b.global(&mut g),
        }
        g
    }
}
