//! The `care` function: professionals, patients, timelines (`/api/v1/auth/…`,
//! `/api/v1/patients/…`, `/api/v1/care/…`). Granted the `care` database, the `public`
//! database (to match patients to resources) and the `auth` KV store.
//!
//! This file is the wiring: the route table (path, guard, audit action, handler) and the
//! entry points. The handlers, grouped by what they serve, turn a [`Call`] into a call of
//! the core and its answer into a response.

mod account;
mod patient;
mod phr;
mod records;
mod team;
mod updates;

use rainbownet_core::care::push;
use rainbownet_core::guard::Routes;
use rainbownet_core::http::router::RouteInfo;
use rainbownet_core::http::{HeaderMap, Method, Request, Response, serve};
use rainbownet_core::ports::Database;
use rainbownet_core::{Env, Error, Function, routes};

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
adapter_workers::entry!(crate::Care);
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
adapter_workers::scheduled!(crate::Care);

#[cfg(target_os = "wasi")]
adapter_spin::entry!(crate::Care);

/// Every route of the function: method, path, the guard that admits its callers (run
/// before the handler), its audit action and its handler.
#[rustfmt::skip]
static ROUTES: Routes = Routes::new(routes![
    POST "/api/v1/auth/professionals" Administrator "professional.create" => account::create_professional,
    POST "/api/v1/auth/login" Public "auth.login" => account::login,
    POST "/api/v1/auth/refresh" Public "auth.refresh" => account::refresh,
    POST "/api/v1/auth/logout" SignedIn "auth.logout" => account::logout,
    GET "/api/v1/auth/me" SignedIn "auth.me" => account::me,
    POST "/api/v1/auth/passkey/options" Public "auth.passkey.options" => account::passkey_options,
    POST "/api/v1/auth/passkey" Public "auth.passkey" => account::passkey_sign_in,
    GET "/api/v1/auth/passkeys" SignedIn "passkey.list" => account::passkeys,
    POST "/api/v1/auth/passkeys/options" SignedIn "passkey.add.options" => account::passkey_add_options,
    POST "/api/v1/auth/passkeys" SignedIn "passkey.add" => account::passkey_add,
    GET "/api/v1/auth/staff" OrgAdmin "staff.list" => account::staff,
    POST "/api/v1/auth/professionals/{professional}/disable" OrgAdmin "professional.disable" => account::disable,
    POST "/api/v1/auth/professionals/{professional}/enable" OrgAdmin "professional.enable" => account::enable,
    POST "/api/v1/auth/invitations/{invitation}/revoke" OrgAdmin "invitation.revoke" => account::revoke_invitation,
    POST "/api/v1/auth/invitations" OrgAdmin "invitation.create" => account::invite,
    GET "/api/v1/auth/invitations" OrgAdmin "invitation.list" => account::invitations,
    POST "/api/v1/auth/invitations/accept" Public "invitation.accept" => account::accept_invitation,
    POST "/api/v1/family/join/options" Public "family.join.options" => account::family_join_options,
    POST "/api/v1/family/join" Public "family.join" => account::family_join,
    GET "/api/v1/patients" Session "patient.list" => patient::list,
    POST "/api/v1/patients" Session "patient.create" => patient::register,
    POST "/api/v1/patients/imports" TownStaff "patient.import" large => patient::import,
    GET "/api/v1/patients/{id}" PatientMemberOrFamily "patient.read" => patient::get,
    POST "/api/v1/patients/{id}/team" PatientMember "team.add" => patient::add_member,
    DELETE "/api/v1/patients/{id}/team/{professional}" PatientMember "team.remove" => patient::remove_member,
    POST "/api/v1/patients/{id}/consent/revoke" PatientMember "consent.revoke" => patient::revoke_consent,
    POST "/api/v1/patients/{id}/lead" PatientMember "team.lead" => patient::hand_over,
    POST "/api/v1/patients/{id}/family-invitations" PatientMember "family.invite" => patient::invite_family,
    GET "/api/v1/patients/{id}/family-invitations" PatientMember "family.invitations" => patient::family_invitations,
    POST "/api/v1/patients/{id}/family-invitations/{invitation}/revoke" PatientMember "family.invite.revoke" => patient::revoke_family_invitation,
    GET "/api/v1/patients/{id}/family-members" PatientMember "family.members" => patient::family_members,
    GET "/api/v1/patients/{id}/emergency-info" PatientMemberOrFamily "emergency_info.read" => phr::emergency_info,
    PUT "/api/v1/patients/{id}/emergency-info" PatientMember "emergency_info.update" => phr::put_emergency_info,
    POST "/api/v1/patients/{id}/emergency-info/confirm" PatientMemberOrFamily "emergency_info.confirm" => phr::confirm_emergency_info,
    GET "/api/v1/patients/{id}/family-messages" PatientMemberOrFamily "family.messages" => phr::family_messages,
    POST "/api/v1/patients/{id}/family-messages" PatientMemberOrFamily "family.message" => phr::send_family_message,
    POST "/api/v1/patients/{id}/family-members/{member}/close" PatientMember "family.close" => patient::close_family_member,
    GET "/api/v1/patients/{id}/posts" PatientMemberOrFamily "timeline.read" => patient::posts,
    POST "/api/v1/patients/{id}/posts" PatientMember "post.create" => patient::post,
    PUT "/api/v1/patients/{id}/posts/{post}" PatientMember "post.edit" => patient::edit_post,
    POST "/api/v1/patients/{id}/posts/{post}/read" PatientMember "post.read" => patient::read_post,
    POST "/api/v1/patients/{id}/posts/{post}/comments" PatientMember "comment.create" => patient::comment,
    POST "/api/v1/patients/{id}/attachments" PatientMember "attachment.upload" large => patient::upload,
    GET "/api/v1/patients/{id}/attachments/{attachment}" PatientMemberOrFamily "attachment.read" => patient::download,
    GET "/api/v1/patients/{id}/nearby" PatientMember "patient.nearby" => patient::nearby,
    POST "/api/v1/patients/{id}/nearby/introduce" PatientMember "patient.introduce" => patient::introduce,
    GET "/api/v1/patients/{id}/vitals" PatientMemberOrFamily "vitals.read" => patient::vitals,
    POST "/api/v1/patients/{id}/vitals" PatientMemberOrFamily "vital.create" => patient::record_vital,
    GET "/api/v1/patients/{id}/vitals/home-bp" PatientMemberOrFamily "vitals.home_bp" => phr::home_bp,
    GET "/api/v1/patients/{id}/vital-thresholds" PatientMember "thresholds.read" => phr::thresholds,
    PUT "/api/v1/patients/{id}/vital-thresholds" PatientMember "thresholds.set" => phr::set_thresholds,
    GET "/api/v1/patients/{id}/alerts" PatientMember "alerts.read" => phr::alerts,
    GET "/api/v1/patients/{id}/access-log" PatientMemberOrFamily "access_log.read" => phr::access_log,
    GET "/api/v1/patients/{id}/questionnaire-requests" PatientMemberOrFamily "questionnaire.list" => phr::questionnaire_requests,
    POST "/api/v1/patients/{id}/questionnaire-requests" PatientMember "questionnaire.request" => phr::request_questionnaire,
    POST "/api/v1/patients/{id}/questionnaire-requests/{request}/response" PatientMemberOrFamily "questionnaire.respond" => phr::answer_questionnaire,
    POST "/api/v1/patients/{id}/alerts/{alert}/ack" PatientMember "alert.ack" => phr::acknowledge_alert,
    POST "/api/v1/patients/{id}/vitals/visits" PatientMember "vital.create" => patient::record_visit,
    GET "/api/v1/patients/{id}/fhir" PatientMember "patient.fhir" => patient::fhir,
    GET "/api/v1/care/templates" Session "templates.read" => patient::templates,
    GET "/api/v1/care/questionnaires" SignedIn "questionnaire.forms" => phr::questionnaires,
    POST "/api/v1/care/questionnaires" Session "questionnaire.create" => phr::create_questionnaire,
    POST "/api/v1/care/questionnaires/{questionnaire}/retire" Session "questionnaire.retire" => phr::retire_questionnaire,
    GET "/api/v1/care/questionnaires/{questionnaire}" SignedIn "questionnaire.form" => phr::questionnaire,
    GET "/api/v1/care/professionals" Session "directory.search" => team::directory,
    GET "/api/v1/care/projects" Session "project.list" => team::projects,
    POST "/api/v1/care/projects" Session "project.create" => team::create_project,
    GET "/api/v1/care/projects/{project}" ProjectMember "project.read" => team::project,
    POST "/api/v1/care/projects/{project}/members" ProjectMember "project.member.add" => team::add_member,
    DELETE "/api/v1/care/projects/{project}/members/{professional}" ProjectMember "project.member.remove" => team::remove_member,
    GET "/api/v1/care/projects/{project}/posts" ProjectMember "project.posts.read" => team::posts,
    POST "/api/v1/care/projects/{project}/posts" ProjectMember "project.post.create" => team::post,
    GET "/api/v1/care/messages" Session "message.list" => team::conversations,
    GET "/api/v1/care/messages/{professional}" Session "message.read" => team::thread,
    POST "/api/v1/care/messages/{professional}" Session "message.send" => team::send,
    GET "/api/v1/care/usage" TownStaff "usage.read" => records::usage,
    GET "/api/v1/care/usage.csv" TownStaff "usage.export" => records::usage_csv,
    GET "/api/v1/care/audit" Administrator "audit.read" => records::audit,
    GET "/api/v1/care/audit.csv" Administrator "audit.export" => records::audit_csv,
    GET "/api/v1/care/_selfcheck/stores/{store}" Public "selfcheck" => rainbownet_core::guard::selfcheck::<Care>,
    GET "/api/v1/care/push/vapid-public-key" Session "push.key" => updates::push_key,
    GET "/api/v1/care/push/subscriptions" Session "push.list" => updates::devices,
    POST "/api/v1/care/push/subscriptions" Session "push.subscribe" => updates::subscribe,
    DELETE "/api/v1/care/push/subscriptions/{subscription}" Session "push.unsubscribe" => updates::unsubscribe,
    GET "/api/v1/care/notification-settings" Session "notification.settings.read" => updates::settings,
    PUT "/api/v1/care/notification-settings" Session "notification.settings" => updates::put_settings,
    GET "/api/v1/care/updates" Session "care.updates" => updates::updates,
]);

/// The route table, for the conformance suite.
pub fn routes() -> impl Iterator<Item = RouteInfo> {
    ROUTES.info()
}

pub struct Care;

impl Function for Care {
    const NAME: &'static str = "care";
    /// Municipal exports for bulk registration can be a few megabytes (the `large` routes only; the rest take 256 KiB).
    const BODY_LIMIT: usize = 8 * 1024 * 1024;

    fn body_limit(method: &Method, path: &str, headers: &HeaderMap, env: &Env) -> usize {
        ROUTES.body_limit(method, path, headers, env, Self::BODY_LIMIT)
    }

    async fn dispatch(req: &Request, env: &Env) -> Result<Response, Error> {
        ROUTES.dispatch(Some(Database::Care), req, env).await
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

/// Serves one request (hosts call this).
pub async fn handle(req: Request, env: &Env) -> Response {
    serve::<Care>(req, env).await
}
