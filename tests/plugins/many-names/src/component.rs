wit_bindgen::generate!({
    path: "../../../wit",
    world: "transformer-plugin",
});

use exports::pmsync::plugin::transformer::{Guest, TransformRequest};
use pmsync::plugin::types::{PluginError, Value};

struct ManyNames;

impl Guest for ManyNames {
    fn names() -> Vec<String> {
        (0..crate::COUNT).map(crate::name).collect()
    }

    fn transform_batch(requests: Vec<TransformRequest>) -> Vec<Result<Value, PluginError>> {
        requests.into_iter().map(|r| Ok(r.value)).collect()
    }
}

export!(ManyNames);
