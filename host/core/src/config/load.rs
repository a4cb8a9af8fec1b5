//! Loading a config file's text: the single-sync form of the original spec or the
//! `syncs:` form, strictly (unknown keys and wrong types are errors), located errors.

use super::environment::{check_references_are_expanded, check_settings_hold_no_literal_secrets};
use super::error::{ConfigError, Location};
use super::locate::{check_duplicate_keys, has_top_level_key};
use super::model::{ConfigFile, PlatformConfig, PluginsConfig, SyncConfig};
use super::secrets::check_credentials_are_references;
use super::suggest::with_suggestion;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;

/// Parses a config file's text. `origin` is the file name shown in errors.
///
/// The file is either one sync with its keys at the top level (the original spec's form),
/// optionally with `platforms:`, or `syncs: [...]` with optional `platforms:`.
pub fn load_str(text: &str, origin: &str) -> Result<ConfigFile, ConfigError> {
    if let Some(error) = tab_error(text, origin) {
        return Err(error);
    }
    check_duplicate_keys(text).map_err(|e| {
        let mut error = from_yaml_error(&e, origin);
        // This walk raises no error of its own except duplicate keys: the rest is syntax.
        if !error.message.starts_with("duplicate key") {
            error.message = format!("invalid YAML: {}", error.message);
        }
        error
    })?;
    let top: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).map_err(|e| from_yaml_error(&e, origin))?;
    match &top {
        serde_yaml_ng::Value::Mapping(_) => {}
        serde_yaml_ng::Value::Null => {
            return Err(at_start(
                origin,
                "the file is empty; expected a sync (`name`, `source_platform`, `target_platform`, `field_mappings`, ...) or `syncs:`",
            ));
        }
        _ => {
            return Err(at_start(
                origin,
                "expected a mapping at the top level: a sync's keys (`name`, `source_platform`, ...) or `syncs:` and `platforms:`",
            ));
        }
    }
    let config = if has_top_level_key(text, "syncs") {
        serde_yaml_ng::from_str::<ConfigFile>(text).map_err(|e| from_yaml_error(&e, origin))?
    } else {
        let single: SingleSyncFile =
            serde_yaml_ng::from_str(text).map_err(|e| from_yaml_error(&e, origin))?;
        ConfigFile {
            platforms: single.platforms,
            plugins: single.plugins,
            syncs: vec![single.sync],
        }
    };
    check_credentials_are_references(&config).map_err(|e| e.located_in(text, origin))?;
    check_references_are_expanded(&top).map_err(|e| e.located_in(text, origin))?;
    check_settings_hold_no_literal_secrets(&config).map_err(|e| e.located_in(text, origin))?;
    Ok(config)
}

fn at_start(origin: &str, message: &str) -> ConfigError {
    ConfigError {
        location: Some(Location {
            origin: origin.to_string(),
            line: 1,
            column: 1,
        }),
        path: None,
        message: message.to_string(),
    }
}

/// YAML forbids tabs for indentation; say so where the first one is.
fn tab_error(text: &str, origin: &str) -> Option<ConfigError> {
    let (line, column) = text.lines().enumerate().find_map(|(i, l)| {
        let indent = l.len() - l.trim_start_matches(' ').len();
        l[indent..].starts_with('\t').then_some((i + 1, indent + 1))
    })?;
    Some(ConfigError {
        location: Some(Location {
            origin: origin.to_string(),
            line,
            column,
        }),
        path: None,
        message: "a tab character is used for indentation; YAML allows only spaces there"
            .to_string(),
    })
}

/// A `serde_yaml_ng` error as a config error: position split off the message, friendlier
/// names for expected types, a suggestion for misspellings, no credential values.
pub(crate) fn from_yaml_error(error: &serde_yaml_ng::Error, origin: &str) -> ConfigError {
    let location = error.location().map(|l| Location {
        origin: origin.to_string(),
        line: l.line(),
        column: l.column(),
    });
    let mut message = error.to_string();
    // The position goes in front (`file:line:col:`), not in the message; a second position
    // (where a construct started) stays, worded as such.
    if let Some(l) = error.location() {
        message = message.replacen(
            &format!(" at line {} column {}", l.line(), l.column()),
            "",
            1,
        );
    }
    message = message.replace(" at line ", " starting at line ");
    ConfigError {
        location,
        path: None,
        message: explain(&message),
    }
}

fn explain(message: &str) -> String {
    let mut message = message.to_string();
    // Never echo a value found under `credentials` (it may be a secret).
    if let Some(path_end) = message.find(": invalid ")
        && message[..path_end].contains("credentials")
        && let Some(expected) = message.find(", expected ")
    {
        let kind = if message[path_end..].starts_with(": invalid type") {
            "type"
        } else {
            "value"
        };
        message = format!(
            "{}: invalid {kind}{}",
            &message[..path_end],
            &message[expected..]
        );
    }
    for (serde_name, plain) in [
        ("expected u32", "expected a whole number, 0 or more"),
        ("expected u64", "expected a whole number, 0 or more"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected `true` or `false`"),
        ("expected a sequence", "expected a list (`- item` lines)"),
        ("expected a map", "expected a mapping (`key: value` lines)"),
        ("expected a string", "expected text"),
        (
            "expected internally tagged enum CredentialConfig",
            "expected a credential mapping with `type: bearer`, `basic` or `header`",
        ),
    ] {
        if let Some(rest) = message.strip_suffix(serde_name) {
            message = format!("{rest}{plain}");
        }
    }
    if let Some(at) = message.find("expected struct ") {
        message = format!("{}expected a mapping (`key: value` lines)", &message[..at]);
    }
    with_suggestion(&message)
}

/// The original spec's form: one sync's keys at the top level, plus optional `platforms:`
/// and `plugins:`.
struct SingleSyncFile {
    platforms: BTreeMap<String, PlatformConfig>,
    plugins: PluginsConfig,
    sync: SyncConfig,
}

impl<'de> Deserialize<'de> for SingleSyncFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(SingleSyncVisitor)
    }
}

struct SingleSyncVisitor;

impl<'de> Visitor<'de> for SingleSyncVisitor {
    type Value = SingleSyncFile;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a sync's keys (`name`, `source_platform`, ...) or `syncs:`")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SingleSyncFile, A::Error> {
        let mut platforms = None;
        let mut plugins = None;
        let sync =
            SyncConfig::deserialize(de::value::MapAccessDeserializer::new(PlatformsAside {
                inner: map,
                platforms: &mut platforms,
                plugins: &mut plugins,
            }))?;
        Ok(SingleSyncFile {
            platforms: platforms.unwrap_or_default(),
            plugins: plugins.unwrap_or_default(),
            sync,
        })
    }
}

/// The top-level entries minus `platforms` and `plugins`, which it keeps aside.
struct PlatformsAside<'p, A> {
    inner: A,
    platforms: &'p mut Option<BTreeMap<String, PlatformConfig>>,
    plugins: &'p mut Option<PluginsConfig>,
}

enum Peeked<V, S> {
    Key(V),
    Platforms(S),
    Plugins(S),
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for PlatformsAside<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let mut seed = seed;
        loop {
            match self.inner.next_key_seed(PeekKey { seed })? {
                None => return Ok(None),
                Some(Peeked::Key(key)) => return Ok(Some(key)),
                Some(Peeked::Platforms(back)) => {
                    *self.platforms = Some(self.inner.next_value()?);
                    seed = back;
                }
                Some(Peeked::Plugins(back)) => {
                    *self.plugins = Some(self.inner.next_value()?);
                    seed = back;
                }
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }
}

/// Reads a key as text: `platforms` is handed back, any other key goes to the sync's own
/// key seed (so errors about it are located at the key).
struct PeekKey<S> {
    seed: S,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for PeekKey<S> {
    type Value = Peeked<S::Value, S>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for PeekKey<S> {
    type Value = Peeked<S::Value, S>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        if key == "platforms" {
            return Ok(Peeked::Platforms(self.seed));
        }
        if key == "plugins" {
            return Ok(Peeked::Plugins(self.seed));
        }
        let key: de::value::StrDeserializer<E> = key.into_deserializer();
        self.seed.deserialize(key).map(Peeked::Key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SINGLE: &str = "name: s\nsource_platform: jira\ntarget_platform: github\nplatforms:\n  jira:\n    settings: {base_url: 'http://x'}\nfield_mappings:\n  - {source_field: summary, target_field: title}\n";

    #[test]
    fn the_original_single_sync_form_loads_as_one_sync_with_its_platforms() {
        let c = load_str(SINGLE, "s.yaml").unwrap();
        assert_eq!(c.syncs.len(), 1);
        assert_eq!(c.syncs[0].name, "s");
        assert_eq!(c.platforms["jira"].settings["base_url"], "http://x");
    }

    #[test]
    fn a_misspelled_key_is_located_at_the_key_with_a_suggestion() {
        let text = "name: s\nsource_platform: jira\ntarget_platform: github\nconflict_stratgy: source_wins\nfield_mappings: []\n";
        let e = load_str(text, "s.yaml").unwrap_err();
        assert_eq!(e.to_string().split(": ").next(), Some("s.yaml:4:1"), "{e}");
        assert!(
            e.message.contains("did you mean `conflict_strategy`?"),
            "{e}"
        );
    }

    #[test]
    fn a_wrong_type_says_what_was_expected() {
        let text = "syncs:\n  - name: s\n    source_platform: jira\n    target_platform: github\n    batch_size: lots\n    field_mappings: []\n";
        let e = load_str(text, "m.yaml").unwrap_err();
        let loc = e.location.clone().unwrap();
        assert_eq!((loc.line, loc.column), (5, 17), "{e}");
        assert!(e.message.contains("expected a whole number"), "{e}");
    }
}
