//! The `disaster` function: the register and safety check-ins (`/api/v1/disaster/…`).
//! Granted the `disaster` database and the `auth` KV store; it verifies access tokens with
//! the public key alone.
//!
//! This file is the wiring: the route table (path, guard, audit action, handler) and the
//! entry points; the handlers are in `register` (the people, districts, teams) and `event`
//! (events, check-ins, the HQ's totals).

mod event;
mod register;

use rainbownet_core::guard::Routes;
use rainbownet_core::http::router::RouteInfo;
use rainbownet_core::http::{HeaderMap, Method, Request, Response, serve};
use rainbownet_core::ports::Database;
use rainbownet_core::{Env, Error, Function, routes};

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
adapter_workers::entry!(crate::Disaster);

#[cfg(target_os = "wasi")]
adapter_spin::entry!(crate::Disaster);

/// Every route of the function: method, path, the guard that admits its callers (run
/// before the handler; refusals audited), its audit action and its handler.
#[rustfmt::skip]
static ROUTES: Routes = Routes::new(routes![
    GET "/api/v1/disaster/register" Session "register.list" => register::list,
    POST "/api/v1/disaster/register/imports" TownStaff "register.import" large => register::import,
    GET "/api/v1/disaster/districts" TownStaff "districts.list" => register::districts,
    POST "/api/v1/disaster/teams" TownStaff "team.create" => register::create_team,
    GET "/api/v1/disaster/teams/{team}" Session "team.read" => register::team,
    POST "/api/v1/disaster/teams/{team}/assignments" TownStaff "team.assign" => register::assign,
    GET "/api/v1/disaster/events" Session "event.list" => event::list,
    POST "/api/v1/disaster/events" TownStaff "event.declare" => event::declare,
    GET "/api/v1/disaster/events/{event}" Session "event.read" => event::get,
    POST "/api/v1/disaster/events/{event}/close" TownStaff "event.close" => event::close,
    GET "/api/v1/disaster/events/{event}/people" Session "event.people" => event::people,
    POST "/api/v1/disaster/events/{event}/checkins" Session "checkin.create" => event::check_in,
    GET "/api/v1/disaster/events/{event}/checkins.csv" TownStaff "event.history" => event::history_csv,
    GET "/api/v1/disaster/events/{event}/summary" TownStaff "event.summary" => event::summary,
    GET "/api/v1/disaster/events/{event}/summary.csv" TownStaff "event.summary" => event::summary_csv,
    GET "/api/v1/disaster/events/{event}/attention" TownStaff "event.attention" => event::attention,
    GET "/api/v1/disaster/_selfcheck/stores/{store}" Public "selfcheck" => rainbownet_core::guard::selfcheck::<Disaster>,
]);

/// The route table, for the conformance suite.
pub fn routes() -> impl Iterator<Item = RouteInfo> {
    ROUTES.info()
}

pub struct Disaster;

impl Function for Disaster {
    const NAME: &'static str = "disaster";
    /// A town's register is a CSV of a few megabytes (the `large` routes only; the rest take 256 KiB).
    const BODY_LIMIT: usize = 8 * 1024 * 1024;

    fn body_limit(method: &Method, path: &str, headers: &HeaderMap, env: &Env) -> usize {
        ROUTES.body_limit(method, path, headers, env, Self::BODY_LIMIT)
    }

    async fn dispatch(req: &Request, env: &Env) -> Result<Response, Error> {
        ROUTES.dispatch(Some(Database::Disaster), req, env).await
    }
}

/// Serves one request (hosts call this).
pub async fn handle(req: Request, env: &Env) -> Response {
    serve::<Disaster>(req, env).await
}
