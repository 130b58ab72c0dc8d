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
