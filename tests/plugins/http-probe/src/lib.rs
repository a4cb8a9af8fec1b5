//! A tiny connector for the runtime tests. `list-changed` GETs `<base_url>/items` through the
//! host `http` import (credential `token`) and returns one item whose fields carry the
//! response status and body; `get` GETs `<base_url>/items/<id>` per id.

// The component bindings exist only for wasm: a native cdylib cannot carry the
// component export names, and native builds (`cargo test --workspace`) only need to compile.
#[cfg(target_arch = "wasm32")]
mod component;
