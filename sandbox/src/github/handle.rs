//! Direct access to the GitHub sandbox's state, for tests and benchmarks.

use std::sync::Arc;

use serde_json::Value;

use crate::accounting::RequestStats;
use crate::faults::FaultPlan;
use crate::github::project::{FieldKind, PROJECT_ID, ProjectItem};
use crate::github::rest::GitHubState;
use crate::github::store::GitHubIssue;
use crate::platform::{PlatformCore, lock};
use crate::route_table::Route;

#[derive(Clone)]
pub struct GitHubHandle {
    pub(crate) state: Arc<GitHubState>,
    routes: Arc<[Route]>,
}

impl GitHubHandle {
    /// The REST routes (and `POST /graphql`) this simulator serves.
    pub fn routes(&self) -> Vec<Route> {
        self.routes.to_vec()
    }
    /// The stored issue or pull request.
    pub fn issue(&self, number: u64) -> Option<GitHubIssue> {
        lock(&self.state.store).issues.get(&number).cloned()
    }
    /// The issue as `GET /repos/acme/widgets/issues/{number}` returns it.
    pub fn issue_json(&self, number: u64) -> Option<Value> {
        let store = lock(&self.state.store);
        store.issues.get(&number).map(|i| store.issue_json(i))
    }
    /// Issues plus pull requests.
    pub fn issue_count(&self) -> usize {
        lock(&self.state.store).issues.len()
    }
    /// Simulates a human edit (bumps `updated_at`); false when the number is unknown.
    pub fn edit(&self, number: u64, change: impl FnOnce(&mut GitHubIssue)) -> bool {
        let mut store = lock(&self.state.store);
        if let Some(issue) = store.issues.get(&number) {
            for label in issue.labels.clone() {
                store.label_or_create(&label);
            }
        }
        let changed = store.touch(number, change).is_some();
        if let Some(issue) = store.issues.get(&number) {
            for label in issue.labels.clone() {
                store.label_or_create(&label);
            }
        }
        changed
    }
    /// The Projects v2 project id (`PVT_...`).
    pub fn project_id(&self) -> &'static str {
        PROJECT_ID
    }
    /// The id of a project field by name (e.g. `"Status"`, `"Estimate"`).
    pub fn project_field_id(&self, name: &str) -> Option<String> {
        lock(&self.state.store)
            .project
            .fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.id.clone())
    }
    /// The id of a single-select option (field `"Status"`, option `"Done"`) or an iteration
    /// (field `"Sprint"`, title `"Sprint 42"`).
    pub fn project_option_id(&self, field: &str, option: &str) -> Option<String> {
        let store = lock(&self.state.store);
        let field = store.project.fields.iter().find(|f| f.name == field)?;
        match &field.kind {
            FieldKind::SingleSelect(options) => options
                .iter()
                .find(|o| o.name == option)
                .map(|o| o.id.clone()),
            FieldKind::Iteration(its) => {
                its.iter().find(|i| i.title == option).map(|i| i.id.clone())
            }
            _ => None,
        }
    }
    pub fn project_item(&self, item_id: &str) -> Option<ProjectItem> {
        let store = lock(&self.state.store);
        store
            .project
            .position(item_id)
            .and_then(|p| store.project.items.get(p).cloned())
    }
    /// The project item showing issue `number`, if it is on the board.
    pub fn project_item_for_issue(&self, number: u64) -> Option<ProjectItem> {
        let store = lock(&self.state.store);
        let node = &store.issues.get(&number)?.node_id;
        store.project.item_for_content(node).cloned()
    }
    pub fn project_item_count(&self) -> usize {
        lock(&self.state.store).project.items.len()
    }
    /// Simulates a human edit of a project item (bumps its `updatedAt`).
    pub fn edit_project_item(&self, item_id: &str, change: impl FnOnce(&mut ProjectItem)) -> bool {
        let mut store = lock(&self.state.store);
        let now = store.clock.tick();
        match store.project.item_mut(item_id) {
            Some(item) => {
                change(item);
                item.updated_at = now;
                true
            }
            None => false,
        }
    }
    pub fn stats(&self) -> RequestStats {
        self.state.core.counters.snapshot()
    }
    pub fn reset_stats(&self) {
        self.state.core.counters.reset();
    }
    pub fn fault_plan(&self) -> FaultPlan {
        self.state.core.fault_plan()
    }
    pub fn set_fault_plan(&self, plan: FaultPlan) {
        self.state.core.set_fault_plan(plan);
    }
}

impl crate::Simulator for GitHubHandle {
    const NAME: &'static str = "GitHub";
    fn build(base_url: &str, options: &crate::SandboxOptions) -> (Self, axum::Router) {
        let core = Arc::new(
            PlatformCore::for_options(crate::Platform::GitHub, options)
                .with_oauth_scopes(&options.github_scopes()),
        );
        let state = Arc::new(crate::github::GitHubState {
            core: core.clone(),
            store: std::sync::Mutex::new(crate::github::store::GitHubStore::new(
                base_url.to_string(),
                options.seed,
            )),
        });
        let (router, routes) = crate::github::router(state.clone());
        let app = core.guard(router);
        (
            GitHubHandle {
                state,
                routes: routes.into(),
            },
            app,
        )
    }
}
