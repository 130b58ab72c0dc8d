//! The `health` function: `GET /healthz`, the version and every database's schema version.
//! It is granted all three databases but takes no input beyond the method and reads only
//! the migration tables, which is why it is a function of its own rather than a route of
//! one that handles user input.

use rainbownet_core::http::router::Router;
use rainbownet_core::http::{Request, Response, serve};
use rainbownet_core::{Env, Error, Function, health};
use std::sync::OnceLock;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
adapter_workers::entry!(crate::Health);

#[cfg(target_os = "wasi")]
adapter_spin::entry!(crate::Health);

#[derive(Clone, Copy, Debug)]
enum Route {
    Health,
}

fn router() -> &'static Router<Route> {
    static ROUTER: OnceLock<Router<Route>> = OnceLock::new();
    ROUTER.get_or_init(|| Router::new().get("/healthz", Route::Health))
}

pub struct Health;

impl Function for Health {
    const NAME: &'static str = "health";
    const BODY_LIMIT: usize = 0;

    async fn dispatch(req: &Request, env: &Env) -> Result<Response, Error> {
        let (route, _) = router().resolve(req.method(), req.uri().path())?;
        match route {
            Route::Health => Ok(health::check(env).await),
        }
    }
}

/// Serves one request (hosts call this).
pub async fn handle(req: Request, env: &Env) -> Response {
    serve::<Health>(req, env).await
}
