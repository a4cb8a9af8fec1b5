//! `link_existing:` — what a sync does with items that already exist on both sides when it
//! first meets them: create a partner for each (`create_only`, the default), first pair
//! them by match rules and create only what matched nothing (`match_then_create`), or only
//! pair them (`match_only`).
//!
//! ```yaml
//! link_existing:
//!   mode: match_then_create
//!   initial_winner: source          # source | target | newer | none
//!   match:
//!     - cross_reference             # a URL / key of the other side's item in a text field
//!     - key_field: { source: labels, target: labels, prefix: "legacy-" }
//!     - fields: [summary]           # equal mapped fields (source names), normalised
//!       date_window: { source: created, target: created_at, days: 2 }   # optional
//! ```

use serde::{Deserialize, Serialize};

/// `link_existing:` of one sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LinkExisting {
    #[serde(default)]
    pub mode: LinkMode,
    /// The rules, strongest first: an item paired by one rule is not looked at by the next.
    #[serde(default, rename = "match", skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<MatchRule>,
    /// Whose values a matched pair starts from; required when matching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_winner: Option<InitialWinner>,
}

impl LinkExisting {
    pub fn is_default(&self) -> bool {
        self == &LinkExisting::default()
    }

    /// Whether runs look for existing partners before creating.
    pub fn matches(&self) -> bool {
        self.mode != LinkMode::CreateOnly && !self.rules.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LinkMode {
    /// Every unlinked item gets a partner created (no matching).
    #[default]
    CreateOnly,
    /// Pair existing items by the rules; create partners only for what matched nothing.
    MatchThenCreate,
    /// Pair existing items by the rules; never create.
    MatchOnly,
}

impl LinkMode {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkMode::CreateOnly => "create_only",
            LinkMode::MatchThenCreate => "match_then_create",
            LinkMode::MatchOnly => "match_only",
        }
    }
}

/// The initial base of a matched pair: which side's values the other side takes where the
/// two differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitialWinner {
    Source,
    Target,
    /// The side edited last (a tie goes to the source).
    Newer,
    /// Differing fields become conflicts for a person (`conflicts list`).
    None,
}

impl InitialWinner {
    pub fn as_str(self) -> &'static str {
        match self {
            InitialWinner::Source => "source",
            InitialWinner::Target => "target",
            InitialWinner::Newer => "newer",
            InitialWinner::None => "none",
        }
    }
}

/// One way to recognise that two existing items are the same work. Written as a plain name
/// (`- cross_reference`) or a one-key map (`- fields: [summary]`, `- key_field: {...}`).
#[derive(Debug, Clone, PartialEq)]
pub enum MatchRule {
    /// Equal values of these mapped fields (source field names; each compared with its
    /// mapping's target field after the mapping's conversion), normalised for case and
    /// whitespace. All must be equal; an empty value never matches. With a date window, the
    /// two items' dates must also lie within its days of each other (a title that recurs,
    /// like "Weekly report", pairs each item with the one made the same day).
    Fields {
        fields: Vec<String>,
        date_window: Option<DateWindow>,
    },
    /// One item names the other in a text field: its URL, `owner/repo#n` for a GitHub
    /// issue URL, or its `ABC-123` key.
    CrossReference,
    /// Both sides show one underlying item: the same URL (a repository's issue and its own
    /// Projects board's item for that issue).
    SameItem,
    /// The same key in a field on each side (normalised). For a list field (labels) each
    /// element is a key; `prefix` keeps only values starting with it (`legacy-`).
    KeyField {
        source: String,
        target: String,
        prefix: Option<String>,
    },
}

/// `date_window:` of a `fields` rule: a date field on each side (any field name; read as a
/// date, a date-time or RFC 3339 / `YYYY-MM-DD` text) and how many days apart they may be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateWindow {
    pub source: String,
    pub target: String,
    pub days: u32,
}

/// The widest window: ten years.
pub const MAX_WINDOW_DAYS: u32 = 3650;

/// `key_field:`'s value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFieldSpec {
    source: String,
    target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prefix: Option<String>,
}

const RULES: &[&str] = &["fields", "cross_reference", "same_item", "key_field"];

impl Serialize for MatchRule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            MatchRule::CrossReference => serializer.serialize_str("cross_reference"),
            MatchRule::SameItem => serializer.serialize_str("same_item"),
            MatchRule::Fields {
                fields,
                date_window,
            } => {
                let mut map = serializer.serialize_map(Some(1 + date_window.is_some() as usize))?;
                map.serialize_entry("fields", fields)?;
                if let Some(window) = date_window {
                    map.serialize_entry("date_window", window)?;
                }
                map.end()
            }
            MatchRule::KeyField {
                source,
                target,
                prefix,
            } => {
                let mut map = serializer.serialize_map(Some(1))?;
                let spec = KeyFieldSpec {
                    source: source.clone(),
                    target: target.clone(),
                    prefix: prefix.clone(),
                };
                map.serialize_entry("key_field", &spec)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for MatchRule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RuleVisitor;
        impl<'de> serde::de::Visitor<'de> for RuleVisitor {
            type Value = MatchRule;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a match rule: `cross_reference`, `same_item`, `fields: [...]` or `key_field: {source, target}`")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<MatchRule, E> {
                match name {
                    "cross_reference" => Ok(MatchRule::CrossReference),
                    "same_item" => Ok(MatchRule::SameItem),
                    "fields" | "key_field" => Err(E::custom(format!(
                        "rule `{name}` needs a value (`{name}: ...`)"
                    ))),
                    other => Err(E::unknown_variant(other, RULES)),
                }
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<MatchRule, A::Error> {
                use serde::de::Error;
                let Some(name) = map.next_key::<String>()? else {
                    return Err(A::Error::custom("an empty map is not a match rule"));
                };
                if name == "date_window" {
                    return Err(A::Error::custom(
                        "`date_window` belongs to a `fields` rule: write `fields: [...]` first, then `date_window:` in the same entry",
                    ));
                }
                let rule = match name.as_str() {
                    "fields" => {
                        let fields = map.next_value()?;
                        let mut date_window = None;
                        while let Some(extra) = map.next_key::<String>()? {
                            if extra != "date_window" || date_window.is_some() {
                                return Err(A::Error::custom(format!(
                                    "a `fields` rule takes only `date_window` beside it, not `{extra}` (one rule per list entry)"
                                )));
                            }
                            date_window = Some(map.next_value::<DateWindow>()?);
                        }
                        MatchRule::Fields {
                            fields,
                            date_window,
                        }
                    }
                    "key_field" => {
                        let spec: KeyFieldSpec = map.next_value()?;
                        MatchRule::KeyField {
                            source: spec.source,
                            target: spec.target,
                            prefix: spec.prefix,
                        }
                    }
                    "cross_reference" => {
                        let _: serde::de::IgnoredAny = map.next_value()?;
                        MatchRule::CrossReference
                    }
                    "same_item" => {
                        let _: serde::de::IgnoredAny = map.next_value()?;
                        MatchRule::SameItem
                    }
                    other => return Err(A::Error::unknown_variant(other, RULES)),
                };
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(A::Error::custom(format!(
                        "one rule per list entry; `{extra}` is a second key in `{name}`'s entry"
                    )));
                }
                Ok(rule)
            }
        }
        deserializer.deserialize_any(RuleVisitor)
    }
}

impl MatchRule {
    /// How the rule is named in reports and the audit.
    pub fn label(&self) -> String {
        match self {
            MatchRule::Fields {
                fields,
                date_window: None,
            } => format!("fields {}", fields.join(" + ")),
            MatchRule::Fields {
                fields,
                date_window: Some(w),
            } => format!(
                "fields {} within {} days ({} ~ {})",
                fields.join(" + "),
                w.days,
                w.source,
                w.target
            ),
            MatchRule::CrossReference => "cross_reference".to_string(),
            MatchRule::SameItem => "same_item".to_string(),
            MatchRule::KeyField {
                source,
                target,
                prefix,
            } => match prefix {
                Some(p) => format!("key_field {source} = {target} (prefix {p:?})"),
                None => format!("key_field {source} = {target}"),
            },
        }
    }
}

use super::error::ConfigPath;
use super::model::SyncConfig;

/// The problems of a sync's `link_existing:` (path, message); each is an error.
pub(super) fn problems(sync: &SyncConfig, path: &ConfigPath) -> Vec<(ConfigPath, String)> {
    let link = &sync.link_existing;
    let path = path.key("link_existing");
    let mut out = Vec::new();
    if link.mode != LinkMode::CreateOnly {
        if link.rules.is_empty() {
            out.push((
                path.key("mode"),
                format!(
                    "mode `{}` needs at least one rule under `match:` (`fields: [...]`, `cross_reference`, `key_field: {{source, target}}`)",
                    link.mode.as_str()
                ),
            ));
        }
        if link.initial_winner.is_none() {
            out.push((
                path.key("mode"),
                format!(
                    "mode `{}` needs `initial_winner:` (source | target | newer | none): which side's values a matched pair starts from",
                    link.mode.as_str()
                ),
            ));
        }
    }
    let mapped: Vec<&str> = sync
        .field_mappings
        .iter()
        .map(|m| m.source_field.as_str())
        .collect();
    for (i, rule) in link.rules.iter().enumerate() {
        let rpath = path.key("match").index(i);
        if link.rules[..i].contains(rule) {
            out.push((
                rpath.clone(),
                format!("rule `{}` is given twice", rule.label()),
            ));
        }
        match rule {
            MatchRule::Fields {
                fields,
                date_window,
            } => {
                if let Some(window) = date_window {
                    for (name, value) in [("source", &window.source), ("target", &window.target)] {
                        if value.trim().is_empty() {
                            out.push((
                                rpath.key("date_window").key(name),
                                format!("date_window `{name}` is empty; expected a date field name (`created`, `created_at`, `createdAt`)"),
                            ));
                        }
                    }
                    if window.days > MAX_WINDOW_DAYS {
                        out.push((
                            rpath.key("date_window").key("days"),
                            format!(
                                "{} days is wider than the widest window, {MAX_WINDOW_DAYS}",
                                window.days
                            ),
                        ));
                    }
                }
                if fields.is_empty() {
                    out.push((
                        rpath.key("fields"),
                        "`fields:` lists no field; expected one or more mapped source fields (`[summary]`)".to_string(),
                    ));
                }
                for (j, field) in fields.iter().enumerate() {
                    if !mapped.contains(&field.as_str()) {
                        out.push((
                            rpath.key("fields").index(j),
                            format!(
                                "`{field}` is not the source_field of any field mapping (mapped: {}){}",
                                mapped
                                    .iter()
                                    .map(|m| format!("`{m}`"))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                super::suggest::closest(field, mapped.iter().copied())
                                    .map(|c| format!("; did you mean `{c}`?"))
                                    .unwrap_or_default()
                            ),
                        ));
                    }
                }
            }
            MatchRule::CrossReference | MatchRule::SameItem => {}
            MatchRule::KeyField {
                source,
                target,
                prefix,
            } => {
                for (name, value) in [("source", source), ("target", target)] {
                    if value.trim().is_empty() {
                        out.push((
                            rpath.key("key_field").key(name),
                            format!("key_field `{name}` is empty; expected a field name"),
                        ));
                    }
                }
                if prefix.as_deref().is_some_and(|p| p.trim().is_empty()) {
                    out.push((
                        rpath.key("key_field").key("prefix"),
                        "key_field `prefix` is empty; leave it out to use whole values".to_string(),
                    ));
                }
            }
        }
    }
    out
}
