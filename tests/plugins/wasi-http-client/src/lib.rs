//! A transformer that imports `wasi:http` (as a default componentize-js build does) and
//! tries it: `echo` returns its value; `fetch` sends a request through `wasi:http`, which
//! the host links but denies, so the plugin answers with the error it got. Plugins reach the
//! network only through pmsync's own `http` import (grants, rate limits, credentials).

// The component bindings exist only for wasm: a native cdylib cannot carry the
// component export names, and native builds (`cargo test --workspace`) only need to compile.
#[cfg(target_arch = "wasm32")]
mod component;
