//! A transformer whose world imports `pmsync:plugin/spy`, which no host provides (the WIT
//! copy in this crate's `wit/`). The host must refuse it before compiling it.

// The component bindings exist only for wasm: a native cdylib cannot carry the
// component export names, and native builds (`cargo test --workspace`) only need to compile.
#[cfg(target_arch = "wasm32")]
mod component;
