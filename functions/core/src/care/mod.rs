//! The care network: patients, consent, care teams (timelines follow).

pub mod patients;
pub mod wareki;
