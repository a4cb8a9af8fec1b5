//! In-memory Jira: issues by id, a key index and an `updated` index for JQL searches.

use crate::webhooks::{WebhookOutbox, WebhookStyle};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::clock::Clock;
use crate::jira::fields::{compact, expand, reference_name};
use crate::jira::jql::{Clause, Field, Jql, Op, Operand, OrderField};
use crate::jira::model::*;
use crate::seed::{self, SeedSize};

/// A Jira error answer: `{"errorMessages": [...], "errors": {...}}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JiraError {
    pub(crate) status: u16,
    pub(crate) messages: Vec<String>,
    pub(crate) errors: Map<String, Value>,
}

impl JiraError {
    /// Jira's 404 for an issue id or key it does not know (or may not show).
    pub(crate) fn issue_not_found() -> Self {
        JiraError::message(
            404,
            "Issue does not exist or you do not have permission to see it.",
        )
    }

    pub(crate) fn message(status: u16, message: impl Into<String>) -> Self {
        JiraError {
            status,
            messages: vec![message.into()],
            errors: Map::new(),
        }
    }
    pub(crate) fn fields(errors: Map<String, Value>) -> Self {
        JiraError {
            status: 400,
            messages: vec![],
            errors,
        }
    }
    pub(crate) fn body(&self) -> Value {
        json!({"errorMessages": self.messages, "errors": self.errors})
    }
}

#[derive(Debug, Clone)]
pub(crate) struct JiraRecord {
    pub(crate) id: u64,
    pub(crate) key: String,
    pub(crate) project: usize,
    pub(crate) fields: Map<String, Value>,
    pub(crate) properties: BTreeMap<String, Value>,
    pub(crate) updated_ms: i64,
    /// Oldest first.
    pub(crate) comments: Vec<JiraComment>,
    /// Links to resources outside Jira (a GitHub issue, a document): (title, url).
    pub(crate) remote_links: Vec<(String, String)>,
}

/// A comment on an issue; `body` is ADF (v2 answers give its text).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JiraComment {
    pub(crate) id: u64,
    pub(crate) author: usize,
    pub(crate) body: Value,
    pub(crate) created: DateTime<Utc>,
    pub(crate) updated: DateTime<Utc>,
}

#[derive(Debug)]
pub(crate) struct JiraStore {
    pub(crate) base: String,
    records: BTreeMap<u64, JiraRecord>,
    by_key: HashMap<String, u64>,
    by_updated: BTreeSet<(i64, u64)>,
    next_id: u64,
    next_number: [u64; PROJECTS.len()],
    next_comment_id: u64,
    clock: Clock,
    /// Where changes are delivered as webhooks, once a URL is registered.
    pub(crate) webhooks: WebhookOutbox,
}

/// Where a search continues: the sort key of the last issue returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    primary: i64,
    id: u64,
}

fn encode_token(order: OrderField, ascending: bool, cursor: Cursor) -> String {
    let o = match order {
        OrderField::Updated => 'u',
        OrderField::Created => 'c',
    };
    hex::encode(format!(
        "{o}{}:{}:{}",
        u8::from(ascending),
        cursor.primary,
        cursor.id
    ))
}

fn decode_token(token: &str, order: OrderField, ascending: bool) -> Option<Cursor> {
    let text = String::from_utf8(hex::decode(token).ok()?).ok()?;
    let o = match order {
        OrderField::Updated => 'u',
        OrderField::Created => 'c',
    };
    let rest = text.strip_prefix(&format!("{o}{}:", u8::from(ascending)))?;
    let (primary, id) = rest.split_once(':')?;
    Some(Cursor {
        primary: primary.parse().ok()?,
        id: id.parse().ok()?,
    })
}

impl JiraStore {
    pub(crate) fn new(base: String, size: SeedSize) -> Self {
        let mut store = JiraStore {
            base,
            records: BTreeMap::new(),
            by_key: HashMap::new(),
            by_updated: BTreeSet::new(),
            next_id: 10001,
            next_number: [1; PROJECTS.len()],
            next_comment_id: 10_000,
            clock: Clock::starting_after(seed::seed_epoch()),
            webhooks: WebhookOutbox::new(WebhookStyle::Jira),
        };
        let count = match size {
            SeedSize::Examples => 12,
            SeedSize::Items(n) => n,
        };
        let mut seeds: Vec<(usize, seed::SeedIssue)> =
            seed::issues(count, 0).into_iter().map(|s| (0, s)).collect();
        seeds.extend(seed::issues(3, 5).into_iter().map(|mut s| {
            s.updated += chrono::TimeDelta::seconds(seed::UPDATED_STEP_SECS * count as i64);
            (1, s)
        }));
        for (i, (project, s)) in seeds.into_iter().enumerate() {
            // Stored (compact) form directly: reference fields by id, see `jira_fields`.
            let issue_type = if project == 1 { 0 } else { i % 3 };
            let mut fields = Map::new();
            fields.insert("summary".into(), json!(s.title));
            fields.insert("description".into(), json!(s.paragraphs.join("\n\n")));
            fields.insert("issuetype".into(), json!(ISSUE_TYPES[issue_type].0));
            fields.insert("project".into(), json!(PROJECTS[project].0));
            fields.insert("status".into(), json!(STATUSES[s.status].0));
            fields.insert(
                "resolution".into(),
                if s.status == 2 {
                    json!(RESOLUTION_DONE_ID)
                } else {
                    Value::Null
                },
            );
            fields.insert("priority".into(), json!(PRIORITIES[s.priority].0));
            fields.insert("labels".into(), json!(s.labels));
            fields.insert(
                "assignee".into(),
                s.assignee.map_or(Value::Null, |p| json!(account_id(p))),
            );
            fields.insert("reporter".into(), json!(account_id(0)));
            fields.insert("created".into(), json!(timestamp(s.created)));
            fields.insert("updated".into(), json!(timestamp(s.updated)));
            fields.insert(
                "duedate".into(),
                s.due
                    .map_or(Value::Null, |d| json!(d.format("%Y-%m-%d").to_string())),
            );
            fields.insert(
                STORY_POINTS_FIELD.into(),
                s.points.map_or(Value::Null, |p| json!(p)),
            );
            store.insert(project, fields, s.updated);
        }
        store
    }

    fn insert(
        &mut self,
        project: usize,
        fields: Map<String, Value>,
        updated: DateTime<Utc>,
    ) -> u64 {
        let fields = compact_all(fields);
        let id = self.next_id;
        self.next_id += 1;
        let number = self.next_number[project];
        self.next_number[project] += 1;
        let key = format!("{}-{number}", PROJECTS[project].1);
        let updated_ms = updated.timestamp_millis();
        self.clock.observe(updated);
        self.by_key.insert(key.clone(), id);
        self.by_updated.insert((updated_ms, id));
        self.records.insert(
            id,
            JiraRecord {
                id,
                key,
                project,
                fields,
                properties: BTreeMap::new(),
                updated_ms,
                comments: Vec::new(),
                remote_links: Vec::new(),
            },
        );
        id
    }

    pub(crate) fn add_remote_link(&mut self, id: u64, title: &str, url: &str) {
        if let Some(record) = self.records.get_mut(&id) {
            record
                .remote_links
                .push((title.to_string(), url.to_string()));
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// Resolves an issue id or key (keys case-insensitively).
    pub(crate) fn find(&self, id_or_key: &str) -> Option<&JiraRecord> {
        let id = match id_or_key.parse::<u64>() {
            Ok(id) => id,
            Err(_) => *self.by_key.get(&id_or_key.to_ascii_uppercase())?,
        };
        self.records.get(&id)
    }

    fn id_of(&self, id_or_key: &str) -> Result<u64, JiraError> {
        self.find(id_or_key)
            .map(|r| r.id)
            .ok_or_else(JiraError::issue_not_found)
    }

    /// Runs `change` on an issue's fields, then bumps `updated` (a human edit).
    pub(crate) fn touch<R>(
        &mut self,
        id: u64,
        change: impl FnOnce(&mut JiraRecord) -> R,
    ) -> Option<R> {
        let now = self.clock.tick();
        let record = self.records.get_mut(&id)?;
        let result = change(record);
        self.by_updated.remove(&(record.updated_ms, id));
        record.updated_ms = now.timestamp_millis();
        record
            .fields
            .insert("updated".into(), json!(timestamp(now)));
        self.by_updated.insert((record.updated_ms, id));
        self.emit_webhook(id, "jira:issue_updated");
        Some(result)
    }

    /// Delivers `event` about issue `id` (`jira:issue_updated`, ...) to the registered URL.
    fn emit_webhook(&self, id: u64, event: &str) {
        let Some(record) = self.records.get(&id) else {
            return;
        };
        self.webhooks.emit(
            None,
            json!({
                "timestamp": record.updated_ms,
                "webhookEvent": event,
                "issue_event_type_name": if event == "jira:issue_created" { "issue_created" } else { "issue_generic" },
                "issue": {
                    "id": record.id.to_string(),
                    "self": format!("{}/rest/api/2/issue/{}", self.base, record.id),
                    "key": record.key,
                    "fields": {
                        "summary": record.fields.get("summary").cloned().unwrap_or(Value::Null),
                        "updated": record.fields.get("updated").cloned().unwrap_or(Value::Null),
                    },
                },
            }),
        );
    }

    /// Sets an issue's `updated` to a given instant (test setup).
    pub(crate) fn set_updated(&mut self, id_or_key: &str, at: DateTime<Utc>) -> bool {
        let Ok(id) = self.id_of(id_or_key) else {
            return false;
        };
        let Some(record) = self.records.get_mut(&id) else {
            return false;
        };
        self.by_updated.remove(&(record.updated_ms, id));
        record.updated_ms = at.timestamp_millis();
        record.fields.insert("updated".into(), json!(timestamp(at)));
        self.by_updated.insert((record.updated_ms, id));
        self.clock.observe(at);
        true
    }

    fn matches(record: &JiraRecord, clause: &Clause) -> bool {
        let name_of = |field: &str| reference_name(field, record.fields.get(field));
        let values = match &clause.operand {
            Operand::Values(v) => v.as_slice(),
            Operand::Instant(at) => {
                let t = match clause.field {
                    Field::Updated => record.updated_ms,
                    _ => record
                        .fields
                        .get("created")
                        .and_then(Value::as_str)
                        .and_then(|s| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.3f%z").ok())
                        .map_or(0, |d| d.timestamp_millis()),
                };
                let bound = at.timestamp_millis();
                return match clause.op {
                    Op::Eq => t == bound,
                    Op::NotEq => t != bound,
                    Op::Gt => t > bound,
                    Op::Ge => t >= bound,
                    Op::Lt => t < bound,
                    Op::Le => t <= bound,
                    Op::In | Op::NotIn => false,
                };
            }
        };
        let hit = match &clause.field {
            Field::Project => values.iter().any(|v| {
                v.eq_ignore_ascii_case(PROJECTS[record.project].1)
                    || v == PROJECTS[record.project].0
            }),
            Field::IssueType => values
                .iter()
                .any(|v| v.eq_ignore_ascii_case(name_of("issuetype"))),
            Field::Status => values
                .iter()
                .any(|v| v.eq_ignore_ascii_case(name_of("status"))),
            Field::Priority => values
                .iter()
                .any(|v| v.eq_ignore_ascii_case(name_of("priority"))),
            Field::Key => values
                .iter()
                .any(|v| v.eq_ignore_ascii_case(&record.key) || *v == record.id.to_string()),
            Field::Labels => {
                let labels = record.fields.get("labels").and_then(Value::as_array);
                labels.is_some_and(|ls| {
                    ls.iter()
                        .filter_map(Value::as_str)
                        .any(|l| values.iter().any(|v| v == l))
                })
            }
            Field::Property(key, path) => {
                let mut at = record.properties.get(key);
                for segment in path {
                    at = at.and_then(|v| v.get(segment));
                }
                let text = match at {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    Some(Value::Bool(b)) => Some(b.to_string()),
                    _ => None,
                };
                text.is_some_and(|t| values.contains(&t))
            }
            Field::Updated | Field::Created => false,
        };
        match clause.op {
            Op::NotEq | Op::NotIn => !hit,
            _ => hit,
        }
    }

    /// One page of a JQL search: the issues and the next page's token (None on the last page).
    pub(crate) fn search(
        &self,
        jql: &Jql,
        token: Option<&str>,
        max: usize,
    ) -> Result<(Vec<&JiraRecord>, Option<String>), JiraError> {
        let order = jql.order;
        let after = match token {
            Some(t) => Some(
                decode_token(t, order.field, order.ascending).ok_or_else(|| {
                    JiraError::message(400, "The provided next page token is invalid or expired.")
                })?,
            ),
            None => None,
        };
        let matches = |r: &&JiraRecord| jql.filter.holds(&|c: &Clause| Self::matches(r, c));
        let lower = jql.updated_lower_bound();
        let mut page: Vec<&JiraRecord> = Vec::with_capacity(max.min(1024));
        let mut more = false;
        match (order.field, order.ascending) {
            (OrderField::Updated, true) => {
                let start = match (after, lower) {
                    (Some(c), _) => Bound::Excluded((c.primary, c.id)),
                    (None, Some(l)) => Bound::Included((l, 0)),
                    (None, None) => Bound::Unbounded,
                };
                for &(_, id) in self.by_updated.range((start, Bound::Unbounded)) {
                    let Some(r) = self.records.get(&id) else {
                        continue;
                    };
                    if matches(&r) {
                        if page.len() == max {
                            more = true;
                            break;
                        }
                        page.push(r);
                    }
                }
            }
            (OrderField::Updated, false) => {
                let end = after.map_or(Bound::Unbounded, |c| Bound::Excluded((c.primary, c.id)));
                for &(ms, id) in self.by_updated.range((Bound::Unbounded, end)).rev() {
                    if lower.is_some_and(|l| ms < l) {
                        break;
                    }
                    let Some(r) = self.records.get(&id) else {
                        continue;
                    };
                    if matches(&r) {
                        if page.len() == max {
                            more = true;
                            break;
                        }
                        page.push(r);
                    }
                }
            }
            (OrderField::Created, ascending) => {
                let iter: Box<dyn Iterator<Item = &JiraRecord>> = match (after, ascending) {
                    (Some(c), true) => Box::new(self.records.range(c.id + 1..).map(|(_, r)| r)),
                    (Some(c), false) => Box::new(self.records.range(..c.id).rev().map(|(_, r)| r)),
                    (None, true) => Box::new(self.records.values()),
                    (None, false) => Box::new(self.records.values().rev()),
                };
                for r in iter {
                    if matches(&r) {
                        if page.len() == max {
                            more = true;
                            break;
                        }
                        page.push(r);
                    }
                }
            }
        }
        let next = if more {
            page.last().map(|r| {
                let primary = match order.field {
                    OrderField::Updated => r.updated_ms,
                    OrderField::Created => r.id as i64,
                };
                encode_token(order.field, order.ascending, Cursor { primary, id: r.id })
            })
        } else {
            None
        };
        Ok((page, next))
    }

    /// Validates client-supplied `fields` (and `update` label operations) into the values to
    /// store; nothing is applied when any field is invalid.
    fn validated_fields(
        &self,
        current: Option<&JiraRecord>,
        body: &Value,
        creating: bool,
    ) -> Result<Map<String, Value>, JiraError> {
        let base = &self.base;
        let mut out = Map::new();
        let mut errors = Map::new();
        let empty = Map::new();
        let fields = match body.get("fields") {
            Some(Value::Object(f)) => f,
            None | Some(Value::Null) => &empty,
            Some(_) => return Err(JiraError::message(400, "'fields' must be an object.")),
        };
        for (name, value) in fields {
            match name.as_str() {
                "summary" => match value.as_str() {
                    Some(s) if s.trim().is_empty() => {
                        errors.insert(
                            name.clone(),
                            json!("You must specify a summary of the issue."),
                        );
                    }
                    Some(s) if s.chars().count() > SUMMARY_MAX_CHARS => {
                        errors.insert(
                            name.clone(),
                            json!("Summary must be less than 255 characters."),
                        );
                    }
                    Some(s) => {
                        out.insert(name.clone(), json!(s));
                    }
                    None => {
                        errors.insert(name.clone(), json!("Operation value must be a string"));
                    }
                },
                "description" | "environment" => match value {
                    Value::Null => {
                        out.insert(name.clone(), Value::Null);
                    }
                    Value::Object(doc)
                        if doc.get("type").and_then(Value::as_str) == Some("doc") =>
                    {
                        if value.to_string().chars().count() > TEXT_FIELD_MAX_CHARS {
                            errors.insert(name.clone(), json!("The entered text is too long. It exceeds the allowed limit of 32,767 characters."));
                        } else {
                            out.insert(name.clone(), value.clone());
                        }
                    }
                    _ => {
                        errors.insert(name.clone(), json!("Operation value must be an Atlassian Document (see the Atlassian Document Format)"));
                    }
                },
                "labels" => match value.as_array() {
                    Some(ls)
                        if ls.iter().all(|l| {
                            l.as_str()
                                .is_some_and(|s| !s.is_empty() && !s.contains(' '))
                        }) =>
                    {
                        out.insert(name.clone(), value.clone());
                    }
                    _ => {
                        errors.insert(
                            name.clone(),
                            json!("Labels must be an array of strings without spaces."),
                        );
                    }
                },
                "priority" => match priority_index(value) {
                    Some(i) => {
                        out.insert(name.clone(), priority_json(base, i));
                    }
                    None => {
                        errors.insert(
                            name.clone(),
                            json!(format!("Specify a valid priority id or name ({value})")),
                        );
                    }
                },
                "assignee" => match value {
                    Value::Null => {
                        out.insert(name.clone(), Value::Null);
                    }
                    _ => match value
                        .get("accountId")
                        .and_then(Value::as_str)
                        .and_then(person_by_account_id)
                    {
                        Some(p) => {
                            out.insert(name.clone(), user_json(base, p));
                        }
                        None => {
                            errors.insert(
                                name.clone(),
                                json!("Specify a valid accountId for the assignee"),
                            );
                        }
                    },
                },
                "duedate" => match value {
                    Value::Null => {
                        out.insert(name.clone(), Value::Null);
                    }
                    Value::String(s)
                        if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() =>
                    {
                        out.insert(name.clone(), value.clone());
                    }
                    _ => {
                        errors.insert(
                            name.clone(),
                            json!("Error parsing date string: the format is yyyy-MM-dd"),
                        );
                    }
                },
                "project" if creating => match project_index(value) {
                    Some(i) => {
                        out.insert(name.clone(), project_json(base, i));
                    }
                    None => {
                        errors.insert(name.clone(), json!("Specify a valid project ID or key"));
                    }
                },
                "issuetype" => match issue_type_index(value) {
                    Some(i) => {
                        out.insert(name.clone(), issue_type_json(base, i));
                    }
                    None => {
                        errors.insert(name.clone(), json!("Specify a valid issue type"));
                    }
                },
                custom if custom.starts_with("customfield_") => {
                    let too_long = value
                        .as_str()
                        .is_some_and(|s| s.chars().count() > TEXT_FIELD_MAX_CHARS)
                        || (value.is_object()
                            && value.to_string().chars().count() > TEXT_FIELD_MAX_CHARS);
                    if custom == STORY_POINTS_FIELD && !(value.is_number() || value.is_null()) {
                        errors.insert(
                            name.clone(),
                            json!("Specify a valid value for Story point estimate (a number)"),
                        );
                    } else if too_long {
                        errors.insert(name.clone(), json!("The entered text is too long. It exceeds the allowed limit of 32,767 characters."));
                    } else {
                        out.insert(name.clone(), value.clone());
                    }
                }
                other => {
                    errors.insert(
                        other.to_string(),
                        json!(format!("Field '{other}' cannot be set. It is not on the appropriate screen, or unknown.")),
                    );
                }
            }
        }
        if let Some(ops) = body
            .get("update")
            .and_then(|u| u.get("labels"))
            .and_then(Value::as_array)
        {
            let mut labels: Vec<Value> = out
                .get("labels")
                .or_else(|| current.and_then(|c| c.fields.get("labels")))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for op in ops {
                if let Some(l) = op.get("add").and_then(Value::as_str) {
                    if !labels.iter().any(|x| x == l) {
                        labels.push(json!(l));
                    }
                } else if let Some(l) = op.get("remove").and_then(Value::as_str) {
                    labels.retain(|x| x != l);
                } else if let Some(Value::Array(set)) = op.get("set") {
                    labels = set.clone();
                } else {
                    errors.insert(
                        "labels".into(),
                        json!("Label operations must be add, remove or set."),
                    );
                }
            }
            out.insert("labels".into(), Value::Array(labels));
        }
        if creating {
            for (field, message) in [
                ("summary", "You must specify a summary of the issue."),
                ("project", "Specify a valid project ID or key"),
                ("issuetype", "Specify an issue type"),
            ] {
                if !out.contains_key(field) && !errors.contains_key(field) {
                    errors.insert(field.into(), json!(message));
                }
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(JiraError::fields(errors))
        }
    }

    pub(crate) fn edit_from_request(
        &mut self,
        id_or_key: &str,
        body: &Value,
    ) -> Result<(), JiraError> {
        let id = self.id_of(id_or_key)?;
        let current = self.records.get(&id);
        let changes = self.validated_fields(current, body, false)?;
        self.touch(id, |r| r.fields.extend(compact_all(changes)));
        Ok(())
    }

    pub(crate) fn create_from_request(&mut self, body: &Value) -> Result<&JiraRecord, JiraError> {
        let mut fields = self.validated_fields(None, body, true)?;
        let project = fields
            .get("project")
            .map(|p| project_index(p).unwrap_or(0))
            .unwrap_or(0);
        let now = self.clock.tick();
        let base = self.base.clone();
        fields.entry("description").or_insert(Value::Null);
        fields.entry("labels").or_insert(json!([]));
        fields
            .entry("priority")
            .or_insert_with(|| priority_json(&base, 2));
        fields.entry("assignee").or_insert(Value::Null);
        fields.entry("duedate").or_insert(Value::Null);
        fields.entry(STORY_POINTS_FIELD).or_insert(Value::Null);
        fields.insert("status".into(), status_json(&base, 0));
        fields.insert("resolution".into(), Value::Null);
        fields.insert("reporter".into(), user_json(&base, 0));
        fields.insert("created".into(), json!(timestamp(now)));
        fields.insert("updated".into(), json!(timestamp(now)));
        let id = self.insert(project, fields, now);
        self.emit_webhook(id, "jira:issue_created");
        self.records
            .get(&id)
            .ok_or_else(|| JiraError::message(500, "issue vanished"))
    }

    pub(crate) fn transitions(&self, id_or_key: &str) -> Result<Vec<Value>, JiraError> {
        let record = self
            .find(id_or_key)
            .ok_or_else(JiraError::issue_not_found)?;
        let current = record
            .fields
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok((0..TRANSITIONS.len())
            .filter(|&t| STATUSES[TRANSITIONS[t].2].0 != current)
            .map(|t| transition_json(&self.base, t))
            .collect())
    }

    pub(crate) fn transition(&mut self, id_or_key: &str, body: &Value) -> Result<(), JiraError> {
        let id = self.id_of(id_or_key)?;
        let wanted = body
            .get("transition")
            .and_then(|t| t.get("id"))
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        let Some(wanted) = wanted else {
            return Err(JiraError::message(400, "Missing 'transition' identifier"));
        };
        let available = self.transitions(id_or_key)?;
        if !available
            .iter()
            .any(|t| t.get("id").and_then(Value::as_str) == Some(wanted.as_str()))
        {
            return Err(JiraError::message(
                400,
                format!("Transition id '{wanted}' is not valid for this issue."),
            ));
        }
        let Some(target) = TRANSITIONS.iter().find(|t| t.0 == wanted).map(|t| t.2) else {
            return Err(JiraError::message(
                400,
                format!("Transition id '{wanted}' is not valid for this issue."),
            ));
        };
        let changes = self.validated_fields(self.records.get(&id), body, false)?;
        let base = self.base.clone();
        self.touch(id, |r| {
            r.fields.extend(compact_all(changes));
            r.fields.insert(
                "status".into(),
                compact("status", status_json(&base, target)),
            );
            r.fields.insert(
                "resolution".into(),
                compact("resolution", resolution(&base, target)),
            );
        });
        Ok(())
    }

    /// Adds a comment (ADF body) by the sandbox user; bumps the issue's `updated`, as Jira
    /// does.
    pub(crate) fn add_comment(
        &mut self,
        id_or_key: &str,
        body: Value,
    ) -> Result<JiraComment, JiraError> {
        let id = self.id_of(id_or_key)?;
        let comment_id = self.next_comment_id;
        self.next_comment_id += 1;
        let now = self.clock.tick();
        let comment = JiraComment {
            id: comment_id,
            author: 0,
            body,
            created: now,
            updated: now,
        };
        let stored = comment.clone();
        self.touch(id, |r| r.comments.push(stored));
        Ok(comment)
    }

    /// Replaces a comment's body; bumps the comment's and the issue's `updated`.
    pub(crate) fn edit_comment(
        &mut self,
        id_or_key: &str,
        comment_id: &str,
        body: Value,
    ) -> Result<JiraComment, JiraError> {
        let id = self.id_of(id_or_key)?;
        let known = self
            .records
            .get(&id)
            .is_some_and(|r| r.comments.iter().any(|c| c.id.to_string() == comment_id));
        if !known {
            return Err(comment_not_found(comment_id));
        }
        let now = self.clock.tick();
        self.touch(id, |r| {
            let comment = r
                .comments
                .iter_mut()
                .find(|c| c.id.to_string() == comment_id)?;
            comment.body = body;
            comment.updated = now;
            Some(comment.clone())
        })
        .flatten()
        .ok_or_else(|| comment_not_found(comment_id))
    }

    /// Sets an entity property; `true` when it was created (201), `false` when replaced (200).
    pub(crate) fn set_property(
        &mut self,
        id_or_key: &str,
        property: &str,
        value: Value,
    ) -> Result<bool, JiraError> {
        let id = self.id_of(id_or_key)?;
        if property.is_empty() || property.len() > 255 {
            return Err(JiraError::message(
                400,
                "The property key must be between 1 and 255 characters long.",
            ));
        }
        if value.to_string().len() > 32_768 {
            return Err(JiraError::message(
                400,
                "The property value is too long; the limit is 32768 bytes.",
            ));
        }
        let record = self
            .records
            .get_mut(&id)
            .ok_or_else(JiraError::issue_not_found)?;
        Ok(record
            .properties
            .insert(property.to_string(), value)
            .is_none())
    }

    /// An issue as Jira renders it, with the requested fields and properties.
    pub(crate) fn render(
        &self,
        record: &JiraRecord,
        fields: &FieldSelection,
        properties: &[String],
    ) -> Value {
        let mut out = Map::new();
        out.insert(
            "expand".into(),
            json!(
                "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
            ),
        );
        out.insert("id".into(), json!(record.id.to_string()));
        out.insert(
            "self".into(),
            json!(format!("{}/rest/api/3/issue/{}", self.base, record.id)),
        );
        out.insert("key".into(), json!(record.key));
        let selected: Map<String, Value> = record
            .fields
            .iter()
            .filter(|(k, _)| fields.includes(k))
            .map(|(k, v)| (k.clone(), expand(&self.base, k, v)))
            .collect();
        out.insert("fields".into(), Value::Object(selected));
        if !properties.is_empty() {
            let props: Map<String, Value> = properties
                .iter()
                .filter_map(|p| record.properties.get(p).map(|v| (p.clone(), v.clone())))
                .collect();
            out.insert("properties".into(), Value::Object(props));
        }
        Value::Object(out)
    }
}

fn comment_not_found(comment_id: &str) -> JiraError {
    JiraError::message(
        404,
        format!("Can not find a comment for the id: {comment_id}."),
    )
}

/// Wire-shaped fields → stored form.
pub(crate) fn compact_all(fields: Map<String, Value>) -> Map<String, Value> {
    fields
        .into_iter()
        .map(|(k, v)| {
            let stored = compact(&k, v);
            (k, stored)
        })
        .collect()
}

/// Stored fields → wire shape.
pub(crate) fn expand_all(base: &str, fields: &Map<String, Value>) -> Map<String, Value> {
    fields
        .iter()
        .map(|(k, v)| (k.clone(), expand(base, k, v)))
        .collect()
}

fn resolution(base: &str, status: usize) -> Value {
    if status == 2 {
        resolution_json(base)
    } else {
        Value::Null
    }
}

/// The `fields` parameter: which fields to return.
#[derive(Debug, Clone, Default)]
pub(crate) struct FieldSelection {
    all: bool,
    include: Vec<String>,
    exclude: Vec<String>,
}

impl FieldSelection {
    /// Parses the values of `fields` (each may be comma-separated). `default_all` applies when
    /// nothing was requested (GET issue: all fields; search: ids only).
    pub(crate) fn parse<'a>(values: impl IntoIterator<Item = &'a str>, default_all: bool) -> Self {
        let mut selection = FieldSelection::default();
        let mut any = false;
        for item in values
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            any = true;
            match item {
                "*all" | "*navigable" => selection.all = true,
                "id" | "key" | "*none" => {}
                excluded if excluded.starts_with('-') => {
                    selection.exclude.push(excluded[1..].to_string())
                }
                field => selection.include.push(field.to_string()),
            }
        }
        if !any && default_all {
            selection.all = true;
        }
        selection
    }
    fn includes(&self, field: &str) -> bool {
        (self.all || self.include.iter().any(|f| f == field))
            && !self.exclude.iter().any(|f| f == field)
    }
    /// True when only ids were asked for (Jira then returns `{"id"}` per issue in searches).
    pub(crate) fn ids_only(&self) -> bool {
        !self.all && self.include.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_token_round_trips_and_rejects_other_orders() {
        let cursor = Cursor {
            primary: 1_736_154_037_000,
            id: 10_004,
        };
        let token = encode_token(OrderField::Updated, true, cursor);
        assert_eq!(
            decode_token(&token, OrderField::Updated, true),
            Some(cursor)
        );
        assert_eq!(decode_token(&token, OrderField::Updated, false), None);
        assert_eq!(decode_token("zz", OrderField::Updated, true), None);
    }
}
