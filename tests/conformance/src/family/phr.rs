//! Readings at home (PHR), thresholds, alerts and home blood pressure.

use crate::auth::with_token;
use crate::cases::{ensure_problem, expect_invalid_fields};
use crate::client::Client;

use super::*;

/// `YYYY-MM-DDTHH:MM:00+09:00`, `days` days ago in Japan.
fn jst_days_ago(days: i64, hour: u32, minute: u32) -> String {
    let now = i64::try_from(crate::auth::now_seconds() * 1000).unwrap_or(0);
    let d = rainbownet_core::time::jst(now - days * 86_400_000);
    format!(
        "{:04}-{:02}-{:02}T{hour:02}:{minute:02}:00+09:00",
        d.year, d.month, d.day
    )
}

pub(super) fn phr(c: &Client) -> Result<(), String> {
    let (patient, _, team) = invited(c, "phr-nurse")?;
    let (family, _, member) = family_member(c, &team, &patient, 65)?;
    let path = |tail: &str| format!("/api/v1/patients/{patient}{tail}");
    let send = |token: &str, method: &str, tail: &str, body: serde_json::Value| {
        with_token(c, method, &path(tail), token, Some(body.to_string()))
    };

    // Thresholds: the team's alone, checked field by field.
    let set = send(
        &team,
        "PUT",
        "/vital-thresholds",
        serde_json::json!({"thresholds": [{"kind": "blood_pressure", "above": 160}, {"kind": "spo2", "below": 92}]}),
    )?;
    ensure!(
        set.status == 200,
        "thresholds: {} {}",
        set.status,
        set.text()
    );
    expect_invalid_fields(
        &send(
            &team,
            "PUT",
            "/vital-thresholds",
            serde_json::json!({"thresholds": [{"kind": "mood", "above": 1}, {"kind": "pulse", "above": 50, "below": 60}]}),
        )?,
        &["#/thresholds/0/kind", "#/thresholds/1/below"],
    )?;
    ensure_problem(
        &send(
            &team,
            "PUT",
            "/vital-thresholds",
            serde_json::json!({"thresholds": "160"}),
        )?,
        400,
        "/problems/malformed-json",
    )?;
    ensure_problem(
        &send(
            &family,
            "PUT",
            "/vital-thresholds",
            serde_json::json!({"thresholds": []}),
        )?,
        403,
        "/problems/forbidden",
    )?;

    // A family reading above the threshold: one alert, also when the phone sends it again.
    // Eight days ago: outside the home blood pressure's week below.
    let high = serde_json::json!({"kind": "blood_pressure", "value": 172, "value2": 96,
        "measured_at": jst_days_ago(8, 7, 0)});
    let record = |token: &str, key: &str, body: &serde_json::Value| {
        c.request(
            "POST",
            &path("/vitals"),
            &[
                ("content-type", "application/json"),
                ("authorization", &format!("Bearer {token}")),
                ("idempotency-key", key),
            ],
            Some(body.to_string().into_bytes()),
        )
    };
    let first = record(&family, "phr-high-1", &high)?;
    ensure!(
        first.status == 201,
        "family reading: {} {}",
        first.status,
        first.text()
    );
    let reading = first.json()?;
    ensure!(
        reading["recorded_by"]["kind"] == "family"
            && reading["recorded_by"]["id"] == member.as_str(),
        "recorded by the family: {reading}"
    );
    let again = record(&family, "phr-high-1", &high)?.json()?;
    ensure!(
        again["id"] == reading["id"],
        "a replay is the first reading"
    );
    ensure!(
        record(
            &family,
            "phr-normal",
            &serde_json::json!({"kind": "blood_pressure", "value": 121, "value2": 74,
            "measured_at": jst_days_ago(8, 7, 30)})
        )?
        .status
            == 201,
        "a normal reading"
    );
    expect_invalid_fields(
        &record(
            &family,
            "phr-typo",
            &serde_json::json!({"kind": "blood_pressure", "value": 400, "value2": 74}),
        )?,
        &["#/value"],
    )?;
    ensure!(
        record(
            &team,
            "phr-spo2",
            &serde_json::json!({"kind": "spo2", "value": 90})
        )?
        .status
            == 201,
        "the team's reading"
    );
    let alerts = with_token(c, "GET", &path("/alerts"), &team, None)?;
    ensure!(
        alerts.status == 200,
        "alerts: {} {}",
        alerts.status,
        alerts.text()
    );
    let items = alerts.json()?["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(
        items.len() == 2
            && items[0]["kind"] == "spo2"
            && items[1]["kind"] == "blood_pressure"
            && items[1]["reading"]["recorded_by"]["kind"] == "family"
            && items[1]["reading"]["recorded_by"]["id"] == member.as_str()
            && items[1]["reading"]["value"] == 172.0
            && items[1]["threshold"]["above"] == 160.0,
        "two alerts, newest first: {items:?}"
    );
    ensure_problem(
        &with_token(c, "GET", &path("/alerts"), &family, None)?,
        403,
        "/problems/forbidden",
    )?;
    let alert = items[1]["id"].as_str().unwrap_or_default().to_owned();
    let ack = with_token(
        c,
        "POST",
        &path(&format!("/alerts/{alert}/ack")),
        &team,
        None,
    )?;
    ensure!(ack.status == 200, "ack: {} {}", ack.status, ack.text());
    let acked = ack.json()?;
    ensure!(
        acked["acknowledged_by"]["name"].is_string(),
        "acknowledged by whom: {acked}"
    );
    let twice = with_token(
        c,
        "POST",
        &path(&format!("/alerts/{alert}/ack")),
        &team,
        None,
    )?
    .json()?;
    ensure!(
        twice["acknowledged_at"] == acked["acknowledged_at"],
        "the first acknowledgement stands"
    );
    ensure_problem(
        &with_token(
            c,
            "POST",
            &path("/alerts/01J0000000000000000000NONE/ack"),
            &team,
            None,
        )?,
        404,
        "/problems/not-found",
    )?;
    let open = with_token(c, "GET", &path("/alerts?open=true"), &team, None)?.json()?;
    ensure!(
        open["items"].as_array().map(Vec::len) == Some(1),
        "one open alert: {open}"
    );

    // Both see both kinds of reading, each marked.
    let series = with_token(c, "GET", &path("/vitals"), &family, None)?;
    ensure!(
        series.status == 200,
        "family reads vitals: {}",
        series.status
    );
    let series = series.json()?["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(
        series.len() == 3
            && series
                .iter()
                .filter(|v| v["recorded_by"]["kind"] == "family")
                .count()
                == 2,
        "the team's and the family's readings: {series:?}"
    );

    // Home blood pressure: five mornings, each two readings two minutes apart.
    for day in 1..=5 {
        for (minute, sys, dia) in [(0, 140, 88), (2, 136, 84)] {
            let body = serde_json::json!({"kind": "blood_pressure", "value": sys, "value2": dia,
                "measured_at": jst_days_ago(day, 7, minute)});
            let resp = record(&family, &format!("phr-home-{day}-{minute}"), &body)?;
            ensure!(
                resp.status == 201,
                "home reading: {} {}",
                resp.status,
                resp.text()
            );
        }
        // An evening reading: not part of the morning mean.
        let evening = serde_json::json!({"kind": "blood_pressure", "value": 110, "value2": 60,
            "measured_at": jst_days_ago(day, 21, 0)});
        record(&family, &format!("phr-evening-{day}"), &evening)?;
    }
    let home = with_token(c, "GET", &path("/vitals/home-bp?days=7"), &team, None)?;
    ensure!(
        home.status == 200,
        "home-bp: {} {}",
        home.status,
        home.text()
    );
    let home = home.json()?;
    ensure!(
        home["occasions"] == 5
            && home["days_with_readings"] == 5
            && home["systolic_mean"] == 138.0
            && home["diastolic_mean"] == 86.0
            && home["home_hypertension"] == true
            && home["sufficient"] == true,
        "home blood pressure: {home}"
    );
    let from_family = with_token(c, "GET", &path("/vitals/home-bp"), &family, None)?;
    ensure!(
        from_family.status == 200,
        "the family reads home-bp: {}",
        from_family.status
    );
    for bad in ["0", "91", "week"] {
        let resp = with_token(
            c,
            "GET",
            &path(&format!("/vitals/home-bp?days={bad}")),
            &team,
            None,
        )?;
        ensure!(resp.status == 422, "days={bad}: {}", resp.status);
    }

    // FHIR: the family's readings are observations of a RelatedPerson.
    let fhir = with_token(c, "GET", &path("/fhir"), &team, None)?.json()?;
    let entries = fhir["entry"].as_array().cloned().unwrap_or_default();
    let resource = |e: &serde_json::Value| e["resource"].clone();
    ensure!(
        entries
            .iter()
            .map(resource)
            .any(|r| r["resourceType"] == "RelatedPerson" && r["id"] == member.as_str())
            && entries
                .iter()
                .map(resource)
                .any(|r| r["resourceType"] == "Observation"
                    && r["performer"][0]["reference"] == format!("RelatedPerson/{member}")),
        "FHIR: RelatedPerson and its observations"
    );
    Ok(())
}
