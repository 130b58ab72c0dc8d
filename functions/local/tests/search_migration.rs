//! The search migration (schema/public/0003) on a database that already holds resources:
//! old rows get their two-character tokens from the migration's SQL, new rows from the
//! core, and the two agree, so a town upgrading keeps finding 「体操」 in its old rows.

use rusqlite::Connection;

fn schema(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../schema/public")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn matches(db: &Connection, table: &str, word: &str) -> Vec<String> {
    let mut statement = db
        .prepare(&format!(
            "SELECT r.name FROM resources r WHERE r.rowid IN \
             (SELECT rowid FROM {table} WHERE {table} MATCH ?1) ORDER BY r.name"
        ))
        .expect("prepare");
    statement
        .query_map([format!("\"{word}\"")], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn old_rows_are_indexed_by_the_migration_as_the_core_indexes_new_ones() {
    let db = Connection::open_in_memory().expect("sqlite");
    db.execute_batch(&schema("0001_municipalities.sql"))
        .expect("0001");
    db.execute_batch(&schema("0002_resources.sql"))
        .expect("0002");
    db.execute_batch(
        "INSERT INTO municipalities (code, name, name_kana, name_en, prefecture, lat, lng, created_at, updated_at) \
         VALUES ('23233', '清須市', 'きよすし', 'Kiyosu', '愛知県', 35.2, 136.8, 'x', 'x');",
    )
    .expect("town");
    let text = "いきいき体操教室 いきいきたいそうきょうしつ 体操教室 清須市";
    db.execute(
        "INSERT INTO resources (id, municipality_code, category, name, status, source, sort_key, search_text, created_at, updated_at) \
         VALUES ('OLD', '23233', 'gathering.exercise', 'いきいき体操教室', 'published', 'manual', 'いきいき', ?1, 'x', 'x')",
        [text],
    )
    .expect("an old row");
    db.execute_batch(&schema("0003_search_words_hazards.sql"))
        .expect("0003");

    let stored: String = db
        .query_row(
            "SELECT search_bigrams FROM resources WHERE id = 'OLD'",
            [],
            |r| r.get(0),
        )
        .expect("bigrams");
    assert_eq!(
        stored,
        rainbownet_core::text::bigrams(text),
        "SQL and core agree"
    );
    assert_eq!(
        matches(&db, "resources_bigrams", "体操"),
        ["いきいき体操教室"]
    );
    assert!(matches(&db, "resources_bigrams", "操体").is_empty());

    // Later writes keep the index in step (the triggers).
    db.execute(
        "UPDATE resources SET search_text = '歯科医院', search_bigrams = ?1 WHERE id = 'OLD'",
        [rainbownet_core::text::bigrams("歯科医院")],
    )
    .expect("update");
    assert!(matches(&db, "resources_bigrams", "体操").is_empty());
    assert_eq!(
        matches(&db, "resources_bigrams", "歯科"),
        ["いきいき体操教室"]
    );
    db.execute("DELETE FROM resources WHERE id = 'OLD'", [])
        .expect("delete");
    assert!(matches(&db, "resources_bigrams", "歯科").is_empty());
    db.execute_batch(
        "INSERT INTO resources_bigrams (resources_bigrams) VALUES ('integrity-check');",
    )
    .expect("the index agrees with its table");
}

/// The migrations of the public database before `before`, in order.
fn apply_before(db: &Connection, before: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/public");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("schema/public")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".sql") && n.as_str() < before)
        .collect();
    names.sort();
    for name in names {
        db.execute_batch(&schema(&name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn category_names_leave_the_words_of_places_already_stored() {
    use rainbownet_core::text::{bigrams, fold};
    let db = Connection::open_in_memory().expect("sqlite");
    apply_before(&db, "0008");
    db.execute_batch(
        "INSERT INTO municipalities (code, name, name_kana, name_en, prefecture, lat, lng, created_at, updated_at) \
         VALUES ('23233', '清須市', 'きよすし', 'Kiyosu', '愛知県', 35.2, 136.8, 'x', 'x');",
    )
    .expect("town");
    let categories: Vec<(String, String)> = db
        .prepare("SELECT code, name_ja FROM categories")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("categories")
        .collect::<Result<_, _>>()
        .expect("rows");
    // A place of every category, its words written by the rule before (name, kana, the
    // category's name, address); and a salon whose own name holds サロン as a word.
    let mut places: Vec<(String, String, String, Option<&str>, &str)> = categories
        .iter()
        .enumerate()
        .map(|(n, (code, _))| {
            (
                format!("P{n}"),
                code.clone(),
                format!("みどり{n}"),
                Some("ミドリ"),
                "清須市西田中",
            )
        })
        .collect();
    places.push((
        "OWN".into(),
        "gathering.salon".into(),
        "ふれあい サロン".into(),
        None,
        "清須市",
    ));
    for (id, code, name, kana, address) in &places {
        let label = &categories.iter().find(|(c, _)| c == code).expect("label").1;
        let old = fold(
            &[Some(name.as_str()), *kana, Some(label), Some(address)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
        );
        db.execute(
            "INSERT INTO resources (id, municipality_code, category, name, name_kana, address, status, source, sort_key, search_text, search_bigrams, created_at, updated_at) \
             VALUES (?1, '23233', ?2, ?3, ?4, ?5, 'published', 'manual', ?3, ?6, ?7, 'x', 'x')",
            rusqlite::params![id, code, name, kana, address, old, bigrams(&old)],
        )
        .expect("an old row");
    }
    db.execute_batch(&schema("0008_category_names_out_of_text.sql"))
        .expect("0008");

    for (id, _, name, kana, address) in &places {
        let (text, pairs): (String, String) = db
            .query_row(
                "SELECT search_text, search_bigrams FROM resources WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("row");
        let now = fold(
            &[Some(name.as_str()), *kana, Some(address)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
        );
        assert_eq!(text, now, "{id}: the words as the core writes them now");
        assert_eq!(pairs, bigrams(&now), "{id}: SQL and core agree");
    }
    // Only the salon named so is found by the word now; every one by its town's name.
    assert_eq!(matches(&db, "resources_fts", "さろん"), ["ふれあい サロン"]);
    assert_eq!(
        matches(&db, "resources_bigrams", "病院"),
        Vec::<String>::new()
    );
    assert_eq!(
        matches(&db, "resources_bigrams", "清須").len(),
        places.len()
    );
    db.execute_batch(
        "INSERT INTO resources_fts (resources_fts) VALUES ('integrity-check'); \
         INSERT INTO resources_bigrams (resources_bigrams) VALUES ('integrity-check');",
    )
    .expect("the indexes agree with their table");
    let helpers: i64 = db
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'migration_0008%'",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    assert_eq!(helpers, 0, "the migration's own tables are gone");
}
