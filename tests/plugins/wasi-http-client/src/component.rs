wit_bindgen::generate!({
    path: "../../../wit",
    world: "transformer-plugin",
});

use exports::pmsync::plugin::transformer::{Guest, TransformRequest};
use pmsync::plugin::types::{PluginError, Value};
use wasi::http::outgoing_handler;
use wasi::http::types::{Fields, OutgoingRequest, Scheme};

struct WasiHttpClient;

/// Sends a GET to `authority` through `wasi:http`; the host's answer, as text.
fn fetch(authority: &str) -> String {
    let request = OutgoingRequest::new(Fields::new());
    let _ = request.set_scheme(Some(&Scheme::Https));
    let _ = request.set_authority(Some(authority));
    let _ = request.set_path_with_query(Some("/"));
    match outgoing_handler::handle(request, None) {
        Err(code) => format!("refused: {code:?}"),
        Ok(answer) => {
            answer.subscribe().block();
            match answer.get() {
                Some(Ok(Ok(_))) => "sent".to_string(),
                Some(Ok(Err(code))) => format!("refused: {code:?}"),
                Some(Err(())) => "answer already taken".to_string(),
                None => "no answer".to_string(),
            }
        }
    }
}

impl Guest for WasiHttpClient {
    fn names() -> Vec<String> {
        vec!["echo".to_string(), "fetch".to_string()]
    }

    fn transform_batch(requests: Vec<TransformRequest>) -> Vec<Result<Value, PluginError>> {
        requests
            .into_iter()
            .map(|r| match (r.name.as_str(), r.value) {
                ("fetch", Value::Text(authority)) => Ok(Value::Text(fetch(&authority))),
                (_, value) => Ok(value),
            })
            .collect()
    }
}

export!(WasiHttpClient);
