//! Pages for people, server-rendered. Resource pages are kept in the `cache` KV store under
//! a generation number that every write bumps, so an update is never served stale by us
//! (shared caches hold pages for at most `s-maxage`).

use ::http::{HeaderValue, header};
use rainbownet_core::guard::Call;
use rainbownet_core::http::{Response, query_param};
use rainbownet_core::ports::KvStore;
use rainbownet_core::resources::{self, Status, search};
use rainbownet_core::web::{
    self, HTML, cacheable, home, resource_pages, results_page, sitemap as sitemap_xml,
};
use rainbownet_core::{Env, Error};

use crate::generation::generation;

/// Pages live a day in our cache; the generation makes them obsolete sooner.
const PAGE_TTL_SECONDS: u64 = 86_400;
const MAX_PRINT_IDS: usize = 30;

/// The bytes kept under `key` in the current generation, or `make`'s, kept for `ttl`
/// seconds when `make` says they may be. A cache that fails is passed by (logged): it
/// must never fail the answer.
/// `make` is given the generation (when the store has one), for what it keeps itself.
pub async fn cached<M, F>(env: &Env, key: &str, ttl: u64, make: M) -> Result<Vec<u8>, Error>
where
    M: FnOnce(Option<String>) -> F,
    F: std::future::Future<Output = Result<(Vec<u8>, bool), Error>>,
{
    let generation = generation(env).await;
    let key = generation.as_ref().map(|g| format!("page:{g}:{key}"));
    let now = env.clock.now_millis();
    if let Some(key) = &key {
        // The store first: pages and known-word searches are there, and never in the memo.
        if let Ok(kv) = env.kv(KvStore::Cache).await
            && let Ok(Some(bytes)) = kv.get(key).await
        {
            return Ok(bytes);
        }
        if let Some(bytes) = crate::memo::get(key, now) {
            return Ok(bytes.to_vec());
        }
    }
    let (bytes, keep) = make(generation).await?;
    let Some(key) = &key else {
        return Ok(bytes);
    };
    if !keep {
        // Not for the store (see `SearchPage::keepable`): this instance keeps it briefly.
        crate::memo::put(key, &bytes, now, ttl as i64 * 1000);
    } else if let Ok(kv) = env.kv(KvStore::Cache).await
        && let Err(e) = kv.put(key, &bytes, Some(ttl)).await
    {
        env.log.error("pages", &format!("page not cached: {e}"));
    }
    Ok(bytes)
}

/// Pages with a map may load images from the configured tile server.
fn with_map_csp(env: &Env, mut response: Response) -> Response {
    if let Some(tiles) = web::tiles(env)
        && let Ok(value) = HeaderValue::from_str(&web::csp_with_tiles(&tiles))
    {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

pub async fn home(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    Ok(cacheable(req, HTML, home::render(env).await?.into_bytes()))
}

/// `/resources`: kept like a page, under the search's own key (`SearchQuery::cache_key`).
pub async fn results(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let query = search::SearchQuery::from_request(req)?;
    let (key, ttl) = query.cache_key(env.clock.now_millis());
    let html = cached(
        env,
        &format!("results:{key}"),
        ttl,
        |generation| async move {
            let dictionary = crate::memo::dictionary(env, &query, generation.as_deref()).await?;
            let found = search::search_with(
                env,
                &query,
                &dictionary,
                crate::memo::places(generation.as_deref()),
            )
            .await?;
            let html = results_page::results(env, &query, &found).await?;
            Ok((html.into_bytes(), found.keepable))
        },
    )
    .await?;
    Ok(with_map_csp(
        env,
        short_lived(cacheable(req, HTML, html), ttl),
    ))
}

/// A search answer that changes by the minute ("open now") is kept by shared caches for a
/// minute at most.
pub fn short_lived(mut response: Response, ttl: u64) -> Response {
    if ttl <= 60 {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=60, s-maxage=60"),
        );
    }
    response
}

pub async fn resource(c: Call<'_>) -> Result<Response, Error> {
    let (req, env, id) = (c.req, c.env, c.param("id"));
    let html = cached(
        env,
        &format!("resource:{id}"),
        PAGE_TTL_SECONDS,
        |_| async {
            let resource = resources::get(env, id).await?.ok_or(Error::NotFound)?;
            if resource.fields.status == Status::Draft {
                return Err(Error::NotFound);
            }
            let tiles = web::tiles(env);
            let html = resource_pages::detail(
                &resource,
                web::configured_origin(env).as_deref(),
                tiles.as_ref(),
            );
            Ok((html.into_bytes(), true))
        },
    )
    .await?;
    Ok(with_map_csp(env, cacheable(req, HTML, html)))
}

pub async fn print(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let ids = query_param(req, "ids").unwrap_or_default();
    let ids: Vec<&str> = ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(MAX_PRINT_IDS)
        .collect();
    let mut list = Vec::new();
    for id in ids {
        if let Some(r) = resources::get(env, id).await?
            && r.fields.status == Status::Published
        {
            list.push(r);
        }
    }
    if list.is_empty() {
        return Err(Error::NotFound);
    }
    let html = resource_pages::print(&list, &web::request_origin(req, env));
    Ok(web::origin_named(
        cacheable(req, HTML, html.into_bytes()),
        env,
    ))
}

pub async fn sitemap(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let xml = sitemap_xml::sitemap(env, &web::request_origin(req, env)).await?;
    let response = cacheable(req, "application/xml; charset=utf-8", xml.into_bytes());
    Ok(web::origin_named(response, env))
}

pub async fn robots(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let mut response = cacheable(
        req,
        "text/plain; charset=utf-8",
        sitemap_xml::robots(&web::request_origin(req, env)).into_bytes(),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(web::PUBLIC_CACHE),
    );
    Ok(web::origin_named(response, env))
}
