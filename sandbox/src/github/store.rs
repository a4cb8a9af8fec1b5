//! In-memory GitHub repository `acme/widgets`: issues and pull requests (one number space),
//! labels, milestones, comments, and the organisation's Projects v2 board, plus the JSON
//! shapes of the REST API (as in the recorded octokit fixtures).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::github::project::Project;
use crate::seed::{self, PEOPLE, SeedSize};
use crate::webhooks::{WebhookOutbox, WebhookStyle};

pub(crate) const OWNER: &str = "acme";
pub(crate) const REPO: &str = "widgets";
pub(crate) const REPO_ID: u64 = 481_516_234;

/// A GitHub issue or pull request, as stored. Edit it through
/// [`GitHubHandle::edit`](crate::GitHubHandle::edit).
#[derive(Debug, Clone, PartialEq)]
pub struct GitHubIssue {
    pub number: u64,
    pub id: u64,
    pub node_id: String,
    pub title: String,
    pub body: Option<String>,
    /// `open` or `closed`.
    pub state: String,
    /// `completed`, `not_planned`, `reopened` or none.
    pub state_reason: Option<String>,
    pub labels: Vec<String>,
    /// Logins.
    pub assignees: Vec<String>,
    pub milestone: Option<u64>,
    pub author: String,
    pub locked: bool,
    pub is_pull_request: bool,
    pub comments: Vec<GitHubComment>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GitHubComment {
    pub id: u64,
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Label {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) color: String,
    pub(crate) description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Milestone {
    pub(crate) number: u64,
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    pub(crate) due_on: Option<DateTime<Utc>>,
    pub(crate) created_at: DateTime<Utc>,
}

#[derive(Debug)]
pub(crate) struct GitHubStore {
    pub(crate) base: String,
    pub(crate) issues: BTreeMap<u64, GitHubIssue>,
    by_updated: BTreeSet<(i64, u64)>,
    pub(crate) labels: Vec<Label>,
    pub(crate) milestones: Vec<Milestone>,
    next_number: u64,
    next_id: u64,
    pub(crate) clock: Clock,
    pub(crate) project: Project,
    /// Open/closed issue counts per milestone; recomputed after a change.
    milestone_counts: RefCell<Option<HashMap<u64, (u64, u64)>>>,
    /// Where changes are delivered as webhooks, once a URL is registered.
    pub(crate) webhooks: WebhookOutbox,
}

pub(crate) fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn node_id(kind: &str, id: u64) -> String {
    format!("{kind}_kwDOHLx{id:010}")
}

pub(crate) fn user_json(base: &str, login: &str) -> Value {
    let id = PEOPLE
        .iter()
        .position(|p| p.1 == login)
        .map_or(9_000_000, |i| 9_000_001 + i as u64);
    json!({
        "login": login,
        "id": id,
        "node_id": node_id("U", id),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
        "gravatar_id": "",
        "url": format!("{base}/users/{login}"),
        "html_url": format!("https://github.com/{login}"),
        "followers_url": format!("{base}/users/{login}/followers"),
        "following_url": format!("{base}/users/{login}/following{{/other_user}}"),
        "gists_url": format!("{base}/users/{login}/gists{{/gist_id}}"),
        "starred_url": format!("{base}/users/{login}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{base}/users/{login}/subscriptions"),
        "organizations_url": format!("{base}/users/{login}/orgs"),
        "repos_url": format!("{base}/users/{login}/repos"),
        "events_url": format!("{base}/users/{login}/events{{/privacy}}"),
        "received_events_url": format!("{base}/users/{login}/received_events"),
        "type": "User",
        "site_admin": false
    })
}

pub(crate) fn is_known_login(login: &str) -> bool {
    PEOPLE.iter().any(|p| p.1 == login)
}

fn reactions(url: String) -> Value {
    json!({"url": url, "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0})
}

const LABEL_COLORS: [&str; 6] = ["0e8a16", "1d76db", "d73a4a", "fbca04", "5319e7", "0075ca"];

impl GitHubStore {
    pub(crate) fn new(base: String, size: SeedSize) -> Self {
        let epoch = seed::seed_epoch();
        let mut store = GitHubStore {
            base,
            issues: BTreeMap::new(),
            by_updated: BTreeSet::new(),
            labels: Vec::new(),
            milestones: vec![
                Milestone {
                    number: 1,
                    title: "v1.4".into(),
                    description: Some("Spring release".into()),
                    due_on: Some(epoch + TimeDelta::days(30)),
                    created_at: epoch - TimeDelta::days(60),
                },
                Milestone {
                    number: 2,
                    title: "v1.5".into(),
                    description: None,
                    due_on: Some(epoch + TimeDelta::days(90)),
                    created_at: epoch - TimeDelta::days(20),
                },
            ],
            next_number: 1,
            next_id: 1_100_000_000,
            clock: Clock::starting_after(epoch),
            project: Project::new(),
            milestone_counts: RefCell::new(None),
            webhooks: WebhookOutbox::new(WebhookStyle::GitHub),
        };
        for name in [
            "backend",
            "frontend",
            "bug",
            "customer",
            "performance",
            "docs",
        ] {
            store.label_or_create(name);
        }
        let (count, pulls) = match size {
            SeedSize::Examples => (10, vec![4, 9]),
            SeedSize::Items(n) => (n + 2, vec![n, n + 1]),
        };
        for (i, s) in seed::issues(count, 2).into_iter().enumerate() {
            let is_pull_request = pulls.contains(&i);
            let closed = s.status == 2;
            let number = store.next_number;
            store.next_number += 1;
            let id = store.next_id;
            store.next_id += 1;
            let issue = GitHubIssue {
                number,
                id,
                node_id: node_id(if is_pull_request { "PR" } else { "I" }, id),
                title: s.title,
                body: Some(s.paragraphs.join("\n\n")),
                state: if closed { "closed" } else { "open" }.into(),
                state_reason: closed.then(|| "completed".to_string()),
                labels: s.labels.iter().map(|l| l.to_string()).collect(),
                assignees: s
                    .assignee
                    .map(|p| vec![PEOPLE[p].1.to_string()])
                    .unwrap_or_default(),
                milestone: (i % 3 == 0).then_some(1 + (i as u64 / 3) % 2),
                author: PEOPLE[i % PEOPLE.len()].1.to_string(),
                locked: false,
                is_pull_request,
                comments: Vec::new(),
                created_at: s.created,
                updated_at: s.updated,
                closed_at: closed.then_some(s.updated),
            };
            store.clock.observe(s.updated);
            store
                .by_updated
                .insert((s.updated.timestamp_millis(), number));
            if !is_pull_request && (size == SeedSize::Examples || i < 1000) {
                store.project.add_seeded_item(&issue, i, s.updated);
            }
            store.issues.insert(number, issue);
        }
        store
    }

    pub(crate) fn label_or_create(&mut self, name: &str) -> Label {
        if let Some(l) = self
            .labels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
        {
            return l.clone();
        }
        let label = Label {
            id: 2_000_000 + self.labels.len() as u64,
            name: name.to_string(),
            color: LABEL_COLORS[self.labels.len() % LABEL_COLORS.len()].to_string(),
            description: None,
        };
        self.labels.push(label.clone());
        label
    }

    pub(crate) fn label_json(&self, label: &Label) -> Value {
        json!({
            "id": label.id,
            "node_id": node_id("LA", label.id),
            "url": format!("{}/repos/{OWNER}/{REPO}/labels/{}", self.base, crate::query_string::encode(&label.name)),
            "name": label.name,
            "color": label.color,
            "default": false,
            "description": label.description,
        })
    }

    fn label_by_name(&self, name: &str) -> Label {
        self.labels
            .iter()
            .find(|l| l.name == name)
            .cloned()
            .unwrap_or(Label {
                id: 0,
                name: name.into(),
                color: "ededed".into(),
                description: None,
            })
    }

    pub(crate) fn milestone_json(&self, m: &Milestone) -> Value {
        let base = &self.base;
        let number = m.number;
        let (open, closed) = self.milestone_counts(number);
        json!({
            "url": format!("{base}/repos/{OWNER}/{REPO}/milestones/{number}"),
            "html_url": format!("https://github.com/{OWNER}/{REPO}/milestone/{number}"),
            "labels_url": format!("{base}/repos/{OWNER}/{REPO}/milestones/{number}/labels"),
            "id": 3_000_000 + number,
            "node_id": node_id("MI", 3_000_000 + number),
            "number": number,
            "title": m.title,
            "description": m.description,
            "creator": user_json(base, PEOPLE[0].1),
            "open_issues": open,
            "closed_issues": closed,
            "state": "open",
            "created_at": iso(m.created_at),
            "updated_at": iso(m.created_at),
            "due_on": m.due_on.map(iso),
            "closed_at": null,
        })
    }

    fn milestone_counts(&self, number: u64) -> (u64, u64) {
        let mut cache = self.milestone_counts.borrow_mut();
        let counts = cache.get_or_insert_with(|| {
            let mut counts: HashMap<u64, (u64, u64)> = HashMap::new();
            for issue in self.issues.values() {
                if let Some(m) = issue.milestone {
                    let entry = counts.entry(m).or_default();
                    if issue.state == "open" {
                        entry.0 += 1;
                    } else {
                        entry.1 += 1;
                    }
                }
            }
            counts
        });
        counts.get(&number).copied().unwrap_or_default()
    }

    /// The REST representation of an issue (or pull request, with its `pull_request` key).
    pub(crate) fn issue_json(&self, issue: &GitHubIssue) -> Value {
        let base = &self.base;
        let n = issue.number;
        let repo_url = format!("{base}/repos/{OWNER}/{REPO}");
        let kind = if issue.is_pull_request {
            "pull"
        } else {
            "issues"
        };
        let assignees: Vec<Value> = issue.assignees.iter().map(|a| user_json(base, a)).collect();
        let mut v = json!({
            "url": format!("{repo_url}/issues/{n}"),
            "repository_url": repo_url,
            "labels_url": format!("{repo_url}/issues/{n}/labels{{/name}}"),
            "comments_url": format!("{repo_url}/issues/{n}/comments"),
            "events_url": format!("{repo_url}/issues/{n}/events"),
            "html_url": format!("https://github.com/{OWNER}/{REPO}/{kind}/{n}"),
            "id": issue.id,
            "node_id": issue.node_id,
            "number": n,
            "title": issue.title,
            "user": user_json(base, &issue.author),
            "labels": issue.labels.iter().map(|l| self.label_json(&self.label_by_name(l))).collect::<Vec<_>>(),
            "state": issue.state,
            "locked": issue.locked,
            "assignee": assignees.first().cloned().unwrap_or(Value::Null),
            "assignees": assignees,
            "milestone": issue.milestone.and_then(|m| self.milestones.iter().find(|x| x.number == m)).map_or(Value::Null, |m| self.milestone_json(m)),
            "comments": issue.comments.len(),
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": issue.closed_at.map(iso),
            "author_association": "MEMBER",
            "active_lock_reason": null,
            "body": issue.body,
            "reactions": reactions(format!("{repo_url}/issues/{n}/reactions")),
            "timeline_url": format!("{repo_url}/issues/{n}/timeline"),
            "performed_via_github_app": null,
            "state_reason": issue.state_reason,
        });
        if issue.is_pull_request
            && let Some(o) = v.as_object_mut()
        {
            o.insert("draft".into(), json!(false));
            o.insert(
                "pull_request".into(),
                json!({
                    "url": format!("{repo_url}/pulls/{n}"),
                    "html_url": format!("https://github.com/{OWNER}/{REPO}/pull/{n}"),
                    "diff_url": format!("https://github.com/{OWNER}/{REPO}/pull/{n}.diff"),
                    "patch_url": format!("https://github.com/{OWNER}/{REPO}/pull/{n}.patch"),
                    "merged_at": null
                }),
            );
        }
        v
    }

    pub(crate) fn comment_json(&self, issue: u64, c: &GitHubComment) -> Value {
        let repo_url = format!("{}/repos/{OWNER}/{REPO}", self.base);
        json!({
            "url": format!("{repo_url}/issues/comments/{}", c.id),
            "html_url": format!("https://github.com/{OWNER}/{REPO}/issues/{issue}#issuecomment-{}", c.id),
            "issue_url": format!("{repo_url}/issues/{issue}"),
            "id": c.id,
            "node_id": node_id("IC", c.id),
            "user": user_json(&self.base, &c.author),
            "created_at": iso(c.created_at),
            "updated_at": iso(c.updated_at),
            "author_association": "MEMBER",
            "body": c.body,
            "reactions": reactions(format!("{repo_url}/issues/comments/{}/reactions", c.id)),
            "performed_via_github_app": null,
        })
    }

    /// One page of issue numbers in listing order (`skip` then at most `take`), and how many
    /// issues the whole listing holds. `since` uses the `updated` index. Only the page is
    /// collected, and issues are looked up only when `filter` can drop one, so paging through
    /// a large repository costs a walk of the index per page, not a copy and a lookup of
    /// every issue.
    pub(crate) fn list(
        &self,
        since: Option<DateTime<Utc>>,
        sort_updated: bool,
        ascending: bool,
        filter: &IssueFilter,
        skip: usize,
        take: usize,
    ) -> (Vec<u64>, usize) {
        let window = ListWindow {
            store: self,
            filter,
            skip,
            take,
        };
        match since {
            Some(s) if sort_updated => window.collect(
                self.by_updated
                    .range((s.timestamp_millis(), 0)..)
                    .map(|&(_, n)| n),
                ascending,
            ),
            Some(s) => {
                let mut numbers: Vec<u64> = self
                    .by_updated
                    .range((s.timestamp_millis(), 0)..)
                    .map(|&(_, n)| n)
                    .collect();
                numbers.sort_unstable();
                window.collect(numbers.into_iter(), ascending)
            }
            None if sort_updated => {
                window.collect(self.by_updated.iter().map(|&(_, n)| n), ascending)
            }
            None => window.collect(self.issues.keys().copied(), ascending),
        }
    }

    /// Applies `change` to an issue and bumps `updated_at`.
    pub(crate) fn touch<R>(
        &mut self,
        number: u64,
        change: impl FnOnce(&mut GitHubIssue) -> R,
    ) -> Option<R> {
        let now = self.clock.tick();
        self.milestone_counts.replace(None);
        let issue = self.issues.get_mut(&number)?;
        let result = change(issue);
        self.by_updated
            .remove(&(issue.updated_at.timestamp_millis(), number));
        issue.updated_at = now;
        self.by_updated.insert((now.timestamp_millis(), number));
        self.emit_webhook(number, "edited");
        Some(result)
    }

    /// Delivers an `issues` event with `action` about issue `number` to the registered URL.
    fn emit_webhook(&self, number: u64, action: &str) {
        let Some(issue) = self.issues.get(&number) else {
            return;
        };
        self.webhooks.emit(
            Some("issues"),
            json!({
                "action": action,
                "issue": self.issue_json(issue),
                "repository": { "id": REPO_ID, "name": REPO, "full_name": format!("{OWNER}/{REPO}") },
                "sender": { "login": PEOPLE[0].1 },
            }),
        );
    }

    pub(crate) fn create(
        &mut self,
        title: String,
        body: Option<String>,
        labels: Vec<String>,
        assignees: Vec<String>,
        milestone: Option<u64>,
    ) -> u64 {
        let now = self.clock.tick();
        self.milestone_counts.replace(None);
        let number = self.next_number;
        self.next_number += 1;
        let id = self.next_id;
        self.next_id += 1;
        for l in &labels {
            self.label_or_create(l);
        }
        self.issues.insert(
            number,
            GitHubIssue {
                number,
                id,
                node_id: node_id("I", id),
                title,
                body,
                state: "open".into(),
                state_reason: None,
                labels,
                assignees,
                milestone,
                author: PEOPLE[0].1.to_string(),
                locked: false,
                is_pull_request: false,
                comments: Vec::new(),
                created_at: now,
                updated_at: now,
                closed_at: None,
            },
        );
        self.by_updated.insert((now.timestamp_millis(), number));
        self.emit_webhook(number, "opened");
        number
    }

    pub(crate) fn next_comment_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub(crate) fn issue_by_node_id(&self, node: &str) -> Option<&GitHubIssue> {
        self.issues.values().find(|i| i.node_id == node)
    }
}

/// Which issues a listing keeps: `state` is `open`, `closed` or `all`; an issue must carry
/// every label of `labels` (case-insensitive).
#[derive(Debug, Clone)]
pub(crate) struct IssueFilter {
    pub(crate) state: String,
    pub(crate) labels: Vec<String>,
}

impl IssueFilter {
    fn keeps_all(&self) -> bool {
        self.state == "all" && self.labels.is_empty()
    }

    fn keeps(&self, issue: &GitHubIssue) -> bool {
        (self.state == "all" || issue.state == self.state)
            && self
                .labels
                .iter()
                .all(|l| issue.labels.iter().any(|x| x.eq_ignore_ascii_case(l)))
    }
}

/// The page a listing asks for, taken from an ordered stream of issue numbers.
struct ListWindow<'a> {
    store: &'a GitHubStore,
    filter: &'a IssueFilter,
    skip: usize,
    take: usize,
}

impl ListWindow<'_> {
    fn collect(
        &self,
        numbers: impl DoubleEndedIterator<Item = u64>,
        ascending: bool,
    ) -> (Vec<u64>, usize) {
        if ascending {
            self.page(numbers)
        } else {
            self.page(numbers.rev())
        }
    }

    fn page(&self, numbers: impl Iterator<Item = u64>) -> (Vec<u64>, usize) {
        let keeps_all = self.filter.keeps_all();
        let mut page = Vec::with_capacity(self.take.min(100));
        let mut total = 0usize;
        for n in numbers {
            // Every number in the `updated` index and the issue map is an issue: only a
            // filter that can drop one needs to look at it.
            let kept = keeps_all
                || self
                    .store
                    .issues
                    .get(&n)
                    .is_some_and(|i| self.filter.keeps(i));
            if !kept {
                continue;
            }
            if total >= self.skip && page.len() < self.take {
                page.push(n);
            }
            total += 1;
        }
        (page, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every issue number the filter keeps, in listing order, the slow obvious way.
    fn reference(
        store: &GitHubStore,
        since: Option<DateTime<Utc>>,
        ascending: bool,
        filter: &IssueFilter,
    ) -> Vec<u64> {
        let mut issues: Vec<&GitHubIssue> = store
            .issues
            .values()
            .filter(|i| {
                since.is_none_or(|s| i.updated_at.timestamp_millis() >= s.timestamp_millis())
            })
            .filter(|i| filter.keeps(i))
            .collect();
        issues.sort_by_key(|i| (i.updated_at.timestamp_millis(), i.number));
        let mut numbers: Vec<u64> = issues.iter().map(|i| i.number).collect();
        if !ascending {
            numbers.reverse();
        }
        numbers
    }

    #[test]
    fn listing_pages_match_the_filtered_listing_and_count_all_of_it() {
        let store = GitHubStore::new("http://127.0.0.1:1".into(), SeedSize::Items(250));
        let since = store.issues.values().map(|i| i.updated_at).nth(40);
        let filters = [
            IssueFilter {
                state: "all".into(),
                labels: vec![],
            },
            IssueFilter {
                state: "closed".into(),
                labels: vec![],
            },
            IssueFilter {
                state: "all".into(),
                labels: vec!["BUG".into()],
            },
        ];
        for filter in &filters {
            for since in [None, since] {
                for ascending in [true, false] {
                    let expected = reference(&store, since, ascending, filter);
                    assert!(!expected.is_empty(), "{filter:?} keeps some issues");
                    let mut paged = Vec::new();
                    for page in 0..=(expected.len() / 30) {
                        let (numbers, total) =
                            store.list(since, true, ascending, filter, page * 30, 30);
                        assert_eq!(total, expected.len(), "{filter:?} since {since:?}");
                        paged.extend(numbers);
                    }
                    assert_eq!(
                        paged, expected,
                        "{filter:?} since {since:?} asc {ascending}"
                    );
                }
            }
        }
    }
}
