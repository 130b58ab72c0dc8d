//! Resource pages for people: the results list, one page per resource (with JSON-LD,
//! OpenGraph and a canonical link) and the printable handout with QR codes.

use std::fmt::Write as _;

use serde_json::json;

use super::{Esc, Head, page, url_encode};
use crate::env::Env;
use crate::error::Error;
use crate::ports::Database;
use crate::resources::export::opening_hours;
use crate::resources::search::{SearchPage, SearchQuery};
use crate::resources::{Resource, schedule::WEEKDAYS};

fn yes_no(value: Option<bool>, yes: &str, no: &str) -> Option<String> {
    value.map(|v| if v { yes } else { no }.to_owned())
}

/// The query string that repeats `query` (without the cursor), for pager links.
fn query_string(q: &SearchQuery) -> String {
    let mut parts = Vec::new();
    let mut add = |k: &str, v: String| parts.push(format!("{k}={}", url_encode(&v)));
    if let Some(w) = &q.words {
        add("q", w.clone());
    }
    if let Some(c) = &q.category {
        add("category", c.clone());
    }
    if let Some(m) = &q.municipality {
        add("municipality", m.clone());
    }
    if q.open_now {
        add("open_now", "1".into());
    }
    if let Some(d) = q.open_on {
        add("open_on", WEEKDAYS[usize::from(d)].into());
    }
    if let Some(n) = &q.near {
        add("lat", n.lat.to_string());
        add("lng", n.lng.to_string());
        add("radius_m", n.radius_m.to_string());
    }
    parts.join("&")
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
    if found.items.is_empty() {
        body.push_str("<p><strong>見つかりませんでした。</strong> ことばを短くするか、分類や市町を「すべて」にしてお試しください。</p>\n");
    } else {
        let ids: Vec<&str> = found.items.iter().map(|h| h.resource.id.as_str()).collect();
        let _ = writeln!(
            body,
            "<p class=\"actions\"><a class=\"button secondary\" href=\"/resources/print?ids={}\">このページの一覧を印刷する</a></p>",
            url_encode(&ids.join(","))
        );
        let points: Vec<(f64, f64, &str, &str)> = found
            .items
            .iter()
            .filter_map(|h| {
                let f = &h.resource.fields;
                Some((f.lat?, f.lng?, f.name.as_str(), h.resource.url.as_str()))
            })
            .collect();
        body.push_str(&super::map(&points, tiles.as_ref()));
        body.push_str("<ol class=\"results\">\n");
        for hit in &found.items {
            let r = &hit.resource;
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
            let _ = writeln!(
                body,
                "<li><a class=\"name\" href=\"{}\">{}</a>{distance}<br><span class=\"muted\">{}</span> {}<br>{}</li>",
                Esc(&r.url),
                Esc(&r.fields.name),
                Esc(&r.category_name),
                Esc(&r.schedule_text.join(" / ")),
                Esc(r.fields.address.as_deref().unwrap_or(""))
            );
        }
        body.push_str("</ol>\n");
    }
    if let Some(cursor) = &found.next_cursor {
        let qs = query_string(query);
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
    for (label, value) in [("対象", &f.target), ("料金", &f.fee)] {
        if let Some(v) = value {
            rows.push((label, Esc(v).to_string()));
        }
    }
    if let Some(c) = f.capacity {
        rows.push(("定員", format!("{c}人")));
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
    let hours = opening_hours(&f.schedule);
    if !hours.is_empty() {
        obj.insert("openingHoursSpecification".into(), json!(hours));
    }
    if !r.schedule_text.is_empty() {
        obj.insert("openingHours".into(), json!(r.schedule_text.join(" / ")));
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
        Esc(f.verified_on.as_deref().unwrap_or("—")),
        Esc(r.updated_at.get(..10).unwrap_or(""))
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
