//! The HTTP server and the worker thread of `serve`, their start and their stop: the first
//! SIGTERM/SIGINT stops taking deliveries, lets the worker finish its run (writes in flight
//! are recorded) and exits; SIGHUP loads the config again, keeping the old one (and saying
//! why) when the new one is not valid.

use super::generation::Generation;
use super::shared::Shared;
use super::status_routes::{self, Access};
use super::{ops_routes, webhook_routes, worker};
use crate::store::Store;
use axum::Router;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Builds the next generation from the config file (for reloads).
pub type Reload = Arc<dyn Fn() -> Result<Generation, String> + Send + Sync>;

pub struct ServeOptions {
    pub listen: SocketAddr,
    /// Largest delivery body accepted (larger: 413).
    pub max_body: usize,
    /// Who may see the status page.
    pub access: Access,
    /// The config file, reloaded when it changes (checked every [`WATCH_EVERY`]); `None`:
    /// only on SIGHUP.
    pub watch: Option<std::path::PathBuf>,
}

/// How often the config file's modification time is looked at.
pub const WATCH_EVERY: Duration = Duration::from_secs(2);

/// Serves until the stop signal. `worker_store` is the worker's own connection to the
/// state store; `listening` is told the bound address once deliveries are accepted.
pub fn serve(
    shared: Arc<Shared>,
    worker_store: Store,
    options: &ServeOptions,
    reload: Reload,
    listening: impl FnOnce(SocketAddr),
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("pmsync-serve")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server runtime: {e}"))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(options.listen))
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let worker_shared = shared.clone();
    let worker = std::thread::Builder::new()
        .name("pmsync-worker".into())
        .spawn(move || worker::run(worker_shared, worker_store))
        .map_err(|e| format!("cannot start the worker: {e}"))?;
    let app = Router::new()
        .route(
            "/webhooks/{entry}",
            post(webhook_routes::receive).with_state((shared.clone(), options.max_body)),
        )
        .route("/healthz", get(ops_routes::healthz))
        .route(
            "/readyz",
            get(ops_routes::readyz).with_state(shared.clone()),
        )
        .route(
            "/metrics",
            get(ops_routes::metrics).with_state(shared.clone()),
        )
        .route(
            "/",
            get(status_routes::page).with_state((shared.clone(), options.access.clone())),
        )
        .route(
            "/api/status",
            get(status_routes::status).with_state((shared.clone(), options.access.clone())),
        )
        .route(
            "/api/history",
            get(status_routes::history).with_state((shared.clone(), options.access.clone())),
        )
        .route(
            "/api/conflicts/{id}/resolve",
            post(status_routes::resolve).with_state((shared.clone(), options.access.clone())),
        );
    listening(addr);
    let result = runtime.block_on(async {
        tokio::spawn(reload_on_sighup(shared.clone(), reload.clone()));
        if let Some(path) = options.watch.clone() {
            tokio::spawn(reload_on_change(shared.clone(), reload, path));
        }
        let stop = shared.stop.clone();
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                while !stop.requested() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
            .await
    });
    shared.stop.request();
    shared.wake();
    let _ = worker.join();
    runtime.shutdown_timeout(Duration::from_secs(2));
    result.map_err(|e| format!("the server stopped: {e}"))
}

/// Loads the config again on every SIGHUP.
async fn reload_on_sighup(shared: Arc<Shared>, reload: Reload) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::warn!(target: "pmsync::serve", "cannot watch for SIGHUP; config reload is off");
        return;
    };
    while hangups.recv().await.is_some() {
        let load = reload.clone();
        let loaded = tokio::task::spawn_blocking(move || load()).await;
        apply_reload(&shared, loaded.unwrap_or_else(|e| Err(e.to_string())));
    }
}

/// Loads the config again whenever its file's modification time changes.
async fn reload_on_change(shared: Arc<Shared>, reload: Reload, path: std::path::PathBuf) {
    let modified = |path: &std::path::Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let mut seen = modified(&path);
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        let now = modified(&path);
        if now.is_none() || now == seen {
            continue;
        }
        seen = now;
        tracing::warn!(target: "pmsync::serve", "{} changed; loading it", path.display());
        let load = reload.clone();
        let loaded = tokio::task::spawn_blocking(move || load()).await;
        apply_reload(&shared, loaded.unwrap_or_else(|e| Err(e.to_string())));
    }
}

/// Runs the new generation, or keeps the old one and says why.
pub fn apply_reload(shared: &Shared, loaded: Result<Generation, String>) {
    match loaded {
        Ok(next) => {
            shared.replace(next);
            shared.metrics.reloaded(true);
            tracing::warn!(
                target: "pmsync::serve",
                "config reloaded (generation {})", shared.current().number
            );
        }
        Err(why) => {
            shared.metrics.reloaded(false);
            tracing::error!(
                target: "pmsync::serve",
                "config reload refused; still running generation {}: {why}",
                shared.current().number
            );
            *shared
                .last_reload_error
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(why);
        }
    }
}
