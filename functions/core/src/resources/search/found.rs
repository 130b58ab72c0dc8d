//! What the search orders and the store share: a match as ranking reads it, the places kept
//! in memory that a caller may hand in, and the open-now test on a stored schedule.

use std::borrow::Cow;

use super::place::Place;
use super::places::Cells;
use crate::resources::schedule;

/// The places kept in memory for a page generation, when the caller has them.
pub type Kept<'a> = Option<(&'a Cells, &'a str)>;

/// Whether a schedule (JSON rules) is open at `now`; unreadable rules are closed.
pub(super) fn is_open(rules: &str, now: i64) -> bool {
    let rules: Vec<schedule::Rule> = serde_json::from_str(rules).unwrap_or_default();
    schedule::is_open_at(&rules, &crate::time::jst(now))
}

/// A match as ranking reads it: owned when read from a row, borrowed from a place kept in
/// memory (a search near a point ranks hundreds of places to show twenty: copying each
/// one's text was a tenth of its time).
pub(super) struct Found<'a> {
    pub id: Cow<'a, str>,
    /// Folded.
    pub name: Cow<'a, str>,
    pub sort_key: Cow<'a, str>,
    pub category: Cow<'a, str>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
}

impl<'a> From<&'a Place> for Found<'a> {
    fn from(p: &'a Place) -> Found<'a> {
        Found {
            id: Cow::Borrowed(p.id()),
            name: Cow::Borrowed(p.name()),
            sort_key: Cow::Borrowed(p.sort_key()),
            category: Cow::Borrowed(p.category()),
            lat: Some(p.lat),
            lng: Some(p.lng),
        }
    }
}
