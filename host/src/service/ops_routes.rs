//! `/healthz` (the process answers), `/readyz` (a config is running, the state store
//! answers and the first reconcile sweep is done; 503 with the reason otherwise) and
//! `/metrics` (Prometheus text).

use super::shared::Shared;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub(super) async fn healthz() -> Response {
    (StatusCode::OK, "ok\n").into_response()
}

pub(super) async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    if shared.stop.requested() {
        return (StatusCode::SERVICE_UNAVAILABLE, "stopping\n").into_response();
    }
    let probe = shared.clone();
    let store = tokio::task::spawn_blocking(move || probe.intake().queue_depth()).await;
    match store {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("state store: {e}\n"),
            )
                .into_response();
        }
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")).into_response(),
    }
    if !shared.swept() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the first reconcile sweep is still running\n",
        )
            .into_response();
    }
    (StatusCode::OK, "ready\n").into_response()
}

pub(super) async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    let probe = shared.clone();
    let depth = tokio::task::spawn_blocking(move || probe.intake().queue_depth())
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(0);
    let text = shared.metrics.render(depth, shared.current().number);
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}
