//! `/resources` for people: the search form and one page of results, with what the search
//! understood, the note on evacuation sites, and suggestions when nothing is found. Works
//! without JavaScript.

use std::fmt::Write as _;

use super::evacuation::{EVACUATION_NOTE, designation_line};
use super::{Esc, Head, page, url_encode};
use crate::env::Env;
use crate::error::Error;
use crate::ports::Database;
use crate::resources::search::{SearchPage, SearchQuery};

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

/// The count and how the words were read: 「月曜」→ 月曜日に開く.
fn understanding(query: &SearchQuery, found: &SearchPage) -> String {
    let mut html = String::new();
    if let Some(total) = found.total {
        // A ranked search away from a point counts up to MAX_RANKED: there may be more.
        let many = total >= crate::resources::search::MAX_RANKED
            && query.words.is_some()
            && query.near.is_none();
        let _ = write!(
            html,
            "<p class=\"count\" role=\"status\"><strong>{total}件{}</strong>見つかりました",
            if many { "以上" } else { "" }
        );
        if many {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::search::MAX_RANKED;

    #[test]
    fn a_ranked_search_that_reached_its_cap_says_there_are_more() {
        let words = SearchQuery {
            words: Some("サロン".into()),
            ..SearchQuery::default()
        };
        let found = |total| SearchPage {
            total: Some(total),
            ..SearchPage::default()
        };
        let capped = understanding(&words, &found(MAX_RANKED));
        assert!(capped.contains("5000件以上"), "{capped}");
        assert!(capped.contains("絞り込んで"), "{capped}");
        let fewer = understanding(&words, &found(MAX_RANKED - 1));
        assert!(fewer.contains("4999件</strong>") && !fewer.contains("絞り込んで"));
        // A list without words counts every match.
        let list = understanding(&SearchQuery::default(), &found(MAX_RANKED));
        assert!(list.contains("5000件</strong>"), "{list}");
    }
}
