//! Reading an event's check-ins: the people a supporter is to check on, under the consent
//! rule, and the HQ's full history as CSV.

use serde::Serialize;

use crate::audit::Outcome;
use crate::auth::token::Subject;
use crate::disaster::events;
use crate::disaster::register::{PERSON_COLUMNS, PERSON_FROM, Person};
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::Database;

/// A person on a supporter's list during an event, with their current state.
#[derive(Debug, Serialize)]
pub struct EventPerson {
    #[serde(flatten)]
    pub person: Person,
    pub status: String,
    pub note: Option<String>,
    pub checked_at: Option<String>,
    pub checked_by: Option<String>,
}

/// The people of the event the caller is to check on (all of a town for its staff), with
/// the latest check-in of each. Consent rule: while the event is open every assigned
/// person; once closed, those who consented, or who are still 要確認 and were reported 要確認
/// *while the event was open* (the follow-up list). A check-in received after the close (a
/// phone that queued it offline) is kept and counted, but widens nothing.
pub async fn people(
    env: &Env,
    req: &Request,
    caller: &Subject,
    event_id: &str,
    district: Option<&str>,
) -> Result<Vec<EventPerson>, Error> {
    let event = events::visible(env, req, caller, event_id, "event.people").await?;
    let staff_towns = crate::disaster::staff_towns(caller, &event);
    let mut params: Vec<crate::ports::Value> =
        vec![event_id.into(), caller.sub.clone().into(), district.into()];
    let staff_rule = if staff_towns.is_empty() {
        "0".to_owned()
    } else {
        let marks = crate::ports::bind_list(&mut params, staff_towns.into_iter().cloned());
        format!("p.municipality_code IN ({marks})")
    };
    let consent_rule = if event.is_open() {
        "1"
    } else {
        "(p.consent = 1 OR (l.status = 'needs_attention' AND EXISTS (SELECT 1 FROM checkins x \
         WHERE x.event_id = ?1 AND x.person_id = p.id AND x.status = 'needs_attention' AND x.after_close = 0)))"
    };
    let sql = env.sql(Database::Disaster).await?;
    let rows = sql
        .query(
            &format!(
                "SELECT {PERSON_COLUMNS}, coalesce(l.status, 'not_yet') AS status, c.note AS note, \
                 l.observed_at AS checked_at, c.reported_by AS checked_by \
                 FROM {PERSON_FROM} \
                 JOIN event_municipalities em ON em.event_id = ?1 AND em.municipality_code = p.municipality_code \
                 LEFT JOIN checkin_latest l ON l.event_id = ?1 AND l.person_id = p.id \
                 LEFT JOIN checkins c ON c.id = l.checkin_id \
                 WHERE ({staff_rule} OR ({} AND {consent_rule})) \
                 AND (?3 IS NULL OR p.district_code = ?3) \
                 ORDER BY p.district_code, p.name_kana, p.id LIMIT 20000",
                crate::disaster::assigned_to(2)
            ),
            &params,
        )
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(EventPerson {
                person: Person::from_row(&r)?,
                status: r.text("status")?.to_owned(),
                note: r.opt_text("note")?.map(str::to_owned),
                checked_at: r.opt_text("checked_at")?.map(str::to_owned),
                checked_by: r.opt_text("checked_by")?.map(str::to_owned),
            })
        })
        .collect::<Result<Vec<_>, crate::ports::StoreError>>()?;
    crate::disaster::audit(
        env,
        req,
        caller,
        "event.people",
        Some(event_id),
        Outcome::Allowed,
    )
    .await?;
    Ok(items)
}

/// The full history of an event's check-ins as CSV (ids, no names), for the HQ's records.
pub async fn history_csv(
    env: &Env,
    req: &Request,
    caller: &Subject,
    event_id: &str,
) -> Result<Vec<u8>, Error> {
    let event = events::visible(env, req, caller, event_id, "event.history").await?;
    let towns = crate::disaster::staff_towns(caller, &event);
    if towns.is_empty() {
        crate::disaster::audit(
            env,
            req,
            caller,
            "event.history",
            Some(event_id),
            Outcome::Denied,
        )
        .await?;
        return Err(Error::Forbidden);
    }
    let sql = env.sql(Database::Disaster).await?;
    let mut rows_out = Vec::new();
    let mut after = String::new();
    // Paged by id so that no single read grows past the platform's limits; only the towns
    // the caller is staff of.
    loop {
        let mut params: Vec<crate::ports::Value> = vec![event_id.into(), after.clone().into()];
        let marks = crate::ports::bind_list(&mut params, towns.iter().map(|t| (*t).clone()));
        let rows = sql
            .query(
                &format!(
                    "SELECT c.id, c.person_id, p.municipality_code, p.district_code, c.status, c.note, c.observed_at, \
                     c.received_at, c.reported_by, c.reported_by_name FROM checkins c JOIN register_people p ON p.id = c.person_id \
                     WHERE c.event_id = ?1 AND c.id > ?2 AND p.municipality_code IN ({marks}) ORDER BY c.id LIMIT 5000"
                ),
                &params,
            )
            .await?;
        for r in rows.iter() {
            rows_out.push(vec![
                r.text("id")?.to_owned(),
                r.text("person_id")?.to_owned(),
                r.text("municipality_code")?.to_owned(),
                r.text("district_code")?.to_owned(),
                r.text("status")?.to_owned(),
                r.opt_text("note")?.unwrap_or("").to_owned(),
                r.text("observed_at")?.to_owned(),
                r.text("received_at")?.to_owned(),
                r.text("reported_by")?.to_owned(),
                r.opt_text("reported_by_name")?.unwrap_or("").to_owned(),
            ]);
        }
        match rows.iter().last() {
            Some(last) if rows.len() == 5000 => after = last.text("id")?.to_owned(),
            _ => break,
        }
    }
    crate::disaster::audit(
        env,
        req,
        caller,
        "event.history",
        Some(event_id),
        Outcome::Allowed,
    )
    .await?;
    crate::csv_table::write(
        &[
            "checkin_id",
            "person_id",
            "municipality_code",
            "district_code",
            "status",
            "note",
            "observed_at",
            "received_at",
            "reported_by",
            "reported_by_name",
        ],
        rows_out,
    )
}
