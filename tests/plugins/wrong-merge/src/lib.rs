//! A resolver whose every answer is `merged(integer 42)`, whatever the field's type.

// The component bindings exist only for wasm: a native cdylib cannot carry the
// component export names, and native builds (`cargo test --workspace`) only need to compile.
#[cfg(target_arch = "wasm32")]
mod component;
