//! The request/response types of the host `http` interface and the trait the plugin
//! runtime calls.

/// A request as a connector plugin asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// The name of a credential the host should inject, if any.
    pub credential: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InboundResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl InboundResponse {
    /// The first header of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request was not answered. Mirrors the WIT `http-error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpFailure {
    #[error("denied: {0}")]
    Denied(String),
    #[error("timeout: {0}")]
    Timeout(String),
    #[error("transport: {0}")]
    Transport(String),
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

/// What a connector instance uses to reach the network. One value per connector instance,
/// carrying that instance's grants and credentials. Blocking: called from the plugin's
/// (blocking) thread.
pub trait HttpClient: Send + Sync {
    fn send(&self, request: OutboundRequest) -> Result<InboundResponse, HttpFailure>;
}
