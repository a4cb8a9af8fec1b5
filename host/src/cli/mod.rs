//! The `pmsync-host` command line.

mod args;
mod context;
mod exit;
mod output;
mod plugins_cmd;

pub use args::Cli;
pub use exit::{CliError, Outcome};

use args::{Command, PluginsCommand};
use clap::{CommandFactory, Parser};
use context::Context;
use std::process::ExitCode;

/// Parse the command line, run the command, and map the result to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => ExitCode::SUCCESS,
                _ => ExitCode::from(2),
            };
        }
    };
    init_logging();
    let ctx = Context::new(cli.global.clone());
    let result = match cli.command {
        Command::Plugins(PluginsCommand::List) => plugins_cmd::list(&ctx),
        Command::Plugins(PluginsCommand::Inspect { name }) => plugins_cmd::inspect(&ctx, &name),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "pmsync-host", &mut std::io::stdout());
            Ok(Outcome::Ok)
        }
        _ => Err(CliError::failed("not wired yet")),
    };
    match result {
        Ok(outcome) => outcome.into(),
        Err(error) => {
            if ctx.out.json {
                ctx.out.json(&serde_json::json!({ "error": error.message }));
            } else {
                eprintln!("{} {}", ctx.out.red("error:"), error.message);
            }
            if error.bad_input { Outcome::BadInput.into() } else { Outcome::ItemsFailed.into() }
        }
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: warnings).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none())
        .try_init();
}
