//! Guest bindings generated from the WIT contract `pmsync:plugin@1.0.0`, one module per
//! world. Plugin authors normally use the traits and `export_*!` macros of this crate
//! instead; the raw bindings stay public so the `export_*!` macros can reach them from the
//! author's crate, and for authors who want the batch-level `Guest` traits directly.
//!
//! The shared interfaces (`types`, `log`, `config`) are generated once, in
//! [`transformer`], and the other two worlds reuse them through `with`, so a
//! [`Value`](crate::Value) is the same Rust type in every plugin kind.

/// The `transformer-plugin` world; also home of the shared `types`, `log` and `config`
/// interfaces.
pub mod transformer {
    wit_bindgen::generate!({
        path: "wit",
        world: "pmsync:plugin/transformer-plugin@1.0.0",
        pub_export_macro: true,
        export_macro_name: "export",
        default_bindings_module: "pmsync_sdk::bindings::transformer",
        additional_derives: [PartialEq],
        generate_all,
    });
}

/// The `resolver-plugin` world.
pub mod resolver {
    wit_bindgen::generate!({
        path: "wit",
        world: "pmsync:plugin/resolver-plugin@1.0.0",
        pub_export_macro: true,
        export_macro_name: "export",
        default_bindings_module: "pmsync_sdk::bindings::resolver",
        additional_derives: [PartialEq],
        with: {
            "pmsync:plugin/types@1.0.0": crate::bindings::transformer::pmsync::plugin::types,
            "pmsync:plugin/log@1.0.0": crate::bindings::transformer::pmsync::plugin::log,
            "pmsync:plugin/config@1.0.0": crate::bindings::transformer::pmsync::plugin::config,
        },
    });
}

/// The `connector-plugin` world.
pub mod connector {
    wit_bindgen::generate!({
        path: "wit",
        world: "pmsync:plugin/connector-plugin@1.0.0",
        pub_export_macro: true,
        export_macro_name: "export",
        default_bindings_module: "pmsync_sdk::bindings::connector",
        additional_derives: [PartialEq],
        with: {
            "pmsync:plugin/types@1.0.0": crate::bindings::transformer::pmsync::plugin::types,
            "pmsync:plugin/log@1.0.0": crate::bindings::transformer::pmsync::plugin::log,
            "pmsync:plugin/config@1.0.0": crate::bindings::transformer::pmsync::plugin::config,
            "pmsync:plugin/http@1.0.0": generate,
        },
    });
}
