//! The objects of Linear's GraphQL API that the sandbox serves (`schema.graphql` beside this
//! file). Every object is an [`Entity`]: JSON data from the store plus the fields that take
//! arguments or lead to other entities (`team`, `state`, connections), computed when selected.

use std::cell::{Cell, RefCell};
use std::ops::Bound;

use serde_json::{Map, Value, json};

use crate::graphql::node::{Answer, Args, Connection, Failure, Node, Resolved, Window};
use crate::linear::filter;
use crate::linear::input::{apply_input, new_issue};
use crate::linear::store::{LABELS, LinearIssue, LinearStore, STATES, TEAM_KEY, team_id};
use crate::seed::PEOPLE;

/// The store for the length of one request.
pub(crate) struct Context<'s> {
    pub(crate) store: RefCell<&'s mut LinearStore>,
    pub(crate) wrote: Cell<bool>,
}

type Cx<'s> = &'s Context<'s>;

/// Linear's default and largest page.
const DEFAULT_FIRST: usize = 50;
const MAX_FIRST: usize = 250;

pub(crate) fn invalid(message: impl Into<String>) -> Failure {
    Failure::new("INVALID_INPUT", message)
}

fn not_found(entity: &str) -> Failure {
    Failure::new(
        "ENTITY_NOT_FOUND",
        format!("Could not find referenced {entity}."),
    )
}

fn hex_cursor(position: usize) -> String {
    hex::encode(format!("pos:{position}"))
}

fn decode_hex_cursor(c: &str) -> Option<usize> {
    String::from_utf8(hex::decode(c).ok()?)
        .ok()?
        .strip_prefix("pos:")?
        .parse()
        .ok()
}

fn count(args: &Args, name: &str) -> Result<Option<usize>, Failure> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .filter(|n| *n >= 0)
            .map(|n| Some((n as usize).min(MAX_FIRST)))
            .ok_or_else(|| invalid(format!("`{name}` must be a non-negative Int, got {v}"))),
    }
}

/// `first`/`after`/`last`/`before` over a short list (positions as cursors).
fn window(args: &Args, total: usize) -> Result<Window, Failure> {
    let position = |name: &str| -> Result<Option<usize>, Failure> {
        match args.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(c)) => decode_hex_cursor(c)
                .map(Some)
                .ok_or_else(|| invalid(format!("Invalid cursor: {c}"))),
            Some(other) => Err(invalid(format!("Invalid cursor: {other}"))),
        }
    };
    let mut start = position("after")?.unwrap_or(0).min(total);
    let mut end = position("before")?
        .map_or(total, |p| p.saturating_sub(1))
        .min(total)
        .max(start);
    let (first, last) = (count(args, "first")?, count(args, "last")?);
    if first.is_some() || last.is_none() {
        end = end.min(start + first.unwrap_or(DEFAULT_FIRST));
    }
    if let Some(last) = last {
        start = start.max(end.saturating_sub(last));
    }
    Ok(Window {
        start,
        len: end - start,
    })
}

/// A page of `items` kept by the `filter` argument.
fn page<'s>(cx: Cx<'s>, type_name: &str, items: Vec<Value>, args: &Args) -> Resolved<'s> {
    let mut kept = Vec::new();
    match args.get("filter").and_then(Value::as_object) {
        Some(f) => {
            for item in items {
                if filter::matches(&item, f).map_err(invalid)? {
                    kept.push(item);
                }
            }
        }
        None => kept = items,
    }
    let window = window(args, kept.len())?;
    let all = kept.into_iter().map(|v| Entity::answer(cx, v)).collect();
    Ok(Answer::node(Connection::page(
        type_name, all, window, hex_cursor,
    )))
}

/// One object of the schema.
pub(crate) struct Entity<'s> {
    cx: Cx<'s>,
    type_name: String,
    data: Map<String, Value>,
}

impl<'s> Entity<'s> {
    /// Objects become entities (so their related objects and connections resolve); other
    /// JSON stays JSON.
    pub(crate) fn answer(cx: Cx<'s>, value: Value) -> Answer<'s> {
        match value {
            Value::Object(data) if data.contains_key("__typename") => {
                let type_name = data["__typename"].as_str().unwrap_or_default().to_string();
                Answer::node(Entity {
                    cx,
                    type_name,
                    data,
                })
            }
            other => Answer::Json(other),
        }
    }
}

impl<'s> Node<'s> for Entity<'s> {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn field(&self, name: &str, args: &Args) -> Option<Resolved<'s>> {
        let cx = self.cx;
        let store = cx.store.borrow();
        let all = |f: fn(&LinearStore, usize) -> Value, n: usize| -> Vec<Value> {
            (0..n).map(|i| f(&store, i)).collect()
        };
        Some(match (self.type_name.as_str(), name) {
            ("Team", "states") => page(
                cx,
                "WorkflowStateConnection",
                all(LinearStore::state_json, STATES.len()),
                args,
            ),
            ("Team", "labels") => page(
                cx,
                "IssueLabelConnection",
                all(LinearStore::label_json, LABELS.len()),
                args,
            ),
            ("Team", "members") | ("Organization", "users") => page(
                cx,
                "UserConnection",
                all(LinearStore::user_json, PEOPLE.len()),
                args,
            ),
            ("Organization", "teams") => page(cx, "TeamConnection", vec![store.team_json()], args),
            ("Issue", "labels") => {
                let labels = self.data["labelIds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|id| {
                        (0..LABELS.len()).find(|&i| crate::linear::store::label_id(i) == *id)
                    })
                    .map(|i| store.label_json(i))
                    .collect();
                page(cx, "IssueLabelConnection", labels, args)
            }
            ("Issue", "children") => page(cx, "IssueConnection", Vec::new(), args),
            ("Issue", "comments") => page(cx, "CommentConnection", Vec::new(), args),
            ("Issue", "subscribers") => {
                let creator = self.data.get("creator").cloned().into_iter().collect();
                page(cx, "UserConnection", creator, args)
            }
            _ => match self.data.get(name) {
                Some(v @ Value::Object(o)) if o.contains_key("__typename") => {
                    Ok(Entity::answer(cx, v.clone()))
                }
                _ => return None,
            },
        })
    }

    fn data(&self) -> Option<&Map<String, Value>> {
        Some(&self.data)
    }
}

pub(crate) struct QueryRoot<'s> {
    pub(crate) cx: Cx<'s>,
}

impl<'s> Node<'s> for QueryRoot<'s> {
    fn type_name(&self) -> &str {
        "Query"
    }

    fn field(&self, name: &str, args: &Args) -> Option<Resolved<'s>> {
        let cx = self.cx;
        let store = cx.store.borrow();
        let id = args.get("id").and_then(Value::as_str).unwrap_or_default();
        let all = |f: fn(&LinearStore, usize) -> Value, n: usize| -> Vec<Value> {
            (0..n).map(|i| f(&store, i)).collect()
        };
        Some(match name {
            "issues" => issues(cx, &store, args),
            "issue" => match store.find(id) {
                Some(issue) => Ok(Entity::answer(cx, store.issue_json(issue))),
                None => Err(not_found("Issue")),
            },
            "workflowStates" => page(
                cx,
                "WorkflowStateConnection",
                all(LinearStore::state_json, STATES.len()),
                args,
            ),
            "issueLabels" => page(
                cx,
                "IssueLabelConnection",
                all(LinearStore::label_json, LABELS.len()),
                args,
            ),
            "users" => page(
                cx,
                "UserConnection",
                all(LinearStore::user_json, PEOPLE.len()),
                args,
            ),
            "teams" => page(cx, "TeamConnection", vec![store.team_json()], args),
            "projects" => page(cx, "ProjectConnection", store.projects_json(), args),
            "cycles" => page(cx, "CycleConnection", store.cycles_json(), args),
            "team" if id == team_id() || id.eq_ignore_ascii_case(TEAM_KEY) => {
                Ok(Entity::answer(cx, store.team_json()))
            }
            "team" => Err(not_found("Team")),
            "viewer" => Ok(Entity::answer(cx, store.user_json(0))),
            "organization" => Ok(Entity::answer(cx, store.organization_json())),
            _ => return None,
        })
    }

    fn data(&self) -> Option<&Map<String, Value>> {
        None
    }
}

fn issue_cursor(primary: i64, number: u64) -> String {
    hex::encode(format!("{primary}:{number}"))
}

fn decode_issue_cursor(c: &str) -> Option<(i64, u64)> {
    let text = String::from_utf8(hex::decode(c).ok()?).ok()?;
    let (a, b) = text.split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// `issues`: newest first by `createdAt` (default) or `updatedAt`, forward pages only; walks
/// the store's indexes, so a page costs what it skips and keeps, not the whole workspace.
fn issues<'s>(cx: Cx<'s>, store: &LinearStore, args: &Args) -> Resolved<'s> {
    if args.get("last").is_some_and(|v| !v.is_null())
        || args.get("before").is_some_and(|v| !v.is_null())
    {
        return Err(invalid(
            "the sandbox pages issues forward only (first/after)",
        ));
    }
    let first = count(args, "first")?.unwrap_or(DEFAULT_FIRST);
    let by_updated = args.get("orderBy").and_then(Value::as_str) == Some("updatedAt");
    let empty = Map::new();
    let filter = args
        .get("filter")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let after = match args.get("after") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => {
            Some(decode_issue_cursor(c).ok_or_else(|| invalid(format!("Invalid cursor: {c}")))?)
        }
        Some(other) => return Err(invalid(format!("Invalid cursor: {other}"))),
    };
    // A lower bound on updatedAt lets the walk of the updated index stop early.
    let lower = filter
        .get("updatedAt")
        .and_then(|u| u.get("gte").or_else(|| u.get("gt")))
        .and_then(Value::as_str)
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.timestamp_millis());
    let mut kept: Vec<(u64, String)> = Vec::new();
    let mut has_next = false;
    let mut consider = |issue: &LinearIssue, primary: i64| -> Result<bool, Failure> {
        if !filter::matches(&store.filter_view(issue), filter).map_err(invalid)? {
            return Ok(true);
        }
        if kept.len() == first {
            has_next = true;
            return Ok(false);
        }
        kept.push((issue.number, issue_cursor(primary, issue.number)));
        Ok(true)
    };
    if by_updated {
        let end = after.map_or(Bound::Unbounded, |(ms, n)| Bound::Excluded((ms, n)));
        for &(ms, number) in store.by_updated.range((Bound::Unbounded, end)).rev() {
            if lower.is_some_and(|l| ms < l) {
                break;
            }
            let Some(issue) = store.issues.get(&number) else {
                continue;
            };
            if !consider(issue, ms)? {
                break;
            }
        }
    } else {
        let end = after.map_or(Bound::Unbounded, |(_, n)| Bound::Excluded(n));
        for (_, issue) in store.issues.range((Bound::Unbounded, end)).rev() {
            if !consider(issue, issue.number as i64)? {
                break;
            }
        }
    }
    let cursors: Vec<String> = kept.iter().map(|(_, c)| c.clone()).collect();
    let nodes = kept
        .into_iter()
        .filter_map(|(number, _)| store.issues.get(&number))
        .map(|issue| Entity::answer(cx, store.issue_json(issue)))
        .collect();
    Ok(Answer::node(Connection {
        type_name: "IssueConnection".into(),
        nodes,
        cursors,
        has_next,
        has_previous: after.is_some(),
        total: 0,
    }))
}

pub(crate) struct MutationRoot<'s> {
    pub(crate) cx: Cx<'s>,
}

impl<'s> Node<'s> for MutationRoot<'s> {
    fn type_name(&self) -> &str {
        "Mutation"
    }

    fn field(&self, name: &str, args: &Args) -> Option<Resolved<'s>> {
        let empty = Map::new();
        let input = args
            .get("input")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut store = self.cx.store.borrow_mut();
        let number = match name {
            "issueCreate" => {
                let mut issue = new_issue();
                if let Err(m) = apply_input(input, &mut issue, true) {
                    return Some(Err(invalid(m)));
                }
                if !issue.id.is_empty() && store.find(&issue.id).is_some() {
                    return Some(Err(invalid(format!(
                        "an issue with id {} already exists",
                        issue.id
                    ))));
                }
                store.create(issue)
            }
            "issueUpdate" => {
                let id = args.get("id").and_then(Value::as_str).unwrap_or_default();
                let Some(mut candidate) = store.find(id).cloned() else {
                    return Some(Err(not_found("Issue")));
                };
                if let Err(m) = apply_input(input, &mut candidate, false) {
                    return Some(Err(invalid(m)));
                }
                let number = candidate.number;
                store.touch(number, |issue| {
                    let updated_at = issue.updated_at;
                    *issue = candidate;
                    issue.updated_at = updated_at;
                });
                number
            }
            _ => return None,
        };
        self.cx.wrote.set(true);
        let issue = store
            .issues
            .get(&number)
            .map_or(Value::Null, |i| store.issue_json(i));
        let payload = json!({"__typename": "IssuePayload", "success": true, "lastSyncId": store.last_sync_id as f64, "issue": issue});
        drop(store);
        Some(Ok(Entity::answer(self.cx, payload)))
    }

    fn data(&self) -> Option<&Map<String, Value>> {
        None
    }
}
