//! Loopback simulators of Jira Cloud, GitHub (REST + GraphQL Projects v2) and Linear that
//! speak the real wire formats: same paths, payloads, pagination and rate-limit headers (see
//! `/work/shared/apidata` for the references they follow). They serve the test suite, the
//! benchmarks, a first run without credentials, and plugin authors.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use pmsync_sandbox::{Sandbox, SandboxOptions};
//! let sandbox = Sandbox::start(SandboxOptions::default()).await?;
//! println!("{}", sandbox.describe());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! A folder per platform: [`jira`] (REST v3, JQL subset), [`github`] (REST and GraphQL
//! Projects v2), [`linear`] (GraphQL). Each implements [`Simulator`], so starting one is the
//! same call for all of them (and for a simulator of a platform of your own). Every request passes one middleware (`platform`) that
//! counts it, checks the credential, spends rate budget and applies the [`FaultPlan`] before
//! any handler runs, so a faulted request never changes state.
//!
//! Credentials: any non-empty credential is accepted unless [`SandboxOptions::with_token`]
//! sets one. Jira: `Authorization: Basic base64(email:token)` or `Bearer <token>`. GitHub:
//! `Bearer <token>` or `token <token>`. Linear: `Authorization: <api key>` (no scheme) or
//! `Bearer <oauth token>`.

mod accounting;
mod clock;
pub mod faults;
pub mod github;
mod graphql;
pub mod jira;
pub mod linear;
mod pacing;
mod platform;
mod query_string;
mod route_table;
mod seed;
mod simulator;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use accounting::RequestStats;
pub use faults::{Fault, FaultPlan, Latency, ScriptedFault};
pub use github::{GitHubComment, GitHubHandle, GitHubIssue, ProjectFieldValue, ProjectItem};
pub use jira::JiraHandle;
pub use linear::{LinearAttachment, LinearHandle, LinearIssue};
pub use pacing::TIME_SCALE_HEADER;
pub use platform::Platform;
pub use route_table::Route;
pub use seed::SeedSize;
pub use simulator::{Served, Simulator, serve};
pub use webhooks::{SentWebhook, WebhookOutbox, WebhookStyle};

/// How to start the sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub seed: SeedSize,
    /// Applied to all three platforms; change at runtime with [`SandboxHandle::set_fault_plan`].
    pub faults: FaultPlan,
    /// Ports to bind on 127.0.0.1; 0 (the default) picks a free port.
    pub jira_port: u16,
    pub github_port: u16,
    pub linear_port: u16,
    /// When set, only this credential is accepted (otherwise any non-empty one).
    pub token: Option<String>,
    /// The scopes GitHub reports for the token (`X-OAuth-Scopes`); default `repo, project`.
    pub github_scopes: Option<Vec<String>>,
    /// Wall time per platform second: 1 (the default) paces writes as the real platforms do
    /// (GitHub: a second between writes); 0.01 is a hundred times faster. Never zero: the
    /// pace is scaled, not switched off. Answers say it in [`TIME_SCALE_HEADER`].
    pub time_scale: f64,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            seed: SeedSize::default(),
            faults: FaultPlan::default(),
            jira_port: 0,
            github_port: 0,
            linear_port: 0,
            token: None,
            github_scopes: None,
            time_scale: 1.0,
        }
    }
}

impl SandboxOptions {
    /// `n` issues per platform instead of the example set (100k is fine).
    pub fn seed_items(n: usize) -> Self {
        SandboxOptions {
            seed: SeedSize::Items(n),
            ..Self::default()
        }
    }
    pub fn with_seed(mut self, seed: SeedSize) -> Self {
        self.seed = seed;
        self
    }
    pub fn with_faults(mut self, plan: FaultPlan) -> Self {
        self.faults = plan;
        self
    }
    pub fn with_ports(mut self, jira: u16, github: u16, linear: u16) -> Self {
        self.jira_port = jira;
        self.github_port = github;
        self.linear_port = linear;
        self
    }
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }
    /// GitHub answers `X-OAuth-Scopes` with these (a token lacking `project`, say).
    pub fn with_github_scopes(mut self, scopes: &[&str]) -> Self {
        self.github_scopes = Some(scopes.iter().map(|s| s.to_string()).collect());
        self
    }
    /// The scopes GitHub reports for the token.
    pub fn github_scopes(&self) -> Vec<String> {
        self.github_scopes
            .clone()
            .unwrap_or_else(|| vec!["repo".into(), "project".into()])
    }
    /// See [`SandboxOptions::time_scale`]; values outside (0, 1] mean 1.
    pub fn with_time_scale(mut self, time_scale: f64) -> Self {
        self.time_scale = pacing::sanitize(time_scale);
        self
    }
}

/// Entry point; see [`Sandbox::start`].
pub struct Sandbox;

/// The running simulators. Dropping it does not stop them; call [`SandboxHandle::shutdown`]
/// (or drop the [`SandboxRuntime`] of [`Sandbox::start_blocking`]).
pub struct SandboxHandle {
    jira: JiraHandle,
    github: GitHubHandle,
    linear: LinearHandle,
    jira_addr: SocketAddr,
    github_addr: SocketAddr,
    linear_addr: SocketAddr,
    stop: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

/// Keeps the runtime of [`Sandbox::start_blocking`] alive; dropping it stops the servers.
pub struct SandboxRuntime {
    runtime: Option<tokio::runtime::Runtime>,
}

impl SandboxRuntime {
    /// The runtime the servers run on (e.g. to `block_on` a client future).
    pub fn runtime(&self) -> Option<&tokio::runtime::Runtime> {
        self.runtime.as_ref()
    }
}

impl Drop for SandboxRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl Sandbox {
    /// Binds the three platforms on loopback and starts serving them on the current runtime.
    pub async fn start(options: SandboxOptions) -> anyhow::Result<SandboxHandle> {
        let (stop, stop_rx) = watch::channel(false);
        let jira =
            simulator::start::<JiraHandle>(options.jira_port, &options, stop_rx.clone()).await?;
        let github =
            simulator::start::<GitHubHandle>(options.github_port, &options, stop_rx.clone())
                .await?;
        let linear =
            simulator::start::<LinearHandle>(options.linear_port, &options, stop_rx).await?;
        Ok(SandboxHandle {
            jira_addr: jira.addr,
            github_addr: github.addr,
            linear_addr: linear.addr,
            tasks: Mutex::new(vec![jira.task, github.task, linear.task]),
            jira: jira.handle,
            github: github.handle,
            linear: linear.handle,
            stop,
        })
    }

    /// [`Sandbox::start`] on a runtime of its own, for code that is not async (tests, the
    /// blocking threads executors run plugins on). Keep the [`SandboxRuntime`] alive as long as
    /// the sandbox is needed.
    pub fn start_blocking(
        options: SandboxOptions,
    ) -> anyhow::Result<(SandboxHandle, SandboxRuntime)> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("pmsync-sandbox")
            .enable_all()
            .build()
            .context("sandbox: cannot build a tokio runtime")?;
        let handle = runtime.block_on(Sandbox::start(options))?;
        Ok((
            handle,
            SandboxRuntime {
                runtime: Some(runtime),
            },
        ))
    }
}

impl SandboxHandle {
    /// Jira site base URL, e.g. `http://127.0.0.1:41234` (REST under `/rest/api/3`).
    pub fn jira_url(&self) -> String {
        format!("http://{}", self.jira_addr)
    }
    pub fn jira(&self) -> &JiraHandle {
        &self.jira
    }
    /// GitHub REST base URL (use it as the API root, like `https://api.github.com`).
    pub fn github_url(&self) -> String {
        format!("http://{}", self.github_addr)
    }
    /// GitHub GraphQL endpoint (`{github_url}/graphql`).
    pub fn github_graphql_url(&self) -> String {
        format!("{}/graphql", self.github_url())
    }
    pub fn github(&self) -> &GitHubHandle {
        &self.github
    }
    /// Linear GraphQL endpoint URL (like `https://api.linear.app/graphql`).
    pub fn linear_url(&self) -> String {
        format!("http://{}/graphql", self.linear_addr)
    }
    pub fn linear(&self) -> &LinearHandle {
        &self.linear
    }

    /// Counters of one platform.
    pub fn stats(&self, platform: Platform) -> RequestStats {
        match platform {
            Platform::Jira => self.jira.stats(),
            Platform::GitHub => self.github.stats(),
            Platform::Linear => self.linear.stats(),
        }
    }

    /// Where a platform's webhook deliveries go: register a URL and secret on it.
    pub fn webhooks(&self, platform: Platform) -> WebhookOutbox {
        match platform {
            Platform::Jira => platform::lock(&self.jira.state.store).webhooks.clone(),
            Platform::GitHub => platform::lock(&self.github.state.store).webhooks.clone(),
            Platform::Linear => platform::lock(&self.linear.state.store).webhooks.clone(),
        }
    }

    /// Replaces the fault plan of every platform (restarts decisions and budgets).
    pub fn set_fault_plan(&self, plan: FaultPlan) {
        self.jira.set_fault_plan(plan.clone());
        self.github.set_fault_plan(plan.clone());
        self.linear.set_fault_plan(plan);
    }

    /// Stops the servers (waits up to 5 s for open requests).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let tasks: Vec<JoinHandle<()>> = std::mem::take(&mut *platform::lock(&self.tasks));
        for task in tasks {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }

    /// Serves until Ctrl-C, then shuts down (the `pmsync-host sandbox` command).
    pub async fn serve_until_ctrl_c(self) -> anyhow::Result<()> {
        tokio::signal::ctrl_c()
            .await
            .context("sandbox: cannot listen for Ctrl-C")?;
        self.shutdown().await;
        Ok(())
    }

    /// Human-readable URLs and example environment for pointing pmsync (or curl) at the sandbox.
    pub fn describe(&self) -> String {
        format!(
            "Sandbox platforms (loopback, in-memory; any non-empty credential works):\n\
             \x20 Jira Cloud       {jira}   (projects PROJ, OPS)\n\
             \x20 GitHub REST      {github}   (repo acme/widgets)\n\
             \x20 GitHub GraphQL   {github_graphql}   (org acme, project 1)\n\
             \x20 Linear GraphQL   {linear}   (team ENG)\n\
             \n\
             Example environment:\n\
             \x20 export JIRA_BASE_URL={jira}\n\
             \x20 export JIRA_EMAIL=sandbox@example.com\n\
             \x20 export JIRA_API_TOKEN=sandbox\n\
             \x20 export GITHUB_API_URL={github}\n\
             \x20 export GITHUB_GRAPHQL_URL={github_graphql}\n\
             \x20 export GITHUB_TOKEN=sandbox\n\
             \x20 export LINEAR_API_URL={linear}\n\
             \x20 export LINEAR_API_KEY=sandbox\n",
            jira = self.jira_url(),
            github = self.github_url(),
            github_graphql = self.github_graphql_url(),
            linear = self.linear_url(),
        )
    }
}
