//! The `portal` function: public pages and the public API (`/`, `/api/v1/public/…`).
//! Granted the `public` database and the `cache` and `auth` KV stores, nothing else.

use std::sync::OnceLock;

use rainbownet_core::auth::bootstrap;
use rainbownet_core::http::router::Router;
use rainbownet_core::http::{Request, Response, serve};
use rainbownet_core::public::municipalities;
use rainbownet_core::{Env, Error, Function, selfcheck};

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
adapter_workers::entry!(crate::Portal);

#[cfg(target_os = "wasi")]
adapter_spin::entry!(crate::Portal);

#[derive(Clone, Copy, Debug)]
enum Route {
    ListMunicipalities,
    PutMunicipality,
    SelfcheckStore,
}

fn router() -> &'static Router<Route> {
    static ROUTER: OnceLock<Router<Route>> = OnceLock::new();
    ROUTER.get_or_init(|| {
        Router::new()
            .get("/api/v1/public/municipalities", Route::ListMunicipalities)
            .add(
                ::http::Method::PUT,
                "/api/v1/public/municipalities/{code}",
                Route::PutMunicipality,
            )
            .get(
                "/api/v1/public/_selfcheck/stores/{store}",
                Route::SelfcheckStore,
            )
    })
}

pub struct Portal;

impl Function for Portal {
    const NAME: &'static str = "portal";

    async fn dispatch(req: &Request, env: &Env) -> Result<Response, Error> {
        let (route, params) = router().resolve(req.method(), req.uri().path())?;
        let param = |name| params.get(name).unwrap_or_default();
        match route {
            Route::ListMunicipalities => municipalities::get(env).await,
            Route::PutMunicipality => {
                bootstrap::require_admin(req, env)?;
                let input = rainbownet_core::http::json::parse(req)?;
                municipalities::put(env, param("code"), input).await
            }
            Route::SelfcheckStore => selfcheck::store(env, Self::NAME, param("store")).await,
        }
    }
}

/// Serves one request (hosts call this).
pub async fn handle(req: Request, env: &Env) -> Response {
    serve::<Portal>(req, env).await
}
