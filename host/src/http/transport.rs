//! The one shared async HTTP client and the tokio runtime that drives it for blocking callers.

use std::sync::{Arc, Mutex};

use tokio::runtime::{Handle, Runtime};

use super::policy::TransportSettings;

/// A shared `reqwest::Client` (rustls) plus the runtime handle used to drive it from
/// blocking plugin threads. Create one per process (or per run) and share it (`Arc`)
/// between every gateway.
#[derive(Debug)]
pub struct HttpTransport {
    client: reqwest::Client,
    handle: Handle,
    /// The runtime this transport created itself, if any. Shut down in the background on
    /// drop so that dropping the transport never blocks or panics inside async code.
    own_runtime: Mutex<Option<Runtime>>,
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    #[error("could not start the HTTP runtime: {0}")]
    Runtime(String),
}

impl HttpTransport {
    /// Uses an existing multi-threaded tokio runtime (a current-thread runtime cannot drive
    /// I/O for callers on other threads).
    pub fn new(handle: Handle, settings: &TransportSettings) -> Result<Arc<Self>, TransportError> {
        if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread {
            return Err(TransportError::Runtime(
                "a current-thread tokio runtime cannot drive requests sent from plugin threads; \
                 pass the handle of a multi-threaded runtime or use HttpTransport::with_own_runtime"
                    .into(),
            ));
        }
        Ok(Arc::new(HttpTransport {
            client: build_client(settings)?,
            handle,
            own_runtime: Mutex::new(None),
        }))
    }

    /// Starts a small runtime of its own (one worker thread) for hosts that have none.
    pub fn with_own_runtime(settings: &TransportSettings) -> Result<Arc<Self>, TransportError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("pmsync-http")
            .enable_all()
            .build()
            .map_err(|e| TransportError::Runtime(e.to_string()))?;
        Ok(Arc::new(HttpTransport {
            client: build_client(settings)?,
            handle: runtime.handle().clone(),
            own_runtime: Mutex::new(Some(runtime)),
        }))
    }

    pub(crate) fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl Drop for HttpTransport {
    fn drop(&mut self) {
        let runtime = self
            .own_runtime
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(runtime) = runtime {
            runtime.shutdown_background();
        }
    }
}

fn build_client(settings: &TransportSettings) -> Result<reqwest::Client, TransportError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(settings.connect_timeout)
        .user_agent(settings.user_agent.clone())
        // Redirects are not followed: the plugin sees the 3xx and its next request is
        // checked against the grants like any other. Following them here would let a
        // granted server send the request (and its credential) to any origin.
        .redirect(reqwest::redirect::Policy::none());
    if !settings.use_system_proxy {
        builder = builder.no_proxy();
    }
    builder
        .build()
        .map_err(|e| TransportError::Client(e.to_string()))
}
