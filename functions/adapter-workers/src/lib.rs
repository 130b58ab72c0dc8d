//! The Cloudflare Workers host: D1 for SQL, Workers KV, `Date.now()` and
//! `crypto.getRandomValues`, Worker vars and secrets. Bindings are the grants: a store
//! whose binding the Worker's config does not declare can not be opened.

mod fetch;
mod kv;
mod sql;
mod system;

use std::rc::Rc;

use async_trait::async_trait;
use rainbownet_core::ports::{Database, Kv, KvStore, Sql, StoreError};
use rainbownet_core::{Env, Function, Stores};

pub use kv::WorkersKv;
pub use sql::D1Sql;

/// Defines the Worker's `fetch` entry point for a function. The calling crate must depend
/// on `worker` (its `#[event]` macro names it).
#[macro_export]
macro_rules! entry {
    ($function:ty) => {
        #[worker::event(fetch)]
        async fn fetch(
            req: worker::Request,
            env: worker::Env,
            ctx: worker::Context,
        ) -> worker::Result<worker::Response> {
            $crate::serve::<$function>(req, env, ctx).await
        }
    };
}

/// Defines the Worker's `scheduled` entry point (a Cron Trigger in its config): the
/// function's `after` work, such as retrying notifications that failed.
#[macro_export]
macro_rules! scheduled {
    ($function:ty) => {
        #[worker::event(scheduled)]
        async fn scheduled(
            _event: worker::ScheduledEvent,
            env: worker::Env,
            _ctx: worker::ScheduleContext,
        ) {
            $crate::after::<$function>(env).await
        }
    };
}

fn core_env(env: worker::Env) -> Env {
    Env {
        stores: Box::new(BindingStores { env: env.clone() }),
        clock: Box::new(system::DateClock),
        random: Box::new(system::CryptoRandom),
        config: Box::new(system::WorkerConfig(env)),
        log: Box::new(system::ConsoleLog),
        admission: Box::new(rainbownet_core::ports::Unbounded),
        outbound: Box::new(fetch::FetchOut),
        after_response: Default::default(),
    }
}

/// Runs `F`'s work for after a response, from the Worker's schedule.
pub async fn after<F: Function>(env: worker::Env) {
    F::after(&core_env(env)).await;
}

struct BindingStores {
    env: worker::Env,
}

#[async_trait(?Send)]
impl Stores for BindingStores {
    async fn sql(&self, db: Database) -> Result<Rc<dyn Sql>, StoreError> {
        let d1 = self
            .env
            .d1(db.binding())
            .map_err(|_| StoreError::NotGranted(db.label().to_owned()))?;
        Ok(Rc::new(D1Sql(d1)))
    }

    async fn kv(&self, store: KvStore) -> Result<Rc<dyn Kv>, StoreError> {
        let kv = self
            .env
            .kv(store.binding())
            .map_err(|_| StoreError::NotGranted(store.label().to_owned()))?;
        Ok(Rc::new(WorkersKv(kv)))
    }
}

/// Reads a body and drops it, a chunk at a time, up to 16 MiB.
async fn drain(req: &mut worker::Request) {
    use futures_util::StreamExt;
    let Ok(mut stream) = req.stream() else {
        return;
    };
    let mut total = 0usize;
    while let Some(Ok(chunk)) = stream.next().await {
        total += chunk.len();
        if total > 16 * 1024 * 1024 {
            break;
        }
    }
}

/// Runs one request through `F` with the Worker's bindings as its stores.
pub async fn serve<F: Function>(
    mut req: worker::Request,
    env: worker::Env,
    ctx: worker::Context,
) -> worker::Result<worker::Response> {
    let url = req.url()?;
    let path_and_query = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let mut builder = http::Request::builder()
        .method(req.method().as_ref())
        .uri(path_and_query);
    for (name, value) in req.headers().entries() {
        if name.eq_ignore_ascii_case(rainbownet_core::http::CLIENT_ADDR_HEADER) {
            continue;
        }
        builder = builder.header(name, value);
    }
    if let Ok(Some(ip)) = req.headers().get("cf-connecting-ip") {
        builder = builder.header(rainbownet_core::http::CLIENT_ADDR_HEADER, ip);
    }
    let core_env = core_env(env);
    let response = match builder.body(Vec::new()) {
        Ok(mut request) => {
            // A body declared over the route's limit is read and dropped, never kept (the
            // core answers 413 for the declaration), so that the client reads its answer.
            let limit = F::body_limit(
                request.method(),
                request.uri().path(),
                request.headers(),
                &core_env,
            );
            if rainbownet_core::http::declared_length(&request).is_none_or(|n| n <= limit) {
                *request.body_mut() = req.bytes().await.unwrap_or_default();
            } else {
                drain(&mut req).await;
            }
            rainbownet_core::http::serve::<F>(request, &core_env).await
        }
        Err(_) => {
            let err = rainbownet_core::Error::BadRequest("the request is not valid HTTP".into());
            rainbownet_core::http::error_response(&err, &core_env)
        }
    };
    if core_env.deferred() {
        // The isolate stays alive for it after the response is sent.
        ctx.wait_until(async move { F::after(&core_env).await });
    }
    into_worker_response(response)
}

fn into_worker_response(response: rainbownet_core::Response) -> worker::Result<worker::Response> {
    let (parts, body) = response.into_parts();
    let headers = worker::Headers::new();
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            headers.append(name.as_str(), value)?;
        }
    }
    let status = parts.status.as_u16();
    let builder = worker::Response::builder()
        .with_status(status)
        .with_headers(headers);
    // A body on 204/304 makes the JS Response constructor throw.
    if body.is_empty() || status == 204 || status == 304 {
        Ok(builder.empty())
    } else {
        Ok(builder.fixed(body))
    }
}
