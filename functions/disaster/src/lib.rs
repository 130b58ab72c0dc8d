//! The `disaster` function: the register and safety check-ins (`/api/v1/disaster/…`).
//! Granted the `disaster` database and the `auth` KV store; it verifies access tokens with
//! the public key alone.

use std::sync::OnceLock;

use ::http::{HeaderValue, StatusCode, header};

use rainbownet_core::auth::session;
use rainbownet_core::auth::token::Subject;
use rainbownet_core::disaster::{checkins, events, register, summary, teams};
use rainbownet_core::http::router::Router;
use rainbownet_core::http::{Request, Response, json, query_param, serve};
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
    SelfcheckStore,
}

fn router() -> &'static Router<Route> {
    static ROUTER: OnceLock<Router<Route>> = OnceLock::new();
    ROUTER.get_or_init(|| {
        Router::new()
            .get("/api/v1/disaster/register", Route::ListRegister)
            .post("/api/v1/disaster/register/imports", Route::ImportRegister)
            .post("/api/v1/disaster/teams", Route::CreateTeam)
            .get("/api/v1/disaster/teams/{team}", Route::GetTeam)
            .post("/api/v1/disaster/teams/{team}/assignments", Route::Assign)
            .get("/api/v1/disaster/events", Route::ListEvents)
            .post("/api/v1/disaster/events", Route::DeclareEvent)
            .get("/api/v1/disaster/events/{event}", Route::GetEvent)
            .post("/api/v1/disaster/events/{event}/close", Route::CloseEvent)
            .get("/api/v1/disaster/events/{event}/people", Route::People)
            .post("/api/v1/disaster/events/{event}/checkins", Route::Checkin)
            .get(
                "/api/v1/disaster/events/{event}/checkins.csv",
                Route::HistoryCsv,
            )
            .get("/api/v1/disaster/events/{event}/summary", Route::Summary)
            .get(
                "/api/v1/disaster/events/{event}/summary.csv",
                Route::SummaryCsv,
            )
            .get(
                "/api/v1/disaster/events/{event}/attention",
                Route::Attention,
            )
            .get(
                "/api/v1/disaster/_selfcheck/stores/{store}",
                Route::SelfcheckStore,
            )
    })
}

pub struct Disaster;

impl Function for Disaster {
    const NAME: &'static str = "disaster";
    /// A town's register is a CSV of a few megabytes (JSON stays at 1 MiB).
    const BODY_LIMIT: usize = 8 * 1024 * 1024;

    async fn dispatch(req: &Request, env: &Env) -> Result<Response, Error> {
        let (route, params) = router().resolve(req.method(), req.uri().path())?;
        let event = params.get("event").unwrap_or_default();
        match route {
            Route::SelfcheckStore => {
                selfcheck::store(env, Self::NAME, params.get("store").unwrap_or_default()).await
            }
            Route::ListRegister => {
                let caller = caller(req, env, "register.list").await?;
                let town = query_param(req, "municipality")
                    .or_else(|| caller.municipality.clone())
                    .unwrap_or_default();
                let cursor = query_param(req, "cursor");
                let page = register::list(env, req, &caller, &town, cursor.as_deref()).await?;
                Ok(json(StatusCode::OK, &page))
            }
            Route::ImportRegister => {
                let caller = caller(req, env, "register.import").await?;
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
                Ok(json(StatusCode::OK, &report))
            }
            Route::CreateTeam => {
                let caller = caller(req, env, "team.create").await?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(json(
                    StatusCode::CREATED,
                    &teams::create(env, req, &caller, input).await?,
                ))
            }
            Route::GetTeam => {
                let caller = caller(req, env, "team.read").await?;
                let team = teams::load(env, params.get("team").unwrap_or_default()).await?;
                if !rainbownet_core::disaster::is_staff_of(&caller, &team.municipality_code)
                    && !team.members.contains(&caller.sub)
                {
                    return Err(Error::NotFound);
                }
                Ok(json(StatusCode::OK, &team))
            }
            Route::Assign => {
                let caller = caller(req, env, "team.assign").await?;
                let input = rainbownet_core::http::json::parse(req)?;
                let team = params.get("team").unwrap_or_default();
                Ok(json(
                    StatusCode::CREATED,
                    &teams::assign(env, req, &caller, team, input).await?,
                ))
            }
            Route::ListEvents => {
                let caller = caller(req, env, "event.list").await?;
                let items = events::list(env, &caller).await?;
                Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
            }
            Route::DeclareEvent => {
                let caller = caller(req, env, "event.declare").await?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(json(
                    StatusCode::CREATED,
                    &events::declare(env, req, &caller, input).await?,
                ))
            }
            Route::GetEvent => {
                let caller = caller(req, env, "event.read").await?;
                Ok(json(
                    StatusCode::OK,
                    &events::visible(env, &caller, event).await?,
                ))
            }
            Route::CloseEvent => {
                let caller = caller(req, env, "event.close").await?;
                Ok(json(
                    StatusCode::OK,
                    &events::close(env, req, &caller, event).await?,
                ))
            }
            Route::People => {
                let caller = caller(req, env, "event.people").await?;
                let district = query_param(req, "district");
                let items = checkins::people(env, req, &caller, event, district.as_deref()).await?;
                Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
            }
            Route::Checkin => {
                let caller = caller(req, env, "checkin.create").await?;
                let input = rainbownet_core::http::json::parse(req)?;
                let key = req
                    .headers()
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok());
                let recorded = checkins::record(env, req, &caller, event, input, key).await?;
                // A replay gets the first result again, marked as such.
                let mut response = json(StatusCode::CREATED, &recorded.checkin);
                if !recorded.created {
                    response
                        .headers_mut()
                        .insert("idempotent-replayed", HeaderValue::from_static("true"));
                }
                Ok(response)
            }
            Route::HistoryCsv => {
                let caller = caller(req, env, "event.history").await?;
                let bytes = checkins::history_csv(env, req, &caller, event).await?;
                Ok(csv(bytes, "checkins.csv"))
            }
            Route::Summary | Route::SummaryCsv => {
                let caller = caller(req, env, "event.summary").await?;
                let totals = summary::summary(env, req, &caller, event).await?;
                let mut response = if let Route::SummaryCsv = route {
                    csv(summary::summary_csv(&totals)?, "summary.csv")
                } else {
                    json(StatusCode::OK, &totals)
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
                let caller = caller(req, env, "event.attention").await?;
                let items = summary::attention(env, req, &caller, event).await?;
                Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
            }
        }
    }
}

fn csv(bytes: Vec<u8>, name: &'static str) -> Response {
    let mut response = Response::new(bytes);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let disposition = format!("attachment; filename=\"{name}\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The authenticated caller; attempts without a valid token are audited as denied.
async fn caller(req: &Request, env: &Env, action: &str) -> Result<Subject, Error> {
    let target = req.uri().path().to_owned();
    session::authenticate_audited(req, env, Database::Disaster, action, Some(&target)).await
}

/// Serves one request (hosts call this).
pub async fn handle(req: Request, env: &Env) -> Response {
    serve::<Disaster>(req, env).await
}
