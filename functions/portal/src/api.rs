//! The public JSON API and its administration. Who may call each is the route table's
//! guard (`lib.rs`); a handler decides only against the record (the town it belongs to).

use ::http::{HeaderValue, StatusCode, header};
use rainbownet_core::guard::Call;
use rainbownet_core::http::{Request, Response, json, query_param};
use rainbownet_core::ports::Database;
use rainbownet_core::public::{municipalities, notices};
use rainbownet_core::resources::{self, export, import, search};
use rainbownet_core::web::{self, cacheable};
use rainbownet_core::{Error, FieldError};

use crate::generation::invalidate_pages;

fn public_json<T: serde::Serialize>(req: &Request, body: &T) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    cacheable(req, "application/json", bytes)
}

/// The OpenAPI 3.1 document of every function's routes (`schema/openapi.yaml`, turned into
/// JSON by the build script), cached like the rest of the public JSON.
const OPENAPI_JSON: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/openapi.json"));

/// `GET /api/v1/openapi.json`.
pub async fn openapi(c: Call<'_>) -> Result<Response, Error> {
    Ok(cacheable(c.req, "application/json", OPENAPI_JSON.to_vec()))
}

pub async fn put_municipality(c: Call<'_>) -> Result<Response, Error> {
    let (req, env, code) = (c.req, c.env, c.param("code"));
    let input = rainbownet_core::http::json::parse(req)?;
    let response = municipalities::put(env, code, input).await?;
    invalidate_pages(env).await;
    Ok(response)
}

/// `GET /api/v1/public/vocabulary`: every fixed list of the domain (roles, professions,
/// statuses, kinds…) with its labels, so that the clients show what the server accepts.
pub async fn vocabulary(c: Call<'_>) -> Result<Response, Error> {
    Ok(public_json(c.req, &rainbownet_core::lists::all()))
}

pub async fn categories(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    #[derive(serde::Serialize)]
    struct Category {
        code: String,
        parent: Option<String>,
        name_ja: String,
        name_en: String,
    }
    let sql = env.sql(Database::Public).await?;
    let rows = sql
        .query(
            "SELECT code, parent, name_ja, name_en FROM categories ORDER BY sort",
            &[],
        )
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(Category {
                code: r.text("code")?.to_owned(),
                parent: r.opt_text("parent")?.map(str::to_owned),
                name_ja: r.text("name_ja")?.to_owned(),
                name_en: r.text("name_en")?.to_owned(),
            })
        })
        .collect::<Result<Vec<_>, rainbownet_core::ports::StoreError>>()?;
    Ok(public_json(req, &serde_json::json!({ "items": items })))
}

/// `GET /api/v1/public/search-words`: the words residents type and what they stand for.
pub async fn search_words(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let items = resources::search_words::list(env).await?;
    Ok(public_json(req, &serde_json::json!({ "items": items })))
}

/// `PUT /api/v1/public/search-words/{word}`: sysadmins keep the dictionary (it is the
/// whole region's).
pub async fn put_search_word(c: Call<'_>) -> Result<Response, Error> {
    let (req, env, word) = (c.req, c.env, c.param("word"));
    let input = rainbownet_core::http::json::parse(req)?;
    let word = rainbownet_core::http::percent_decode(word);
    let stored = resources::search_words::put(env, &word, input).await?;
    invalidate_pages(env).await;
    Ok(json(StatusCode::OK, &stored))
}

pub async fn delete_search_word(c: Call<'_>) -> Result<Response, Error> {
    let (env, word) = (c.env, c.param("word"));
    let word = rainbownet_core::http::percent_decode(word);
    if !resources::search_words::delete(env, &word).await? {
        return Err(Error::NotFound);
    }
    invalidate_pages(env).await;
    Ok(rainbownet_core::http::respond::no_content())
}

/// `GET /api/v1/public/resources`: served like a page. The same search (words folded,
/// position to about 11 m, the day, the minute for "open now") is answered from the
/// `cache` KV store until a write makes it obsolete, with an ETag and `s-maxage` so that
/// the edge keeps it too.
pub async fn search(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let query = search::SearchQuery::from_request(req)?;
    let (key, ttl) = query.cache_key(env.clock.now_millis());
    let bytes = crate::pages::cached(
        env,
        &format!("search:{key}"),
        ttl,
        |generation| async move {
            let dictionary = crate::memo::dictionary(env, &query, generation.as_deref()).await?;
            let page = search::search_with(
                env,
                &query,
                &dictionary,
                crate::memo::places(generation.as_deref()),
            )
            .await?;
            let bytes = page
                .to_json(query.view)
                .map_err(|e| Error::Internal(format!("search JSON: {e}")))?;
            Ok((bytes, page.keepable))
        },
    )
    .await?;
    Ok(crate::pages::short_lived(
        cacheable(req, "application/json", bytes),
        ttl,
    ))
}

/// `GET /api/v1/public/managed-resources`: the resources the caller administers, drafts
/// and closed ones too (the admin page picks what to edit from it). Municipal staff see
/// their own town unless they name another (403); the region is for sysadmins.
pub async fn managed_resources(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let caller = c.who.admin()?;
    let query = resources::managed::ManagedQuery::from_params(|name| query_param(req, name))?;
    let town = caller.list_town(query.municipality.clone())?;
    let towns = town.map(|t| vec![t]);
    let page = resources::managed::list(env, &query, towns.as_deref()).await?;
    Ok(json(StatusCode::OK, &page))
}

pub async fn create_resource(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let caller = c.who.admin()?;
    let fields: resources::ResourceFields = rainbownet_core::http::json::parse(req)?;
    caller.may_manage(Some(fields.municipality_code.trim()))?;
    let created = resources::create(env, fields).await?;
    invalidate_pages(env).await;
    let mut response = json(StatusCode::CREATED, &created);
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/public/resources/{}", created.id))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Published resources for everyone; drafts and closed ones for administrators only.
pub async fn get_resource(c: Call<'_>) -> Result<Response, Error> {
    let (req, env, id) = (c.req, c.env, c.param("id"));
    // Credentials that were sent were checked by the guard, whatever the id: an expired
    // token is a 401 the admin page refreshes on, and tells nothing of whether the id exists.
    let caller = c.who.optional_admin();
    let resource = resources::get(env, id).await?.ok_or(Error::NotFound)?;
    if resource.fields.status != resources::Status::Published {
        // Drafts and closed records exist only for those who may manage them.
        let caller = caller.ok_or(Error::NotFound)?;
        caller
            .may_manage(Some(&resource.fields.municipality_code))
            .map_err(|_| Error::NotFound)?;
        return Ok(json(StatusCode::OK, &resource));
    }
    Ok(public_json(req, &resource))
}

pub async fn put_resource(c: Call<'_>) -> Result<Response, Error> {
    let (req, env, id) = (c.req, c.env, c.param("id"));
    let caller = c.who.admin()?;
    let fields: resources::ResourceFields = rainbownet_core::http::json::parse(req)?;
    let current = resources::get(env, id).await?.ok_or(Error::NotFound)?;
    // Both the town it belongs to and the town it would move to.
    caller.may_manage(Some(&current.fields.municipality_code))?;
    caller.may_manage(Some(fields.municipality_code.trim()))?;
    let updated = resources::update(env, id, fields)
        .await?
        .ok_or(Error::NotFound)?;
    invalidate_pages(env).await;
    Ok(json(StatusCode::OK, &updated))
}

pub async fn export_hsds(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let origin = web::request_origin(req, env);
    let body = export::hsds(env, &origin).await?;
    Ok(web::origin_named(
        cacheable(req, "application/json", body),
        env,
    ))
}

/// `GET /hsds/services?page=&per_page=`: the HSDS 3.0 API's list of services, paged.
pub async fn hsds_services(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let number = |name: &str, default: usize| -> Result<usize, Error> {
        match rainbownet_core::http::query_param(req, name).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                Error::Validation(vec![rainbownet_core::FieldError::new(
                    format!("?{name}"),
                    "a whole number from 1",
                    "1以上の整数で指定してください",
                )])
            }),
        }
    };
    let (page, per_page) = (number("page", 1)?, number("per_page", 50)?);
    let per_page = per_page.min(export::HSDS_MAX_PER_PAGE);
    let total = export::published_count(env).await?;
    let items = export::published_page(env, page, per_page).await?;
    let origin = web::request_origin(req, env);
    let page = public_json(
        req,
        &export::hsds_page(&items, total, &origin, page, per_page),
    );
    Ok(web::origin_named(page, env))
}

/// `GET /hsds/services/{id}`: one published service in HSDS 3.0.
pub async fn hsds_service(c: Call<'_>) -> Result<Response, Error> {
    let (req, env, id) = (c.req, c.env, c.param("id"));
    let resource = rainbownet_core::resources::get(env, id)
        .await?
        .filter(|r| r.fields.status == rainbownet_core::resources::Status::Published)
        .ok_or(Error::NotFound)?;
    let origin = web::request_origin(req, env);
    let service = public_json(req, &export::hsds_service(&resource, &origin));
    Ok(web::origin_named(service, env))
}

pub async fn export_csv(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let origin = web::request_origin(req, env);
    let mut response = cacheable(
        req,
        "text/csv; charset=utf-8",
        export::csv(env, &origin).await?,
    );
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"rainbownet-resources.csv\""),
    );
    Ok(web::origin_named(response, env))
}

/// `POST /api/v1/public/imports?municipality=CODE` with the CSV file as the body.
pub async fn import(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let caller = c.who.admin()?;
    let municipality = query_param(req, "municipality").ok_or_else(|| {
        Error::Validation(vec![FieldError::new(
            "?municipality",
            "the municipality code is required",
            "市区町村コードを指定してください",
        )])
    })?;
    caller.may_manage(Some(&municipality))?;
    if req.body().is_empty() {
        return Err(Error::Validation(vec![FieldError::new(
            "file",
            "the CSV file is empty",
            "CSVファイルが空です",
        )]));
    }
    let report = import::import(env, &municipality, req.body(), &mut |_, _| {}).await?;
    invalidate_pages(env).await;
    Ok(json(StatusCode::OK, &report))
}

pub async fn notices(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let municipality = query_param(req, "municipality");
    let items = notices::published(env, municipality.as_deref(), 50).await?;
    Ok(public_json(req, &serde_json::json!({ "items": items })))
}

/// `DELETE /api/v1/public/notices/{id}`: staff of the notice's town, sysadmins, or the
/// bootstrap token while it is open.
pub async fn withdraw_notice(c: Call<'_>) -> Result<Response, Error> {
    let (env, id) = (c.env, c.param("id"));
    let caller = c.who.admin()?;
    // 404 before 403: notices are public, so that one exists in another town tells nothing.
    let municipality = notices::municipality_of(env, id)
        .await?
        .ok_or(Error::NotFound)?;
    caller.may_manage(Some(&municipality))?;
    if !notices::withdraw(env, id, &municipality).await? {
        return Err(Error::NotFound);
    }
    invalidate_pages(env).await;
    Ok(rainbownet_core::http::respond::no_content())
}

/// `PUT /api/v1/public/notices/{id}`: corrects a notice in place (a wrong date, a changed
/// place), for the same people who may withdraw it.
pub async fn update_notice(c: Call<'_>) -> Result<Response, Error> {
    let (req, env, id) = (c.req, c.env, c.param("id"));
    let caller = c.who.admin()?;
    let municipality = notices::municipality_of(env, id)
        .await?
        .ok_or(Error::NotFound)?;
    caller.may_manage(Some(&municipality))?;
    let input: notices::NoticeInput = rainbownet_core::http::json::parse(req)?;
    let notice = notices::update(env, id, &municipality, input)
        .await?
        .ok_or(Error::NotFound)?;
    invalidate_pages(env).await;
    Ok(json(StatusCode::OK, &notice))
}

/// `GET /api/v1/public/managed-notices`: a town's notices, scheduled and ended ones too.
pub async fn managed_notices(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let caller = c.who.admin()?;
    let town = caller.list_town(query_param(req, "municipality"))?;
    let items = notices::managed(env, town.as_deref(), 200).await?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
}

pub async fn create_notice(c: Call<'_>) -> Result<Response, Error> {
    let (req, env) = (c.req, c.env);
    let caller = c.who.admin()?;
    let input: notices::NoticeInput = rainbownet_core::http::json::parse(req)?;
    caller.may_manage(Some(&input.municipality_code))?;
    let id = notices::create(env, input).await?;
    invalidate_pages(env).await;
    Ok(json(StatusCode::CREATED, &serde_json::json!({ "id": id })))
}

/// `GET /api/v1/public/backup-status`: the last backup the host recorded, for sysadmins.
pub async fn backup_status(c: Call<'_>) -> Result<Response, Error> {
    let status = rainbownet_core::operations::backup_status(c.env).await?;
    Ok(json(StatusCode::OK, &status))
}
