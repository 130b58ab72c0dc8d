//! Nearby resources for a patient (周辺資源): the resource map's search around the
//! patient's home, for their care team only; "introduce" records the suggestion on the
//! timeline with a link to the printable handout.

use serde::{Deserialize, Serialize};

use super::patients::Member;
use super::timeline::{self, NewPost, Post};
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::{Request, query_param};
use crate::ports::Database;
use crate::resources::search::{self, Hit, Near, SearchQuery};

pub const DEFAULT_RADIUS_M: f64 = 2_000.0;
const MAX_INTRODUCED: usize = 20;

#[derive(Debug, Serialize)]
pub struct Nearby {
    pub patient_id: String,
    pub radius_m: f64,
    pub items: Vec<Hit>,
    /// The portal's A4 handout of these resources.
    pub print_url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Introduction {
    pub resource_ids: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

fn print_url(ids: &[&str]) -> String {
    format!("/resources/print?ids={}", ids.join(","))
}

async fn home(env: &Env, patient: &str) -> Result<(f64, f64), Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT lat, lng FROM patients WHERE id = ?1",
            &[patient.into()],
        )
        .await?;
    let row = rows.first().ok_or(Error::NotFound)?;
    match (row.opt_real("lat")?, row.opt_real("lng")?) {
        (Some(lat), Some(lng)) => Ok((lat, lng)),
        _ => Err(Error::Validation(vec![FieldError::new(
            "lat",
            "the patient has no home location; add latitude and longitude first",
            "利用者の自宅の位置（緯度・経度）が登録されていません",
        )])),
    }
}

/// `GET /api/v1/patients/{id}/nearby?category=&q=&radius_m=&limit=` (`q`: words, as a
/// questionnaire's result suggests them).
pub async fn find(env: &Env, req: &Request, member: &Member) -> Result<Nearby, Error> {
    let patient = member.patient.as_str();
    let (lat, lng) = home(env, patient).await?;
    let radius_m = match query_param(req, "radius_m") {
        None => DEFAULT_RADIUS_M,
        Some(r) => r
            .parse::<f64>()
            .ok()
            .filter(|r| (1.0..=search::MAX_RADIUS_M).contains(r))
            .ok_or_else(|| {
                Error::Validation(vec![FieldError::new(
                    "?radius_m",
                    "must be 1 to 30000 metres",
                    "半径は1〜30000メートルです",
                )])
            })?,
    };
    let limit = query_param(req, "limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| (1..=search::MAX_LIMIT).contains(l))
        .unwrap_or(search::DEFAULT_LIMIT);
    let query = SearchQuery {
        category: query_param(req, "category").filter(|c| !c.is_empty()),
        words: query_param(req, "q").filter(|q| !q.trim().is_empty()),
        open_on: None,
        near: Some(Near { lat, lng, radius_m }),
        limit,
        ..SearchQuery::default()
    };
    let page = search::search(env, &query).await?;
    member.record(env, req, "patient.nearby").await?;
    let ids: Vec<&str> = page.items.iter().map(|h| h.resource.id.as_str()).collect();
    Ok(Nearby {
        patient_id: patient.to_owned(),
        radius_m,
        print_url: print_url(&ids),
        items: page.items,
    })
}

/// The introduction post and the handout to print for the patient.
#[derive(Debug, serde::Serialize)]
pub struct Introduced {
    #[serde(flatten)]
    pub post: Post,
    pub print_url: String,
}

/// Records on the timeline that these resources were introduced to the patient. With a
/// key, a retry returns the first post (as posts do).
pub async fn introduce(
    env: &Env,
    req: &Request,
    member: &Member,
    input: Introduction,
    key: Option<&str>,
) -> Result<Introduced, Error> {
    if input.resource_ids.is_empty() || input.resource_ids.len() > MAX_INTRODUCED {
        return Err(Error::Validation(vec![FieldError::new(
            "#/resource_ids",
            "1 to 20 resources",
            "紹介する資源を1〜20件選んでください",
        )]));
    }
    let mut lines = Vec::new();
    for id in &input.resource_ids {
        match crate::resources::get(env, id).await? {
            Some(r) if r.fields.status == crate::resources::Status::Published => {
                let when = r.schedule_text.join(" / ");
                lines.push(format!(
                    "・{}（{}）{}",
                    r.fields.name,
                    r.category_name,
                    if when.is_empty() {
                        String::new()
                    } else {
                        format!(" {when}")
                    }
                ));
            }
            _ => {
                return Err(Error::Validation(vec![FieldError::new(
                    "#/resource_ids",
                    format!("no published resource {id}"),
                    format!("公開中の資源 {id} が見つかりません"),
                )]));
            }
        }
    }
    let ids: Vec<&str> = input.resource_ids.iter().map(String::as_str).collect();
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| format!("{n}\n"))
        .unwrap_or_default();
    let body = format!(
        "{note}周辺資源を紹介しました:\n{}\n案内の印刷: {}",
        lines.join("\n"),
        print_url(&ids)
    );
    let (post, _) = timeline::create(
        env,
        req,
        member,
        NewPost {
            category: Some("contact".into()),
            body,
            attachments: Vec::new(),
            template: None,
            fields: None,
            share_with_family: false,
        },
        key,
    )
    .await?;
    Ok(Introduced {
        post,
        print_url: print_url(&ids),
    })
}
