//! The portal's top page: search box, categories, "near me", notices, municipalities.

use std::fmt::Write as _;

use super::{Esc, Head, page};
use crate::env::Env;
use crate::error::Error;
use crate::ports::Database;
use crate::public::{municipalities, notices};

pub async fn render(env: &Env) -> Result<String, Error> {
    let sql = env.sql(Database::Public).await?;
    let categories = sql
        .query(
            "SELECT code, parent, name_ja, name_en FROM categories ORDER BY sort",
            &[],
        )
        .await?;
    let towns = municipalities::list(env).await?;
    let news = notices::published(env, None, 10).await?;

    let mut body = String::new();
    body.push_str(
        "<h1>地域資源マップ <span class=\"en\" lang=\"en\">Community resource map</span></h1>\n\
         <p>サロン・体操教室などの通いの場、医療・介護の事業所、多機能トイレ、移動スーパー、避難場所を探せます。</p>\n\
         <form class=\"search\" action=\"/resources\" method=\"get\" role=\"search\">\n\
         <label for=\"q\" class=\"visually-hidden\">ことばでさがす</label>\n\
         <input id=\"q\" type=\"search\" name=\"q\" placeholder=\"例：たいそう、サロン、トイレ\" autocomplete=\"off\">\n\
         <button type=\"submit\">さがす</button>\n</form>\n\
         <form id=\"near-me\" class=\"actions\" action=\"/resources\" method=\"get\" hidden>\n\
         <input type=\"hidden\" name=\"lat\"><input type=\"hidden\" name=\"lng\">\n\
         <input type=\"hidden\" name=\"radius_m\" value=\"2000\">\n\
         <button type=\"submit\" class=\"button secondary\">📍 近くをさがす（現在地）</button>\n\
         <span class=\"muted\" id=\"near-me-status\" role=\"status\"></span>\n</form>\n",
    );
    body.push_str("<h2>分類からさがす</h2>\n<ul class=\"categories\">\n");
    for row in categories
        .iter()
        .filter(|r| r.opt_text("parent").ok().flatten().is_none())
    {
        let _ = writeln!(
            body,
            "<li><a href=\"/resources?category={}\">{}<br><span class=\"en\" lang=\"en\">{}</span></a></li>",
            Esc(row.text("code")?),
            Esc(row.text("name_ja")?),
            Esc(row.text("name_en")?)
        );
    }
    body.push_str("</ul>\n");
    if !news.is_empty() {
        body.push_str("<h2>お知らせ・イベント</h2>\n");
        for n in &news {
            let kind = if n.kind == "event" {
                "イベント"
            } else {
                "お知らせ"
            };
            let date = n
                .event_date
                .as_deref()
                .map(|d| format!(" {}", Esc(&crate::time::date_ja(d))))
                .unwrap_or_default();
            let _ = writeln!(
                body,
                "<div class=\"notice\"><strong>{kind}・{}</strong> {}{date}<br>{}</div>",
                Esc(&n.municipality_name),
                Esc(&n.title),
                Esc(&n.body)
            );
        }
    }
    body.push_str("<h2>市町からさがす</h2>\n<ul>\n");
    for t in &towns {
        let _ = writeln!(
            body,
            "<li><a href=\"/resources?municipality={}\">{}</a> <span class=\"en\" lang=\"en\">{}</span></li>",
            Esc(&t.code),
            Esc(&t.name),
            Esc(&t.name_en)
        );
    }
    body.push_str("</ul>\n<script src=\"/app/portal.js\" defer></script>\n");
    Ok(page(
        "地域資源マップ",
        &Head {
            description: Some(
                "地域のサロン・体操教室・医療・介護・多機能トイレなどを探せる地域資源マップです。"
                    .into(),
            ),
            canonical: super::configured_origin(env).map(|o| format!("{o}/")),
            ..Head::default()
        },
        &body,
    ))
}
