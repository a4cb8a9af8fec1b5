//! Hands a request to the host (inside pmsync) or to a test handler (compiled natively).

use super::Request;
use crate::PluginError;
use crate::bindings::connector::pmsync::plugin::http::{
    HttpError, Request as WireRequest, Response as WireResponse,
};

pub(super) fn send(request: Request) -> Result<WireResponse, HttpError> {
    let (method, url, headers, body, credential) = request.into_parts();
    let wire = WireRequest {
        method,
        url,
        headers,
        body,
        credential,
    };
    deliver(&wire)
}

/// The [`PluginError`] for a request that got no response at all.
pub(super) fn to_plugin_error(error: HttpError, request: &str) -> PluginError {
    match error {
        HttpError::Denied(reason) => {
            PluginError::unauthorized(format!("{request} was refused by the host: {reason}"))
        }
        HttpError::Timeout(reason) => {
            PluginError::transient(format!("{request} timed out: {reason}"))
        }
        HttpError::Transport(reason) => {
            PluginError::transient(format!("{request} failed to connect: {reason}"))
        }
        HttpError::InvalidRequest(reason) => {
            PluginError::invalid_input(format!("{request} is not a valid request: {reason}"))
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn deliver(request: &WireRequest) -> Result<WireResponse, HttpError> {
    crate::bindings::connector::pmsync::plugin::http::send(request)
}

#[cfg(not(target_arch = "wasm32"))]
fn deliver(request: &WireRequest) -> Result<WireResponse, HttpError> {
    testing::HANDLER.with(|handler| match handler.borrow_mut().as_mut() {
        Some(handler) => handler(request),
        None => Err(HttpError::Transport(
            "no HTTP handler is set: outside the pmsync host, install one with \
             pmsync_sdk::http::testing::set_handler"
                .to_owned(),
        )),
    })
}

/// A stand-in for the host's HTTP in native unit tests of a connector. Each test thread has
/// its own handler. Not available inside the host.
#[cfg(not(target_arch = "wasm32"))]
pub mod testing {
    use std::cell::RefCell;

    pub use crate::bindings::connector::pmsync::plugin::http::{
        HttpError, Request as WireRequest, Response as WireResponse,
    };

    type Handler = Box<dyn FnMut(&WireRequest) -> Result<WireResponse, HttpError>>;

    thread_local! {
        pub(super) static HANDLER: RefCell<Option<Handler>> = const { RefCell::new(None) };
    }

    /// Answers every request of the current thread with `handler`.
    pub fn set_handler(
        handler: impl FnMut(&WireRequest) -> Result<WireResponse, HttpError> + 'static,
    ) {
        HANDLER.with(|slot| *slot.borrow_mut() = Some(Box::new(handler)));
    }

    /// Removes the current thread's handler.
    pub fn clear_handler() {
        HANDLER.with(|slot| *slot.borrow_mut() = None);
    }

    /// A response with `status` and `body` and no headers.
    pub fn reply(status: u16, body: impl Into<Vec<u8>>) -> WireResponse {
        WireResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing;
    use crate::PluginError;
    use crate::http::Request;

    #[test]
    fn requests_reach_the_test_handler_with_credential_name_and_body() {
        testing::set_handler(|request| {
            assert_eq!(request.method, "POST");
            assert_eq!(request.credential.as_deref(), Some("token"));
            let body = request.body.clone().unwrap_or_default();
            Ok(testing::reply(201, body))
        });
        let response = Request::post("https://api.example/issues")
            .credential("token")
            .json(&serde_json::json!({"title": "Bug"}))
            .and_then(Request::send)
            .expect("handler answers");
        assert_eq!(response.status(), 201);
        assert_eq!(response.body(), br#"{"title":"Bug"}"#);
        testing::clear_handler();
    }

    #[test]
    fn no_response_at_all_maps_to_the_matching_plugin_error() {
        testing::set_handler(|_| Err(testing::HttpError::Denied("host not granted".to_owned())));
        let error = Request::get("https://evil.example/x?token=1")
            .send()
            .unwrap_err();
        assert_eq!(
            error,
            PluginError::unauthorized(
                "GET https://evil.example/x was refused by the host: host not granted"
            )
        );
        testing::set_handler(|_| Err(testing::HttpError::Timeout("30 s".to_owned())));
        assert!(Request::get("https://x").send().unwrap_err().is_retryable());
        testing::clear_handler();
    }

    #[test]
    fn without_a_handler_sending_natively_fails_with_instructions() {
        testing::clear_handler();
        let error = Request::get("https://x").send().unwrap_err();
        assert!(error.message().contains("set_handler"), "{error:?}");
    }
}
