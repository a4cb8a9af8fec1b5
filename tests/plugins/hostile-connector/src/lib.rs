//! A connector plugin that misbehaves on purpose, chosen by its `mode` setting: endless
//! cursors, a page far larger than asked for, an item with a malformed `updated-at`,
//! duplicate ids within a page. Any other mode behaves.

// The component bindings exist only for wasm: a native cdylib cannot carry the
// component export names, and native builds (`cargo test --workspace`) only need to compile.
#[cfg(target_arch = "wasm32")]
mod component;
