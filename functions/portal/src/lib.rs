//! The `portal` function: public pages and the public API (`/`, `/resources…`,
//! `/api/v1/public/…`), and their administration. Granted the `public` database and the
//! `cache` and `auth` KV stores, nothing else.

mod api;
mod generation;
mod memo;
mod pages;

/// For the command line that writes the store beside a running host (an import).
pub use generation::invalidate_pages;

use rainbownet_core::guard::{Call, Routes};
use rainbownet_core::http::router::RouteInfo;
use rainbownet_core::http::{HeaderMap, Method, Request, Response, serve};
use rainbownet_core::{Env, Error, Function, routes};

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
adapter_workers::entry!(crate::Portal);

#[cfg(target_os = "wasi")]
adapter_spin::entry!(crate::Portal);

/// Every route of the portal: method, path, the guard that admits its callers (run before
/// the handler), the action it is known by, and its handler. The conformance suite reads the
/// same table for the authorization matrix and to compare the OpenAPI document with what is
/// served. The portal holds no personal data and so no audit log: refusals are answered,
/// not recorded.
#[rustfmt::skip]
static ROUTES: Routes = Routes::new(routes![
    GET "/" Public "page.home" => pages::home,
    GET "/resources" Public "page.results" => pages::results,
    GET "/resources/print" Public "page.print" => pages::print,
    GET "/resources/{id}" Public "page.resource" => pages::resource,
    GET "/sitemap.xml" Public "page.sitemap" => pages::sitemap,
    GET "/robots.txt" Public "page.robots" => pages::robots,
    GET "/api/v1/openapi.json" Public "openapi" => api::openapi,
    GET "/api/v1/public/municipalities" Public "municipality.list" => municipalities,
    PUT "/api/v1/public/municipalities/{code}" RegionAdministrator "municipality.put" => api::put_municipality,
    GET "/api/v1/public/categories" Public "category.list" => api::categories,
    GET "/api/v1/public/vocabulary" Public "vocabulary" => api::vocabulary,
    GET "/api/v1/public/search-words" Public "search_word.list" => api::search_words,
    PUT "/api/v1/public/search-words/{word}" RegionAdministrator "search_word.put" => api::put_search_word,
    DELETE "/api/v1/public/search-words/{word}" RegionAdministrator "search_word.delete" => api::delete_search_word,
    GET "/api/v1/public/resources" Public "resource.search" => api::search,
    POST "/api/v1/public/resources" Administrator "resource.create" => api::create_resource,
    GET "/api/v1/public/resources/{id}" PublicOrAdministrator "resource.read" => api::get_resource,
    PUT "/api/v1/public/resources/{id}" Administrator "resource.update" => api::put_resource,
    GET "/api/v1/public/managed-resources" Administrator "resource.managed" => api::managed_resources,
    GET "/api/v1/public/resources.hsds.json" Public "resource.export_hsds" => api::export_hsds,
    GET "/hsds/services" Public "hsds.services" => api::hsds_services,
    GET "/hsds/services/{id}" Public "hsds.service" => api::hsds_service,
    GET "/api/v1/public/resources.csv" Public "resource.export_csv" => api::export_csv,
    POST "/api/v1/public/imports" Administrator "resource.import" large => api::import,
    GET "/api/v1/public/notices" Public "notice.list" => api::notices,
    POST "/api/v1/public/notices" Administrator "notice.create" => api::create_notice,
    DELETE "/api/v1/public/notices/{id}" Administrator "notice.withdraw" => api::withdraw_notice,
    PUT "/api/v1/public/notices/{id}" Administrator "notice.update" => api::update_notice,
    GET "/api/v1/public/managed-notices" Administrator "notice.managed" => api::managed_notices,
    GET "/api/v1/public/backup-status" RegionAdministrator "backup.status" => api::backup_status,
    GET "/api/v1/public/_selfcheck/stores/{store}" Public "selfcheck" => rainbownet_core::guard::selfcheck::<Portal>,
]);

/// The route table, for the conformance suite.
pub fn routes() -> impl Iterator<Item = RouteInfo> {
    ROUTES.info()
}

async fn municipalities(c: Call<'_>) -> Result<Response, Error> {
    rainbownet_core::public::municipalities::get(c.env).await
}

pub struct Portal;

impl Function for Portal {
    fn error_page(problem: rainbownet_core::Response) -> rainbownet_core::Response {
        rainbownet_core::web::error_page::from_problem(problem)
    }

    const NAME: &'static str = "portal";
    /// Open-data CSV uploads can be a few megabytes (the `large` route only; the rest take 256 KiB).
    const BODY_LIMIT: usize = 8 * 1024 * 1024;

    fn body_limit(method: &Method, path: &str, headers: &HeaderMap, env: &Env) -> usize {
        ROUTES.body_limit(method, path, headers, env, Self::BODY_LIMIT)
    }

    async fn dispatch(req: &Request, env: &Env) -> Result<Response, Error> {
        ROUTES.dispatch(None, req, env).await
    }

    /// Keeps the region's places in memory for searches near a point, off the request
    /// path (a search that finds them missing or old asks for it).
    async fn after(env: &Env) {
        memo::keep_places_fresh(env).await;
    }
}

/// Serves one request (hosts call this).
pub async fn handle(req: Request, env: &Env) -> Response {
    serve::<Portal>(req, env).await
}
