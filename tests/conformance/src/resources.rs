//! Conformance cases of the resource map (issue: regional resource map and public portal).

use crate::cases::{Case, admin_json, admin_request, ensure_problem, expect_invalid_fields};
use crate::client::{Client, Resp};
use crate::hosts::repo_root;

pub const CASES: &[Case] = &[
    Case {
        name: "imports Shift_JIS 公衆トイレ一覧 and 介護サービス事業所一覧; re-import changes nothing",
        run: import_shift_jis,
    },
    Case {
        name: "a file with broken rows imports the good rows and reports the rest by line",
        run: import_broken_rows,
    },
    Case {
        name: "search folds kana and width: たいそう and ﾀｲｿｳ find 体操教室",
        run: search_kana,
    },
    Case {
        name: "search by category includes its subcategories",
        run: search_category,
    },
    Case {
        name: "near search is nearest first with distances within 1 m of haversine",
        run: search_near,
    },
    Case {
        name: "cursor pages cover every result once in a stable order",
        run: pagination,
    },
    Case {
        name: "bad search parameters are 422 problems naming each parameter",
        run: bad_parameters,
    },
    Case {
        name: "a resource page has JSON-LD, canonical, OpenGraph, tel: and answers 304",
        run: resource_page,
    },
    Case {
        name: "a name with <script> is shown as text",
        run: markup_is_text,
    },
    Case {
        name: "administrators create and update resources; pages follow the update",
        run: admin_edit,
    },
    Case {
        name: "administrators find what they keep by name or kana, drafts too, only in their own town; others get 401/403",
        run: managed_list,
    },
    Case {
        name: "a near search answered again from memory follows a write at once",
        run: near_follows_writes,
    },
    Case {
        name: "print handout, sitemap, robots and open data exports",
        run: print_and_exports,
    },
    Case {
        name: "every service of the HSDS export validates against Open Referral's HSDS 3.0 schema",
        run: hsds_validates,
    },
    Case {
        name: "files in the standard template's layout import: 介護サービス事業所一覧 by 実施サービス, 医療機関一覧 by 診療科目",
        run: standard_layouts,
    },
    Case {
        name: "every standard layout, v1 and v2, in Shift_JIS and UTF-8, imports what residents need (診療科目, 外部利用不可, barrier-free facts, 子育て施設); 文化財一覧 and 観光施設一覧 are refused by name",
        run: every_layout,
    },
    Case {
        name: "dates on the portal read as residents read them (2026年12月5日（土）), not ISO",
        run: dates_in_japanese,
    },
    Case {
        name: "HSDS 3.0 services import: category and hazards from attributes, refusals by place, a re-run changes nothing",
        run: hsds_import,
    },
    Case {
        name: "a notice withdrawn by its town's staff leaves the home page at once; another town's staff, a nurse, a forged token and nobody cannot",
        run: notices_withdrawn,
    },
    Case {
        name: "a notice corrected by its town's staff shows the correction at once; scheduled ones are listed for staff only; other towns, nurses, nobody and bad dates change nothing",
        run: notices_corrected,
    },
];

fn standard_layouts(c: &Client) -> Result<(), String> {
    for (file, dataset, rows) in [
        ("care_service_standard_23233.csv", "care_services", 3),
        ("hospital_standard_23233.csv", "medical_institutions", 2),
    ] {
        let report = import(c, file)?;
        ensure!(
            report["dataset"] == dataset,
            "{file}: dataset {}",
            report["dataset"]
        );
        let total =
            count(&report, "imported") + count(&report, "updated") + count(&report, "unchanged");
        ensure!(
            total == rows && count(&report, "rejected") == 0,
            "{file}: {rows} rows expected in, got {report}"
        );
    }
    // A minor field that can not be read leaves the row in, without that field, and the
    // report says which by line: kana with brackets; 「（代表）」 after a phone, 「なし」 for
    // one and a URL without its scheme are read as meant; hours 0:00–0:00 are left out.
    let report = import(c, "aed_minor_fields_23233.csv")?;
    let total =
        count(&report, "imported") + count(&report, "updated") + count(&report, "unchanged");
    // Line 4 carries the prefecture's code (230006, with its check digit): ours. Line 5's
    // check digit is wrong (232336): a code error refuses the row.
    ensure!(
        total == 3 && count(&report, "rejected") == 1 && report["errors"][0]["line"] == 5,
        "minor fields refused a row, or a bad code did not: {report}"
    );
    let warnings = report["warnings"]
        .as_array()
        .ok_or("no warnings in the report")?;
    ensure!(
        warnings.iter().any(|w| w["line"] == 2
            && w["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("name_kana")))
            && warnings.iter().any(|w| w["line"] == 3
                && w["reason"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("schedule"))),
        "warnings by line: {warnings:?}"
    );
    let found = search(c, &format!("q={}", enc("標準様式AED市民センター")))?;
    let aed = found
        .first()
        .ok_or("the AED with minor problems was not imported")?;
    ensure!(
        aed["phone"] == "052-400-0001" && aed["website"] == "https://www.city.example.jp/aed",
        "phone and URL as meant: {aed}"
    );
    // 指定緊急避難場所一覧 v2 (39 columns): the hazards each site is designated for are shown,
    // so a resident fleeing a flood sees that the riverside park is not for floods.
    let report = import(c, "evacuation_space_v2_23233.csv")?;
    ensure!(
        report["dataset"] == "evacuation_sites" && count(&report, "rejected") == 0,
        "evacuation v2: {report}"
    );
    for (name, hazards, words, shelter, capacity) in [
        (
            "標準様式第一小学校",
            &["flood", "earthquake", "large_fire", "inland_flood"][..],
            "洪水・地震・大規模な火事・内水氾濫",
            true,
            800,
        ),
        (
            "標準様式河川敷公園",
            &["earthquake", "large_fire"][..],
            "地震・大規模な火事",
            false,
            2000,
        ),
    ] {
        let site = by_name(c, name)?;
        ensure!(
            site["hazards"] == serde_json::json!(hazards)
                && (site["shelter"] == true) == shelter
                && site["capacity"] == capacity,
            "{name}: {site}"
        );
        let page = c.get(&format!(
            "/resources/{}",
            site["id"].as_str().unwrap_or_default()
        ))?;
        ensure!(
            page.text().contains(&format!("<strong>{words}</strong>")),
            "{name}: the page does not say {words}"
        );
    }
    // 「洪水」 finds the school and not the riverside park.
    let flood = flood_sites(c)?;
    ensure!(
        flood.iter().any(|n| n == "標準様式第一小学校")
            && !flood.iter().any(|n| n == "標準様式河川敷公園"),
        "flood search: {flood:?}"
    );
    for (name, category) in [
        ("標準様式ケアプランセンター", "care.management"),
        ("標準様式デイサービスセンター", "care.day_service"),
        ("標準様式訪問介護ステーション", "care.home_care"),
        ("標準様式歯科クリニック", "medical.dental"),
        ("標準様式病院", "medical.hospital"),
    ] {
        let item = by_name(c, name)?;
        ensure!(
            item["category"] == category,
            "{name}: category {}",
            item["category"]
        );
        if name == "標準様式ケアプランセンター" {
            ensure!(
                item["name_kana"].as_str().is_some_and(|k| !k.is_empty()),
                "{name}: kana lost: {item}"
            );
        }
    }
    Ok(())
}

fn dates_in_japanese(c: &Client) -> Result<(), String> {
    let title = format!("日付の表示 {}", crate::auth::now_seconds());
    publish_notice(
        c,
        serde_json::json!({
            "municipality_code": "23233", "kind": "event", "title": title, "body": "どなたでも",
            "event_date": "2026-12-05", "publish_from": "2020-01-01",
        }),
    )?;
    let home = c.get("/")?.text();
    let at = home
        .find(&title)
        .ok_or("the event is not on the home page")?;
    let line = &home[at..home[at..].find("</div>").map_or(home.len(), |e| at + e)];
    ensure!(
        line.contains("2026年12月5日（土）") && !line.contains("2026-12-05"),
        "the event's date: {line}"
    );
    let first = search(c, "category=gathering.exercise&limit=1")?;
    let id = first
        .first()
        .and_then(|r| r["id"].as_str())
        .ok_or("no exercise class in the demo")?;
    let page = c.get(&format!("/resources/{id}"))?.text();
    ensure!(
        page.contains("更新: 20") && page.contains("日（") && !page.contains("更新: 2026-"),
        "the page's dates are ISO"
    );
    Ok(())
}

fn notices_withdrawn(c: &Client) -> Result<(), String> {
    use crate::auth::{access, register, register_as, with_token};
    let tag = crate::auth::now_seconds();
    let publish = |town: &str, title: &str| {
        publish_notice(
            c,
            serde_json::json!({
                "municipality_code": town, "kind": "notice", "title": title,
                "body": "日程が変わりました", "publish_from": "2020-01-01",
            }),
        )
    };
    let title = format!("誤った日付のお知らせ {tag}");
    let neighbours = format!("隣町のお知らせ {tag}");
    let ours = publish("23233", &title)?;
    let theirs = publish("23234", &neighbours)?;
    ensure!(
        c.get("/")?.text().contains(&title),
        "the notice is not on the home page"
    );

    let staff = register_as(c, "notice-staff", &["municipal_staff"])?;
    let staff_token = access(c, &staff, 0)?;
    let nurse = register(c, "notice-nurse")?;
    let nurse_token = access(c, &nurse, 0)?;
    let withdraw = |id: &str, token: Option<&str>| -> Result<Resp, String> {
        let path = format!("/api/v1/public/notices/{id}");
        match token {
            Some(token) => with_token(c, "DELETE", &path, token, None),
            None => c.request("DELETE", &path, &[], None),
        }
    };
    ensure_problem(&withdraw(&ours, None)?, 401, "/problems/unauthorized")?;
    let forged = format!("{staff_token}x");
    ensure_problem(
        &withdraw(&ours, Some(&forged))?,
        401,
        "/problems/unauthorized",
    )?;
    ensure_problem(
        &withdraw(&ours, Some(&nurse_token))?,
        403,
        "/problems/forbidden",
    )?;
    // Staff of 清須市 may not take down 北名古屋市's notice; it stays up.
    ensure_problem(
        &withdraw(&theirs, Some(&staff_token))?,
        403,
        "/problems/forbidden",
    )?;
    ensure!(
        c.get("/")?.text().contains(&neighbours),
        "a refused withdrawal took the notice down"
    );
    ensure!(
        c.get("/")?.text().contains(&title),
        "a refused withdrawal took the notice down"
    );

    let gone = withdraw(&ours, Some(&staff_token))?;
    ensure!(
        gone.status == 204,
        "own town's notice: {} {}",
        gone.status,
        gone.text()
    );
    // At once: the cached home page and the list follow.
    ensure!(
        !c.get("/")?.text().contains(&title),
        "the withdrawn notice is still on the home page"
    );
    let listed = c.get("/api/v1/public/notices?municipality=23233")?.text();
    ensure!(
        !listed.contains(&ours),
        "the withdrawn notice is still listed"
    );
    ensure_problem(
        &withdraw(&ours, Some(&staff_token))?,
        404,
        "/problems/not-found",
    )?;
    ensure_problem(
        &withdraw("01KNOSUCHNOTICE0000000000X", Some(&staff_token))?,
        404,
        "/problems/not-found",
    )?;
    // The bootstrap administrator (a sysadmin) may withdraw any town's.
    let resp = admin_request(
        c,
        "DELETE",
        &format!("/api/v1/public/notices/{theirs}"),
        "application/json",
        Vec::new(),
    )?;
    ensure!(
        resp.status == 204,
        "sysadmin: {} {}",
        resp.status,
        resp.text()
    );
    ensure!(
        !c.get("/")?.text().contains(&neighbours),
        "the neighbour's notice is still up"
    );
    Ok(())
}

fn notices_corrected(c: &Client) -> Result<(), String> {
    use crate::auth::{access, register, register_as, with_token};
    let tag = crate::auth::now_seconds();
    let title = format!("体操発表会 {tag}");
    let ours = publish_notice(
        c,
        serde_json::json!({
            "municipality_code": "23233", "kind": "event", "title": title,
            "body": "会場は体育館です", "event_date": "2026-12-05", "publish_from": "2020-01-01",
        }),
    )?;
    let theirs = publish_notice(
        c,
        serde_json::json!({
            "municipality_code": "23234", "kind": "notice", "title": format!("隣町 {tag}"),
            "body": "本文", "publish_from": "2020-01-01",
        }),
    )?;
    ensure!(c.get("/")?.text().contains(&title), "not on the home page");

    let staff = register_as(c, "notice-editor", &["municipal_staff"])?;
    let staff_token = access(c, &staff, 0)?;
    let nurse = register(c, "notice-editor-nurse")?;
    let nurse_token = access(c, &nurse, 0)?;
    let corrected_title = format!("体操発表会（会場変更） {tag}");
    let corrected = serde_json::json!({
        "municipality_code": "23233", "kind": "event", "title": corrected_title,
        "body": "会場は市民センターに変わりました", "event_date": "令和8年12月12日",
        "publish_from": "2020-01-01", "publish_until": "2027-01-01",
    });
    let put = |id: &str, token: Option<&str>, body: &serde_json::Value| -> Result<Resp, String> {
        let path = format!("/api/v1/public/notices/{id}");
        match token {
            Some(token) => with_token(c, "PUT", &path, token, Some(body.to_string())),
            None => c.request(
                "PUT",
                &path,
                &[("content-type", "application/json")],
                Some(body.to_string().into_bytes()),
            ),
        }
    };
    let unchanged = |what: &str| -> Result<(), String> {
        let home = c.get("/")?.text();
        ensure!(
            home.contains(&title) && !home.contains(&corrected_title),
            "{what} changed the notice"
        );
        Ok(())
    };
    ensure_problem(
        &put(&ours, None, &corrected)?,
        401,
        "/problems/unauthorized",
    )?;
    ensure_problem(
        &put(&ours, Some(&format!("{staff_token}x")), &corrected)?,
        401,
        "/problems/unauthorized",
    )?;
    ensure_problem(
        &put(&ours, Some(&nurse_token), &corrected)?,
        403,
        "/problems/forbidden",
    )?;
    let mut neighbour = corrected.clone();
    neighbour["municipality_code"] = "23234".into();
    ensure_problem(
        &put(&theirs, Some(&staff_token), &neighbour)?,
        403,
        "/problems/forbidden",
    )?;
    // Moving our notice into the neighbour's town is not an edit.
    let moved = put(&ours, Some(&staff_token), &neighbour)?;
    ensure_problem(&moved, 422, "/problems/validation")?;
    ensure!(
        moved.text().contains("#/municipality_code"),
        "moved: {}",
        moved.text()
    );
    let mut bad = corrected.clone();
    bad["event_date"] = "来週の土曜".into();
    bad["title"] = "".into();
    let refused = put(&ours, Some(&staff_token), &bad)?;
    ensure_problem(&refused, 422, "/problems/validation")?;
    ensure!(
        refused.text().contains("#/event_date") && refused.text().contains("#/title"),
        "both fields named: {}",
        refused.text()
    );
    unchanged("a refused correction")?;
    ensure_problem(
        &put("01KNOSUCHNOTICE0000000000X", Some(&staff_token), &corrected)?,
        404,
        "/problems/not-found",
    )?;

    let done = put(&ours, Some(&staff_token), &corrected)?;
    ensure!(
        done.status == 200,
        "correction: {} {}",
        done.status,
        done.text()
    );
    let stored = done.json()?;
    ensure!(
        stored["title"] == corrected_title.as_str()
            && stored["event_date"] == "2026-12-12"
            && stored["publish_until"]
                .as_str()
                .is_some_and(|t| t.starts_with("2026-12-31T15:00")),
        "stored: {stored}"
    );
    let home = c.get("/")?.text();
    ensure!(
        home.contains(&corrected_title) && home.contains("2026年12月12日（土）"),
        "the home page does not show the correction at once"
    );

    // A scheduled notice: staff see it (to correct it before it shows), residents do not.
    let later = format!("来年のお知らせ {tag}");
    let scheduled = publish_notice(
        c,
        serde_json::json!({
            "municipality_code": "23233", "kind": "notice", "title": later,
            "body": "本文", "publish_from": "2099-01-01",
        }),
    )?;
    let managed_as = |query: &str, token: &str| {
        with_token(
            c,
            "GET",
            &format!("/api/v1/public/managed-notices{query}"),
            token,
            None,
        )
    };
    let managed = managed_as("", &staff_token)?;
    ensure!(managed.status == 200, "managed: {}", managed.status);
    let items = managed.json()?["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let state = |id: &str| {
        items
            .iter()
            .find(|n| n["id"] == id)
            .map(|n| n["state"].clone())
    };
    ensure!(
        state(&scheduled) == Some("scheduled".into()) && state(&ours) == Some("published".into()),
        "managed states: {:?} {:?}",
        state(&scheduled),
        state(&ours)
    );
    ensure!(
        items.iter().all(|n| n["municipality_code"] == "23233"),
        "another town's notice listed for this town's staff"
    );
    ensure!(
        !c.get("/api/v1/public/notices?municipality=23233")?
            .text()
            .contains(&later),
        "a scheduled notice is public"
    );
    ensure_problem(
        &managed_as("?municipality=23234", &staff_token)?,
        403,
        "/problems/forbidden",
    )?;
    ensure_problem(&managed_as("", &nurse_token)?, 403, "/problems/forbidden")?;
    ensure_problem(
        &c.get("/api/v1/public/managed-notices")?,
        401,
        "/problems/unauthorized",
    )?;
    Ok(())
}

/// Publishes a notice as the bootstrap administrator; its id.
fn publish_notice(c: &Client, notice: serde_json::Value) -> Result<String, String> {
    let resp = admin_json(c, "POST", "/api/v1/public/notices", &notice)?;
    ensure!(
        resp.status == 201,
        "notice: {} {}",
        resp.status,
        resp.text()
    );
    Ok(resp.json()?["id"].as_str().ok_or("no id")?.to_owned())
}

/// The resource named `name`, found by searching its name.
fn by_name(c: &Client, name: &str) -> Result<serde_json::Value, String> {
    search(c, &format!("q={}", enc(name)))?
        .into_iter()
        .find(|i| i["name"] == name)
        .ok_or(format!("{name} was not found by its name (not imported?)"))
}

/// The names 「洪水 避難場所」 finds in the test town.
fn flood_sites(c: &Client) -> Result<Vec<String>, String> {
    Ok(names(&search(
        c,
        &format!("q={}&municipality=23233&limit=100", enc("洪水 避難場所")),
    )?))
}

/// The same file in the other encoding: Shift_JIS ↔ UTF-8 (with BOM).
fn other_encoding(name: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
    let text = rainbownet_core::csv_table::decode(bytes).map_err(|e| format!("{name}: {e}"))?;
    Ok(if name.contains(".sjis.") {
        [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat()
    } else {
        encoding_rs::SHIFT_JIS.encode(&text).0.into_owned()
    })
}

fn import_bytes(c: &Client, bytes: Vec<u8>) -> Result<Resp, String> {
    admin_request(
        c,
        "POST",
        "/api/v1/public/imports?municipality=23233",
        "text/csv",
        bytes,
    )
}

fn every_layout(c: &Client) -> Result<(), String> {
    for (file, dataset, rows) in [
        ("care_service_v2_23233.sjis.csv", "care_services", 2),
        ("hospital_v2_23233.sjis.csv", "medical_institutions", 3),
        ("aed_v2_23233.csv", "aed", 2),
        ("public_facility_v1_23233.sjis.csv", "public_facilities", 1),
        ("public_facility_v2_23233.csv", "public_facilities", 1),
        ("public_toilet_v2_23233.csv", "public_toilets", 2),
        ("evacuation_space_v1_23233.sjis.csv", "evacuation_sites", 2),
        ("childcare_v1_23233.sjis.csv", "childcare_facilities", 1),
        ("childcare_v2_23233.csv", "childcare_facilities", 1),
    ] {
        let report = import(c, file)?;
        let total =
            count(&report, "imported") + count(&report, "updated") + count(&report, "unchanged");
        ensure!(
            report["dataset"] == dataset
                && total == rows
                && count(&report, "rejected") == 0
                && report["detected_by"]
                    .as_array()
                    .is_some_and(|by| by.len() >= 2),
            "{file}: {report}"
        );
        // The same file in the other encoding is the same rows: nothing changes.
        let again = import_bytes(c, other_encoding(file, &fixture(file)?)?)?.json()?;
        ensure!(
            count(&again, "unchanged") == rows && count(&again, "rejected") == 0,
            "{file} in the other encoding: {again}"
        );
    }
    // 診療科目 as data: in the API, on the page, and found by word.
    let clinic = by_name(c, "標準v2内科小児科クリニック")?;
    ensure!(
        clinic["departments"] == serde_json::json!(["内科", "小児科"])
            && clinic["category"] == "medical.clinic",
        "clinic: {clinic}"
    );
    let page = c.get(&format!(
        "/resources/{}",
        clinic["id"].as_str().unwrap_or_default()
    ))?;
    ensure!(
        page.text().contains("内科・小児科") && page.text().contains("電話で相談に応じます"),
        "the clinic's page does not show its departments and after-hours care"
    );
    // …and as HSDS attributes that validate against the official schema.
    let schema: serde_json::Value = serde_json::from_slice(&fixture("hsds-3.0/service.json")?)
        .map_err(|e| format!("service.json: {e}"))?;
    let validator = jsonschema::draft202012::new(&schema).map_err(|e| format!("schema: {e}"))?;
    let service = c
        .get(&format!(
            "/hsds/services/{}",
            clinic["id"].as_str().unwrap_or_default()
        ))?
        .json()?;
    let errors: Vec<String> = validator
        .iter_errors(&service)
        .map(|e| e.to_string())
        .collect();
    ensure!(errors.is_empty(), "HSDS of the clinic: {errors:?}");
    ensure!(
        service["attributes"]
            .as_array()
            .is_some_and(|a| a.iter().any(|a| a["taxonomy_term"]["vocabulary"]
                == "rainbownet-departments"
                && a["value"] == "小児科")),
        "no 診療科目 attribute: {service}"
    );
    let pediatric = search(
        c,
        &format!("q={}&municipality=23233&limit=100", enc("小児科")),
    )?;
    ensure!(
        pediatric
            .iter()
            .any(|i| i["name"] == "標準v2内科小児科クリニック"),
        "小児科 does not find the clinic: {:?}",
        names(&pediatric)
    );
    // An AED for the building's own people says so; barrier-free facts of a v2 facility.
    for (name, words) in [
        ("標準v2あおぞら保育園", "施設の外の方は使えません"),
        ("標準v2市立図書館", "授乳室あり"),
        ("標準v1中央公民館", "バリアフリー: 車いす用スロープ"),
        ("標準v2こども園", "病児保育あり"),
    ] {
        let item = by_name(c, name)?;
        ensure!(
            item["description"]
                .as_str()
                .is_some_and(|d| d.contains(words)),
            "{name}: {item}"
        );
    }
    // 子育て施設 are found by the words parents use.
    let nurseries = search(c, &format!("q={}&municipality=23233", enc("保育園")))?;
    ensure!(
        nurseries.iter().any(|i| i["name"] == "標準v1ひまわり保育園"
            && i["category"] == "welfare.childcare"
            && i["target"] == "0歳～5歳"),
        "保育園: {:?}",
        names(&nurseries)
    );
    // A v1 evacuation site flagged for floods is found by 「洪水 避難場所」.
    let flood = flood_sites(c)?;
    ensure!(
        flood.iter().any(|n| n == "標準v1北小学校") && !flood.iter().any(|n| n == "標準v1高台公園"),
        "flood search: {flood:?}"
    );
    // Standard datasets that are not resources: refused, by name, nothing written.
    for (file, dataset) in [
        ("cultural_property_v1_23233.csv", "文化財一覧"),
        ("tourism_v1_23233.csv", "観光施設一覧"),
    ] {
        let resp = import_bytes(c, fixture(file)?)?;
        let body = ensure_problem(&resp, 422, "/problems/validation")?;
        ensure!(
            body["errors"][0]["detail_ja"]
                .as_str()
                .is_some_and(|d| d.starts_with(&format!("{dataset}のファイルです"))),
            "{file}: {body}"
        );
    }
    ensure!(
        search(c, &format!("q={}", enc("標準v1城址公園")))?.is_empty(),
        "a refused tourism file wrote a row"
    );
    Ok(())
}

fn hsds_validates(c: &Client) -> Result<(), String> {
    let schema: serde_json::Value = serde_json::from_slice(&fixture("hsds-3.0/service.json")?)
        .map_err(|e| format!("service.json: {e}"))?;
    let validator = jsonschema::draft202012::new(&schema).map_err(|e| format!("schema: {e}"))?;
    let resp = c.get("/api/v1/public/resources.hsds.json")?;
    ensure!(resp.status == 200, "export: {}", resp.status);
    let page = resp.json()?;
    for field in [
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "contents",
    ] {
        ensure!(!page[field].is_null(), "the page has no {field}");
    }
    let services = page["contents"].as_array().ok_or("no contents")?;
    ensure!(services.len() >= 100, "only {} services", services.len());
    let mut failures = Vec::new();
    for service in services {
        for error in validator.iter_errors(service) {
            failures.push(format!(
                "{} at {}: {error}",
                service["id"].as_str().unwrap_or("?"),
                error.instance_path()
            ));
        }
    }
    ensure!(
        failures.is_empty(),
        "{} schema errors over {} services, the first: {:?}",
        failures.len(),
        services.len(),
        failures.iter().take(5).collect::<Vec<_>>()
    );
    // The HSDS API's own paths: a page, one service, and what is not there.
    let total = services.len();
    let second = c.get("/hsds/services?page=2&per_page=100")?;
    ensure!(second.status == 200, "/hsds/services: {}", second.status);
    let second = second.json()?;
    ensure!(
        second["page_number"] == 2
            && second["total_items"] == total
            && second["total_pages"] == total.div_ceil(100)
            && second["first_page"] == false
            && second["size"] == second["contents"].as_array().map_or(0, Vec::len),
        "page 2: {}",
        serde_json::json!({"page_number": second["page_number"], "total_items": second["total_items"], "total_pages": second["total_pages"], "size": second["size"]})
    );
    let first_id = services[0]["id"].as_str().ok_or("no id")?;
    let one = c.get(&format!("/hsds/services/{first_id}"))?;
    ensure!(one.status == 200, "/hsds/services/{{id}}: {}", one.status);
    let one = one.json()?;
    ensure!(validator.is_valid(&one), "one service does not validate");
    ensure!(
        one == services[0],
        "one service differs from its entry in the list"
    );
    ensure_problem(
        &c.get("/hsds/services/01NOSUCHSERVICE")?,
        404,
        "/problems/not-found",
    )?;
    expect_invalid_fields(&c.get("/hsds/services?per_page=0")?, &["?per_page"])?;
    Ok(())
}

fn fixture(name: &str) -> Result<Vec<u8>, String> {
    let path = repo_root().join("tests/fixtures").join(name);
    std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A query-string value, percent-encoded (the core's own encoder).
pub fn enc(s: &str) -> String {
    rainbownet_core::text::url_encode(s)
}

fn import(c: &Client, file: &str) -> Result<serde_json::Value, String> {
    let resp = admin_request(
        c,
        "POST",
        "/api/v1/public/imports?municipality=23233",
        "text/csv",
        fixture(file)?,
    )?;
    ensure!(
        resp.status == 200,
        "import {file}: {} {}",
        resp.status,
        resp.text()
    );
    resp.json()
}

fn count(report: &serde_json::Value, key: &str) -> u64 {
    report[key].as_u64().unwrap_or(u64::MAX)
}

fn import_shift_jis(c: &Client) -> Result<(), String> {
    for (file, dataset) in [
        ("public_toilets_23233.sjis.csv", "public_toilets"),
        ("care_services_23233.sjis.csv", "care_services"),
    ] {
        let first = import(c, file)?;
        ensure!(
            first["dataset"] == dataset,
            "{file}: dataset {}",
            first["dataset"]
        );
        let total =
            count(&first, "imported") + count(&first, "updated") + count(&first, "unchanged");
        ensure!(
            total == 3 && count(&first, "rejected") == 0,
            "{file}: first import {first}"
        );
        let again = import(c, file)?;
        ensure!(
            count(&again, "imported") == 0
                && count(&again, "updated") == 0
                && count(&again, "unchanged") == 3,
            "{file}: re-import changed something: {again}"
        );
    }
    let found = search(c, &format!("q={}", enc("清洲公園公衆トイレ")))?;
    let item = found.first().ok_or("imported toilet not found")?;
    ensure!(
        item["category"] == "welfare.toilet" && item["accessible_toilet"] == true,
        "toilet fields: {item}"
    );
    ensure!(
        item["schedule_text"][0]
            .as_str()
            .is_some_and(|s| s.contains("06:00")),
        "hours: {item}"
    );
    let day = search(c, &format!("q={}", enc("デイサービスきよす")))?;
    let item = day.first().ok_or("imported day service not found")?;
    ensure!(
        item["category"] == "care.day_service" && item["phone"] == "052-400-1111",
        "care fields: {item}"
    );
    Ok(())
}

fn import_broken_rows(c: &Client) -> Result<(), String> {
    let report = import(c, "public_toilets_broken_23233.csv")?;
    let lines: Vec<u64> = report["errors"]
        .as_array()
        .ok_or("no errors")?
        .iter()
        .filter_map(|e| e["line"].as_u64())
        .collect();
    ensure!(lines == [3, 4, 5, 7], "rejected lines {lines:?}: {report}");
    ensure!(count(&report, "rejected") == 4, "rejected {report}");
    let good = count(&report, "imported") + count(&report, "unchanged") + count(&report, "updated");
    ensure!(good == 2, "good rows {report}");
    ensure!(
        report["errors"][0]["reason_ja"]
            .as_str()
            .is_some_and(|r| r.contains("名称")),
        "reason {report}"
    );
    // Not a CSV of a known dataset: a problem, nothing written.
    let resp = admin_request(
        c,
        "POST",
        "/api/v1/public/imports?municipality=23233",
        "text/csv",
        b"a,b\r\n1,2\r\n".to_vec(),
    )?;
    ensure_problem(&resp, 422, "/problems/validation")?;
    let resp = admin_request(
        c,
        "POST",
        "/api/v1/public/imports?municipality=99999",
        "text/csv",
        fixture("public_toilets_23233.sjis.csv")?,
    )?;
    ensure_problem(&resp, 422, "/problems/validation")?;
    Ok(())
}

/// One page of `GET /api/v1/public/resources?{query}`, whole.
pub fn search_page(c: &Client, query: &str) -> Result<serde_json::Value, String> {
    let resp = c.get(&format!("/api/v1/public/resources?{query}"))?;
    ensure!(
        resp.status == 200,
        "search {query}: {} {}",
        resp.status,
        resp.text()
    );
    resp.json()
}

fn search(c: &Client, query: &str) -> Result<Vec<serde_json::Value>, String> {
    Ok(search_page(c, query)?["items"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

fn names(items: &[serde_json::Value]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| i["name"].as_str().map(str::to_owned))
        .collect()
}

fn search_kana(c: &Client) -> Result<(), String> {
    for q in ["たいそう", "ﾀｲｿｳ", "タイソウ", "体操"] {
        let items = search(c, &format!("q={}&limit=50", enc(q)))?;
        ensure!(!items.is_empty(), "{q}: nothing found");
        ensure!(
            names(&items).iter().all(|n| n.contains("体操")),
            "{q}: {:?}",
            names(&items)
        );
        for item in &items {
            for field in ["id", "name", "category", "lat", "lng", "url"] {
                ensure!(!item[field].is_null(), "{q}: item without {field}: {item}");
            }
        }
    }
    ensure!(
        search(c, &format!("q={}", enc("存在しない資源xyz")))?.is_empty(),
        "nonsense found something"
    );
    Ok(())
}

fn search_category(c: &Client) -> Result<(), String> {
    let items = search(c, "category=care&limit=100")?;
    ensure!(!items.is_empty(), "no care resources");
    ensure!(
        items.iter().all(|i| i["category"]
            .as_str()
            .is_some_and(|c| c.starts_with("care."))),
        "wrong category"
    );
    let kinds: std::collections::BTreeSet<&str> = items
        .iter()
        .filter_map(|i| i["category"].as_str())
        .collect();
    ensure!(kinds.len() >= 2, "subcategories not included: {kinds:?}");
    let salons = search(c, "category=gathering.salon&municipality=23234")?;
    ensure!(!salons.is_empty(), "no salons in 23234");
    ensure!(
        salons
            .iter()
            .all(|i| i["category"] == "gathering.salon" && i["municipality_code"] == "23234"),
        "filters"
    );
    Ok(())
}

/// The test's own haversine, as the reference.
fn haversine(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let r = 6_371_008.8_f64;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let a = ((p2 - p1) / 2.0).sin().powi(2)
        + p1.cos() * p2.cos() * ((lng2 - lng1).to_radians() / 2.0).sin().powi(2);
    2.0 * r * a.sqrt().asin()
}

fn search_near(c: &Client) -> Result<(), String> {
    let (lat, lng, radius) = (35.2456, 136.8658, 1500.0);
    let items = search(
        c,
        &format!("lat={lat}&lng={lng}&radius_m={radius}&limit=100"),
    )?;
    ensure!(
        items.len() >= 5,
        "only {} resources near 北名古屋市役所",
        items.len()
    );
    let mut last = 0.0;
    for item in &items {
        let d = item["distance_m"].as_f64().ok_or("no distance_m")?;
        let reference = haversine(
            lat,
            lng,
            item["lat"].as_f64().unwrap_or(0.0),
            item["lng"].as_f64().unwrap_or(0.0),
        );
        ensure!(
            (d - reference).abs() <= 1.0,
            "{}: {d} vs reference {reference}",
            item["name"]
        );
        ensure!(
            d >= last && d <= radius,
            "not nearest first or outside radius: {d} after {last}"
        );
        last = d;
    }
    Ok(())
}

fn pagination(c: &Client) -> Result<(), String> {
    for base in [
        "category=gathering&limit=7",
        "lat=35.2040&lng=136.8470&radius_m=1200&limit=9",
    ] {
        let all = search(
            c,
            &base
                .replace("limit=7", "limit=100")
                .replace("limit=9", "limit=100"),
        )?;
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..50 {
            let query = match &cursor {
                Some(cur) => format!("{base}&cursor={cur}"),
                None => base.to_owned(),
            };
            let body = c
                .get(&format!("/api/v1/public/resources?{query}"))?
                .json()?;
            seen.extend(
                body["items"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|i| i["id"].as_str().map(str::to_owned)),
            );
            match body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        ensure!(
            all.len() < 100,
            "{base}: the reference page is full; narrow the query"
        );
        let expected: Vec<String> = all
            .iter()
            .filter_map(|i| i["id"].as_str().map(str::to_owned))
            .collect();
        ensure!(
            seen == expected,
            "{base}: pages differ from one big page ({} vs {})",
            seen.len(),
            expected.len()
        );
    }
    Ok(())
}

fn bad_parameters(c: &Client) -> Result<(), String> {
    let resp =
        c.get("/api/v1/public/resources?lat=91&lng=136&radius_m=99999999&limit=0&cursor=zz")?;
    expect_invalid_fields(&resp, &["?lat", "?radius_m", "?limit", "?cursor"])?;
    Ok(())
}

fn first_id(c: &Client, query: &str) -> Result<String, String> {
    let items = search(c, query)?;
    items
        .first()
        .and_then(|i| i["id"].as_str().map(str::to_owned))
        .ok_or_else(|| format!("nothing for {query}"))
}

fn json_ld(html: &str) -> Result<serde_json::Value, String> {
    let start = html
        .find("<script type=\"application/ld+json\">")
        .ok_or("no JSON-LD")?
        + 35;
    let end = html[start..]
        .find("</script>")
        .ok_or("unterminated JSON-LD")?
        + start;
    serde_json::from_str(&html[start..end]).map_err(|e| format!("JSON-LD does not parse: {e}"))
}

fn resource_page(c: &Client) -> Result<(), String> {
    let id = first_id(
        c,
        &format!("q={}&category=medical.clinic", enc("クリニック")),
    )?;
    let resp = c.get(&format!("/resources/{id}"))?;
    ensure!(resp.status == 200, "page {}", resp.status);
    ensure!(
        resp.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "not HTML"
    );
    let cache = resp.header("cache-control").unwrap_or("");
    ensure!(
        cache.contains("s-maxage") && cache.contains("stale-while-revalidate"),
        "cache-control {cache}"
    );
    let html = resp.text();
    let ld = json_ld(&html)?;
    ensure!(
        ld["@context"] == "https://schema.org" && ld["@type"] == "MedicalClinic",
        "JSON-LD type: {ld}"
    );
    ensure!(
        ld["name"].as_str().is_some_and(|n| html.contains(n)),
        "JSON-LD name"
    );
    ensure!(
        ld["geo"]["latitude"].is_number() && ld["address"]["@type"] == "PostalAddress",
        "JSON-LD geo/address: {ld}"
    );
    ensure!(
        ld["openingHoursSpecification"][0]["opens"] == "09:00",
        "opening hours: {ld}"
    );
    // openingHours in schema.org's form ("Mo,Tu 09:00-17:00"), not Japanese words.
    let hours = ld["openingHours"]
        .as_array()
        .ok_or("no openingHours list")?;
    ensure!(
        !hours.is_empty()
            && hours.iter().all(|h| h.as_str().is_some_and(|h| {
                let (days, times) = h.split_once(' ').unwrap_or(("", ""));
                days.split(',')
                    .all(|d| ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"].contains(&d))
                    && times.len() == 11
                    && times.as_bytes()[5] == b'-'
            })),
        "openingHours: {ld}"
    );
    ensure!(
        html.contains("rel=\"canonical\"") && html.contains(&format!("/resources/{id}")),
        "canonical"
    );
    ensure!(html.contains("property=\"og:title\""), "OpenGraph");
    ensure!(html.contains("href=\"tel:052"), "tel: link");
    let etag = resp.header("etag").ok_or("no ETag")?.to_owned();
    let again = c.request(
        "GET",
        &format!("/resources/{id}"),
        &[("if-none-match", &etag)],
        None,
    )?;
    ensure!(
        again.status == 304 && again.body.is_empty(),
        "revalidation: {}",
        again.status
    );
    let missing = c.request(
        "GET",
        "/resources/01NOSUCHRESOURCE0000000000",
        &[("accept", "text/html")],
        None,
    )?;
    ensure!(
        missing.status == 404 && missing.text().contains("見つかりません"),
        "missing page {}",
        missing.status
    );
    Ok(())
}

fn markup_is_text(c: &Client) -> Result<(), String> {
    import(c, "public_toilets_broken_23233.csv")?;
    let id = first_id(c, &format!("q={}", enc("スクリプトトイレ")))?;
    let html = c.get(&format!("/resources/{id}"))?.text();
    ensure!(
        !html.contains("<script>alert(1)</script>"),
        "raw markup in the page"
    );
    ensure!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;トイレ"),
        "name not shown as text"
    );
    let list = c
        .get(&format!("/resources?q={}", enc("スクリプトトイレ")))?
        .text();
    ensure!(
        !list.contains("<script>alert(1)") && list.contains("&lt;script&gt;"),
        "results page"
    );
    Ok(())
}

/// Creates a resource as an administrator; returns it as the API answered (201 checked).
pub fn create_resource(c: &Client, body: &serde_json::Value) -> Result<serde_json::Value, String> {
    let created = admin_json(c, "POST", "/api/v1/public/resources", body)?;
    ensure!(
        created.status == 201,
        "create {} {}",
        created.status,
        created.text()
    );
    created.json()
}

fn admin_edit(c: &Client) -> Result<(), String> {
    let body = serde_json::json!({
        "municipality_code": "23342", "category": "gathering.salon", "name": "試験サロン",
        "name_kana": "しけんさろん", "lat": 35.251, "lng": 136.912, "phone": "0568-00-0000",
        "schedule": [
            {"freq": "monthly", "week": 2, "day": "mon", "start": "10:00", "end": "11:30"},
            {"freq": "weekly", "days": ["fri", "mon", "tue", "wed", "thu"], "start": "09:00", "end": "17:00"}
        ],
        "status": "published"
    });
    let resource = create_resource(c, &body)?;
    let id = resource["id"].as_str().ok_or("no id")?.to_owned();
    // Days as residents read them: 「月曜〜金曜」, never a lone 「月」 (month? Monday?).
    ensure!(
        resource["schedule_text"]
            == serde_json::json!(["毎月 第2月曜 10:00〜11:30", "毎週 月曜〜金曜 09:00〜17:00"]),
        "schedule text {resource}"
    );
    let page = c.get(&format!("/resources/{id}"))?.text();
    ensure!(page.contains("試験サロン"), "new page");
    ensure!(
        page.contains("毎週 月曜〜金曜 09:00〜17:00"),
        "weekdays on the page"
    );
    let mut renamed = body.clone();
    renamed["name"] = "改名サロン".into();
    let updated = admin_json(
        c,
        "PUT",
        &format!("/api/v1/public/resources/{id}"),
        &renamed,
    )?;
    ensure!(
        updated.status == 200,
        "update {} {}",
        updated.status,
        updated.text()
    );
    let page = c.get(&format!("/resources/{id}"))?.text();
    ensure!(
        page.contains("改名サロン") && !page.contains("試験サロン"),
        "page not updated after PUT"
    );
    let mut bad = body.clone();
    bad["name"] = "".into();
    bad["category"] = "no.such".into();
    bad["website"] = "javascript:alert(1)".into();
    let resp = admin_json(c, "POST", "/api/v1/public/resources", &bad)?;
    expect_invalid_fields(&resp, &["#/name", "#/website", "#/category"])?;
    let closed = {
        let mut b = renamed.clone();
        b["status"] = "closed".into();
        b
    };
    admin_json(c, "PUT", &format!("/api/v1/public/resources/{id}"), &closed)?;
    ensure!(
        search(c, &format!("q={}", enc("改名サロン")))?.is_empty(),
        "closed resource still in search"
    );
    let api = c.get(&format!("/api/v1/public/resources/{id}"))?;
    ensure!(
        api.status == 404,
        "closed resource public in the API: {}",
        api.status
    );
    let unknown = admin_json(c, "PUT", "/api/v1/public/resources/01NOSUCH", &body)?;
    ensure_problem(&unknown, 404, "/problems/not-found")?;
    let anonymous = c.request(
        "POST",
        "/api/v1/public/resources",
        &[("content-type", "application/json")],
        Some(body.to_string().into_bytes()),
    )?;
    ensure_problem(&anonymous, 401, "/problems/unauthorized")?;
    Ok(())
}

fn near_follows_writes(c: &Client) -> Result<(), String> {
    let tag = format!(
        "近所の新サロン{}{}",
        crate::auth::now_seconds(),
        std::process::id()
    );
    let path = format!(
        "/api/v1/public/resources?lat=35.2301&lng=136.8402&radius_m=500&limit=50&q={}",
        enc("サロン")
    );
    let names = |resp: Resp| -> Result<String, String> {
        ensure!(resp.status == 200, "near search: {}", resp.status);
        Ok(resp.json()?["items"].to_string())
    };
    // Asked twice: the second answer may come from the instance's memory.
    let before = names(c.get(&path)?)?;
    ensure!(
        names(c.get(&path)?)? == before,
        "the same question, the same answer"
    );
    ensure!(!before.contains(&tag), "not there yet");
    create_resource(
        c,
        &serde_json::json!({
            "municipality_code": "23233", "category": "gathering.salon", "name": tag,
            "lat": 35.2302, "lng": 136.8403, "status": "published",
        }),
    )?;
    let after = names(c.get(&path)?)?;
    ensure!(
        after.contains(&tag),
        "the new salon 15 m away is missing: {after}"
    );
    Ok(())
}

fn managed_list(c: &Client) -> Result<(), String> {
    use crate::auth::{PASSWORD, code, login, register, register_as, tokens, with_token};
    let tag = format!("{}{}", crate::auth::now_seconds(), std::process::id());
    let resource = |town: &str, name: &str, kana: &str, status: &str| {
        create_resource(
            c,
            &serde_json::json!({
                "municipality_code": town, "category": "gathering.salon", "name": format!("{name}{tag}"),
                "name_kana": format!("{kana}{tag}"), "lat": 35.2, "lng": 136.85, "status": status,
            }),
        )
        .and_then(|r| Ok(r["id"].as_str().ok_or("no id")?.to_owned()))
    };
    let draft = resource("23233", "下書きの集い", "したがきのつどい", "draft")?;
    let published = resource("23233", "100%_公開の集い", "こうかいのつどい", "published")?;
    let neighbour = resource("23234", "隣町の下書き", "りんちょうのしたがき", "draft")?;

    let staff = register_as(c, "managed-staff", &["municipal_staff"])?;
    let (staff_token, _) = tokens(&login(c, &staff.email, PASSWORD, &code(&staff, 0)?)?)?;
    let list = |token: &str, query: &str| -> Result<Vec<String>, String> {
        let resp = with_token(
            c,
            "GET",
            &format!("/api/v1/public/managed-resources?{query}"),
            token,
            None,
        )?;
        ensure!(
            resp.status == 200,
            "list {query}: {} {}",
            resp.status,
            resp.text()
        );
        ensure!(
            resp.header("cache-control")
                .is_some_and(|v| v.contains("no-store") || v.contains("private")),
            "a list with drafts must not be kept by shared caches"
        );
        Ok(resp.json()?["items"]
            .as_array()
            .ok_or("no items")?
            .iter()
            .filter_map(|i| i["id"].as_str().map(str::to_owned))
            .collect())
    };
    // Their own town by default, drafts included; the neighbour's draft is not theirs.
    let own = list(&staff_token, &format!("q={tag}"))?;
    ensure!(
        own.contains(&draft) && own.contains(&published) && !own.contains(&neighbour),
        "staff of 23233 see {own:?}"
    );
    // Kana in another width and script finds the draft; the status narrows.
    let kana = list(&staff_token, &format!("q={}", enc("ｼﾀｶﾞｷﾉﾂﾄﾞｲ")))?;
    ensure!(kana.contains(&draft), "half-width kana: {kana:?}");
    let drafts = list(&staff_token, &format!("q={tag}&status=draft"))?;
    ensure!(drafts == [draft.clone()], "drafts only: {drafts:?}");
    // % and _ are letters here, not patterns.
    let percent = list(&staff_token, &format!("q={}", enc("100%_")))?;
    ensure!(percent.contains(&published), "100%_ finds its name");
    let wildcard = list(&staff_token, &format!("q={}{tag}", enc("%")))?;
    ensure!(wildcard.is_empty(), "% is not a wildcard: {wildcard:?}");
    // Another town is refused, not quietly emptied; the region is for sysadmins.
    let other = with_token(
        c,
        "GET",
        "/api/v1/public/managed-resources?municipality=23234",
        &staff_token,
        None,
    )?;
    ensure_problem(&other, 403, "/problems/forbidden")?;
    let region = crate::cases::admin_request(
        c,
        "GET",
        &format!("/api/v1/public/managed-resources?q={tag}"),
        "application/json",
        Vec::new(),
    )?;
    let region_ids = region.json()?["items"].to_string();
    ensure!(
        region.status == 200
            && [&draft, &published, &neighbour]
                .iter()
                .all(|id| region_ids.contains(id.as_str())),
        "a sysadmin sees the region: {} {region_ids}",
        region.status
    );
    // A professional is no administrator; nobody is without a token.
    let nurse = register(c, "managed-nurse")?;
    let (nurse_token, _) = tokens(&login(c, &nurse.email, PASSWORD, &code(&nurse, 0)?)?)?;
    let refused = with_token(
        c,
        "GET",
        "/api/v1/public/managed-resources",
        &nurse_token,
        None,
    )?;
    ensure_problem(&refused, 403, "/problems/forbidden")?;
    let anonymous = c.get("/api/v1/public/managed-resources")?;
    ensure_problem(&anonymous, 401, "/problems/unauthorized")?;
    // An expired or forged token opening a draft is a 401 (the page refreshes on it), not
    // a 404 that reads as "deleted"; without a token the draft does not exist.
    let forged_token = {
        // One character of the signature changed (not the last: its low bits may be padding).
        let mut chars: Vec<char> = staff_token.chars().collect();
        let at = chars.len() - 10;
        chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect::<String>()
    };
    for id in [&draft, &published] {
        let forged = with_token(
            c,
            "GET",
            &format!("/api/v1/public/resources/{id}"),
            &forged_token,
            None,
        )?;
        ensure_problem(&forged, 401, "/problems/unauthorized")?;
    }
    let hidden = c.get(&format!("/api/v1/public/resources/{draft}"))?;
    ensure_problem(&hidden, 404, "/problems/not-found")?;
    let own_draft = with_token(
        c,
        "GET",
        &format!("/api/v1/public/resources/{draft}"),
        &staff_token,
        None,
    )?;
    ensure!(
        own_draft.status == 200,
        "staff open their draft: {}",
        own_draft.status
    );
    let bad = with_token(
        c,
        "GET",
        &format!(
            "/api/v1/public/managed-resources?municipality=2323&status=gone&cursor=zz&q={}",
            "a".repeat(51)
        ),
        &staff_token,
        None,
    )?;
    expect_invalid_fields(&bad, &["?municipality", "?q", "?status", "?cursor"])?;
    // Pages of the region's published resources: each once, and the cursor carries on.
    let mut seen = std::collections::HashSet::new();
    let mut cursor = String::new();
    for _ in 0..3 {
        let page = crate::cases::admin_request(
            c,
            "GET",
            &format!("/api/v1/public/managed-resources?status=published&cursor={cursor}"),
            "application/json",
            Vec::new(),
        )?
        .json()?;
        for item in page["items"].as_array().ok_or("no items")? {
            ensure!(
                seen.insert(item["id"].to_string()),
                "{} twice across pages",
                item["id"]
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = enc(next),
            None => break,
        }
    }
    ensure!(
        seen.len() > 50,
        "the demo region fills more than a page: {}",
        seen.len()
    );
    Ok(())
}

fn print_and_exports(c: &Client) -> Result<(), String> {
    let items = search(c, "category=gathering&limit=3")?;
    let ids: Vec<&str> = items.iter().filter_map(|i| i["id"].as_str()).collect();
    let print = c.get(&format!("/resources/print?ids={}", ids.join(",")))?;
    ensure!(print.status == 200, "print {}", print.status);
    let html = print.text();
    ensure!(
        html.matches("<svg").count() == ids.len(),
        "one QR code per resource"
    );
    ensure!(
        html.contains("/app/print.css") && html.contains("noindex"),
        "print stylesheet / noindex"
    );
    let sitemap = c.get("/sitemap.xml")?;
    ensure!(
        sitemap.status == 200
            && sitemap
                .text()
                .contains(&format!("/resources/{}</loc>", ids[0])),
        "sitemap"
    );
    let robots = c.get("/robots.txt")?.text();
    ensure!(
        robots.contains("Sitemap: ") && robots.contains("Disallow: /api/"),
        "robots {robots}"
    );
    let hsds = c.get("/api/v1/public/resources.hsds.json")?.json()?;
    let contents = hsds["contents"].as_array().ok_or("no contents")?;
    ensure!(
        hsds["total_items"].as_u64() == Some(contents.len() as u64) && !contents.is_empty(),
        "HSDS totals"
    );
    let service = &contents[0];
    ensure!(
        service["service_at_locations"][0]["location"]["latitude"].is_number(),
        "HSDS location: {service}"
    );
    ensure!(
        service["attributes"][0]["taxonomy_term"]["code"].is_string(),
        "HSDS taxonomy"
    );
    let csv = c.get("/api/v1/public/resources.csv")?;
    ensure!(
        csv.header("content-type")
            .is_some_and(|t| t.starts_with("text/csv")),
        "csv type"
    );
    ensure!(
        csv.body.starts_with(b"\xEF\xBB\xBFID,"),
        "csv BOM and header"
    );
    ensure!(
        csv::Reader::from_reader(csv.body.as_slice())
            .records()
            .count()
            == contents.len(),
        "csv rows vs HSDS"
    );
    let home = c.get("/")?.text();
    ensure!(
        home.contains("action=\"/resources\"") && home.contains("お知らせ"),
        "home page"
    );
    Ok(())
}

fn hsds_import(c: &Client) -> Result<(), String> {
    let report = import(c, "hsds_services_23233.json")?;
    ensure!(
        report["dataset"] == "hsds"
            && count(&report, "imported") + count(&report, "unchanged") == 2,
        "two services in: {report}"
    );
    let lines: Vec<u64> = report["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["line"].as_u64())
        .collect();
    ensure!(
        lines == [3, 4],
        "the service without a known category and the one of another town, by place: {report}"
    );
    ensure!(
        report["warnings"].as_array().is_some_and(|w| w.len() == 2),
        "the bad kana and the DAILY schedule are left out, by place: {report}"
    );
    let site = search(c, &format!("q={}", enc("HSDS様式高台公園")))?
        .into_iter()
        .find(|r| r["name"] == "HSDS様式高台公園")
        .ok_or("the site was not imported")?;
    ensure!(
        site["category"] == "disaster.evacuation_site"
            && site["hazards"] == serde_json::json!(["flood", "earthquake"])
            && site["phone"] == "052-400-7001"
            && site["wheelchair"] == true
            && site["parking"] == true,
        "the site as the file describes it: {site}"
    );
    // Hazards came in as data: the flood search finds the site.
    ensure!(
        flood_sites(c)?.iter().any(|n| n == "HSDS様式高台公園"),
        "the flood search finds the imported site"
    );
    let salon = by_name(c, "HSDS様式ふれあいサロン")?;
    ensure!(
        salon["schedule"]
            == serde_json::json!([{"freq": "monthly", "week": 2, "day": "tue", "start": "10:00", "end": "11:30"}])
            && salon["name_kana"].is_null(),
        "the salon's monthly schedule kept, its bad kana left out: {salon}"
    );
    let again = import(c, "hsds_services_23233.json")?;
    ensure!(
        count(&again, "unchanged") == 2 && count(&again, "imported") == 0,
        "a re-run changes nothing: {again}"
    );
    // Not JSON, not HSDS: a clear refusal, nothing half-written.
    let bad = admin_request(
        c,
        "POST",
        "/api/v1/public/imports?municipality=23233",
        "application/json",
        b"{\"services\": 1}".to_vec(),
    )?;
    ensure!(
        bad.status == 422 || bad.status == 400,
        "not HSDS: {} {}",
        bad.status,
        bad.text()
    );
    ensure!(
        bad.header("content-type")
            .is_some_and(|t| t.starts_with("application/problem+json")),
        "a problem document"
    );
    Ok(())
}
