//! The `care` function: professionals, patients, timelines (`/api/v1/auth/…`,
//! `/api/v1/patients/…`, `/api/v1/care/…`). Granted the `care` database, the `public`
//! database (to match patients to resources) and the `auth` KV store.

use std::sync::OnceLock;

use ::http::StatusCode;
use rainbownet_core::audit;
use rainbownet_core::auth::token::Subject;
use rainbownet_core::auth::{admin, bootstrap, login, session};
use rainbownet_core::care::{
    attachments, fhir, import as patient_import, nearby, patients, timeline, vitals,
};
use rainbownet_core::http::router::Router;
use rainbownet_core::http::{Request, Response, json, serve};
use rainbownet_core::ports::Database;
use rainbownet_core::{Env, Error, Function, selfcheck};

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
adapter_workers::entry!(crate::Care);

#[cfg(target_os = "wasi")]
adapter_spin::entry!(crate::Care);

#[derive(Clone, Copy, Debug)]
enum Route {
    CreateProfessional,
    Login,
    Refresh,
    Logout,
    Me,
    ListPatients,
    CreatePatient,
    GetPatient,
    AddTeamMember,
    RemoveTeamMember,
    RevokeConsent,
    ListPosts,
    CreatePost,
    EditPost,
    ReadPost,
    UploadAttachment,
    GetAttachment,
    Nearby,
    Introduce,
    ImportPatients,
    ListVitals,
    RecordVital,
    Fhir,
    Audit,
    AuditCsv,
    SelfcheckStore,
}

fn router() -> &'static Router<Route> {
    static ROUTER: OnceLock<Router<Route>> = OnceLock::new();
    ROUTER.get_or_init(|| {
        Router::new()
            .post("/api/v1/auth/professionals", Route::CreateProfessional)
            .post("/api/v1/auth/login", Route::Login)
            .post("/api/v1/auth/refresh", Route::Refresh)
            .post("/api/v1/auth/logout", Route::Logout)
            .get("/api/v1/auth/me", Route::Me)
            .get("/api/v1/patients", Route::ListPatients)
            .post("/api/v1/patients", Route::CreatePatient)
            .get("/api/v1/patients/{id}", Route::GetPatient)
            .post("/api/v1/patients/{id}/team", Route::AddTeamMember)
            .add(
                ::http::Method::DELETE,
                "/api/v1/patients/{id}/team/{professional}",
                Route::RemoveTeamMember,
            )
            .post("/api/v1/patients/{id}/consent/revoke", Route::RevokeConsent)
            .get("/api/v1/patients/{id}/posts", Route::ListPosts)
            .post("/api/v1/patients/{id}/posts", Route::CreatePost)
            .add(
                ::http::Method::PUT,
                "/api/v1/patients/{id}/posts/{post}",
                Route::EditPost,
            )
            .post("/api/v1/patients/{id}/posts/{post}/read", Route::ReadPost)
            .post("/api/v1/patients/{id}/attachments", Route::UploadAttachment)
            .get(
                "/api/v1/patients/{id}/attachments/{attachment}",
                Route::GetAttachment,
            )
            .get("/api/v1/patients/{id}/nearby", Route::Nearby)
            .post("/api/v1/patients/imports", Route::ImportPatients)
            .get("/api/v1/patients/{id}/vitals", Route::ListVitals)
            .post("/api/v1/patients/{id}/vitals", Route::RecordVital)
            .get("/api/v1/patients/{id}/fhir", Route::Fhir)
            .post("/api/v1/patients/{id}/nearby/introduce", Route::Introduce)
            .get("/api/v1/care/audit", Route::Audit)
            .get("/api/v1/care/audit.csv", Route::AuditCsv)
            .get(
                "/api/v1/care/_selfcheck/stores/{store}",
                Route::SelfcheckStore,
            )
    })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshInput {
    refresh_token: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamInput {
    professional_id: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LogoutInput {
    #[serde(default)]
    refresh_token: Option<String>,
}

pub struct Care;

impl Function for Care {
    const NAME: &'static str = "care";
    /// Municipal exports for bulk registration can be a few megabytes (JSON stays at 1 MiB).
    const BODY_LIMIT: usize = 8 * 1024 * 1024;

    async fn dispatch(req: &Request, env: &Env) -> Result<Response, Error> {
        let (route, params) = router().resolve(req.method(), req.uri().path())?;
        match route {
            Route::CreateProfessional => {
                // Until organization administrators invite their staff, the bootstrap
                // administrator registers professionals.
                bootstrap::require_admin(req, env)?;
                let input = rainbownet_core::http::json::parse(req)?;
                let enrolment = login::create_professional(env, req, input).await?;
                Ok(json(StatusCode::CREATED, &enrolment))
            }
            Route::Login => {
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(json(StatusCode::OK, &login::login(env, req, &input).await?))
            }
            Route::Refresh => {
                let input: RefreshInput = rainbownet_core::http::json::parse(req)?;
                Ok(json(
                    StatusCode::OK,
                    &login::refresh(env, req, &input.refresh_token).await?,
                ))
            }
            Route::Logout => {
                let subject = session::authenticate(req, env).await?;
                let input: LogoutInput = if req.body().is_empty() {
                    LogoutInput::default()
                } else {
                    rainbownet_core::http::json::parse(req)?
                };
                login::logout(env, req, &subject, input.refresh_token.as_deref()).await?;
                Ok(no_content())
            }
            Route::Me => me(req, env).await,
            Route::ListPatients => {
                let caller = caller(req, env, "patient.list", None).await?;
                let items = patients::list_mine(env, req, &caller).await?;
                Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
            }
            Route::CreatePatient => {
                let caller = caller(req, env, "patient.create", None).await?;
                let input = rainbownet_core::http::json::parse(req)?;
                let patient = patients::register(env, req, &caller, input).await?;
                Ok(json(StatusCode::CREATED, &patient))
            }
            Route::GetPatient => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "patient.read", id).await?;
                Ok(json(
                    StatusCode::OK,
                    &patients::get(env, req, &member).await?,
                ))
            }
            Route::AddTeamMember => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "team.add", id).await?;
                let input: TeamInput = rainbownet_core::http::json::parse(req)?;
                let patient =
                    patients::add_member(env, req, &member, &input.professional_id).await?;
                Ok(json(StatusCode::CREATED, &patient))
            }
            Route::RemoveTeamMember => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "team.remove", id).await?;
                patients::remove_member(
                    env,
                    req,
                    &member,
                    params.get("professional").unwrap_or_default(),
                )
                .await?;
                Ok(no_content())
            }
            Route::RevokeConsent => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "consent.revoke", id).await?;
                patients::revoke_consent(env, req, &member).await?;
                Ok(no_content())
            }
            Route::ListPosts => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "timeline.read", id).await?;
                let cursor = rainbownet_core::http::query_param(req, "cursor");
                let limit = rainbownet_core::http::query_param(req, "limit")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(20);
                let page = timeline::list(env, req, &member, cursor.as_deref(), limit).await?;
                Ok(json(StatusCode::OK, &page))
            }
            Route::CreatePost => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "post.create", id).await?;
                let input = rainbownet_core::http::json::parse(req)?;
                let key = req
                    .headers()
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok());
                // A replay gets the very response the first request got.
                let (post, _created) = timeline::create(env, req, &member, input, key).await?;
                Ok(json(StatusCode::CREATED, &post))
            }
            Route::EditPost => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "post.edit", id).await?;
                let input = rainbownet_core::http::json::parse(req)?;
                let post = timeline::edit(
                    env,
                    req,
                    &member,
                    params.get("post").unwrap_or_default(),
                    input,
                )
                .await?;
                Ok(json(StatusCode::OK, &post))
            }
            Route::ReadPost => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "post.read", id).await?;
                let post =
                    timeline::mark_read(env, req, &member, params.get("post").unwrap_or_default())
                        .await?;
                Ok(json(StatusCode::OK, &post))
            }
            Route::UploadAttachment => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "attachment.upload", id).await?;
                let name = rainbownet_core::http::query_param(req, "name").unwrap_or_default();
                let declared = req
                    .headers()
                    .get(::http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let attachment =
                    attachments::upload(env, req, &member, &name, declared, req.body()).await?;
                Ok(json(StatusCode::CREATED, &attachment))
            }
            Route::GetAttachment => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "attachment.read", id).await?;
                let (attachment, bytes) = attachments::download(
                    env,
                    req,
                    &member,
                    params.get("attachment").unwrap_or_default(),
                )
                .await?;
                Ok(file_response(&attachment, bytes))
            }
            Route::Nearby => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "patient.nearby", id).await?;
                Ok(json(
                    StatusCode::OK,
                    &nearby::find(env, req, &member).await?,
                ))
            }
            Route::Introduce => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "patient.introduce", id).await?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(json(
                    StatusCode::CREATED,
                    &nearby::introduce(env, req, &member, input).await?,
                ))
            }
            Route::ImportPatients => {
                let caller = caller(req, env, "patient.import", None).await?;
                let municipality =
                    rainbownet_core::http::query_param(req, "municipality").unwrap_or_default();
                // Municipal staff of that town (or a sysadmin) open the teams themselves.
                admin::Admin::Staff(caller.clone()).may_manage(Some(&municipality))?;
                let report =
                    patient_import::import(env, req, &caller, &municipality, req.body()).await?;
                Ok(json(StatusCode::OK, &report))
            }
            Route::ListVitals => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "vitals.read", id).await?;
                let kind = rainbownet_core::http::query_param(req, "kind");
                let items = vitals::series(env, req, &member, kind.as_deref()).await?;
                Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
            }
            Route::RecordVital => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "vital.create", id).await?;
                let input = rainbownet_core::http::json::parse(req)?;
                let key = req
                    .headers()
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok());
                Ok(json(
                    StatusCode::CREATED,
                    &vitals::record(env, req, &member, input, key).await?,
                ))
            }
            Route::Fhir => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "patient.fhir", id).await?;
                let mut response = json(StatusCode::OK, &fhir::bundle(env, req, &member).await?);
                response.headers_mut().insert(
                    ::http::header::CONTENT_TYPE,
                    ::http::HeaderValue::from_static("application/fhir+json"),
                );
                Ok(response)
            }
            Route::Audit | Route::AuditCsv => {
                let caller = admin::authenticate(req, env).await?;
                let target = rainbownet_core::http::query_param(req, "target");
                audit::may_read(env, &caller, target.as_deref()).await?;
                let items = audit::list(env, target.as_deref(), 5_000).await?;
                if let Route::AuditCsv = route {
                    let mut response = Response::new(audit::csv(&items)?);
                    response.headers_mut().insert(
                        ::http::header::CONTENT_TYPE,
                        ::http::HeaderValue::from_static("text/csv; charset=utf-8"),
                    );
                    response.headers_mut().insert(
                        ::http::header::CONTENT_DISPOSITION,
                        ::http::HeaderValue::from_static("attachment; filename=\"audit.csv\""),
                    );
                    return Ok(response);
                }
                Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
            }
            Route::SelfcheckStore => {
                selfcheck::store(env, Self::NAME, params.get("store").unwrap_or_default()).await
            }
        }
    }
}

/// A stored file: its own type (checked at upload), never cached by anyone, and a PDF
/// downloaded rather than opened inside our origin.
fn file_response(attachment: &attachments::Attachment, bytes: Vec<u8>) -> Response {
    use ::http::{HeaderValue, header};
    let mut response = Response::new(bytes);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&attachment.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    let disposition = if attachment.content_type.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    let encoded: String = attachment
        .name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{disposition}; filename=\"file\"; filename*=UTF-8''{encoded}"
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn no_content() -> Response {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// The authenticated caller of a patient route. Attempts without a valid token are
/// audited too (as denied, with no actor).
async fn caller(
    req: &Request,
    env: &Env,
    action: &str,
    target: Option<&str>,
) -> Result<Subject, Error> {
    session::authenticate_audited(req, env, Database::Care, action, target).await
}

/// A member of the patient's care team, checked once for the whole request (with the
/// denial audited, as in `caller`).
async fn member(
    req: &Request,
    env: &Env,
    action: &str,
    patient: &str,
) -> Result<patients::Member, Error> {
    let caller = caller(req, env, action, Some(patient)).await?;
    patients::require_member(env, req, &caller, patient, action).await
}

/// `GET /api/v1/auth/me`: the caller's own profile.
async fn me(req: &Request, env: &Env) -> Result<Response, Error> {
    let subject = session::authenticate(req, env).await?;
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT p.id, p.email, p.name, p.profession, o.id AS organization_id, o.name AS organization_name, \
             o.municipality_code FROM professionals p JOIN organizations o ON o.id = p.organization_id WHERE p.id = ?1",
            &[subject.sub.clone().into()],
        )
        .await?;
    let row = rows.first().ok_or(Error::Unauthorized)?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "id": row.text("id")?,
            "email": row.text("email")?,
            "name": row.text("name")?,
            "profession": row.text("profession")?,
            "roles": subject.roles,
            "organization": {
                "id": row.text("organization_id")?,
                "name": row.text("organization_name")?,
                "municipality_code": row.text("municipality_code")?,
            },
        }),
    ))
}

/// Serves one request (hosts call this).
pub async fn handle(req: Request, env: &Env) -> Response {
    serve::<Care>(req, env).await
}
