//! A patient's record: registration, the care team, the timeline (posts, comments,
//! files, vitals), resources nearby and the FHIR bundle. Every route here but the list,
//! registration and import is guarded by care team membership before it runs.

use rainbownet_core::auth::admin::Admin;
use rainbownet_core::care::{
    attachments, family, family_members, fhir, import, nearby, patients, templates, timeline,
    vitals,
};
use rainbownet_core::guard::{Call, Reader};
use rainbownet_core::http::respond::{created, items, no_content, ok};
use rainbownet_core::{Error, Response};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamInput {
    professional_id: String,
}

pub async fn list(c: Call<'_>) -> Result<Response, Error> {
    Ok(items(
        &patients::list_mine(c.env, c.req, c.who.subject()?).await?,
    ))
}

pub async fn register(c: Call<'_>) -> Result<Response, Error> {
    let patient = patients::register(c.env, c.req, c.who.subject()?, c.json()?).await?;
    Ok(created(&patient))
}

/// Municipal staff of the town (or a sysadmin) open the teams themselves.
pub async fn import(c: Call<'_>) -> Result<Response, Error> {
    let caller = c.who.subject()?;
    let municipality = c.query("municipality").unwrap_or_default();
    Admin::Staff(caller.clone()).may_manage(Some(&municipality))?;
    let report = import::import(c.env, c.req, caller, &municipality, c.req.body()).await?;
    Ok(ok(&report))
}

/// The record's basic data, for the team or the linked family.
pub async fn get(c: Call<'_>) -> Result<Response, Error> {
    match c.who.reader()? {
        Reader::Team(member) => Ok(ok(&patients::get(c.env, c.req, member).await?)),
        Reader::Family(linked) => {
            let patient = patients::load(c.env, &linked.patient).await?;
            linked.record(c.env, c.req, c.action).await?;
            Ok(ok(&patient))
        }
    }
}

pub async fn add_member(c: Call<'_>) -> Result<Response, Error> {
    let input: TeamInput = c.json()?;
    let patient =
        patients::add_member(c.env, c.req, c.who.member()?, &input.professional_id).await?;
    Ok(created(&patient))
}

pub async fn remove_member(c: Call<'_>) -> Result<Response, Error> {
    patients::remove_member(c.env, c.req, c.who.member()?, c.param("professional")).await?;
    Ok(no_content())
}

pub async fn hand_over(c: Call<'_>) -> Result<Response, Error> {
    let input: TeamInput = c.json()?;
    let patient =
        patients::hand_over(c.env, c.req, c.who.member()?, &input.professional_id).await?;
    Ok(ok(&patient))
}

pub async fn invite_family(c: Call<'_>) -> Result<Response, Error> {
    let invitation = family::create(c.env, c.req, c.who.member()?, c.json()?).await?;
    Ok(created(&invitation))
}

pub async fn family_invitations(c: Call<'_>) -> Result<Response, Error> {
    Ok(items(&family::list(c.env, c.req, c.who.member()?).await?))
}

pub async fn revoke_family_invitation(c: Call<'_>) -> Result<Response, Error> {
    family::revoke(c.env, c.req, c.who.member()?, c.param("invitation")).await?;
    Ok(no_content())
}

pub async fn revoke_consent(c: Call<'_>) -> Result<Response, Error> {
    patients::revoke_consent(c.env, c.req, c.who.member()?).await?;
    Ok(no_content())
}

pub async fn family_members(c: Call<'_>) -> Result<Response, Error> {
    Ok(items(
        &family_members::list(c.env, c.req, c.who.member()?).await?,
    ))
}

pub async fn close_family_member(c: Call<'_>) -> Result<Response, Error> {
    family_members::close(c.env, c.req, c.who.member()?, c.param("member")).await?;
    Ok(no_content())
}

pub async fn posts(c: Call<'_>) -> Result<Response, Error> {
    let (cursor, limit) = c.page();
    let cursor = cursor.as_deref();
    let page = match c.who.reader()? {
        Reader::Team(member) => timeline::list(c.env, c.req, member, cursor, limit).await?,
        Reader::Family(linked) => {
            timeline::list_shared(c.env, c.req, linked, cursor, limit).await?
        }
    };
    Ok(ok(&page))
}

/// A replay (same `Idempotency-Key`) gets the very response the first request got.
pub async fn post(c: Call<'_>) -> Result<Response, Error> {
    let member = c.who.member()?;
    let (post, _created) =
        timeline::create(c.env, c.req, member, c.json()?, c.idempotency_key()).await?;
    Ok(created(&post))
}

pub async fn edit_post(c: Call<'_>) -> Result<Response, Error> {
    let member = c.who.member()?;
    let post = timeline::edit(c.env, c.req, member, c.param("post"), c.json()?).await?;
    Ok(ok(&post))
}

pub async fn read_post(c: Call<'_>) -> Result<Response, Error> {
    let post = timeline::mark_read(c.env, c.req, c.who.member()?, c.param("post")).await?;
    Ok(ok(&post))
}

pub async fn comment(c: Call<'_>) -> Result<Response, Error> {
    let member = c.who.member()?;
    let (post, input, key) = (c.param("post"), c.json()?, c.idempotency_key());
    let (comment, _created) = timeline::comment(c.env, c.req, member, post, input, key).await?;
    Ok(created(&comment))
}

pub async fn templates(c: Call<'_>) -> Result<Response, Error> {
    c.who.subject()?;
    Ok(ok(&serde_json::json!({ "items": templates::TEMPLATES })))
}

pub async fn upload(c: Call<'_>) -> Result<Response, Error> {
    let member = c.who.member()?;
    let name = c.query("name").unwrap_or_default();
    let declared = c
        .req
        .headers()
        .get(::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let body = c.req.body();
    let attachment = attachments::upload(c.env, c.req, member, &name, declared, body).await?;
    Ok(created(&attachment))
}

pub async fn download(c: Call<'_>) -> Result<Response, Error> {
    let by = c.who.reader()?;
    let (attachment, bytes) =
        attachments::download(c.env, c.req, by, c.param("attachment")).await?;
    Ok(attachments::response(&attachment, bytes))
}

pub async fn nearby(c: Call<'_>) -> Result<Response, Error> {
    Ok(ok(&nearby::find(c.env, c.req, c.who.member()?).await?))
}

pub async fn introduce(c: Call<'_>) -> Result<Response, Error> {
    let member = c.who.member()?;
    let introduced =
        nearby::introduce(c.env, c.req, member, c.json()?, c.idempotency_key()).await?;
    Ok(created(&introduced))
}

pub async fn vitals(c: Call<'_>) -> Result<Response, Error> {
    let kind = c.query("kind");
    let series = vitals::series(c.env, c.req, c.who.reader()?, kind.as_deref()).await?;
    Ok(items(&series))
}

pub async fn record_vital(c: Call<'_>) -> Result<Response, Error> {
    let by = c.who.reader()?;
    let vital = vitals::record(c.env, c.req, by, c.json()?, c.idempotency_key()).await?;
    Ok(created(&vital))
}

pub async fn record_visit(c: Call<'_>) -> Result<Response, Error> {
    let member = c.who.member()?;
    let recorded =
        vitals::record_visit(c.env, c.req, member, c.json()?, c.idempotency_key()).await?;
    Ok(created(&serde_json::json!({ "items": recorded })))
}

pub async fn fhir(c: Call<'_>) -> Result<Response, Error> {
    let mut response = ok(&fhir::bundle(c.env, c.req, c.who.member()?).await?);
    response.headers_mut().insert(
        ::http::header::CONTENT_TYPE,
        ::http::HeaderValue::from_static("application/fhir+json"),
    );
    Ok(response)
}
