//! A questionnaire sent to a patient: requested by the team, seen by the linked family,
//! answered once (a second answer is 409, and of two racing answers one is kept), scored,
//! and the result kept with the answers.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::{kihon, response};
use crate::care::family_caller::Reader;
use crate::care::patients::Member;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Row, Statement, StoreError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    pub questionnaire: String,
}

#[derive(Debug, Serialize)]
pub struct QuestionnaireRequest {
    pub id: String,
    pub questionnaire: String,
    pub title: String,
    pub requested_by: String,
    pub requested_at: String,
    pub answered_at: Option<String>,
    /// `family` or `professional`.
    pub answered_by: Option<String>,
    #[serde(skip)]
    answered_by_id: Option<String>,
    pub response: Option<Json>,
    pub result: Option<Json>,
}

const SELECT: &str = "SELECT q.id, q.questionnaire, q.requested_at, c.name AS requested_by, q.answered_at, \
     q.answered_by_kind, q.answered_by_id, q.response, q.result, f.title AS form_title FROM questionnaire_requests q \
     LEFT JOIN colleagues c ON c.id = q.requested_by LEFT JOIN questionnaire_forms f ON f.id = q.questionnaire";

fn from_row(row: &Row<'_>) -> Result<QuestionnaireRequest, StoreError> {
    let json = |c: &str| -> Result<Option<Json>, StoreError> {
        Ok(row.opt_text(c)?.and_then(|t| serde_json::from_str(t).ok()))
    };
    let questionnaire = row.text("questionnaire")?.to_owned();
    Ok(QuestionnaireRequest {
        id: row.text("id")?.to_owned(),
        title: match row.opt_text("form_title")? {
            Some(title) => title.to_owned(),
            None => super::FORMS
                .iter()
                .find(|(id, _)| *id == questionnaire)
                .map(|(_, t)| (*t).to_owned())
                .unwrap_or_default(),
        },
        questionnaire,
        requested_by: row.opt_text("requested_by")?.unwrap_or_default().to_owned(),
        requested_at: row.text("requested_at")?.to_owned(),
        answered_at: row.opt_text("answered_at")?.map(str::to_owned),
        answered_by: row.opt_text("answered_by_kind")?.map(str::to_owned),
        answered_by_id: row.opt_text("answered_by_id")?.map(str::to_owned),
        response: json("response")?,
        result: json("result")?,
    })
}

async fn load(env: &Env, patient: &str, id: &str) -> Result<QuestionnaireRequest, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            &format!("{SELECT} WHERE q.id = ?1 AND q.patient_id = ?2"),
            &[id.into(), patient.into()],
        )
        .await?;
    Ok(from_row(&rows.first().ok_or(Error::NotFound)?)?)
}

/// `POST /api/v1/patients/{id}/questionnaire-requests {questionnaire}`: by the team.
pub async fn create(
    env: &Env,
    req: &Request,
    member: &Member,
    input: NewRequest,
) -> Result<QuestionnaireRequest, Error> {
    let usable = super::known(&input.questionnaire)
        || super::custom::may_send(env, &member.caller, &input.questionnaire).await?;
    if !usable {
        return Err(Error::Validation(vec![FieldError::new(
            "#/questionnaire",
            "unknown questionnaire (see GET /api/v1/care/questionnaires)",
            "問診票が正しくありません",
        )]));
    }
    let id = env.new_id();
    let now = crate::time::iso8601(env.clock.now_millis());
    env.sql(Database::Care)
        .await?
        .batch(&[
            Statement::new(
                "INSERT INTO questionnaire_requests (id, patient_id, questionnaire, requested_by, requested_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                vec![
                    id.clone().into(),
                    member.patient.clone().into(),
                    input.questionnaire.into(),
                    member.caller.sub.clone().into(),
                    now.into(),
                ],
            ),
            member.audited(env, req, "questionnaire.request"),
        ])
        .await?;
    load(env, &member.patient, &id).await
}

/// `GET /api/v1/patients/{id}/questionnaire-requests`: newest first.
pub async fn list(
    env: &Env,
    req: &Request,
    by: &Reader,
) -> Result<Vec<QuestionnaireRequest>, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            &format!(
                "{SELECT} WHERE q.patient_id = ?1 ORDER BY q.requested_at DESC, q.id DESC LIMIT 100"
            ),
            &[by.patient().into()],
        )
        .await?;
    by.record(env, req, "questionnaire.list").await?;
    Ok(rows
        .iter()
        .map(|r| from_row(&r))
        .collect::<Result<_, _>>()?)
}

/// `POST /api/v1/patients/{id}/questionnaire-requests/{request}/response`: the answers,
/// scored; once.
pub async fn respond(
    env: &Env,
    req: &Request,
    by: &Reader,
    request: &str,
    body: Json,
) -> Result<QuestionnaireRequest, Error> {
    let current = load(env, by.patient(), request).await?;
    if current.answered_at.is_some() {
        return replayed(current, by, &body);
    }
    let result = match current.questionnaire.as_str() {
        kihon::ID => {
            let answers = response::kihon_answers(&body).map_err(Error::Validation)?;
            serde_json::to_value(kihon::score(&answers))
                .map_err(|e| Error::Internal(e.to_string()))?
        }
        id => {
            let form = super::custom::find(env, id).await?.ok_or(Error::NotFound)?;
            response::custom_answers(&form, &body).map_err(Error::Validation)?
        }
    };
    let result = result.to_string();
    let kind = match by {
        Reader::Team(_) => "professional",
        Reader::Family(_) => "family",
    };
    let now = crate::time::iso8601(env.clock.now_millis());
    let done = env
        .sql(Database::Care)
        .await?
        .batch(&[
            Statement::new(
                "UPDATE questionnaire_requests SET answered_at = ?3, answered_by_kind = ?4, answered_by_id = ?5, \
                 response = ?6, result = ?7 WHERE id = ?1 AND patient_id = ?2 AND answered_at IS NULL",
                vec![
                    request.into(),
                    by.patient().into(),
                    now.into(),
                    kind.into(),
                    by.actor().into(),
                    body.to_string().into(),
                    result.into(),
                ],
            ),
            Statement::changes(),
            by.audited(env, req, "questionnaire.respond"),
        ])
        .await?;
    let changed = crate::ports::changed_rows(&done, 1)?;
    if changed != 1 {
        // Another answer came first (the audit row stands: the attempt was allowed).
        return replayed(load(env, by.patient(), request).await?, by, &body);
    }
    load(env, by.patient(), request).await
}

/// An answered request met again: the same person sending the same answers is a retry
/// (a phone that lost the first 201) and gets the request as it stands; anything else 409.
fn replayed(
    current: QuestionnaireRequest,
    by: &Reader,
    body: &Json,
) -> Result<QuestionnaireRequest, Error> {
    if current.answered_by_id.as_deref() == Some(by.actor())
        && current.response.as_ref() == Some(body)
    {
        Ok(current)
    } else {
        Err(answered())
    }
}

fn answered() -> Error {
    Error::Conflict {
        en: "this questionnaire has been answered already",
        ja: "この問診票はすでに回答済みです",
    }
}
