//! Resource pages for people: one page per resource (with JSON-LD, OpenGraph and a
//! canonical link) and the printable handout with QR codes. The results list is
//! `results_page`.

use std::fmt::Write as _;

use serde_json::json;

use super::evacuation::EVACUATION_NOTE;
use super::{Esc, Head, page};
use crate::resources::Resource;
use crate::resources::export::opening_hours;
use crate::vocabulary::Word;

fn yes_no(value: Option<bool>, yes: &str, no: &str) -> Option<String> {
    value.map(|v| if v { yes } else { no }.to_owned())
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

/// `text` as a QR code in SVG (empty where it is too long for one).
pub fn qr_svg(text: &str) -> String {
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
