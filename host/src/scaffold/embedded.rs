//! The files of a new plugin, from what `build.rs` embedded: which embedded file goes where,
//! and the placeholders filled in.

use super::{Kind, Lang, PluginName, ScaffoldError};

include!(concat!(env!("OUT_DIR"), "/scaffold_files.rs"));

/// The version of `wit-bindgen` the Rust SDK is built with here (from `Cargo.lock`, by
/// `build.rs`); a new Rust plugin's copy of the SDK pins it.
const WIT_BINDGEN_VERSION: &str = env!("PMSYNC_WIT_BINDGEN_VERSION");

fn embedded(path: &str) -> Option<&'static [u8]> {
    FILES
        .iter()
        .find(|(embedded, _)| *embedded == path)
        .map(|(_, bytes)| *bytes)
}

/// Embedded files under `prefix/`, as (path below `prefix`, bytes).
fn under(prefix: &str) -> impl Iterator<Item = (&'static str, &'static [u8])> + '_ {
    FILES.iter().filter_map(move |(path, bytes)| {
        path.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('/'))
            .map(|rest| (rest, *bytes))
    })
}

/// Fills `{{name}}`, `{{name_snake}}`, `{{name_camel}}`, `{{kind}}`, `{{sdk_version}}` and
/// `{{wit_bindgen_version}}` into `text`.
fn fill(text: &str, name: &PluginName, kind: Kind) -> String {
    text.replace("{{name_snake}}", &name.snake())
        .replace("{{name_camel}}", &name.camel())
        .replace("{{name}}", name.as_str())
        .replace("{{kind}}", kind.as_str())
        .replace("{{sdk_version}}", env!("CARGO_PKG_VERSION"))
        .replace("{{wit_bindgen_version}}", WIT_BINDGEN_VERSION)
}

fn fill_bytes(bytes: &[u8], name: &PluginName, kind: Kind) -> Vec<u8> {
    match std::str::from_utf8(bytes) {
        Ok(text) => fill(text, name, kind).into_bytes(),
        Err(_) => bytes.to_vec(),
    }
}

fn required(path: &str) -> Result<&'static [u8], ScaffoldError> {
    embedded(path).ok_or_else(|| {
        ScaffoldError(format!(
            "this pmsync-host was built without `{path}`, which a new plugin needs"
        ))
    })
}

/// Every file of a new plugin, as (path inside its folder, contents).
pub fn plugin_files(
    name: &PluginName,
    kind: Kind,
    lang: Lang,
) -> Result<Vec<(String, Vec<u8>)>, ScaffoldError> {
    let root = format!("templates/{}", lang.as_str());
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for folder in ["common", kind.as_str()] {
        for (path, bytes) in under(&format!("{root}/{folder}")) {
            files.push((fill(path, name, kind), fill_bytes(bytes, name, kind)));
        }
    }
    if !files.iter().any(|(path, _)| path == "plugin.toml") {
        return Err(ScaffoldError(format!(
            "this pmsync-host has no {} template for a {}",
            lang.as_str(),
            kind.as_str()
        )));
    }
    files.push((
        "wit/pmsync.wit".to_owned(),
        required("wit/pmsync.wit")?.to_vec(),
    ));
    match lang {
        Lang::Rust => {
            let manifest = required("templates/rust/sdk/Cargo.toml")?;
            files.push((
                "pmsync-sdk/Cargo.toml".to_owned(),
                fill_bytes(manifest, name, kind),
            ));
            for folder in ["src", "wit"] {
                for (path, bytes) in under(&format!("sdk/{folder}")) {
                    files.push((format!("pmsync-sdk/{folder}/{path}"), bytes.to_vec()));
                }
            }
        }
        Lang::Python => files.push((
            "pmsync_sdk.py".to_owned(),
            required("sdk/python/pmsync_sdk.py")?.to_vec(),
        )),
        Lang::Js => files.push((
            "pmsync_sdk.js".to_owned(),
            required("sdk/js/pmsync_sdk.js")?.to_vec(),
        )),
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rust_plugin_gets_its_template_the_sdk_crate_and_the_wit() {
        let name = PluginName::parse("title-case").unwrap();
        for kind in [Kind::Transformer, Kind::Resolver, Kind::Connector] {
            let files = plugin_files(&name, kind, Lang::Rust).unwrap();
            let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
            for expected in [
                "plugin.toml",
                "Cargo.toml",
                "build.sh",
                "src/lib.rs",
                "wit/pmsync.wit",
                "pmsync-sdk/Cargo.toml",
                "pmsync-sdk/src/lib.rs",
                "pmsync-sdk/wit/pmsync.wit",
            ] {
                assert!(
                    paths.contains(&expected),
                    "{kind:?}: no {expected} in {paths:?}"
                );
            }
            for (path, bytes) in &files {
                let text = String::from_utf8_lossy(bytes);
                assert!(
                    !text.contains("{{name"),
                    "{kind:?}: {path} keeps a placeholder"
                );
            }
        }
    }

    #[test]
    fn the_sdk_copy_pins_the_wit_bindgen_the_workspace_builds_with() {
        let name = PluginName::parse("x").unwrap();
        let files = plugin_files(&name, Kind::Resolver, Lang::Rust).unwrap();
        let (_, manifest) = files
            .iter()
            .find(|(p, _)| p == "pmsync-sdk/Cargo.toml")
            .unwrap();
        let manifest = String::from_utf8_lossy(manifest);
        assert!(
            manifest.contains(&format!("wit-bindgen = \"={WIT_BINDGEN_VERSION}\"")),
            "{manifest}"
        );
        assert!(!manifest.contains("workspace"), "{manifest}");
    }
}
