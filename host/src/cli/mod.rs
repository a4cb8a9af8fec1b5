//! The `pmsync-host` command line.

mod args;
mod bundle_args;
mod bundle_cmd;
mod completions;
mod config_cmds;
mod conflicts_cmd;
mod context;
mod doctor_cmd;
mod exit;
mod history_cmd;
mod links_args;
mod links_cmd;
mod output;
mod plugin_test_args;
mod plugin_test_cmd;
mod plugin_test_input;
mod plugins_cmd;
mod plugins_new_cmd;
mod progress_bar;
mod report_view;
mod run_cmd;
mod sandbox_cmd;
mod serve_cmd;
mod signals;

pub use args::Cli;
pub use exit::{CliError, Outcome};

use args::{Command, ConflictsCommand, PluginsCommand};
use clap::Parser;
use context::Context;
use std::process::ExitCode;

/// Parse the command line, run the command, and map the result to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    let json_logs =
        matches!(&cli.command, Command::Serve(a) if a.log_format == args::LogFormat::Json);
    init_logging(matches!(cli.command, Command::Serve(_)), json_logs);
    let ctx = Context::new(cli.command.global());
    let result = match cli.command {
        Command::Plugins(PluginsCommand::List { .. }) => plugins_cmd::list(&ctx),
        Command::Plugins(PluginsCommand::Inspect { name, .. }) => plugins_cmd::inspect(&ctx, &name),
        Command::Plugins(PluginsCommand::New {
            name,
            kind,
            lang,
            dir,
            ..
        }) => plugins_new_cmd::new(&ctx, &name, kind, lang, dir),
        Command::Plugins(PluginsCommand::Test(args)) => plugin_test_cmd::test(&ctx, &args),
        Command::Plugins(PluginsCommand::Precompile { .. }) => plugins_cmd::precompile(&ctx),
        Command::Validate(_) => config_cmds::validate(&ctx),
        Command::Doctor(args) => doctor_cmd::doctor(&ctx, &args),
        Command::ExportConfig(args) => config_cmds::export(&ctx, &args),
        Command::Completions(args) => {
            output::out!("{}", completions::script(args.shell));
            Ok(Outcome::Ok)
        }
        Command::Run(args) => run_cmd::run(&ctx, &args),
        Command::Sync(args) => run_cmd::sync(&ctx, &args.options),
        Command::History(args) => history_cmd::history(&ctx, &args),
        Command::Conflicts(ConflictsCommand::List { sync, .. }) => {
            conflicts_cmd::list(&ctx, sync.as_deref())
        }
        Command::Conflicts(ConflictsCommand::Resolve(args)) => conflicts_cmd::resolve(&ctx, &args),
        Command::Sandbox(args) => sandbox_cmd::sandbox(&ctx, &args),
        Command::Bundle(command) => bundle_cmd::bundle(&ctx, &command),
        Command::Serve(args) => serve_cmd::serve(&ctx, &args),
        Command::Links(command) => links_cmd::links(&ctx, &command),
    };
    match result {
        Ok(outcome) => outcome.into(),
        Err(error) => {
            if ctx.out.json {
                ctx.out.json(&serde_json::json!({ "error": error.message }));
            } else {
                eprintln!("{} {}", ctx.out.red("error:"), error.message);
            }
            if error.busy {
                Outcome::Busy.into()
            } else if error.bad_input {
                Outcome::BadInput.into()
            } else {
                Outcome::ItemsFailed.into()
            }
        }
    }
}

/// Logs go to stderr, with timestamps, filtered by `RUST_LOG` (default: warnings; for the
/// long-running `serve`, also what it receives and syncs).
/// `json`: one JSON object a line (`serve --log-format json`).
fn init_logging(service: bool, json: bool) {
    let default = if service {
        "warn,pmsync::serve=info"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()) && !output::no_color())
            .try_init()
    };
}
