//! The project and its fields: which of them pmsync syncs, with which type, and the option
//! and iteration names of single-select and iteration fields.
//!
//! Synced: single-select and iteration fields as strings (the option name / iteration
//! title), number fields as numbers, date fields as dates, text fields as strings, each under
//! its name in the project. GitHub's built-in fields that mirror the issue (Title,
//! Assignees, Labels, Milestone, Repository, ...) are not project fields here; the issue's
//! title is the connector's own `title` field.
//!
//! The project is read once per plugin instance and kept; a write naming an unknown option
//! re-reads it once (options can be added while a sync runs).

use std::rc::Rc;

use pmsync_sdk::{FieldSpec, FieldType, PluginError};
use serde_json::Value as Json;

use crate::graphql;
use crate::queries;
use crate::settings::Settings;

/// What kind of value a project field holds.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    /// `(option id, option name)`.
    SingleSelect(Vec<(String, String)>),
    /// `(iteration id, iteration title)`, current and completed.
    Iteration(Vec<(String, String)>),
    Number,
    Date,
    Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectField {
    pub id: String,
    pub name: String,
    pub kind: FieldKind,
}

impl ProjectField {
    pub fn field_type(&self) -> FieldType {
        match self.kind {
            FieldKind::SingleSelect(_) | FieldKind::Iteration(_) | FieldKind::Text => {
                FieldType::String
            }
            FieldKind::Number => FieldType::Number,
            FieldKind::Date => FieldType::Date,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: String,
    pub fields: Vec<ProjectField>,
}

/// The connector's own field for the title.
pub const TITLE: &str = "title";

impl Project {
    /// Reads the project from the `data` of [`queries::project`].
    pub fn parse(data: &Json, root: &str) -> Result<Project, PluginError> {
        let what = "the project query";
        let project = graphql::at(data, &[root, "projectV2"], what)?;
        let id = project
            .get("id")
            .and_then(Json::as_str)
            .ok_or_else(|| {
                PluginError::transient(
                    "GitHub GraphQL answered the project query without the project's `id`",
                )
            })?
            .to_owned();
        let nodes = project
            .pointer("/fields/nodes")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        let mut fields: Vec<ProjectField> = Vec::new();
        for node in &nodes {
            let Some(field) = parse_field(node) else {
                continue;
            };
            if field.name == TITLE || fields.iter().any(|known| known.name == field.name) {
                pmsync_sdk::log::warn(format!(
                    "project field `{}` is skipped: its name is taken",
                    field.name
                ));
                continue;
            }
            fields.push(field);
        }
        Ok(Project { id, fields })
    }

    pub fn field(&self, name: &str) -> Option<&ProjectField> {
        self.fields.iter().find(|field| field.name == name)
    }

    pub fn field_by_id(&self, id: &str) -> Option<&ProjectField> {
        self.fields.iter().find(|field| field.id == id)
    }

    /// `title` and every synced project field.
    pub fn specs(&self) -> Vec<FieldSpec> {
        let mut specs = vec![FieldSpec {
            name: TITLE.to_owned(),
            field_type: FieldType::String,
            writable: true,
        }];
        specs.extend(self.fields.iter().map(|field| FieldSpec {
            name: field.name.clone(),
            field_type: field.field_type(),
            writable: true,
        }));
        specs
    }
}

fn parse_field(node: &Json) -> Option<ProjectField> {
    let text = |key: &str| node.get(key).and_then(Json::as_str).map(str::to_owned);
    let pairs = |list: Option<&Json>, label: &str| -> Vec<(String, String)> {
        list.and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                Some((
                    entry.get("id")?.as_str()?.to_owned(),
                    entry.get(label)?.as_str()?.to_owned(),
                ))
            })
            .collect()
    };
    let kind = match text("dataType")?.as_str() {
        "SINGLE_SELECT" => FieldKind::SingleSelect(pairs(node.get("options"), "name")),
        "ITERATION" => {
            let mut iterations = pairs(node.pointer("/configuration/iterations"), "title");
            iterations.extend(pairs(
                node.pointer("/configuration/completedIterations"),
                "title",
            ));
            FieldKind::Iteration(iterations)
        }
        "NUMBER" => FieldKind::Number,
        "DATE" => FieldKind::Date,
        "TEXT" => FieldKind::Text,
        _ => return None,
    };
    Some(ProjectField {
        id: text("id")?,
        name: text("name")?,
        kind,
    })
}

/// The project last read, for the settings it was read with. Part of the plugin's state, so
/// it lives as long as the instance.
#[derive(Debug, Default)]
pub struct ProjectCache {
    known: Option<(String, Rc<Project>)>,
}

impl ProjectCache {
    /// The project, from the cache or GitHub.
    pub fn load(&mut self, settings: &Settings) -> Result<Rc<Project>, PluginError> {
        let key = settings.project_key();
        match &self.known {
            Some((known, project)) if *known == key => Ok(project.clone()),
            _ => self.reload(settings),
        }
    }

    /// The project, read again from GitHub.
    pub fn reload(&mut self, settings: &Settings) -> Result<Rc<Project>, PluginError> {
        let root = settings.owner.root_field();
        let data = graphql::execute(
            settings,
            "the project query",
            &queries::project(root),
            serde_json::json!({ "login": settings.owner.login(), "number": settings.project_number }),
        )?;
        let project = Rc::new(Project::parse(&data, root)?);
        self.known = Some((settings.project_key(), project.clone()));
        Ok(project)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A project answer in GitHub's shape: Title, Status, Iteration, Estimate, Due, Notes, Assignees.
    pub fn project_data() -> Json {
        serde_json::json!({"organization": {"projectV2": {"id": "PVT_1", "title": "Roadmap", "fields": {"nodes": [
            {"id": "PVTF_title", "name": "Title", "dataType": "TITLE"},
            {"id": "PVTSSF_status", "name": "Status", "dataType": "SINGLE_SELECT",
             "options": [{"id": "opt_todo", "name": "Todo"}, {"id": "opt_done", "name": "Done"}]},
            {"id": "PVTIF_iter", "name": "Iteration", "dataType": "ITERATION",
             "configuration": {"iterations": [{"id": "it_2", "title": "Iteration 2"}],
                               "completedIterations": [{"id": "it_1", "title": "Iteration 1"}]}},
            {"id": "PVTF_est", "name": "Estimate", "dataType": "NUMBER"},
            {"id": "PVTF_due", "name": "Due", "dataType": "DATE"},
            {"id": "PVTF_notes", "name": "Notes", "dataType": "TEXT"},
            {"id": "PVTF_assignees", "name": "Assignees", "dataType": "ASSIGNEES"}
        ]}}}})
    }

    pub fn project() -> Project {
        Project::parse(&project_data(), "organization").expect("parses")
    }

    #[test]
    fn synced_fields_are_reported_with_their_types_and_built_ins_left_out() {
        let specs: Vec<(String, FieldType)> = project()
            .specs()
            .into_iter()
            .map(|spec| (spec.name, spec.field_type))
            .collect();
        assert_eq!(
            specs,
            vec![
                ("title".to_owned(), FieldType::String),
                ("Status".to_owned(), FieldType::String),
                ("Iteration".to_owned(), FieldType::String),
                ("Estimate".to_owned(), FieldType::Number),
                ("Due".to_owned(), FieldType::Date),
                ("Notes".to_owned(), FieldType::String),
            ]
        );
    }

    #[test]
    fn options_and_iterations_past_and_current_are_known() {
        let project = project();
        assert_eq!(
            project.field("Status").map(|field| &field.kind),
            Some(&FieldKind::SingleSelect(vec![
                ("opt_todo".into(), "Todo".into()),
                ("opt_done".into(), "Done".into())
            ]))
        );
        assert_eq!(
            project.field("Iteration").map(|field| &field.kind),
            Some(&FieldKind::Iteration(vec![
                ("it_2".into(), "Iteration 2".into()),
                ("it_1".into(), "Iteration 1".into())
            ]))
        );
    }

    #[test]
    fn a_missing_project_is_not_found() {
        let error = Project::parse(
            &serde_json::json!({"organization": {"projectV2": null}}),
            "organization",
        )
        .unwrap_err();
        assert!(matches!(error, PluginError::NotFound(_)), "{error:?}");
    }
}
