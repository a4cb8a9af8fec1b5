//! Helpers shared by the unit tests: the recorded API data and the HTTP stand-in.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use pmsync_sdk::config::testing as settings;
use pmsync_sdk::http::testing::{self as http, WireRequest, WireResponse};

/// `<workspace>/../shared/apidata`, or `None` (after saying so) when it is missing outside
/// CI. With `CI=true` a missing folder fails the test.
pub fn apidata() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/apidata");
    if root.is_dir() {
        return Some(root);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "CI=true but the API reference data is missing at {}",
            root.display()
        );
    }
    eprintln!(
        "skipping: the API reference data is not at {}",
        root.display()
    );
    None
}

/// A recorded example response, by file name under `fixtures/jira-openapi-examples`.
pub fn example(name: &str) -> Option<String> {
    let path = apidata()?.join("fixtures/jira-openapi-examples").join(name);
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// The settings of a connector for project `PROJ` on `https://acme.atlassian.net`.
pub fn configure() {
    settings::clear();
    settings::set("base_url", "https://acme.atlassian.net");
    settings::set("project", "PROJ");
}

/// One request as the plugin sent it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub method: String,
    pub url: String,
    pub body: Option<serde_json::Value>,
    pub credential: Option<String>,
}

impl Sent {
    /// The path and query of the URL, without scheme and host.
    pub fn target(&self) -> &str {
        self.url
            .strip_prefix("https://acme.atlassian.net")
            .unwrap_or(&self.url)
    }
}

/// Answers requests with `answer(method, target)` and records them.
pub fn serve(
    mut answer: impl FnMut(&str, &str, Option<&serde_json::Value>) -> (u16, String) + 'static,
) -> Rc<RefCell<Vec<Sent>>> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let recorder = log.clone();
    http::set_handler(move |request: &WireRequest| {
        let body = request
            .body
            .as_ref()
            .and_then(|bytes| serde_json::from_slice(bytes).ok());
        let sent = Sent {
            method: request.method.clone(),
            url: request.url.clone(),
            body,
            credential: request.credential.clone(),
        };
        let (status, text) = answer(&sent.method, sent.target(), sent.body.as_ref());
        recorder.borrow_mut().push(sent);
        Ok(WireResponse {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: text.into_bytes(),
        })
    });
    log
}
