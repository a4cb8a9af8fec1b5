//! Checks a component's real world (its imports and exports) against its manifest: the
//! API major, the export of the declared kind, and only the imports that kind may use.

use super::manifest::{API_PACKAGE, ApiVersion, Manifest, PluginKind};
use wasmtime::Engine;
use wasmtime::component::Component;

/// A `pmsync:plugin/<interface>@<version>` name, split.
fn pmsync_interface(name: &str) -> Option<(&str, Option<ApiVersion>)> {
    let rest = name.strip_prefix(API_PACKAGE)?.strip_prefix('/')?;
    Some(match rest.split_once('@') {
        Some((iface, version)) => (iface, ApiVersion::parse_version(version)),
        None => (rest, None),
    })
}

fn allowed_imports(kind: PluginKind) -> &'static [&'static str] {
    match kind {
        PluginKind::Connector => &["types", "log", "config", "http"],
        PluginKind::Transformer | PluginKind::Resolver => &["types", "log", "config"],
    }
}

/// WASI packages a guest's std may import; the sandbox serves them, locked down.
/// WASI packages the host links for plugins. `wasi:http` is linked with every request
/// denied: a default componentize-js build imports it and must load.
const WASI_PACKAGES: [&str; 7] = [
    "wasi:cli/",
    "wasi:clocks/",
    "wasi:filesystem/",
    "wasi:http/",
    "wasi:io/",
    "wasi:random/",
    "wasi:sockets/",
];

/// Refuses a compiled component whose world does not fit its manifest; the message says why.
pub fn check_world(
    engine: &Engine,
    component: &Component,
    manifest: &Manifest,
) -> Result<(), String> {
    let ty = component.component_type();
    let imports: Vec<String> = ty
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    let exports: Vec<String> = ty
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    check_world_names(&imports, &exports, manifest)
}

/// Refuses a world (import and export names) that does not fit the manifest: the API
/// major, the export of the declared kind, and only the imports that kind may use. Runs on
/// the names read from the bytes before compiling, and again on the compiled component.
pub fn check_world_names(
    imports: &[String],
    exports: &[String],
    manifest: &Manifest,
) -> Result<(), String> {
    // A component built for another major says so, whatever its manifest claims.
    for name in imports.iter().chain(exports.iter()) {
        if let Some((_, Some(version))) = pmsync_interface(name)
            && !version.is_supported()
        {
            return Err(version.unsupported_message());
        }
    }

    let kind = manifest.kind;
    let exported_kinds: Vec<(PluginKind, String)> = exports
        .iter()
        .filter_map(|name| {
            let (iface, _) = pmsync_interface(name)?;
            [
                PluginKind::Transformer,
                PluginKind::Resolver,
                PluginKind::Connector,
            ]
            .into_iter()
            .find(|k| k.export_interface() == iface)
            .map(|k| (k, name.clone()))
        })
        .collect();
    if !exported_kinds.iter().any(|(k, _)| *k == kind) {
        return Err(match exported_kinds.first() {
            Some((other, name)) => format!(
                "manifest says kind `{kind}` but the component exports `{}` (a {other}), not {API_PACKAGE}/{}@{}.x",
                super::limits::cut(name, 200),
                kind.export_interface(),
                super::manifest::SUPPORTED_MAJOR
            ),
            None => format!(
                "the component exports no {API_PACKAGE}/{}@{}.x interface (exports: {})",
                kind.export_interface(),
                super::manifest::SUPPORTED_MAJOR,
                if exports.is_empty() {
                    "none".to_string()
                } else {
                    super::limits::name_list(exports)
                }
            ),
        });
    }

    for name in imports {
        if let Some((iface, _)) = pmsync_interface(name) {
            if !allowed_imports(kind).contains(&iface) {
                return Err(format!(
                    "the component imports `{}`, which a {kind} plugin may not use",
                    super::limits::cut(name, 200)
                ));
            }
        } else if !WASI_PACKAGES.iter().any(|p| name.starts_with(p)) {
            return Err(format!(
                "the component imports `{}`, which this host does not provide to plugins",
                super::limits::cut(name, 200)
            ));
        }
    }
    Ok(())
}
