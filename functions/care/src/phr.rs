//! PHR and the family's side of the record (issue #34): home blood pressure, the team's
//! thresholds and the alerts they raise, questionnaires, the access log, the family's
//! messages; and the emergency information (issue #35) the family reads and confirms.

use rainbownet_core::care::{
    access_log, alerts, emergency_info, family_messages, home_bp, questionnaires, thresholds,
};
use rainbownet_core::guard::Call;
use rainbownet_core::guard::Reader;
use rainbownet_core::http::respond::{created, items, no_content, ok};
use rainbownet_core::{Error, Response};

pub async fn home_bp(c: Call<'_>) -> Result<Response, Error> {
    let days = home_bp::parse_days(c.query("days").as_deref())?;
    Ok(ok(
        &home_bp::summary(c.env, c.req, c.who.reader()?, days).await?
    ))
}

pub async fn thresholds(c: Call<'_>) -> Result<Response, Error> {
    Ok(items(
        &thresholds::get(c.env, c.req, c.who.member()?).await?,
    ))
}

pub async fn set_thresholds(c: Call<'_>) -> Result<Response, Error> {
    let input = c.json()?;
    Ok(items(
        &thresholds::put(c.env, c.req, c.who.member()?, input).await?,
    ))
}

pub async fn alerts(c: Call<'_>) -> Result<Response, Error> {
    let only_open = c.query("open").as_deref() == Some("true");
    Ok(items(
        &alerts::list(c.env, c.req, c.who.member()?, only_open).await?,
    ))
}

pub async fn acknowledge_alert(c: Call<'_>) -> Result<Response, Error> {
    let alert = alerts::acknowledge(c.env, c.req, c.who.member()?, c.param("alert")).await?;
    Ok(ok(&alert))
}

pub async fn access_log(c: Call<'_>) -> Result<Response, Error> {
    let (cursor, limit) = c.page();
    let page = access_log::list(c.env, c.req, c.who.reader()?, cursor.as_deref(), limit).await?;
    Ok(ok(&page))
}

pub async fn questionnaires(c: Call<'_>) -> Result<Response, Error> {
    let caller = c.who.signed_in()?;
    Ok(items(&questionnaires::summaries(c.env, caller).await?))
}

/// A town's or an organization's own form (municipal staff, org admins).
pub async fn create_questionnaire(c: Call<'_>) -> Result<Response, Error> {
    let input = c.json()?;
    let form = questionnaires::custom::create(c.env, c.req, c.who.subject()?, input).await?;
    Ok(created(&form))
}

pub async fn retire_questionnaire(c: Call<'_>) -> Result<Response, Error> {
    let id = c.param("questionnaire");
    questionnaires::custom::retire(c.env, c.req, c.who.subject()?, id).await?;
    Ok(no_content())
}

/// A form as a FHIR R4 Questionnaire.
pub async fn questionnaire(c: Call<'_>) -> Result<Response, Error> {
    let id = c.param("questionnaire");
    let form = questionnaires::find(c.env, id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut response = ok(&form);
    response.headers_mut().insert(
        ::http::header::CONTENT_TYPE,
        ::http::HeaderValue::from_static("application/fhir+json"),
    );
    Ok(response)
}

pub async fn questionnaire_requests(c: Call<'_>) -> Result<Response, Error> {
    Ok(items(
        &questionnaires::list(c.env, c.req, c.who.reader()?).await?,
    ))
}

pub async fn request_questionnaire(c: Call<'_>) -> Result<Response, Error> {
    let input = c.json()?;
    Ok(created(
        &questionnaires::create(c.env, c.req, c.who.member()?, input).await?,
    ))
}

/// The answers as a FHIR QuestionnaireResponse (any JSON object: its faults are named by
/// pointer, not refused as malformed).
pub async fn answer_questionnaire(c: Call<'_>) -> Result<Response, Error> {
    let body: serde_json::Value = c.json()?;
    let by = c.who.reader()?;
    let answered = questionnaires::respond(c.env, c.req, by, c.param("request"), body).await?;
    Ok(created(&answered))
}

pub async fn family_messages(c: Call<'_>) -> Result<Response, Error> {
    let (cursor, limit) = c.page();
    let page =
        family_messages::list(c.env, c.req, c.who.reader()?, cursor.as_deref(), limit).await?;
    Ok(ok(&page))
}

/// A family member writes to the team; the team writes on the timeline instead (403).
pub async fn send_family_message(c: Call<'_>) -> Result<Response, Error> {
    let Reader::Family(linked) = c.who.reader()? else {
        return Err(Error::Forbidden);
    };
    let input = c.json()?;
    let message = family_messages::send(c.env, c.req, linked, input, c.idempotency_key()).await?;
    Ok(created(&message))
}

pub async fn emergency_info(c: Call<'_>) -> Result<Response, Error> {
    Ok(ok(
        &emergency_info::get(c.env, c.req, c.who.reader()?).await?
    ))
}

pub async fn put_emergency_info(c: Call<'_>) -> Result<Response, Error> {
    let input = c.json()?;
    Ok(ok(&emergency_info::put(
        c.env,
        c.req,
        c.who.member()?,
        input,
    )
    .await?))
}

/// The family confirms what the team wrote; the team writes it instead (403).
pub async fn confirm_emergency_info(c: Call<'_>) -> Result<Response, Error> {
    let Reader::Family(linked) = c.who.reader()? else {
        return Err(Error::Forbidden);
    };
    Ok(ok(&emergency_info::confirm(c.env, c.req, linked).await?))
}
