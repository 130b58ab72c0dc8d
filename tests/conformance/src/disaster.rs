//! Conformance cases of disaster check-ins (issue: 安否確認): the register import, the
//! consent rule, idempotent check-ins, and a surge of concurrent clients whose totals must
//! equal the ground truth the test computes itself.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use crate::auth::{Account, code, login, register_in, tokens, with_token};
use crate::cases::{Case, ensure_problem, expect_invalid_fields};
use crate::client::{Client, Resp};

pub const CASES: &[Case] = &[
    Case {
        name: "register: Shift_JIS import with broken rows by line; a re-run changes nothing",
        run: register_import,
    },
    Case {
        name: "consent rule: non-consenting people are staff-only until an event is declared",
        run: consent_rule,
    },
    Case {
        name: "check-ins: replays write nothing, reused keys 409, the latest observation wins, strangers 404",
        run: checkin_rules,
    },
    Case {
        name: "surge: 200 clients, 5,000 check-ins for 1,563 people with duplicates; totals exact",
        run: surge,
    },
    Case {
        name: "HQ totals polled between writes follow every check-in and import",
        run: totals_between_polls,
    },
    Case {
        name: "districts: the HQ picks a team's area by name from the register's districts; a supporter and another town's staff cannot list them",
        run: districts_by_name,
    },
];

pub const TOWN: &str = "23233";

const HEADER: &str = "台帳番号,氏名,ふりがな,生年月日,性別,住所,緯度,経度,電話番号,地区コード,地区名,支援が必要な理由,緊急連絡先氏名,緊急連絡先電話番号,平常時情報提供同意,避難支援者,避難先,避難経路";

/// A logged-in professional: their token and id.
pub struct Session {
    pub token: String,
    pub id: String,
}

pub fn session(c: &Client, account: &Account) -> Result<Session, String> {
    let token = tokens(&login(
        c,
        &account.email,
        crate::auth::PASSWORD,
        &code(account, 0)?,
    )?)?
    .0;
    let me = with_token(c, "GET", "/api/v1/auth/me", &token, None)?;
    ensure!(me.status == 200, "me: {} {}", me.status, me.text());
    let id = me.json()?["id"].as_str().ok_or("no id")?.to_owned();
    Ok(Session { token, id })
}

/// Town staff with the HQ role (who may declare events).
pub fn hq(c: &Client, label: &str) -> Result<Session, String> {
    let account = register_in(
        c,
        label,
        &["municipal_staff", "disaster_hq"],
        (TOWN, "清須市役所 危機管理課"),
    )?;
    session(c, &account)
}

/// A professional of the town who is not staff: a supporter once on a team.
pub fn supporter(c: &Client, label: &str) -> Result<Session, String> {
    let account = register_in(
        c,
        label,
        &["professional"],
        (TOWN, "清須ケアプランセンター"),
    )?;
    session(c, &account)
}

fn post_json(c: &Client, path: &str, token: &str, body: serde_json::Value) -> Result<Resp, String> {
    with_token(c, "POST", path, token, Some(body.to_string()))
}

pub fn import(c: &Client, token: &str, bytes: Vec<u8>) -> Result<Resp, String> {
    let auth = format!("Bearer {token}");
    c.request(
        "POST",
        &format!("/api/v1/disaster/register/imports?municipality={TOWN}"),
        &[("authorization", &auth), ("content-type", "text/csv")],
        Some(bytes),
    )
}

/// A register CSV of `n` people in `districts` districts; every third person has not
/// consented. Register numbers start with `prefix` so that cases do not collide.
pub fn register_csv(prefix: &str, n: usize, districts: usize) -> String {
    let mut csv = format!("{HEADER}\r\n");
    for i in 0..n {
        let d = i % districts;
        csv.push_str(&format!(
            "{prefix}{i:05},試験 {i}号,しけん {i},昭和{}年{}月1日,{},清須市{prefix}{d}丁目{i},{:.5},{:.5},052-000-{:04},{prefix}{d:02},{prefix}地区{d},要介護3以上、独居高齢者,家族 {i},090-0000-{:04},{},,指定避難所{d},\r\n",
            10 + i % 20,
            1 + i % 12,
            if i % 2 == 0 { "女" } else { "男" },
            35.20 + d as f64 * 0.004,
            136.84 + (i % 7) as f64 * 0.001,
            i % 10_000,
            i % 10_000,
            if i % 3 == 2 { "無" } else { "有" },
        ));
    }
    csv
}

pub fn declare(
    c: &Client,
    token: &str,
    name: &str,
    started_at: Option<String>,
) -> Result<String, String> {
    let mut body =
        serde_json::json!({"name": name, "kind": "earthquake", "municipalities": [TOWN]});
    if let Some(at) = started_at {
        body["started_at"] = at.into();
    }
    let resp = post_json(c, "/api/v1/disaster/events", token, body)?;
    ensure!(
        resp.status == 201,
        "declare: {} {}",
        resp.status,
        resp.text()
    );
    let event = resp.json()?;
    ensure!(event["status"] == "open", "event: {event}");
    Ok(event["id"].as_str().ok_or("no event id")?.to_owned())
}

pub fn checkin(
    c: &Client,
    token: &str,
    event: &str,
    key: &str,
    body: &serde_json::Value,
) -> Result<Resp, String> {
    let auth = format!("Bearer {token}");
    c.request(
        "POST",
        &format!("/api/v1/disaster/events/{event}/checkins"),
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
            ("idempotency-key", key),
        ],
        Some(body.to_string().into_bytes()),
    )
}

/// The people of the register with their register numbers, as the town's staff sees them.
pub fn people_by_number(
    c: &Client,
    token: &str,
) -> Result<HashMap<String, serde_json::Value>, String> {
    let mut out = HashMap::new();
    let mut cursor = String::new();
    loop {
        let resp = with_token(
            c,
            "GET",
            &format!("/api/v1/disaster/register?municipality={TOWN}&cursor={cursor}"),
            token,
            None,
        )?;
        ensure!(
            resp.status == 200,
            "register: {} {}",
            resp.status,
            resp.text()
        );
        let page = resp.json()?;
        for p in page["items"].as_array().ok_or("no items")? {
            out.insert(
                p["register_number"].as_str().unwrap_or("").to_owned(),
                p.clone(),
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return Ok(out),
        }
    }
}

fn register_import(c: &Client) -> Result<(), String> {
    let staff = hq(c, "reg-hq")?;
    let broken = format!(
        "{HEADER}\r\n\
         R-0001,清須 花子,きよす はなこ,昭和15年4月1日,女,清須市西枇杷島町1,35.2,136.85,052-000-0001,R1,西枇杷島町,要介護3以上、独居高齢者,清須 一郎,090-0000-0001,有,隣の田中さん,西枇杷島小学校,県道経由\r\n\
         R-0002,新川 太郎,しんかわ たろう,S10.1.1,男,清須市新川1,,,,R2,新川町,障害,,,無,,,\r\n\
         R-0003,位置 違い,いち ちがい,,女,清須市1,95,136,,R1,西枇杷島町,,,,有,,,\r\n\
         R-0001,重複 行,じゅうふく ぎょう,,女,清須市2,,,,R1,西枇杷島町,,,,有,,,\r\n\
         R-0005,,めい なし,,女,清須市3,,,,R1,西枇杷島町,,,,有,,,\r\n\
         R-0006,日付 違い,ひづけ ちがい,昭和99年1月1日,女,清須市4,,,,R2,新川町,,,,有,,,\r\n"
    );
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&broken);
    let resp = import(c, &staff.token, sjis.to_vec())?;
    ensure!(
        resp.status == 200,
        "import: {} {}",
        resp.status,
        resp.text()
    );
    let report = resp.json()?;
    ensure!(
        report["imported"] == 2 && report["rejected"] == 4,
        "report: {report}"
    );
    let lines: Vec<u64> = report["errors"]
        .as_array()
        .ok_or("no errors")?
        .iter()
        .filter_map(|e| e["line"].as_u64())
        .collect();
    ensure!(lines == [4, 5, 6, 7], "error lines {lines:?}");
    let again = import(c, &staff.token, sjis.to_vec())?.json()?;
    ensure!(
        again["imported"] == 0 && again["updated"] == 0 && again["unchanged"] == 2,
        "re-run: {again}"
    );
    let people = people_by_number(c, &staff.token)?;
    let hanako = people.get("R-0001").ok_or("R-0001 not listed")?;
    ensure!(
        hanako["reasons"] == serde_json::json!(["要介護3以上", "独居高齢者"])
            && hanako["birth_date"] == "1940-04-01"
            && hanako["plan"]["site"] == "西枇杷島小学校"
            && hanako["district_name"] == "西枇杷島町",
        "person: {hanako}"
    );
    // A supporter, or staff without a token, may not import.
    let stranger = supporter(c, "reg-sup")?;
    ensure_problem(
        &import(c, &stranger.token, b"x".to_vec())?,
        403,
        "/problems/forbidden",
    )?;
    let bad = import(c, &staff.token, "氏名,住所\r\nA,B\r\n".as_bytes().to_vec())?;
    expect_invalid_fields(&bad, &["file"])?;
    Ok(())
}

/// A team of `members` assigned `district` (or `person`).
pub fn team(
    c: &Client,
    staff: &Session,
    name: &str,
    members: &[&str],
    assignment: serde_json::Value,
) -> Result<String, String> {
    let resp = post_json(
        c,
        "/api/v1/disaster/teams",
        &staff.token,
        serde_json::json!({"municipality_code": TOWN, "name": name, "members": members}),
    )?;
    ensure!(resp.status == 201, "team: {} {}", resp.status, resp.text());
    let id = resp.json()?["id"].as_str().ok_or("no team id")?.to_owned();
    let assigned = post_json(
        c,
        &format!("/api/v1/disaster/teams/{id}/assignments"),
        &staff.token,
        assignment,
    )?;
    ensure!(
        assigned.status == 201,
        "assign: {} {}",
        assigned.status,
        assigned.text()
    );
    Ok(id)
}

pub fn names(resp: &Resp) -> Result<HashSet<String>, String> {
    ensure!(resp.status == 200, "list: {} {}", resp.status, resp.text());
    Ok(resp.json()?["items"]
        .as_array()
        .ok_or("no items")?
        .iter()
        .filter_map(|p| p["register_number"].as_str().map(str::to_owned))
        .collect())
}

/// Town staff and a supporter, a register of `n` people numbered from `prefix` in one
/// district (every third has not consented), and a team that gives the supporter that
/// district.
pub fn staffed_district(
    c: &Client,
    prefix: &str,
    n: usize,
    team_name: &str,
) -> Result<(Session, Session), String> {
    let staff = hq(c, &format!("{prefix}-hq"))?;
    let helper = supporter(c, &format!("{prefix}-sup"))?;
    let resp = import(c, &staff.token, register_csv(prefix, n, 1).into_bytes())?;
    ensure!(resp.status == 200, "import: {}", resp.text());
    team(
        c,
        &staff,
        team_name,
        &[&helper.id],
        serde_json::json!({"district_code": format!("{prefix}00")}),
    )?;
    Ok((staff, helper))
}

fn consent_rule(c: &Client) -> Result<(), String> {
    let (staff, helper) = staffed_district(c, "C", 6, "同意班")?;
    // Normal times: the supporter sees only those who consented (C00002 and C00005 did not).
    let list_path = format!("/api/v1/disaster/register?municipality={TOWN}");
    let seen = names(&with_token(c, "GET", &list_path, &helper.token, None)?)?;
    let consenting: HashSet<String> = ["C00000", "C00001", "C00003", "C00004"]
        .map(String::from)
        .into();
    ensure!(seen == consenting, "supporter saw {seen:?}");
    let all = people_by_number(c, &staff.token)?;
    ensure!(
        all.contains_key("C00002") && all.contains_key("C00005"),
        "staff must see everyone"
    );
    // A declared event opens the whole assigned list to the supporter.
    let event = declare(c, &staff.token, "同意規則の試験", None)?;
    let path = format!("/api/v1/disaster/events/{event}/people");
    let during = names(&with_token(c, "GET", &path, &helper.token, None)?)?;
    ensure!(
        during.len() == 6 && during.contains("C00002"),
        "during the event: {during:?}"
    );
    let person = all.get("C00002").ok_or("C00002")?["id"]
        .as_str()
        .ok_or("id")?
        .to_owned();
    let body = serde_json::json!({"person_id": person, "status": "needs_attention", "note": "薬が切れている"});
    let resp = checkin(c, &helper.token, &event, "consent-1", &body)?;
    ensure!(
        resp.status == 201,
        "check-in: {} {}",
        resp.status,
        resp.text()
    );
    // Closed: non-consenting people stay only while 要確認 (the follow-up list).
    let closed = with_token(
        c,
        "POST",
        &format!("/api/v1/disaster/events/{event}/close"),
        &staff.token,
        None,
    )?;
    ensure!(
        closed.status == 200 && closed.json()?["status"] == "closed",
        "close: {}",
        closed.text()
    );
    let after = names(&with_token(c, "GET", &path, &helper.token, None)?)?;
    ensure!(
        after.contains("C00002") && !after.contains("C00005") && after.len() == 5,
        "after closing: {after:?}"
    );
    let attention = with_token(
        c,
        "GET",
        &format!("/api/v1/disaster/events/{event}/attention"),
        &staff.token,
        None,
    )?
    .json()?;
    ensure!(
        attention["items"][0]["note"] == "薬が切れている",
        "follow-up list: {attention}"
    );
    // The HQ reads who reported by name (it came with the reporter's token), not by id.
    ensure!(
        attention["items"][0]["reported_by_name"] == "試験 看護師",
        "the reporter by name: {attention}"
    );
    // A supporter may not read the HQ's totals.
    ensure_problem(
        &with_token(
            c,
            "GET",
            &format!("/api/v1/disaster/events/{event}/summary"),
            &helper.token,
            None,
        )?,
        403,
        "/problems/forbidden",
    )?;
    Ok(())
}

fn checkin_rules(c: &Client) -> Result<(), String> {
    let staff = hq(c, "chk-hq")?;
    let helper = supporter(c, "chk-sup")?;
    let other = supporter(c, "chk-other")?;
    let resp = import(c, &staff.token, register_csv("K", 4, 2).into_bytes())?;
    ensure!(resp.status == 200, "import: {}", resp.text());
    let all = people_by_number(c, &staff.token)?;
    let id = |n: &str| -> Result<String, String> {
        Ok(all.get(n).ok_or(format!("{n} missing"))?["id"]
            .as_str()
            .ok_or("id")?
            .to_owned())
    };
    // helper's team has district K00 (K00000, K00002); other's team has person K00001.
    team(
        c,
        &staff,
        "K00班",
        &[&helper.id],
        serde_json::json!({"district_code": "K00"}),
    )?;
    team(
        c,
        &staff,
        "K01個別",
        &[&other.id],
        serde_json::json!({"person_id": id("K00001")?}),
    )?;
    let started = rainbownet_core::time::iso8601(now_millis() - 3_600_000);
    let event = declare(c, &staff.token, "確認規則の試験", Some(started))?;

    let first = serde_json::json!({"person_id": id("K00000")?, "status": "safe",
        "observed_at": rainbownet_core::time::iso8601(now_millis() - 60_000)});
    let a = checkin(c, &helper.token, &event, "k-1", &first)?;
    ensure!(a.status == 201, "first: {} {}", a.status, a.text());
    let replay = checkin(c, &helper.token, &event, "k-1", &first)?;
    ensure!(
        replay.status == 201
            && replay.header("idempotent-replayed") == Some("true")
            && replay.json()?["id"] == a.json()?["id"],
        "replay: {} {:?}",
        replay.status,
        replay.header("idempotent-replayed")
    );
    let changed = serde_json::json!({"person_id": id("K00000")?, "status": "not_yet"});
    ensure_problem(
        &checkin(c, &helper.token, &event, "k-1", &changed)?,
        409,
        "/problems/idempotency-key-reused",
    )?;
    // An older observation arriving later (a phone that was offline) does not win.
    let older = serde_json::json!({"person_id": id("K00000")?, "status": "needs_attention",
        "note": "古い報告", "observed_at": rainbownet_core::time::iso8601(now_millis() - 600_000)});
    ensure!(
        checkin(c, &helper.token, &event, "k-2", &older)?.status == 201,
        "older"
    );
    let totals = district_totals(&summary_of(c, &staff.token, &event)?, "K")?;
    ensure!(
        totals == [4, 1, 0, 3],
        "totals (total, safe, attention, not yet) after an older report: {totals:?}"
    );
    // Strangers: not assigned (K00001 belongs to the other team), or not in the register.
    for (person, key) in [(id("K00001")?, "k-3"), ("01NOSUCHPERSON".into(), "k-4")] {
        let body = serde_json::json!({"person_id": person, "status": "safe"});
        ensure_problem(
            &checkin(c, &helper.token, &event, key, &body)?,
            404,
            "/problems/not-found",
        )?;
    }
    let body = serde_json::json!({"person_id": id("K00001")?, "status": "safe"});
    ensure!(
        checkin(c, &other.token, &event, "o-1", &body)?.status == 201,
        "the assigned supporter may"
    );
    // Bad input: a missing key, an unknown status, 要確認 without a note, a future time.
    let auth = format!("Bearer {}", helper.token);
    let no_key = c.request(
        "POST",
        &format!("/api/v1/disaster/events/{event}/checkins"),
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(first.to_string().into_bytes()),
    )?;
    expect_invalid_fields(&no_key, &["Idempotency-Key"])?;
    let bad = serde_json::json!({"person_id": id("K00002")?, "status": "fine",
        "observed_at": "2999-01-01T00:00:00Z"});
    expect_invalid_fields(
        &checkin(c, &helper.token, &event, "k-5", &bad)?,
        &["#/status", "#/observed_at"],
    )?;
    let silent = serde_json::json!({"person_id": id("K00002")?, "status": "needs_attention"});
    expect_invalid_fields(
        &checkin(c, &helper.token, &event, "k-6", &silent)?,
        &["#/note"],
    )?;
    ensure_problem(
        &checkin(c, "not-a-token", &event, "k-7", &first)?,
        401,
        "/problems/unauthorized",
    )?;
    // After closing, only what was observed before the close is taken.
    with_token(
        c,
        "POST",
        &format!("/api/v1/disaster/events/{event}/close"),
        &staff.token,
        None,
    )?;
    let late = serde_json::json!({"person_id": id("K00002")?, "status": "safe"});
    ensure_problem(
        &checkin(c, &helper.token, &event, "k-8", &late)?,
        409,
        "/problems/event-closed",
    )?;
    let queued = serde_json::json!({"person_id": id("K00002")?, "status": "safe",
        "observed_at": rainbownet_core::time::iso8601(now_millis() - 120_000)});
    ensure!(
        checkin(c, &helper.token, &event, "k-9", &queued)?.status == 201,
        "a check-in observed before the close"
    );
    Ok(())
}

/// The HQ's screens poll the summary and an instance answers a poll from what it read
/// before while nothing changed: every write in between must show on the next poll.
fn totals_between_polls(c: &Client) -> Result<(), String> {
    let staff = hq(c, "poll-hq")?;
    let helper = supporter(c, "poll-sup")?;
    let resp = import(c, &staff.token, register_csv("V", 6, 2).into_bytes())?;
    ensure!(resp.status == 200, "import: {}", resp.text());
    team(
        c,
        &staff,
        "V00班",
        &[&helper.id],
        serde_json::json!({"district_code": "V00"}),
    )?;
    let started = rainbownet_core::time::iso8601(now_millis() - 3_600_000);
    let event = declare(c, &staff.token, "集計の鮮度の試験", Some(started))?;
    let poll = || district_totals(&summary_of(c, &staff.token, &event)?, "V");
    for _ in 0..3 {
        let totals = poll()?;
        ensure!(totals == [6, 0, 0, 6], "before any report: {totals:?}");
    }
    let person = people_by_number(c, &staff.token)?
        .get("V00000")
        .and_then(|p| p["id"].as_str().map(str::to_owned))
        .ok_or("V00000 missing")?;
    let safe = serde_json::json!({"person_id": person, "status": "safe",
        "observed_at": rainbownet_core::time::iso8601(now_millis() - 60_000)});
    ensure!(
        checkin(c, &helper.token, &event, "v-1", &safe)?.status == 201,
        "safe"
    );
    let totals = poll()?;
    ensure!(totals == [6, 1, 0, 5], "after 安全確認済み: {totals:?}");
    let worse = serde_json::json!({"person_id": person, "status": "needs_attention",
        "note": "足を痛めている"});
    ensure!(
        checkin(c, &helper.token, &event, "v-2", &worse)?.status == 201,
        "needs attention"
    );
    let totals = poll()?;
    ensure!(totals == [6, 0, 1, 5], "after 要確認: {totals:?}");
    // The register grows by two people while the event runs.
    let resp = import(c, &staff.token, register_csv("V", 8, 2).into_bytes())?;
    ensure!(resp.status == 200, "second import: {}", resp.text());
    let totals = poll()?;
    ensure!(
        totals == [8, 0, 1, 7],
        "after the register grew: {totals:?}"
    );
    Ok(())
}

/// The HQ summary of `event` as `token` reads it (200 expected).
pub fn summary_of(c: &Client, token: &str, event: &str) -> Result<serde_json::Value, String> {
    let summary = with_token(
        c,
        "GET",
        &format!("/api/v1/disaster/events/{event}/summary"),
        token,
        None,
    )?;
    ensure!(
        summary.status == 200,
        "summary: {} {}",
        summary.status,
        summary.text()
    );
    summary.json()
}

/// Totals (total, safe, needs attention, not yet) per district of the town whose code
/// starts with `prefix`, from a summary.
pub fn districts_of(
    summary: &serde_json::Value,
    prefix: &str,
) -> Result<BTreeMap<String, [i64; 4]>, String> {
    let town = summary["municipalities"]
        .as_array()
        .and_then(|m| m.iter().find(|t| t["code"] == TOWN))
        .ok_or("no town in the summary")?;
    let mut out = BTreeMap::new();
    for d in town["districts"].as_array().ok_or("no districts")? {
        let code = d["code"].as_str().unwrap_or("");
        if code.starts_with(prefix) {
            out.insert(
                code.to_owned(),
                ["total", "safe", "needs_attention", "not_yet"]
                    .map(|k| d[k].as_i64().unwrap_or(-1)),
            );
        }
    }
    Ok(out)
}

fn district_totals(summary: &serde_json::Value, prefix: &str) -> Result<[i64; 4], String> {
    Ok(districts_of(summary, prefix)?
        .values()
        .fold([0; 4], |acc, d| std::array::from_fn(|i| acc[i] + d[i])))
}

pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// One request of the surge: which logical check-in it carries, and under which key.
#[derive(Clone)]
pub struct Send {
    pub logical: usize,
    pub key: String,
}

/// The plan of a surge: `unique` logical check-ins over `people`, a fifth of them sent
/// twice with the same key, one in twenty sent again under a new key.
pub struct Surge {
    pub bodies: Vec<serde_json::Value>,
    pub person_of: Vec<usize>,
    pub status_of: Vec<&'static str>,
    pub sends: Vec<Send>,
}

pub fn plan_surge(person_ids: &[String], unique: usize, started_ms: i64, tag: &str) -> Surge {
    let statuses = ["safe", "safe", "safe", "needs_attention", "not_yet"];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut bodies, mut person_of, mut status_of, mut sends) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..unique {
        // Everyone gets at least one check-in; the rest land at random.
        let person = if i < person_ids.len() {
            i
        } else {
            (next() % person_ids.len() as u64) as usize
        };
        let status = statuses[(next() % statuses.len() as u64) as usize];
        // Distinct observation times within the hour after the start, in random order.
        let observed = started_ms + 1_000 + ((i as i64 * 7_919) % 3_000_000);
        let mut body = serde_json::json!({
            "person_id": person_ids[person], "status": status,
            "observed_at": rainbownet_core::time::iso8601(observed),
        });
        if status == "needs_attention" {
            body["note"] = format!("要確認 {i}").into();
        }
        bodies.push(body);
        person_of.push(person);
        status_of.push(status);
        let key = format!("{tag}-{i}");
        sends.push(Send {
            logical: i,
            key: key.clone(),
        });
        if i % 5 == 0 {
            sends.push(Send { logical: i, key });
        }
        if i % 20 == 1 {
            sends.push(Send {
                logical: i,
                key: format!("{tag}-{i}-again"),
            });
        }
    }
    // Shuffle (Fisher–Yates) so that duplicates race each other.
    for i in (1..sends.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        sends.swap(i, j);
    }
    Surge {
        bodies,
        person_of,
        status_of,
        sends,
    }
}

impl Surge {
    /// The expected status per person: the logical check-in observed last.
    pub fn truth(&self, people: usize) -> Vec<&'static str> {
        let mut latest: Vec<Option<(String, &'static str)>> = vec![None; people];
        for (i, body) in self.bodies.iter().enumerate() {
            let at = body["observed_at"].as_str().unwrap_or("").to_owned();
            let slot = &mut latest[self.person_of[i]];
            if slot.as_ref().is_none_or(|(t, _)| at > *t) {
                *slot = Some((at, self.status_of[i]));
            }
        }
        latest
            .into_iter()
            .map(|l| l.map_or("not_yet", |(_, s)| s))
            .collect()
    }

    /// Expected (total, safe, needs attention, not yet) per district `S00`…, for people
    /// spread over `districts` as `register_csv` does.
    pub fn expected_by_district(
        &self,
        people: usize,
        districts: usize,
    ) -> BTreeMap<String, [i64; 4]> {
        let mut expected: BTreeMap<String, [i64; 4]> = BTreeMap::new();
        for (i, status) in self.truth(people).iter().enumerate() {
            let slot = expected
                .entry(format!("S{:02}", i % districts))
                .or_default();
            slot[0] += 1;
            match *status {
                "safe" => slot[1] += 1,
                "needs_attention" => slot[2] += 1,
                _ => slot[3] += 1,
            }
        }
        expected
    }

    /// History rows the server must hold: one per logical check-in, plus the re-keyed ones.
    pub fn expected_rows(&self) -> usize {
        let keys: HashSet<&str> = self.sends.iter().map(|s| s.key.as_str()).collect();
        keys.len()
    }
}

/// Sends one check-in as the supporter page does on a bad network: a dropped connection,
/// a 5xx or a 429 is retried with the same idempotency key. The page keeps a check-in in its
/// queue until it is acknowledged; here eight tries over ~3.6 s stand for that (five over
/// ~1 s left 2–3 of 5,000 unacknowledged on the Spin harness, whose SQLite answers "database
/// is locked" when two instances write at once).
pub fn send_with_retries(
    c: &Client,
    token: &str,
    event: &str,
    key: &str,
    body: &serde_json::Value,
) -> Result<Resp, String> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = checkin(c, token, event, key, body);
        let retry = match &result {
            Err(_) => true,
            Ok(resp) => resp.status >= 500 || resp.status == 429,
        };
        if !retry || attempt == 8 {
            return result;
        }
        std::thread::sleep(std::time::Duration::from_millis(100 * attempt));
    }
}

/// Sends every request from `clients` threads; returns the ids of acknowledged check-ins
/// (status 2xx) per key, and the failures.
pub fn run_surge(
    c: &Client,
    token: &str,
    event: &str,
    surge: &Surge,
    clients: usize,
) -> (HashMap<String, String>, Vec<String>) {
    let queue = Mutex::new(surge.sends.clone());
    let acked = Mutex::new(HashMap::new());
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..clients {
            scope.spawn(|| {
                loop {
                    let Some(send) = queue.lock().ok().and_then(|mut q| q.pop()) else {
                        return;
                    };
                    match send_with_retries(c, token, event, &send.key, &surge.bodies[send.logical])
                    {
                        Ok(resp) if resp.status == 201 => {
                            let id = resp
                                .json()
                                .ok()
                                .and_then(|j| j["id"].as_str().map(str::to_owned))
                                .unwrap_or_default();
                            if let Ok(mut acked) = acked.lock() {
                                acked.insert(send.key.clone(), id);
                            }
                        }
                        Ok(resp) => {
                            if let Ok(mut f) = failures.lock() {
                                f.push(format!("{} {}", resp.status, resp.text()));
                            }
                        }
                        Err(e) => {
                            if let Ok(mut f) = failures.lock() {
                                f.push(e);
                            }
                        }
                    }
                }
            });
        }
    });
    (
        acked.into_inner().unwrap_or_default(),
        failures.into_inner().unwrap_or_default(),
    )
}

/// The check-in ids of the event's full history (the HQ's CSV).
pub fn history_ids(c: &Client, token: &str, event: &str) -> Result<Vec<String>, String> {
    let resp = with_token(
        c,
        "GET",
        &format!("/api/v1/disaster/events/{event}/checkins.csv"),
        token,
        None,
    )?;
    ensure!(
        resp.status == 200,
        "history: {} {}",
        resp.status,
        resp.text()
    );
    let text = resp.text();
    Ok(text
        .trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next().map(str::to_owned))
        .filter(|id| !id.is_empty())
        .collect())
}

/// People in the surge register, over this many districts.
const PEOPLE: usize = 1_563;
const DISTRICTS: usize = 12;

/// HQ staff, a register of `PEOPLE` in `DISTRICTS` districts, an event declared an hour
/// ago, and the plan of 5,000 check-ins (keys tagged `tag`).
pub fn surge_setup(c: &Client, tag: &str) -> Result<(Session, String, Surge), String> {
    let staff = hq(c, &format!("{tag}-hq"))?;
    let resp = import(
        c,
        &staff.token,
        register_csv("S", PEOPLE, DISTRICTS).into_bytes(),
    )?;
    ensure!(
        resp.status == 200,
        "import: {} {}",
        resp.status,
        resp.text()
    );
    ensure!(
        resp.json()?["imported"] == PEOPLE,
        "import: {}",
        resp.text()
    );
    let people = people_by_number(c, &staff.token)?;
    let ids: Vec<String> = (0..PEOPLE)
        .map(|i| {
            people
                .get(&format!("S{i:05}"))
                .and_then(|p| p["id"].as_str().map(str::to_owned))
                .ok_or(format!("S{i:05} missing"))
        })
        .collect::<Result<_, _>>()?;
    let started_ms = now_millis() - 3_600_000 - 60_000;
    let event = declare(
        c,
        &staff.token,
        &format!("一斉安否確認の試験 {tag}"),
        Some(rainbownet_core::time::iso8601(started_ms)),
    )?;
    let plan = plan_surge(&ids, 4_000, started_ms, tag);
    Ok((staff, event, plan))
}

fn surge(c: &Client) -> Result<(), String> {
    let (staff, event, plan) = surge_setup(c, "surge")?;
    ensure!(
        plan.sends.len() == 5_000,
        "planned {} sends",
        plan.sends.len()
    );
    let (acked, failures) = run_surge(c, &staff.token, &event, &plan, 200);
    ensure!(
        failures.is_empty(),
        "{} of 5,000 failed, first: {:?}",
        failures.len(),
        failures.first()
    );
    let expected = plan.expected_by_district(PEOPLE, DISTRICTS);
    let summary = with_token(
        c,
        "GET",
        &format!("/api/v1/disaster/events/{event}/summary"),
        &staff.token,
        None,
    )?;
    ensure!(summary.status == 200, "summary: {}", summary.text());
    let summary = summary.json()?;
    let got = districts_of(&summary, "S")?;
    ensure!(got == expected, "summary {got:?} != truth {expected:?}");
    // History: one row per distinct key, none twice, every acknowledged id present.
    let history = history_ids(c, &staff.token, &event)?;
    let distinct: HashSet<&String> = history.iter().collect();
    ensure!(
        history.len() == plan.expected_rows() && distinct.len() == history.len(),
        "history has {} rows ({} distinct), expected {}",
        history.len(),
        distinct.len(),
        plan.expected_rows()
    );
    let missing = acked.values().filter(|id| !distinct.contains(id)).count();
    ensure!(missing == 0, "{missing} acknowledged check-ins missing");
    Ok(())
}

/// The surge with no retries, `clients` at once: once `enough` check-ins are acknowledged
/// (or the plan is sent), `pull` runs while the senders are still going (a test pulls the
/// plug there). What the host acknowledged, by key: the check-in's id and when the answer
/// came; and when `pull` ran.
pub fn surge_until(
    c: &Client,
    token: &str,
    event: &str,
    plan: &Surge,
    clients: usize,
    enough: usize,
    pull: impl FnOnce(),
) -> (
    HashMap<String, (String, std::time::Instant)>,
    std::time::Instant,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let queue = Mutex::new(plan.sends.clone());
    let acked = Mutex::new(HashMap::new());
    let count = AtomicUsize::new(0);
    let mut pulled_at = std::time::Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..clients {
            scope.spawn(|| {
                while let Some(send) = queue.lock().ok().and_then(|mut q| q.pop()) {
                    if let Ok(resp) =
                        checkin(c, token, event, &send.key, &plan.bodies[send.logical])
                        && resp.status == 201
                    {
                        let at = std::time::Instant::now();
                        let id = resp
                            .json()
                            .ok()
                            .and_then(|j| j["id"].as_str().map(str::to_owned))
                            .unwrap_or_default();
                        if let Ok(mut acked) = acked.lock() {
                            acked.insert(send.key.clone(), (id, at));
                        }
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                }
            });
        }
        while count.load(Ordering::SeqCst) < enough && !queue.lock().map_or(true, |q| q.is_empty())
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        pulled_at = std::time::Instant::now();
        pull();
    });
    (acked.into_inner().unwrap_or_default(), pulled_at)
}

/// Crash test: SIGKILL the local host in the middle of a surge, start it again on the same
/// files, and find every acknowledged check-in; then finish the surge by retrying with the
/// same keys and check the totals against the ground truth.
pub fn crash(data: &std::path::Path) -> Result<String, String> {
    use crate::hosts::RunningHost;

    let host = RunningHost::local_on(data)?;
    let c = Client::new(&host.base_url);
    let (staff, event, plan) = surge_setup(&c, "crash")?;

    // The surge, with no retries: only what the host acknowledged before dying counts.
    let mut host = Some(host);
    let (acked, _) = surge_until(&c, &staff.token, &event, &plan, 64, 1_500, || {
        if let Some(h) = host.take() {
            h.kill();
        }
    });
    let acked: HashMap<String, String> = acked.into_iter().map(|(k, (id, _))| (k, id)).collect();

    let host = RunningHost::local_on(data)?;
    let c = Client::new(&host.base_url);
    let history = history_ids(&c, &staff.token, &event)?;
    let stored: HashSet<&String> = history.iter().collect();
    let missing = acked.values().filter(|id| !stored.contains(id)).count();
    ensure!(
        missing == 0,
        "{missing} of {} acknowledged check-ins lost in the crash",
        acked.len()
    );
    let report = format!(
        "killed after {} acknowledged check-ins; {} rows after restart, none lost",
        acked.len(),
        history.len()
    );

    // Every client retries what was not acknowledged, with the same keys.
    let (_, failures) = run_surge(&c, &staff.token, &event, &plan, 64);
    ensure!(failures.is_empty(), "after restart: {:?}", failures.first());
    let summary = with_token(
        &c,
        "GET",
        &format!("/api/v1/disaster/events/{event}/summary"),
        &staff.token,
        None,
    )?
    .json()?;
    ensure!(
        districts_of(&summary, "S")? == plan.expected_by_district(PEOPLE, DISTRICTS),
        "totals after recovery differ from the truth"
    );
    let history = history_ids(&c, &staff.token, &event)?;
    ensure!(
        history.len() == plan.expected_rows(),
        "{} rows after recovery, expected {}",
        history.len(),
        plan.expected_rows()
    );
    host.stop()?;
    Ok(report)
}

fn districts_by_name(c: &Client) -> Result<(), String> {
    let staff = hq(c, "districts-hq")?;
    let prefix = format!("D{}", now_seconds_tail());
    let imported = import(c, &staff.token, register_csv(&prefix, 6, 3).into_bytes())?;
    ensure!(
        imported.status == 200,
        "import: {} {}",
        imported.status,
        imported.text()
    );
    let list = with_token(c, "GET", "/api/v1/disaster/districts", &staff.token, None)?;
    ensure!(
        list.status == 200,
        "districts: {} {}",
        list.status,
        list.text()
    );
    let items = list.json()?["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for d in 0..3 {
        let code = format!("{prefix}{d:02}");
        let found = items
            .iter()
            .find(|i| i["code"] == code.as_str())
            .ok_or(format!("district {code} not listed: {items:?}"))?;
        ensure!(
            found["name"] == format!("{prefix}地区{d}").as_str() && found["people"] == 2,
            "district {code}: {found}"
        );
        ensure!(
            found["municipality_code"] == TOWN,
            "town of {code}: {found}"
        );
    }
    // A supporter of the town is no HQ; staff of another town are refused theirs too.
    let helper = supporter(c, "districts-supporter")?;
    let refused = with_token(c, "GET", "/api/v1/disaster/districts", &helper.token, None)?;
    ensure_problem(&refused, 403, "/problems/forbidden")?;
    let neighbour = session(
        c,
        &register_in(
            c,
            "districts-neighbour",
            &["municipal_staff", "disaster_hq"],
            ("23234", "北名古屋市役所 防災課"),
        )?,
    )?;
    let other = with_token(
        c,
        "GET",
        &format!("/api/v1/disaster/districts?municipality={TOWN}"),
        &neighbour.token,
        None,
    )?;
    ensure_problem(&other, 403, "/problems/forbidden")?;
    let anonymous = c.get("/api/v1/disaster/districts")?;
    ensure_problem(&anonymous, 401, "/problems/unauthorized")?;
    Ok(())
}

/// A short tag from the clock, for district codes (at most a few characters).
fn now_seconds_tail() -> String {
    format!("{:05}", crate::auth::now_seconds() % 100_000)
}
