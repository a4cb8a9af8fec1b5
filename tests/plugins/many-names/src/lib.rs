//! A transformer providing 6,000 transforms, `t0000` to `t5999` (each the identity):
//! `plugins list` and `plugins inspect` must stay readable and never panic on it.

/// How many transforms the plugin provides; `plugin.toml` lists the same names.
pub const COUNT: usize = 6_000;

/// The name of transform `i`.
pub fn name(i: usize) -> String {
    format!("t{i:04}")
}

// The component bindings exist only for wasm: a native cdylib cannot carry the
// component export names, and native builds (`cargo test --workspace`) only need to compile.
#[cfg(target_arch = "wasm32")]
mod component;
