//! The wasmtime engine shared by all plugins: component model, fuel metering, epoch
//! interruption driven by one ticker thread, and one linker (WASI p2 served by the
//! sandbox, plus the pmsync host imports). One engine per compiler (see `compiler`): an
//! artifact of one compiler loads only in an engine of the same.

use super::bindings::connector_world::ConnectorPlugin;
use super::compiler::Compiler;
use super::error::PluginError;
use super::state::PluginState;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine};

/// How often the epoch advances; deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    fn start(engine: &Engine) -> Result<EpochTicker, PluginError> {
        let stop = Arc::new(AtomicBool::new(false));
        let weak = engine.weak();
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("pmsync-plugin-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .map_err(|e| PluginError::Engine(format!("cannot start the epoch ticker: {e}")))?;
        Ok(EpochTicker { stop })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The engine, linker and ticker.
pub struct PluginEngine {
    pub engine: Engine,
    /// The compiler this engine compiles with.
    pub compiler: Compiler,
    pub linker: Linker<PluginState>,
    _ticker: EpochTicker,
}

impl PluginEngine {
    pub fn new(compiler: Compiler) -> Result<PluginEngine, PluginError> {
        let mut config = Config::new();
        config
            .strategy(compiler.strategy())
            .wasm_component_model(true)
            .consume_fuel(true)
            .epoch_interruption(true);
        let engine = Engine::new(&config).map_err(|e| PluginError::Engine(e.to_string()))?;
        let mut linker: Linker<PluginState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|e| PluginError::Engine(e.to_string()))?;
        // `wasi:http` for components that import it, denying every request (see
        // `state::DenyWasiHttp`).
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)
            .map_err(|e| PluginError::Engine(e.to_string()))?;
        ConnectorPlugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |state| {
            state
        })
        .map_err(|e| PluginError::Engine(e.to_string()))?;
        let ticker = EpochTicker::start(&engine)?;
        Ok(PluginEngine {
            engine,
            compiler,
            linker,
            _ticker: ticker,
        })
    }

    /// Epoch ticks for a deadline of `timeout_ms` (rounded up, plus one tick of slack).
    pub fn deadline_ticks(timeout_ms: u64) -> u64 {
        let tick = EPOCH_TICK.as_millis() as u64;
        timeout_ms.div_ceil(tick) + 1
    }
}
