//! The usage figures a network reports to its council (協議会): organizations,
//! professionals, patients, resources and timeline activity, in total and per month
//! (Japan time) for the last twelve months. Counts only, never a patient's record: a
//! sysadmin sees the region or any town, municipal staff their own town.

use serde::Serialize;

use crate::auth::role::Role;
use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::ports::{Database, Value};

pub const MONTHS: i64 = 12;

#[derive(Debug, Default, Serialize)]
pub struct Totals {
    pub organizations: i64,
    pub professionals: i64,
    pub patients: i64,
    pub patients_consent_revoked: i64,
    pub resources_published: i64,
    pub posts: i64,
    pub projects: i64,
    pub messages: i64,
}

#[derive(Debug, Default, Serialize)]
pub struct Month {
    /// `YYYY-MM`, Japan time.
    pub month: String,
    pub professionals_joined: i64,
    pub patients_registered: i64,
    pub posts: i64,
    pub vitals: i64,
    /// Professionals who posted on a patient timeline that month.
    pub active_professionals: i64,
}

#[derive(Debug, Serialize)]
pub struct Usage {
    /// `None`: the whole region.
    pub municipality_code: Option<String>,
    pub generated_at: String,
    pub totals: Totals,
    pub months: Vec<Month>,
}

/// Which town the caller may see figures of (`None`: the region, sysadmin only).
pub fn scope(caller: &Subject, asked: Option<&str>) -> Result<Option<String>, Error> {
    if let Some(code) = asked
        && !crate::public::municipalities::is_code(code)
    {
        return Err(Error::Validation(vec![FieldError::new(
            "?municipality",
            "must be a 5-digit municipality code",
            "5桁の市区町村コードを指定してください",
        )]));
    }
    if caller.has(Role::Sysadmin) {
        return Ok(asked.map(str::to_owned));
    }
    if caller.has(Role::MunicipalStaff) {
        let own = caller.municipality.clone().ok_or(Error::Forbidden)?;
        return match asked {
            None => Ok(Some(own)),
            Some(code) if code == own => Ok(Some(own)),
            Some(_) => Err(Error::Forbidden),
        };
    }
    Err(Error::Forbidden)
}

/// The twelve month keys ending with the current one (Japan time), oldest first.
fn month_keys(now_millis: i64) -> Vec<String> {
    let now = crate::time::jst(now_millis);
    (0..MONTHS)
        .rev()
        .map(|back| {
            let index = now.year * 12 + (now.month - 1) - back;
            format!(
                "{:04}-{:02}",
                index.div_euclid(12),
                index.rem_euclid(12) + 1
            )
        })
        .collect()
}

pub async fn report(env: &Env, town: Option<&str>) -> Result<Usage, Error> {
    let now = env.clock.now_millis();
    let months = month_keys(now);
    let first = months.first().cloned().unwrap_or_default();
    let care = env.sql(Database::Care).await?;
    let town_value: Value = town.into();
    // Every figure filtered by the town of its organization or patient (NULL: all).
    let totals = care
        .query(
            "SELECT \
             (SELECT count(*) FROM organizations WHERE ?1 IS NULL OR municipality_code = ?1) AS organizations, \
             (SELECT count(*) FROM professionals p JOIN organizations o ON o.id = p.organization_id \
                WHERE p.status = 'active' AND (?1 IS NULL OR o.municipality_code = ?1)) AS professionals, \
             (SELECT count(*) FROM patients WHERE status = 'active' AND (?1 IS NULL OR municipality_code = ?1)) AS patients, \
             (SELECT count(*) FROM patients WHERE status = 'consent_revoked' AND (?1 IS NULL OR municipality_code = ?1)) AS revoked, \
             (SELECT count(*) FROM posts po JOIN patients pa ON pa.id = po.patient_id WHERE ?1 IS NULL OR pa.municipality_code = ?1) AS posts, \
             (SELECT count(*) FROM projects WHERE ?1 IS NULL OR municipality_code = ?1) AS projects, \
             (SELECT count(*) FROM messages m JOIN professionals p ON p.id = m.sender_id JOIN organizations o ON o.id = p.organization_id \
                WHERE ?1 IS NULL OR o.municipality_code = ?1) AS messages",
            std::slice::from_ref(&town_value),
        )
        .await?;
    let row = totals.first().ok_or(Error::NotFound)?;
    let mut out = Totals {
        organizations: row.int("organizations")?,
        professionals: row.int("professionals")?,
        patients: row.int("patients")?,
        patients_consent_revoked: row.int("revoked")?,
        posts: row.int("posts")?,
        projects: row.int("projects")?,
        messages: row.int("messages")?,
        resources_published: 0,
    };
    let public = env.sql(Database::Public).await?;
    let resources = public
        .query(
            "SELECT count(*) AS n FROM resources WHERE status = 'published' AND (?1 IS NULL OR municipality_code = ?1)",
            std::slice::from_ref(&town_value),
        )
        .await?;
    out.resources_published = resources
        .first()
        .map(|r| r.int("n"))
        .transpose()?
        .unwrap_or(0);

    let mut series: Vec<Month> = months
        .iter()
        .map(|m| Month {
            month: m.clone(),
            ..Month::default()
        })
        .collect();
    // One grouped query per measure; months with nothing stay at zero.
    let per_month = [
        "SELECT strftime('%Y-%m', p.created_at, '+9 hours') AS month, count(*) AS n FROM professionals p \
         JOIN organizations o ON o.id = p.organization_id WHERE (?1 IS NULL OR o.municipality_code = ?1) \
         AND strftime('%Y-%m', p.created_at, '+9 hours') >= ?2 GROUP BY month",
        "SELECT strftime('%Y-%m', created_at, '+9 hours') AS month, count(*) AS n FROM patients \
         WHERE (?1 IS NULL OR municipality_code = ?1) AND strftime('%Y-%m', created_at, '+9 hours') >= ?2 GROUP BY month",
        "SELECT strftime('%Y-%m', po.created_at, '+9 hours') AS month, count(*) AS n FROM posts po \
         JOIN patients pa ON pa.id = po.patient_id WHERE (?1 IS NULL OR pa.municipality_code = ?1) \
         AND strftime('%Y-%m', po.created_at, '+9 hours') >= ?2 GROUP BY month",
        "SELECT strftime('%Y-%m', v.measured_at, '+9 hours') AS month, count(*) AS n FROM vitals v \
         JOIN patients pa ON pa.id = v.patient_id WHERE (?1 IS NULL OR pa.municipality_code = ?1) \
         AND strftime('%Y-%m', v.measured_at, '+9 hours') >= ?2 GROUP BY month",
        "SELECT strftime('%Y-%m', po.created_at, '+9 hours') AS month, count(DISTINCT po.author_id) AS n FROM posts po \
         JOIN patients pa ON pa.id = po.patient_id WHERE (?1 IS NULL OR pa.municipality_code = ?1) \
         AND strftime('%Y-%m', po.created_at, '+9 hours') >= ?2 GROUP BY month",
    ];
    for (measure, query) in per_month.iter().enumerate() {
        let rows = care
            .query(query, &[town_value.clone(), first.clone().into()])
            .await?;
        for r in rows.iter() {
            let Some(m) = series
                .iter_mut()
                .find(|m| r.opt_text("month").ok().flatten() == Some(m.month.as_str()))
            else {
                continue;
            };
            let n = r.int("n")?;
            match measure {
                0 => m.professionals_joined = n,
                1 => m.patients_registered = n,
                2 => m.posts = n,
                3 => m.vitals = n,
                _ => m.active_professionals = n,
            }
        }
    }
    Ok(Usage {
        municipality_code: town.map(str::to_owned),
        generated_at: crate::time::iso8601(now),
        totals: out,
        months: series,
    })
}

/// The monthly figures as CSV (UTF-8 with BOM, for Excel), with Japanese headers.
pub fn csv(usage: &Usage) -> Result<Vec<u8>, Error> {
    crate::csv_table::write(
        &[
            "月",
            "新規専門職",
            "新規患者登録",
            "投稿数",
            "バイタル記録数",
            "投稿した専門職数",
        ],
        usage.months.iter().map(|m| {
            vec![
                m.month.clone(),
                m.professionals_joined.to_string(),
                m.patients_registered.to_string(),
                m.posts.to_string(),
                m.vitals.to_string(),
                m.active_professionals.to_string(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::Word;

    #[test]
    fn twelve_months_end_with_this_one_in_japan_time() {
        // 2026-01-31T16:00Z is already February in Japan.
        let millis = crate::time::parse_rfc3339("2026-01-31T16:00:00Z").unwrap();
        let keys = month_keys(millis);
        assert_eq!(keys.len(), 12);
        assert_eq!(keys.first().unwrap(), "2025-03");
        assert_eq!(keys.last().unwrap(), "2026-02");
    }

    #[test]
    fn staff_see_their_own_town_and_sysadmins_any() {
        let subject = |roles: &[&str]| Subject {
            sub: "01P".into(),
            roles: roles.iter().filter_map(|r| Role::parse(r)).collect(),
            org: None,
            municipality: Some("23233".into()),
            jti: "01J".into(),
            sid: None,
            name: None,
            patient: None,
        };
        assert_eq!(
            scope(&subject(&["municipal_staff"]), None)
                .unwrap()
                .as_deref(),
            Some("23233")
        );
        assert!(scope(&subject(&["municipal_staff"]), Some("23342")).is_err());
        assert!(scope(&subject(&["professional"]), None).is_err());
        assert_eq!(scope(&subject(&["sysadmin"]), None).unwrap(), None);
        assert!(scope(&subject(&["sysadmin"]), Some("x")).is_err());
    }
}
