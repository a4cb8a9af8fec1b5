//! One loaded plugin: its manifest, grants, compiled and pre-linked component, and how a
//! call into it is armed (fuel, deadline, memory) and how its failures are described.

use super::bindings::connector_world::ConnectorPluginPre;
use super::bindings::resolver_world::ResolverPluginPre;
use super::bindings::transformer_world::TransformerPluginPre;
use super::cache::CacheOutcome;
use super::deadline;
use super::error::{CallError, Failure};
use super::grants::Granted;
use super::limits::{LOG_LINES_PER_CALL, MAX_LOG_LINE, cut, plugin_text};
use super::manifest::{Manifest, PluginKind};
use super::output::{find_panic, find_python_exception, forward};
use super::state::PluginState;
use super::wasmtime_engine::PluginEngine;
use crate::http::HttpClient;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::{Store, Trap};

/// The pre-linked component, typed by kind.
pub(crate) enum KindPre {
    Transformer(TransformerPluginPre<PluginState>),
    Resolver(ResolverPluginPre<PluginState>),
    Connector(ConnectorPluginPre<PluginState>),
}

pub(crate) struct LoadedPlugin {
    pub manifest: Manifest,
    pub granted: Arc<Granted>,
    /// Operator settings for transformer/resolver instances (the `config` import).
    pub settings: Arc<BTreeMap<String, String>>,
    pub component_path: PathBuf,
    pub sha256: String,
    /// The installed bundle it came from.
    pub bundle: Option<crate::bundle::BundleOrigin>,
    pub cache_key: String,
    pub cache: CacheOutcome,
    pub load_time: Duration,
    pub engine: Arc<PluginEngine>,
    pub pre: KindPre,
}

impl LoadedPlugin {
    /// A fresh store for one instance, armed for one call.
    pub fn new_store(
        &self,
        settings: Arc<BTreeMap<String, String>>,
        http: Option<Arc<dyn HttpClient>>,
    ) -> Store<PluginState> {
        let state = PluginState::new(
            &self.manifest.name,
            self.manifest.kind,
            self.granted.clone(),
            settings,
            http,
        );
        let mut store = Store::new(&self.engine.engine, state);
        store.limiter(|state| &mut state.memory);
        let timeout = Duration::from_millis(self.granted.limits.timeout_ms);
        store.epoch_deadline_callback(move |context| deadline::on_deadline(context, timeout));
        self.arm_for(&mut store, 1);
        store
    }

    /// Resets fuel, the wall-clock deadline and the log budget for the next call, which
    /// carries `items` requests: fuel and deadline are limits per
    /// item, so a call of `items` requests gets `items` times each (a batch is bounded by
    /// the engine's batch size, so this is bounded too).
    pub fn arm_for(&self, store: &mut Store<PluginState>, items: usize) {
        let items = items.max(1) as u64;
        let limits = self.granted.limits;
        let fuel = match self.manifest.kind {
            PluginKind::Connector => u64::MAX,
            PluginKind::Transformer | PluginKind::Resolver => limits.fuel.saturating_mul(items),
        };
        // Fuel is enabled on the engine, so this cannot fail.
        let _ = store.set_fuel(fuel);
        store.set_epoch_deadline(PluginEngine::deadline_ticks(
            limits.timeout_ms.saturating_mul(items),
        ));
        let state = store.data_mut();
        state.call_items = items;
        state.call_clock.restart();
        self.report_dropped_logs(state);
    }

    /// Says how many log lines the last call had over its budget, if any.
    fn report_dropped_logs(&self, state: &mut PluginState) {
        let dropped = state.log.reset();
        if dropped > 0 {
            tracing::warn!(
                target: "pmsync::plugin",
                plugin = %self.manifest.name,
                "plugin {}: {dropped} log lines dropped (at most {} lines of {} bytes per call)",
                self.manifest.name,
                LOG_LINES_PER_CALL,
                MAX_LOG_LINE
            );
        }
    }

    /// The one way a plugin call runs, for every kind: arm the limits for `items` requests,
    /// run (instantiating first when the instance is fresh), describe a failure (trap,
    /// deadline, memory, fuel, panic) with the guest's output, forward what it printed, and
    /// bound the size of what it returned with `size`.
    pub fn run_call<R>(
        &self,
        call: &str,
        store: &mut Store<PluginState>,
        items: usize,
        run: impl FnOnce(&mut Store<PluginState>) -> wasmtime::Result<R>,
        size: impl FnOnce(&R) -> u64,
    ) -> Result<R, CallError> {
        self.arm_for(store, items);
        let result = run(store).map_err(|e| self.fail(call, store, e))?;
        self.finish(store);
        self.check_output(call, size(&result))?;
        Ok(result)
    }

    /// Forwards what the guest printed during a successful call.
    pub fn finish(&self, store: &mut Store<PluginState>) {
        let state = store.data_mut();
        forward(&self.manifest.name, "stdout", &state.stdout.take());
        forward(&self.manifest.name, "stderr", &state.stderr.take());
        self.report_dropped_logs(state);
    }

    /// Describes a failed call (trap, deadline, memory, fuel, panic), forwarding the
    /// guest's output and keeping its stderr tail.
    pub fn fail(
        &self,
        call: &str,
        store: &mut Store<PluginState>,
        error: wasmtime::Error,
    ) -> CallError {
        let state = store.data_mut();
        let stdout = state.stdout.take();
        let stderr = state.stderr.take();
        forward(&self.manifest.name, "stdout", &stdout);
        forward(&self.manifest.name, "stderr", &stderr);
        self.report_dropped_logs(state);
        let items = state.call_items;
        let limits = self.granted.limits;
        let trap = error.downcast_ref::<Trap>().copied();
        let failure = if state.memory.hit {
            Failure::MemoryLimit {
                memory_mb: limits.memory_mb,
            }
        } else if trap == Some(Trap::Interrupt) {
            Failure::Deadline {
                timeout_ms: limits.timeout_ms,
                items,
            }
        } else if trap == Some(Trap::OutOfFuel) {
            Failure::FuelExhausted {
                fuel: limits.fuel,
                items,
            }
        } else if let Some(raised) = find_python_exception(&stderr) {
            // componentize-py reports an uncaught exception as a panic of its runtime
            // ("Python function threw an unexpected exception"); the traceback above it
            // says what actually went wrong.
            Failure::Raised {
                exception: plugin_text(&raised.exception),
                trace: plugin_text(&raised.frames.join(" | ")),
            }
        } else if let Some(panic) = find_panic(&stderr) {
            Failure::Panicked {
                message: plugin_text(&panic.message),
                location: cut(&panic.location, 200),
            }
        } else {
            let detail = match trap {
                Some(trap) => trap.to_string(),
                None => format!("{error:#}"),
            };
            Failure::Trap {
                detail: plugin_text(&detail),
            }
        };
        let error = self.error(call, failure, (!stderr.trim().is_empty()).then_some(stderr));
        tracing::warn!(target: "pmsync::plugin", plugin = %self.manifest.name, "{error}");
        error
    }

    /// An error of this plugin's `call`.
    pub fn error(&self, call: &str, failure: Failure, stderr_tail: Option<String>) -> CallError {
        CallError {
            plugin: self.manifest.name.clone(),
            version: self.manifest.version.clone(),
            call: call.to_string(),
            failure,
            stderr_tail,
        }
    }

    /// A contract violation of `call`.
    pub fn contract(&self, call: &str, detail: impl Into<String>) -> CallError {
        self.error(
            call,
            Failure::Contract {
                detail: plugin_text(&detail.into()),
            },
            None,
        )
    }

    /// Refuses output over the granted `max_output_bytes`.
    /// A batch call must answer one result per request.
    pub fn check_result_count(
        &self,
        call: &str,
        results: usize,
        requests: usize,
    ) -> Result<(), CallError> {
        if results == requests {
            return Ok(());
        }
        Err(self.contract(
            call,
            format!("returned {results} results for {requests} requests"),
        ))
    }

    pub fn check_output(&self, call: &str, bytes: u64) -> Result<(), CallError> {
        let max = self.granted.limits.max_output_bytes;
        if bytes > max {
            return Err(self.error(
                call,
                Failure::OutputTooLarge {
                    bytes,
                    max_output_bytes: max,
                },
                None,
            ));
        }
        Ok(())
    }
}
