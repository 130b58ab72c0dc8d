//! Questionnaires a town or an organization writes for itself (yes/no, choice, number,
//! text): stored as plain items, served as FHIR R4 Questionnaires, answered with
//! QuestionnaireResponses checked item by item like the 基本チェックリスト. Municipal staff
//! write their town's forms, org admins their organization's; a professional sends the
//! built-in forms, their town's and their organization's.

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::auth::role::Role;
use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Row, Statement, StoreError};

const MAX_ITEMS: usize = 50;
const MAX_OPTIONS: usize = 10;

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    Boolean,
    Choice,
    Decimal,
    Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewForm {
    pub title: String,
    pub items: Vec<NewItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    pub text: String,
    #[serde(rename = "type")]
    pub kind: ItemType,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

/// An item as stored: its linkId is its position, from 1.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Item {
    #[serde(rename = "linkId")]
    pub link_id: String,
    pub text: String,
    #[serde(rename = "type")]
    pub kind: ItemType,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    pub required: bool,
}

#[derive(Debug, Serialize)]
pub struct Form {
    pub id: String,
    pub title: String,
    /// `municipality` or `organization`.
    pub owner: &'static str,
    pub items: Vec<Item>,
    pub created_at: String,
    pub retired_at: Option<String>,
}

fn check(input: &NewForm) -> Result<(), Error> {
    let mut errors = Vec::new();
    if let Some(e) = FieldError::length("#/title", &input.title, 100, "題名") {
        errors.push(e);
    }
    if input.items.is_empty() || input.items.len() > MAX_ITEMS {
        errors.push(FieldError::new(
            "#/items",
            format!("one to {MAX_ITEMS} questions"),
            format!("質問は1〜{MAX_ITEMS}問です"),
        ));
        return Err(Error::Validation(errors));
    }
    for (i, item) in input.items.iter().enumerate() {
        if let Some(e) = FieldError::length(&format!("#/items/{i}/text"), &item.text, 500, "質問")
        {
            errors.push(e);
        }
        let options_ok = item
            .options
            .iter()
            .all(|o| !o.trim().is_empty() && o.chars().count() <= 100);
        match item.kind {
            ItemType::Choice if !(2..=MAX_OPTIONS).contains(&item.options.len()) || !options_ok => {
                errors.push(FieldError::new(
                    format!("#/items/{i}/options"),
                    format!("a choice has 2 to {MAX_OPTIONS} options of 1 to 100 characters"),
                    format!("選択肢は2〜{MAX_OPTIONS}個（各100文字まで）です"),
                ));
            }
            ItemType::Choice => {}
            _ if !item.options.is_empty() => errors.push(FieldError::new(
                format!("#/items/{i}/options"),
                "only a choice has options",
                "選択肢は「選択」の質問だけに付けられます",
            )),
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// Where a caller's new form belongs: a municipal staff member's town, else an org admin's
/// organization; anyone else may not write forms.
fn owner(caller: &Subject) -> Result<(Option<String>, Option<String>), Error> {
    if caller.has(Role::MunicipalStaff) && caller.municipality.is_some() {
        Ok((caller.municipality.clone(), None))
    } else if caller.has(Role::OrgAdmin) && caller.org.is_some() {
        Ok((None, caller.org.clone()))
    } else {
        Err(Error::Forbidden)
    }
}

/// `POST /api/v1/care/questionnaires {title, items}`.
pub async fn create(
    env: &Env,
    req: &Request,
    caller: &Subject,
    input: NewForm,
) -> Result<Form, Error> {
    let (town, org) = match owner(caller) {
        Ok(o) => o,
        Err(e) => {
            crate::audit::record(
                env,
                req,
                Some(&caller.sub),
                "questionnaire.create",
                None,
                crate::audit::Outcome::Denied,
            )
            .await?;
            return Err(e);
        }
    };
    check(&input)?;
    let items: Vec<Item> = input
        .items
        .into_iter()
        .enumerate()
        .map(|(i, item)| Item {
            link_id: (i + 1).to_string(),
            text: item.text.trim().to_owned(),
            kind: item.kind,
            options: item.options.iter().map(|o| o.trim().to_owned()).collect(),
            required: item.required,
        })
        .collect();
    let id = env.new_id();
    let stored = serde_json::to_string(&items).map_err(|e| Error::Internal(e.to_string()))?;
    env.sql(Database::Care)
        .await?
        .batch(&[
            Statement::new(
                "INSERT INTO questionnaire_forms (id, title, municipality_code, organization_id, items, created_by, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                vec![
                    id.clone().into(),
                    input.title.trim().to_owned().into(),
                    town.into(),
                    org.into(),
                    stored.into(),
                    caller.sub.clone().into(),
                    crate::time::iso8601(env.clock.now_millis()).into(),
                ],
            ),
            crate::audit::statement(env, req, Some(&caller.sub), "questionnaire.create", Some(&id), crate::audit::Outcome::Allowed),
        ])
        .await?;
    find(env, &id).await?.ok_or(Error::NotFound)
}

fn from_row(row: &Row<'_>) -> Result<Form, StoreError> {
    Ok(Form {
        id: row.text("id")?.to_owned(),
        title: row.text("title")?.to_owned(),
        owner: if row.opt_text("municipality_code")?.is_some() {
            "municipality"
        } else {
            "organization"
        },
        items: serde_json::from_str(row.text("items")?).unwrap_or_default(),
        created_at: row.text("created_at")?.to_owned(),
        retired_at: row.opt_text("retired_at")?.map(str::to_owned),
    })
}

const SELECT: &str = "SELECT id, title, municipality_code, organization_id, items, created_at, retired_at FROM questionnaire_forms";

/// A form by id, retired or not (requests made before it retired still name it).
pub async fn find(env: &Env, id: &str) -> Result<Option<Form>, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(&format!("{SELECT} WHERE id = ?1"), &[id.into()])
        .await?;
    Ok(rows.first().map(|r| from_row(&r)).transpose()?)
}

/// The forms `caller` may send: their town's and their organization's, not retired.
pub async fn usable(env: &Env, caller: &Subject) -> Result<Vec<Form>, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            &format!(
                "{SELECT} WHERE retired_at IS NULL AND (municipality_code = ?1 OR organization_id = ?2) \
                 ORDER BY created_at DESC LIMIT 200"
            ),
            &[caller.municipality.clone().into(), caller.org.clone().into()],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| from_row(&r))
        .collect::<Result<_, _>>()?)
}

/// May `caller` send form `id`?
pub async fn may_send(env: &Env, caller: &Subject, id: &str) -> Result<bool, Error> {
    Ok(usable(env, caller).await?.iter().any(|f| f.id == id))
}

/// `POST /api/v1/care/questionnaires/{id}/retire`: by staff of the form's owner.
pub async fn retire(env: &Env, req: &Request, caller: &Subject, id: &str) -> Result<(), Error> {
    let (town, org) = owner(caller).unwrap_or((None, None));
    let sql = env.sql(Database::Care).await?;
    let done = sql
        .batch(&[
            Statement::new(
                "UPDATE questionnaire_forms SET retired_at = coalesce(retired_at, ?2) \
                 WHERE id = ?1 AND (municipality_code = ?3 OR organization_id = ?4)",
                vec![
                    id.into(),
                    crate::time::iso8601(env.clock.now_millis()).into(),
                    town.into(),
                    org.into(),
                ],
            ),
            Statement::changes(),
        ])
        .await?;
    let changed = crate::ports::changed_rows(&done, 1)?;
    let outcome = if changed == 1 {
        crate::audit::Outcome::Allowed
    } else {
        crate::audit::Outcome::Denied
    };
    crate::audit::record(
        env,
        req,
        Some(&caller.sub),
        "questionnaire.retire",
        Some(id),
        outcome,
    )
    .await?;
    if changed == 1 {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// The form as a FHIR R4 Questionnaire.
pub fn questionnaire(form: &Form) -> Json {
    let items: Vec<Json> = form
        .items
        .iter()
        .map(|item| {
            let mut fhir = json!({
                "linkId": item.link_id,
                "prefix": item.link_id,
                "text": item.text,
                "type": match item.kind {
                    ItemType::Boolean => "boolean",
                    ItemType::Choice => "choice",
                    ItemType::Decimal => "decimal",
                    ItemType::Text => "text",
                },
                "required": item.required,
            });
            if item.kind == ItemType::Choice {
                fhir["answerOption"] = item
                    .options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| json!({"valueCoding": {"code": (i + 1).to_string(), "display": o}}))
                    .collect();
            }
            fhir
        })
        .collect();
    json!({
        "resourceType": "Questionnaire",
        "id": form.id,
        "url": super::url(&form.id),
        "title": form.title,
        "status": if form.retired_at.is_some() { "retired" } else { "active" },
        "subjectType": ["Patient"],
        "item": items,
    })
}
