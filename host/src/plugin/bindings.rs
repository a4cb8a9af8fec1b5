//! Host bindings of the three plugin worlds, generated from `wit/pmsync.wit`. The shared
//! interfaces (`types`, `log`, `config`) are generated once, in the connector world, and
//! reused by the others so one set of types and host imports serves all three.

/// `connector-plugin`: imports log, config, http; exports connector.
pub mod connector_world {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "connector-plugin",
    });
}

/// `transformer-plugin`: imports log, config; exports transformer.
pub mod transformer_world {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "transformer-plugin",
        with: {
            "pmsync:plugin/types": super::connector_world::pmsync::plugin::types,
            "pmsync:plugin/log": super::connector_world::pmsync::plugin::log,
            "pmsync:plugin/config": super::connector_world::pmsync::plugin::config,
        },
    });
}

/// `resolver-plugin`: imports log, config; exports resolver.
pub mod resolver_world {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "resolver-plugin",
        with: {
            "pmsync:plugin/types": super::connector_world::pmsync::plugin::types,
            "pmsync:plugin/log": super::connector_world::pmsync::plugin::log,
            "pmsync:plugin/config": super::connector_world::pmsync::plugin::config,
        },
    });
}

pub use connector_world::exports::pmsync::plugin::connector as wit_connector;
pub use connector_world::pmsync::plugin::{config, http, log, types};
pub use resolver_world::exports::pmsync::plugin::resolver as wit_resolver;
pub use transformer_world::exports::pmsync::plugin::transformer as wit_transformer;
