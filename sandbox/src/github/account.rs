//! The calls a GitHub client makes first: the repository (`GET /repos/{owner}/{repo}`, also
//! by id as `GET /repositories/{id}`), the authenticated user (`GET /user`) and the rate-limit
//! overview (`GET /rate_limit`, which, as on GitHub, does not spend the `core` budget).
//! Shapes follow the recorded octokit fixtures and the OpenAPI description.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::github::rest::{GitHubState, not_found};
use crate::github::store::{GitHubStore, OWNER, REPO, REPO_ID, iso, user_json};
use crate::platform::{json_response, lock};
use crate::seed::{self, PEOPLE};

type St = State<Arc<GitHubState>>;

/// The login of the token's user: the first seeded person, who also authors sandbox comments.
pub(crate) fn authenticated_login() -> &'static str {
    PEOPLE[0].1
}

/// The organisation `acme` as a repository owner.
fn organization_json(base: &str) -> Value {
    let mut owner = user_json(base, OWNER);
    if let Some(o) = owner.as_object_mut() {
        o.insert("id".into(), json!(ORG_ID));
        o.insert("node_id".into(), json!(format!("O_kgDOB{ORG_ID}")));
        o.insert(
            "avatar_url".into(),
            json!(format!(
                "https://avatars.githubusercontent.com/u/{ORG_ID}?v=4"
            )),
        );
        o.insert("type".into(), json!("Organization"));
    }
    owner
}

const ORG_ID: u64 = 8_800_001;

/// The repository's API URL templates: (key, suffix after the repository URL).
const URL_TEMPLATES: [(&str, &str); 36] = [
    ("forks_url", "/forks"),
    ("keys_url", "/keys{/key_id}"),
    ("collaborators_url", "/collaborators{/collaborator}"),
    ("teams_url", "/teams"),
    ("hooks_url", "/hooks"),
    ("issue_events_url", "/issues/events{/number}"),
    ("events_url", "/events"),
    ("assignees_url", "/assignees{/user}"),
    ("branches_url", "/branches{/branch}"),
    ("tags_url", "/tags"),
    ("blobs_url", "/git/blobs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"),
    ("trees_url", "/git/trees{/sha}"),
    ("statuses_url", "/statuses/{sha}"),
    ("languages_url", "/languages"),
    ("stargazers_url", "/stargazers"),
    ("contributors_url", "/contributors"),
    ("subscribers_url", "/subscribers"),
    ("subscription_url", "/subscription"),
    ("commits_url", "/commits{/sha}"),
    ("git_commits_url", "/git/commits{/sha}"),
    ("comments_url", "/comments{/number}"),
    ("issue_comment_url", "/issues/comments{/number}"),
    ("contents_url", "/contents/{+path}"),
    ("compare_url", "/compare/{base}...{head}"),
    ("merges_url", "/merges"),
    ("archive_url", "/{archive_format}{/ref}"),
    ("downloads_url", "/downloads"),
    ("issues_url", "/issues{/number}"),
    ("pulls_url", "/pulls{/number}"),
    ("milestones_url", "/milestones{/number}"),
    (
        "notifications_url",
        "/notifications{?since,all,participating}",
    ),
    ("labels_url", "/labels{/name}"),
    ("releases_url", "/releases{/id}"),
    ("deployments_url", "/deployments"),
];

fn repository_json(store: &GitHubStore) -> Value {
    let base = &store.base;
    let url = format!("{base}/repos/{OWNER}/{REPO}");
    let html = format!("https://github.com/{OWNER}/{REPO}");
    let created = seed::seed_epoch() - chrono::TimeDelta::days(400);
    let open_issues = store.issues.values().filter(|i| i.state == "open").count();
    let updated = store
        .issues
        .values()
        .map(|i| i.updated_at)
        .max()
        .unwrap_or(created);
    let mut repository = json!({
        "id": REPO_ID,
        "node_id": format!("R_kgDOHLx{REPO_ID}"),
        "name": REPO,
        "full_name": format!("{OWNER}/{REPO}"),
        "private": false,
        "owner": organization_json(base),
        "html_url": html,
        "description": "Widgets, the sandbox's example repository",
        "fork": false,
        "url": url,
    });
    let settings = json!({
        "created_at": iso(created),
        "updated_at": iso(updated),
        "pushed_at": iso(updated),
        "git_url": format!("git://github.com/{OWNER}/{REPO}.git"),
        "ssh_url": format!("git@github.com:{OWNER}/{REPO}.git"),
        "clone_url": format!("{html}.git"),
        "svn_url": html,
        "homepage": null,
        "size": 1024,
        "stargazers_count": 7,
        "watchers_count": 7,
        "language": "Rust",
    });
    let features = json!({
        "has_issues": true,
        "has_projects": true,
        "has_downloads": true,
        "has_wiki": false,
        "has_pages": false,
        "has_discussions": false,
        "forks_count": 0,
        "mirror_url": null,
        "archived": false,
        "disabled": false,
        "open_issues_count": open_issues,
        "license": null,
        "allow_forking": true,
        "is_template": false,
        "web_commit_signoff_required": false,
        "topics": ["sandbox"],
        "visibility": "public",
        "forks": 0,
        "open_issues": open_issues,
        "watchers": 7,
        "default_branch": "main",
        "permissions": {"admin": true, "maintain": true, "push": true, "triage": true, "pull": true},
        "temp_clone_token": "",
        "allow_squash_merge": true,
        "allow_merge_commit": true,
        "allow_rebase_merge": true,
        "allow_auto_merge": false,
        "delete_branch_on_merge": false,
        "allow_update_branch": false,
        "use_squash_pr_title_as_default": false,
        "organization": organization_json(base),
        "network_count": 0,
        "subscribers_count": 3,
    });
    if let (Some(o), Value::Object(more), Value::Object(rest)) =
        (repository.as_object_mut(), settings, features)
    {
        o.extend(more);
        o.extend(rest);
        for (key, suffix) in URL_TEMPLATES {
            o.insert(key.into(), json!(format!("{url}{suffix}")));
        }
    }
    repository
}

pub(crate) async fn repository(
    State(state): St,
    Path((owner, repo)): Path<(String, String)>,
) -> Response {
    if !(owner.eq_ignore_ascii_case(OWNER) && repo.eq_ignore_ascii_case(REPO)) {
        return not_found();
    }
    let store = lock(&state.store);
    json_response(StatusCode::OK, repository_json(&store))
}

pub(crate) async fn repository_by_id(State(state): St, Path(id): Path<String>) -> Response {
    if id != REPO_ID.to_string() {
        return not_found();
    }
    let store = lock(&state.store);
    json_response(StatusCode::OK, repository_json(&store))
}

/// `GET /user`: the private view of the token's user.
pub(crate) async fn authenticated_user(State(state): St) -> Response {
    let base = lock(&state.store).base.clone();
    let login = authenticated_login();
    let mut user = user_json(&base, login);
    let joined = iso(seed::seed_epoch() - chrono::TimeDelta::days(900));
    if let Some(o) = user.as_object_mut() {
        for (key, value) in [
            ("name", json!(PEOPLE[0].0)),
            ("company", json!("@acme")),
            ("blog", json!("")),
            ("location", Value::Null),
            ("email", json!(PEOPLE[0].2)),
            ("hireable", Value::Null),
            ("bio", Value::Null),
            ("twitter_username", Value::Null),
            ("public_repos", json!(1)),
            ("public_gists", json!(0)),
            ("followers", json!(3)),
            ("following", json!(2)),
            ("created_at", json!(joined)),
            ("updated_at", json!(joined)),
            ("private_gists", json!(0)),
            ("total_private_repos", json!(0)),
            ("owned_private_repos", json!(0)),
            ("disk_usage", json!(1024)),
            ("collaborators", json!(0)),
            ("two_factor_authentication", json!(true)),
            ("user_view_type", json!("private")),
        ] {
            o.insert(key.into(), value);
        }
    }
    json_response(StatusCode::OK, user)
}

/// `GET /rate_limit`: the budgets as they stand (reading them spends nothing).
pub(crate) async fn rate_limit(State(state): St) -> Response {
    let (core, graphql) = state.core.budget_snapshot();
    let one = |limit: u32, used: u32, reset: i64| json!({"limit": limit, "used": used, "remaining": limit.saturating_sub(used), "reset": reset});
    let core = one(core.limit, core.used, core.reset_at.timestamp());
    let graphql = one(graphql.limit, graphql.used, graphql.reset_at.timestamp());
    let search = one(30, 0, chrono::Utc::now().timestamp() + 60);
    json_response(
        StatusCode::OK,
        json!({
            "resources": {"core": core, "graphql": graphql, "search": search},
            "rate": core,
        }),
    )
}
