//! The host's integration tests, as one test binary (linking wasmtime once instead of once per
//! topic). A module per topic; run one with `cargo test -p pmsync-host --test all engine::`.
//! See `tests/README.md` for where each kind of test goes.

mod bundles;
mod cli;
mod compilers;
mod config_settings;
mod connectors_sandbox;
mod crash;
mod engine;
mod example_plugins;
mod graphql_toy_connectors;
mod hostile_plugins;
mod http_gateway;
mod js_plugins;
mod js_resolver_sync;
mod links_cli;
mod plugin_runtime;
mod plugins_test_cli;
mod processes;
mod python_plugins;
mod serve;
mod support;
mod toy_connectors;
