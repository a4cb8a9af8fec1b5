//! Sync configuration: model, loading with precise errors, validation, export.

mod environment;
mod error;
mod export;
mod feedback;
mod filters;
mod link_existing;
mod load;
mod locate;
mod model;
mod secrets;
mod setting_value;
mod settings;
mod suggest;
mod trust;
mod validate;

pub use environment::{env_reference, expand_environment, has_env_syntax};
pub use error::{ConfigError, ConfigPath, Location, Segment};
pub use export::to_yaml;
pub use filters::{COMMON_FILTER_KEYS, Filters, SideFilters};
pub use link_existing::{DateWindow, InitialWinner, LinkExisting, LinkMode, MatchRule};
pub use load::load_str;
pub use locate::locate;
pub use model::*;
pub use secrets::{
    ResolvedCredential, ResolvedSecrets, Secret, resolve_secrets, resolve_webhook_secrets,
};
pub use settings::{
    ConnectorSpec, CreatedType, PluginSettingsSpec, SettingSpec, SettingType, is_secret_name,
    url_problem,
};
pub use suggest::closest;
pub use trust::{
    KEY_ID_HEX_LEN, PUBLIC_KEY_HEX_LEN, check_trust, is_bundle_name, is_public_key_hex,
};
pub use validate::{Available, Diagnostic, Severity, check_str, validate};
