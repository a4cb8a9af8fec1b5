//! Writing a config back out: always the `syncs:` form, every setting explicit, so the
//! file loads back to an equal [`ConfigFile`].

use super::model::ConfigFile;

/// The config as YAML text that [`super::load_str`] reads back to an equal value.
pub fn to_yaml(config: &ConfigFile) -> String {
    // Serializing these plain data types cannot fail (string keys, no nested enums); should
    // serde_yaml_ng ever refuse, say so in the output rather than writing half a file.
    serde_yaml_ng::to_string(config)
        .unwrap_or_else(|e| format!("# pmsync could not export this config: {e}\n"))
}
