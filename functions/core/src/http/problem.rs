//! RFC 9457 problem details. The one place where an [`Error`] becomes a status.

use ::http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use super::Response;
use crate::error::{Error, FieldError};
use crate::ports::StoreError;

/// A problem document. `type` is a stable relative URI (`/problems/<slug>`) that clients
/// match on; `title` and `detail` are in the language the client asked for, and the
/// `*_ja` / `*_en` members always carry both.
#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub instance: String,
    pub title_ja: String,
    pub title_en: String,
    pub detail_ja: String,
    pub detail_en: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

struct Text {
    status: StatusCode,
    slug: &'static str,
    title_en: &'static str,
    title_ja: &'static str,
    detail_en: String,
    detail_ja: String,
}

fn describe(err: &Error) -> Text {
    let t = |status, slug, title_en, title_ja, detail_en: String, detail_ja: String| Text {
        status,
        slug,
        title_en,
        title_ja,
        detail_en,
        detail_ja,
    };
    match err {
        Error::RequestTimeout { seconds } => t(
            StatusCode::REQUEST_TIMEOUT,
            "request-timeout",
            "Request timeout",
            "送信が途中で止まりました",
            format!("No part of the request body arrived for {seconds} s; send it again."),
            format!("{seconds}秒間データが届かなかったため中断しました。もう一度送信してください。"),
        ),
        Error::BadRequest(detail) => t(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad request",
            "リクエストが正しくありません",
            format!("The request is not valid: {detail}."),
            format!("リクエストが正しくありません: {detail}"),
        ),
        Error::NotFound => t(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            "見つかりません",
            "There is nothing at this address.".into(),
            "このアドレスには何もありません。".into(),
        ),
        Error::MethodNotAllowed { allow } => t(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            "この操作はできません",
            format!("This address accepts: {allow}."),
            format!("このアドレスで使える方法: {allow}"),
        ),
        Error::PayloadTooLarge { limit } => t(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Request body too large",
            "送信データが大きすぎます",
            format!("The request body may be at most {limit} bytes."),
            format!("送信できるデータは {limit} バイトまでです。"),
        ),
        Error::UnsupportedMediaType { got } => t(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "データ形式が違います",
            format!("Send application/json, not `{got}`."),
            format!("application/json で送ってください（受信: {got}）。"),
        ),
        Error::MalformedJson { detail, .. } => t(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "Malformed JSON",
            "JSON の形式が正しくありません",
            format!("The request body is not valid JSON for this operation: {detail}."),
            format!("送信された JSON を読めません: {detail}"),
        ),
        Error::Unauthorized => t(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
            "ログインが必要です",
            "Send a valid bearer token.".into(),
            "有効なトークンを付けて送信してください。".into(),
        ),
        Error::Forbidden => t(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Not allowed",
            "権限がありません",
            "Your roles do not allow this operation on this record.".into(),
            "この操作を行う権限がありません。".into(),
        ),
        Error::IdempotencyKeyReused => t(
            StatusCode::CONFLICT,
            "idempotency-key-reused",
            "Idempotency key reused",
            "同じ再送キーが別の内容で使われました",
            "This Idempotency-Key was already used for a different request; use a new key for a new request.".into(),
            "この再送キー（Idempotency-Key）は別の内容で使用済みです。新しい投稿には新しいキーを使ってください。".into(),
        ),
        Error::Conflict { en, ja } => t(
            StatusCode::CONFLICT,
            "conflict",
            "Conflict",
            "既存のデータと矛盾します",
            (*en).into(),
            (*ja).into(),
        ),
        Error::EventClosed => t(
            StatusCode::CONFLICT,
            "event-closed",
            "Event closed",
            "この災害は終了しています",
            "The event was closed before this check-in was observed; record it under an open event.".into(),
            "この確認は災害の終了後のものです。継続中の災害で記録してください。".into(),
        ),
        Error::InvalidCredentials => t(
            StatusCode::UNAUTHORIZED,
            "invalid-credentials",
            "Login failed",
            "ログインできません",
            "The email address, password or one-time code does not match.".into(),
            "メールアドレス・パスワード・確認コードのいずれかが違います。".into(),
        ),
        Error::TooManyAttempts {
            retry_after_seconds,
        } => t(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-attempts",
            "Too many attempts",
            "試行回数が多すぎます",
            format!(
                "Too many failed logins; try again in {} minutes.",
                retry_after_seconds.div_ceil(60)
            ),
            format!(
                "ログインの失敗が続いたため、{}分後にもう一度お試しください。",
                retry_after_seconds.div_ceil(60)
            ),
        ),
        Error::Busy { .. } => t(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Busy",
            "混み合っています",
            "Too many logins are being checked at once; try again in a moment.".into(),
            "ただいまログインが集中しています。少し待ってからもう一度お試しください。".into(),
        ),
        Error::NotConfigured(what) => t(
            StatusCode::SERVICE_UNAVAILABLE,
            "not-configured",
            "Not configured",
            "設定が不足しています",
            format!("The server is missing its configuration: {what}."),
            format!("サーバーの設定が不足しています: {what}"),
        ),
        Error::Validation(_) => t(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "Invalid input",
            "入力内容に誤りがあります",
            "Some fields are not valid; see `errors`.".into(),
            "誤りのある項目があります（errors を参照）。".into(),
        ),
        Error::Internal(_) => t(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "システム内部のエラーです",
            "Something failed on our side; the operators have the details.".into(),
            "システム内部でエラーが発生しました。管理者に詳細が記録されています。".into(),
        ),
        Error::Store(StoreError::NotGranted(store)) => t(
            StatusCode::FORBIDDEN,
            "store-not-granted",
            "Store not granted",
            "このデータにはアクセスできません",
            format!("This function is not granted the `{store}` store."),
            format!("この機能には `{store}` へのアクセス権がありません。"),
        ),
        Error::Store(StoreError::Constraint(_)) => t(
            StatusCode::CONFLICT,
            "conflict",
            "Conflict",
            "既存のデータと矛盾します",
            "The change conflicts with data already stored.".into(),
            "保存済みのデータと矛盾するため変更できません。".into(),
        ),
        Error::Store(_) => t(
            StatusCode::SERVICE_UNAVAILABLE,
            "store-unavailable",
            "Store unavailable",
            "一時的に利用できません",
            "A data store did not answer as expected; try again shortly.".into(),
            "データの保存先が応答しません。しばらくしてからもう一度お試しください。".into(),
        ),
    }
}

/// The problem response for `err`. Store failures carry no internal message: that goes to
/// the log, keyed by the request id given here as `instance`.
pub fn from_error(err: &Error, request_id: &str, english: bool) -> Response {
    let text = describe(err);
    let mut errors = match err {
        Error::Validation(fields) => fields.clone(),
        _ => Vec::new(),
    };
    if let Error::MalformedJson {
        detail,
        pointer: Some(pointer),
    } = err
    {
        errors.push(FieldError::new(
            pointer.clone(),
            detail.clone(),
            detail.clone(),
        ));
    }
    let problem = Problem {
        kind: format!("/problems/{}", text.slug),
        title: if english {
            text.title_en
        } else {
            text.title_ja
        }
        .to_owned(),
        status: text.status.as_u16(),
        detail: if english {
            &text.detail_en
        } else {
            &text.detail_ja
        }
        .clone(),
        instance: format!("urn:rainbownet:request:{request_id}"),
        title_ja: text.title_ja.to_owned(),
        title_en: text.title_en.to_owned(),
        detail_ja: text.detail_ja,
        detail_en: text.detail_en,
        errors,
    };
    let mut response = super::json(text.status, &problem);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if let Error::MethodNotAllowed { allow } = err
        && let Ok(value) = HeaderValue::from_str(allow)
    {
        response.headers_mut().insert(header::ALLOW, value);
    }
    if let Error::TooManyAttempts {
        retry_after_seconds,
    }
    | Error::Busy {
        retry_after_seconds,
    } = err
        && let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    if let Error::Unauthorized = err {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"rainbownet\""),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(resp: &Response) -> serde_json::Value {
        serde_json::from_slice(resp.body()).unwrap()
    }

    #[test]
    fn store_failures_hide_their_message() {
        let err = Error::Store(StoreError::Backend("disk /var/secret full".into()));
        let resp = from_error(&err, "r1", false);
        assert_eq!(resp.status(), 503);
        assert!(!String::from_utf8_lossy(resp.body()).contains("secret"));
        assert_eq!(body(&resp)["type"], "/problems/store-unavailable");
    }

    #[test]
    fn internal_errors_hide_their_message() {
        let resp = from_error(
            &Error::Internal("seed file /etc/x unreadable".into()),
            "r",
            true,
        );
        assert_eq!(resp.status(), 500);
        assert!(!String::from_utf8_lossy(resp.body()).contains("/etc/x"));
    }

    #[test]
    fn method_not_allowed_sends_allow() {
        let resp = from_error(
            &Error::MethodNotAllowed {
                allow: "GET, HEAD".into(),
            },
            "r",
            true,
        );
        assert_eq!(resp.status(), 405);
        assert_eq!(resp.headers()[header::ALLOW], "GET, HEAD");
        assert_eq!(
            resp.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert_eq!(body(&resp)["title"], "Method not allowed");
    }

    #[test]
    fn validation_lists_fields_in_both_languages() {
        let err = Error::Validation(vec![FieldError::new("#/name", "required", "必須です")]);
        let resp = from_error(&err, "r", false);
        let b = body(&resp);
        assert_eq!(resp.status(), 422);
        assert_eq!(b["title"], "入力内容に誤りがあります");
        assert_eq!(b["title_en"], "Invalid input");
        assert_eq!(b["errors"][0]["pointer"], "#/name");
        assert_eq!(b["errors"][0]["detail_ja"], "必須です");
    }
}
