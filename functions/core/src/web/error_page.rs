//! Errors as pages for people: the same problem, as a plain page in Japanese and English.

use ::http::{HeaderValue, header};

use super::{Esc, Head, page};
use crate::http::Response;

/// Turns a problem+json response into an HTML page with the same status and headers.
pub fn from_problem(problem: Response) -> Response {
    let (mut parts, body) = problem.into_parts();
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let text = |k: &str| doc[k].as_str().unwrap_or("").to_owned();
    let body = format!(
        "<h1>{}</h1>\n<p>{}</p>\n<p lang=\"en\" class=\"en\">{} — {}</p>\n\
         <p><a class=\"button\" href=\"/\">トップページへ戻る</a></p>\n<p class=\"muted\">{}</p>",
        Esc(&text("title_ja")),
        Esc(&text("detail_ja")),
        Esc(&text("title_en")),
        Esc(&text("detail_en")),
        Esc(&text("instance")),
    );
    let html = page(
        &text("title_ja"),
        &Head {
            noindex: true,
            ..Head::default()
        },
        &body,
    );
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, html.into_bytes())
}
