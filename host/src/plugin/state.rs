//! The per-store state of a plugin instance: a locked-down WASI context (no files, no
//! environment, no arguments, no sockets, empty stdin, captured stdout/stderr), the memory
//! limiter, and what the host imports need (settings, HTTP client, grants).
//! Transformers and resolvers get a fixed clock and seeded randomness, so their results
//! are reproducible.

use super::deadline::CallClock;
use super::grants::Granted;
use super::limits::LogBudget;
use super::manifest::PluginKind;
use super::output::TailPipe;
use crate::http::HttpClient;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{
    HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView,
};
use wasmtime_wasi_http::{
    RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

/// The wall clock pure plugins see: 2000-01-01T00:00:00Z, forever.
pub const FIXED_WALL_CLOCK_SECS: u64 = 946_684_800;

struct FixedWallClock;

impl HostWallClock for FixedWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::from_secs(FIXED_WALL_CLOCK_SECS)
    }
}

struct FixedMonotonicClock;

impl HostMonotonicClock for FixedMonotonicClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

/// A fixed pseudo-random byte cycle derived from the plugin name, so a pure plugin's
/// "random" numbers are the same on every run.
fn seeded_bytes(plugin: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 * 64);
    let mut block = Sha256::digest(format!("pmsync deterministic random for {plugin}").as_bytes());
    for _ in 0..64 {
        out.extend_from_slice(&block);
        block = Sha256::digest(block);
    }
    out
}

/// Caps the linear memory (and tables) of one store; remembers whether the cap was hit.
pub struct MemoryCap {
    pub max_bytes: usize,
    pub hit: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.hit = true;
            return Err(wasmtime::Error::msg(format!(
                "memory limit of {} MiB exceeded (wanted {} MiB)",
                self.max_bytes >> 20,
                desired.div_ceil(1 << 20)
            )));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// Everything a plugin store holds.
pub struct PluginState {
    pub plugin: String,
    wasi: WasiCtx,
    table: ResourceTable,
    pub memory: MemoryCap,
    pub stdout: TailPipe,
    pub stderr: TailPipe,
    /// The instance's settings (the `config` import).
    pub settings: Arc<BTreeMap<String, String>>,
    /// Where `http.send` goes; `None` outside connectors.
    pub http: Option<Arc<dyn HttpClient>>,
    pub granted: Arc<Granted>,
    /// What the current call may still log through the `log` import.
    pub log: LogBudget,
    /// Requests in the current call (fuel and deadline are per item).
    pub call_items: u64,
    /// When the current call started and how long it has been blocked in host imports;
    /// the call's deadline counts only the rest (see `deadline`).
    pub call_clock: CallClock,
    /// `wasi:http`'s context, for components that import it; every request is denied.
    wasi_http: WasiHttpCtx,
    deny_http: DenyWasiHttp,
}

/// The `wasi:http` a component gets when it imports it (a default componentize-js build
/// does): types and bodies work, every outgoing request is denied. A plugin reaches the
/// network only through pmsync's own `http` import, which carries its grants, the rate
/// limits and the credentials.
#[derive(Debug, Default)]
struct DenyWasiHttp;

type SentResponse = wasmtime_wasi_http::Result<(
    http::Response<WasiBody>,
    Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
)>;

impl WasiHttpHooks for DenyWasiHttp {
    fn send_request(
        &mut self,
        _request: http::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _response_done: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Box<dyn Future<Output = SentResponse> + Send> {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

impl WasiHttpView for PluginState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            hooks: &mut self.deny_http,
            table: &mut self.table,
            ctx: &mut self.wasi_http,
        }
    }
}

impl PluginState {
    /// A fresh, locked-down state for one instance of `plugin`.
    pub fn new(
        plugin: &str,
        kind: PluginKind,
        granted: Arc<Granted>,
        settings: Arc<BTreeMap<String, String>>,
        http: Option<Arc<dyn HttpClient>>,
    ) -> PluginState {
        let stdout = TailPipe::default();
        let stderr = TailPipe::default();
        let mut builder = WasiCtxBuilder::new();
        builder
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }));
        if kind != PluginKind::Connector {
            let bytes = seeded_bytes(plugin);
            builder
                .wall_clock(FixedWallClock)
                .monotonic_clock(FixedMonotonicClock)
                .secure_random(wasmtime_wasi::Deterministic::new(bytes.clone()))
                .insecure_random(wasmtime_wasi::Deterministic::new(bytes))
                .insecure_random_seed(0x706d_7379_6e63);
        }
        let max_bytes =
            usize::try_from(granted.limits.memory_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX);
        PluginState {
            plugin: plugin.to_string(),
            wasi: builder.build(),
            table: ResourceTable::new(),
            memory: MemoryCap {
                max_bytes,
                hit: false,
            },
            stdout,
            stderr,
            settings,
            http,
            granted,
            log: LogBudget::default(),
            call_items: 1,
            call_clock: CallClock::default(),
            wasi_http: WasiHttpCtx::new(),
            deny_http: DenyWasiHttp,
        }
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
