//! The `care` function: professionals, patients, timelines (`/api/v1/auth/…`,
//! `/api/v1/patients/…`, `/api/v1/care/…`). Granted the `care` database, the `public`
//! database (to match patients to resources) and the `auth` KV store.

use std::sync::OnceLock;

use ::http::StatusCode;
use rainbownet_core::audit;
use rainbownet_core::auth::token::Subject;
use rainbownet_core::auth::{admin, invitations, login, session, staff};
use rainbownet_core::care::{
    attachments, directory, fhir, import as patient_import, messages, nearby, patients, projects,
    timeline, usage, vitals,
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
    HandOverLead,
    ListPosts,
    CreatePost,
    EditPost,
    ReadPost,
    CreateComment,
    Templates,
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
    ListStaff,
    DisableProfessional,
    EnableProfessional,
    RevokeInvitation,
    CreateInvitation,
    ListInvitations,
    AcceptInvitation,
    Directory,
    ListProjects,
    CreateProject,
    GetProject,
    AddProjectMember,
    RemoveProjectMember,
    ListProjectPosts,
    CreateProjectPost,
    Conversations,
    Thread,
    SendMessage,
    Usage,
    UsageCsv,
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
            .post("/api/v1/patients/{id}/lead", Route::HandOverLead)
            .get("/api/v1/patients/{id}/posts", Route::ListPosts)
            .post("/api/v1/patients/{id}/posts", Route::CreatePost)
            .add(
                ::http::Method::PUT,
                "/api/v1/patients/{id}/posts/{post}",
                Route::EditPost,
            )
            .post("/api/v1/patients/{id}/posts/{post}/read", Route::ReadPost)
            .post(
                "/api/v1/patients/{id}/posts/{post}/comments",
                Route::CreateComment,
            )
            .get("/api/v1/care/templates", Route::Templates)
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
            .get("/api/v1/auth/staff", Route::ListStaff)
            .post(
                "/api/v1/auth/professionals/{professional}/disable",
                Route::DisableProfessional,
            )
            .post(
                "/api/v1/auth/professionals/{professional}/enable",
                Route::EnableProfessional,
            )
            .post(
                "/api/v1/auth/invitations/{invitation}/revoke",
                Route::RevokeInvitation,
            )
            .post("/api/v1/auth/invitations", Route::CreateInvitation)
            .get("/api/v1/auth/invitations", Route::ListInvitations)
            .post("/api/v1/auth/invitations/accept", Route::AcceptInvitation)
            .get("/api/v1/care/professionals", Route::Directory)
            .get("/api/v1/care/projects", Route::ListProjects)
            .post("/api/v1/care/projects", Route::CreateProject)
            .get("/api/v1/care/projects/{project}", Route::GetProject)
            .post(
                "/api/v1/care/projects/{project}/members",
                Route::AddProjectMember,
            )
            .add(
                ::http::Method::DELETE,
                "/api/v1/care/projects/{project}/members/{professional}",
                Route::RemoveProjectMember,
            )
            .get(
                "/api/v1/care/projects/{project}/posts",
                Route::ListProjectPosts,
            )
            .post(
                "/api/v1/care/projects/{project}/posts",
                Route::CreateProjectPost,
            )
            .get("/api/v1/care/messages", Route::Conversations)
            .get("/api/v1/care/messages/{professional}", Route::Thread)
            .post("/api/v1/care/messages/{professional}", Route::SendMessage)
            .get("/api/v1/care/usage", Route::Usage)
            .get("/api/v1/care/usage.csv", Route::UsageCsv)
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
                // The bootstrap token registers the first administrators (and a sysadmin
                // may register anyone); everyone else joins by invitation.
                let caller = admin::authenticate(req, env).await?;
                caller.may_manage(None)?;
                let input = rainbownet_core::http::json::parse(req)?;
                let enrolment = login::create_professional(env, req, caller.actor(), input).await?;
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
            Route::HandOverLead => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "team.lead", id).await?;
                let input: TeamInput = rainbownet_core::http::json::parse(req)?;
                let patient =
                    patients::hand_over(env, req, &member, &input.professional_id).await?;
                Ok(json(StatusCode::OK, &patient))
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
                let (cursor, limit) = page_params(req);
                let page = timeline::list(env, req, &member, cursor.as_deref(), limit).await?;
                Ok(json(StatusCode::OK, &page))
            }
            Route::CreatePost => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "post.create", id).await?;
                let input = rainbownet_core::http::json::parse(req)?;
                let key = idempotency_key(req);
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
            Route::CreateComment => {
                let id = params.get("id").unwrap_or_default();
                let member = member(req, env, "comment.create", id).await?;
                let input = rainbownet_core::http::json::parse(req)?;
                let (comment, _created) = timeline::comment(
                    env,
                    req,
                    &member,
                    params.get("post").unwrap_or_default(),
                    input,
                    idempotency_key(req),
                )
                .await?;
                Ok(json(StatusCode::CREATED, &comment))
            }
            Route::Templates => {
                session::authenticate(req, env).await?;
                Ok(json(
                    StatusCode::OK,
                    &serde_json::json!({ "items": rainbownet_core::care::templates::TEMPLATES }),
                ))
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
                    &nearby::introduce(env, req, &member, input, idempotency_key(req)).await?,
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
                let key = idempotency_key(req);
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
            Route::Audit => {
                let caller = admin::authenticate(req, env).await?;
                let filter = audit::Filter::from_query(req)?;
                audit::may_read_audited(env, req, &caller, "audit.read", filter.target.as_deref())
                    .await?;
                let limit = rainbownet_core::http::query_param(req, "limit")
                    .and_then(|l| l.parse::<u32>().ok())
                    .unwrap_or(100)
                    .clamp(1, 1_000);
                let (items, next_cursor) = audit::list(env, &filter, limit).await?;
                Ok(json(
                    StatusCode::OK,
                    &serde_json::json!({ "items": items, "next_cursor": next_cursor }),
                ))
            }
            Route::AuditCsv => {
                let caller = admin::authenticate(req, env).await?;
                let mut filter = audit::Filter::from_query(req)?;
                audit::may_read_audited(
                    env,
                    req,
                    &caller,
                    "audit.export",
                    filter.target.as_deref(),
                )
                .await?;
                let items = audit::list_all(env, &mut filter).await?;
                Ok(csv_response(audit::csv(&items)?, "audit.csv"))
            }
            Route::ListStaff => {
                let caller = session::authenticate(req, env).await?;
                let items = staff::list(env, &caller).await?;
                Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
            }
            Route::DisableProfessional => {
                let id = params.get("professional").unwrap_or_default();
                let caller = caller(req, env, "professional.disable", Some(id)).await?;
                staff::set_status(env, req, &caller, id, staff::AccountStatus::Disabled).await?;
                Ok(no_content())
            }
            Route::EnableProfessional => {
                let id = params.get("professional").unwrap_or_default();
                let caller = caller(req, env, "professional.enable", Some(id)).await?;
                staff::set_status(env, req, &caller, id, staff::AccountStatus::Active).await?;
                Ok(no_content())
            }
            Route::RevokeInvitation => {
                let id = params.get("invitation").unwrap_or_default();
                let caller = caller(req, env, "invitation.revoke", Some(id)).await?;
                invitations::revoke(env, req, &caller, id).await?;
                Ok(no_content())
            }
            Route::CreateInvitation => {
                let caller = caller(req, env, "invitation.create", None).await?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(json(
                    StatusCode::CREATED,
                    &invitations::create(env, req, &caller, input).await?,
                ))
            }
            Route::ListInvitations => {
                let caller = session::authenticate(req, env).await?;
                let items = invitations::list(env, &caller).await?;
                Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
            }
            Route::AcceptInvitation => {
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(json(
                    StatusCode::CREATED,
                    &invitations::accept(env, req, input).await?,
                ))
            }
            Route::Directory => {
                let caller = session::authenticate(req, env).await?;
                let q = rainbownet_core::http::query_param(req, "q").unwrap_or_default();
                let items = directory::search(env, &caller, &q).await?;
                Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
            }
            Route::ListProjects => {
                let caller = session::authenticate(req, env).await?;
                let items = projects::list_mine(env, &caller).await?;
                Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
            }
            Route::CreateProject => {
                let caller = caller(req, env, "project.create", None).await?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(json(
                    StatusCode::CREATED,
                    &projects::create(env, req, &caller, input).await?,
                ))
            }
            Route::GetProject => {
                let m = project_member(req, env, &params, "project.read").await?;
                Ok(json(StatusCode::OK, &projects::get(env, req, &m).await?))
            }
            Route::AddProjectMember => {
                let m = project_member(req, env, &params, "project.member.add").await?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(json(
                    StatusCode::CREATED,
                    &projects::add_member(env, req, &m, input).await?,
                ))
            }
            Route::RemoveProjectMember => {
                let m = project_member(req, env, &params, "project.member.remove").await?;
                projects::remove_member(
                    env,
                    req,
                    &m,
                    params.get("professional").unwrap_or_default(),
                )
                .await?;
                Ok(no_content())
            }
            Route::ListProjectPosts => {
                let m = project_member(req, env, &params, "project.posts.read").await?;
                let (cursor, limit) = page_params(req);
                Ok(json(
                    StatusCode::OK,
                    &projects::posts(env, req, &m, cursor.as_deref(), limit).await?,
                ))
            }
            Route::CreateProjectPost => {
                let m = project_member(req, env, &params, "project.post.create").await?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(json(
                    StatusCode::CREATED,
                    &projects::post(env, req, &m, input, idempotency_key(req)).await?,
                ))
            }
            Route::Conversations => {
                let caller = session::authenticate(req, env).await?;
                let items = messages::conversations(env, &caller).await?;
                Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
            }
            Route::Thread => {
                let caller = caller(req, env, "message.read", None).await?;
                let (cursor, limit) = page_params(req);
                Ok(json(
                    StatusCode::OK,
                    &messages::thread(
                        env,
                        req,
                        &caller,
                        params.get("professional").unwrap_or_default(),
                        cursor.as_deref(),
                        limit,
                    )
                    .await?,
                ))
            }
            Route::SendMessage => {
                let caller = caller(req, env, "message.send", None).await?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(json(
                    StatusCode::CREATED,
                    &messages::send(
                        env,
                        req,
                        &caller,
                        params.get("professional").unwrap_or_default(),
                        input,
                        idempotency_key(req),
                    )
                    .await?,
                ))
            }
            Route::Usage | Route::UsageCsv => {
                let caller = session::authenticate(req, env).await?;
                let asked = rainbownet_core::http::query_param(req, "municipality")
                    .filter(|m| !m.is_empty());
                let town = usage::scope(&caller, asked.as_deref())?;
                let report = usage::report(env, town.as_deref()).await?;
                if let Route::UsageCsv = route {
                    return Ok(csv_response(usage::csv(&report)?, "usage.csv"));
                }
                Ok(json(StatusCode::OK, &report))
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

/// `?cursor=` and `?limit=` (20 unless given; each list clamps it to its own maximum).
fn page_params(req: &Request) -> (Option<String>, usize) {
    let cursor = rainbownet_core::http::query_param(req, "cursor");
    let limit = rainbownet_core::http::query_param(req, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(20);
    (cursor, limit)
}

fn csv_response(body: Vec<u8>, filename: &'static str) -> Response {
    use ::http::{HeaderValue, header};
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// A current member of the project in the path (denials audited, answered 404).
async fn project_member(
    req: &Request,
    env: &Env,
    params: &rainbownet_core::http::router::Params,
    action: &str,
) -> Result<projects::Membership, Error> {
    let project = params.get("project").unwrap_or_default();
    let caller = caller(req, env, action, Some(project)).await?;
    projects::require_member(env, req, &caller, project, action).await
}

fn idempotency_key(req: &Request) -> Option<&str> {
    req.headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
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
