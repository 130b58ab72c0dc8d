//! Resource pages for people: the results list, one page per resource (with JSON-LD,
//! OpenGraph and a canonical link) and the printable handout with QR codes.

use std::fmt::Write as _;

use serde_json::json;

use super::{Esc, Head, page, url_encode};
use crate::env::Env;
use crate::error::Error;
use crate::ports::Database;
use crate::resources::Resource;
use crate::resources::export::opening_hours;
use crate::resources::search::{SearchPage, SearchQuery};

fn yes_no(value: Option<bool>, yes: &str, no: &str) -> Option<String> {
    value.map(|v| if v { yes } else { no }.to_owned())
}

fn option(value: &str, label: &str, selected: bool) -> String {
    format!(
        "<option value=\"{}\"{}>{}</option>",
        Esc(value),
        if selected { " selected" } else { "" },
        Esc(label)
    )
}

/// `/resources`: the search form and one page of results. Works without JavaScript.
pub async fn results(env: &Env, query: &SearchQuery, found: &SearchPage) -> Result<String, Error> {
    let tiles = super::tiles(env);
    let sql = env.sql(Database::Public).await?;
    let categories = sql
        .query(
            "SELECT code, parent, name_ja FROM categories ORDER BY sort",
            &[],
        )
        .await?;
    let towns = crate::public::municipalities::list(env).await?;
    let mut body = String::from(
        "<h1>地域資源をさがす</h1>\n<form class=\"search\" action=\"/resources\" method=\"get\" role=\"search\">\n",
    );
    let _ = writeln!(
        body,
        "<input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"例：たいそう\" aria-label=\"ことば\">",
        Esc(query.words.as_deref().unwrap_or(""))
    );
    body.push_str("<select name=\"category\" aria-label=\"分類\">");
    body.push_str(&option("", "すべての分類", query.category.is_none()));
    for row in categories.iter() {
        let code = row.text("code")?;
        let indent = if row.opt_text("parent")?.is_some() {
            "　"
        } else {
            ""
        };
        body.push_str(&option(
            code,
            &format!("{indent}{}", row.text("name_ja")?),
            query.category.as_deref() == Some(code),
        ));
    }
    body.push_str("</select>\n<select name=\"municipality\" aria-label=\"市町\">");
    body.push_str(&option("", "すべての市町", query.municipality.is_none()));
    for t in &towns {
        body.push_str(&option(
            &t.code,
            &t.name,
            query.municipality.as_deref() == Some(t.code.as_str()),
        ));
    }
    body.push_str("</select>\n");
    let _ = writeln!(
        body,
        "<label><input type=\"checkbox\" name=\"open_now\" value=\"1\"{}> 今やっている</label>",
        if query.open_now { " checked" } else { "" }
    );
    if let Some(n) = &query.near {
        let _ = writeln!(
            body,
            "<input type=\"hidden\" name=\"lat\" value=\"{}\"><input type=\"hidden\" name=\"lng\" value=\"{}\">\
             <input type=\"hidden\" name=\"radius_m\" value=\"{}\">",
            n.lat, n.lng, n.radius_m
        );
    }
    body.push_str("<button type=\"submit\">さがす</button>\n</form>\n");
    if let Some(n) = &query.near {
        let _ = writeln!(
            body,
            "<p>現在地から半径 {:.1} km 以内を、近い順に表示しています。</p>",
            n.radius_m / 1000.0
        );
    }
    body.push_str(&understanding(query, found));
    if found.about_evacuation {
        body.push_str(EVACUATION_NOTE);
    }
    if found.items.is_empty() {
        body.push_str(&no_results(found));
    } else {
        let ids: Vec<&str> = found.items.iter().map(|h| h.resource.id.as_str()).collect();
        let _ = writeln!(
            body,
            "<p class=\"actions\"><a class=\"button secondary\" href=\"/resources/print?ids={}\">このページの一覧を印刷する</a></p>",
            url_encode(&ids.join(","))
        );
        body.push_str("<ol class=\"results\">\n");
        for hit in &found.items {
            body.push_str(&result_item(hit));
        }
        body.push_str("</ol>\n");
        let points: Vec<(f64, f64, &str, &str)> = found
            .items
            .iter()
            .filter_map(|h| {
                let f = &h.resource.fields;
                Some((f.lat?, f.lng?, f.name.as_str(), h.resource.url.as_str()))
            })
            .collect();
        body.push_str(&super::map(&points, tiles.as_ref()));
    }
    if let Some(cursor) = &found.next_cursor {
        let qs = query.to_query_string();
        let sep = if qs.is_empty() { "" } else { "&" };
        let _ = writeln!(
            body,
            "<nav class=\"pager\"><span></span><a class=\"button\" href=\"/resources?{qs}{sep}cursor={}\">次のページ</a></nav>",
            url_encode(cursor)
        );
    }
    body.push_str("<script src=\"/app/portal.js\" defer></script>\n");
    Ok(page(
        "地域資源をさがす",
        &Head {
            noindex: query.cursor.is_some(),
            ..Head::default()
        },
        &body,
    ))
}

/// What residents call 避難所 is two things; a page about either says which is which.
const EVACUATION_NOTE: &str = "<aside class=\"note\" role=\"note\"><p><strong>避難場所と避難所のちがい</strong>：\
<strong>指定緊急避難場所</strong>は、命を守るためにまず逃げる場所で、災害の種類（洪水・地震など）ごとに指定されています。\
<strong>指定避難所</strong>は、家に戻れないときに一定期間過ごす場所です。\
逃げるときは、いま起きている災害に「対応」している避難場所を選んでください。</p></aside>\n";

/// The count and how the words were read: 「月曜」→ 月曜日に開く.
fn understanding(query: &SearchQuery, found: &SearchPage) -> String {
    let mut html = String::new();
    if let Some(total) = found.total {
        let _ = write!(
            html,
            "<p class=\"count\" role=\"status\"><strong>{total}件</strong>見つかりました"
        );
        if total > crate::resources::search::MAX_RANKED {
            html.push_str("（多すぎるため、ことばを足して絞り込んでください）");
        }
        html.push_str("</p>\n");
    }
    if !found.readings.is_empty() {
        let readings: Vec<String> = found
            .readings
            .iter()
            .map(|r| format!("「{}」→ {}", Esc(&r.word), Esc(&r.meaning)))
            .collect();
        let _ = writeln!(
            html,
            "<p class=\"muted\">ことばの読み取り：{}</p>",
            readings.join("、")
        );
    }
    if let Some(n) = &query.near {
        let _ = writeln!(
            html,
            "<p>現在地から半径 {:.1} km 以内を、{}表示しています。</p>",
            n.radius_m / 1000.0,
            if query.words.is_some() {
                "よく合うもの・近いものから"
            } else {
                "近い順に"
            }
        );
    }
    html
}

fn no_results(found: &SearchPage) -> String {
    let mut html = String::from("<p><strong>見つかりませんでした。</strong></p>\n");
    if found.suggestions.is_empty() {
        html.push_str("<p>ことばを短くするか、分類や市町を「すべて」にしてお試しください。</p>\n");
    } else {
        html.push_str("<p>こちらなら見つかります：</p>\n<ul class=\"suggestions\">\n");
        for s in &found.suggestions {
            let _ = writeln!(
                html,
                "<li><a href=\"/resources?{}\">{}</a>（{}件）</li>",
                Esc(&s.query),
                Esc(&s.label),
                s.count
            );
        }
        html.push_str("</ul>\n");
    }
    html
}

/// One result: name, where it is (town and district tell same-named places apart), kind,
/// hazards for evacuation sites, what matched.
fn result_item(hit: &crate::resources::search::Hit) -> String {
    let r = &hit.resource;
    let f = &r.fields;
    let distance = hit
        .distance_m
        .map(|d| {
            if d < 1000.0 {
                format!("<span class=\"distance\">{d:.0} m</span>")
            } else {
                format!("<span class=\"distance\">{:.1} km</span>", d / 1000.0)
            }
        })
        .unwrap_or_default();
    let place = match &r.district {
        Some(d) => format!("{} {}", r.municipality_name, d),
        None => r.municipality_name.clone(),
    };
    let mut html = format!(
        "<li><a class=\"name\" href=\"{}\">{}</a>{distance}<br><span class=\"place\">{}</span>・<span class=\"muted\">{}</span>",
        Esc(&r.url),
        Esc(&f.name),
        Esc(&place),
        Esc(&r.category_name),
    );
    if let Some(line) = designation_line(r) {
        let _ = write!(html, "<br><span class=\"hazards\">{}</span>", Esc(&line));
    }
    if !r.schedule_text.is_empty() {
        let _ = write!(html, "<br>{}", Esc(&r.schedule_text.join(" / ")));
    }
    if !hit.matched.is_empty() {
        let _ = write!(
            html,
            "<br><span class=\"matched\">一致：{}</span>",
            Esc(&hit.matched.join("、"))
        );
    }
    html.push_str("</li>\n");
    html
}

/// 「対応する災害：洪水・地震（指定避難所を兼ねる）」 for evacuation sites and shelters.
fn designation_line(r: &Resource) -> Option<String> {
    let f = &r.fields;
    match f.category.as_str() {
        "disaster.evacuation_site" => {
            let hazards = if f.hazards.is_empty() {
                "指定なし".to_owned()
            } else {
                f.hazards.label_ja()
            };
            let shelter = if f.shelter == Some(true) {
                "（指定避難所を兼ねる）"
            } else {
                ""
            };
            Some(format!("対応する災害：{hazards}{shelter}"))
        }
        "disaster.shelter" => Some("指定避難所（滞在する場所）".into()),
        _ => None,
    }
}

fn facts(r: &Resource) -> String {
    let f = &r.fields;
    let mut rows: Vec<(&str, String)> = Vec::new();
    rows.push(("分類", Esc(&r.category_name).to_string()));
    if !r.schedule_text.is_empty() || f.schedule_note.is_some() {
        let mut text: Vec<String> = r.schedule_text.iter().map(|s| Esc(s).to_string()).collect();
        text.extend(f.schedule_note.iter().map(|n| Esc(n).to_string()));
        rows.push(("日時", text.join("<br>")));
    }
    if let Some(p) = &f.phone {
        let digits: String = p
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        rows.push((
            "電話",
            format!(
                "<a class=\"tel\" href=\"tel:{}\">{}</a>",
                Esc(&digits),
                Esc(p)
            ),
        ));
    }
    if let Some(a) = &f.address {
        rows.push(("住所", Esc(a).to_string()));
    }
    if f.category.starts_with("disaster.") {
        if f.category == "disaster.evacuation_site" {
            let yes = if f.hazards.is_empty() {
                "指定なし".to_owned()
            } else {
                f.hazards.label_ja()
            };
            rows.push(("対応する災害", format!("<strong>{}</strong>", Esc(&yes))));
            let no = f.hazards.missing_label_ja();
            if !no.is_empty() {
                rows.push((
                    "対応していない災害",
                    format!("{}（これらの災害では、ほかの避難場所へ）", Esc(&no)),
                ));
            }
        }
        if let Some(shelter) = f
            .shelter
            .or((f.category == "disaster.shelter").then_some(true))
        {
            rows.push((
                "指定避難所",
                if shelter {
                    "兼ねる（家に戻れないときに過ごせます）"
                } else {
                    "兼ねない（避難生活は指定避難所で）"
                }
                .to_owned(),
            ));
        }
    }
    if !f.departments.is_empty() {
        rows.push(("診療科目", Esc(&f.departments.join("・")).to_string()));
    }
    for (label, value) in [("対象", &f.target), ("料金", &f.fee)] {
        if let Some(v) = value {
            rows.push((label, Esc(v).to_string()));
        }
    }
    if let Some(c) = f.capacity {
        let label = if f.category.starts_with("disaster.") {
            "想定収容人数"
        } else {
            "定員"
        };
        rows.push((label, format!("{c}人")));
    }
    let access: Vec<String> = [
        yes_no(
            f.wheelchair,
            "車椅子で利用できます",
            "車椅子での利用は難しいです",
        ),
        yes_no(
            f.accessible_toilet,
            "多機能トイレがあります",
            "多機能トイレはありません",
        ),
        yes_no(f.parking, "駐車場があります", "駐車場はありません"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !access.is_empty() {
        rows.push(("設備", Esc(&access.join("、")).to_string()));
    }
    if let Some(u) = &f.website {
        rows.push((
            "ホームページ",
            format!(
                "<a href=\"{}\" rel=\"noopener nofollow\">{}</a>",
                Esc(u),
                Esc(u)
            ),
        ));
    }
    let mut html = String::from("<dl class=\"facts\">\n");
    for (k, v) in rows {
        let _ = writeln!(html, "<dt>{k}</dt><dd>{v}</dd>");
    }
    html.push_str("</dl>\n");
    html
}

/// The schema.org description of a resource, for search engines.
pub fn json_ld(r: &Resource, canonical: &str) -> serde_json::Value {
    let f = &r.fields;
    let mut ld = json!({
        "@context": "https://schema.org",
        "@type": r.schema_type,
        "@id": canonical,
        "url": canonical,
        "name": f.name,
    });
    let obj = ld.as_object_mut().expect("a JSON object");
    if let Some(k) = &f.name_kana {
        obj.insert("alternateName".into(), json!(k));
    }
    if let Some(d) = &f.description {
        obj.insert("description".into(), json!(d));
    }
    if let Some(p) = &f.phone {
        obj.insert("telephone".into(), json!(p));
    }
    if let Some(a) = &f.address {
        obj.insert(
            "address".into(),
            json!({"@type": "PostalAddress", "streetAddress": a, "addressCountry": "JP"}),
        );
    }
    if let (Some(lat), Some(lng)) = (f.lat, f.lng) {
        obj.insert(
            "geo".into(),
            json!({"@type": "GeoCoordinates", "latitude": lat, "longitude": lng}),
        );
    }
    let features: Vec<serde_json::Value> = f
        .hazards
        .iter()
        .map(|h| {
            json!({"@type": "LocationFeatureSpecification", "name": format!("対応する災害: {}", h.label_ja()), "value": true})
        })
        .chain(f.shelter.map(|s| {
            json!({"@type": "LocationFeatureSpecification", "name": "指定避難所", "value": s})
        }))
        .collect();
    if !features.is_empty() {
        obj.insert("amenityFeature".into(), json!(features));
    }
    let hours = opening_hours(&f.schedule);
    if !hours.is_empty() {
        obj.insert("openingHoursSpecification".into(), json!(hours));
    }
    // schema.org's own form ("Mo,We 09:00-12:00"), not the Japanese text: search engines
    // read this one. Monthly rules have no such form; the page says them in words.
    let weekly: Vec<String> = f
        .schedule
        .iter()
        .filter_map(|r| r.opening_hours())
        .collect();
    if !weekly.is_empty() {
        obj.insert("openingHours".into(), json!(weekly));
    }
    ld
}

/// `/resources/{id}`: one resource. `origin` is the configured public origin, if any.
pub fn detail(r: &Resource, origin: Option<&str>, tiles: Option<&super::Tiles>) -> String {
    let f = &r.fields;
    let canonical = format!("{}{}", origin.unwrap_or(""), r.url);
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<p class=\"muted\"><a href=\"/resources?category={}\">{}</a></p>",
        Esc(&f.category),
        Esc(&r.category_name)
    );
    let _ = writeln!(body, "<h1>{}</h1>", Esc(&f.name));
    let _ = writeln!(
        body,
        "<p class=\"place\">{} {}</p>",
        Esc(&r.municipality_name),
        Esc(r.district.as_deref().unwrap_or(""))
    );
    if let Some(k) = &f.name_kana {
        let _ = writeln!(body, "<p class=\"muted\">{}</p>", Esc(k));
    }
    if f.status != crate::resources::Status::Published {
        body.push_str(
            "<p class=\"errors\">この情報は現在公開されていません（終了または準備中）。</p>\n",
        );
    }
    if let Some(d) = &f.description {
        let _ = writeln!(body, "<p>{}</p>", Esc(d).to_string().replace('\n', "<br>"));
    }
    body.push_str(&facts(r));
    if f.category.starts_with("disaster.") {
        body.push_str(EVACUATION_NOTE);
    }
    if let (Some(lat), Some(lng)) = (f.lat, f.lng) {
        let _ = writeln!(
            body,
            "<h2>地図</h2>\n{}<p class=\"actions\"><a class=\"button secondary\" href=\"https://www.openstreetmap.org/?mlat={lat}&amp;mlon={lng}#map=17/{lat}/{lng}\" rel=\"noopener\">地図で場所を見る</a>\
             <a class=\"button secondary\" href=\"/resources?lat={lat}&amp;lng={lng}&amp;radius_m=1000\">この近くの資源</a></p>",
            super::map(&[(lat, lng, &f.name, &r.url)], tiles)
        );
        body.push_str("<script src=\"/app/portal.js\" defer></script>\n");
    }
    let _ = writeln!(
        body,
        "<p class=\"actions\"><a class=\"button\" href=\"/resources/print?ids={}\">印刷用の案内を表示</a></p>",
        Esc(&r.id)
    );
    let _ = writeln!(
        body,
        "<p class=\"muted\">最終確認日: {} ・ 更新: {}</p>",
        Esc(&f
            .verified_on
            .as_deref()
            .map_or_else(|| "—".to_owned(), crate::time::date_ja)),
        Esc(&crate::time::date_ja(&r.updated_at))
    );
    let description = f
        .description
        .clone()
        .unwrap_or_else(|| format!("{}（{}）", f.name, r.category_name));
    page(
        &f.name,
        &Head {
            description: Some(description),
            canonical: Some(canonical.clone()),
            json_ld: Some(json_ld(r, &canonical).to_string()),
            noindex: f.status != crate::resources::Status::Published,
            print: false,
        },
        &body,
    )
}

fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(120, 120)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

/// `/resources/print?ids=…`: an A4 handout, large type, with a QR code to each page.
pub fn print(resources: &[Resource], origin: &str) -> String {
    let mut body = String::from(
        "<p class=\"no-print actions\"><button type=\"button\" id=\"print-button\" hidden>印刷する</button> \
         <span class=\"muted\">A4 で印刷できます（ブラウザの印刷機能）。</span></p>\n<h1>地域資源のご案内</h1>\n",
    );
    for r in resources {
        let f = &r.fields;
        let url = format!("{origin}{}", r.url);
        let _ = writeln!(
            body,
            "<section class=\"handout\"><div><h2>{}</h2>{}<p class=\"muted\">{}</p></div><div class=\"qr\" aria-label=\"ページのQRコード\">{}</div></section>",
            Esc(&f.name),
            facts(r),
            Esc(&url),
            qr_svg(&url)
        );
    }
    body.push_str("<script src=\"/app/portal.js\" defer></script>\n");
    page(
        "地域資源のご案内（印刷用）",
        &Head {
            noindex: true,
            print: true,
            ..Head::default()
        },
        &body,
    )
}
