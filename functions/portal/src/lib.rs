//! The `portal` function: public pages and the public API (`/`, `/resources…`,
//! `/api/v1/public/…`), and their administration. Granted the `public` database and the
//! `cache` and `auth` KV stores, nothing else.

mod api;
mod generation;
mod memo;
mod pages;

/// For the command line that writes the store beside a running host (an import).
pub use generation::invalidate_pages;

use std::sync::OnceLock;

use ::http::Method;
use rainbownet_core::http::router::Router;
use rainbownet_core::http::{Request, Response, serve};
use rainbownet_core::{Env, Error, Function, selfcheck};

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
adapter_workers::entry!(crate::Portal);

#[cfg(target_os = "wasi")]
adapter_spin::entry!(crate::Portal);

#[derive(Clone, Copy, Debug)]
enum Route {
    Home,
    ResultsPage,
    PrintPage,
    ResourcePage,
    Sitemap,
    Robots,
    OpenApi,
    ListMunicipalities,
    PutMunicipality,
    Categories,
    Vocabulary,
    SearchWords,
    PutSearchWord,
    DeleteSearchWord,
    SearchResources,
    CreateResource,
    GetResource,
    PutResource,
    ManagedResources,
    ExportHsds,
    HsdsServices,
    HsdsService,
    ExportCsv,
    Import,
    ListNotices,
    CreateNotice,
    WithdrawNotice,
    UpdateNotice,
    ManagedNotices,
    SelfcheckStore,
}

/// Every route of the portal. The router is built from this table and `routes()` lists it,
/// so the conformance suite compares the OpenAPI document with what is really served.
#[rustfmt::skip]
static ROUTES: &[(Method, &str, Route)] = &[
    (Method::GET, "/", Route::Home),
    (Method::GET, "/resources", Route::ResultsPage),
    (Method::GET, "/resources/print", Route::PrintPage),
    (Method::GET, "/resources/{id}", Route::ResourcePage),
    (Method::GET, "/sitemap.xml", Route::Sitemap),
    (Method::GET, "/robots.txt", Route::Robots),
    (Method::GET, "/api/v1/openapi.json", Route::OpenApi),
    (Method::GET, "/api/v1/public/municipalities", Route::ListMunicipalities),
    (Method::PUT, "/api/v1/public/municipalities/{code}", Route::PutMunicipality),
    (Method::GET, "/api/v1/public/categories", Route::Categories),
    (Method::GET, "/api/v1/public/vocabulary", Route::Vocabulary),
    (Method::GET, "/api/v1/public/search-words", Route::SearchWords),
    (Method::PUT, "/api/v1/public/search-words/{word}", Route::PutSearchWord),
    (Method::DELETE, "/api/v1/public/search-words/{word}", Route::DeleteSearchWord),
    (Method::GET, "/api/v1/public/resources", Route::SearchResources),
    (Method::POST, "/api/v1/public/resources", Route::CreateResource),
    (Method::GET, "/api/v1/public/resources/{id}", Route::GetResource),
    (Method::PUT, "/api/v1/public/resources/{id}", Route::PutResource),
    (Method::GET, "/api/v1/public/managed-resources", Route::ManagedResources),
    (Method::GET, "/api/v1/public/resources.hsds.json", Route::ExportHsds),
    (Method::GET, "/hsds/services", Route::HsdsServices),
    (Method::GET, "/hsds/services/{id}", Route::HsdsService),
    (Method::GET, "/api/v1/public/resources.csv", Route::ExportCsv),
    (Method::POST, "/api/v1/public/imports", Route::Import),
    (Method::GET, "/api/v1/public/notices", Route::ListNotices),
    (Method::POST, "/api/v1/public/notices", Route::CreateNotice),
    (Method::DELETE, "/api/v1/public/notices/{id}", Route::WithdrawNotice),
    (Method::PUT, "/api/v1/public/notices/{id}", Route::UpdateNotice),
    (Method::GET, "/api/v1/public/managed-notices", Route::ManagedNotices),
    (Method::GET, "/api/v1/public/_selfcheck/stores/{store}", Route::SelfcheckStore),
];

fn router() -> &'static Router<Route> {
    static ROUTER: OnceLock<Router<Route>> = OnceLock::new();
    ROUTER.get_or_init(|| {
        ROUTES
            .iter()
            .fold(Router::new(), |router, (method, path, route)| {
                router.add(method.clone(), path, *route)
            })
    })
}

/// The route table (method and path), for the conformance suite.
pub fn routes() -> impl Iterator<Item = (Method, &'static str)> {
    ROUTES
        .iter()
        .map(|(method, path, _)| (method.clone(), *path))
}

pub struct Portal;

impl Function for Portal {
    fn error_page(problem: rainbownet_core::Response) -> rainbownet_core::Response {
        rainbownet_core::web::error_page::from_problem(problem)
    }

    const NAME: &'static str = "portal";
    /// Open-data CSV uploads can be a few megabytes.
    const BODY_LIMIT: usize = 8 * 1024 * 1024;

    async fn dispatch(req: &Request, env: &Env) -> Result<Response, Error> {
        let (route, params) = router().resolve(req.method(), req.uri().path())?;
        let param = |name| params.get(name).unwrap_or_default();
        match route {
            Route::Home => pages::home(req, env).await,
            Route::ResultsPage => pages::results(req, env).await,
            Route::PrintPage => pages::print(req, env).await,
            Route::ResourcePage => pages::resource(req, env, param("id")).await,
            Route::Sitemap => pages::sitemap(req, env).await,
            Route::Robots => pages::robots(req, env),
            Route::OpenApi => Ok(api::openapi(req)),
            Route::ListMunicipalities => rainbownet_core::public::municipalities::get(env).await,
            Route::PutMunicipality => api::put_municipality(req, env, param("code")).await,
            Route::Categories => api::categories(req, env).await,
            Route::Vocabulary => Ok(api::vocabulary(req)),
            Route::SearchWords => api::search_words(req, env).await,
            Route::PutSearchWord => api::put_search_word(req, env, param("word")).await,
            Route::DeleteSearchWord => api::delete_search_word(req, env, param("word")).await,
            Route::SearchResources => api::search(req, env).await,
            Route::CreateResource => api::create_resource(req, env).await,
            Route::GetResource => api::get_resource(req, env, param("id")).await,
            Route::PutResource => api::put_resource(req, env, param("id")).await,
            Route::ManagedResources => api::managed_resources(req, env).await,
            Route::ExportHsds => api::export_hsds(req, env).await,
            Route::HsdsServices => api::hsds_services(req, env).await,
            Route::HsdsService => api::hsds_service(req, env, param("id")).await,
            Route::ExportCsv => api::export_csv(req, env).await,
            Route::Import => api::import(req, env).await,
            Route::ListNotices => api::notices(req, env).await,
            Route::CreateNotice => api::create_notice(req, env).await,
            Route::WithdrawNotice => api::withdraw_notice(req, env, param("id")).await,
            Route::UpdateNotice => api::update_notice(req, env, param("id")).await,
            Route::ManagedNotices => api::managed_notices(req, env).await,
            Route::SelfcheckStore => selfcheck::store(env, Self::NAME, param("store")).await,
        }
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
