//! A transformer plugin that misbehaves on purpose. Every transform but `upper` attacks the
//! host: it loops, balloons, panics, reads files, environment or sockets, or floods output.

// The component bindings exist only for wasm: a native cdylib cannot carry the
// component export names, and native builds (`cargo test --workspace`) only need to compile.
#[cfg(target_arch = "wasm32")]
mod component;
