//! What handlers answer and what they read besides the body: the typed responses
//! (`ok`, `created`, `no_content`, `csv`) and the inputs every function reads the same way
//! (`idempotency_key`, `page`), so that each function crate is wiring, not copies.

use ::http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use super::{Request, Response, json, query_param};

/// 200 with `body` as JSON.
pub fn ok<T: Serialize>(body: &T) -> Response {
    json(StatusCode::OK, body)
}

/// 201 with the created record as JSON.
pub fn created<T: Serialize>(body: &T) -> Response {
    json(StatusCode::CREATED, body)
}

/// `{"items": [...]}`, the shape of every list.
pub fn items<T: Serialize>(items: &[T]) -> Response {
    json(StatusCode::OK, &serde_json::json!({ "items": items }))
}

/// 204, no body.
pub fn no_content() -> Response {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// A CSV download named `filename` (the cells neutralized by `csv_table::write`).
pub fn csv(body: Vec<u8>, filename: &str) -> Response {
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The `Idempotency-Key` of a write a phone may retry.
pub fn idempotency_key(req: &Request) -> Option<&str> {
    req.headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
}

/// `?cursor=` and `?limit=` (20 unless given; each list clamps it to its own maximum).
pub fn page(req: &Request) -> (Option<String>, usize) {
    let cursor = query_param(req, "cursor");
    let limit = query_param(req, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(20);
    (cursor, limit)
}
