//! The care network: patients, consent, care teams (timelines follow).

pub mod patients;
pub mod timeline;
pub mod wareki;
