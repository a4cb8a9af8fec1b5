//! Exit codes: 0 everything synced, 1 some items failed, 2 bad input (config, arguments,
//! plugins) — nothing was written, 3 another run holds the state store (nothing was done;
//! `--wait` queues behind it instead).

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    ItemsFailed,
    BadInput,
    /// Another run holds the state store's lock.
    Busy,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        ExitCode::from(match outcome {
            Outcome::Ok => 0,
            Outcome::ItemsFailed => 1,
            Outcome::BadInput => 2,
            Outcome::Busy => 3,
        })
    }
}

/// An error that ends a command. `bad_input` errors exit 2; others exit 1.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub bad_input: bool,
    /// Another run holds the state store (exit 3).
    pub busy: bool,
}

impl CliError {
    pub fn bad_input(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            bad_input: true,
            busy: false,
        }
    }
    pub fn failed(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            bad_input: false,
            busy: false,
        }
    }
    pub fn busy(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            bad_input: false,
            busy: true,
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
