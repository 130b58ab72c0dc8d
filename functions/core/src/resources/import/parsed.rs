//! One good row of an import, whatever file it came from (the open-data CSVs in `row`,
//! HSDS JSON in `hsds`), and the hash that tells a changed row from an unchanged one.

use crate::resources::ResourceFields;

/// One good row, ready to write.
#[derive(Debug)]
pub struct ParsedRow {
    pub line: u64,
    pub key: String,
    pub hash: String,
    pub fields: ResourceFields,
    /// Minor fields left out, with why.
    pub dropped: Vec<(String, String)>,
}

/// FNV-1a over the row's fields: equal content, equal hash, on every host.
pub(in crate::resources) fn content_hash(fields: &ResourceFields) -> String {
    let json = serde_json::to_string(fields).unwrap_or_default();
    let h = json.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("{h:016x}")
}
