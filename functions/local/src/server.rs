//! The HTTP server: a pool of threads taking requests from one listener, each request
//! routed to its component as `spin.toml` says and run with only that component's stores.
//! Ctrl-C / SIGTERM stop taking new requests, let running ones finish, then exit.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use rainbownet_core::Env;
use rainbownet_core::http::{self as core_http, Response};

use crate::functions::Component;
use crate::manifest::{Grants, Manifest};
use crate::store::DataDir;
use crate::system::{EnvConfig, OsRandom, StderrLog, SystemClock};

use rainbownet_core::http::CLIENT_ADDR_HEADER;

/// The path of the host's own hello-world route: the benchmark's baseline.
pub const HELLO_PATH: &str = "/_host/hello";

pub struct Host {
    manifest: Manifest,
    components: Vec<(Component, Grants)>,
    data: Arc<DataDir>,
}

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error(transparent)]
    Manifest(#[from] crate::manifest::ManifestError),
    #[error("spin.toml names component `{0}`, which this host does not have")]
    UnknownComponent(String),
    #[error("spin.toml does not declare component `{0}`")]
    MissingComponent(&'static str),
}

impl Host {
    pub fn new(manifest: Manifest, data: Arc<DataDir>) -> Result<Host, HostError> {
        if let Some(name) = manifest
            .grants
            .keys()
            .find(|n| Component::from_name(n).is_none())
        {
            return Err(HostError::UnknownComponent(name.clone()));
        }
        let components = Component::ALL
            .into_iter()
            .map(|c| {
                let grants = manifest
                    .grants
                    .get(c.name())
                    .ok_or(HostError::MissingComponent(c.name()))?;
                Ok((c, grants.clone()))
            })
            .collect::<Result<_, HostError>>()?;
        Ok(Host {
            manifest,
            components,
            data,
        })
    }

    fn env(&self, grants: &Grants) -> Env {
        Env {
            stores: Box::new(self.data.granted(grants)),
            clock: Box::new(SystemClock),
            random: Box::new(OsRandom),
            config: Box::new(EnvConfig),
            log: Box::new(StderrLog),
        }
    }

    fn component(&self, path: &str) -> Option<&(Component, Grants)> {
        let name = self.manifest.component_for(path)?;
        self.components.iter().find(|(c, _)| c.name() == name)
    }

    /// Serves one request already read into memory (tests and benches call this directly).
    pub fn handle(&self, req: core_http::Request) -> Response {
        let Some((component, grants)) = self.component(req.uri().path()) else {
            let env = self.env(&Grants::default());
            return pollster::block_on(core_http::serve::<NoRoute>(req, &env));
        };
        let env = self.env(grants);
        pollster::block_on(component.handle(req, &env))
    }
}

/// Answers 404 for paths that no route of `spin.toml` covers.
struct NoRoute;

impl rainbownet_core::Function for NoRoute {
    const NAME: &'static str = "host";

    async fn dispatch(
        _req: &core_http::Request,
        _env: &Env,
    ) -> Result<Response, rainbownet_core::Error> {
        Err(rainbownet_core::Error::NotFound)
    }
}

/// Listens on `addr` and serves until `stop` is set. Calls `ready` with the bound address
/// (port 0 picks a free one) once requests can be taken.
pub fn serve(
    host: Arc<Host>,
    addr: &str,
    stop: Arc<AtomicBool>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let server = Arc::new(tiny_http::Server::http(addr)?);
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or("the server is not listening on an IP address")?;
    let workers = thread::available_parallelism()
        .map_or(4, |n| n.get())
        .max(2)
        * 4;
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let server = Arc::clone(&server);
            let host = Arc::clone(&host);
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match server.recv_timeout(Duration::from_millis(200)) {
                        Ok(Some(request)) => respond(&host, request),
                        Ok(None) => {}
                        Err(e) => {
                            eprintln!("error accepting a request: {e}");
                            break;
                        }
                    }
                }
            })
        })
        .collect();
    ready(bound);
    for handle in handles {
        let _ = handle.join();
    }
    Ok(())
}

fn respond(host: &Host, mut request: tiny_http::Request) {
    let response = if request.url() == HELLO_PATH {
        hello()
    } else {
        match read_request(host, &mut request) {
            Ok(req) => host.handle(req),
            Err(err) => core_http::error_response(&err, &host.env(&Grants::default())),
        }
    };
    let status = response.status().as_u16();
    let (parts, body) = response.into_parts();
    let mut out = tiny_http::Response::from_data(body).with_status_code(status);
    for (name, value) in &parts.headers {
        if let Ok(header) =
            tiny_http::Header::from_bytes(name.as_str().as_bytes(), value.as_bytes())
        {
            out.add_header(header);
        }
    }
    // The client may be gone; nothing to do about that.
    let _ = request.respond(out);
}

fn hello() -> Response {
    let mut response = Response::new(b"hello".to_vec());
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain"),
    );
    response
}

/// Turns a tiny_http request into an `http` one, refusing a body over the component's
/// limit before reading it when its length is declared, and after `limit + 1` bytes when not.
fn read_request(
    host: &Host,
    request: &mut tiny_http::Request,
) -> Result<core_http::Request, rainbownet_core::Error> {
    let limit = host
        .component(request.url().split('?').next().unwrap_or("/"))
        .map_or(core_http::DEFAULT_BODY_LIMIT, |(c, _)| c.body_limit());
    let too_large = rainbownet_core::Error::PayloadTooLarge { limit };
    if request.body_length().is_some_and(|n| n > limit) {
        return Err(too_large);
    }
    let mut builder = http::Request::builder()
        .method(request.method().as_str())
        .uri(request.url());
    for header in request.headers() {
        let name = header.field.as_str().as_str();
        if name.eq_ignore_ascii_case(CLIENT_ADDR_HEADER) {
            continue;
        }
        builder = builder.header(name, header.value.as_str());
    }
    if let Some(peer) = request.remote_addr() {
        builder = builder.header(CLIENT_ADDR_HEADER, peer.ip().to_string());
    }
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(limit as u64 + 1)
        .read_to_end(&mut body);
    if read.is_err() {
        body.clear();
    }
    if body.len() > limit {
        return Err(too_large);
    }
    builder.body(body).map_err(|_| {
        rainbownet_core::Error::BadRequest("the request line or a header is not valid HTTP".into())
    })
}
