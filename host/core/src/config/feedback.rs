//! Syncs that feed each other. A sync creates, on the side it writes to, a partner for every
//! item it has not linked yet; a second sync that lists those items as new creates partners
//! for them in turn. When the syncs' "creates into" edges between platforms form a cycle
//! (`jira → github` and `github → jira`, or `jira → github → linear → jira`), every pass
//! copies the copies and the platforms grow without end, so such a config is refused. Two
//! unfiltered syncs writing the same field of the same platform overwrite each other; that is
//! a warning (with filters, their items may be apart).

use super::error::ConfigPath;
use super::model::{ConfigFile, Direction, SyncConfig};
use super::validate::{Available, Diagnostic, Severity};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// An edge: sync `sync` creates items on `to` from items of `from`.
#[derive(Debug, Clone)]
struct Creates<'a> {
    sync: usize,
    from: &'a str,
    to: &'a str,
}

fn edges(config: &ConfigFile) -> Vec<Creates<'_>> {
    let mut out = Vec::new();
    for (i, s) in config.syncs.iter().enumerate() {
        let (to_target, to_source) = match s.direction {
            Direction::Bidirectional => (true, true),
            Direction::SourceToTarget => (true, false),
            Direction::TargetToSource => (false, true),
        };
        if to_target {
            out.push(Creates {
                sync: i,
                from: &s.source_platform,
                to: &s.target_platform,
            });
        }
        if to_source {
            out.push(Creates {
                sync: i,
                from: &s.target_platform,
                to: &s.source_platform,
            });
        }
    }
    out
}

/// The syncs on a path `from → … → to` made of edges of syncs other than `except`, if any.
fn path_avoiding(edges: &[Creates<'_>], from: &str, to: &str, except: usize) -> Option<Vec<usize>> {
    let mut queue = VecDeque::from([(from.to_string(), Vec::<usize>::new())]);
    let mut seen = BTreeSet::from([from.to_string()]);
    while let Some((at, via)) = queue.pop_front() {
        for e in edges.iter().filter(|e| e.sync != except && e.from == at) {
            let mut next_via = via.clone();
            next_via.push(e.sync);
            if e.to == to {
                return Some(next_via);
            }
            if seen.insert(e.to.to_string()) {
                queue.push_back((e.to.to_string(), next_via));
            }
        }
    }
    None
}

fn sync_path(i: usize) -> ConfigPath {
    ConfigPath::root().key("syncs").index(i)
}

fn names(config: &ConfigFile, syncs: &BTreeSet<usize>) -> String {
    syncs
        .iter()
        .map(|&i| format!("`{}`", config.syncs[i].name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Cycles of creating syncs (errors) and fields written by two syncs (warnings).
pub fn check(config: &ConfigFile, available: &Available) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let all = edges(config);
    let mut reported: BTreeSet<BTreeSet<usize>> = BTreeSet::new();
    for edge in &all {
        let Some(others) = path_avoiding(&all, edge.to, edge.from, edge.sync) else {
            continue;
        };
        let mut cycle: BTreeSet<usize> = others.into_iter().collect();
        cycle.insert(edge.sync);
        if !reported.insert(cycle.clone()) {
            continue;
        }
        let last = *cycle.iter().next_back().unwrap_or(&edge.sync);
        out.push(Diagnostic {
            severity: Severity::Error,
            path: sync_path(last).key("target_platform"),
            message: format!(
                "syncs {} feed each other: each creates items the next one lists as new and \
                 creates again, so every pass copies the copies ({} → {} and back); use one \
                 bidirectional sync per pair of platforms",
                names(config, &cycle),
                edge.from,
                edge.to
            ),
            location: None,
        });
    }
    out.extend(shared_fields(config));
    out.extend(created_outside_filters(config, available));
    out
}

/// Items a sync creates in its source get the type in its `create_fields.source` (under the
/// field the connector's manifest names in `[connector.created_type]`, Jira: `issuetype`),
/// or the platform setting the manifest names (Jira: `default_issue_type`), or the
/// manifest's default (Jira: `Task`); when the sync's `filters.issue_types` (which filter
/// the source side) leaves that type out, the created items are never listed again and
/// later edits to them are not synced.
fn created_outside_filters(config: &ConfigFile, available: &Available) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, s) in config.syncs.iter().enumerate() {
        if s.filters.issue_types.is_empty() {
            continue;
        }
        let creates_into = match s.direction {
            Direction::Bidirectional | Direction::TargetToSource => vec![&s.source_platform],
            Direction::SourceToTarget => vec![],
        };
        for entry in creates_into {
            let platform = config.platforms.get(entry.as_str());
            let connector = platform
                .and_then(|p| p.connector.as_deref())
                .unwrap_or(entry.as_str());
            let Some(typed) = available
                .connector_specs
                .get(connector)
                .and_then(|spec| spec.created_type.as_ref())
            else {
                continue;
            };
            let setting = |name: &String| platform.and_then(|p| p.settings.get(name));
            let created = s
                .create_fields
                .source
                .get(&typed.field)
                .or_else(|| typed.setting.as_ref().and_then(setting))
                .unwrap_or(&typed.default);
            if s.filters
                .issue_types
                .iter()
                .any(|t| t.eq_ignore_ascii_case(created))
            {
                continue;
            }
            out.push(Diagnostic {
                severity: Severity::Warning,
                path: sync_path(i).key("filters").key("issue_types"),
                message: format!(
                    "issues this sync creates in `{entry}` get type `{created}`, which these \
                     issue types leave out: they would not be listed again, so later edits to \
                     them would not sync; set `create_fields: {{ source: {{ {field}: ... }} }}` \
                     on this sync{setting} to one of them, or add `{created}` here",
                    field = typed.field,
                    setting = typed
                        .setting
                        .as_ref()
                        .map(|s| format!(" (or platforms.{entry}.settings.{s})"))
                        .unwrap_or_default()
                ),
                location: None,
            });
        }
    }
    out
}

/// Fields of one platform written by two syncs that both reach all of its items (neither
/// has filters; with filters their items may well be apart, which cannot be told here).
fn shared_fields(config: &ConfigFile) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // (platform, field) → the first sync writing it.
    let mut writers: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (i, s) in config.syncs.iter().enumerate() {
        if !s.filters.is_empty() {
            continue;
        }
        for (j, m) in s.field_mappings.iter().enumerate() {
            for (platform, field, side_key) in written(s, m) {
                match writers.get(&(platform, field)) {
                    Some(&first) if first != i => out.push(Diagnostic {
                        severity: Severity::Warning,
                        path: sync_path(i).key("field_mappings").index(j).key(side_key),
                        message: format!(
                            "sync `{}` also writes field `{field}` of `{platform}` items; if both \
                             syncs reach the same items they overwrite each other",
                            config.syncs[first].name
                        ),
                        location: None,
                    }),
                    Some(_) => {}
                    None => {
                        writers.insert((platform, field), i);
                    }
                }
            }
        }
    }
    out
}

fn written<'a>(
    s: &'a SyncConfig,
    m: &'a super::model::FieldMapping,
) -> Vec<(&'a str, &'a str, &'static str)> {
    let mut out = Vec::new();
    let (to_target, to_source) = match s.direction {
        Direction::Bidirectional => (true, m.bidirectional),
        Direction::SourceToTarget => (true, false),
        Direction::TargetToSource => (false, m.bidirectional),
    };
    if to_target {
        out.push((
            s.target_platform.as_str(),
            m.target_field.as_str(),
            "target_field",
        ));
    }
    if to_source {
        out.push((
            s.source_platform.as_str(),
            m.source_field.as_str(),
            "source_field",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::config::{Available, ConnectorSpec, CreatedType, Diagnostic, Severity, check_str};

    fn diagnostics(text: &str) -> Vec<Diagnostic> {
        // Jira's manifest says where created issues get their type.
        let jira = ConnectorSpec {
            created_type: Some(CreatedType {
                field: "issuetype".into(),
                setting: Some("default_issue_type".into()),
                default: "Task".into(),
            }),
            ..ConnectorSpec::default()
        };
        let available =
            Available::new([], [], ["jira", "github", "linear"]).with_spec("jira", jira);
        let (_, d) = check_str(text, "t.yaml", &available).unwrap_or_else(|e| panic!("{e}"));
        d
    }

    const PLATFORMS: &str = "platforms:\n  jira: {settings: {base_url: x}}\n  github: {settings: {base_url: y}}\n  linear: {settings: {base_url: z}}\n";

    fn sync(name: &str, from: &str, to: &str, direction: &str, field: &str) -> String {
        format!(
            "  - name: {name}\n    source_platform: {from}\n    target_platform: {to}\n    direction: {direction}\n    field_mappings:\n      - {{source_field: {field}, target_field: {field}}}\n"
        )
    }

    #[test]
    fn two_syncs_creating_into_each_other_are_refused_with_the_position() {
        let text = format!(
            "{PLATFORMS}syncs:\n{}{}",
            sync("there", "jira", "github", "source_to_target", "summary"),
            sync("back", "github", "jira", "source_to_target", "title")
        );
        let errors: Vec<String> = diagnostics(&text)
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("t.yaml:14:22:")
                && errors[0].contains("`there`, `back` feed each other"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_cycle_through_three_platforms_is_refused_and_a_chain_is_not() {
        let cycle = format!(
            "{PLATFORMS}syncs:\n{}{}{}",
            sync("a", "jira", "github", "source_to_target", "summary"),
            sync("b", "github", "linear", "source_to_target", "title"),
            sync("c", "linear", "jira", "source_to_target", "title")
        );
        assert!(
            diagnostics(&cycle)
                .iter()
                .any(|d| d.is_error() && d.message.contains("feed each other"))
        );
        let chain = format!(
            "{PLATFORMS}syncs:\n{}{}",
            sync("a", "jira", "github", "bidirectional", "summary"),
            sync("b", "github", "linear", "bidirectional", "body")
        );
        assert!(
            !diagnostics(&chain)
                .iter()
                .any(|d| d.message.contains("feed each other"))
        );
    }

    #[test]
    fn two_syncs_writing_one_field_of_one_platform_are_warned_about() {
        let text = format!(
            "{PLATFORMS}syncs:\n{}{}",
            sync("a", "jira", "github", "source_to_target", "title"),
            sync("b", "linear", "github", "source_to_target", "title")
        );
        let warnings = diagnostics(&text)
            .iter()
            .filter(|d| {
                d.severity == Severity::Warning && d.message.contains("also writes field `title`")
            })
            .count();
        assert_eq!(warnings, 1);
    }

    #[test]
    fn issues_created_with_a_type_the_filter_excludes_are_warned_about() {
        let base = "name: s\nsource_platform: jira\ntarget_platform: github\nfield_mappings:\n  - {source_field: summary, target_field: title}\nfilters:\n  issue_types: [Story, Bug]\n";
        let outside = format!("{base}{PLATFORMS}");
        assert!(diagnostics(&outside).iter().any(
            |d| d.message.contains("get type `Task`") && d.to_string().starts_with("t.yaml:7:")
        ));
        let inside = format!(
            "{base}platforms:\n  jira: {{settings: {{base_url: x, default_issue_type: Story}}}}\n  github: {{settings: {{base_url: y}}}}\n"
        );
        assert!(
            !diagnostics(&inside)
                .iter()
                .any(|d| d.message.contains("get type"))
        );
        let per_sync = format!("{base}create_fields:\n  source: {{issuetype: Bug}}\n{PLATFORMS}");
        assert!(
            !diagnostics(&per_sync)
                .iter()
                .any(|d| d.message.contains("get type")),
            "the sync's own created type is in the filter"
        );
        let wrong = format!("{base}create_fields:\n  source: {{issuetype: Epic}}\n{PLATFORMS}");
        assert!(
            diagnostics(&wrong)
                .iter()
                .any(|d| d.message.contains("get type `Epic`"))
        );
        // Issue types filter the source side: a Jira target is not filtered by them.
        let jira_target = "name: s\nsource_platform: github\ntarget_platform: jira\nfield_mappings:\n  - {source_field: title, target_field: summary}\nfilters:\n  issue_types: [Story]\n";
        assert!(
            !diagnostics(&format!("{jira_target}{PLATFORMS}"))
                .iter()
                .any(|d| d.message.contains("get type"))
        );
    }
}
