//! The public JSON API and its administration (bootstrap admin token until logins land).

use ::http::{HeaderValue, StatusCode, header};
use rainbownet_core::auth::admin;
use rainbownet_core::http::{Request, Response, json, query_param};
use rainbownet_core::ports::Database;
use rainbownet_core::public::{municipalities, notices};
use rainbownet_core::resources::{self, export, import, search};
use rainbownet_core::web::{self, cacheable};
use rainbownet_core::{Env, Error, FieldError};

use crate::generation::invalidate_pages;

fn public_json<T: serde::Serialize>(req: &Request, body: &T) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    cacheable(req, "application/json", bytes)
}

/// The OpenAPI 3.1 document of every function's routes (`schema/openapi.yaml`, turned into
/// JSON by the build script), cached like the rest of the public JSON.
const OPENAPI_JSON: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/openapi.json"));

/// `GET /api/v1/openapi.json`.
pub fn openapi(req: &Request) -> Response {
    cacheable(req, "application/json", OPENAPI_JSON.to_vec())
}

pub async fn put_municipality(req: &Request, env: &Env, code: &str) -> Result<Response, Error> {
    // The region's municipalities are the deployment's own: sysadmins only.
    admin::authenticate(req, env).await?.may_manage(None)?;
    let input = rainbownet_core::http::json::parse(req)?;
    let response = municipalities::put(env, code, input).await?;
    invalidate_pages(env).await;
    Ok(response)
}

/// `GET /api/v1/public/vocabulary`: every fixed list of the domain (roles, professions,
/// statuses, kinds…) with its labels, so that the clients show what the server accepts.
pub fn vocabulary(req: &Request) -> Response {
    public_json(req, &rainbownet_core::lists::all())
}

pub async fn categories(req: &Request, env: &Env) -> Result<Response, Error> {
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
pub async fn search_words(req: &Request, env: &Env) -> Result<Response, Error> {
    let items = resources::search_words::list(env).await?;
    Ok(public_json(req, &serde_json::json!({ "items": items })))
}

/// `PUT /api/v1/public/search-words/{word}`: sysadmins keep the dictionary (it is the
/// whole region's).
pub async fn put_search_word(req: &Request, env: &Env, word: &str) -> Result<Response, Error> {
    admin::authenticate(req, env).await?.may_manage(None)?;
    let input = rainbownet_core::http::json::parse(req)?;
    let word = rainbownet_core::http::percent_decode(word);
    let stored = resources::search_words::put(env, &word, input).await?;
    invalidate_pages(env).await;
    Ok(json(StatusCode::OK, &stored))
}

pub async fn delete_search_word(req: &Request, env: &Env, word: &str) -> Result<Response, Error> {
    admin::authenticate(req, env).await?.may_manage(None)?;
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
pub async fn search(req: &Request, env: &Env) -> Result<Response, Error> {
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

/// The town an administrator's list is of: the one named, else a staff member's own (the
/// region for sysadmins and the bootstrap token); 403 unless the caller may manage it.
fn managed_town(named: Option<String>, caller: &admin::Admin) -> Result<Option<String>, Error> {
    use rainbownet_core::auth::role::Role;
    let town = match (named, caller) {
        (Some(town), _) => Some(town),
        (None, admin::Admin::Staff(subject)) if !subject.has(Role::Sysadmin) => {
            subject.municipality.clone()
        }
        (None, _) => None,
    };
    caller.may_manage(town.as_deref())?;
    Ok(town)
}

/// `GET /api/v1/public/managed-resources`: the resources the caller administers, drafts
/// and closed ones too (the admin page picks what to edit from it). Municipal staff see
/// their own town unless they name another (403); the region is for sysadmins.
pub async fn managed_resources(req: &Request, env: &Env) -> Result<Response, Error> {
    let caller = admin::authenticate(req, env).await?;
    let query = resources::managed::ManagedQuery::from_params(|name| query_param(req, name))?;
    let town = managed_town(query.municipality.clone(), &caller)?;
    let towns = town.map(|t| vec![t]);
    let page = resources::managed::list(env, &query, towns.as_deref()).await?;
    Ok(json(StatusCode::OK, &page))
}

pub async fn create_resource(req: &Request, env: &Env) -> Result<Response, Error> {
    let caller = admin::authenticate(req, env).await?;
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
pub async fn get_resource(req: &Request, env: &Env, id: &str) -> Result<Response, Error> {
    // Credentials that were sent are checked first, whatever the id: an expired token is a
    // 401 the admin page refreshes on (not a 404 for its own draft), and tells nothing of
    // whether the id exists.
    let caller = match req.headers().contains_key(header::AUTHORIZATION) {
        // A closed bootstrap token (403) reads what everyone reads.
        true => match admin::authenticate(req, env).await {
            Ok(caller) => Some(caller),
            Err(Error::Forbidden) => None,
            Err(e) => return Err(e),
        },
        false => None,
    };
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

pub async fn put_resource(req: &Request, env: &Env, id: &str) -> Result<Response, Error> {
    let caller = admin::authenticate(req, env).await?;
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

pub async fn export_hsds(req: &Request, env: &Env) -> Result<Response, Error> {
    let all = export::published(env).await?;
    let origin = web::request_origin(req, env);
    Ok(public_json(req, &export::hsds(&all, &origin)))
}

/// `GET /hsds/services?page=&per_page=`: the HSDS 3.0 API's list of services, paged.
pub async fn hsds_services(req: &Request, env: &Env) -> Result<Response, Error> {
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
    let all = export::published(env).await?;
    let origin = web::request_origin(req, env);
    Ok(public_json(
        req,
        &export::hsds_page(&all, &origin, page, per_page),
    ))
}

/// `GET /hsds/services/{id}`: one published service in HSDS 3.0.
pub async fn hsds_service(req: &Request, env: &Env, id: &str) -> Result<Response, Error> {
    let resource = rainbownet_core::resources::get(env, id)
        .await?
        .filter(|r| r.fields.status == rainbownet_core::resources::Status::Published)
        .ok_or(Error::NotFound)?;
    let origin = web::request_origin(req, env);
    Ok(public_json(req, &export::hsds_service(&resource, &origin)))
}

pub async fn export_csv(req: &Request, env: &Env) -> Result<Response, Error> {
    let all = export::published(env).await?;
    let origin = web::request_origin(req, env);
    let mut response = cacheable(req, "text/csv; charset=utf-8", export::csv(&all, &origin)?);
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"rainbownet-resources.csv\""),
    );
    Ok(response)
}

/// `POST /api/v1/public/imports?municipality=CODE` with the CSV file as the body.
pub async fn import(req: &Request, env: &Env) -> Result<Response, Error> {
    let caller = admin::authenticate(req, env).await?;
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

pub async fn notices(req: &Request, env: &Env) -> Result<Response, Error> {
    let municipality = query_param(req, "municipality");
    let items = notices::published(env, municipality.as_deref(), 50).await?;
    Ok(public_json(req, &serde_json::json!({ "items": items })))
}

/// `DELETE /api/v1/public/notices/{id}`: staff of the notice's town, sysadmins, or the
/// bootstrap token while it is open.
pub async fn withdraw_notice(req: &Request, env: &Env, id: &str) -> Result<Response, Error> {
    let caller = admin::authenticate(req, env).await?;
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
pub async fn update_notice(req: &Request, env: &Env, id: &str) -> Result<Response, Error> {
    let caller = admin::authenticate(req, env).await?;
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
pub async fn managed_notices(req: &Request, env: &Env) -> Result<Response, Error> {
    let caller = admin::authenticate(req, env).await?;
    let town = managed_town(query_param(req, "municipality"), &caller)?;
    let items = notices::managed(env, town.as_deref(), 200).await?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
}

pub async fn create_notice(req: &Request, env: &Env) -> Result<Response, Error> {
    let caller = admin::authenticate(req, env).await?;
    let input: notices::NoticeInput = rainbownet_core::http::json::parse(req)?;
    caller.may_manage(Some(&input.municipality_code))?;
    let id = notices::create(env, input).await?;
    invalidate_pages(env).await;
    Ok(json(StatusCode::CREATED, &serde_json::json!({ "id": id })))
}
