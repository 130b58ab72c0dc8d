//! `/sitemap.xml` and `/robots.txt`: every published resource page, for search engines.

use std::fmt::Write as _;

use super::Esc;
use crate::env::Env;
use crate::error::Error;
use crate::ports::Database;

/// The sitemap protocol allows 50,000 URLs per file.
const MAX_URLS: i64 = 50_000;

pub async fn sitemap(env: &Env, origin: &str) -> Result<String, Error> {
    let sql = env.sql(Database::Public).await?;
    let rows = sql
        .query(
            "SELECT id, updated_at FROM resources WHERE status = 'published' ORDER BY id LIMIT ?1",
            &[MAX_URLS.into()],
        )
        .await?;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let _ = writeln!(xml, "<url><loc>{}/</loc></url>", Esc(origin));
    for row in rows.iter() {
        let _ = writeln!(
            xml,
            "<url><loc>{}/resources/{}</loc><lastmod>{}</lastmod></url>",
            Esc(origin),
            Esc(row.text("id")?),
            Esc(row.text("updated_at")?.get(..10).unwrap_or_default())
        );
    }
    xml.push_str("</urlset>\n");
    Ok(xml)
}

pub fn robots(origin: &str) -> String {
    format!(
        "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /resources/print\nSitemap: {origin}/sitemap.xml\n"
    )
}
