//! Server-rendered HTML for people: the page layout and escaping. Every value that came
//! from a user or a store goes through [`Esc`]; nothing is concatenated into HTML raw.

pub mod error_page;
mod evacuation;
pub mod home;
pub mod resource_pages;
pub mod results_page;
pub mod sitemap;

use std::fmt::{self, Display, Write as _};

use ::http::{HeaderValue, StatusCode, header};

use crate::env::Env;
use crate::http::{Request, Response};

/// Configuration key of the public origin (`https://map.example.jp`), used for canonical
/// links, the sitemap and QR codes. Without it, links are relative and the sitemap uses
/// the request's Host.
pub const ORIGIN_KEY: &str = crate::settings::PUBLIC_ORIGIN.name;

/// Configuration key of the map tile server (`https://tiles.example.jp/{z}/{x}/{y}.png`)
/// and of its attribution. Without it, maps show places relative to each other on a plain
/// background: a closed municipal network may have no tile server at all.
pub const TILE_URL_KEY: &str = crate::settings::TILE_URL.name;
pub const TILE_ATTRIBUTION_KEY: &str = crate::settings::TILE_ATTRIBUTION.name;

/// A tile server the pages may load images from.
pub struct Tiles {
    pub url: String,
    pub origin: String,
    pub attribution: String,
}

/// The configured tile server, if its URL is a plain `https://host/…` template.
pub fn tiles(env: &Env) -> Option<Tiles> {
    let url = env.config.get(TILE_URL_KEY)?;
    let rest = url.strip_prefix("https://")?;
    let host = rest.split('/').next()?.to_owned();
    let plain = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:".contains(&b));
    plain.then(|| Tiles {
        origin: format!("https://{host}"),
        attribution: env.config.get(TILE_ATTRIBUTION_KEY).unwrap_or_default(),
        url,
    })
}

/// The page's Content-Security-Policy when it shows a map: images from the tile server too.
pub fn csp_with_tiles(tiles: &Tiles) -> String {
    crate::http::headers::CONTENT_SECURITY_POLICY.replace(
        "img-src 'self' data:",
        &format!("img-src 'self' data: {}", tiles.origin),
    )
}

/// A map of `points` (lat, lng, name, url): the list beside it works without it.
pub fn map(points: &[(f64, f64, &str, &str)], tiles: Option<&Tiles>) -> String {
    if points.is_empty() {
        return String::new();
    }
    let data: Vec<serde_json::Value> = points
        .iter()
        .map(|(lat, lng, name, url)| serde_json::json!({"lat": lat, "lng": lng, "name": name, "url": url}))
        .collect();
    let data = serde_json::Value::Array(data).to_string();
    let (url, attribution) = tiles.map_or(("", ""), |t| (t.url.as_str(), t.attribution.as_str()));
    format!(
        "<link rel=\"stylesheet\" href=\"/app/vendor/leaflet/leaflet.css\">\n\
         <div id=\"map\" class=\"map\" hidden data-points=\"{}\" data-tiles=\"{}\" data-attribution=\"{}\"></div>\n\
         <script src=\"/app/vendor/leaflet/leaflet.js\" defer></script>\n",
        Esc(&data),
        Esc(url),
        Esc(attribution)
    )
}

pub use crate::http::origin::{configured_origin, request_origin};

/// How long shared caches may keep public pages: five minutes, then stale for a day while
/// they revalidate. Updates also drop the function's own page cache.
pub const PUBLIC_CACHE: &str = "public, max-age=60, s-maxage=300, stale-while-revalidate=86400";

/// FNV-1a, 64 bits, as a strong ETag.
pub fn etag_of(bytes: &[u8]) -> String {
    // Eight bytes a step (a byte a step was a twentieth of a cached page's time); each step
    // is a bijection of the state, so two bodies that differ in one word never share a tag.
    const PRIME: u64 = 0x100_0000_01b3;
    let mut words = bytes.chunks_exact(8);
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ bytes.len() as u64;
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(PRIME);
        h ^= h >> 29;
    }
    for b in words.remainder() {
        h = (h ^ u64::from(*b)).wrapping_mul(PRIME);
    }
    format!("\"{h:016x}\"")
}

/// A cacheable answer that names the request's own origin (links, QR codes) when no public
/// origin is configured: the client may keep it, a shared cache may not (its key does not
/// hold the Host a stranger sent, so one request would poison the answer for everyone).
pub fn origin_named(mut response: Response, env: &Env) -> Response {
    if configured_origin(env).is_none() {
        let headers = response.headers_mut();
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Host"));
    }
    response
}

/// A cacheable response: ETag from the bytes, 304 when the client has them already.
pub fn cacheable(req: &Request, content_type: &'static str, body: Vec<u8>) -> Response {
    let etag = etag_of(&body);
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if matches {
        let mut r = Response::new(Vec::new());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(body);
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PUBLIC_CACHE),
    );
    response
}

pub const HTML: &str = "text/html; charset=utf-8";

/// Displays its text HTML-escaped (safe in element content and in quoted attributes).
pub struct Esc<'a>(pub &'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&#39;")?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

pub use crate::text::url_encode;

/// What goes into `<head>` besides the title: canonical link, OpenGraph, JSON-LD.
#[derive(Default)]
pub struct Head {
    pub description: Option<String>,
    pub canonical: Option<String>,
    /// Already-serialized JSON-LD; `</` is escaped when written.
    pub json_ld: Option<String>,
    pub noindex: bool,
    pub print: bool,
}

/// A whole page. `body` must already be escaped HTML.
pub fn page(title: &str, head: &Head, body: &str) -> String {
    let mut html = String::with_capacity(body.len() + 1024);
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} | RainbowNet</title>\n<link rel=\"stylesheet\" href=\"/app/app.css\">\n<link rel=\"icon\" href=\"/app/favicon.svg\" type=\"image/svg+xml\">\n",
        Esc(title)
    );
    if head.print {
        html.push_str("<link rel=\"stylesheet\" href=\"/app/print.css\">\n");
    }
    if let Some(d) = &head.description {
        let _ = writeln!(html, "<meta name=\"description\" content=\"{}\">", Esc(d));
        let _ = writeln!(
            html,
            "<meta property=\"og:description\" content=\"{}\">",
            Esc(d)
        );
    }
    let _ = writeln!(
        html,
        "<meta property=\"og:title\" content=\"{}\">",
        Esc(title)
    );
    html.push_str("<meta property=\"og:site_name\" content=\"RainbowNet\">\n");
    if let Some(c) = &head.canonical {
        let _ = writeln!(html, "<link rel=\"canonical\" href=\"{}\">", Esc(c));
        let _ = writeln!(html, "<meta property=\"og:url\" content=\"{}\">", Esc(c));
    }
    if head.noindex {
        html.push_str("<meta name=\"robots\" content=\"noindex\">\n");
    }
    if let Some(ld) = &head.json_ld {
        let _ = writeln!(
            html,
            "<script type=\"application/ld+json\">{}</script>",
            json_in_html(ld)
        );
    }
    let _ = write!(
        html,
        "</head>\n<body>\n<header class=\"site\"><a class=\"brand\" href=\"/\">RainbowNet \
         <small>地域資源マップ</small></a></header>\n<main id=\"main\">\n{body}\n</main>\n\
         <footer class=\"site\"><a href=\"/\">トップ</a> · <a href=\"/resources\">さがす</a> · \
         <a href=\"/api/v1/public/resources.hsds.json\">オープンデータ</a></footer>\n</body>\n</html>\n"
    );
    html
}

/// JSON made safe inside a `<script>` element: `<`, `>` and `&` become their JSON escapes,
/// so neither `</script>` nor `<!--` (which switches the parser into a state where the
/// element does not end, blanking the rest of the page) can appear. The JSON means the same.
pub fn json_in_html(json: &str) -> String {
    json.replace('&', "\\u0026")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_differ_for_any_one_changed_byte_and_length() {
        let page = "<p>清須市の体操教室</p>".repeat(40).into_bytes();
        let tag = etag_of(&page);
        for at in 0..page.len() {
            let mut changed = page.clone();
            changed[at] ^= 0x80;
            assert_ne!(etag_of(&changed), tag, "byte {at}");
        }
        assert_ne!(etag_of(&page[..page.len() - 1]), tag);
        assert_ne!(etag_of(b""), etag_of(b"\0"));
        assert_eq!(etag_of(&page), tag);
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            Esc("<script>alert('x')</script> & \"").to_string(),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;"
        );
    }

    #[test]
    fn json_ld_can_not_close_its_script() {
        let head = Head {
            json_ld: Some(r#"{"name":"</script><script>x"}"#.into()),
            ..Head::default()
        };
        let html = page("t", &head, "");
        assert!(!html.contains("</script><script>x"));
        assert!(html.contains(r#"\u003c/script\u003e"#));
    }

    #[test]
    fn json_ld_can_not_open_a_comment_or_an_entity() {
        let ld = r#"{"name":"ブランク<!--<script> & &amp;"}"#;
        let head = Head {
            json_ld: Some(ld.into()),
            ..Head::default()
        };
        let html = page("t", &head, "<p>after</p>");
        let script = html
            .split("<script type=\"application/ld+json\">")
            .nth(1)
            .and_then(|s| s.split("</script>").next())
            .unwrap();
        assert!(!script.contains('<') && !script.contains('>') && !script.contains('&'));
        let back: serde_json::Value = serde_json::from_str(script).unwrap();
        assert_eq!(back["name"], "ブランク<!--<script> & &amp;");
        assert!(html.contains("<p>after</p>"));
    }

    #[test]
    fn url_encoding_is_percent_utf8() {
        assert_eq!(url_encode("体操 a&b"), "%E4%BD%93%E6%93%8D%20a%26b");
    }
}
