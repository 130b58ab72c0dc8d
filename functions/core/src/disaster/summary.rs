//! The HQ's live totals per municipality and district, the 要確認 list (the follow-up list
//! once the event is closed) and their CSV; who may read them and how each read is
//! recorded. The figures themselves, and what an instance keeps of them: `figures`.

use std::sync::Arc;

use serde::Serialize;
use serde::ser::SerializeStruct;

use super::events::{self, Event};
use super::figures::{self, Figures, KeptFigures, Totals};
use crate::audit::Outcome;
use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Database, Value};

#[derive(Debug)]
pub struct Summary {
    pub event: Event,
    pub generated_at: String,
    pub figures: Arc<Figures>,
}

impl Serialize for Summary {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Summary", 4)?;
        out.serialize_field("event", &self.event)?;
        out.serialize_field("generated_at", &self.generated_at)?;
        out.serialize_field("totals", &self.figures.totals)?;
        out.serialize_field("municipalities", &self.figures.municipalities_json)?;
        out.end()
    }
}

/// How a read of the event's figures is recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logged {
    /// A screen polling the live totals: once per caller and event a minute.
    OncePerMinute,
    /// An export, or a list of people: every time.
    EveryTime,
}

/// The event, if the caller is staff (or HQ) of at least one town it covers; the towns the
/// caller may see named people of.
async fn for_staff(
    env: &Env,
    req: &Request,
    caller: &Subject,
    event_id: &str,
    (action, logged): (&str, Logged),
) -> Result<(Event, Vec<String>), Error> {
    let event = events::visible(env, req, caller, event_id, action).await?;
    let towns: Vec<String> = super::staff_towns(caller, &event)
        .into_iter()
        .cloned()
        .collect();
    if towns.is_empty() {
        super::audit(env, req, caller, action, Some(event_id), Outcome::Denied).await?;
        return Err(Error::Forbidden);
    }
    match logged {
        Logged::OncePerMinute => {
            crate::audit::record_poll_in(
                env,
                crate::ports::Database::Disaster,
                req,
                &caller.sub,
                action,
                event_id,
            )
            .await?
        }
        Logged::EveryTime => {
            super::audit(env, req, caller, action, Some(event_id), Outcome::Allowed).await?
        }
    }
    Ok((event, towns))
}

/// Live totals of the event by municipality and district, for the caller's towns; from
/// `kept` when nothing they are made of has changed since it was read.
pub async fn summary(
    env: &Env,
    req: &Request,
    caller: &Subject,
    event_id: &str,
    logged: Logged,
    kept: &KeptFigures,
) -> Result<Summary, Error> {
    let (event, towns) = for_staff(env, req, caller, event_id, ("event.summary", logged)).await?;
    let sql = env.sql(Database::Disaster).await?;
    // Read before the figures: a write between the two makes the figures newer than the
    // version they are kept under, so the next poll reads again; never the other way.
    let version = sql
        .query("SELECT version FROM figures_version WHERE id = 1", &[])
        .await?
        .first()
        .map(|row| row.int("version"))
        .transpose()?;
    // Without its row the number never moves (the triggers update it): keep nothing then.
    let figures = match version.and_then(|v| kept.get(event_id, &towns, v)) {
        Some(figures) => figures,
        None => {
            let figures = Arc::new(figures::read(&*sql, event_id, &towns).await?);
            if let Some(version) = version {
                kept.put(event_id, &towns, version, &figures);
            }
            figures
        }
    };
    Ok(Summary {
        event,
        generated_at: crate::time::iso8601(env.clock.now_millis()),
        figures,
    })
}

/// The summary as CSV: one row per district, then one per town and the grand total.
pub fn summary_csv(summary: &Summary) -> Result<Vec<u8>, Error> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let line = |town: &str, code: &str, name: &str, t: &Totals| {
        let reported = t.safe + t.needs_attention;
        let share = if t.total > 0 {
            format!("{:.1}", reported as f64 * 100.0 / t.total as f64)
        } else {
            String::new()
        };
        vec![
            town.to_owned(),
            code.to_owned(),
            name.to_owned(),
            t.total.to_string(),
            t.safe.to_string(),
            t.needs_attention.to_string(),
            t.not_yet.to_string(),
            share,
        ]
    };
    for town in &summary.figures.municipalities {
        for d in &town.districts {
            rows.push(line(
                &town.code,
                &d.code,
                d.name.as_deref().unwrap_or(""),
                &d.totals,
            ));
        }
        rows.push(line(&town.code, "", "市区町村計", &town.totals));
    }
    rows.push(line("", "", "合計", &summary.figures.totals));
    crate::csv_table::write(
        &[
            "市区町村コード",
            "地区コード",
            "地区名",
            "対象者数",
            "安全確認済み",
            "要確認",
            "未確認",
            "報告率(%)",
        ],
        rows,
    )
}

#[derive(Debug, Serialize)]
pub struct AttentionItem {
    pub person_id: String,
    pub name: String,
    pub municipality_code: String,
    pub district_code: String,
    pub district_name: Option<String>,
    pub address: String,
    pub phone: Option<String>,
    pub note: Option<String>,
    pub observed_at: String,
    pub reported_by: String,
    /// The reporter's name as their token carried it (absent for older check-ins).
    pub reported_by_name: Option<String>,
}

/// People whose latest check-in is 要確認, oldest first: the list the HQ works through,
/// and after closing the follow-up list (継続支援).
pub async fn attention(
    env: &Env,
    req: &Request,
    caller: &Subject,
    event_id: &str,
) -> Result<Vec<AttentionItem>, Error> {
    let (_, towns) = for_staff(
        env,
        req,
        caller,
        event_id,
        ("event.attention", Logged::EveryTime),
    )
    .await?;
    let mut params: Vec<Value> = vec![event_id.into()];
    let marks = crate::ports::bind_list(&mut params, towns.iter().cloned());
    let sql = env.sql(Database::Disaster).await?;
    let rows = sql
        .query(
            &format!(
                "SELECT p.id, p.name, p.municipality_code, p.district_code, d.name AS district_name, p.address, p.phone, \
                 c.note, l.observed_at, c.reported_by, c.reported_by_name FROM checkin_latest l \
                 JOIN checkins c ON c.id = l.checkin_id \
                 JOIN register_people p ON p.id = l.person_id \
                 LEFT JOIN districts d ON d.municipality_code = p.municipality_code AND d.code = p.district_code \
                 WHERE l.event_id = ?1 AND l.status = 'needs_attention' AND p.municipality_code IN ({marks}) \
                 ORDER BY l.observed_at, p.id LIMIT 5000"
            ),
            &params,
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(AttentionItem {
                person_id: r.text("id")?.to_owned(),
                name: r.text("name")?.to_owned(),
                municipality_code: r.text("municipality_code")?.to_owned(),
                district_code: r.text("district_code")?.to_owned(),
                district_name: r.opt_text("district_name")?.map(str::to_owned),
                address: r.text("address")?.to_owned(),
                phone: r.opt_text("phone")?.map(str::to_owned),
                note: r.opt_text("note")?.map(str::to_owned),
                observed_at: r.text("observed_at")?.to_owned(),
                reported_by: r.text("reported_by")?.to_owned(),
                reported_by_name: r.opt_text("reported_by_name")?.map(str::to_owned),
            })
        })
        .collect::<Result<_, crate::ports::StoreError>>()?)
}
