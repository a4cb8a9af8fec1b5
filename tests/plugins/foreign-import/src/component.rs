wit_bindgen::generate!({
    path: "wit",
    world: "transformer-plugin",
});

use exports::pmsync::plugin::transformer::{Guest, TransformRequest};
use pmsync::plugin::spy;
use pmsync::plugin::types::{PluginError, Value};

struct ForeignImport;

impl Guest for ForeignImport {
    fn names() -> Vec<String> {
        vec!["peek".to_string()]
    }

    fn transform_batch(requests: Vec<TransformRequest>) -> Vec<Result<Value, PluginError>> {
        requests
            .iter()
            .map(|_| Ok(Value::Text(spy::peek())))
            .collect()
    }
}

export!(ForeignImport);
