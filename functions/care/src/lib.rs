//! The `care` function: professionals, patients, timelines (`/api/v1/auth/…`, `/api/v1/patients/…`, `/api/v1/care/…`).
//! Granted the `care` database, the `public` database (to match patients to resources) and
//! the `auth` KV store.

use std::sync::OnceLock;

use rainbownet_core::http::router::Router;
use rainbownet_core::http::{Request, Response, serve};
use rainbownet_core::{Env, Error, Function, selfcheck};

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
adapter_workers::entry!(crate::Care);

#[cfg(target_os = "wasi")]
adapter_spin::entry!(crate::Care);

#[derive(Clone, Copy, Debug)]
enum Route {
    SelfcheckStore,
}

fn router() -> &'static Router<Route> {
    static ROUTER: OnceLock<Router<Route>> = OnceLock::new();
    ROUTER.get_or_init(|| {
        Router::new().get(
            "/api/v1/care/_selfcheck/stores/{store}",
            Route::SelfcheckStore,
        )
    })
}

pub struct Care;

impl Function for Care {
    const NAME: &'static str = "care";

    async fn dispatch(req: &Request, env: &Env) -> Result<Response, Error> {
        let (route, params) = router().resolve(req.method(), req.uri().path())?;
        match route {
            Route::SelfcheckStore => {
                selfcheck::store(env, Self::NAME, params.get("store").unwrap_or_default()).await
            }
        }
    }
}

/// Serves one request (hosts call this).
pub async fn handle(req: Request, env: &Env) -> Response {
    serve::<Care>(req, env).await
}
