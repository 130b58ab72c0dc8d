//! Patients: registered only together with a consent record, visible only to their care
//! team, every read and write on the audit log (denied attempts too). Revoking consent
//! closes the record to everyone; the audit log keeps what happened.
//!
//! This module is the patient and the membership check every patient route runs; changing
//! the care team (joining, leaving, the lead, consent) is in `team`.
//!
//! Why this file is over 400 lines: registering a patient (with consent, birth date and care
//! level checked) and reading one share the model; each is short, and the care team's
//! changes are apart.

mod team;

pub use team::{add_member, hand_over, remove_member, revoke_consent};

use serde::{Deserialize, Serialize};

use crate::audit::{self, Outcome};
use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Row, Statement, StoreError};
use crate::vocabulary::{CareLevel, ConsentMethod, Sex, Word};

const DEFAULT_SCOPE: &str = "地域包括ケアのための多職種間の情報共有";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    pub method: String,
    #[serde(default)]
    pub scope: Option<String>,
    pub taken_on: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPatient {
    pub municipality_code: String,
    pub name: String,
    pub name_kana: String,
    /// ISO or 和暦 (昭和20年5月1日, S20.5.1).
    pub birth_date: String,
    pub sex: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lng: Option<f64>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub care_level: Option<String>,
    pub consent: ConsentInput,
}

#[derive(Debug, Serialize)]
pub struct TeamMember {
    pub id: String,
    pub name: String,
    pub profession: String,
    pub organization: String,
}

#[derive(Debug, Serialize)]
pub struct Patient {
    pub id: String,
    pub municipality_code: String,
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    pub sex: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub phone: Option<String>,
    pub care_level: Option<String>,
    pub consent_method: String,
    pub consent_taken_on: String,
    /// The professional responsible for the team: removes others, records a withdrawal
    /// of consent, hands the role over.
    pub lead_id: Option<String>,
    pub team: Vec<TeamMember>,
}

#[derive(Debug, Serialize)]
pub struct PatientSummary {
    pub id: String,
    /// Posts by others the caller has not marked read.
    pub unread: i64,
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    pub care_level: Option<String>,
    /// The newest post on the timeline, for the list's order and preview.
    pub last_post: Option<LastPost>,
}

/// What the patient list shows of the newest post: when, who, and its opening words.
#[derive(Debug, Serialize)]
pub struct LastPost {
    pub created_at: String,
    pub category: String,
    pub author_name: String,
    pub excerpt: String,
}

/// Characters of a post the patient list shows.
const EXCERPT_CHARS: usize = 60;

fn excerpt(body: &str) -> String {
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = flat.chars();
    let head: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

fn check(input: &NewPatient, today: &str) -> Result<(String, String), Error> {
    let mut errors = Vec::new();
    errors.extend(FieldError::length("#/name", &input.name, 100, "氏名"));
    Sex::check("#/sex", &input.sex, &mut errors);
    if let Some(level) = input.care_level.as_deref() {
        CareLevel::check("#/care_level", level, &mut errors);
    }
    ConsentMethod::check("#/consent/method", &input.consent.method, &mut errors);
    let mut err = |p: &str, en: &str, ja: &str| errors.push(FieldError::new(p, en, ja));
    if !crate::public::municipalities::is_code(&input.municipality_code) {
        err(
            "#/municipality_code",
            "must be a 5-digit municipality code",
            "5桁の市区町村コードを指定してください",
        );
    }
    let kana = crate::text::fold(&input.name_kana);
    if kana.is_empty() || !kana.chars().all(|c| matches!(c, 'ぁ'..='ゖ' | 'ー' | ' ')) {
        err(
            "#/name_kana",
            "must be written in kana",
            "ふりがなはかなで入力してください",
        );
    }
    let birth = crate::wareki::parse_birth_date(&input.birth_date, today);
    if birth.is_none() {
        err(
            "#/birth_date",
            "must be a date that exists and is not in the future (YYYY-MM-DD or 昭和20年5月1日)",
            "生年月日を正しく入力してください（例: 昭和20年5月1日。存在しない日付・未来の日付は不可）",
        );
    }
    match (input.lat, input.lng) {
        (None, None) => {}
        (Some(lat), Some(lng))
            if (20.0..=46.0).contains(&lat) && (122.0..=154.0).contains(&lng) => {}
        _ => err(
            "#/lat",
            "give a latitude and longitude in Japan, or neither",
            "日本国内の緯度と経度を両方指定してください",
        ),
    }
    let taken_on = crate::wareki::parse_date(&input.consent.taken_on);
    if taken_on.is_none() {
        err(
            "#/consent/taken_on",
            "must be a date",
            "同意取得日を正しく入力してください",
        );
    }
    match (birth, taken_on) {
        (Some(b), Some(t)) if errors.is_empty() => Ok((b, t)),
        _ => Err(Error::Validation(errors)),
    }
}

/// Registers a patient with their consent; the caller becomes the first team member.
pub async fn register(
    env: &Env,
    req: &Request,
    caller: &Subject,
    input: NewPatient,
) -> Result<Patient, Error> {
    let (birth_date, taken_on) = check(&input, &crate::time::today_jst(env.clock.now_millis()))?;
    if !crate::public::municipalities::is_known(env, &input.municipality_code).await? {
        return Err(Error::Validation(vec![
            crate::public::municipalities::unknown("#/municipality_code", &input.municipality_code),
        ]));
    }
    let id = env.new_id();
    let now = crate::time::iso8601(env.clock.now_millis());
    let trimmed = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[
        Statement::new(
            "INSERT INTO patients (id, municipality_code, name, name_kana, birth_date, sex, address, lat, lng, phone, \
             care_level, created_by, lead_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?13)",
            vec![
                id.clone().into(), input.municipality_code.clone().into(), input.name.trim().into(),
                input.name_kana.trim().into(), birth_date.into(), input.sex.clone().into(), trimmed(&input.address).into(),
                input.lat.into(), input.lng.into(), trimmed(&input.phone).into(), input.care_level.clone().into(),
                caller.sub.clone().into(), now.clone().into(),
            ],
        ),
        Statement::new(
            "INSERT INTO consents (id, patient_id, method, scope, taken_by, taken_on, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            vec![
                env.new_id().into(), id.clone().into(), input.consent.method.clone().into(),
                trimmed(&input.consent.scope).unwrap_or_else(|| DEFAULT_SCOPE.into()).into(),
                caller.sub.clone().into(), taken_on.into(), now.clone().into(),
            ],
        ),
        Statement::new(
            "INSERT INTO care_team_members (patient_id, professional_id, added_by, added_at) VALUES (?1, ?2, ?2, ?3)",
            vec![id.clone().into(), caller.sub.clone().into(), now.into()],
        ),
        audit::statement(env, req, Some(&caller.sub), "patient.create", Some(&id), Outcome::Allowed),
    ])
    .await?;
    load(env, &id).await
}

/// Proof that the caller is on the active team of an active patient. Everything that
/// reads or writes a patient's record takes one, so the check is made exactly once per
/// request and can not be forgotten.
pub struct Member {
    pub caller: Subject,
    pub patient: String,
}

impl Member {
    /// The audit record of an allowed `action` on the patient by this member, to run in
    /// the batch that does it.
    pub fn audited(&self, env: &Env, req: &Request, action: &str) -> Statement {
        self.entry(env, req, action, Outcome::Allowed)
    }

    fn entry(&self, env: &Env, req: &Request, action: &str, outcome: Outcome) -> Statement {
        audit::statement(
            env,
            req,
            Some(&self.caller.sub),
            action,
            Some(&self.patient),
            outcome,
        )
    }

    /// Records a refused `action` by this member on its own.
    pub async fn refused(&self, env: &Env, req: &Request, action: &str) -> Result<(), Error> {
        audit::write(env, self.entry(env, req, action, Outcome::Denied)).await
    }

    /// Records an allowed read on its own.
    pub async fn record(&self, env: &Env, req: &Request, action: &str) -> Result<(), Error> {
        audit::write(env, self.audited(env, req, action)).await
    }
}

/// Is `caller` on the active team of an active patient? Denials are audited and answered
/// as "not found", so that a patient's existence is not revealed either.
pub async fn require_member(
    env: &Env,
    req: &Request,
    caller: &Subject,
    patient: &str,
    action: &str,
) -> Result<Member, Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT EXISTS (SELECT 1 FROM patients p JOIN care_team_members t ON t.patient_id = p.id \
             WHERE p.id = ?1 AND p.status = 'active' AND t.professional_id = ?2 AND t.removed_at IS NULL) AS member",
            &[patient.into(), caller.sub.clone().into()],
        )
        .await?;
    if rows.first().map(|r| r.int("member")).transpose()? == Some(1) {
        return Ok(Member {
            caller: caller.clone(),
            patient: patient.to_owned(),
        });
    }
    audit::record(
        env,
        req,
        Some(&caller.sub),
        action,
        Some(patient),
        Outcome::Denied,
    )
    .await?;
    Err(Error::NotFound)
}

fn team_member(row: &Row<'_>) -> Result<TeamMember, StoreError> {
    Ok(TeamMember {
        id: row.text("id")?.to_owned(),
        name: row.text("name")?.to_owned(),
        profession: row.text("profession")?.to_owned(),
        organization: row.text("organization")?.to_owned(),
    })
}

pub async fn load(env: &Env, id: &str) -> Result<Patient, Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT p.*, c.method AS consent_method, c.taken_on AS consent_taken_on FROM patients p \
             JOIN consents c ON c.patient_id = p.id AND c.revoked_at IS NULL WHERE p.id = ?1",
            &[id.into()],
        )
        .await?;
    let row = rows.first().ok_or(Error::NotFound)?;
    let team = sql
        .query(
            "SELECT pr.id, pr.name, pr.profession, pr.organization FROM care_team_members t \
             JOIN colleagues pr ON pr.id = t.professional_id \
             WHERE t.patient_id = ?1 AND t.removed_at IS NULL ORDER BY t.added_at, pr.id",
            &[id.into()],
        )
        .await?;
    let text = |c: &str| row.opt_text(c).map(|v| v.map(str::to_owned));
    Ok(Patient {
        id: row.text("id")?.to_owned(),
        municipality_code: row.text("municipality_code")?.to_owned(),
        name: row.text("name")?.to_owned(),
        name_kana: row.text("name_kana")?.to_owned(),
        birth_date: row.text("birth_date")?.to_owned(),
        sex: row.text("sex")?.to_owned(),
        address: text("address")?,
        lat: row.opt_real("lat")?,
        lng: row.opt_real("lng")?,
        phone: text("phone")?,
        care_level: text("care_level")?,
        consent_method: row.text("consent_method")?.to_owned(),
        consent_taken_on: row.text("consent_taken_on")?.to_owned(),
        lead_id: text("lead_id")?,
        team: team
            .iter()
            .map(|r| team_member(&r))
            .collect::<Result<_, _>>()?,
    })
}

pub async fn get(env: &Env, req: &Request, member: &Member) -> Result<Patient, Error> {
    let (caller, id) = (&member.caller, member.patient.as_str());
    let patient = load(env, id).await?;
    audit::record(
        env,
        req,
        Some(&caller.sub),
        "patient.read",
        Some(id),
        Outcome::Allowed,
    )
    .await?;
    Ok(patient)
}

/// The patients whose team the caller is on.
pub async fn list_mine(
    env: &Env,
    req: &Request,
    caller: &Subject,
) -> Result<Vec<PatientSummary>, Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT p.id, p.name, p.name_kana, p.birth_date, p.care_level, \
             (SELECT count(*) FROM posts po WHERE po.patient_id = p.id AND po.author_id != ?1 \
              AND NOT EXISTS (SELECT 1 FROM post_reads r WHERE r.post_id = po.id AND r.professional_id = ?1)) AS unread, \
             l.created_at AS last_at, l.category AS last_category, l.body AS last_body, lp.name AS last_author \
             FROM patients p JOIN care_team_members t ON t.patient_id = p.id \
             LEFT JOIN posts l ON l.rowid = (SELECT max(rowid) FROM posts WHERE patient_id = p.id) \
             LEFT JOIN professionals lp ON lp.id = l.author_id \
             WHERE t.professional_id = ?1 AND t.removed_at IS NULL AND p.status = 'active' ORDER BY p.name_kana, p.id",
            &[caller.sub.clone().into()],
        )
        .await?;
    audit::record(
        env,
        req,
        Some(&caller.sub),
        "patient.list",
        None,
        Outcome::Allowed,
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PatientSummary {
                id: r.text("id")?.to_owned(),
                unread: r.int("unread")?,
                name: r.text("name")?.to_owned(),
                name_kana: r.text("name_kana")?.to_owned(),
                birth_date: r.text("birth_date")?.to_owned(),
                care_level: r.opt_text("care_level")?.map(str::to_owned),
                last_post: match r.opt_text("last_at")? {
                    None => None,
                    Some(at) => Some(LastPost {
                        created_at: at.to_owned(),
                        category: r.opt_text("last_category")?.unwrap_or_default().to_owned(),
                        author_name: r.opt_text("last_author")?.unwrap_or_default().to_owned(),
                        excerpt: excerpt(r.opt_text("last_body")?.unwrap_or_default()),
                    }),
                },
            })
        })
        .collect::<Result<_, StoreError>>()
        .map_err(Error::from)
}

#[cfg(test)]
mod tests {
    #[test]
    fn excerpts_are_one_line_and_short() {
        assert_eq!(
            super::excerpt("右踵に発赤あり。\n除圧を継続"),
            "右踵に発赤あり。 除圧を継続"
        );
        let long = "あ".repeat(70);
        assert_eq!(
            super::excerpt(&long).chars().count(),
            super::EXCERPT_CHARS + 1
        );
        assert!(super::excerpt(&long).ends_with('…'));
    }
}
