//! Routes as data for every function with routes of its own (portal, care, disaster): each
//! route names its handler, the [`Guard`] that admits its callers and its audit action, in
//! one table written with [`routes!`](crate::routes). [`dispatch`] resolves a request, runs
//! the guard and hands the handler a [`Call`] holding what the guard admitted, so a handler
//! can not forget the check and a route can not be added without its rule. The conformance
//! suite reads the same tables (`routes()` in each function) to call every route as every
//! kind of caller.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use ::http::header::AUTHORIZATION;
use serde::de::DeserializeOwned;

use crate::auth::admin;
use crate::auth::session;
mod admitted;

pub use crate::care::family_caller::Reader;
pub use admitted::Admitted;

use crate::care::family_caller;
use crate::care::{patients, projects};
use crate::http::router::{Body, Guard, Method, Params, RouteInfo, RouteSpec, Router};
use crate::http::{HeaderMap, Request, Response, SMALL_BODY_LIMIT, json, query_param, respond};
use crate::ports::Database;
use crate::{Env, Error, audit};

/// What a handler returns: its response, later.
pub type Handled<'a> = Pin<Box<dyn Future<Output = Result<Response, Error>> + 'a>>;

/// A route's handler. `routes!` wraps each `async fn(Call<'_>)` into one of these.
pub type Handler = for<'a> fn(Call<'a>) -> Handled<'a>;

/// A function's route table: `static ROUTES: Routes = Routes::new(routes![…]);`.
pub type Table = &'static [RouteSpec<Handler>];

/// A route table and the router built from it on first use.
pub struct Routes {
    table: Table,
    router: OnceLock<Router<&'static RouteSpec<Handler>>>,
}

impl Routes {
    pub const fn new(table: Table) -> Routes {
        Routes {
            table,
            router: OnceLock::new(),
        }
    }

    /// The routes as the conformance suite calls them (method, path, guard).
    pub fn info(&'static self) -> impl Iterator<Item = RouteInfo> {
        self.table.iter().map(RouteSpec::info)
    }

    /// Serves a request by the table (see [`dispatch`]); refusals are recorded in the audit
    /// log of `audit` (`None`: a function with no personal data and no audit log).
    pub async fn dispatch(
        &'static self,
        audit: Option<Database>,
        req: &Request,
        env: &Env,
    ) -> Result<Response, Error> {
        let router = self.router.get_or_init(|| Router::from_table(self.table));
        dispatch(router, audit, req, env).await
    }
}

impl Routes {
    /// The most body a request may carry, from its head alone: a route marked `large` takes
    /// up to `large` from a caller whose bearer token (or the bootstrap token) verifies,
    /// every other request [`SMALL_BODY_LIMIT`], so that nobody unknown makes a host hold
    /// megabytes. Revocation and roles are the guard's business, after the body is read.
    pub fn body_limit(
        &'static self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
        env: &Env,
        large: usize,
    ) -> usize {
        let router = self.router.get_or_init(|| Router::from_table(self.table));
        match router.resolve(method, path) {
            Ok((spec, _)) if spec.body == Body::Large && credentials_verify(headers, env) => large,
            _ => SMALL_BODY_LIMIT.min(large),
        }
    }
}

/// A bearer token with a valid signature that has not expired, or the bootstrap token.
fn credentials_verify(headers: &HeaderMap, env: &Env) -> bool {
    let Some(presented) = headers
        .get(::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
    else {
        return false;
    };
    let signed = crate::auth::keys::verifying_key(env).is_ok_and(|key| {
        crate::auth::token::verify(&key, presented, env.clock.now_millis()).is_ok()
    });
    signed || crate::auth::bootstrap::is_the_token(presented, env)
}

/// Writes a route table, one line per route:
///
/// ```ignore
/// static ROUTES: Routes = Routes::new(routes![
///     GET "/api/v1/patients/{id}" PatientMember "patient.read" => patients::get,
/// ]);
/// ```
///
/// Each handler is an `async fn(Call<'_>) -> Result<Response, Error>`.
#[macro_export]
macro_rules! routes {
    (@body) => { $crate::http::router::Body::Small };
    (@body large) => { $crate::http::router::Body::Large };
    ($($method:ident $path:literal $guard:ident $action:literal $($large:ident)? => $handler:path,)*) => {
        &[$($crate::http::router::RouteSpec {
            body: $crate::routes!(@body $($large)?),
            method: $crate::http::router::Method::$method,
            path: $path,
            guard: $crate::http::router::Guard::$guard,
            action: $action,
            route: {
                fn boxed(call: $crate::guard::Call<'_>) -> $crate::guard::Handled<'_> {
                    ::std::boxed::Box::pin($handler(call))
                }
                boxed
            },
        },)*]
    };
}

/// One request as a handler sees it: the request, the host's ports, the path's parameters
/// and the caller the route's guard admitted.
pub struct Call<'a> {
    pub req: &'a Request,
    pub env: &'a Env,
    pub params: Params,
    pub who: Admitted,
    /// The route's audit action.
    pub action: &'static str,
}

impl Call<'_> {
    /// A path parameter (the router matched it, so it is there for the route that names it).
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).unwrap_or_default()
    }

    /// A query parameter.
    pub fn query(&self, name: &str) -> Option<String> {
        query_param(self.req, name)
    }

    /// The body as JSON of type `T` (problem+json naming the field when it is not).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        json::parse(self.req)
    }

    /// The `Idempotency-Key` of a write a phone may retry.
    pub fn idempotency_key(&self) -> Option<&str> {
        respond::idempotency_key(self.req)
    }

    /// `?cursor=` and `?limit=`.
    pub fn page(&self) -> (Option<String>, usize) {
        respond::page(self.req)
    }
}

/// `GET /api/v1/<function>/_selfcheck/stores/{store}`: which stores function `F` can open
/// (the least-privilege check), the same route in every function's table.
pub async fn selfcheck<F: crate::Function>(c: Call<'_>) -> Result<Response, Error> {
    crate::selfcheck::store(c.env, F::NAME, c.param("store")).await
}

/// A handler asked for a caller its route's guard does not give: a mistake in the table.
pub(crate) fn mismatch() -> Error {
    Error::Internal("the route table's guard does not admit the caller this handler needs".into())
}

/// The parameters that name the record a request is about, for the audit log of a refusal.
const TARGETS: [&str; 7] = [
    "id",
    "project",
    "professional",
    "invitation",
    "subscription",
    "event",
    "team",
];

/// Resolves the request in `router`, runs its route's guard (refusals audited in `audit`, as
/// denied and with no actor when there is no valid token: attempts on personal data are on
/// record even without a token) and calls its handler.
pub async fn dispatch(
    router: &Router<&'static RouteSpec<Handler>>,
    audit: Option<Database>,
    req: &Request,
    env: &Env,
) -> Result<Response, Error> {
    let (spec, params) = router.resolve(req.method(), req.uri().path())?;
    let target = TARGETS.into_iter().find_map(|name| params.get(name));
    let session = || async {
        match audit {
            Some(db) => session::authenticate_audited(req, env, db, spec.action, target).await,
            None => session::authenticate(req, env).await,
        }
    };
    let administrator = || async {
        match admin::authenticate(req, env).await {
            Err(Error::Unauthorized) => {
                if let Some(db) = audit {
                    let denied = audit::Outcome::Denied;
                    audit::record_in(env, db, req, None, spec.action, target, denied).await?;
                }
                Err(Error::Unauthorized)
            }
            other => other,
        }
    };
    // The routes of professionals: a family member's token is refused (403), on record.
    let professional = || async {
        let caller = session().await?;
        if !caller.is_family() {
            return Ok(caller);
        }
        if let Some(db) = audit {
            let denied = audit::Outcome::Denied;
            audit::record_in(env, db, req, Some(&caller.sub), spec.action, target, denied).await?;
        }
        Err(Error::Forbidden)
    };
    // An administrator's route refused a token: a family member's refusal goes on record
    // as the professionals' routes put theirs (a closed bootstrap token is recorded already).
    let refused_family = || async {
        if let Ok(caller) = session::authenticate(req, env).await
            && caller.is_family()
            && let Some(db) = audit
        {
            let denied = audit::Outcome::Denied;
            audit::record_in(env, db, req, Some(&caller.sub), spec.action, target, denied).await?;
        }
        Ok::<_, Error>(Error::Forbidden)
    };
    let who = match spec.guard {
        Guard::Public => Admitted::Anyone,
        Guard::Session | Guard::TownStaff | Guard::OrgAdmin => {
            Admitted::Subject(professional().await?)
        }
        Guard::SignedIn => {
            let caller = session().await?;
            if caller.is_family() {
                Admitted::Family(
                    family_caller::require_linked(env, req, &caller, None, spec.action).await?,
                )
            } else {
                Admitted::Subject(caller)
            }
        }
        Guard::PatientMember => {
            let caller = professional().await?;
            let patient = params.get("id").unwrap_or_default();
            Admitted::Member(
                patients::require_member(env, req, &caller, patient, spec.action).await?,
            )
        }
        Guard::PatientMemberOrFamily => {
            let caller = session().await?;
            let patient = params.get("id").unwrap_or_default();
            Admitted::Reader(if caller.is_family() {
                Reader::Family(
                    family_caller::require_linked(env, req, &caller, Some(patient), spec.action)
                        .await?,
                )
            } else {
                Reader::Team(
                    patients::require_member(env, req, &caller, patient, spec.action).await?,
                )
            })
        }
        Guard::ProjectMember => {
            let caller = professional().await?;
            let project = params.get("project").unwrap_or_default();
            Admitted::Project(
                projects::require_member(env, req, &caller, project, spec.action).await?,
            )
        }
        Guard::Administrator => Admitted::Admin(match administrator().await {
            Err(Error::Forbidden) => return Err(refused_family().await?),
            other => other?,
        }),
        Guard::RegionAdministrator => {
            let admin = match administrator().await {
                Err(Error::Forbidden) => return Err(refused_family().await?),
                other => other?,
            };
            admin.may_manage(None)?;
            Admitted::Admin(admin)
        }
        Guard::PublicOrAdministrator if !req.headers().contains_key(AUTHORIZATION) => {
            Admitted::Anyone
        }
        // A closed bootstrap token (403) reads what everyone reads.
        Guard::PublicOrAdministrator => match administrator().await {
            Ok(admin) => Admitted::Admin(admin),
            Err(Error::Forbidden) => Admitted::Anyone,
            Err(e) => return Err(e),
        },
    };
    let call = Call {
        req,
        env,
        params,
        who,
        action: spec.action,
    };
    (spec.route)(call).await
}
