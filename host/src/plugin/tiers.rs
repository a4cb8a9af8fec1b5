//! Getting a component's machine code: an optimised (Cranelift) cache entry first, then a
//! baseline (Winch) one when a cold compile would use Winch, else a compile by the compiler
//! [`ColdCompile`] picks; and later the optimised code for a plugin that runs on baseline
//! code (the upgrade).

use super::cache::{CacheOutcome, ComponentCache, Fetched, cache_key};
use super::compiler::{ColdCompile, Compiler};
use super::error::PluginError;
use super::wasmtime_engine::PluginEngine;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use wasmtime::component::Component;

/// A component's machine code and where it came from.
pub(crate) struct Compiled {
    pub component: Component,
    pub engine: Arc<PluginEngine>,
    pub key: String,
    pub cache: CacheOutcome,
}

/// The engines (Cranelift always, Winch when first needed), the cache and the cold policy.
pub(crate) struct Tiers {
    optimised: Arc<PluginEngine>,
    baseline: OnceLock<Arc<PluginEngine>>,
    pub cache: Option<ComponentCache>,
    pub cold: ColdCompile,
}

impl Tiers {
    pub fn new(cache: Option<ComponentCache>, cold: ColdCompile) -> Result<Tiers, PluginError> {
        Ok(Tiers {
            optimised: Arc::new(PluginEngine::new(Compiler::Cranelift)?),
            baseline: OnceLock::new(),
            cache,
            cold,
        })
    }

    /// The engine of `compiler` (the Winch one is set up on first use).
    pub fn engine(&self, compiler: Compiler) -> Result<Arc<PluginEngine>, PluginError> {
        match compiler {
            Compiler::Cranelift => Ok(self.optimised.clone()),
            Compiler::Winch => {
                if let Some(engine) = self.baseline.get() {
                    return Ok(engine.clone());
                }
                let engine = Arc::new(PluginEngine::new(Compiler::Winch)?);
                Ok(self.baseline.get_or_init(|| engine).clone())
            }
        }
    }

    /// The key of the optimised cache entry for these component bytes.
    pub fn optimised_key(&self, bytes: &[u8]) -> String {
        cache_key(&self.optimised.engine, Compiler::Cranelift, bytes)
    }

    /// The component's machine code: from the cache (optimised preferred) or compiled.
    pub fn obtain(&self, bytes: &[u8]) -> Result<Compiled, String> {
        let cold = self.cold.compiler_for(bytes.len());
        let Some(cache) = &self.cache else {
            return self.compile(cold, bytes, CacheOutcome::Disabled);
        };
        let mut unusable = None;
        let tried: &[Compiler] = match cold {
            Compiler::Cranelift => &[Compiler::Cranelift],
            Compiler::Winch => &[Compiler::Cranelift, Compiler::Winch],
        };
        for &compiler in tried {
            let engine = self.engine(compiler).map_err(|e| e.to_string())?;
            let key = cache_key(&engine.engine, compiler, bytes);
            match cache.fetch(&engine.engine, compiler, &key) {
                Fetched::Found(component) => {
                    return Ok(Compiled {
                        component,
                        engine,
                        key,
                        cache: CacheOutcome::Hit,
                    });
                }
                Fetched::Absent => {}
                Fetched::Unusable(reason) => {
                    cache.discard(&key);
                    unusable = Some(reason);
                }
            }
        }
        let outcome = match unusable {
            None => CacheOutcome::Miss,
            Some(reason) => CacheOutcome::Rebuilt(reason),
        };
        self.compile(cold, bytes, outcome)
    }

    fn compile(
        &self,
        compiler: Compiler,
        bytes: &[u8],
        cache: CacheOutcome,
    ) -> Result<Compiled, String> {
        let engine = self.engine(compiler).map_err(|e| e.to_string())?;
        let component = Component::new(&engine.engine, bytes)
            .map_err(|e| format!("not a valid component: {e:#}"))?;
        Ok(Compiled {
            component,
            key: cache_key(&engine.engine, compiler, bytes),
            engine,
            cache,
        })
    }

    /// Compiles `bytes` with Cranelift and writes the optimised cache entry, unless a valid
    /// one exists: the upgrade of a plugin that loaded from baseline code. Returns how long
    /// compiling took (`None`: the entry was there already).
    pub fn optimise(&self, bytes: &[u8]) -> Result<Option<Duration>, String> {
        let Some(cache) = &self.cache else {
            return Err("the compiled-component cache is off; nothing to keep".into());
        };
        let key = self.optimised_key(bytes);
        if let Fetched::Found(_) = cache.fetch(&self.optimised.engine, Compiler::Cranelift, &key) {
            return Ok(None);
        }
        let started = Instant::now();
        let component = Component::new(&self.optimised.engine, bytes)
            .map_err(|e| format!("not a valid component: {e:#}"))?;
        cache.keep(&key, Compiler::Cranelift, &component);
        Ok(Some(started.elapsed()))
    }
}
