wit_bindgen::generate!({
    path: "../../../wit",
    world: "resolver-plugin",
});

use exports::pmsync::plugin::resolver::{Guest, Resolution, ResolveRequest};
use pmsync::plugin::types::{PluginError, Value};

struct WrongMerge;

impl Guest for WrongMerge {
    fn name() -> String {
        "wrong_merge".to_string()
    }

    fn resolve(requests: Vec<ResolveRequest>) -> Vec<Result<Vec<Resolution>, PluginError>> {
        requests
            .into_iter()
            .map(|r| {
                Ok(r.conflicts
                    .iter()
                    .map(|_| Resolution::Merged(Value::Integer(42)))
                    .collect())
            })
            .collect()
    }
}

export!(WrongMerge);
