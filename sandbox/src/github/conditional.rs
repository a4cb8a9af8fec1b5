//! Conditional requests, as on GitHub: every successful `GET` answer carries an `ETag` (a
//! weak validator of its body), and a `GET` whose `If-None-Match` names the current one is
//! answered `304 Not Modified` without a body. The platform middleware gives a 304's rate
//! budget back, since GitHub does not count it against the limit.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Bodies larger than this are answered without an `ETag` (the sandbox's pages are far
/// smaller: 100 issues of at most 65,536 characters each stay below it).
const MAX_TAGGED_BODY: usize = 64 * 1024 * 1024;

/// The weak `ETag` of a body: `W/"<sha-256 hex>"`.
pub(crate) fn etag_of(body: &[u8]) -> String {
    format!("W/\"{}\"", hex::encode(Sha256::digest(body)))
}

/// True when an `If-None-Match` value (`*` or a list of tags) names `etag`, comparing
/// weakly (a `W/` prefix is ignored on both sides).
fn none_match_names(if_none_match: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let wanted = opaque(etag);
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || opaque(t) == wanted)
}

/// The middleware: tags `GET` answers and turns a matching revalidation into a 304.
pub(crate) async fn conditional_get(request: Request, next: Next) -> Response {
    if request.method() != Method::GET || request.uri().path() == "/rate_limit" {
        return next.run(request).await;
    }
    let if_none_match = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_TAGGED_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let etag = etag_of(&bytes);
    let Ok(value) = HeaderValue::from_str(&etag) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    parts.headers.insert(header::ETAG, value);
    if if_none_match.is_some_and(|v| none_match_names(&v, &etag)) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        let tag = etag_of(b"[]");
        assert!(tag.starts_with("W/\"") && tag.len() == 3 + 64 + 1);
        assert!(none_match_names(&tag, &tag));
        assert!(none_match_names(tag.trim_start_matches("W/"), &tag));
        assert!(none_match_names(&format!("\"other\", {tag}"), &tag));
        assert!(none_match_names("*", &tag));
        assert!(!none_match_names("\"other\"", &tag));
        assert_ne!(etag_of(b"[1]"), tag, "another body, another tag");
    }
}
