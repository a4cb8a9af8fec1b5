//! Pins: the operator's say on which plugin serves a name (a platform, a transform or a
//! resolver), by plugin name and optionally version and sha256 digest of its component. A
//! plugin that provides a pinned name but is not the pinned one is refused, with whatever
//! the config grants under that name: a folder sorting first or a swapped `.wasm` does not
//! inherit another plugin's hosts and credentials.

use super::manifest::Manifest;
use serde::{Deserialize, Serialize};

/// The plugin a name is pinned to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// The plugin's manifest name.
    pub plugin: String,
    /// Its exact manifest version, if pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The sha256 of its component file (hex, as `plugins inspect` shows it), if pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl Pin {
    /// Why the plugin of `manifest`, whose component has digest `sha256` and which provides
    /// the `what` (platform, transform, resolver) `name`, may not serve it under this pin.
    pub fn refusal(
        &self,
        what: &str,
        name: &str,
        manifest: &Manifest,
        sha256: &str,
    ) -> Option<String> {
        let key = format!("plugins.pins.{name}");
        if self.plugin != manifest.name {
            return Some(format!(
                "provides {what} `{name}`, but the config pins it to plugin `{}` ({key})",
                self.plugin
            ));
        }
        if let Some(version) = &self.version
            && version != &manifest.version
        {
            return Some(format!(
                "is version {}, but the config pins {what} `{name}` to version {version} ({key})",
                manifest.version
            ));
        }
        if let Some(digest) = &self.sha256
            && !digest.eq_ignore_ascii_case(sha256)
        {
            return Some(format!(
                "its component has sha256 {sha256}, but the config pins {what} `{name}` to sha256 {digest} ({key}); \
                 refused, and it gets none of the grants"
            ));
        }
        None
    }
}
