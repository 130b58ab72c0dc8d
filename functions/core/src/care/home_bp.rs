//! Home blood pressure as the Japanese Society of Hypertension's guideline (JSH 2019)
//! reads it: the morning readings measured at home (自己測定, recorded by the patient or
//! their family), readings a few minutes apart forming one occasion whose value is their
//! mean, then the mean of the occasions. Home hypertension is a mean of ≥135 mmHg systolic
//! and/or ≥85 mmHg diastolic; the guideline asks for at least five days of readings before
//! the mean is judged.

use serde::Serialize;

use super::family_caller::Reader;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::Database;

/// Readings within this time of an occasion's first reading belong to it.
const OCCASION_MS: i64 = 10 * 60 * 1000;
/// The morning, in Japan time: from 04:00 to 11:59 (the guideline's "within an hour of
/// waking, before breakfast and medication", for people who wake between 4 and 11).
const MORNING_MINUTES: std::ops::Range<u32> = 4 * 60..12 * 60;
/// Days of readings the guideline asks for before judging the mean.
pub const DAYS_NEEDED: usize = 5;
pub const SYSTOLIC_LIMIT: f64 = 135.0;
pub const DIASTOLIC_LIMIT: f64 = 85.0;

#[derive(Debug, PartialEq, Serialize)]
pub struct HomeBp {
    pub days: u32,
    pub occasions: usize,
    pub days_with_readings: usize,
    pub systolic_mean: Option<f64>,
    pub diastolic_mean: Option<f64>,
    /// `None` when there is no morning reading at all.
    pub home_hypertension: Option<bool>,
    /// At least five days of readings (the guideline's condition for judging the mean).
    pub sufficient: bool,
}

/// One home reading: when (ms since the epoch), systolic, diastolic.
pub type Reading = (i64, f64, f64);

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The summary of `readings` (any order) over `days` days.
pub fn summarise(days: u32, readings: &[Reading]) -> HomeBp {
    let mut morning: Vec<Reading> = readings
        .iter()
        .copied()
        .filter(|(at, _, _)| MORNING_MINUTES.contains(&crate::time::jst(*at).minute_of_day))
        .collect();
    morning.sort_by_key(|(at, _, _)| *at);
    // Each occasion: its first reading's time and the readings' sums.
    let mut occasions: Vec<(i64, f64, f64, u32)> = Vec::new();
    for (at, sys, dia) in morning {
        match occasions.last_mut() {
            Some((first, s, d, n)) if at - *first <= OCCASION_MS => {
                *s += sys;
                *d += dia;
                *n += 1;
            }
            _ => occasions.push((at, sys, dia, 1)),
        }
    }
    let mut dates: Vec<(i64, i64, i64)> = occasions
        .iter()
        .map(|(at, ..)| {
            let d = crate::time::jst(*at);
            (d.year, d.month, d.day)
        })
        .collect();
    dates.dedup();
    let count = occasions.len();
    let mean = |pick: fn(&(i64, f64, f64, u32)) -> f64| {
        (count > 0).then(|| occasions.iter().map(pick).sum::<f64>() / count as f64)
    };
    let systolic = mean(|(_, s, _, n)| s / f64::from(*n));
    let diastolic = mean(|(_, _, d, n)| d / f64::from(*n));
    HomeBp {
        days,
        occasions: count,
        days_with_readings: dates.len(),
        // Judged on the unrounded means: 134.96 is not 135.
        home_hypertension: systolic
            .zip(diastolic)
            .map(|(s, d)| s >= SYSTOLIC_LIMIT || d >= DIASTOLIC_LIMIT),
        systolic_mean: systolic.map(round1),
        diastolic_mean: diastolic.map(round1),
        sufficient: dates.len() >= DAYS_NEEDED,
    }
}

/// `days`: 1 to 90 (7 when absent).
pub fn parse_days(text: Option<&str>) -> Result<u32, Error> {
    match text {
        None => Ok(7),
        Some(t) => t
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=90).contains(d))
            .ok_or_else(|| {
                Error::Validation(vec![FieldError::new(
                    "days",
                    "days must be 1 to 90",
                    "日数は1〜90で指定してください",
                )])
            }),
    }
}

/// `GET /api/v1/patients/{id}/vitals/home-bp?days=N`: the family's blood pressure readings of
/// the last `days` days, summarised.
pub async fn summary(env: &Env, req: &Request, by: &Reader, days: u32) -> Result<HomeBp, Error> {
    let now = env.clock.now_millis();
    let since = crate::time::iso8601(now - i64::from(days) * 86_400_000);
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT measured_at, value, value2 FROM family_vitals \
             WHERE patient_id = ?1 AND kind = 'blood_pressure' AND measured_at >= ?2 \
             ORDER BY measured_at LIMIT 2000",
            &[by.patient().into(), since.into()],
        )
        .await?;
    let mut readings = Vec::with_capacity(rows.len());
    for row in rows.iter() {
        if let (Some(at), Some(dia)) = (
            crate::time::parse_rfc3339(row.text("measured_at")?),
            row.opt_real("value2")?,
        ) {
            readings.push((at, row.real("value")?, dia));
        }
    }
    by.record(env, req, "vitals.home_bp").await?;
    Ok(summarise(days, &readings))
}

#[cfg(test)]
mod tests {
    use super::{HomeBp, summarise};

    /// 2026-12-01 00:00 in Japan, as ms since the epoch.
    const DEC1_JST: i64 = 1_796_050_800_000;
    const MIN: i64 = 60_000;
    const DAY: i64 = 86_400_000;

    fn at(day: i64, hour: i64, minute: i64) -> i64 {
        DEC1_JST + day * DAY + hour * 60 * MIN + minute * MIN
    }

    #[test]
    fn an_occasion_is_the_mean_of_its_readings_then_the_occasions_are_averaged() {
        // Day 0: two readings two minutes apart (140/90, 130/80 → 135/85); day 1: one (125/75).
        let readings = [
            (at(0, 7, 0), 140.0, 90.0),
            (at(0, 7, 2), 130.0, 80.0),
            (at(1, 6, 30), 125.0, 75.0),
        ];
        let s = summarise(7, &readings);
        assert_eq!(s.occasions, 2);
        assert_eq!(s.days_with_readings, 2);
        assert_eq!(s.systolic_mean, Some(130.0));
        assert_eq!(s.diastolic_mean, Some(80.0));
        assert_eq!(s.home_hypertension, Some(false));
        assert!(!s.sufficient);
    }

    #[test]
    fn evening_readings_and_readings_far_apart_are_not_one_morning_occasion() {
        let readings = [
            (at(0, 7, 0), 120.0, 70.0),
            (at(0, 7, 11), 160.0, 100.0), // 11 minutes later: a second occasion
            (at(0, 21, 0), 200.0, 120.0), // evening: not counted
            (at(0, 3, 59), 200.0, 120.0), // before 4:00: not morning
            (at(0, 12, 0), 200.0, 120.0), // noon: not morning
        ];
        let s = summarise(7, &readings);
        assert_eq!(s.occasions, 2);
        assert_eq!(s.days_with_readings, 1);
        assert_eq!(s.systolic_mean, Some(140.0));
    }

    #[test]
    fn home_hypertension_at_135_systolic_or_85_diastolic() {
        let one = |sys: f64, dia: f64| summarise(7, &[(at(0, 7, 0), sys, dia)]).home_hypertension;
        assert_eq!(one(135.0, 70.0), Some(true));
        assert_eq!(one(134.9, 84.9), Some(false));
        assert_eq!(one(120.0, 85.0), Some(true));
        assert_eq!(one(134.0, 84.0), Some(false));
        // Means: 134.5 and 135.5 average to 135 → hypertension.
        let two = summarise(7, &[(at(0, 7, 0), 134.5, 80.0), (at(1, 7, 0), 135.5, 80.0)]);
        assert_eq!(two.home_hypertension, Some(true));
    }

    #[test]
    fn five_days_are_sufficient_and_no_readings_judge_nothing() {
        let week: Vec<_> = (0..5).map(|d| (at(d, 7, 0), 120.0, 70.0)).collect();
        assert!(summarise(7, &week).sufficient);
        assert!(!summarise(7, &week[..4]).sufficient);
        assert_eq!(
            summarise(7, &[]),
            HomeBp {
                days: 7,
                occasions: 0,
                days_with_readings: 0,
                systolic_mean: None,
                diastolic_mean: None,
                home_hypertension: None,
                sufficient: false,
            }
        );
    }
}
