//! Errors of the plugin runtime: a plugin that could not be loaded, and a call that failed.

use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// A plugin that was refused at load time. Other plugins still load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("plugin {plugin} ({}): {reason}", path.display())]
pub struct LoadError {
    /// The plugin's name, or its folder name when the manifest could not be read.
    pub plugin: String,
    /// The manifest or component the error is about.
    pub path: PathBuf,
    pub reason: String,
}

/// Why a call into a plugin failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// The guest panicked; message and location come from its stderr.
    Panicked { message: String, location: String },
    /// The guest raised an exception it did not catch (a Python traceback on its stderr):
    /// the exception line and the last lines of the traceback.
    Raised { exception: String, trace: String },
    /// The wall-clock deadline (per item, times the call's items) passed.
    Deadline { timeout_ms: u64, items: u64 },
    /// The guest tried to grow its memory past the limit.
    MemoryLimit { memory_mb: u64 },
    /// The call used up its fuel (per item, times the call's items).
    FuelExhausted { fuel: u64, items: u64 },
    /// The call returned more text and bytes than allowed.
    OutputTooLarge { bytes: u64, max_output_bytes: u64 },
    /// The plugin broke the contract (wrong number of results, malformed date, ...).
    Contract { detail: String },
    /// Any other trap or instantiation failure.
    Trap { detail: String },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Panicked { message, location } => {
                write!(f, "guest panicked: '{message}' at {location}")
            }
            Failure::Raised { exception, trace } => {
                write!(f, "guest raised {exception} (traceback ends: {trace})")
            }
            Failure::Deadline { timeout_ms, items } if *items > 1 => write!(
                f,
                "deadline of {timeout_ms} ms per item × {items} items exceeded"
            ),
            Failure::Deadline { timeout_ms, .. } => {
                write!(f, "deadline of {timeout_ms} ms exceeded")
            }
            Failure::MemoryLimit { memory_mb } => {
                write!(f, "memory limit of {memory_mb} MiB exceeded")
            }
            Failure::FuelExhausted { fuel, items } if *items > 1 => {
                write!(f, "fuel of {fuel} per item × {items} items exhausted")
            }
            Failure::FuelExhausted { fuel, .. } => write!(f, "fuel of {fuel} exhausted"),
            Failure::OutputTooLarge {
                bytes,
                max_output_bytes,
            } => {
                write!(
                    f,
                    "output of {bytes} bytes refused (limit {max_output_bytes} bytes)"
                )
            }
            Failure::Contract { detail } => write!(f, "broke the plugin contract: {detail}"),
            Failure::Trap { detail } => write!(f, "trapped: {detail}"),
        }
    }
}

/// A failed call, naming plugin, version and call:
/// `plugin hostile 0.1.0, transform-batch: guest panicked: 'boom' at src/lib.rs:10:5`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct CallError {
    pub plugin: String,
    pub version: String,
    /// The WIT function: `transform-batch`, `resolve`, `list-changed`, ...
    pub call: String,
    pub failure: Failure,
    /// The last lines the guest wrote to stderr, if any.
    pub stderr_tail: Option<String>,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "plugin {} {}, {}: {}",
            self.plugin, self.version, self.call, self.failure
        )?;
        if let (Failure::Trap { .. }, Some(tail)) = (&self.failure, &self.stderr_tail) {
            let tail = tail.trim();
            if !tail.is_empty() {
                let lines: Vec<&str> = tail.lines().collect();
                let last = &lines[lines.len().saturating_sub(5)..];
                write!(
                    f,
                    " (guest stderr: {})",
                    super::limits::plugin_text(&last.join(" | "))
                )?;
            }
        }
        Ok(())
    }
}

/// Errors of the runtime itself or of asking a [`PluginSet`](super::PluginSet) for
/// something it does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PluginError {
    #[error("cannot set up the plugin engine: {0}")]
    Engine(String),
    #[error("no loaded connector plugin provides platform `{0}`")]
    NoConnector(String),
    #[error(transparent)]
    Call(#[from] CallError),
}
