//! `POST /webhooks/<platform entry>`: a delivery is checked before anything else is done
//! with it — its size (413), its signature in constant time (401: forged or unsigned), for
//! Linear its `webhookTimestamp` (401: stale, a replay) — then committed to the state store
//! and only then acknowledged (200). A delivery id the entry already had is acknowledged
//! and ignored, across restarts.

use super::metrics::Rejection;
use super::shared::Shared;
use crate::http::webhook_signature::{LINEAR_REPLAY_WINDOW, linear_timestamp_is_fresh};
use crate::store::DeliveryOutcome;
use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::SystemTime;

/// Most headers of a delivery kept for the connector's `parse-webhook`.
const MAX_KEPT_HEADERS: usize = 64;
/// Longest delivery id accepted.
const MAX_DELIVERY_ID: usize = 200;

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

fn refuse(shared: &Shared, status: StatusCode, why: Rejection, message: String) -> Response {
    shared.metrics.rejected(why);
    tracing::warn!(target: "pmsync::serve", "webhook refused ({status}): {message}");
    answer(status, serde_json::json!({ "error": message }))
}

pub(super) async fn receive(
    State((shared, max_body)): State<(Arc<Shared>, usize)>,
    Path(entry): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_big = || format!("the delivery is larger than {max_body} bytes");
    if declared.is_some_and(|n| n > max_body as u64) {
        return refuse(
            &shared,
            StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::Oversized,
            too_big(),
        );
    }
    let Ok(body) = to_bytes(body, max_body).await else {
        return refuse(
            &shared,
            StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::Oversized,
            too_big(),
        );
    };
    let generation = shared.current();
    let Some(endpoint) = generation.endpoints.get(&entry) else {
        return refuse(
            &shared,
            StatusCode::NOT_FOUND,
            Rejection::UnknownPlatform,
            format!("no platform entry `{entry}` in the config"),
        );
    };
    let Some(scheme) = endpoint.scheme else {
        return refuse(
            &shared,
            StatusCode::NOT_FOUND,
            Rejection::UnknownPlatform,
            format!(
                "the connector of `{entry}` declares no webhook_signature; it takes no webhooks"
            ),
        );
    };
    let signature = headers
        .get(scheme.header_name())
        .and_then(|v| v.to_str().ok());
    let no_secret = crate::http::Secret::new("");
    let secret = endpoint.secret.as_ref().unwrap_or(&no_secret);
    if let Err(error) = scheme.verify(secret, &body, signature) {
        return refuse(
            &shared,
            StatusCode::UNAUTHORIZED,
            Rejection::Signature,
            format!("platforms.{entry}: {error}"),
        );
    }
    if let Some(field) = scheme.timestamp_field() {
        let sent_ms = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get(field).and_then(serde_json::Value::as_f64));
        let Some(sent_ms) = sent_ms else {
            return refuse(
                &shared,
                StatusCode::UNAUTHORIZED,
                Rejection::Stale,
                format!("platforms.{entry}: the delivery has no numeric `{field}`"),
            );
        };
        if !linear_timestamp_is_fresh(sent_ms, SystemTime::now(), LINEAR_REPLAY_WINDOW) {
            return refuse(
                &shared,
                StatusCode::UNAUTHORIZED,
                Rejection::Stale,
                format!(
                    "platforms.{entry}: `{field}` is more than {} s away from now (a replay?)",
                    LINEAR_REPLAY_WINDOW.as_secs()
                ),
            );
        }
    }
    let delivery_id = match headers
        .get(scheme.delivery_header())
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(id) if id.len() > MAX_DELIVERY_ID => {
            return refuse(
                &shared,
                StatusCode::BAD_REQUEST,
                Rejection::Malformed,
                format!(
                    "`{}` is longer than {MAX_DELIVERY_ID} characters",
                    scheme.delivery_header()
                ),
            );
        }
        Some(id) => id.to_string(),
        // No id: the same body is the same delivery.
        None => format!("sha256:{}", hex::encode(Sha256::digest(&body))),
    };
    let kept: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| !name.as_str().eq_ignore_ascii_case(scheme.header_name()))
        .filter_map(|(name, value)| {
            Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
        })
        .take(MAX_KEPT_HEADERS)
        .collect();
    let committing = shared.clone();
    let id = delivery_id.clone();
    let platform = entry.clone();
    let committed = tokio::task::spawn_blocking(move || {
        committing
            .intake()
            .write(|tx| tx.record_delivery(&platform, &id, &kept, &body, chrono::Utc::now()))
    })
    .await;
    match committed {
        Ok(Ok(DeliveryOutcome::Queued)) => {
            shared.metrics.queued();
            shared.wake();
            tracing::info!(target: "pmsync::serve", "webhook {entry} {delivery_id}: queued");
            answer(
                StatusCode::OK,
                serde_json::json!({ "status": "queued", "delivery": delivery_id }),
            )
        }
        Ok(Ok(DeliveryOutcome::Duplicate)) => {
            shared.metrics.duplicate();
            tracing::info!(target: "pmsync::serve", "webhook {entry} {delivery_id}: already received; ignored");
            answer(
                StatusCode::OK,
                serde_json::json!({ "status": "duplicate", "delivery": delivery_id }),
            )
        }
        Ok(Err(error)) => {
            tracing::error!(target: "pmsync::serve", "webhook {entry} {delivery_id}: not committed: {error}");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({ "error": format!("not committed: {error}") }),
            )
        }
        Err(error) => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({ "error": format!("not committed: {error}") }),
        ),
    }
}
