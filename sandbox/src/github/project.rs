//! The organisation's Projects v2 board (`acme`, project number 1): fields, items and their
//! field values, as stored.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::github::store::GitHubIssue;
use crate::seed;

pub(crate) const ORG: &str = "acme";
pub(crate) const PROJECT_NUMBER: u64 = 1;
pub(crate) const PROJECT_ID: &str = "PVT_kwDOBpWdn84AAXQo";

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SelectOption {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) color: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Iteration {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) start_date: NaiveDate,
    pub(crate) duration: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldKind {
    Title,
    Assignees,
    Text,
    Number,
    Date,
    SingleSelect(Vec<SelectOption>),
    Iteration(Vec<Iteration>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProjectField {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: FieldKind,
}

/// A value of one project field on one item.
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectFieldValue {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    /// The option id.
    SingleSelect(String),
    /// The iteration id.
    Iteration(String),
}

/// An item of the project board.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectItem {
    pub id: String,
    /// Node id of the issue this item shows.
    pub content_node_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// By field id.
    pub values: BTreeMap<String, ProjectFieldValue>,
}

#[derive(Debug)]
pub(crate) struct Project {
    pub(crate) title: String,
    pub(crate) fields: Vec<ProjectField>,
    /// In board order.
    pub(crate) items: Vec<ProjectItem>,
    index: HashMap<String, usize>,
}

fn option(id: &str, name: &str, color: &str) -> SelectOption {
    SelectOption {
        id: id.into(),
        name: name.into(),
        color: color.into(),
    }
}

impl Project {
    pub(crate) fn new() -> Self {
        let epoch = seed::seed_epoch().date_naive();
        let iterations = (0..3)
            .map(|i| Iteration {
                id: format!("{:08x}", 0x1a2b_3c00 + i),
                title: format!("Sprint {}", 41 + i),
                start_date: epoch + TimeDelta::days(14 * (i as i64 - 1)),
                duration: 14,
            })
            .collect();
        let field = |id: &str, name: &str, kind| ProjectField {
            id: id.into(),
            name: name.into(),
            kind,
        };
        Project {
            title: "Widgets Roadmap".into(),
            fields: vec![
                field("PVTF_lADOBpWdn84AAXQozgSXm1A", "Title", FieldKind::Title),
                field(
                    "PVTF_lADOBpWdn84AAXQozgSXm1E",
                    "Assignees",
                    FieldKind::Assignees,
                ),
                field(
                    "PVTSSF_lADOBpWdn84AAXQozgSXm1I",
                    "Status",
                    FieldKind::SingleSelect(vec![
                        option("f75ad846", "Todo", "GREEN"),
                        option("47fc9ee4", "In Progress", "YELLOW"),
                        option("98236657", "Done", "PURPLE"),
                    ]),
                ),
                field(
                    "PVTSSF_lADOBpWdn84AAXQozgSXm2Q",
                    "Priority",
                    FieldKind::SingleSelect(vec![
                        option("79628723", "P0", "RED"),
                        option("0a877460", "P1", "ORANGE"),
                        option("da944a9c", "P2", "GRAY"),
                    ]),
                ),
                field(
                    "PVTF_lADOBpWdn84AAXQozgSXm2U",
                    "Estimate",
                    FieldKind::Number,
                ),
                field(
                    "PVTF_lADOBpWdn84AAXQozgSXm2Y",
                    "Target date",
                    FieldKind::Date,
                ),
                field("PVTF_lADOBpWdn84AAXQozgSXm2c", "Notes", FieldKind::Text),
                field(
                    "PVTIF_lADOBpWdn84AAXQozgSXm2g",
                    "Sprint",
                    FieldKind::Iteration(iterations),
                ),
            ],
            items: Vec::new(),
            index: HashMap::new(),
        }
    }

    pub(crate) fn field(&self, id: &str) -> Option<&ProjectField> {
        self.fields.iter().find(|f| f.id == id)
    }

    pub(crate) fn position(&self, item_id: &str) -> Option<usize> {
        self.index.get(item_id).copied()
    }

    pub(crate) fn item_mut(&mut self, item_id: &str) -> Option<&mut ProjectItem> {
        let pos = self.position(item_id)?;
        self.items.get_mut(pos)
    }

    pub(crate) fn item_for_content(&self, content_node_id: &str) -> Option<&ProjectItem> {
        self.items
            .iter()
            .find(|i| i.content_node_id == content_node_id)
    }

    pub(crate) fn add(&mut self, content_node_id: &str, at: DateTime<Utc>) -> &ProjectItem {
        if let Some(pos) = self
            .items
            .iter()
            .position(|i| i.content_node_id == content_node_id)
        {
            return &self.items[pos];
        }
        let id = format!("PVTI_lADOBpWdn84AAXQozg{:07}", 1_000_000 + self.items.len());
        self.index.insert(id.clone(), self.items.len());
        self.items.push(ProjectItem {
            id,
            content_node_id: content_node_id.into(),
            created_at: at,
            updated_at: at,
            values: BTreeMap::new(),
        });
        &self.items[self.items.len() - 1]
    }

    /// Adds a seeded issue with values derived from its seed index.
    pub(crate) fn add_seeded_item(&mut self, issue: &GitHubIssue, i: usize, at: DateTime<Utc>) {
        let id = self.add(&issue.node_id, at).id.clone();
        let mut values = BTreeMap::new();
        let select =
            |field: usize, choice: usize, fields: &[ProjectField]| match &fields[field].kind {
                FieldKind::SingleSelect(o) => o
                    .get(choice % o.len())
                    .map(|o| ProjectFieldValue::SingleSelect(o.id.clone())),
                _ => None,
            };
        let status = if issue.state == "closed" { 2 } else { i % 2 };
        if let Some(v) = select(2, status, &self.fields) {
            values.insert(self.fields[2].id.clone(), v);
        }
        if let Some(v) = select(3, i, &self.fields) {
            values.insert(self.fields[3].id.clone(), v);
        }
        if i % 4 != 2 {
            values.insert(
                self.fields[4].id.clone(),
                ProjectFieldValue::Number([1.0, 2.0, 3.0, 5.0, 8.0][i % 5]),
            );
        }
        if i % 3 != 1 {
            values.insert(
                self.fields[5].id.clone(),
                ProjectFieldValue::Date(
                    seed::seed_epoch().date_naive() + TimeDelta::days(10 + i as i64),
                ),
            );
        }
        if i.is_multiple_of(5) {
            values.insert(
                self.fields[6].id.clone(),
                ProjectFieldValue::Text("Needs design review".into()),
            );
        }
        if let FieldKind::Iteration(its) = &self.fields[7].kind {
            values.insert(
                self.fields[7].id.clone(),
                ProjectFieldValue::Iteration(its[i % its.len()].id.clone()),
            );
        }
        if let Some(item) = self.item_mut(&id) {
            item.values = values;
        }
    }
}
