//! The HTTP front end, shaped like the Spin HTTP trigger's: Spin's own well-known paths,
//! routing, the full request URI, the `spin-*` headers, then the component's
//! `wasi:http/handler@0.3` through its `ProxyHandler`. A path no route matches gets an empty
//! 404; a failed component an empty 500.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HOST, HeaderName, HeaderValue};
use http::uri::{Authority, Scheme};
use http::{Request, Response, StatusCode, Uri};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::app::App;
use crate::routes::WELL_KNOWN_PREFIX;

pub type Body = UnsyncBoxBody<Bytes, wasmtime_wasi_http::Error>;

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed_unsync()
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut res = Response::new(full(Bytes::new()));
    *res.status_mut() = status;
    res
}

/// Spin drops the `Connection` header (transport information) and a `Host` naming a
/// service-chaining host before anything else.
fn strip_forbidden_headers(req: &mut Request<Incoming>) {
    let headers = req.headers_mut();
    if let Some(host) = headers.get(HOST).and_then(|h| h.to_str().ok())
        && host.ends_with(".spin.internal")
    {
        headers.remove(HOST);
    }
    headers.remove(http::header::CONNECTION);
}

/// The request URI becomes absolute: `http`, and the authority of the `Host` header (which
/// must agree with an authority already in the URI).
fn absolute_uri(req: &Request<Incoming>) -> anyhow::Result<Uri> {
    let mut parts = req.uri().clone().into_parts();
    let header: Option<Authority> = req
        .headers()
        .get(HOST)
        .map(|h| -> anyhow::Result<Authority> { Ok(h.to_str()?.parse()?) })
        .transpose()?;
    let authority = match (header, parts.authority.take()) {
        (None, None) => anyhow::bail!("no 'Host' header present in request"),
        (Some(a), None) | (None, Some(a)) => a,
        (Some(a), Some(b)) => {
            anyhow::ensure!(
                a == b,
                "authority in 'Host' header does not match authority in URI"
            );
            a
        }
    };
    parts.scheme = Some(Scheme::HTTP);
    parts.authority = Some(authority);
    if parts.path_and_query.is_none() {
        parts.path_and_query = Some("/".parse()?);
    }
    Ok(Uri::from_parts(parts)?)
}

pub async fn handle(
    app: Arc<App>,
    mut req: Request<Incoming>,
    client_addr: SocketAddr,
) -> Response<Body> {
    strip_forbidden_headers(&mut req);
    let path = req.uri().path().to_owned();

    if let Some(well_known) = path.strip_prefix(WELL_KNOWN_PREFIX) {
        return match well_known {
            "health" => Response::new(full(Bytes::from_static(b"OK"))),
            "info" => {
                let info = format!(
                    "{{\"name\":{:?},\"version\":{:?},\"host\":\"spin-harness (wasmtime 48)\"}}",
                    app.name, app.version
                );
                let mut res = Response::new(full(info));
                res.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                res
            }
            _ => empty(StatusCode::NOT_FOUND),
        };
    }

    let Some(route) = app.router.route(&path) else {
        return empty(StatusCode::NOT_FOUND);
    };
    let Some(handler) = app.handlers.get(&route.component) else {
        return empty(StatusCode::INTERNAL_SERVER_ERROR);
    };

    let uri = match absolute_uri(&req) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("spin-harness: bad request to {path}: {e}");
            return empty(StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();

    // The component sees the client's headers, then Spin's (appended, as Spin does: a
    // client's own `spin-*` header comes first).
    let (mut parts, body) = req.into_parts();
    let mut headers = http::HeaderMap::new();
    for (name, value) in parts.headers.iter() {
        if value.to_str().is_err() {
            eprintln!("spin-harness: header {name} is not UTF-8; Spin refuses the request");
            return empty(StatusCode::INTERNAL_SERVER_ERROR);
        }
        headers.append(name.clone(), value.clone());
    }
    for (name, value) in route.spin_headers("http", &host, &path_and_query, client_addr) {
        if let (Ok(n), Ok(v)) = (
            name.parse::<HeaderName>(),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(n, v);
        }
    }
    parts.headers = headers;
    parts.uri = uri;
    let req = Request::from_parts(
        parts,
        body.map_err(wasmtime_wasi_http::Error::from).boxed_unsync(),
    );

    match handler.handle((), req).await {
        Ok(res) => res,
        Err(e) => {
            eprintln!(
                "spin-harness: error processing request {path} in component {}: {e:?}",
                route.component
            );
            empty(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// Serves until `shutdown` resolves; then stops accepting and lets open requests finish
/// (for up to `grace`).
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> anyhow::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        eprintln!("spin-harness: accept failed: {e}");
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let service = hyper::service::service_fn(move |req| {
                    let app = app.clone();
                    async move { Ok::<_, Infallible>(handle(app, req, peer).await) }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await
                        && !e.is_incomplete_message()
                    {
                        eprintln!("spin-harness: connection from {peer}: {e}");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!("spin-harness: open connections did not finish within {grace:?}");
    }
    Ok(())
}
