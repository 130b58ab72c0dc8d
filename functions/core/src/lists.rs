//! Every fixed list of the domain with its labels, as the clients receive them: the body of
//! `GET /api/v1/public/vocabulary`, and the same lists as `static/lang/vocabulary.js` for the
//! pages (which read them before any request, offline too, and take their English from
//! them). A test keeps the file equal to what the enums say.

use serde_json::{Value, json};

use crate::auth::role::Role;
use crate::care::vitals;
use crate::resources::hazard::Hazard;
use crate::vocabulary::{
    CareLevel, CheckinStatus, ConsentMethod, EventKind, OrganizationKind, PostCategory, Profession,
    ProjectKind, Relation, Sex, Word,
};

/// Every list, by the name the clients know it by.
pub fn all() -> Value {
    let vitals: Vec<Value> = vitals::KINDS
        .iter()
        .map(|k| {
            json!({
                "code": k.code, "ja": k.label_ja, "unit": k.unit, "loinc": k.loinc,
                "min": k.range.0, "max": k.range.1,
            })
        })
        .collect();
    json!({
        "roles": Role::terms(),
        "professions": Profession::terms(),
        "organization_kinds": OrganizationKind::terms(),
        "post_categories": PostCategory::terms(),
        "relations": Relation::terms(),
        "project_kinds": ProjectKind::terms(),
        "sexes": Sex::terms(),
        "care_levels": CareLevel::terms(),
        "consent_methods": ConsentMethod::terms(),
        "event_kinds": EventKind::terms(),
        "checkin_statuses": CheckinStatus::terms(),
        "hazards": Hazard::terms(),
        "vital_kinds": vitals,
    })
}

/// `static/lang/vocabulary.js`: the lists as a classic script (pages load it before their
/// modules and `lang.js`).
pub fn javascript() -> String {
    let lists = serde_json::to_string_pretty(&all()).unwrap_or_default();
    format!(
        "// The domain's fixed lists and their labels, written from functions/core/src/vocabulary.rs\n\
         // (and the roles, hazards and vital kinds beside it) by functions/core/src/lists.rs: do\n\
         // not edit. `RAINBOWNET_WRITE=1 cargo test -p rainbownet-core lists` writes it again; the\n\
         // test fails while it differs. The same lists are GET /api/v1/public/vocabulary.\n\
         window.RainbowNetVocabulary = {lists};\n"
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    #[allow(clippy::disallowed_methods)] // a developer's switch for the test, not the core's config
    fn the_pages_vocabulary_is_the_servers() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static/lang/vocabulary.js");
        let wanted = super::javascript();
        if std::env::var_os("RAINBOWNET_WRITE").is_some() {
            std::fs::write(&path, &wanted).expect("write static/lang/vocabulary.js");
        }
        let found = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            found == wanted,
            "static/lang/vocabulary.js differs from the enums: run RAINBOWNET_WRITE=1 cargo test -p rainbownet-core lists"
        );
    }
}
