//! `filters:`: which items a sync looks at. Projects, issue types and labels are common to
//! every platform; the platform query of each side is `source_query` / `target_query`, or,
//! as an alias, the key its connector declares in `plugin.toml` (`jql`, `github_query`,
//! `linear_filter`).

use crate::item::Side;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The filter keys every sync has.
pub const COMMON_FILTER_KEYS: [&str; 5] = [
    "projects",
    "issue_types",
    "labels",
    "source_query",
    "target_query",
];

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Filters {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issue_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// The platform query of the source side (JQL, a GitHub search query, a Linear filter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_query: Option<String>,
    /// The platform query of the target side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_query: Option<String>,
    /// Queries under a connector's own key (`jql: ...`), applied to every side whose
    /// connector declares that key; checked against the loaded connectors by validation.
    #[serde(flatten, skip_serializing_if = "BTreeMap::is_empty")]
    pub queries: BTreeMap<String, String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self == &Filters::default()
    }

    /// The platform query of one side, once aliases are resolved
    /// ([`Filters::resolve_query_aliases`]).
    pub fn query_for(&self, side: Side) -> Option<&str> {
        match side {
            Side::Source => self.source_query.as_deref(),
            Side::Target => self.target_query.as_deref(),
        }
    }

    /// Fills `source_query` / `target_query` from the connector's query key, where the
    /// side's own key is not given.
    pub fn resolve_query_aliases(&mut self, source_key: Option<&str>, target_key: Option<&str>) {
        let alias = |key: Option<&str>| key.and_then(|k| self.queries.get(k)).cloned();
        let (source, target) = (alias(source_key), alias(target_key));
        if self.source_query.is_none() {
            self.source_query = source;
        }
        if self.target_query.is_none() {
            self.target_query = target;
        }
    }
}

impl<'de> Deserialize<'de> for Filters {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(FiltersVisitor)
    }
}

struct FiltersVisitor;

impl<'de> Visitor<'de> for FiltersVisitor {
    type Value = Filters;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping of filters (`projects`, `issue_types`, `labels`, `source_query`, `target_query`, or a connector's query key such as `jql`)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Filters, A::Error> {
        let mut f = Filters::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "projects" => f.projects = map.next_value()?,
                "issue_types" => f.issue_types = map.next_value()?,
                "labels" => f.labels = map.next_value()?,
                "source_query" => f.source_query = map.next_value()?,
                "target_query" => f.target_query = map.next_value()?,
                _ => {
                    if let Some(query) = map.next_value::<Option<String>>()? {
                        f.queries.insert(key, query);
                    }
                }
            }
        }
        Ok(f)
    }
}
