//! Helpers for native tests: fixtures from the shared API data and canned HTTP answers.

use pmsync_sdk::http::testing::{HttpError, WireRequest, WireResponse};
use std::path::PathBuf;

/// `<workspace root>/../shared/apidata/fixtures/<relative>` as JSON; `None` (with a visible
/// message) when the folder is missing outside CI. Under `CI=true` a missing folder fails.
pub fn fixture(relative: &str) -> Option<serde_json::Value> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/apidata/fixtures");
    let path = root.join(relative);
    if !root.is_dir() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "the shared API data is missing at {} (required when CI=true)",
                root.display()
            );
        }
        eprintln!(
            "skipping: the shared API data is missing at {}",
            root.display()
        );
        return None;
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read fixture {}: {error}", path.display()));
    Some(
        serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("fixture {} is not JSON: {error}", path.display())),
    )
}

/// A handler that answers every request with `status`, `headers` and `body`.
pub fn reply_with(
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> impl FnMut(&WireRequest) -> Result<WireResponse, HttpError> + 'static {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let body = body.as_bytes().to_vec();
    move |_| {
        Ok(WireResponse {
            status,
            headers: headers.clone(),
            body: body.clone(),
        })
    }
}
