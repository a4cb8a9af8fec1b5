//! A toy connector, as an outside author would write one: straight against `wit/pmsync.wit`
//! (no SDK), with GraphQL documents of its own taken from the platform's documentation. The
//! tests use it to show the sandbox serves such a client, not just pmsync's own connectors.

// The component bindings exist only for wasm: a native cdylib cannot carry the component
// export names, and native builds (`cargo test --workspace`) only need to compile.
#[cfg(target_arch = "wasm32")]
mod component;
