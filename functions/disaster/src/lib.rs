//! The `disaster` function: the register and safety check-ins (`/api/v1/disaster/…`).
//! Granted the `disaster` database and the `auth` KV store; it verifies access tokens with
//! the public key alone.

use std::sync::OnceLock;

use ::http::{HeaderValue, header};

use ::http::Method;
use rainbownet_core::auth::session;
use rainbownet_core::auth::token::Subject;
use rainbownet_core::disaster::{checkins, events, register, summary, teams};
use rainbownet_core::http::respond::{self, created, csv, idempotency_key, ok};
use rainbownet_core::http::router::{Guard, RouteInfo, RouteSpec, Router};
use rainbownet_core::http::{Request, Response, query_param, serve};
use rainbownet_core::ports::Database;
use rainbownet_core::{Env, Error, Function, selfcheck};

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
adapter_workers::entry!(crate::Disaster);

#[cfg(target_os = "wasi")]
adapter_spin::entry!(crate::Disaster);

#[derive(Clone, Copy, Debug)]
enum Route {
    ListRegister,
    ImportRegister,
    CreateTeam,
    GetTeam,
    Assign,
    ListEvents,
    DeclareEvent,
    GetEvent,
    CloseEvent,
    People,
    Checkin,
    HistoryCsv,
    Summary,
    SummaryCsv,
    Attention,
    ListDistricts,
    SelfcheckStore,
}

/// Every route of the function with the guard that admits its callers and its audit
/// action; the conformance suite calls each as every kind of caller (`routes()`).
static ROUTES: &[RouteSpec<Route>] = &[
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/disaster/register",
        route: Route::ListRegister,
        guard: Guard::Session,
        action: "register.list",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/disaster/register/imports",
        route: Route::ImportRegister,
        guard: Guard::TownStaff,
        action: "register.import",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/disaster/districts",
        route: Route::ListDistricts,
        guard: Guard::TownStaff,
        action: "districts.list",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/disaster/teams",
        route: Route::CreateTeam,
        guard: Guard::TownStaff,
        action: "team.create",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/disaster/teams/{team}",
        route: Route::GetTeam,
        guard: Guard::Session,
        action: "team.read",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/disaster/teams/{team}/assignments",
        route: Route::Assign,
        guard: Guard::TownStaff,
        action: "team.assign",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/disaster/events",
        route: Route::ListEvents,
        guard: Guard::Session,
        action: "event.list",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/disaster/events",
        route: Route::DeclareEvent,
        guard: Guard::TownStaff,
        action: "event.declare",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/disaster/events/{event}",
        route: Route::GetEvent,
        guard: Guard::Session,
        action: "event.read",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/disaster/events/{event}/close",
        route: Route::CloseEvent,
        guard: Guard::TownStaff,
        action: "event.close",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/disaster/events/{event}/people",
        route: Route::People,
        guard: Guard::Session,
        action: "event.people",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/disaster/events/{event}/checkins",
        route: Route::Checkin,
        guard: Guard::Session,
        action: "checkin.create",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/disaster/events/{event}/checkins.csv",
        route: Route::HistoryCsv,
        guard: Guard::TownStaff,
        action: "event.history",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/disaster/events/{event}/summary",
        route: Route::Summary,
        guard: Guard::TownStaff,
        action: "event.summary",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/disaster/events/{event}/summary.csv",
        route: Route::SummaryCsv,
        guard: Guard::TownStaff,
        action: "event.summary",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/disaster/events/{event}/attention",
        route: Route::Attention,
        guard: Guard::TownStaff,
        action: "event.attention",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/disaster/_selfcheck/stores/{store}",
        route: Route::SelfcheckStore,
        guard: Guard::Public,
        action: "selfcheck",
    },
];

fn router() -> &'static Router<&'static RouteSpec<Route>> {
    static ROUTER: OnceLock<Router<&'static RouteSpec<Route>>> = OnceLock::new();
    ROUTER.get_or_init(|| Router::from_table(ROUTES))
}

/// The route table, for the conformance suite.
pub fn routes() -> impl Iterator<Item = RouteInfo> {
    ROUTES.iter().map(RouteSpec::info)
}

pub struct Disaster;

impl Function for Disaster {
    const NAME: &'static str = "disaster";
    /// A town's register is a CSV of a few megabytes (JSON stays at 1 MiB).
    const BODY_LIMIT: usize = 8 * 1024 * 1024;

    async fn dispatch(req: &Request, env: &Env) -> Result<Response, Error> {
        let (spec, params) = router().resolve(req.method(), req.uri().path())?;
        let event = params.get("event").unwrap_or_default();
        // Every route but the self-check needs a valid token; refusals are audited.
        let caller = match spec.guard {
            Guard::Public => None,
            _ => Some(authenticated(req, env, spec.action).await?),
        };
        let caller = || caller.clone().ok_or_else(mismatch);
        match spec.route {
            Route::SelfcheckStore => {
                selfcheck::store(env, Self::NAME, params.get("store").unwrap_or_default()).await
            }
            Route::ListRegister => {
                let caller = caller()?;
                let town = query_param(req, "municipality")
                    .or_else(|| caller.municipality.clone())
                    .unwrap_or_default();
                let cursor = query_param(req, "cursor");
                let page = register::list(env, req, &caller, &town, cursor.as_deref()).await?;
                Ok(ok(&page))
            }
            Route::ImportRegister => {
                let caller = caller()?;
                let town = query_param(req, "municipality").unwrap_or_default();
                rainbownet_core::disaster::require_staff(
                    env,
                    req,
                    &caller,
                    &town,
                    "register.import",
                )
                .await?;
                let report =
                    register::import(env, Some(req), &caller.sub, &town, req.body()).await?;
                Ok(ok(&report))
            }
            Route::ListDistricts => {
                let caller = caller()?;
                let town = query_param(req, "municipality")
                    .or_else(|| caller.municipality.clone())
                    .unwrap_or_default();
                rainbownet_core::disaster::require_staff(
                    env,
                    req,
                    &caller,
                    &town,
                    "districts.list",
                )
                .await?;
                let items = rainbownet_core::disaster::districts::list(env, &town).await?;
                Ok(rainbownet_core::http::respond::items(&items))
            }
            Route::CreateTeam => {
                let caller = caller()?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(created(&teams::create(env, req, &caller, input).await?))
            }
            Route::GetTeam => {
                let caller = caller()?;
                let team = teams::load(env, params.get("team").unwrap_or_default()).await?;
                if !rainbownet_core::disaster::is_staff_of(&caller, &team.municipality_code)
                    && !team.members.contains(&caller.sub)
                {
                    return Err(Error::NotFound);
                }
                Ok(ok(&team))
            }
            Route::Assign => {
                let caller = caller()?;
                let input = rainbownet_core::http::json::parse(req)?;
                let team = params.get("team").unwrap_or_default();
                Ok(created(
                    &teams::assign(env, req, &caller, team, input).await?,
                ))
            }
            Route::ListEvents => {
                let caller = caller()?;
                let items = events::list(env, &caller).await?;
                Ok(respond::items(&items))
            }
            Route::DeclareEvent => {
                let caller = caller()?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(created(&events::declare(env, req, &caller, input).await?))
            }
            Route::GetEvent => {
                let caller = caller()?;
                Ok(ok(&events::visible(env, &caller, event).await?))
            }
            Route::CloseEvent => {
                let caller = caller()?;
                Ok(ok(&events::close(env, req, &caller, event).await?))
            }
            Route::People => {
                let caller = caller()?;
                let district = query_param(req, "district");
                let items = checkins::people(env, req, &caller, event, district.as_deref()).await?;
                Ok(respond::items(&items))
            }
            Route::Checkin => {
                let caller = caller()?;
                let input = rainbownet_core::http::json::parse(req)?;
                let key = idempotency_key(req);
                let recorded = checkins::record(env, req, &caller, event, input, key).await?;
                // A replay gets the first result again, marked as such.
                let mut response = created(&recorded.checkin);
                if !recorded.created {
                    response
                        .headers_mut()
                        .insert("idempotent-replayed", HeaderValue::from_static("true"));
                }
                Ok(response)
            }
            Route::HistoryCsv => {
                let caller = caller()?;
                let bytes = checkins::history_csv(env, req, &caller, event).await?;
                Ok(csv(bytes, "checkins.csv"))
            }
            Route::Summary | Route::SummaryCsv => {
                let caller = caller()?;
                let totals = summary::summary(env, req, &caller, event).await?;
                let mut response = if let Route::SummaryCsv = spec.route {
                    csv(summary::summary_csv(&totals)?, "summary.csv")
                } else {
                    ok(&totals)
                };
                // The HQ polls; a few seconds of private caching absorbs reloads without
                // hiding a new report for long.
                response.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("private, max-age=5"),
                );
                Ok(response)
            }
            Route::Attention => {
                let caller = caller()?;
                let items = summary::attention(env, req, &caller, event).await?;
                Ok(respond::items(&items))
            }
        }
    }
}

/// A handler asked for a caller its route's guard does not give: a mistake in the table.
fn mismatch() -> Error {
    Error::Internal("the route table's guard does not admit the caller this handler needs".into())
}

/// The authenticated caller; attempts without a valid token are audited as denied.
async fn authenticated(req: &Request, env: &Env, action: &str) -> Result<Subject, Error> {
    let target = req.uri().path().to_owned();
    session::authenticate_audited(req, env, Database::Disaster, action, Some(&target)).await
}

/// Serves one request (hosts call this).
pub async fn handle(req: Request, env: &Env) -> Response {
    serve::<Disaster>(req, env).await
}
