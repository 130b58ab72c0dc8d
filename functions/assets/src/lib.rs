//! The `assets` function: the web client's static files (`/app/…`), embedded at build
//! time. It is granted no store at all.

use ::http::{HeaderValue, StatusCode, header};
use rainbownet_core::http::{Request, Response, serve};
use rainbownet_core::{Env, Error, Function};

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
adapter_workers::entry!(crate::Assets);

#[cfg(target_os = "wasi")]
adapter_spin::entry!(crate::Assets);

mod files {
    include!(concat!(env!("OUT_DIR"), "/files.rs"));
}

/// The URL prefix the files are served under.
pub const PREFIX: &str = "/app/";

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "webmanifest" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

pub struct Assets;

impl Function for Assets {
    fn error_page(problem: rainbownet_core::Response) -> rainbownet_core::Response {
        rainbownet_core::web::error_page::from_problem(problem)
    }

    const NAME: &'static str = "assets";
    const BODY_LIMIT: usize = 0;

    async fn dispatch(req: &Request, _env: &Env) -> Result<Response, Error> {
        if req.method() != ::http::Method::GET && req.method() != ::http::Method::HEAD {
            return Err(Error::MethodNotAllowed {
                allow: "GET, HEAD".into(),
            });
        }
        let path = req
            .uri()
            .path()
            .strip_prefix(PREFIX)
            .ok_or(Error::NotFound)?;
        let index;
        let path = if path.is_empty() || path.ends_with('/') {
            index = format!("{path}index.html");
            index.as_str()
        } else {
            path
        };
        let (name, bytes, etag) = files::FILES
            .iter()
            .find(|(name, _, _)| *name == path)
            .ok_or(Error::NotFound)?;
        let not_modified = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == *etag || t.trim() == "*"));
        let mut response = if not_modified {
            let mut r = Response::new(Vec::new());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            r
        } else {
            let mut r = Response::new(bytes.to_vec());
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(name)),
            );
            r
        };
        let headers = response.headers_mut();
        headers.insert(header::ETAG, HeaderValue::from_static(etag));
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(
                "public, max-age=300, s-maxage=3600, stale-while-revalidate=86400",
            ),
        );
        Ok(response)
    }
}

/// Serves one request (hosts call this).
pub async fn handle(req: Request, env: &Env) -> Response {
    serve::<Assets>(req, env).await
}

/// The ETag of a static file, for pages that link it with a version (`?v=`).
pub fn etag(path: &str) -> Option<&'static str> {
    files::FILES
        .iter()
        .find(|(name, _, _)| *name == path)
        .map(|(_, _, etag)| *etag)
}
