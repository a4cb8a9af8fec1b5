wit_bindgen::generate!({
    path: "wit",
    world: "transformer-plugin",
});

use exports::pmsync::plugin::transformer::{Guest, TransformContext, TransformRequest};
use pmsync::plugin::types::{PluginError, Value};

struct FutureMajor;

impl Guest for FutureMajor {
    fn names() -> Vec<String> {
        vec!["identity".to_string()]
    }

    fn transform(
        _name: String,
        value: Value,
        _context: TransformContext,
    ) -> Result<Value, PluginError> {
        Ok(value)
    }

    fn transform_batch(requests: Vec<TransformRequest>) -> Vec<Result<Value, PluginError>> {
        requests.into_iter().map(|r| Ok(r.value)).collect()
    }
}

export!(FutureMajor);
