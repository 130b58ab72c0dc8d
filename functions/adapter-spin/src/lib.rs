//! The Spin host (spin-sdk 7, `wasm32-wasip2`): Spin SQLite for SQL, Spin key-value,
//! Spin variables for configuration. The component's grants in `spin.toml` are enforced by
//! Spin itself: opening a store the component is not granted fails with `AccessDenied`.

#[cfg(feature = "kv")]
mod kv;
#[cfg(feature = "outbound")]
mod outbound;
#[cfg(feature = "sql")]
mod sql;
mod system;

use std::rc::Rc;

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::BodyExt;
use rainbownet_core::ports::{Database, Kv, KvStore, Sql, StoreError};
use rainbownet_core::{Env, Function, Stores};
use spin_sdk::http::FullBody;

#[cfg(feature = "kv")]
pub use kv::SpinKv;
#[cfg(feature = "sql")]
pub use sql::SpinSql;

pub type SpinResponse = http::Response<FullBody<Bytes>>;

/// Defines the component's HTTP entry point for a function. The calling crate must depend
/// on `spin-sdk` (its `#[http_service]` macro names it).
#[macro_export]
macro_rules! entry {
    ($function:ty) => {
        mod spin_entry {
            #[spin_sdk::http_service]
            async fn handle(req: spin_sdk::http::Request) -> $crate::SpinResponse {
                $crate::serve::<$function>(req).await
            }
        }
    };
}

struct GrantedStores;

#[async_trait(?Send)]
impl Stores for GrantedStores {
    async fn sql(&self, db: Database) -> Result<Rc<dyn Sql>, StoreError> {
        #[cfg(feature = "sql")]
        return Ok(Rc::new(SpinSql::open(db).await?));
        #[cfg(not(feature = "sql"))]
        return Err(StoreError::NotGranted(db.label().to_owned()));
    }

    async fn kv(&self, store: KvStore) -> Result<Rc<dyn Kv>, StoreError> {
        #[cfg(feature = "kv")]
        return Ok(Rc::new(SpinKv::open(store).await?));
        #[cfg(not(feature = "kv"))]
        return Err(StoreError::NotGranted(store.label().to_owned()));
    }
}

/// How much of a body over its limit is read and thrown away, so that a client still
/// sending reads its 413 instead of a broken connection (as the local host does).
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// The body, kept no further than one byte past `limit` (the core answers a longer one
/// 413): a client must not make a component hold megabytes first. The rest is read and
/// dropped, up to [`DRAIN_LIMIT`].
async fn read_bounded<B>(body: B, limit: usize) -> Vec<u8>
where
    B: http_body::Body<Data = Bytes>,
{
    let mut body = std::pin::pin!(body);
    let mut read = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        // A body cut off part way is no body: never half a file taken for the whole.
        let Ok(frame) = frame else {
            return Vec::new();
        };
        if let Ok(data) = frame.into_data() {
            total += data.len();
            let room = (limit + 1).saturating_sub(read.len());
            read.extend_from_slice(&data[..data.len().min(room)]);
            if total > DRAIN_LIMIT {
                break;
            }
        }
    }
    read
}

/// Runs one request through `F`.
pub async fn serve<F: Function>(req: spin_sdk::http::Request) -> SpinResponse {
    let (parts, body) = req.into_parts();
    let mut request = http::Request::from_parts(parts, Vec::new());
    // Spin may give an absolute URI, its authority in place of a Host header: the core
    // derives origins (WebAuthn's RP ID among them) from Host, and routes on path and query.
    if !request.headers().contains_key(http::header::HOST)
        && let Some(authority) = request.uri().authority()
        && let Ok(host) = http::HeaderValue::from_str(authority.as_str())
    {
        request.headers_mut().insert(http::header::HOST, host);
    }
    if let Some(pq) = request.uri().path_and_query().cloned()
        && let Ok(uri) = http::Uri::builder().path_and_query(pq).build()
    {
        *request.uri_mut() = uri;
    }
    let config = system::SpinConfig::load().await;
    // Spin appends its own `spin-client-addr` (ip:port) after any the client sent: only the
    // last one is Spin's. The port is dropped, so that each connection is not an address.
    let peer = request
        .headers()
        .get_all("spin-client-addr")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(rainbownet_core::http::parse_peer);
    let trusted_proxy =
        rainbownet_core::ports::Config::get(&config, rainbownet_core::settings::TRUSTED_PROXY.name)
            .and_then(|p| rainbownet_core::http::parse_peer(&p));
    rainbownet_core::http::set_client_address(request.headers_mut(), peer, trusted_proxy);
    let env = Env {
        stores: Box::new(GrantedStores),
        clock: Box::new(system::WasiClock),
        random: Box::new(system::WasiRandom),
        config: Box::new(config),
        log: Box::new(rainbownet_core::ports::StderrLog),
        admission: Box::new(rainbownet_core::ports::Unbounded),
        #[cfg(feature = "outbound")]
        outbound: Box::new(outbound::SpinOut),
        #[cfg(not(feature = "outbound"))]
        outbound: Box::new(rainbownet_core::ports::NoOutbound),
        after_response: Default::default(),
    };
    // The limit comes from the head (route and credentials), before a byte of the body.
    let limit = F::body_limit(
        request.method(),
        request.uri().path(),
        request.headers(),
        &env,
    );
    *request.body_mut() = read_bounded(body, limit).await;
    let response = rainbownet_core::http::serve::<F>(request, &env).await;
    // A Spin component lives for one request: its work after the response runs before it.
    if env.deferred() {
        F::after(&env).await;
    }
    response.map(|body| FullBody::new(Bytes::from(body)))
}
