//! The host side of the WIT imports: `log` (to tracing), `config` (the instance's
//! settings) and `http` (checked against the plugin's grants, then forwarded to the
//! instance's [`HttpClient`](crate::http::HttpClient)).

use super::bindings::{config, http, log, types};
use super::limits::log_line;
use super::state::PluginState;
use crate::http::{HttpFailure, OutboundRequest};

impl types::Host for PluginState {}

impl log::Host for PluginState {
    /// At most [`LOG_LINES_PER_CALL`](super::limits::LOG_LINES_PER_CALL) lines per call,
    /// each cut to [`MAX_LOG_LINE`](super::limits::MAX_LOG_LINE) bytes; the rest are
    /// counted and reported after the call.
    fn log(&mut self, level: log::Level, message: String) {
        if !self.log.admit() {
            return;
        }
        let message = log_line(&message);
        let plugin = self.plugin.as_str();
        match level {
            log::Level::Trace => tracing::trace!(target: "pmsync::plugin", plugin, "{message}"),
            log::Level::Debug => tracing::debug!(target: "pmsync::plugin", plugin, "{message}"),
            log::Level::Info => tracing::info!(target: "pmsync::plugin", plugin, "{message}"),
            log::Level::Warn => tracing::warn!(target: "pmsync::plugin", plugin, "{message}"),
            log::Level::Error => tracing::error!(target: "pmsync::plugin", plugin, "{message}"),
        }
    }
}

impl config::Host for PluginState {
    fn get(&mut self, key: String) -> Option<String> {
        self.settings.get(&key).cloned()
    }

    fn entries(&mut self) -> Vec<(String, String)> {
        self.settings
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

impl http::Host for PluginState {
    fn send(&mut self, request: http::Request) -> Result<http::Response, http::HttpError> {
        let Some(client) = self.http.clone() else {
            return Err(http::HttpError::Denied(format!(
                "plugin {} has no network access",
                self.plugin
            )));
        };
        if let Err(reason) = self.granted.allows_url(&request.url) {
            return Err(match reason.contains("not a granted host") {
                true => http::HttpError::Denied(reason),
                false => http::HttpError::InvalidRequest(reason),
            });
        }
        if let Some(name) = &request.credential
            && !self.granted.allows_secret(name)
        {
            return Err(http::HttpError::Denied(format!(
                "credential `{name}` is not granted to plugin {}",
                self.plugin
            )));
        }
        let outbound = OutboundRequest {
            method: request.method,
            url: request.url,
            headers: request.headers,
            body: request.body,
            credential: request.credential,
        };
        match client.send(outbound) {
            Ok(response) => Ok(http::Response {
                status: response.status,
                headers: response.headers,
                body: response.body,
            }),
            Err(HttpFailure::Denied(m)) => Err(http::HttpError::Denied(m)),
            Err(HttpFailure::Timeout(m)) => Err(http::HttpError::Timeout(m)),
            Err(HttpFailure::Transport(m)) => Err(http::HttpError::Transport(m)),
            Err(HttpFailure::InvalidRequest(m)) => Err(http::HttpError::InvalidRequest(m)),
        }
    }
}
