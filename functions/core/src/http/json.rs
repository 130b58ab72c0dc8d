//! JSON request bodies: every failure becomes a 400/415 problem that names the field and
//! the reason, never a 500.

use ::http::header;
use serde::de::DeserializeOwned;

use super::Request;
use crate::error::Error;

/// JSON bodies are refused over this size, whatever larger uploads a function accepts.
pub const JSON_BODY_LIMIT: usize = super::SMALL_BODY_LIMIT;

pub fn parse<T: DeserializeOwned>(req: &Request) -> Result<T, Error> {
    if req.body().len() > JSON_BODY_LIMIT {
        return Err(Error::PayloadTooLarge {
            limit: JSON_BODY_LIMIT,
        });
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let is_json = essence.eq_ignore_ascii_case("application/json")
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    if !is_json {
        return Err(Error::UnsupportedMediaType {
            got: if essence.is_empty() {
                "(none)".into()
            } else {
                essence.to_owned()
            },
        });
    }
    if holds_nul(req.body()) {
        return Err(Error::MalformedJson {
            detail: "text may not contain the NUL character (\\u0000)".into(),
            pointer: None,
        });
    }
    let mut deserializer = serde_json::Deserializer::from_slice(req.body());
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        Error::MalformedJson {
            detail: inner.to_string(),
            pointer: (path != ".").then(|| format!("#/{}", path.replace('.', "/"))),
        }
    })?;
    deserializer.end().map_err(|err| Error::MalformedJson {
        detail: err.to_string(),
        pointer: None,
    })?;
    Ok(value)
}

/// Whether a JSON text holds a NUL character in a string. JSON can carry one only as the
/// escape `\u0000` (a raw control character is not JSON), and a backslash appears only in
/// strings, so one pass over the escapes finds it. No text field takes a NUL: C-based
/// tools, CSV exports and some terminals cut the text there.
fn holds_nul(body: &[u8]) -> bool {
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' {
            if body.get(i + 1) == Some(&b'u') && body.get(i + 2..i + 6) == Some(&b"0000"[..]) {
                return true;
            }
            // Whatever is escaped, the next byte is not the start of another escape.
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Inner,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        age: u32,
    }

    fn req(content_type: &str, body: &str) -> Request {
        ::http::Request::builder()
            .header(header::CONTENT_TYPE, content_type)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn names_the_failing_field() {
        let err = parse::<Body>(&req(
            "application/json",
            r#"{"name":"a","inner":{"age":"x"}}"#,
        ))
        .unwrap_err();
        match err {
            Error::MalformedJson { pointer, detail } => {
                assert_eq!(pointer.as_deref(), Some("#/inner/age"));
                assert!(detail.contains("invalid type"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn syntax_errors_trailing_data_and_wrong_type_are_refused() {
        assert!(matches!(
            parse::<Body>(&req("application/json", "{\"name\":")),
            Err(Error::MalformedJson { .. })
        ));
        assert!(matches!(
            parse::<serde_json::Value>(&req("application/json", "{} {}")),
            Err(Error::MalformedJson { .. })
        ));
        assert!(matches!(
            parse::<Body>(&req("text/plain", "{}")),
            Err(Error::UnsupportedMediaType { .. })
        ));
        assert!(parse::<serde_json::Value>(&req("application/json; charset=utf-8", "[1]")).is_ok());
    }

    #[test]
    fn a_nul_in_any_string_is_refused_and_an_escaped_backslash_is_not_one() {
        let nul = parse::<Body>(&req(
            "application/json",
            r#"{"name":"a\u0000b","inner":{"age":1}}"#,
        ));
        assert!(matches!(nul, Err(Error::MalformedJson { .. })), "{nul:?}");
        let literal = parse::<Body>(&req(
            "application/json",
            r#"{"name":"a\\u0000b","inner":{"age":1}}"#,
        ));
        assert!(literal.is_ok(), "{literal:?}");
    }
}
