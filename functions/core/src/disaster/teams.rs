//! Support teams (避難支援等関係者) and their assignments, by district or by person.
//! Members are professionals of the care network, named by their id.

use serde::{Deserialize, Serialize};

use crate::audit::Outcome;
use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement, StoreError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    pub municipality_code: String,
    pub name: String,
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentInput {
    #[serde(default)]
    pub district_code: Option<String>,
    #[serde(default)]
    pub person_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Team {
    pub id: String,
    pub municipality_code: String,
    pub name: String,
    pub members: Vec<String>,
    pub districts: Vec<String>,
    pub people: Vec<String>,
}

fn id_ok(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub async fn create(
    env: &Env,
    req: &Request,
    caller: &Subject,
    input: TeamInput,
) -> Result<Team, Error> {
    let mut errors = Vec::new();
    let name = input.name.trim().to_owned();
    errors.extend(FieldError::length("#/name", &name, 100, "班の名前"));
    if input.members.len() > 200 || !input.members.iter().all(|m| id_ok(m)) {
        errors.push(FieldError::new(
            "#/members",
            "up to 200 professional ids",
            "メンバーは専門職IDで200人までです",
        ));
    }
    if !crate::public::municipalities::is_code(&input.municipality_code) {
        errors.push(FieldError::new(
            "#/municipality_code",
            "a 5-digit municipality code",
            "市区町村コード（5桁）です",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    super::require_staff(env, req, caller, &input.municipality_code, "team.create").await?;
    let id = env.new_id();
    let now = crate::time::iso8601(env.clock.now_millis());
    let mut statements = vec![Statement::new(
        "INSERT INTO support_teams (id, municipality_code, name, created_at) VALUES (?1, ?2, ?3, ?4)",
        vec![
            id.clone().into(),
            input.municipality_code.clone().into(),
            name.into(),
            now.into(),
        ],
    )];
    for member in &input.members {
        statements.push(Statement::new(
            "INSERT OR IGNORE INTO support_team_members (team_id, professional_id) VALUES (?1, ?2)",
            vec![id.clone().into(), member.clone().into()],
        ));
    }
    statements.push(crate::audit::statement(
        env,
        req,
        Some(&caller.sub),
        "team.create",
        Some(&id),
        Outcome::Allowed,
    ));
    let sql = env.sql(Database::Disaster).await?;
    sql.batch(&statements).await.map_err(|e| match e {
        StoreError::Constraint(_) => Error::Validation(vec![FieldError::new(
            "#/name",
            "a team of this name exists in the town",
            "同じ名前の班があります",
        )]),
        other => other.into(),
    })?;
    load(env, &id).await
}

pub async fn load(env: &Env, id: &str) -> Result<Team, Error> {
    let sql = env.sql(Database::Disaster).await?;
    let rows = sql
        .query(
            "SELECT t.id, t.municipality_code, t.name, \
             (SELECT group_concat(professional_id, ',') FROM support_team_members WHERE team_id = t.id) AS members, \
             (SELECT group_concat(district_code, ',') FROM support_assignments WHERE team_id = t.id AND district_code IS NOT NULL) AS districts, \
             (SELECT group_concat(person_id, ',') FROM support_assignments WHERE team_id = t.id AND person_id IS NOT NULL) AS people \
             FROM support_teams t WHERE t.id = ?1",
            &[id.into()],
        )
        .await?;
    let row = rows.first().ok_or(Error::NotFound)?;
    let list = |c: &str| -> Result<Vec<String>, StoreError> {
        Ok(row
            .opt_text(c)?
            .unwrap_or("")
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect())
    };
    Ok(Team {
        id: row.text("id")?.to_owned(),
        municipality_code: row.text("municipality_code")?.to_owned(),
        name: row.text("name")?.to_owned(),
        members: list("members")?,
        districts: list("districts")?,
        people: list("people")?,
    })
}

/// Assigns a district or one person of the team's town to the team.
pub async fn assign(
    env: &Env,
    req: &Request,
    caller: &Subject,
    team_id: &str,
    input: AssignmentInput,
) -> Result<Team, Error> {
    let team = load(env, team_id).await?;
    super::require_staff(env, req, caller, &team.municipality_code, "team.assign").await?;
    let sql = env.sql(Database::Disaster).await?;
    let (district, person) = match (input.district_code, input.person_id) {
        (Some(d), None) => {
            let known = sql
                .query(
                    "SELECT 1 FROM districts WHERE municipality_code = ?1 AND code = ?2",
                    &[team.municipality_code.clone().into(), d.clone().into()],
                )
                .await?;
            if known.is_empty() {
                return Err(Error::Validation(vec![FieldError::new(
                    "#/district_code",
                    "no such district in the team's town",
                    "班の市区町村にその地区はありません",
                )]));
            }
            (Some(d), None)
        }
        (None, Some(p)) => {
            let known = sql
                .query(
                    "SELECT 1 FROM register_people WHERE municipality_code = ?1 AND id = ?2",
                    &[team.municipality_code.clone().into(), p.clone().into()],
                )
                .await?;
            if known.is_empty() {
                return Err(Error::Validation(vec![FieldError::new(
                    "#/person_id",
                    "no such person in the team's town",
                    "班の市区町村の名簿にその人はいません",
                )]));
            }
            (None, Some(p))
        }
        _ => {
            return Err(Error::Validation(vec![FieldError::new(
                "#",
                "give district_code or person_id, not both",
                "district_code か person_id のどちらか一方を指定してください",
            )]));
        }
    };
    sql.batch(&[
        Statement::new(
            "INSERT OR IGNORE INTO support_assignments (team_id, municipality_code, district_code, person_id) \
             VALUES (?1, ?2, ?3, ?4)",
            vec![
                team_id.into(),
                team.municipality_code.clone().into(),
                district.into(),
                person.into(),
            ],
        ),
        crate::audit::statement(
            env,
            req,
            Some(&caller.sub),
            "team.assign",
            Some(team_id),
            Outcome::Allowed,
        ),
    ])
    .await?;
    load(env, team_id).await
}
