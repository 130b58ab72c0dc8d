//! The HTTP boundary between hosts and the core: `http` crate types, one `serve` wrapper
//! that every function runs through (request id, size limit, errors as problem+json,
//! security headers), a router, and JSON body parsing.

pub mod headers;
pub mod json;
pub mod origin;
pub mod problem;
pub mod respond;
pub mod router;

pub use ::http::{HeaderMap, Method};
use ::http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::env::Env;
use crate::error::Error;
use crate::ports::StoreError;

pub type Request = ::http::Request<Vec<u8>>;
pub type Response = ::http::Response<Vec<u8>>;

/// The header a host sets to the client's address (stripping any the client sent), for
/// audit records.
pub const CLIENT_ADDR_HEADER: &str = "x-rainbownet-client-addr";

/// Puts the client's address as the host believes it into [`CLIENT_ADDR_HEADER`], replacing
/// any the client sent: the peer's, or, when the peer is the deployment's trusted proxy,
/// the last hop that proxy appended to `X-Forwarded-For` (earlier hops are the client's to
/// write). Without a peer the header is left out. Every host calls this, so the lockout
/// and the audit log see the same address on each.
pub fn set_client_address(
    headers: &mut ::http::HeaderMap,
    peer: Option<std::net::IpAddr>,
    trusted_proxy: Option<std::net::IpAddr>,
) {
    headers.remove(CLIENT_ADDR_HEADER);
    let Some(peer) = peer else {
        return;
    };
    let forwarded = (trusted_proxy == Some(peer))
        .then(|| {
            headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .next_back()
                .and_then(|hop| hop.trim().parse::<std::net::IpAddr>().ok())
        })
        .flatten();
    let client = forwarded.unwrap_or(peer);
    if let Ok(value) = HeaderValue::from_str(&client.to_string()) {
        headers.insert(CLIENT_ADDR_HEADER, value);
    }
}

/// An address as platforms write it, `ip`, `ip:port` or `[ipv6]:port`, without the port.
pub fn parse_peer(text: &str) -> Option<std::net::IpAddr> {
    let text = text.trim();
    text.parse::<std::net::SocketAddr>()
        .map(|a| a.ip())
        .or_else(|_| text.parse::<std::net::IpAddr>())
        .ok()
}

/// Bodies larger than this are refused with 413 unless a function sets its own limit.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The body of every route that takes no file or import: the longest form is a post of
/// 10,000 characters (30 KB of UTF-8), a team's assignments a few hundred ids.
pub const SMALL_BODY_LIMIT: usize = 256 * 1024;

/// A function of the platform (portal, care, disaster, health): a name, a body limit and a
/// dispatcher. Hosts call [`serve`] with it.
#[allow(async_fn_in_trait)] // futures are deliberately not `Send`: Workers' are not.
pub trait Function {
    const NAME: &'static str;
    const BODY_LIMIT: usize = DEFAULT_BODY_LIMIT;

    async fn dispatch(req: &Request, env: &Env) -> Result<Response, Error>;

    /// The most body this request may carry, decided from its head before a byte of the
    /// body is read: hosts read no further, and [`serve`] answers 413 past it. Functions
    /// with a route table hold every route but their `large` ones to [`SMALL_BODY_LIMIT`].
    fn body_limit(_method: &Method, _path: &str, _headers: &HeaderMap, _env: &Env) -> usize {
        Self::BODY_LIMIT
    }

    /// The page a person's browser gets for a problem outside the JSON API (a function that
    /// serves people overrides it; the rest answer the problem itself).
    fn error_page(problem: Response) -> Response {
        problem
    }

    /// Work for after the response (sending what a request left in an outbox), and the
    /// retry a host runs on a timer. Hosts call it when `Env::deferred` is set, and on
    /// their schedule; it logs its own failures.
    async fn after(_env: &Env) {}
}

/// The body length the request's `Content-Length` declares.
pub fn declared_length(req: &Request) -> Option<usize> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Runs one request through a function. Never fails: every error becomes a problem
/// response, and every response carries the security headers and the request id.
pub async fn serve<F: Function>(mut req: Request, env: &Env) -> Response {
    // Always ours: a caller's `X-Request-Id` would be written into the audit log as they
    // chose it (one id for many requests, or another's). Handlers read it back from here.
    let request_id = env.new_id();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        req.headers_mut().insert("x-request-id", value);
    }
    let limit =
        F::body_limit(req.method(), req.uri().path(), req.headers(), env).min(F::BODY_LIMIT);
    // A host may leave a body declared too large unread: the declaration is enough.
    let result = if req.body().len() > limit || declared_length(&req).is_some_and(|n| n > limit) {
        Err(Error::PayloadTooLarge { limit })
    } else {
        F::dispatch(&req, env).await
    };
    let mut response = result.unwrap_or_else(|err| {
        match &err {
            Error::Store(denied @ StoreError::NotGranted(_)) => {
                env.log.warn(&request_id, &format!("{}: {denied}", F::NAME));
            }
            Error::Store(store) => env.log.error(&request_id, &format!("{}: {store}", F::NAME)),
            Error::Internal(message) => env
                .log
                .error(&request_id, &format!("{}: {message}", F::NAME)),
            _ => {}
        }
        let problem = problem::from_error(&err, &request_id, accepts_english(&req));
        if wants_html(&req) {
            F::error_page(problem)
        } else {
            problem
        }
    });
    headers::secure(response.headers_mut());
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    if req.method() == ::http::Method::HEAD {
        response.body_mut().clear();
    }
    response
}

/// The problem response for an error a host finds before any function runs (a declared
/// `Content-Length` over the limit, a request that is not valid HTTP): the same document
/// and headers `serve` would give.
pub fn error_response(err: &Error, env: &Env) -> Response {
    let mut response = problem::from_error(err, &env.new_id(), false);
    headers::secure(response.headers_mut());
    response
}

/// People get pages: a browser (asks for HTML) on a path outside the JSON API.
fn wants_html(req: &Request) -> bool {
    !req.uri().path().starts_with("/api/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
}

/// Japanese is the default; English when the client ranks it first.
fn accepts_english(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|first| first.trim().to_ascii_lowercase().starts_with("en"))
}

/// A JSON response with the given status.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    // Serializing our own types into a Vec can not fail (no maps with non-string keys).
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = Response::new(bytes);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The query string's value for `name`, percent-decoded.
pub fn query_param(req: &Request, name: &str) -> Option<String> {
    let query = req.uri().query()?;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key) == name).then(|| percent_decode(value))
    })
}

/// Decodes `%XX` escapes (and `+` as a space, as forms send it); invalid UTF-8 is replaced.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_address_is_the_peer_or_the_trusted_proxys_last_hop() {
        let mut headers = ::http::HeaderMap::new();
        headers.insert(CLIENT_ADDR_HEADER, HeaderValue::from_static("203.0.113.9"));
        headers.append(
            "x-forwarded-for",
            HeaderValue::from_static("198.51.100.1, 192.0.2.7"),
        );
        let peer = parse_peer("10.0.0.2:54321");
        set_client_address(&mut headers, peer, None);
        assert_eq!(
            headers[CLIENT_ADDR_HEADER], "10.0.0.2",
            "a client's own header is replaced"
        );
        set_client_address(&mut headers, peer, parse_peer("10.0.0.2"));
        assert_eq!(
            headers[CLIENT_ADDR_HEADER], "192.0.2.7",
            "the proxy's hop, not the client's"
        );
        set_client_address(&mut headers, None, None);
        assert!(headers.get(CLIENT_ADDR_HEADER).is_none());
        assert_eq!(parse_peer("[::1]:80"), "::1".parse().ok());
        assert_eq!(parse_peer("nonsense"), None);
    }

    #[test]
    fn query_params_are_percent_decoded_and_never_panic() {
        let req = ::http::Request::builder()
            .uri("/x?q=%E4%BD%93%E6%93%8D&a=b+c&bad=%E4%Z&end=%")
            .body(Vec::new())
            .unwrap();
        assert_eq!(query_param(&req, "q").as_deref(), Some("体操"));
        assert_eq!(query_param(&req, "a").as_deref(), Some("b c"));
        assert!(query_param(&req, "bad").is_some());
        assert_eq!(query_param(&req, "end").as_deref(), Some("%"));
        assert_eq!(query_param(&req, "none"), None);
    }
}
