//! Conformance cases of resident search (issue: search a resident would use). The relevance
//! test set is a table: a query as residents type it, and what each of the first three
//! results must be. It prints precision at 3 per query and overall.

use serde_json::Value;

use crate::auth::{PASSWORD, code, login, register_as, tokens, with_token};
use crate::cases::{Case, admin_request, ensure_problem, expect_invalid_fields};
use crate::client::Client;
use crate::resources::{enc, search_page as search};

pub const CASES: &[Case] = &[
    Case {
        name: "a search of too many words is a 422 naming ?q, never a 503, on the API and the page",
        run: too_many_words,
    },
    Case {
        name: "relevance test set: the words residents type put the right places first (precision at 3)",
        run: relevance,
    },
    Case {
        name: "a hazard word returns only sites designated for it; each site's page lists its hazards in words",
        run: hazards,
    },
    Case {
        name: "no dead ends: an empty search suggests searches that find something, never without the hazard",
        run: suggestions,
    },
    Case {
        name: "sysadmins keep the search words; the edit applies at once; others and bad words are refused",
        run: dictionary,
    },
    Case {
        name: "search answers are kept like pages: ETag and 304, never stale after a write, open-now for a minute",
        run: kept_like_pages,
    },
    Case {
        name: "view=list answers the same results in the same order as cards (under half the bytes, no description); kept apart from the full answer; a bad view is refused",
        run: list_view,
    },
];

fn items(page: &Value) -> Vec<Value> {
    page["items"].as_array().cloned().unwrap_or_default()
}

fn category(r: &Value, prefix: &str) -> bool {
    r["category"]
        .as_str()
        .is_some_and(|c| c == prefix || c.starts_with(&format!("{prefix}.")))
}

fn has_hazard(r: &Value, hazard: &str) -> bool {
    r["hazards"]
        .as_array()
        .is_some_and(|h| h.iter().any(|x| x == hazard))
}

fn open_on(r: &Value, day: &str) -> bool {
    r["schedule"].as_array().is_some_and(|rules| {
        rules.iter().any(|rule| {
            rule["day"] == day
                || rule["days"]
                    .as_array()
                    .is_some_and(|d| d.iter().any(|x| x == day))
        })
    })
}

fn name_has(r: &Value, part: &str) -> bool {
    r["name"].as_str().is_some_and(|n| n.contains(part))
}

type Expect = fn(&Value) -> bool;

/// (query, what each of the first three results must be)
const SET: &[(&str, Expect)] = &[
    ("避難所", |r| category(r, "disaster")),
    ("避難場所", |r| category(r, "disaster")),
    ("歯医者", |r| category(r, "medical.dental")),
    ("はいしゃ", |r| category(r, "medical.dental")),
    ("買い物", |r| category(r, "shopping")),
    ("トイレ 車いす", |r| {
        category(r, "welfare.toilet") && r["wheelchair"] == true
    }),
    ("だれでもトイレ", |r| category(r, "welfare.toilet")),
    ("体操教室 月曜", |r| {
        category(r, "gathering.exercise") && open_on(r, "mon")
    }),
    ("体操 毎週火曜日", |r| {
        category(r, "gathering.exercise") && open_on(r, "tue")
    }),
    ("AED", |r| category(r, "welfare.aed")),
    ("ａｅｄ", |r| category(r, "welfare.aed")),
    ("訪問看護", |r| name_has(r, "訪問看護")),
    ("北名古屋 サロン", |r| {
        r["municipality_code"] == "23234" && category(r, "gathering.salon")
    }),
    ("豊山 歯医者", |r| {
        r["municipality_code"] == "23342" && category(r, "medical.dental")
    }),
    ("清須 体操", |r| {
        r["municipality_code"] == "23233" && category(r, "gathering.exercise")
    }),
    ("洪水", |r| has_hazard(r, "flood")),
    ("洪水 避難場所", |r| has_hazard(r, "flood")),
    ("地震 避難所", |r| has_hazard(r, "earthquake")),
    ("病院", |r| category(r, "medical")),
    ("くすり", |r| category(r, "medical.pharmacy")),
    ("デイサービス", |r| category(r, "care.day_service")),
    ("オレンジカフェ", |r| category(r, "gathering.cafe")),
    ("認知症カフェ", |r| category(r, "gathering.cafe")),
    ("ケアマネ", |r| category(r, "care.management")),
    ("たいそう", |r| category(r, "gathering.exercise")),
    ("ﾀｲｿｳ", |r| category(r, "gathering.exercise")),
    ("内科", |r| name_has(r, "内科")),
    ("地域包括", |r| category(r, "care.support_centre")),
    ("サロン 駐車場", |r| {
        category(r, "gathering.salon") && r["parking"] == true
    }),
];

fn relevance(c: &Client) -> Result<(), String> {
    let mut sum = 0.0;
    let mut failures = Vec::new();
    for (query, expect) in SET {
        let page = search(c, &format!("q={}&limit=3", enc(query)))?;
        let top = items(&page);
        let good = top.iter().filter(|r| expect(r)).count();
        let precision = good as f64 / 3.0;
        sum += precision;
        println!(
            "    p@3 {precision:.2}  {query}  ({} results)",
            page["total"]
        );
        if good < 3 {
            let names: Vec<&str> = top.iter().filter_map(|r| r["name"].as_str()).collect();
            failures.push(format!("{query}: {names:?}"));
        }
    }
    println!(
        "    precision at 3 over {} queries: {:.3}",
        SET.len(),
        sum / SET.len() as f64
    );
    ensure!(failures.is_empty(), "below 1.0 at 3: {failures:?}");

    // Same-named places are told apart by town and district, and the demo names differ.
    let salons = items(&search(
        c,
        &format!("q={}&limit=20", enc("北名古屋 サロン")),
    )?);
    let mut seen = std::collections::HashSet::new();
    for s in &salons {
        ensure!(
            s["municipality_name"] == "北名古屋市"
                && s["district"].as_str().is_some_and(|d| !d.is_empty()),
            "town and district beside the name: {s}"
        );
        ensure!(
            seen.insert(s["name"].as_str().unwrap_or_default().to_owned()),
            "two salons named {}",
            s["name"]
        );
    }
    // Name matches come before category matches: 訪問看護ステーション before
    // ヘルパーステーション (both are 訪問介護・訪問看護).
    let nursing = items(&search(c, &format!("q={}&limit=100", enc("訪問看護")))?);
    let first_helper = nursing
        .iter()
        .position(|r| name_has(r, "ヘルパー"))
        .ok_or("no helper station")?;
    ensure!(
        nursing[..first_helper]
            .iter()
            .all(|r| name_has(r, "訪問看護"))
            && first_helper > 0,
        "name matches first: {:?}",
        nursing
            .iter()
            .map(|r| r["name"].clone())
            .collect::<Vec<_>>()
    );
    ensure!(
        nursing[0]["matched"].as_array().is_some_and(|m| m
            .iter()
            .any(|x| x.as_str().is_some_and(|s| s.contains("名称")))),
        "each result says what matched: {}",
        nursing[0]
    );
    // With the resident's place known, distance breaks ties between equal matches.
    let near = items(&search(
        c,
        &format!(
            "q={}&lat=35.2040&lng=136.8470&radius_m=30000&limit=10",
            enc("サロン")
        ),
    )?);
    let distances: Vec<f64> = near
        .iter()
        .filter_map(|r| r["distance_m"].as_f64())
        .collect();
    ensure!(
        distances.len() == near.len()
            && !near.is_empty()
            && distances.windows(2).all(|w| w[0] <= w[1]),
        "equal matches nearest first: {distances:?}"
    );
    // The results page says how many, how the words were read, and what matched.
    let page = c.get(&format!("/resources?q={}", enc("体操教室 月曜")))?;
    let html = page.text();
    ensure!(
        page.status == 200
            && html.contains("件</strong>見つかりました")
            && html.contains("月曜日に開く")
            && html.contains("一致："),
        "results page: {}",
        &html[..html.len().min(400)]
    );
    Ok(())
}

fn hazards(c: &Client) -> Result<(), String> {
    // Every page of 「洪水」 holds only flood sites, and all of them.
    let all_sites = items(&search(c, "category=disaster.evacuation_site&limit=100")?);
    let flood_sites = all_sites.iter().filter(|r| has_hazard(r, "flood")).count();
    ensure!(
        flood_sites > 0 && flood_sites < all_sites.len(),
        "the demo has sites for floods and sites not for floods: {flood_sites} of {}",
        all_sites.len()
    );
    let mut found = 0;
    let mut cursor: Option<String> = None;
    loop {
        let after = cursor
            .as_deref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let page = search(c, &format!("q={}&limit=5{after}", enc("洪水 避難所")))?;
        for r in items(&page) {
            ensure!(has_hazard(&r, "flood"), "not designated for floods: {r}");
            found += 1;
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    ensure!(
        found == flood_sites,
        "洪水 found {found} of {flood_sites} flood sites"
    );
    // Two hazards: sites designated for both.
    for r in items(&search(c, &format!("q={}&limit=100", enc("洪水 地震")))?) {
        ensure!(
            has_hazard(&r, "flood") && has_hazard(&r, "earthquake"),
            "both hazards: {r}"
        );
    }
    // A hazard word is not a text match: a description that mentions floods does not make
    // a place a flood site.
    let hall = all_sites
        .iter()
        .find(|r| !has_hazard(r, "flood"))
        .ok_or("no site without floods")?;
    let page = c.get(&format!(
        "/resources/{}",
        hall["id"].as_str().unwrap_or_default()
    ))?;
    let html = page.text();
    ensure!(
        html.contains("対応する災害")
            && html.contains("地震・大規模な火事")
            && html.contains("対応していない災害")
            && html.contains("洪水"),
        "the site's page names its hazards and the ones it is not for: {}",
        hall["name"]
    );
    ensure!(
        html.contains("指定緊急避難場所</strong>は"),
        "the page says what an evacuation site is"
    );
    ensure!(
        html.contains("amenityFeature"),
        "JSON-LD carries the hazards"
    );
    // The results page shows each site's hazards.
    let results = c.get(&format!("/resources?q={}", enc("避難所")))?.text();
    ensure!(
        results.contains("対応する災害：") && results.contains("避難場所と避難所のちがい"),
        "results page hazards and the 避難所/避難場所 note"
    );
    // Hazards are typed data: a salon can not be designated, a made-up hazard is refused.
    let bad = admin_request(
        c,
        "POST",
        "/api/v1/public/resources",
        "application/json",
        serde_json::json!({"municipality_code": "23233", "category": "gathering.salon", "name": "洪水サロン", "hazards": ["flood"]})
            .to_string()
            .into_bytes(),
    )?;
    expect_invalid_fields(&bad, &["#/hazards"])?;
    let unknown = admin_request(
        c,
        "POST",
        "/api/v1/public/resources",
        "application/json",
        serde_json::json!({"municipality_code": "23233", "category": "disaster.evacuation_site", "name": "隕石広場", "hazards": ["meteor"]})
            .to_string()
            .into_bytes(),
    )?;
    ensure!(
        unknown.status == 400 || unknown.status == 422,
        "unknown hazard: {} {}",
        unknown.status,
        unknown.text()
    );
    Ok(())
}

fn suggestions(c: &Client) -> Result<(), String> {
    // A salon with an attribute no salon has: the suggestion drops the attribute.
    let page = search(c, &format!("q={}", enc("サロン 日曜")))?;
    ensure!(
        items(&page).is_empty(),
        "no salon meets on Sundays in the demo"
    );
    let s = page["suggestions"].as_array().cloned().unwrap_or_default();
    ensure!(!s.is_empty(), "an empty page suggests something: {page}");
    for suggestion in &s {
        let query = suggestion["query"].as_str().ok_or("no query")?;
        let found = search(c, query)?;
        ensure!(
            !items(&found).is_empty(),
            "suggestion {query} finds nothing"
        );
        // The count shown beside a suggestion is the count its search answers with.
        ensure!(
            suggestion["count"].as_u64().is_some() && suggestion["count"] == found["total"],
            "suggestion {query} says {} and finds {}",
            suggestion["count"],
            found["total"]
        );
    }
    ensure!(
        s.iter()
            .any(|x| x["query"] == format!("q={}", enc("サロン"))),
        "dropping 日曜 is offered: {s:?}"
    );
    // No tsunami sites inland: never a suggestion without the hazard.
    let page = search(c, &format!("q={}", enc("津波")))?;
    ensure!(items(&page).is_empty(), "the demo has no tsunami sites");
    for suggestion in page["suggestions"].as_array().cloned().unwrap_or_default() {
        let query = suggestion["query"].as_str().unwrap_or_default();
        for r in items(&search(c, query)?) {
            ensure!(
                !category(&r, "disaster.evacuation_site")
                    || has_hazard(&r, "tsunami")
                    || query.contains("category="),
                "a suggestion leads to a site not for tsunamis: {query}"
            );
        }
    }
    // The page for people says so, and offers the links.
    let html = c
        .get(&format!("/resources?q={}", enc("サロン 日曜")))?
        .text();
    ensure!(
        html.contains("こちらなら見つかります"),
        "the page offers suggestions"
    );
    Ok(())
}

fn dictionary(c: &Client) -> Result<(), String> {
    let word = format!("ほっと{}", std::process::id() % 1000);
    let path = format!("/api/v1/public/search-words/{}", enc(&word));
    // Before: the word finds nothing.
    ensure!(
        items(&search(c, &format!("q={}", enc(&word)))?).is_empty(),
        "{word} is unknown"
    );
    // A town's staff and a nurse may not edit the region's dictionary; nobody anonymous.
    let body =
        serde_json::json!({"categories": ["gathering.cafe"], "alternatives": ["オレンジカフェ"]})
            .to_string();
    let anonymous = c.request(
        "PUT",
        &path,
        &[("content-type", "application/json")],
        Some(body.clone().into_bytes()),
    )?;
    ensure_problem(&anonymous, 401, "/problems/unauthorized")?;
    let staff = register_as(c, "words-staff", &["municipal_staff"])?;
    let (staff_token, _) = tokens(&login(c, &staff.email, PASSWORD, &code(&staff, 0)?)?)?;
    let denied = with_token(c, "PUT", &path, &staff_token, Some(body.clone()))?;
    ensure!(
        denied.status == 403,
        "staff edit: {} {}",
        denied.status,
        denied.text()
    );
    // Bad words are refused, each field named.
    let bad = admin_request(
        c,
        "PUT",
        &path,
        "application/json",
        serde_json::json!({"categories": ["nope"], "alternatives": ["two words", "<script>"]})
            .to_string()
            .into_bytes(),
    )?;
    expect_invalid_fields(&bad, &["#/categories/0", "#/alternatives/0"])?;
    let set = admin_request(c, "PUT", &path, "application/json", body.into_bytes())?;
    ensure!(
        set.status == 200,
        "sysadmin edit: {} {}",
        set.status,
        set.text()
    );
    let listed = c.get("/api/v1/public/search-words")?.json()?;
    ensure!(
        listed["items"]
            .as_array()
            .is_some_and(|a| a.iter().any(|w| w["word"] == word.as_str())),
        "the word is listed"
    );
    // At once, on this host: the word finds the cafés.
    let found = items(&search(c, &format!("q={}&limit=3", enc(&word)))?);
    ensure!(
        found.len() == 3 && found.iter().all(|r| category(r, "gathering.cafe")),
        "{word} finds cafés: {found:?}"
    );
    let gone = admin_request(c, "DELETE", &path, "application/json", Vec::new())?;
    ensure!(gone.status == 204, "delete: {}", gone.status);
    let again = admin_request(c, "DELETE", &path, "application/json", Vec::new())?;
    ensure_problem(&again, 404, "/problems/not-found")?;
    ensure!(
        items(&search(c, &format!("q={}", enc(&word)))?).is_empty(),
        "{word} is gone"
    );
    Ok(())
}

fn kept_like_pages(c: &Client) -> Result<(), String> {
    let word = format!("保存確認{}", std::process::id());
    let path = format!("/api/v1/public/resources?q={}", enc(&word));
    let page_path = format!("/resources?q={}", enc(&word));
    // Nothing yet, and the empty answer is now kept.
    ensure!(
        items(&search(c, &format!("q={}", enc(&word)))?).is_empty(),
        "nothing named {word} yet"
    );
    ensure!(
        !c.get(&page_path)?.text().contains("<ol class=\"results\">"),
        "the page finds nothing"
    );
    let first = c.get(&path)?;
    let etag = first
        .header("etag")
        .ok_or("a search answer has an ETag")?
        .to_owned();
    ensure!(
        first
            .header("cache-control")
            .is_some_and(|v| v.contains("s-maxage")),
        "shared caches may keep it: {:?}",
        first.header("cache-control")
    );
    let again = c.request("GET", &path, &[("if-none-match", &etag)], None)?;
    ensure!(
        again.status == 304,
        "the same answer is 304: {}",
        again.status
    );
    // A write makes every kept answer obsolete: the new place is found at once.
    let created = admin_request(
        c,
        "POST",
        "/api/v1/public/resources",
        "application/json",
        serde_json::json!({"municipality_code": "23233", "category": "gathering.salon", "name": word,
            "lat": 35.2, "lng": 136.85, "status": "published"})
        .to_string()
        .into_bytes(),
    )?;
    ensure!(
        created.status == 201,
        "create: {} {}",
        created.status,
        created.text()
    );
    let found = items(&search(c, &format!("q={}", enc(&word)))?);
    ensure!(
        found.len() == 1,
        "found after the write, not the kept empty answer: {found:?}"
    );
    ensure!(
        c.get(&page_path)?.text().contains(&word),
        "the results page after the write"
    );
    let changed = c.request("GET", &path, &[("if-none-match", &etag)], None)?;
    ensure!(changed.status == 200, "a changed answer is not 304");
    // "Open now" changes by the minute: kept a minute at most.
    let now = c.get("/api/v1/public/resources?open_now=1")?;
    ensure!(
        now.header("cache-control")
            .is_some_and(|v| v.contains("max-age=60") && v.contains("s-maxage=60")),
        "open now for a minute: {:?}",
        now.header("cache-control")
    );
    Ok(())
}

fn list_view(c: &Client) -> Result<(), String> {
    let near = format!(
        "q={}&lat=35.2&lng=136.85&radius_m=3000&limit=20",
        enc("サロン")
    );
    for query in [near.as_str(), "category=gathering&limit=20"] {
        let full = c.get(&format!("/api/v1/public/resources?{query}"))?;
        let list = c.get(&format!("/api/v1/public/resources?{query}&view=list"))?;
        ensure!(
            full.status == 200 && list.status == 200,
            "{query}: {} {}",
            full.status,
            list.status
        );
        let (full_items, list_items) = (items(&full.json()?), items(&list.json()?));
        let ids = |v: &[Value]| v.iter().map(|i| i["id"].clone()).collect::<Vec<_>>();
        ensure!(
            !full_items.is_empty() && ids(&full_items) == ids(&list_items),
            "{query}: the same results in the same order"
        );
        for (f, l) in full_items.iter().zip(&list_items) {
            for field in [
                "name",
                "url",
                "category_name",
                "lat",
                "lng",
                "schedule_text",
                "distance_m",
            ] {
                ensure!(
                    f[field] == l[field],
                    "{query}: {field} differs: {} {}",
                    f[field],
                    l[field]
                );
            }
            for absent in ["description", "website", "schedule", "created_at", "source"] {
                ensure!(l.get(absent).is_none(), "{query}: a card carries {absent}");
            }
        }
        // The two views are kept as two answers: neither is served for the other.
        ensure!(
            full.header("etag") != list.header("etag"),
            "{query}: one ETag for both views"
        );
        let again = c.get(&format!("/api/v1/public/resources?{query}"))?;
        ensure!(
            items(&again.json()?)
                .first()
                .is_some_and(|i| i.get("created_at").is_some()),
            "{query}: the full answer came back as cards"
        );
        println!(
            "    {query}: full {} bytes, list {} bytes",
            full.body.len(),
            list.body.len()
        );
        ensure!(
            list.body.len() * 2 < full.body.len(),
            "{query}: the list is not much smaller ({} vs {} bytes)",
            list.body.len(),
            full.body.len()
        );
    }
    let bad = c.get("/api/v1/public/resources?view=everything")?;
    ensure_problem(&bad, 422, "/problems/validation")?;
    ensure!(
        bad.text().contains("?view"),
        "the parameter named: {}",
        bad.text()
    );
    Ok(())
}

/// 34 one-character words once took SQLite past its bound parameters (503, with the SQL in
/// the log): a search takes at most eight words and says so.
fn too_many_words(c: &Client) -> Result<(), String> {
    let many = ["あ"; 34].join(" ");
    let api = c.get(&format!("/api/v1/public/resources?q={}", enc(&many)))?;
    expect_invalid_fields(&api, &["?q"])?;
    let page = c.get(&format!("/resources?q={}", enc(&many)))?;
    ensure!(page.status == 422, "page: {}", page.status);
    let eight = ["体操"; 8].join(" ");
    let ok = c.get(&format!("/api/v1/public/resources?q={}", enc(&eight)))?;
    ensure!(ok.status == 200, "eight words: {} {}", ok.status, ok.text());
    Ok(())
}
