//! The core's one error type. Each variant maps to exactly one HTTP status and problem type,
//! in `http::problem`; nothing else decides statuses.

use crate::ports::StoreError;

/// One field that failed validation.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FieldError {
    /// JSON Pointer to the field in the request body (`#/name`) or the query (`?limit`).
    pub pointer: String,
    /// Why, in English.
    pub detail: String,
    /// Why, in Japanese.
    pub detail_ja: String,
}

impl FieldError {
    pub fn new(
        pointer: impl Into<String>,
        detail: impl Into<String>,
        detail_ja: impl Into<String>,
    ) -> Self {
        FieldError {
            pointer: pointer.into(),
            detail: detail.into(),
            detail_ja: detail_ja.into(),
        }
    }

    /// The error for required text that, trimmed, is empty or longer than `max`
    /// characters (none when it fits); `label_ja` names the field in the Japanese message.
    pub fn length(pointer: &str, text: &str, max: usize, label_ja: &str) -> Option<FieldError> {
        let n = text.trim().chars().count();
        (n == 0 || n > max).then(|| {
            FieldError::new(
                pointer,
                format!("1 to {max} characters"),
                format!("{label_ja}は1〜{max}文字です"),
            )
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("no route for this path")]
    NotFound,
    #[error("method not allowed; allowed: {allow}")]
    MethodNotAllowed { allow: String },
    #[error("the request body stalled for {seconds} s")]
    RequestTimeout { seconds: u64 },
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type: {got}")]
    UnsupportedMediaType { got: String },
    #[error("malformed JSON: {detail}")]
    MalformedJson {
        detail: String,
        pointer: Option<String>,
    },
    #[error("authentication required")]
    Unauthorized,
    #[error("not allowed for this caller")]
    Forbidden,
    #[error("the idempotency key was used for a different request")]
    IdempotencyKeyReused,
    /// The request contradicts the record's state (the lead leaving without handing over).
    #[error("conflict: {en}")]
    Conflict { en: &'static str, ja: &'static str },
    #[error("the event is closed")]
    EventClosed,
    #[error("email, password or one-time code does not match")]
    InvalidCredentials,
    #[error("too many failed attempts; retry after {retry_after_seconds} s")]
    TooManyAttempts { retry_after_seconds: u64 },
    /// Costly work (a password hash) is queued beyond what the host admits at once.
    #[error("busy; retry after {retry_after_seconds} s")]
    Busy { retry_after_seconds: u64 },
    #[error("server is not configured: {0}")]
    NotConfigured(&'static str),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A failure of ours that no input explains (a key that will not load, a hash that will
    /// not compute). The message is logged, never sent.
    #[error("internal: {0}")]
    Internal(String),
}
