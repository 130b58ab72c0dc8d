//! The `care` function: professionals, patients, timelines (`/api/v1/auth/…`,
//! `/api/v1/patients/…`, `/api/v1/care/…`). Granted the `care` database, the `public`
//! database (to match patients to resources) and the `auth` KV store.

use std::sync::OnceLock;

use ::http::Method;
use rainbownet_core::audit;
use rainbownet_core::auth::token::Subject;
use rainbownet_core::auth::{admin, enrolment, invitations, login, session, sessions, staff};
use rainbownet_core::care::{
    attachments, directory, fhir, import as patient_import, messages, nearby, patients, projects,
    push, timeline, updates, usage, vitals,
};
use rainbownet_core::http::respond::{self, created, csv, idempotency_key, no_content, ok, page};
use rainbownet_core::http::router::{Guard, Params, RouteInfo, RouteSpec, Router};
use rainbownet_core::http::{Request, Response, serve};
use rainbownet_core::ports::Database;
use rainbownet_core::{Env, Error, Function, selfcheck};

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
adapter_workers::entry!(crate::Care);
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
adapter_workers::scheduled!(crate::Care);

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
    RecordVisitVitals,
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
    PushKey,
    ListDevices,
    Subscribe,
    Unsubscribe,
    GetNotificationSettings,
    PutNotificationSettings,
    Updates,
}

/// Every route of the function with the guard that admits its callers and its audit
/// action. The guard runs before the handler; the conformance suite calls every route
/// here as every kind of caller (`routes()`).
static ROUTES: &[RouteSpec<Route>] = &[
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/auth/professionals",
        route: Route::CreateProfessional,
        guard: Guard::Administrator,
        action: "professional.create",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/auth/login",
        route: Route::Login,
        guard: Guard::Public,
        action: "auth.login",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/auth/refresh",
        route: Route::Refresh,
        guard: Guard::Public,
        action: "auth.refresh",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/auth/logout",
        route: Route::Logout,
        guard: Guard::Session,
        action: "auth.logout",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/auth/me",
        route: Route::Me,
        guard: Guard::Session,
        action: "auth.me",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/patients",
        route: Route::ListPatients,
        guard: Guard::Session,
        action: "patient.list",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/patients",
        route: Route::CreatePatient,
        guard: Guard::Session,
        action: "patient.create",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/patients/{id}",
        route: Route::GetPatient,
        guard: Guard::PatientMember,
        action: "patient.read",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/patients/{id}/team",
        route: Route::AddTeamMember,
        guard: Guard::PatientMember,
        action: "team.add",
    },
    RouteSpec {
        method: Method::DELETE,
        path: "/api/v1/patients/{id}/team/{professional}",
        route: Route::RemoveTeamMember,
        guard: Guard::PatientMember,
        action: "team.remove",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/patients/{id}/consent/revoke",
        route: Route::RevokeConsent,
        guard: Guard::PatientMember,
        action: "consent.revoke",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/patients/{id}/lead",
        route: Route::HandOverLead,
        guard: Guard::PatientMember,
        action: "team.lead",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/patients/{id}/posts",
        route: Route::ListPosts,
        guard: Guard::PatientMember,
        action: "timeline.read",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/patients/{id}/posts",
        route: Route::CreatePost,
        guard: Guard::PatientMember,
        action: "post.create",
    },
    RouteSpec {
        method: Method::PUT,
        path: "/api/v1/patients/{id}/posts/{post}",
        route: Route::EditPost,
        guard: Guard::PatientMember,
        action: "post.edit",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/patients/{id}/posts/{post}/read",
        route: Route::ReadPost,
        guard: Guard::PatientMember,
        action: "post.read",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/patients/{id}/posts/{post}/comments",
        route: Route::CreateComment,
        guard: Guard::PatientMember,
        action: "comment.create",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/templates",
        route: Route::Templates,
        guard: Guard::Session,
        action: "templates.read",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/patients/{id}/attachments",
        route: Route::UploadAttachment,
        guard: Guard::PatientMember,
        action: "attachment.upload",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/patients/{id}/attachments/{attachment}",
        route: Route::GetAttachment,
        guard: Guard::PatientMember,
        action: "attachment.read",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/patients/{id}/nearby",
        route: Route::Nearby,
        guard: Guard::PatientMember,
        action: "patient.nearby",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/patients/imports",
        route: Route::ImportPatients,
        guard: Guard::TownStaff,
        action: "patient.import",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/patients/{id}/vitals",
        route: Route::ListVitals,
        guard: Guard::PatientMember,
        action: "vitals.read",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/patients/{id}/vitals",
        route: Route::RecordVital,
        guard: Guard::PatientMember,
        action: "vital.create",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/patients/{id}/vitals/visits",
        route: Route::RecordVisitVitals,
        guard: Guard::PatientMember,
        action: "vital.create",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/patients/{id}/fhir",
        route: Route::Fhir,
        guard: Guard::PatientMember,
        action: "patient.fhir",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/patients/{id}/nearby/introduce",
        route: Route::Introduce,
        guard: Guard::PatientMember,
        action: "patient.introduce",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/auth/staff",
        route: Route::ListStaff,
        guard: Guard::OrgAdmin,
        action: "staff.list",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/auth/professionals/{professional}/disable",
        route: Route::DisableProfessional,
        guard: Guard::OrgAdmin,
        action: "professional.disable",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/auth/professionals/{professional}/enable",
        route: Route::EnableProfessional,
        guard: Guard::OrgAdmin,
        action: "professional.enable",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/auth/invitations/{invitation}/revoke",
        route: Route::RevokeInvitation,
        guard: Guard::OrgAdmin,
        action: "invitation.revoke",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/auth/invitations",
        route: Route::CreateInvitation,
        guard: Guard::OrgAdmin,
        action: "invitation.create",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/auth/invitations",
        route: Route::ListInvitations,
        guard: Guard::OrgAdmin,
        action: "invitation.list",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/auth/invitations/accept",
        route: Route::AcceptInvitation,
        guard: Guard::Public,
        action: "invitation.accept",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/professionals",
        route: Route::Directory,
        guard: Guard::Session,
        action: "directory.search",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/projects",
        route: Route::ListProjects,
        guard: Guard::Session,
        action: "project.list",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/care/projects",
        route: Route::CreateProject,
        guard: Guard::Session,
        action: "project.create",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/projects/{project}",
        route: Route::GetProject,
        guard: Guard::ProjectMember,
        action: "project.read",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/care/projects/{project}/members",
        route: Route::AddProjectMember,
        guard: Guard::ProjectMember,
        action: "project.member.add",
    },
    RouteSpec {
        method: Method::DELETE,
        path: "/api/v1/care/projects/{project}/members/{professional}",
        route: Route::RemoveProjectMember,
        guard: Guard::ProjectMember,
        action: "project.member.remove",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/projects/{project}/posts",
        route: Route::ListProjectPosts,
        guard: Guard::ProjectMember,
        action: "project.posts.read",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/care/projects/{project}/posts",
        route: Route::CreateProjectPost,
        guard: Guard::ProjectMember,
        action: "project.post.create",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/messages",
        route: Route::Conversations,
        guard: Guard::Session,
        action: "message.list",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/messages/{professional}",
        route: Route::Thread,
        guard: Guard::Session,
        action: "message.read",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/care/messages/{professional}",
        route: Route::SendMessage,
        guard: Guard::Session,
        action: "message.send",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/usage",
        route: Route::Usage,
        guard: Guard::TownStaff,
        action: "usage.read",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/usage.csv",
        route: Route::UsageCsv,
        guard: Guard::TownStaff,
        action: "usage.export",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/audit",
        route: Route::Audit,
        guard: Guard::Administrator,
        action: "audit.read",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/audit.csv",
        route: Route::AuditCsv,
        guard: Guard::Administrator,
        action: "audit.export",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/_selfcheck/stores/{store}",
        route: Route::SelfcheckStore,
        guard: Guard::Public,
        action: "selfcheck",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/push/vapid-public-key",
        route: Route::PushKey,
        guard: Guard::Session,
        action: "push.key",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/push/subscriptions",
        route: Route::ListDevices,
        guard: Guard::Session,
        action: "push.list",
    },
    RouteSpec {
        method: Method::POST,
        path: "/api/v1/care/push/subscriptions",
        route: Route::Subscribe,
        guard: Guard::Session,
        action: "push.subscribe",
    },
    RouteSpec {
        method: Method::DELETE,
        path: "/api/v1/care/push/subscriptions/{subscription}",
        route: Route::Unsubscribe,
        guard: Guard::Session,
        action: "push.unsubscribe",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/notification-settings",
        route: Route::GetNotificationSettings,
        guard: Guard::Session,
        action: "notification.settings.read",
    },
    RouteSpec {
        method: Method::PUT,
        path: "/api/v1/care/notification-settings",
        route: Route::PutNotificationSettings,
        guard: Guard::Session,
        action: "notification.settings",
    },
    RouteSpec {
        method: Method::GET,
        path: "/api/v1/care/updates",
        route: Route::Updates,
        guard: Guard::Session,
        action: "care.updates",
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
        let (spec, params) = router().resolve(req.method(), req.uri().path())?;
        let who = admit(spec, req, env, &params).await?;
        match spec.route {
            Route::CreateProfessional => {
                // The bootstrap token registers the first administrators (and a sysadmin
                // may register anyone); everyone else joins by invitation.
                let caller = who.admin()?;
                caller.may_manage(None)?;
                let input = rainbownet_core::http::json::parse(req)?;
                let enrolment =
                    enrolment::create_professional(env, req, caller.actor(), input).await?;
                Ok(created(&enrolment))
            }
            Route::Login => {
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(ok(&login::login(env, req, &input).await?))
            }
            Route::Refresh => {
                let input: RefreshInput = rainbownet_core::http::json::parse(req)?;
                Ok(ok(&sessions::refresh(env, req, &input.refresh_token).await?))
            }
            Route::Logout => {
                let subject = who.subject()?;
                let input: LogoutInput = if req.body().is_empty() {
                    LogoutInput::default()
                } else {
                    rainbownet_core::http::json::parse(req)?
                };
                sessions::logout(env, req, &subject, input.refresh_token.as_deref()).await?;
                Ok(no_content())
            }
            Route::Me => me(env, who.subject()?).await,
            Route::ListPatients => {
                let caller = who.subject()?;
                let items = patients::list_mine(env, req, &caller).await?;
                Ok(respond::items(&items))
            }
            Route::CreatePatient => {
                let caller = who.subject()?;
                let input = rainbownet_core::http::json::parse(req)?;
                let patient = patients::register(env, req, &caller, input).await?;
                Ok(created(&patient))
            }
            Route::GetPatient => {
                let member = who.member()?;
                Ok(ok(&patients::get(env, req, &member).await?))
            }
            Route::AddTeamMember => {
                let member = who.member()?;
                let input: TeamInput = rainbownet_core::http::json::parse(req)?;
                let patient =
                    patients::add_member(env, req, &member, &input.professional_id).await?;
                Ok(created(&patient))
            }
            Route::RemoveTeamMember => {
                let member = who.member()?;
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
                let member = who.member()?;
                let input: TeamInput = rainbownet_core::http::json::parse(req)?;
                let patient =
                    patients::hand_over(env, req, &member, &input.professional_id).await?;
                Ok(ok(&patient))
            }
            Route::RevokeConsent => {
                let member = who.member()?;
                patients::revoke_consent(env, req, &member).await?;
                Ok(no_content())
            }
            Route::ListPosts => {
                let member = who.member()?;
                let (cursor, limit) = page(req);
                let page = timeline::list(env, req, &member, cursor.as_deref(), limit).await?;
                Ok(ok(&page))
            }
            Route::CreatePost => {
                let member = who.member()?;
                let input = rainbownet_core::http::json::parse(req)?;
                let key = idempotency_key(req);
                // A replay gets the very response the first request got.
                let (post, _created) = timeline::create(env, req, &member, input, key).await?;
                Ok(created(&post))
            }
            Route::EditPost => {
                let member = who.member()?;
                let input = rainbownet_core::http::json::parse(req)?;
                let post = timeline::edit(
                    env,
                    req,
                    &member,
                    params.get("post").unwrap_or_default(),
                    input,
                )
                .await?;
                Ok(ok(&post))
            }
            Route::ReadPost => {
                let member = who.member()?;
                let post =
                    timeline::mark_read(env, req, &member, params.get("post").unwrap_or_default())
                        .await?;
                Ok(ok(&post))
            }
            Route::CreateComment => {
                let member = who.member()?;
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
                Ok(created(&comment))
            }
            Route::Templates => {
                who.subject()?;
                Ok(ok(
                    &serde_json::json!({ "items": rainbownet_core::care::templates::TEMPLATES }),
                ))
            }
            Route::UploadAttachment => {
                let member = who.member()?;
                let name = rainbownet_core::http::query_param(req, "name").unwrap_or_default();
                let declared = req
                    .headers()
                    .get(::http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let attachment =
                    attachments::upload(env, req, &member, &name, declared, req.body()).await?;
                Ok(created(&attachment))
            }
            Route::GetAttachment => {
                let member = who.member()?;
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
                let member = who.member()?;
                Ok(ok(&nearby::find(env, req, &member).await?))
            }
            Route::Introduce => {
                let member = who.member()?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(created(
                    &nearby::introduce(env, req, &member, input, idempotency_key(req)).await?,
                ))
            }
            Route::ImportPatients => {
                let caller = who.subject()?;
                let municipality =
                    rainbownet_core::http::query_param(req, "municipality").unwrap_or_default();
                // Municipal staff of that town (or a sysadmin) open the teams themselves.
                admin::Admin::Staff(caller.clone()).may_manage(Some(&municipality))?;
                let report =
                    patient_import::import(env, req, &caller, &municipality, req.body()).await?;
                Ok(ok(&report))
            }
            Route::ListVitals => {
                let member = who.member()?;
                let kind = rainbownet_core::http::query_param(req, "kind");
                let items = vitals::series(env, req, &member, kind.as_deref()).await?;
                Ok(respond::items(&items))
            }
            Route::RecordVital => {
                let member = who.member()?;
                let input = rainbownet_core::http::json::parse(req)?;
                let key = idempotency_key(req);
                Ok(created(
                    &vitals::record(env, req, &member, input, key).await?,
                ))
            }
            Route::RecordVisitVitals => {
                let member = who.member()?;
                let input = rainbownet_core::http::json::parse(req)?;
                let key = idempotency_key(req);
                Ok(created(&serde_json::json!({
                    "items": vitals::record_visit(env, req, &member, input, key).await?,
                })))
            }
            Route::Fhir => {
                let member = who.member()?;
                let mut response = ok(&fhir::bundle(env, req, &member).await?);
                response.headers_mut().insert(
                    ::http::header::CONTENT_TYPE,
                    ::http::HeaderValue::from_static("application/fhir+json"),
                );
                Ok(response)
            }
            Route::Audit => {
                let caller = who.admin()?;
                let filter = audit::Filter::from_query(req)?;
                admin::may_read_audit_recorded(
                    env,
                    req,
                    &caller,
                    "audit.read",
                    filter.target.as_deref(),
                )
                .await?;
                let limit = rainbownet_core::http::query_param(req, "limit")
                    .and_then(|l| l.parse::<u32>().ok())
                    .unwrap_or(100)
                    .clamp(1, 1_000);
                let (items, next_cursor) = audit::list(env, &filter, limit).await?;
                Ok(ok(
                    &serde_json::json!({ "items": items, "next_cursor": next_cursor }),
                ))
            }
            Route::AuditCsv => {
                let caller = who.admin()?;
                let mut filter = audit::Filter::from_query(req)?;
                admin::may_read_audit_recorded(
                    env,
                    req,
                    &caller,
                    "audit.export",
                    filter.target.as_deref(),
                )
                .await?;
                let items = audit::list_all(env, &mut filter).await?;
                Ok(csv(audit::csv(&items)?, "audit.csv"))
            }
            Route::ListStaff => {
                let caller = who.subject()?;
                let items = staff::list(env, &caller).await?;
                Ok(respond::items(&items))
            }
            Route::DisableProfessional => {
                let id = params.get("professional").unwrap_or_default();
                let caller = who.subject()?;
                staff::set_status(env, req, &caller, id, staff::AccountStatus::Disabled).await?;
                Ok(no_content())
            }
            Route::EnableProfessional => {
                let id = params.get("professional").unwrap_or_default();
                let caller = who.subject()?;
                staff::set_status(env, req, &caller, id, staff::AccountStatus::Active).await?;
                Ok(no_content())
            }
            Route::RevokeInvitation => {
                let id = params.get("invitation").unwrap_or_default();
                let caller = who.subject()?;
                invitations::revoke(env, req, &caller, id).await?;
                Ok(no_content())
            }
            Route::CreateInvitation => {
                let caller = who.subject()?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(created(
                    &invitations::create(env, req, &caller, input).await?,
                ))
            }
            Route::ListInvitations => {
                let caller = who.subject()?;
                let items = invitations::list(env, &caller).await?;
                Ok(respond::items(&items))
            }
            Route::AcceptInvitation => {
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(created(&invitations::accept(env, req, input).await?))
            }
            Route::Directory => {
                let caller = who.subject()?;
                let q = rainbownet_core::http::query_param(req, "q").unwrap_or_default();
                let items = directory::search(env, &caller, &q).await?;
                Ok(respond::items(&items))
            }
            Route::ListProjects => {
                let caller = who.subject()?;
                let items = projects::list_mine(env, &caller).await?;
                Ok(respond::items(&items))
            }
            Route::CreateProject => {
                let caller = who.subject()?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(created(&projects::create(env, req, &caller, input).await?))
            }
            Route::GetProject => {
                let m = who.project()?;
                Ok(ok(&projects::get(env, req, &m).await?))
            }
            Route::AddProjectMember => {
                let m = who.project()?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(created(&projects::add_member(env, req, &m, input).await?))
            }
            Route::RemoveProjectMember => {
                let m = who.project()?;
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
                let m = who.project()?;
                let (cursor, limit) = page(req);
                Ok(ok(
                    &projects::posts(env, req, &m, cursor.as_deref(), limit).await?
                ))
            }
            Route::CreateProjectPost => {
                let m = who.project()?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(created(
                    &projects::post(env, req, &m, input, idempotency_key(req)).await?,
                ))
            }
            Route::Conversations => {
                let caller = who.subject()?;
                let items = messages::conversations(env, &caller).await?;
                Ok(respond::items(&items))
            }
            Route::Thread => {
                let caller = who.subject()?;
                let (cursor, limit) = page(req);
                Ok(ok(&messages::thread(
                    env,
                    req,
                    &caller,
                    params.get("professional").unwrap_or_default(),
                    cursor.as_deref(),
                    limit,
                )
                .await?))
            }
            Route::SendMessage => {
                let caller = who.subject()?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(created(
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
                let caller = who.subject()?;
                let asked = rainbownet_core::http::query_param(req, "municipality")
                    .filter(|m| !m.is_empty());
                let town = usage::scope(&caller, asked.as_deref())?;
                let report = usage::report(env, town.as_deref()).await?;
                if let Route::UsageCsv = spec.route {
                    return Ok(csv(usage::csv(&report)?, "usage.csv"));
                }
                Ok(ok(&report))
            }
            Route::SelfcheckStore => {
                selfcheck::store(env, Self::NAME, params.get("store").unwrap_or_default()).await
            }
            Route::PushKey => {
                who.subject()?;
                let key = push::subscriptions::vapid(env)?.public_key();
                Ok(ok(&serde_json::json!({ "public_key": key })))
            }
            Route::ListDevices => {
                let caller = who.subject()?;
                Ok(respond::items(
                    &push::subscriptions::list(env, &caller).await?,
                ))
            }
            Route::Subscribe => {
                let caller = who.subject()?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(created(
                    &push::subscriptions::subscribe(env, req, &caller, input).await?,
                ))
            }
            Route::Unsubscribe => {
                let caller = who.subject()?;
                let id = params.get("subscription").unwrap_or_default();
                push::subscriptions::unsubscribe(env, req, &caller, id).await?;
                Ok(no_content())
            }
            Route::GetNotificationSettings => {
                let caller = who.subject()?;
                Ok(ok(&push::preferences::get(env, &caller.sub).await?))
            }
            Route::PutNotificationSettings => {
                let caller = who.subject()?;
                let input = rainbownet_core::http::json::parse(req)?;
                Ok(ok(&push::preferences::put(env, req, &caller, input).await?))
            }
            Route::Updates => {
                let caller = who.subject()?;
                updates::respond(req, &updates::get(env, &caller).await?)
            }
        }
    }

    /// Sends the notifications a write left in the outbox (and, on the host's timer, the
    /// ones whose earlier try failed).
    async fn after(env: &Env) {
        if let Err(e) = push::deliver::deliver(env).await {
            env.log
                .error("push", &format!("push: delivery failed: {e}"));
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

/// The caller as the route's guard admitted them: what the handler may rely on.
enum Admitted {
    Anyone,
    Subject(Subject),
    Member(patients::Member),
    Project(projects::Membership),
    Admin(admin::Admin),
}

impl Admitted {
    fn subject(self) -> Result<Subject, Error> {
        match self {
            Admitted::Subject(s) | Admitted::Admin(admin::Admin::Staff(s)) => Ok(s),
            Admitted::Member(m) => Ok(m.caller),
            Admitted::Project(m) => Ok(m.caller),
            Admitted::Anyone | Admitted::Admin(admin::Admin::Bootstrap) => Err(mismatch()),
        }
    }

    fn member(self) -> Result<patients::Member, Error> {
        match self {
            Admitted::Member(m) => Ok(m),
            _ => Err(mismatch()),
        }
    }

    fn project(self) -> Result<projects::Membership, Error> {
        match self {
            Admitted::Project(m) => Ok(m),
            _ => Err(mismatch()),
        }
    }

    fn admin(self) -> Result<admin::Admin, Error> {
        match self {
            Admitted::Admin(a) => Ok(a),
            Admitted::Subject(s) => Ok(admin::Admin::Staff(s)),
            _ => Err(mismatch()),
        }
    }
}

/// A handler asked for a caller its route's guard does not give: a mistake in the table.
fn mismatch() -> Error {
    Error::Internal("the route table's guard does not admit the caller this handler needs".into())
}

/// Runs the route's guard. Refusals are audited (as denied, with no actor when there is no
/// valid token): attempts on personal data are on record even without a token.
async fn admit(
    spec: &RouteSpec<Route>,
    req: &Request,
    env: &Env,
    params: &Params,
) -> Result<Admitted, Error> {
    let target = [
        "id",
        "project",
        "professional",
        "invitation",
        "subscription",
    ]
    .into_iter()
    .find_map(|name| params.get(name));
    let session = || session::authenticate_audited(req, env, Database::Care, spec.action, target);
    Ok(match spec.guard {
        Guard::Public => Admitted::Anyone,
        Guard::Session | Guard::TownStaff | Guard::OrgAdmin => Admitted::Subject(session().await?),
        Guard::PatientMember => {
            let patient = params.get("id").unwrap_or_default();
            let caller = session().await?;
            Admitted::Member(
                patients::require_member(env, req, &caller, patient, spec.action).await?,
            )
        }
        Guard::ProjectMember => {
            let project = params.get("project").unwrap_or_default();
            let caller = session().await?;
            Admitted::Project(
                projects::require_member(env, req, &caller, project, spec.action).await?,
            )
        }
        Guard::Administrator => match admin::authenticate(req, env).await {
            Ok(admin) => Admitted::Admin(admin),
            Err(Error::Unauthorized) => {
                audit::record(env, req, None, spec.action, target, audit::Outcome::Denied).await?;
                return Err(Error::Unauthorized);
            }
            Err(e) => return Err(e),
        },
    })
}

/// `GET /api/v1/auth/me`: the caller's own profile.
async fn me(env: &Env, subject: Subject) -> Result<Response, Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT p.id, p.email, p.name, p.profession, o.id AS organization_id, o.name AS organization_name, \
             o.municipality_code FROM professionals p JOIN organizations o ON o.id = p.organization_id WHERE p.id = ?1",
            &[subject.sub.clone().into()],
        )
        .await?;
    let row = rows.first().ok_or(Error::Unauthorized)?;
    Ok(ok(&serde_json::json!({
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
    })))
}

/// Serves one request (hosts call this).
pub async fn handle(req: Request, env: &Env) -> Response {
    serve::<Care>(req, env).await
}
