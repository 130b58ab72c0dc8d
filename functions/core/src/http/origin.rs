//! The public origin of links the platform hands out (canonical links, QR codes, invitation
//! links, FHIR base URLs): configured, or derived from the request.

use ::http::header;

use super::Request;
use crate::env::Env;

/// The configured public origin, if any, without a trailing slash.
pub fn configured_origin(env: &Env) -> Option<String> {
    env.config
        .get(crate::settings::PUBLIC_ORIGIN.name)
        .map(|o| o.trim_end_matches('/').to_owned())
}

/// The configured origin, else one derived from the request's Host (for responses that
/// are never stored in a shared cache under another host's key).
pub fn request_origin(req: &Request, env: &Env) -> String {
    configured_origin(env).unwrap_or_else(|| {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
            })
            .unwrap_or("localhost");
        let local = host.starts_with("127.0.0.1")
            || host.starts_with("localhost")
            || host.starts_with("[::1]");
        format!("{}://{host}", if local { "http" } else { "https" })
    })
}
