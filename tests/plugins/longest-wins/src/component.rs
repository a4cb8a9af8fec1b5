wit_bindgen::generate!({
    path: "../../../wit",
    world: "resolver-plugin",
});

use exports::pmsync::plugin::resolver::{Guest, Resolution, ResolveRequest};
use pmsync::plugin::types::{PluginError, Value};

struct LongestWins;

impl Guest for LongestWins {
    fn name() -> String {
        "longest_wins".to_string()
    }

    fn resolve(requests: Vec<ResolveRequest>) -> Vec<Result<Vec<Resolution>, PluginError>> {
        requests
            .into_iter()
            .map(|request| {
                Ok(request
                    .conflicts
                    .into_iter()
                    .map(|c| match (&c.source, &c.target) {
                        (Value::Text(s), Value::Text(t)) if s.len() > t.len() => {
                            Resolution::TakeSource
                        }
                        (Value::Text(s), Value::Text(t)) if s.len() < t.len() => {
                            Resolution::TakeTarget
                        }
                        (Value::Text(s), Value::Text(t)) => {
                            Resolution::Merged(Value::Text(format!("{s} / {t}")))
                        }
                        _ => Resolution::Defer(format!("`{}` is not text on both sides", c.field)),
                    })
                    .collect())
            })
            .collect()
    }
}

export!(LongestWins);
