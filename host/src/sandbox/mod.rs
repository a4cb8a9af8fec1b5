//! Loopback simulators of Jira Cloud, GitHub (REST + GraphQL Projects v2) and Linear that
//! speak the real wire formats: same paths, payloads, pagination and rate-limit headers (see
//! `/work/shared/apidata` for the references they follow). They serve the test suite, the
//! benchmarks, a first run without credentials, and plugin authors.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use pmsync_host::sandbox::{Sandbox, SandboxOptions};
//! let sandbox = Sandbox::start(SandboxOptions::default()).await?;
//! println!("{}", sandbox.describe());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Per platform: [`jira`] (REST v3, JQL subset in `jira_jql`), [`github_rest`] and
//! [`github_graphql`], [`linear`]. Every request passes one middleware (`platform`) that
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
mod graphql_request;
mod jira;
mod jira_jql;
mod jira_model;
mod jira_store;
mod platform;
mod query_string;
mod seed;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use accounting::RequestStats;
pub use faults::{Fault, FaultPlan, Latency};
pub use jira::JiraHandle;
pub use platform::Platform;
pub use seed::SeedSize;

use platform::PlatformCore;

/// How to start the sandbox.
#[derive(Debug, Clone, Default)]
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
}

/// Entry point; see [`Sandbox::start`].
pub struct Sandbox;

/// The running simulators. Dropping it does not stop them; call [`SandboxHandle::shutdown`]
/// (or drop the [`SandboxRuntime`] of [`Sandbox::start_blocking`]).
pub struct SandboxHandle {
    jira: JiraHandle,
    jira_addr: SocketAddr,
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

async fn bind(port: u16, what: &str) -> anyhow::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("sandbox {what}: cannot bind 127.0.0.1:{port}"))?;
    let addr = listener
        .local_addr()
        .with_context(|| format!("sandbox {what}: no local address"))?;
    Ok((listener, addr))
}

fn serve(
    listener: TcpListener,
    app: axum::Router,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let shutdown = async move {
            while !*stop.borrow() {
                if stop.changed().await.is_err() {
                    break;
                }
            }
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::warn!("sandbox server stopped: {e}");
        }
    })
}

impl Sandbox {
    /// Binds the three platforms on loopback and starts serving them on the current runtime.
    pub async fn start(options: SandboxOptions) -> anyhow::Result<SandboxHandle> {
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = Vec::new();

        let (listener, jira_addr) = bind(options.jira_port, "Jira").await?;
        let core = Arc::new(PlatformCore::new(
            Platform::Jira,
            options.faults.clone(),
            options.token.clone(),
        ));
        let state = Arc::new(jira::JiraState {
            core: core.clone(),
            store: Mutex::new(jira_store::JiraStore::new(
                format!("http://{jira_addr}"),
                options.seed,
            )),
        });
        let app = jira::router(state.clone())
            .layer(axum::middleware::from_fn_with_state(core, platform::guard));
        tasks.push(serve(listener, app, stop_rx.clone()));
        let jira = JiraHandle { state };

        Ok(SandboxHandle {
            jira,
            jira_addr,
            stop,
            tasks: Mutex::new(tasks),
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

    /// Counters of one platform.
    pub fn stats(&self, platform: Platform) -> RequestStats {
        match platform {
            Platform::Jira => self.jira.stats(),
            Platform::GitHub => unimplemented_platform(),
            Platform::Linear => unimplemented_platform(),
        }
    }

    /// Replaces the fault plan of every platform (restarts decisions and budgets).
    pub fn set_fault_plan(&self, plan: FaultPlan) {
        self.jira.set_fault_plan(plan.clone());
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
             \x20 Jira Cloud   {jira}   (project PROJ, OPS)\n\
             \n\
             Example environment:\n\
             \x20 export JIRA_BASE_URL={jira}\n\
             \x20 export JIRA_EMAIL=sandbox@example.com\n\
             \x20 export JIRA_API_TOKEN=sandbox\n",
            jira = self.jira_url(),
        )
    }
}

fn unimplemented_platform() -> RequestStats {
    RequestStats::default()
}
