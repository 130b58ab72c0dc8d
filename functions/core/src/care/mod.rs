//! The care network: patients, consent, care teams (timelines follow).

pub mod attachments;
pub mod fhir;
pub mod import;
pub mod nearby;
pub mod patients;
pub mod timeline;
pub mod vitals;
pub mod wareki;
