//! The values of `plugins.settings.<plugin>`: text, or (for a `map` setting) a YAML
//! mapping of names to scalars, which is kept as JSON text — the one form a plugin's
//! `config` import can hand over, and the one the plugin SDKs parse.

use serde::Deserializer;
use serde::de::{self, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;

/// Deserializes `plugins.settings`: plugin name → setting name → value.
pub(crate) fn plugin_settings<'de, D>(
    deserializer: D,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, D::Error>
where
    D: Deserializer<'de>,
{
    let raw: BTreeMap<String, BTreeMap<String, SettingValue>> =
        serde::Deserialize::deserialize(deserializer)?;
    Ok(raw
        .into_iter()
        .map(|(plugin, values)| {
            let values = values.into_iter().map(|(k, v)| (k, v.0)).collect();
            (plugin, values)
        })
        .collect())
}

/// One setting's value as text.
struct SettingValue(String);

impl<'de> serde::Deserialize<'de> for SettingValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SettingValueVisitor)
    }
}

struct SettingValueVisitor;

impl<'de> Visitor<'de> for SettingValueVisitor {
    type Value = SettingValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("text, or a mapping of names to text")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<SettingValue, E> {
        Ok(SettingValue(value.to_string()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<SettingValue, E> {
        Ok(SettingValue(value))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SettingValue, A::Error> {
        let mut entries = serde_json::Map::new();
        while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
            entries.insert(key, value);
        }
        Ok(SettingValue(serde_json::Value::Object(entries).to_string()))
    }
}

#[cfg(test)]
mod tests {
    use crate::config::load_str;

    const CONFIG: &str = "name: s\nsource_platform: jira\ntarget_platform: github\nfield_mappings:\n  - {source_field: summary, target_field: title}\nplugins:\n  settings:\n    label-normalizer:\n      aliases: {bugfix: bug, feature_request: enhancement}\n      style: kebab\n";

    #[test]
    fn a_mapping_setting_reaches_the_plugin_as_a_json_object() {
        let config = load_str(CONFIG, "c.yaml").expect("loads");
        let settings = &config.plugins.settings["label-normalizer"];
        assert_eq!(
            settings["aliases"],
            r#"{"bugfix":"bug","feature_request":"enhancement"}"#
        );
        assert_eq!(settings["style"], "kebab");
    }

    #[test]
    fn a_list_where_a_setting_belongs_is_refused_with_its_place() {
        let text = CONFIG.replace("style: kebab", "style: [a, b]");
        let error = load_str(&text, "c.yaml").expect_err("a list is no setting");
        let shown = error.to_string();
        assert!(shown.contains("c.yaml:10"), "{shown}");
        assert!(shown.contains("text, or a mapping"), "{shown}");
    }
}
