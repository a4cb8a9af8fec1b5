//! The objects of GitHub's GraphQL API that the sandbox serves (`schema.graphql` beside this
//! file): the query root (`organization`, `user`, `repository`, `viewer`, `rateLimit`,
//! `node`), the mutation root (`updateIssue`, `updateProjectV2ItemFieldValue`,
//! `clearProjectV2ItemFieldValue`, `addProjectV2ItemById`) and the objects below them,
//! answered from the store. Plain fields come from JSON; fields with arguments (connections,
//! `projectV2(number:)`, `issue(number:)`) are computed.

use std::cell::{Cell, RefCell};

use serde_json::{Map, Value, json};

use crate::faults::BudgetState;
use crate::github::project::{
    FieldKind, ORG, PROJECT_ID, PROJECT_NUMBER, ProjectField, ProjectFieldValue, ProjectItem,
};
use crate::github::store::{GitHubIssue, GitHubStore, OWNER, REPO, iso};
use crate::graphql::node::{Answer, Args, Connection, Failure, Node, Resolved, Window};
use crate::seed::PEOPLE;

/// The store for the length of one request; nodes borrow it field by field.
pub(crate) struct Context<'s> {
    pub(crate) store: RefCell<&'s mut GitHubStore>,
    /// A mutation changed state.
    pub(crate) wrote: Cell<bool>,
    /// The GraphQL budget as of this request.
    pub(crate) budget: Option<BudgetState>,
}

type Cx<'s> = &'s Context<'s>;

const MAX_PAGE: i64 = 100;
pub(crate) const ORG_NODE_ID: &str = "O_kgDOBpWdnw";
const REPO_NODE_ID: &str = "R_kgDOHLxHyg";
const CREATED: &str = "2023-01-09T10:00:00Z";

fn not_found(message: String) -> Failure {
    Failure::new("NOT_FOUND", message)
}

fn no_node(id: &str) -> Failure {
    not_found(format!(
        "Could not resolve to a node with the global id of '{id}'"
    ))
}

fn arg_str<'a>(args: &'a Args, name: &str) -> &'a str {
    args.get(name).and_then(Value::as_str).unwrap_or_default()
}

fn cursor(position: usize) -> String {
    hex::encode(format!("cursor:v2:{position}"))
}

fn decode_cursor(c: &str) -> Option<usize> {
    String::from_utf8(hex::decode(c).ok()?)
        .ok()?
        .strip_prefix("cursor:v2:")?
        .parse()
        .ok()
}

/// `first`/`last`/`after`/`before` of a connection over `total` elements, by GitHub's rules
/// (one of `first`/`last` required, at most 100).
fn window(args: &Args, connection: &str, total: usize) -> Result<Window, Failure> {
    let bound = |name: &str| -> Result<Option<usize>, Failure> {
        match args.get(name).and_then(Value::as_i64) {
            None => Ok(None),
            Some(n) if n > MAX_PAGE => Err(Failure::new(
                "EXCESSIVE_PAGINATION",
                format!(
                    "Requesting {n} records on the `{connection}` connection exceeds the `{name}` limit of 100 records."
                ),
            )),
            Some(n) if n < 0 => Err(Failure::new(
                "ARGUMENT_LIMIT",
                format!("`{name}` on the `{connection}` connection cannot be less than zero."),
            )),
            Some(n) => Ok(Some(n as usize)),
        }
    };
    let first = bound("first")?;
    let last = bound("last")?;
    if first.is_none() && last.is_none() {
        return Err(Failure::new(
            "MISSING_PAGINATION_BOUNDARIES",
            format!(
                "You must provide a `first` or `last` value to properly paginate the `{connection}` connection."
            ),
        ));
    }
    let position = |name: &str| -> Result<Option<usize>, Failure> {
        match args.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(c)) => decode_cursor(c).map(Some).ok_or_else(|| {
                Failure::new(
                    "INVALID_CURSOR_ARGUMENTS",
                    format!("`{c}` does not appear to be a valid cursor."),
                )
            }),
            Some(other) => Err(Failure::new(
                "INVALID_CURSOR_ARGUMENTS",
                format!("`{other}` does not appear to be a valid cursor."),
            )),
        }
    };
    let mut start = position("after")?.unwrap_or(0).min(total);
    let mut end = position("before")?
        .map_or(total, |p| p.saturating_sub(1))
        .min(total)
        .max(start);
    if let Some(first) = first {
        end = end.min(start + first);
    }
    if let Some(last) = last {
        start = start.max(end.saturating_sub(last));
    }
    Ok(Window {
        start,
        len: end - start,
    })
}

fn page<'s>(type_name: &str, all: Vec<Answer<'s>>, args: &Args, connection: &str) -> Resolved<'s> {
    let window = window(args, connection, all.len())?;
    Ok(Answer::node(Connection::page(
        type_name, all, window, cursor,
    )))
}

fn user_id(login: &str) -> String {
    let n = PEOPLE
        .iter()
        .position(|p| p.1 == login)
        .map_or(9_000_000, |i| 9_000_001 + i as u64);
    format!("U_kwDOHLx{n:010}")
}

fn user_json(login: &str) -> Value {
    let name = PEOPLE.iter().find(|p| p.1 == login).map(|p| p.0);
    json!({"__typename": "User", "id": user_id(login), "login": login, "name": name, "url": format!("https://github.com/{login}")})
}

fn label_json(store: &GitHubStore, name: &str) -> Value {
    let label = store
        .labels
        .iter()
        .find(|l| l.name.eq_ignore_ascii_case(name));
    json!({
        "__typename": "Label",
        "id": format!("LA_kwDOHLx{:010}", label.map_or(0, |l| l.id)),
        "name": name,
        "color": label.map_or("ededed", |l| l.color.as_str()),
        "description": label.and_then(|l| l.description.clone()),
    })
}

fn owner_json(login: &str) -> Value {
    if login.eq_ignore_ascii_case(ORG) {
        json!({"__typename": "Organization", "id": ORG_NODE_ID, "login": ORG, "name": "Acme Inc.", "url": format!("https://github.com/{ORG}")})
    } else {
        user_json(login)
    }
}

fn repository_json() -> Value {
    json!({
        "__typename": "Repository",
        "id": REPO_NODE_ID,
        "name": REPO,
        "nameWithOwner": format!("{OWNER}/{REPO}"),
        "url": format!("https://github.com/{OWNER}/{REPO}"),
        "description": "Widgets, the product",
        "isPrivate": false,
        "owner": owner_json(OWNER),
        "createdAt": CREATED,
        "updatedAt": CREATED,
    })
}

fn issue_json(issue: &GitHubIssue) -> Value {
    let url = format!(
        "https://github.com/{OWNER}/{REPO}/{}/{}",
        if issue.is_pull_request {
            "pull"
        } else {
            "issues"
        },
        issue.number
    );
    if issue.is_pull_request {
        return json!({
            "__typename": "PullRequest",
            "id": issue.node_id,
            "number": issue.number,
            "title": issue.title,
            "url": url,
            "state": issue.state.to_uppercase(),
            "closed": issue.state == "closed",
            "createdAt": iso(issue.created_at),
            "updatedAt": iso(issue.updated_at),
        });
    }
    json!({
        "__typename": "Issue",
        "id": issue.node_id,
        "number": issue.number,
        "title": issue.title,
        "body": issue.body.clone().unwrap_or_default(),
        "url": url,
        "state": issue.state.to_uppercase(),
        "stateReason": issue.state_reason.as_ref().map(|r| r.to_uppercase()),
        "closed": issue.state == "closed",
        "createdAt": iso(issue.created_at),
        "updatedAt": iso(issue.updated_at),
        "closedAt": issue.closed_at.map(iso),
        "repository": repository_json(),
    })
}

fn field_json(field: &ProjectField) -> Value {
    let (typename, data_type) = match &field.kind {
        FieldKind::Title => ("ProjectV2Field", "TITLE"),
        FieldKind::Assignees => ("ProjectV2Field", "ASSIGNEES"),
        FieldKind::Text => ("ProjectV2Field", "TEXT"),
        FieldKind::Number => ("ProjectV2Field", "NUMBER"),
        FieldKind::Date => ("ProjectV2Field", "DATE"),
        FieldKind::SingleSelect(_) => ("ProjectV2SingleSelectField", "SINGLE_SELECT"),
        FieldKind::Iteration(_) => ("ProjectV2IterationField", "ITERATION"),
    };
    let mut v = json!({"__typename": typename, "id": field.id, "name": field.name, "dataType": data_type, "createdAt": CREATED, "updatedAt": CREATED});
    match &field.kind {
        FieldKind::SingleSelect(options) => {
            v["options"] = options
                .iter()
                .map(|x| json!({"id": x.id, "name": x.name, "nameHTML": x.name, "color": x.color, "description": "", "descriptionHTML": ""}))
                .collect();
        }
        FieldKind::Iteration(iterations) => {
            let its: Vec<Value> = iterations
                .iter()
                .map(|i| json!({"id": i.id, "title": i.title, "titleHTML": i.title, "startDate": i.start_date.to_string(), "duration": i.duration}))
                .collect();
            v["configuration"] = json!({"duration": 14, "startDay": 1, "iterations": its, "completedIterations": []});
        }
        _ => {}
    }
    v
}

fn value_json(
    item: &ProjectItem,
    field: &ProjectField,
    issue: Option<&GitHubIssue>,
) -> Option<Value> {
    let mut v = json!({
        "id": format!("PVTFV_{}_{}", &item.id[5..], &field.id[field.id.len() - 4..]),
        "field": field_json(field),
        "createdAt": iso(item.created_at),
        "updatedAt": iso(item.updated_at),
    });
    let (typename, own) = match (&field.kind, item.values.get(&field.id)) {
        (FieldKind::Title, _) => ("ProjectV2ItemFieldTextValue", json!({"text": issue?.title})),
        (FieldKind::Text, Some(ProjectFieldValue::Text(t))) => {
            ("ProjectV2ItemFieldTextValue", json!({"text": t}))
        }
        (FieldKind::Number, Some(ProjectFieldValue::Number(n))) => {
            ("ProjectV2ItemFieldNumberValue", json!({"number": n}))
        }
        (FieldKind::Date, Some(ProjectFieldValue::Date(d))) => (
            "ProjectV2ItemFieldDateValue",
            json!({"date": d.to_string()}),
        ),
        (FieldKind::SingleSelect(options), Some(ProjectFieldValue::SingleSelect(id))) => {
            let option = options.iter().find(|o| &o.id == id)?;
            (
                "ProjectV2ItemFieldSingleSelectValue",
                json!({"name": option.name, "nameHTML": option.name, "optionId": option.id, "color": option.color, "description": ""}),
            )
        }
        (FieldKind::Iteration(its), Some(ProjectFieldValue::Iteration(id))) => {
            let it = its.iter().find(|i| &i.id == id)?;
            (
                "ProjectV2ItemFieldIterationValue",
                json!({"title": it.title, "titleHTML": it.title, "iterationId": it.id, "startDate": it.start_date.to_string(), "duration": it.duration}),
            )
        }
        _ => return None,
    };
    v["__typename"] = json!(typename);
    if let (Some(o), Value::Object(own)) = (v.as_object_mut(), own) {
        o.extend(own);
    }
    Some(v)
}

/// The JSON data of a node that keeps it in a `data: Value` field.
macro_rules! data_node {
    ($name:ident) => {
        impl $name<'_> {
            fn map(&self) -> Option<&Map<String, Value>> {
                self.data.as_object()
            }
        }
    };
}

/// The query root.
pub(crate) struct QueryRoot<'s> {
    pub(crate) cx: Cx<'s>,
}

impl<'s> Node<'s> for QueryRoot<'s> {
    fn type_name(&self) -> &str {
        "Query"
    }
    fn field(&self, name: &str, args: &Args) -> Option<Resolved<'s>> {
        let cx = self.cx;
        Some(match name {
            "organization" => {
                let login = arg_str(args, "login");
                if login.eq_ignore_ascii_case(ORG) {
                    Ok(Answer::node(Owner::new(cx, ORG)))
                } else {
                    Err(not_found(format!(
                        "Could not resolve to an Organization with the login of '{login}'."
                    )))
                }
            }
            "user" => {
                let login = arg_str(args, "login");
                if PEOPLE.iter().any(|p| p.1 == login) {
                    Ok(Answer::node(Owner::new(cx, login)))
                } else {
                    Err(not_found(format!(
                        "Could not resolve to a User with the login of '{login}'."
                    )))
                }
            }
            "viewer" => Ok(Answer::node(Owner::new(cx, PEOPLE[0].1))),
            "repository" => {
                let (owner, repo) = (arg_str(args, "owner"), arg_str(args, "name"));
                if owner.eq_ignore_ascii_case(OWNER) && repo.eq_ignore_ascii_case(REPO) {
                    Ok(Answer::node(Repository::new(cx)))
                } else {
                    Err(not_found(format!(
                        "Could not resolve to a Repository with the name '{owner}/{repo}'."
                    )))
                }
            }
            "rateLimit" => {
                let budget = cx.budget;
                Ok(Answer::Json(json!({
                    "__typename": "RateLimit",
                    "cost": 1,
                    "limit": budget.map_or(5000, |b| b.limit),
                    "nodeCount": 0,
                    "remaining": budget.map_or(5000, |b| b.remaining),
                    "used": budget.map_or(0, |b| b.used),
                    "resetAt": budget.map_or_else(|| CREATED.to_string(), |b| iso(b.reset_at)),
                })))
            }
            "node" => node_by_id(cx, arg_str(args, "id")),
            _ => return None,
        })
    }
    fn data(&self) -> Option<&Map<String, Value>> {
        None
    }
}

fn node_by_id<'s>(cx: Cx<'s>, id: &str) -> Resolved<'s> {
    let store = cx.store.borrow();
    if id == PROJECT_ID {
        return Ok(Answer::node(Project::new(cx, &store)));
    }
    if id == ORG_NODE_ID {
        return Ok(Answer::node(Owner::new(cx, ORG)));
    }
    if id == REPO_NODE_ID {
        return Ok(Answer::node(Repository::new(cx)));
    }
    if let Some(person) = PEOPLE.iter().find(|p| user_id(p.1) == id) {
        return Ok(Answer::node(Owner::new(cx, person.1)));
    }
    if let Some(pos) = store.project.position(id) {
        return Ok(Answer::node(Item::new(
            cx,
            store.project.items[pos].clone(),
        )));
    }
    if let Some(issue) = store.issue_by_node_id(id) {
        return Ok(Answer::node(Issue::new(cx, issue)));
    }
    Err(no_node(id))
}

/// An `Organization` or a `User` (both own projects; only the organization has one).
struct Owner<'s> {
    cx: Cx<'s>,
    data: Value,
}
data_node!(Owner);

impl<'s> Owner<'s> {
    fn new(cx: Cx<'s>, login: &str) -> Self {
        Owner {
            cx,
            data: owner_json(login),
        }
    }
}

impl<'s> Node<'s> for Owner<'s> {
    fn type_name(&self) -> &str {
        self.data["__typename"].as_str().unwrap_or("User")
    }
    fn field(&self, name: &str, args: &Args) -> Option<Resolved<'s>> {
        if name != "projectV2" {
            return None;
        }
        let number = args.get("number").and_then(Value::as_u64);
        Some(
            if self.type_name() == "Organization" && number == Some(PROJECT_NUMBER) {
                let store = self.cx.store.borrow();
                Ok(Answer::node(Project::new(self.cx, &store)))
            } else {
                let shown = number.map_or("null".to_string(), |n| n.to_string());
                Err(not_found(format!(
                    "Could not resolve to a ProjectV2 with the number {shown}."
                )))
            },
        )
    }
    fn data(&self) -> Option<&Map<String, Value>> {
        self.map()
    }
}

struct Repository<'s> {
    cx: Cx<'s>,
    data: Value,
}
data_node!(Repository);

impl<'s> Repository<'s> {
    fn new(cx: Cx<'s>) -> Self {
        Repository {
            cx,
            data: repository_json(),
        }
    }

    /// `issues(states:, labels:, filterBy:, orderBy:)`: the repository's issues (not pull
    /// requests), oldest first unless ordered otherwise.
    fn issues(&self, args: &Args) -> Resolved<'s> {
        let store = self.cx.store.borrow();
        let states = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_lowercase)
                        .collect()
                })
                .unwrap_or_default()
        };
        let labels = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let empty = Map::new();
        let filter_by = args
            .get("filterBy")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        if let Some(key) = filter_by
            .iter()
            .find(|(k, v)| {
                !v.is_null()
                    && !matches!(
                        k.as_str(),
                        "states" | "labels" | "since" | "assignee" | "viewerSubscribed"
                    )
            })
            .map(|(k, _)| k)
        {
            return Err(Failure::new(
                "UNPROCESSABLE",
                format!("the sandbox does not filter issues by `filterBy.{key}`"),
            ));
        }
        let mut wanted_states = states(args.get("states"));
        wanted_states.extend(states(filter_by.get("states")));
        let mut wanted_labels = labels(args.get("labels"));
        wanted_labels.extend(labels(filter_by.get("labels")));
        let assignee = filter_by.get("assignee").and_then(Value::as_str);
        let since = filter_by
            .get("since")
            .and_then(Value::as_str)
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
        let mut issues: Vec<&GitHubIssue> = store
            .issues
            .values()
            .filter(|i| !i.is_pull_request)
            .filter(|i| wanted_states.is_empty() || wanted_states.contains(&i.state))
            .filter(|i| {
                // `labels:` keeps issues with any of the labels, as on GitHub.
                wanted_labels.is_empty()
                    || i.labels
                        .iter()
                        .any(|l| wanted_labels.iter().any(|w| w.eq_ignore_ascii_case(l)))
            })
            .filter(|i| match assignee {
                None | Some("*") => true,
                Some("none") => i.assignees.is_empty(),
                Some(login) => i.assignees.iter().any(|a| a == login),
            })
            .filter(|i| since.is_none_or(|s| i.updated_at >= s))
            .collect();
        let order = args.get("orderBy");
        let field = order
            .and_then(|o| o["field"].as_str())
            .unwrap_or("CREATED_AT");
        match field {
            "UPDATED_AT" => issues.sort_by_key(|i| (i.updated_at, i.number)),
            "COMMENTS" => issues.sort_by_key(|i| (i.comments.len(), i.number)),
            _ => issues.sort_by_key(|i| (i.created_at, i.number)),
        }
        if order.and_then(|o| o["direction"].as_str()) == Some("DESC") {
            issues.reverse();
        }
        let window = window(args, "issues", issues.len())?;
        let all: Vec<Answer<'s>> = issues
            .into_iter()
            .enumerate()
            .map(|(k, i)| {
                // Only the page becomes objects; the rest stay placeholders.
                if k >= window.start && k < window.start + window.len {
                    Answer::node(Issue::new(self.cx, i))
                } else {
                    Answer::null()
                }
            })
            .collect();
        Ok(Answer::node(Connection::page(
            "IssueConnection",
            all,
            window,
            cursor,
        )))
    }
}

impl<'s> Node<'s> for Repository<'s> {
    fn type_name(&self) -> &str {
        "Repository"
    }
    fn field(&self, name: &str, args: &Args) -> Option<Resolved<'s>> {
        Some(match name {
            "issue" => {
                let store = self.cx.store.borrow();
                let number = args.get("number").and_then(Value::as_u64).unwrap_or(0);
                match store.issues.get(&number).filter(|i| !i.is_pull_request) {
                    Some(issue) => Ok(Answer::node(Issue::new(self.cx, issue))),
                    None => Err(not_found(format!(
                        "Could not resolve to an Issue with the number of {number}."
                    ))),
                }
            }
            "issues" => self.issues(args),
            "labels" => {
                let store = self.cx.store.borrow();
                let query = arg_str(args, "query").to_lowercase();
                let all = store
                    .labels
                    .iter()
                    .filter(|l| l.name.to_lowercase().contains(&query))
                    .map(|l| Answer::Json(label_json(&store, &l.name)))
                    .collect();
                page("LabelConnection", all, args, "labels")
            }
            _ => return None,
        })
    }
    fn data(&self) -> Option<&Map<String, Value>> {
        self.map()
    }
}

struct Issue<'s> {
    cx: Cx<'s>,
    node_id: String,
    labels: Vec<String>,
    assignees: Vec<String>,
    data: Value,
}
data_node!(Issue);

impl<'s> Issue<'s> {
    fn new(cx: Cx<'s>, issue: &GitHubIssue) -> Self {
        Issue {
            cx,
            node_id: issue.node_id.clone(),
            labels: issue.labels.clone(),
            assignees: issue.assignees.clone(),
            data: issue_json(issue),
        }
    }
}

impl<'s> Node<'s> for Issue<'s> {
    fn type_name(&self) -> &str {
        self.data["__typename"].as_str().unwrap_or("Issue")
    }
    fn field(&self, name: &str, args: &Args) -> Option<Resolved<'s>> {
        Some(match name {
            "labels" => {
                let store = self.cx.store.borrow();
                let all = self
                    .labels
                    .iter()
                    .map(|l| Answer::Json(label_json(&store, l)))
                    .collect();
                page("LabelConnection", all, args, "labels")
            }
            "assignees" => {
                let all = self
                    .assignees
                    .iter()
                    .map(|a| Answer::Json(user_json(a)))
                    .collect();
                page("UserConnection", all, args, "assignees")
            }
            "projectItems" => {
                let store = self.cx.store.borrow();
                let all = store
                    .project
                    .items
                    .iter()
                    .filter(|i| i.content_node_id == self.node_id)
                    .map(|i| Answer::node(Item::new(self.cx, i.clone())))
                    .collect();
                page("ProjectV2ItemConnection", all, args, "projectItems")
            }
            _ => return None,
        })
    }
    fn data(&self) -> Option<&Map<String, Value>> {
        self.map()
    }
}

struct Project<'s> {
    cx: Cx<'s>,
    data: Value,
}
data_node!(Project);

impl<'s> Project<'s> {
    fn new(cx: Cx<'s>, store: &GitHubStore) -> Self {
        Project {
            cx,
            data: json!({
                "__typename": "ProjectV2",
                "id": PROJECT_ID,
                "number": PROJECT_NUMBER,
                "title": store.project.title,
                "url": format!("https://github.com/orgs/{ORG}/projects/{PROJECT_NUMBER}"),
                "closed": false,
                "public": false,
                "shortDescription": "Roadmap of the widgets product",
                "createdAt": CREATED,
                "updatedAt": CREATED,
            }),
        }
    }
}

impl<'s> Node<'s> for Project<'s> {
    fn type_name(&self) -> &str {
        "ProjectV2"
    }
    fn field(&self, name: &str, args: &Args) -> Option<Resolved<'s>> {
        let store = self.cx.store.borrow();
        Some(match name {
            "fields" => {
                let all = store
                    .project
                    .fields
                    .iter()
                    .map(|f| Answer::Json(field_json(f)))
                    .collect();
                page("ProjectV2FieldConfigurationConnection", all, args, "fields")
            }
            "field" => {
                let wanted = arg_str(args, "name");
                Ok(store
                    .project
                    .fields
                    .iter()
                    .find(|f| f.name.eq_ignore_ascii_case(wanted))
                    .map_or(Answer::null(), |f| Answer::Json(field_json(f))))
            }
            "items" => {
                let query = arg_str(args, "query").trim();
                if !query.is_empty() {
                    return Some(Err(Failure::new(
                        "UNPROCESSABLE",
                        format!("the sandbox does not filter project items (query `{query}`)"),
                    )));
                }
                let items = &store.project.items;
                let window = match window(args, "items", items.len()) {
                    Ok(w) => w,
                    Err(e) => return Some(Err(e)),
                };
                let all = items
                    .iter()
                    .enumerate()
                    .map(|(k, i)| {
                        if k >= window.start && k < window.start + window.len {
                            Answer::node(Item::new(self.cx, i.clone()))
                        } else {
                            Answer::null()
                        }
                    })
                    .collect();
                Ok(Answer::node(Connection::page(
                    "ProjectV2ItemConnection",
                    all,
                    window,
                    cursor,
                )))
            }
            _ => return None,
        })
    }
    fn data(&self) -> Option<&Map<String, Value>> {
        self.map()
    }
}

struct Item<'s> {
    cx: Cx<'s>,
    item: ProjectItem,
    data: Value,
}
data_node!(Item);

impl<'s> Item<'s> {
    fn new(cx: Cx<'s>, item: ProjectItem) -> Self {
        let store = cx.store.borrow();
        let issue = store.issue_by_node_id(&item.content_node_id);
        let data = json!({
            "__typename": "ProjectV2Item",
            "id": item.id,
            "type": if issue.is_some_and(|i| i.is_pull_request) { "PULL_REQUEST" } else { "ISSUE" },
            "isArchived": false,
            "createdAt": iso(item.created_at),
            "updatedAt": iso(item.updated_at),
        });
        drop(store);
        Item { cx, item, data }
    }
}

impl<'s> Node<'s> for Item<'s> {
    fn type_name(&self) -> &str {
        "ProjectV2Item"
    }
    fn field(&self, name: &str, args: &Args) -> Option<Resolved<'s>> {
        let store = self.cx.store.borrow();
        let issue = store.issue_by_node_id(&self.item.content_node_id);
        Some(match name {
            "content" => Ok(issue.map_or(Answer::null(), |i| Answer::node(Issue::new(self.cx, i)))),
            "project" => Ok(Answer::node(Project::new(self.cx, &store))),
            "fieldValues" => {
                let all = store
                    .project
                    .fields
                    .iter()
                    .filter_map(|f| value_json(&self.item, f, issue))
                    .map(Answer::Json)
                    .collect();
                page(
                    "ProjectV2ItemFieldValueConnection",
                    all,
                    args,
                    "fieldValues",
                )
            }
            _ => return None,
        })
    }
    fn data(&self) -> Option<&Map<String, Value>> {
        self.map()
    }
}

/// The mutation root; each field changes the store, then answers from it.
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
        let client_mutation_id = input
            .get("clientMutationId")
            .cloned()
            .unwrap_or(Value::Null);
        let result = match name {
            "updateIssue" => self.update_issue(input),
            "updateProjectV2ItemFieldValue" | "clearProjectV2ItemFieldValue" => {
                self.change_field_value(input, name == "clearProjectV2ItemFieldValue")
            }
            "addProjectV2ItemById" => self.add_item(input),
            _ => return None,
        };
        Some(result.map(|(key, answer)| {
            Answer::node(Payload {
                type_name: format!("{}{}Payload", name[..1].to_uppercase(), &name[1..]),
                client_mutation_id,
                key,
                answer,
            })
        }))
    }
    fn data(&self) -> Option<&Map<String, Value>> {
        None
    }
}

fn text(input: &Map<String, Value>, name: &str) -> String {
    input
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl<'s> MutationRoot<'s> {
    fn update_issue(
        &self,
        input: &Map<String, Value>,
    ) -> Result<(&'static str, Answer<'s>), Failure> {
        let id = text(input, "id");
        let mut store = self.cx.store.borrow_mut();
        let Some(number) = store
            .issue_by_node_id(&id)
            .filter(|i| !i.is_pull_request)
            .map(|i| i.number)
        else {
            return Err(no_node(&id));
        };
        let mut labels = None;
        if let Some(ids) = input.get("labelIds").and_then(Value::as_array) {
            let mut names = Vec::new();
            for label_id in ids.iter().filter_map(Value::as_str) {
                let Some(label) = store
                    .labels
                    .iter()
                    .find(|l| format!("LA_kwDOHLx{:010}", l.id) == label_id)
                else {
                    return Err(no_node(label_id));
                };
                names.push(label.name.clone());
            }
            labels = Some(names);
        }
        let mut assignees = None;
        if let Some(ids) = input.get("assigneeIds").and_then(Value::as_array) {
            let mut logins = Vec::new();
            for user in ids.iter().filter_map(Value::as_str) {
                let Some(person) = PEOPLE.iter().find(|p| user_id(p.1) == user) else {
                    return Err(no_node(user));
                };
                logins.push(person.1.to_string());
            }
            assignees = Some(logins);
        }
        let title = input
            .get("title")
            .and_then(Value::as_str)
            .map(str::to_string);
        if title.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(Failure::new("UNPROCESSABLE", "Title can't be blank"));
        }
        let body = input
            .get("body")
            .and_then(Value::as_str)
            .map(str::to_string);
        let state = input
            .get("state")
            .and_then(Value::as_str)
            .map(str::to_lowercase);
        store.touch(number, |issue| {
            if let Some(title) = title {
                issue.title = title;
            }
            if let Some(body) = body {
                issue.body = Some(body);
            }
            if let Some(labels) = labels {
                issue.labels = labels;
            }
            if let Some(assignees) = assignees {
                issue.assignees = assignees;
            }
            if let Some(state) = state.filter(|s| *s != issue.state) {
                issue.state_reason = Some(
                    if state == "closed" {
                        "completed"
                    } else {
                        "reopened"
                    }
                    .into(),
                );
                issue.state = state;
            }
        });
        if let Some(issue) = store.issues.get_mut(&number) {
            // Closed as of this change (`touch` just stamped `updated_at`).
            issue.closed_at = match (issue.state.as_str(), issue.closed_at) {
                ("closed", None) => Some(issue.updated_at),
                ("closed", kept) => kept,
                _ => None,
            };
        }
        self.cx.wrote.set(true);
        let issue = store.issues.get(&number).map(|i| Issue::new(self.cx, i));
        drop(store);
        Ok(("issue", issue.map_or(Answer::null(), Answer::node)))
    }

    fn change_field_value(
        &self,
        input: &Map<String, Value>,
        clear: bool,
    ) -> Result<(&'static str, Answer<'s>), Failure> {
        let project_id = text(input, "projectId");
        if project_id != PROJECT_ID {
            return Err(no_node(&project_id));
        }
        let (item_id, field_id) = (text(input, "itemId"), text(input, "fieldId"));
        let mut store = self.cx.store.borrow_mut();
        let Some(pos) = store.project.position(&item_id) else {
            return Err(no_node(&item_id));
        };
        let Some(field) = store.project.field(&field_id).cloned() else {
            return Err(no_node(&field_id));
        };
        let new_value = if clear {
            if matches!(field.kind, FieldKind::Title | FieldKind::Assignees) {
                return Err(Failure::new(
                    "UNPROCESSABLE",
                    format!("The field '{}' cannot be cleared.", field.name),
                ));
            }
            None
        } else {
            let empty = Map::new();
            let value = input
                .get("value")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            Some(checked_value(&field, value).map_err(|m| Failure::new("UNPROCESSABLE", m))?)
        };
        let now = store.clock.tick();
        if let Some(item) = store.project.item_mut(&item_id) {
            match new_value {
                Some(v) => item.values.insert(field_id, v),
                None => item.values.remove(&field_id),
            };
            item.updated_at = now;
        }
        self.cx.wrote.set(true);
        let item = store.project.items[pos].clone();
        drop(store);
        Ok(("projectV2Item", Answer::node(Item::new(self.cx, item))))
    }

    fn add_item(&self, input: &Map<String, Value>) -> Result<(&'static str, Answer<'s>), Failure> {
        let project_id = text(input, "projectId");
        if project_id != PROJECT_ID {
            return Err(no_node(&project_id));
        }
        let content_id = text(input, "contentId");
        let mut store = self.cx.store.borrow_mut();
        if store.issue_by_node_id(&content_id).is_none() {
            return Err(no_node(&content_id));
        }
        let existed = store.project.item_for_content(&content_id).is_some();
        let now = store.clock.tick();
        let item = store.project.add(&content_id, now).clone();
        if !existed {
            self.cx.wrote.set(true);
        }
        drop(store);
        Ok(("item", Answer::node(Item::new(self.cx, item))))
    }
}

/// A mutation's payload: `clientMutationId` and the changed object under `key`.
struct Payload<'s> {
    type_name: String,
    client_mutation_id: Value,
    key: &'static str,
    answer: Answer<'s>,
}

impl<'s> Node<'s> for Payload<'s> {
    fn type_name(&self) -> &str {
        &self.type_name
    }
    fn field(&self, name: &str, _args: &Args) -> Option<Resolved<'s>> {
        if name == "clientMutationId" {
            return Some(Ok(Answer::Json(self.client_mutation_id.clone())));
        }
        (name == self.key).then(|| {
            Ok(match &self.answer {
                Answer::Node(n) => Answer::Node(n.clone()),
                Answer::Json(v) => Answer::Json(v.clone()),
                Answer::List(_) => Answer::null(),
            })
        })
    }
    fn data(&self) -> Option<&Map<String, Value>> {
        None
    }
}

/// Checks a field value against the field's type; the error text follows GitHub's.
fn checked_value(
    field: &ProjectField,
    value: &Map<String, Value>,
) -> Result<ProjectFieldValue, String> {
    let given: Vec<&String> = value
        .keys()
        .filter(|k| !value[k.as_str()].is_null())
        .collect();
    if given.len() != 1 {
        return Err(
            "Exactly one of text, number, date, singleSelectOptionId or iterationId must be given."
                .into(),
        );
    }
    let kind = given[0].as_str();
    let v = &value[kind];
    match (&field.kind, kind) {
        (FieldKind::Text, "text") => v
            .as_str()
            .map(|t| ProjectFieldValue::Text(t.to_string()))
            .ok_or_else(|| "text must be a string".into()),
        (FieldKind::Number, "number") => v
            .as_f64()
            .map(ProjectFieldValue::Number)
            .ok_or_else(|| "number must be a Float".into()),
        (FieldKind::Date, "date") => v
            .as_str()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(ProjectFieldValue::Date)
            .ok_or_else(|| {
                format!(
                    "Argument 'date' on InputObject 'ProjectV2FieldValue' has an invalid value ({v}). Expected type 'Date'."
                )
            }),
        (FieldKind::SingleSelect(options), "singleSelectOptionId") => {
            let id = v.as_str().unwrap_or_default();
            if options.iter().any(|o| o.id == id) {
                Ok(ProjectFieldValue::SingleSelect(id.to_string()))
            } else {
                Err(format!("The single select option Id '{id}' does not belong to the field"))
            }
        }
        (FieldKind::Iteration(its), "iterationId") => {
            let id = v.as_str().unwrap_or_default();
            if its.iter().any(|i| i.id == id) {
                Ok(ProjectFieldValue::Iteration(id.to_string()))
            } else {
                Err(format!("The iteration Id '{id}' does not belong to the field"))
            }
        }
        (FieldKind::Title | FieldKind::Assignees, _) => Err(format!(
            "The field '{}' cannot be updated with updateProjectV2ItemFieldValue; change the issue instead.",
            field.name
        )),
        (_, kind) => Err(format!(
            "Did not receive a {} value to update a field of type {}",
            expected(field),
            kind
        )),
    }
}

fn expected(field: &ProjectField) -> &'static str {
    match field.kind {
        FieldKind::Text | FieldKind::Title => "text",
        FieldKind::Number => "number",
        FieldKind::Date => "date",
        FieldKind::SingleSelect(_) => "single select option id",
        FieldKind::Iteration(_) => "iteration id",
        FieldKind::Assignees => "assignees",
    }
}
