//! The demo region: 清須市, 北名古屋市 and 豊山町 in 愛知県, the three municipalities that
//! share the reference network. Loading is idempotent (upserts keyed by natural keys).

use crate::ports::{Database, Statement, Value};

/// (code, name, kana, English, latitude, longitude of the municipal office)
const MUNICIPALITIES: [(&str, &str, &str, &str, f64, f64); 3] = [
    ("23233", "清須市", "きよすし", "Kiyosu", 35.199_3, 136.852_8),
    (
        "23234",
        "北名古屋市",
        "きたなごやし",
        "Kitanagoya",
        35.245_6,
        136.865_8,
    ),
    (
        "23342",
        "豊山町",
        "とよやまちょう",
        "Toyoyama",
        35.250_6,
        136.911_0,
    ),
];

/// The statements that load the demo data into `db`, to run as one batch.
pub fn statements(db: Database) -> Vec<Statement> {
    match db {
        Database::Public => MUNICIPALITIES
            .iter()
            .map(|&(code, name, kana, en, lat, lng)| {
                Statement::new(
                    "INSERT INTO municipalities (code, name, name_kana, name_en, prefecture, lat, lng) \
                     VALUES (?1, ?2, ?3, ?4, '愛知県', ?5, ?6) \
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
                     name_kana = excluded.name_kana, name_en = excluded.name_en, \
                     prefecture = excluded.prefecture, lat = excluded.lat, lng = excluded.lng",
                    vec![code.into(), name.into(), kana.into(), en.into(), lat.into(), lng.into()],
                )
            })
            .chain(crate::resources::demo::statements())
            .chain(crate::public::notices::demo_statements())
            .collect(),
        Database::Care | Database::Disaster => Vec::new(),
    }
}

/// The same statements as an SQL script with literal values, for `wrangler d1 execute
/// --file` on Workers. Only ever fed our own constants above, never user input.
pub fn script(db: Database) -> String {
    statements(db)
        .iter()
        .map(|s| format!("{};\n", inline(s)))
        .collect()
}

fn inline(statement: &Statement) -> String {
    let mut sql = statement.sql.clone();
    // Replace from the highest index down so `?1` does not eat the prefix of `?10`.
    for (i, value) in statement.params.iter().enumerate().rev() {
        let literal = match value {
            Value::Null => "NULL".to_owned(),
            Value::Integer(n) => n.to_string(),
            Value::Real(r) => format!("{r:?}"),
            Value::Text(t) => format!("'{}'", t.replace('\'', "''")),
            Value::Blob(b) => format!(
                "X'{}'",
                b.iter().map(|x| format!("{x:02X}")).collect::<String>()
            ),
        };
        sql = sql.replace(&format!("?{}", i + 1), &literal);
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_inlines_every_parameter_as_a_literal() {
        let script = script(Database::Public);
        assert_eq!(script.matches("INSERT INTO municipalities").count(), 3);
        assert!(script.contains("'清須市'") && script.contains("35.2506"));
        assert!(!script.contains("?1"));
        let quoted = inline(&Statement::new(
            "SELECT ?1, ?2",
            vec!["O'Neil".into(), Value::Null],
        ));
        assert_eq!(quoted, "SELECT 'O''Neil', NULL");
    }
}
