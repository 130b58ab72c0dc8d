//! The HTTP server (hyper on tokio): each request is routed to its component as `spin.toml`
//! says and run, on a blocking thread, with only that component's stores. Ctrl-C / SIGTERM
//! stop taking new connections, let running requests finish, then exit.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use rainbownet_core::ports::StoreError;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

use rainbownet_core::Env;
use rainbownet_core::http::{self as core_http, Response};

use crate::config::EnvConfig;
use crate::followups::{self, Followups, HttpOut};
use crate::functions::Component;
use crate::manifest::{Grants, Manifest};
use crate::store::DataDir;
use crate::system::{OsRandom, SystemClock};

/// Bodies over a function's limit are still read (and dropped) up to this size, so that
/// the client gets to read its 413; beyond it the connection is simply closed.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// The host's own routes, for benchmark baselines (no function, no store): `hello`, and
/// `bytes/{n}`, n bytes of HTML as a static file would be served. Only when the environment
/// sets `RAINBOWNET_HOST_BENCH=1`.
pub const HELLO_PATH: &str = "/_host/hello";
const BYTES_PREFIX: &str = "/_host/bytes/";
/// One single-row commit into the disaster database's file through the same writer
/// connection the functions use: the baseline of the check-in benchmark.
pub const COMMIT_PATH: &str = "/_host/commit";
const BENCH_ENV: &str = "RAINBOWNET_HOST_BENCH";
/// The address of a reverse proxy (nginx in a municipal network, say) whose
/// `X-Forwarded-For` is believed: the client address is the last hop it appended. Any
/// other peer's header is ignored, so a client can not choose its own address.
pub const TRUSTED_PROXY_ENV: &str = "RAINBOWNET_TRUSTED_PROXY";
const MAX_BENCH_BYTES: usize = 4 * 1024 * 1024;

/// What one connection may take of the host, so that clients that trickle, stall or sit
/// idle can not hold connections (and their memory) for minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From the connection's start, or the end of its previous response, to the end of the
    /// request's headers: a trickled header and an idle keep-alive connection both end here.
    pub header_timeout: Duration,
    /// The longest wait for the next piece of a request body (then 408).
    pub body_timeout: Duration,
    /// The slowest a whole body may come, in bytes per second: a body has `body_timeout`
    /// plus its length at this rate, however steadily it trickles (then 408).
    pub min_body_rate: u64,
    /// Open connections at once; more wait in the kernel's backlog until one closes.
    pub max_connections: usize,
    /// Open connections from one address (a trusted proxy is not limited): more are closed
    /// at once, so one client can not hold the places everyone shares.
    pub per_address: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(15),
            // A phone on a poor 3G line sends 50–100 KB/s; 8 KiB/s gives an 8 MiB file 17
            // minutes, a check-in its 15 s.
            min_body_rate: 8 * 1024,
            max_connections: 1024,
            per_address: 64,
        }
    }
}

impl ConnectionLimits {
    /// When a body of `length` bytes, starting now, must have arrived.
    fn body_deadline(&self, length: usize) -> tokio::time::Instant {
        let at_rate = Duration::from_secs_f64(length as f64 / self.min_body_rate.max(1) as f64);
        tokio::time::Instant::now() + self.body_timeout + at_rate
    }
}

impl ConnectionLimits {
    /// The defaults, each overridable from the environment (`RAINBOWNET_HEADER_TIMEOUT_MS`,
    /// `RAINBOWNET_BODY_TIMEOUT_MS`, `RAINBOWNET_BODY_MIN_RATE`, `RAINBOWNET_MAX_CONNECTIONS`,
    /// `RAINBOWNET_MAX_CONNECTIONS_PER_ADDRESS`).
    pub fn from_env() -> ConnectionLimits {
        let read = |key: &str| {
            std::env::var(key)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let d = ConnectionLimits::default();
        ConnectionLimits {
            header_timeout: read("RAINBOWNET_HEADER_TIMEOUT_MS")
                .map_or(d.header_timeout, Duration::from_millis),
            body_timeout: read("RAINBOWNET_BODY_TIMEOUT_MS")
                .map_or(d.body_timeout, Duration::from_millis),
            min_body_rate: read("RAINBOWNET_BODY_MIN_RATE")
                .filter(|n| *n > 0)
                .unwrap_or(d.min_body_rate),
            max_connections: read("RAINBOWNET_MAX_CONNECTIONS")
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n > 0)
                .unwrap_or(d.max_connections),
            per_address: read("RAINBOWNET_MAX_CONNECTIONS_PER_ADDRESS")
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n > 0)
                .unwrap_or(d.per_address),
        }
    }
}

pub struct Host {
    limits: ConnectionLimits,
    bench_routes: bool,
    trusted_proxy: Option<std::net::IpAddr>,
    manifest: Manifest,
    components: Vec<(Component, Grants)>,
    data: Arc<DataDir>,
    costly: Arc<crate::admission::Bounded>,
    followups: Arc<Followups>,
    outbound: HttpOut,
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
            limits: ConnectionLimits::from_env(),
            bench_routes: std::env::var(BENCH_ENV).is_ok_and(|v| v == "1"),
            trusted_proxy: std::env::var(TRUSTED_PROXY_ENV)
                .ok()
                .and_then(|v| v.trim().parse().ok()),
            manifest,
            components,
            data,
            costly: crate::admission::Bounded::for_this_machine(),
            followups: Arc::default(),
            outbound: HttpOut::new(),
        })
    }

    /// The environment of one component, with its grants from `spin.toml` (the CLI runs
    /// imports as the function that owns the data would).
    pub fn env_for(&self, component: Component) -> Env {
        let grants = self
            .components
            .iter()
            .find(|(c, _)| *c == component)
            .map(|(_, g)| g.clone())
            .unwrap_or_default();
        self.env(component, &grants)
    }

    fn env(&self, component: Component, grants: &Grants) -> Env {
        Env {
            stores: Box::new(self.data.granted(grants)),
            clock: Box::new(SystemClock),
            random: Box::new(OsRandom),
            config: Box::new(EnvConfig {
                data: Arc::clone(&self.data),
                may_sign: component == Component::Care,
            }),
            log: Box::new(rainbownet_core::ports::StderrLog),
            admission: Box::new(crate::admission::SharedBound(Arc::clone(&self.costly))),
            outbound: Box::new(self.outbound.clone()),
            after_response: Default::default(),
        }
    }

    /// The threads that run work left for after a response (`followups::start`).
    pub fn followups(&self) -> Arc<Followups> {
        Arc::clone(&self.followups)
    }

    /// The environment for errors the host answers itself: no stores, no secrets.
    fn bare_env(&self) -> Env {
        self.env(Component::Assets, &Grants::default())
    }

    fn component(&self, path: &str) -> Option<&(Component, Grants)> {
        let name = self.manifest.component_for(path)?;
        self.components.iter().find(|(c, _)| c.name() == name)
    }

    /// Believes `X-Forwarded-For` from `proxy` (the environment's `RAINBOWNET_TRUSTED_PROXY`
    /// otherwise).
    pub fn with_trusted_proxy(mut self, proxy: std::net::IpAddr) -> Host {
        self.trusted_proxy = Some(proxy);
        self
    }

    /// Replaces any client address header the client sent with the address the host
    /// believes: the peer's, or the last hop its trusted proxy appended.
    fn set_client_address(&self, headers: &mut http::HeaderMap, peer: std::net::IpAddr) {
        core_http::set_client_address(headers, Some(peer), self.trusted_proxy);
    }

    /// Serves one request from `peer` without a connection, as the server would after
    /// reading it: the in-process test app calls this.
    pub fn handle_from(&self, mut req: core_http::Request, peer: std::net::IpAddr) -> Response {
        self.set_client_address(req.headers_mut(), peer);
        self.handle(req)
    }

    /// Serves one request already read into memory (tests and benches call this directly).
    pub fn handle(&self, req: core_http::Request) -> Response {
        let Some((component, grants)) = self.component(req.uri().path()) else {
            let env = self.bare_env();
            return pollster::block_on(core_http::serve::<NoRoute>(req, &env));
        };
        let env = self.env(*component, grants);
        let response = pollster::block_on(component.handle(req, &env));
        if env.deferred() {
            self.followups.kick(*component);
        }
        response
    }
}

/// Answers 404 for paths that no route of `spin.toml` covers.
struct NoRoute;

impl rainbownet_core::Function for NoRoute {
    fn error_page(problem: rainbownet_core::Response) -> rainbownet_core::Response {
        rainbownet_core::web::error_page::from_problem(problem)
    }

    const NAME: &'static str = "host";

    async fn dispatch(
        _req: &core_http::Request,
        _env: &Env,
    ) -> Result<Response, rainbownet_core::Error> {
        Err(rainbownet_core::Error::NotFound)
    }
}

/// Listens on `addr` and serves until Ctrl-C or SIGTERM, then stops taking connections and
/// lets requests in flight finish (up to 10 s). Calls `ready` with the bound address (port 0
/// picks a free one) once requests can be taken.
pub fn serve(
    host: Arc<Host>,
    addr: &str,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // The portal's work after responses reads the region's places into memory: done once
    // before the first request is taken (0.4 s at 100,000 places, milliseconds for a
    // town), an instance's first second is served as its later ones (p99 120 ms in the
    // first second when read beside the first requests: tests/bench-outside.sh).
    pollster::block_on(Component::Portal.after(&host.env_for(Component::Portal)));
    followups::start(&host)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(addr).await?;
        ready(listener.local_addr()?);
        let graceful = GracefulShutdown::new();
        let mut terminate = signal(SignalKind::terminate())?;
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        let limits = host.limits;
        let open = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
        let shares = Shares::new(limits.per_address, host.trusted_proxy);
        let readers = Arc::new(Readers::for_this_machine());
        loop {
            // At the cap, stop accepting: new clients wait in the backlog, not in our memory.
            let slot = tokio::select! {
                slot = Arc::clone(&open).acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_) => break,
                },
                _ = &mut ctrl_c => break,
                _ = terminate.recv() => break,
            };
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(e) => {
                            eprintln!("error accepting a connection: {e}");
                            continue;
                        }
                    };
                    // Over its share the connection is closed unread, and its place freed.
                    let Some(share) = shares.take(peer.ip()) else {
                        drop(stream);
                        continue;
                    };
                    // Small responses must not wait for the client's delayed ACK.
                    let _ = stream.set_nodelay(true);
                    let host = Arc::clone(&host);
                    let readers = Arc::clone(&readers);
                    let service = service_fn(move |req| {
                        let host = Arc::clone(&host);
                        let readers = Arc::clone(&readers);
                        async move { Ok::<_, Infallible>(respond(host, &readers, req, peer).await) }
                    });
                    let connection = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(limits.header_timeout)
                        .serve_connection(TokioIo::new(stream), service);
                    let connection = graceful.watch(connection);
                    tokio::spawn(async move {
                        // A client that goes away mid-request is not an error of ours.
                        let _ = connection.await;
                        drop(share);
                        drop(slot);
                    });
                }
                _ = &mut ctrl_c => break,
                _ = terminate.recv() => break,
            }
        }
        drop(listener);
        tokio::select! {
            () = graceful.shutdown() => {}
            () = tokio::time::sleep(Duration::from_secs(10)) => {
                eprintln!("requests still running after 10 s; stopping anyway");
            }
        }
        Ok(())
    })
}

/// Connections open per address: each connection holds a [`Share`] until it ends.
#[derive(Clone)]
struct Shares {
    open: Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>,
    per_address: usize,
    unlimited: Option<std::net::IpAddr>,
}

struct Share {
    shares: Shares,
    address: std::net::IpAddr,
}

impl Shares {
    fn new(per_address: usize, unlimited: Option<std::net::IpAddr>) -> Shares {
        Shares {
            open: Arc::default(),
            per_address,
            unlimited,
        }
    }

    /// A place for one more connection from `address`, if it has one left.
    fn take(&self, address: std::net::IpAddr) -> Option<Share> {
        if self.unlimited != Some(address) {
            let mut open = self
                .open
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let count = open.entry(address).or_insert(0);
            if *count >= self.per_address {
                return None;
            }
            *count += 1;
        }
        Some(Share {
            shares: self.clone(),
            address,
        })
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        if self.shares.unlimited == Some(self.address) {
            return;
        }
        let mut open = self
            .shares
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

/// Reads (GET and HEAD) run four per core at a time, in the order they came. Reads spend
/// their time on the CPU, not waiting for the disk: 32 at once on 2 cores made each take
/// 16 times its own time, so the slowest set the p99, while in turn each waits for those
/// ahead of it only. Four per core rather than one, so that a few slow reads (an export)
/// do not hold up every search; 1, 2 and 4 per core measured alike
/// (`tests/bench-outside.sh`). Writes are not held back: they mostly wait for fsync, many
/// in one group commit.
struct Readers(tokio::sync::Semaphore);

impl Readers {
    fn for_this_machine() -> Readers {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Readers(tokio::sync::Semaphore::new(cores * 4))
    }

    async fn turn(&self, method: &hyper::Method) -> Option<tokio::sync::SemaphorePermit<'_>> {
        if method != hyper::Method::GET && method != hyper::Method::HEAD {
            return None;
        }
        // The semaphore is never closed, so acquiring fails never; a read goes ahead if it did.
        self.0.acquire().await.ok()
    }
}

async fn respond(
    host: Arc<Host>,
    readers: &Readers,
    req: hyper::Request<Incoming>,
    peer: SocketAddr,
) -> hyper::Response<Full<Bytes>> {
    let response = if let Some(response) = host.bench_route(req.uri().path()) {
        response
    } else {
        let method = req.method().clone();
        match read_request(&host, req, peer).await {
            // SQLite calls block (a commit waits for fsync): keep them off the I/O threads.
            Ok(req) => {
                let _turn = readers.turn(&method).await;
                let worker = Arc::clone(&host);
                tokio::task::spawn_blocking(move || worker.handle(req))
                    .await
                    .unwrap_or_else(|_| {
                        let err = StoreError::Backend("the request handler panicked".into());
                        core_http::error_response(&err.into(), &host.bare_env())
                    })
            }
            Err(err) => core_http::error_response(&err, &host.bare_env()),
        }
    };
    response.map(|body| Full::new(Bytes::from(body)))
}

impl Host {
    fn bench_route(&self, path: &str) -> Option<Response> {
        if !self.bench_routes {
            return None;
        }
        let (body, content_type) = if path == HELLO_PATH {
            (b"hello".to_vec(), "text/plain")
        } else if path == COMMIT_PATH {
            // Straight on the writer connection, autocommit: one row, one commit, no group.
            let db = self
                .data
                .database(rainbownet_core::ports::Database::Disaster);
            let writer = db.writer();
            let result = writer
                .execute_batch(
                    "CREATE TABLE IF NOT EXISTS host_bench_commits (id INTEGER PRIMARY KEY, at TEXT NOT NULL)",
                )
                .and_then(|()| {
                    writer.execute(
                        "INSERT INTO host_bench_commits (at) VALUES (?1)",
                        [rainbownet_core::time::iso8601(0)],
                    )
                });
            match result {
                Ok(_) => (b"committed".to_vec(), "text/plain"),
                Err(e) => (e.to_string().into_bytes(), "text/plain"),
            }
        } else {
            let n: usize = path.strip_prefix(BYTES_PREFIX)?.parse().ok()?;
            (
                vec![b' '; n.min(MAX_BENCH_BYTES)],
                "text/html; charset=utf-8",
            )
        };
        let mut response = Response::new(body);
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(content_type),
        );
        Some(response)
    }
}

/// Reads the body into memory, refusing one over the component's limit before reading
/// it when its length is declared, and after `limit + 1` bytes when not. Sets the client
/// address header (and drops any the client sent).
async fn read_request(
    host: &Host,
    req: hyper::Request<Incoming>,
    peer: SocketAddr,
) -> Result<core_http::Request, rainbownet_core::Error> {
    let limit =
        host.component(req.uri().path())
            .map_or(core_http::SMALL_BODY_LIMIT, |(c, grants)| {
                let env = host.env(*c, grants);
                c.body_limit(req.method(), req.uri().path(), req.headers(), &env)
            });
    let too_large = rainbownet_core::Error::PayloadTooLarge { limit };
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT) {
        return Err(too_large);
    }
    let (mut parts, mut body) = req.into_parts();
    // Keep at most `limit` bytes, but read on (discarding) up to DRAIN_LIMIT: a client that
    // is still sending when we answer would see a broken pipe instead of its 413.
    let mut kept = Vec::with_capacity(declared.unwrap_or(0).min(limit));
    let mut total = 0usize;
    let stalled = || rainbownet_core::Error::RequestTimeout {
        seconds: host.limits.body_timeout.as_secs().max(1),
    };
    // Each piece within the body timeout, and the whole within its deadline.
    let deadline = host
        .limits
        .body_deadline(declared.unwrap_or(limit).min(DRAIN_LIMIT));
    loop {
        let next = (tokio::time::Instant::now() + host.limits.body_timeout).min(deadline);
        let Some(frame) = tokio::time::timeout_at(next, body.frame())
            .await
            .map_err(|_| stalled())?
        else {
            break;
        };
        let frame = frame.map_err(|_| {
            rainbownet_core::Error::BadRequest("the request body could not be read".into())
        })?;
        if let Ok(data) = frame.into_data() {
            total += data.len();
            if total > DRAIN_LIMIT {
                return Err(too_large);
            }
            if total <= limit {
                kept.extend_from_slice(&data);
            }
        }
    }
    if total > limit {
        return Err(too_large);
    }
    host.set_client_address(&mut parts.headers, peer.ip());
    Ok(core_http::Request::from_parts(parts, kept))
}

impl followups::Runs for Host {
    fn followups(&self) -> Arc<Followups> {
        Host::followups(self)
    }

    fn env_for(&self, component: Component) -> Env {
        Host::env_for(self, component)
    }
}
