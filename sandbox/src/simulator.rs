//! One simulated platform as a trait, so the three built-in simulators (and one a connector
//! author writes for a platform of their own) are bound, served and stopped the same way.

use std::net::SocketAddr;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::SandboxOptions;

/// A platform simulator: given the base URL it is reachable at, it builds the handle tests use
/// to look at and edit its state, and the HTTP app that serves it.
pub trait Simulator: Sized + Send + Sync + 'static {
    /// The platform's name in messages ("Jira", "GitHub").
    const NAME: &'static str;
    /// Builds the simulator for `base_url` (e.g. `http://127.0.0.1:41234`, which answers go
    /// on to link to) with `options`' seed, faults and credential.
    fn build(base_url: &str, options: &SandboxOptions) -> (Self, Router);
}

/// A simulator serving on loopback until its stop signal is sent.
pub struct Served<S> {
    /// The simulator's state.
    pub handle: S,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The server task; it ends after the stop signal, once open requests are answered.
    pub task: JoinHandle<()>,
}

impl<S> Served<S> {
    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Binds 127.0.0.1:`port` (0: any free port) and serves `S` on the current runtime until `stop`
/// turns true.
pub async fn start<S: Simulator>(
    port: u16,
    options: &SandboxOptions,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<Served<S>> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("sandbox {}: cannot bind 127.0.0.1:{port}", S::NAME))?;
    let addr = listener
        .local_addr()
        .with_context(|| format!("sandbox {}: no local address", S::NAME))?;
    let (handle, app) = S::build(&format!("http://{addr}"), options);
    let task = tokio::spawn(run(listener, app, stop, S::NAME));
    Ok(Served { handle, addr, task })
}

/// [`start`] for a single simulator with a stop switch of its own: send `true` on the returned
/// sender (or drop it) to stop it.
pub async fn serve<S: Simulator>(
    port: u16,
    options: &SandboxOptions,
) -> anyhow::Result<(Served<S>, watch::Sender<bool>)> {
    let (stop, stop_rx) = watch::channel(false);
    let served = start::<S>(port, options, stop_rx).await?;
    Ok((served, stop))
}

async fn run(listener: TcpListener, app: Router, mut stop: watch::Receiver<bool>, name: &str) {
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
        tracing::warn!("sandbox {name} server stopped: {e}");
    }
}
