//! The `disaster` function: the register and safety check-ins (`/api/v1/disaster/…`).
//! Granted the `disaster` database and the `auth` KV store.

use std::sync::OnceLock;

use rainbownet_core::http::router::Router;
use rainbownet_core::http::{Request, Response, serve};
use rainbownet_core::{Env, Error, Function, selfcheck};

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
adapter_workers::entry!(crate::Disaster);

#[cfg(target_os = "wasi")]
adapter_spin::entry!(crate::Disaster);

#[derive(Clone, Copy, Debug)]
enum Route {
    SelfcheckStore,
}

fn router() -> &'static Router<Route> {
    static ROUTER: OnceLock<Router<Route>> = OnceLock::new();
    ROUTER.get_or_init(|| {
        Router::new().get(
            "/api/v1/disaster/_selfcheck/stores/{store}",
            Route::SelfcheckStore,
        )
    })
}

pub struct Disaster;

impl Function for Disaster {
    const NAME: &'static str = "disaster";

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
    serve::<Disaster>(req, env).await
}
