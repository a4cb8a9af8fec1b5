//! A transformer built for `pmsync:plugin@2.0.0` (the WIT copy in this crate's `wit/`).
//! It works; the point is that a 1.x host refuses to load it.

// The component bindings exist only for wasm: a native cdylib cannot carry the
// component export names, and native builds (`cargo test --workspace`) only need to compile.
#[cfg(target_arch = "wasm32")]
mod component;
