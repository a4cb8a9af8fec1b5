//! Sync configuration: model, loading with precise errors, validation, export.

mod error;
mod export;
mod feedback;
mod load;
mod locate;
mod model;
mod secrets;
mod suggest;
mod validate;

pub use error::{ConfigError, ConfigPath, Location, Segment};
pub use export::to_yaml;
pub use load::load_str;
pub use locate::locate;
pub use model::*;
pub use secrets::{ResolvedCredential, ResolvedSecrets, Secret, env_reference, resolve_secrets};
pub use suggest::closest;
pub use validate::{Available, Diagnostic, Severity, check_str, validate};
