//! The care network: patients and consent, care teams and their timelines, projects and
//! direct messages between professionals, the directory and the usage figures.

pub mod access_log;
pub mod alerts;
pub mod attachments;
pub mod directory;
pub mod emergency_info;
pub mod family;
pub mod family_caller;
pub mod family_join;
pub mod family_members;
pub mod family_messages;
pub mod fhir;
pub mod home_bp;
pub mod import;
pub mod messages;
pub mod nearby;
pub mod paging;
pub mod patients;
pub mod projects;
pub mod push;
pub mod questionnaires;
pub mod templates;
pub mod thresholds;
pub mod timeline;
pub mod updates;
pub mod usage;
pub mod vitals;

/// An `Idempotency-Key` header the client may send on a write: 1 to 200 visible ASCII
/// characters, or a field error naming the header.
pub(crate) fn check_key(key: Option<&str>) -> Option<crate::error::FieldError> {
    key.is_some_and(|k| k.is_empty() || k.len() > 200 || !k.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| {
            crate::error::FieldError::new(
                "Idempotency-Key",
                "1 to 200 visible ASCII characters",
                "再送キーは半角200文字までです",
            )
        })
}
