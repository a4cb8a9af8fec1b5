//! In-memory Linear workspace: team `ENG`, its workflow states, labels, users and issues
//! (indexed by number, id and `updatedAt`), and the GraphQL JSON shapes of them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::seed::{self, PEOPLE, SeedSize};
use crate::webhooks::{WebhookOutbox, WebhookStyle};

/// A Linear issue, as stored. Edit it through [`LinearHandle::edit`](crate::LinearHandle::edit).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearIssue {
    pub id: String,
    pub number: u64,
    /// e.g. `ENG-7`.
    pub identifier: String,
    pub title: String,
    /// Markdown.
    pub description: Option<String>,
    /// 0 = none, 1 = urgent, 2 = high, 3 = medium, 4 = low.
    pub priority: u8,
    pub state_id: String,
    pub label_ids: Vec<String>,
    pub assignee_id: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub estimate: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub canceled_at: Option<DateTime<Utc>>,
    /// Links to other resources (a GitHub issue, a document), as Linear's integrations and
    /// people attach them.
    pub attachments: Vec<LinearAttachment>,
}

/// An issue's attachment: a titled link.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearAttachment {
    pub title: String,
    pub url: String,
}

pub(crate) const TEAM_KEY: &str = "ENG";
pub(crate) const PRIORITY_LABELS: [&str; 5] = ["No priority", "Urgent", "High", "Medium", "Low"];
/// (name, type, colour)
pub(crate) const STATES: [(&str, &str, &str); 5] = [
    ("Backlog", "backlog", "#bec2c8"),
    ("Todo", "unstarted", "#e2e2e2"),
    ("In Progress", "started", "#f2c94c"),
    ("Done", "completed", "#5e6ad2"),
    ("Canceled", "canceled", "#95a2b3"),
];
/// The workspace's labels. `sync` and `linear` are the labels the shipped example configs
/// select items by (`filters.labels`); no seed issue carries them.
pub(crate) const LABELS: [(&str, &str); 8] = [
    ("backend", "#26b5ce"),
    ("frontend", "#4ea7fc"),
    ("bug", "#eb5757"),
    ("customer", "#f2994a"),
    ("performance", "#bb87fc"),
    ("docs", "#0f783c"),
    ("sync", "#5e6ad2"),
    ("linear", "#4cb782"),
];

pub(crate) fn team_id() -> String {
    seed::uuid(1, 1)
}
pub(crate) fn state_id(i: usize) -> String {
    seed::uuid(2, i as u64)
}
pub(crate) fn label_id(i: usize) -> String {
    seed::uuid(3, i as u64)
}
pub(crate) fn user_id(i: usize) -> String {
    seed::uuid(4, i as u64)
}
pub(crate) fn organization_id() -> String {
    seed::uuid(8, 1)
}

/// When the workspace, team, states and labels were made.
const CREATED: &str = "2023-01-09T10:00:00.000Z";

/// (name, state) of the team's projects.
const PROJECTS: [(&str, &str); 2] = [("Widgets 2.0", "started"), ("Sync API", "planned")];

pub(crate) fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Debug)]
pub(crate) struct LinearStore {
    pub(crate) origin: String,
    pub(crate) issues: BTreeMap<u64, LinearIssue>,
    by_id: HashMap<String, u64>,
    pub(crate) by_updated: BTreeSet<(i64, u64)>,
    next_number: u64,
    pub(crate) clock: Clock,
    pub(crate) last_sync_id: u64,
    /// Where changes are delivered as webhooks, once a URL is registered.
    pub(crate) webhooks: WebhookOutbox,
}

impl LinearStore {
    pub(crate) fn new(origin: String, size: SeedSize) -> Self {
        let mut store = LinearStore {
            origin,
            issues: BTreeMap::new(),
            by_id: HashMap::new(),
            by_updated: BTreeSet::new(),
            next_number: 1,
            clock: Clock::starting_after(seed::seed_epoch()),
            last_sync_id: 1000,
            webhooks: WebhookOutbox::new(WebhookStyle::Linear),
        };
        let count = match size {
            SeedSize::Examples => 8,
            SeedSize::Items(n) => n,
        };
        for s in seed::issues(count, 7) {
            let number = store.next_number;
            store.next_number += 1;
            // Seed statuses 0/1/2 → Todo / In Progress / Done; a few go to Backlog.
            let state = if number.is_multiple_of(5) {
                0
            } else {
                s.status + 1
            };
            let issue = LinearIssue {
                id: seed::uuid(5, number),
                number,
                identifier: format!("{TEAM_KEY}-{number}"),
                title: s.title,
                description: Some(s.paragraphs.join("\n\n")),
                priority: s.priority as u8,
                state_id: state_id(state),
                label_ids: s
                    .labels
                    .iter()
                    .filter_map(|l| LABELS.iter().position(|x| x.0 == *l))
                    .map(label_id)
                    .collect(),
                assignee_id: s.assignee.map(user_id),
                due_date: s.due,
                estimate: s.points,
                created_at: s.created,
                updated_at: s.updated,
                completed_at: (state == 3).then_some(s.updated),
                canceled_at: None,
                attachments: Vec::new(),
            };
            store.insert(issue);
        }
        store
    }

    fn insert(&mut self, issue: LinearIssue) {
        self.clock.observe(issue.updated_at);
        self.by_id.insert(issue.id.clone(), issue.number);
        self.by_updated
            .insert((issue.updated_at.timestamp_millis(), issue.number));
        self.issues.insert(issue.number, issue);
    }

    /// By UUID or identifier (`ENG-7`).
    pub(crate) fn find(&self, id: &str) -> Option<&LinearIssue> {
        let number = match self.by_id.get(id) {
            Some(n) => *n,
            None => {
                let (team, n) = id.split_once('-')?;
                if !team.eq_ignore_ascii_case(TEAM_KEY) {
                    return None;
                }
                n.parse().ok()?
            }
        };
        self.issues.get(&number)
    }

    pub(crate) fn touch<R>(
        &mut self,
        number: u64,
        change: impl FnOnce(&mut LinearIssue) -> R,
    ) -> Option<R> {
        let now = self.clock.tick();
        let issue = self.issues.get_mut(&number)?;
        let result = change(issue);
        self.by_updated
            .remove(&(issue.updated_at.timestamp_millis(), number));
        issue.updated_at = now;
        self.by_updated.insert((now.timestamp_millis(), number));
        self.last_sync_id += 1;
        self.emit_webhook(number, "update");
        Some(result)
    }

    /// Delivers an `Issue` event with `action` about issue `number` to the registered URL
    /// (the outbox adds `webhookTimestamp` when it sends).
    fn emit_webhook(&self, number: u64, action: &str) {
        let Some(issue) = self.issues.get(&number) else {
            return;
        };
        self.webhooks.emit(
            Some("Issue"),
            serde_json::json!({
                "action": action,
                "type": "Issue",
                "createdAt": iso(issue.updated_at),
                "url": format!("{}/acme/issue/{}", self.origin, issue.identifier),
                "organizationId": organization_id(),
                "data": {
                    "id": issue.id,
                    "identifier": issue.identifier,
                    "title": issue.title,
                    "updatedAt": iso(issue.updated_at),
                },
            }),
        );
    }

    /// Adds a new issue; it keeps a client-chosen `id` (the caller checked it is unused),
    /// else gets a generated one.
    pub(crate) fn create(&mut self, mut issue: LinearIssue) -> u64 {
        let now = self.clock.tick();
        let number = self.next_number;
        self.next_number += 1;
        issue.number = number;
        if issue.id.is_empty() {
            issue.id = seed::uuid(5, number);
        }
        issue.identifier = format!("{TEAM_KEY}-{number}");
        issue.created_at = now;
        issue.updated_at = now;
        self.last_sync_id += 1;
        self.insert(issue);
        self.emit_webhook(number, "create");
        number
    }

    pub(crate) fn organization_json(&self) -> Value {
        json!({
            "__typename": "Organization",
            "id": organization_id(),
            "name": "Acme Inc.",
            "urlKey": "acme",
            "logoUrl": null,
            "userCount": PEOPLE.len(),
            "createdIssueCount": self.next_number - 1,
            "createdAt": CREATED,
            "updatedAt": CREATED,
        })
    }

    pub(crate) fn team_json(&self) -> Value {
        json!({
            "__typename": "Team",
            "id": team_id(),
            "key": TEAM_KEY,
            "name": "Engineering",
            "displayName": "Engineering",
            "description": null,
            "private": false,
            "timezone": "Europe/Berlin",
            "cyclesEnabled": true,
            "createdAt": CREATED,
            "updatedAt": CREATED,
            "organization": self.organization_json(),
        })
    }

    pub(crate) fn state_json(&self, i: usize) -> Value {
        let (name, kind, color) = STATES[i];
        json!({"__typename": "WorkflowState", "id": state_id(i), "name": name, "type": kind, "color": color, "position": i as f64, "description": null, "createdAt": CREATED, "updatedAt": CREATED, "archivedAt": null, "team": self.team_json()})
    }

    pub(crate) fn label_json(&self, i: usize) -> Value {
        let (name, color) = LABELS[i];
        json!({"__typename": "IssueLabel", "id": label_id(i), "name": name, "color": color, "description": null, "isGroup": false, "createdAt": CREATED, "updatedAt": CREATED, "archivedAt": null, "team": null, "parent": null})
    }

    pub(crate) fn user_json(&self, i: usize) -> Value {
        let (name, handle, email) = PEOPLE[i];
        let initials: String = name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .collect();
        json!({
            "__typename": "User",
            "id": user_id(i),
            "name": name,
            "displayName": handle,
            "email": email,
            "active": true,
            "admin": i == 0,
            "guest": false,
            "app": false,
            "isMe": i == 0,
            "url": format!("{}/acme/profiles/{handle}", self.origin),
            "initials": initials,
            "avatarBackgroundColor": "#5e6ad2",
            "avatarUrl": null,
            "timezone": "Europe/Berlin",
            "createdAt": CREATED,
            "updatedAt": CREATED,
            "organization": self.organization_json(),
        })
    }

    /// The team's projects (fixed: the sandbox does not track issues by project).
    pub(crate) fn projects_json(&self) -> Vec<Value> {
        PROJECTS
            .iter()
            .enumerate()
            .map(|(i, (name, state))| {
                let slug = format!("{:012x}", 0xa11ce_u64 + i as u64);
                json!({
                    "__typename": "Project",
                    "id": seed::uuid(6, i as u64),
                    "name": name,
                    "description": "",
                    "slugId": slug,
                    "url": format!("{}/acme/project/{}-{slug}", self.origin, name.to_lowercase().replace(' ', "-")),
                    "color": "#bec2c8",
                    "state": state,
                    "priority": 0,
                    "priorityLabel": PRIORITY_LABELS[0],
                    "progress": 0.0,
                    "scope": 0.0,
                    "startDate": null,
                    "targetDate": null,
                    "createdAt": CREATED,
                    "updatedAt": CREATED,
                })
            })
            .collect()
    }

    /// Three two-week cycles of the team around the seed epoch: past, current, next.
    pub(crate) fn cycles_json(&self) -> Vec<Value> {
        let epoch = seed::seed_epoch();
        (0..3)
            .map(|i| {
                let starts = epoch + chrono::TimeDelta::days(14 * (i as i64 - 1));
                let ends = starts + chrono::TimeDelta::days(14);
                json!({
                    "__typename": "Cycle",
                    "id": seed::uuid(7, i as u64),
                    "number": (i + 1) as f64,
                    "name": null,
                    "description": null,
                    "startsAt": iso(starts),
                    "endsAt": iso(ends),
                    "completedAt": (i == 0).then(|| iso(ends)),
                    "isActive": i == 1,
                    "isFuture": i == 2,
                    "isPast": i == 0,
                    "isNext": i == 2,
                    "isPrevious": i == 0,
                    "progress": if i == 0 { 1.0 } else { 0.0 },
                    "createdAt": CREATED,
                    "updatedAt": CREATED,
                    "team": self.team_json(),
                })
            })
            .collect()
    }

    /// The fields `IssueFilter` can test, as the filter evaluator reads them.
    pub(crate) fn filter_view(&self, issue: &LinearIssue) -> Value {
        let state = (0..STATES.len())
            .find(|&i| state_id(i) == issue.state_id)
            .unwrap_or(1);
        let labels: Vec<Value> = issue
            .label_ids
            .iter()
            .filter_map(|id| (0..LABELS.len()).find(|&i| &label_id(i) == id))
            .map(
                |i| json!({"id": label_id(i), "name": LABELS[i].0, "isGroup": false, "team": null}),
            )
            .collect();
        json!({
            "id": issue.id,
            "number": issue.number,
            "title": issue.title,
            "priority": issue.priority,
            "createdAt": iso(issue.created_at),
            "updatedAt": iso(issue.updated_at),
            "team": {"id": team_id(), "key": TEAM_KEY, "name": "Engineering"},
            "state": {"id": state_id(state), "name": STATES[state].0, "type": STATES[state].1},
            "labels": labels,
        })
    }

    pub(crate) fn issue_json(&self, issue: &LinearIssue) -> Value {
        let state = (0..STATES.len())
            .find(|&i| state_id(i) == issue.state_id)
            .unwrap_or(1);
        let labels: Vec<Value> = issue
            .label_ids
            .iter()
            .filter_map(|id| (0..LABELS.len()).find(|&i| &label_id(i) == id))
            .map(|i| self.label_json(i))
            .collect();
        let assignee = issue
            .assignee_id
            .as_ref()
            .and_then(|id| (0..PEOPLE.len()).find(|&i| &user_id(i) == id))
            .map_or(Value::Null, |i| self.user_json(i));
        json!({
            "__typename": "Issue",
            "id": issue.id,
            "identifier": issue.identifier,
            "number": issue.number,
            "title": issue.title,
            "description": issue.description,
            "priority": issue.priority,
            "priorityLabel": PRIORITY_LABELS[usize::from(issue.priority.min(4))],
            "estimate": issue.estimate,
            "dueDate": issue.due_date.map(|d| d.to_string()),
            "url": format!("{}/acme/issue/{}", self.origin, issue.identifier.to_lowercase()),
            "branchName": format!("{}-{}", issue.identifier.to_lowercase(), issue.number),
            "createdAt": iso(issue.created_at),
            "updatedAt": iso(issue.updated_at),
            "completedAt": issue.completed_at.map(iso),
            "canceledAt": issue.canceled_at.map(iso),
            "archivedAt": null,
            "trashed": null,
            "startedAt": null,
            "boardOrder": 0.0,
            "sortOrder": -(issue.number as f64),
            "prioritySortOrder": -(issue.number as f64),
            "customerTicketCount": 0,
            "inheritsSharedAccess": false,
            "previousIdentifiers": [],
            "reactionData": [],
            "reactions": [],
            "sharedAccess": {"isShared": false, "sharedWithCount": 0, "sharedWithUsers": [], "disallowedIssueFields": [], "viewerHasOnlySharedAccess": false},
            "state": self.state_json(state),
            "labels": {"nodes": labels, "pageInfo": {"hasNextPage": false, "hasPreviousPage": false, "startCursor": null, "endCursor": null}},
            "labelIds": issue.label_ids,
            "attachments": {
                "nodes": issue.attachments.iter().enumerate().map(|(n, a)| json!({
                    "__typename": "Attachment",
                    "id": seed::uuid(7, issue.number * 1000 + n as u64),
                    "title": a.title,
                    "url": a.url,
                    "createdAt": iso(issue.created_at),
                    "updatedAt": iso(issue.updated_at),
                })).collect::<Vec<_>>(),
                "pageInfo": {"hasNextPage": false, "hasPreviousPage": false, "startCursor": null, "endCursor": null},
            },
            "assignee": assignee,
            "creator": self.user_json(0),
            "team": self.team_json(),
        })
    }
}
