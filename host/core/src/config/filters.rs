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
    /// The common filters each side's connector reads (`None`: all), filled from the
    /// connectors' manifests ([`Filters::set_reads`]); not part of the file.
    #[serde(skip)]
    pub reads: [Option<Vec<String>>; 2],
}

/// The common filters one side's connector is given.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SideFilters {
    pub projects: Vec<String>,
    pub issue_types: Vec<String>,
    pub labels: Vec<String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.projects.is_empty()
            && self.issue_types.is_empty()
            && self.labels.is_empty()
            && self.source_query.is_none()
            && self.target_query.is_none()
            && self.queries.is_empty()
    }

    /// Records which common filters each side's connector reads (from its manifest).
    pub fn set_reads(&mut self, source: Option<Vec<String>>, target: Option<Vec<String>>) {
        self.reads = [source, target];
    }

    /// The common filters of one side. `projects` and `issue_types` are written in the
    /// source platform's terms (a Jira project key, a Jira issue type), so they filter the
    /// source side only: given to the target they would mean something else (GitHub
    /// Projects reads projects as repository names, Linear as team keys). `labels` filter
    /// both sides. A side gets only the filters its connector declares it reads.
    pub fn for_side(&self, side: Side) -> SideFilters {
        let reads = match side {
            Side::Source => &self.reads[0],
            Side::Target => &self.reads[1],
        };
        let read = |key: &str, values: &[String]| match reads {
            Some(keys) if !keys.iter().any(|k| k == key) => Vec::new(),
            _ => values.to_vec(),
        };
        let source_only = |key: &str, values: &[String]| match side {
            Side::Source => read(key, values),
            Side::Target => Vec::new(),
        };
        SideFilters {
            projects: source_only("projects", &self.projects),
            issue_types: source_only("issue_types", &self.issue_types),
            labels: read("labels", &self.labels),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn jira_style() -> Filters {
        Filters {
            projects: vec!["PROJ".into()],
            issue_types: vec!["Story".into()],
            labels: vec!["sync".into()],
            ..Filters::default()
        }
    }

    fn names(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn projects_and_issue_types_filter_the_source_side_only() {
        let filters = jira_style();
        let source = filters.for_side(Side::Source);
        assert_eq!(source.projects, ["PROJ"]);
        assert_eq!(source.issue_types, ["Story"]);
        let target = filters.for_side(Side::Target);
        assert!(
            target.projects.is_empty(),
            "a Jira key is no repository name"
        );
        assert!(target.issue_types.is_empty());
        assert_eq!(target.labels, ["sync"], "labels filter both sides");
    }

    #[test]
    fn a_side_gets_only_the_filters_its_connector_reads() {
        let mut filters = jira_style();
        filters.set_reads(Some(names(&["projects", "labels"])), Some(names(&[])));
        let source = filters.for_side(Side::Source);
        assert_eq!(source.projects, ["PROJ"]);
        assert!(source.issue_types.is_empty(), "not read by this connector");
        assert!(filters.for_side(Side::Target).labels.is_empty());
    }

    #[test]
    fn what_connectors_read_is_not_part_of_the_file() {
        let mut filters = jira_style();
        filters.set_reads(Some(vec![]), None);
        assert!(!filters.is_empty());
        assert!(Filters::default().is_empty());
        let mut only_reads = Filters::default();
        only_reads.set_reads(Some(vec![]), Some(vec![]));
        assert!(only_reads.is_empty());
    }
}
