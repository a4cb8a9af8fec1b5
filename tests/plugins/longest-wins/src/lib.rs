//! A tiny resolver for the runtime tests: of two conflicting texts the longer wins (ties
//! are merged as `source / target`); any other conflict is deferred to a person.

// The component bindings exist only for wasm: a native cdylib cannot carry the
// component export names, and native builds (`cargo test --workspace`) only need to compile.
#[cfg(target_arch = "wasm32")]
mod component;
