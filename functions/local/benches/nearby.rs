//! `cargo bench -p rainbownet --bench nearby`: nearby search over 100,000 generated
//! resources, through the core's search and the native SQLite store in one process,
//! p50/p99 (goal: p99 < 5 ms), beside the baseline of the same query answered by scanning
//! every row of the same table and measuring each distance. Then word searches as
//! residents type them (read, ranked by relevance), beside the baseline of the same
//! words as one unranked full-text query in kana order, the search before ranking.

use std::time::{Duration, Instant};

use rainbownet::functions::Component;
use rainbownet::manifest::Manifest;
use rainbownet::server::Host;
use rainbownet::store::DataDir;
use rainbownet_core::geo;
use rainbownet_core::ports::{Database, Statement};
use rainbownet_core::resources::search::{Near, SearchQuery, search, search_with};
use rainbownet_core::resources::words::Dictionary;
use rainbownet_core::resources::{Provenance, ResourceFields, Status, insert_statement};

const RESOURCES: usize = 100_000;
const QUERIES: usize = 2_000;
/// Untimed word searches before the timed ones: two per reader connection.
const WARM_UP: usize = 8;

struct Seq(u64);
impl Seq {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn percentile(sorted: &[Duration], q: f64) -> f64 {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn main() {
    // NEARBY_BENCH_DATA=DIR keeps the generated places there and reads them on the next
    // run (30 s saved each time while measuring one change after another).
    let temp = tempfile::tempdir().expect("temp dir");
    let kept = std::env::var_os("NEARBY_BENCH_DATA").map(std::path::PathBuf::from);
    let dir = kept.clone().unwrap_or_else(|| temp.path().to_owned());
    let generated = kept.as_ref().is_some_and(|d| d.join("done").exists());
    let data = std::sync::Arc::new(DataDir::open(&dir).expect("data dir"));
    let db = data.database(Database::Public);
    if !generated {
        generate(db);
        if let Some(d) = &kept {
            std::fs::write(d.join("done"), b"").expect("mark");
        }
    }
    measure(&data, db);
}

fn generate(db: &rainbownet::store::sqlite::SqliteDb) {
    db.batch(&rainbownet_core::demo::statements(Database::Public)[..3])
        .expect("municipalities");
    // 100,000 resources over ~15 km × 15 km around the three towns: ~450 per km².
    let mut seq = Seq(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();
    let categories = [
        "gathering.salon",
        "gathering.exercise",
        "medical.clinic",
        "care.day_service",
        "welfare.toilet",
    ];
    for chunk in 0..RESOURCES / 500 {
        let statements: Vec<Statement> = (0..500)
            .map(|i| {
                let n = chunk * 500 + i;
                let fields = ResourceFields {
                    municipality_code: "23233".into(),
                    category: categories[n % categories.len()].into(),
                    name: format!("資源{n}"),
                    name_kana: Some(format!("シゲン{n}")),
                    lat: Some(35.17 + 0.135 * seq.unit()),
                    lng: Some(136.80 + 0.165 * seq.unit()),
                    status: Status::Published,
                    ..ResourceFields::default()
                };
                let key = format!("bench|{n}");
                let from = Provenance {
                    source: "bench",
                    key: Some(&key),
                    hash: None,
                };
                insert_statement(
                    &format!("BENCH{n:021}"),
                    &fields,
                    &from,
                    "2026-01-01T00:00:00Z",
                )
            })
            .collect();
        db.batch(&statements).expect("insert");
    }
    println!(
        "# {RESOURCES} resources generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn measure(data: &std::sync::Arc<DataDir>, db: &rainbownet::store::sqlite::SqliteDb) {
    // The same points as when the places were generated in the same run.
    let mut seq = Seq(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2 * RESOURCES {
        seq.unit();
    }
    let host = Host::new(
        Manifest::parse(rainbownet::embedded::SPIN_TOML).expect("spin.toml"),
        data.clone(),
    )
    .expect("host");
    // NEARBY_BENCH_ONLY=words: the word searches alone.
    let only_words = std::env::var("NEARBY_BENCH_ONLY").is_ok_and(|v| v == "words");
    let env = host.env_for(Component::Portal);
    let points: Vec<(f64, f64)> = (0..QUERIES)
        .map(|_| (35.19 + 0.09 * seq.unit(), 136.82 + 0.12 * seq.unit()))
        .collect();

    if !only_words {
        near_points(&env, db, &points);
    }
    // Word searches: ranked by relevance, beside one unranked full-text query. The words
    // the network knows are read once, as the portal keeps them per page generation; each
    // search is still cold (its answer is not kept anywhere).
    let dictionary = pollster::block_on(Dictionary::load(&env)).expect("dictionary");
    let words: [(&str, &str); 4] = [
        ("a name (資源12345)", "資源12345"),
        ("a synonym naming a category of 20,000 (サロン)", "サロン"),
        (
            "体操 月曜: no match, so up to 4 suggestions are tried",
            "体操 月曜",
        ),
        ("a word near the resident (サロン, 2 km)", "サロン"),
    ];
    for (i, (label, q)) in words.iter().enumerate() {
        let mut timings = Vec::new();
        let mut total = 0;
        // Untimed first: each of the store's reader connections prepares a search's
        // statements once in its life (the first four timed searches were each 3× the
        // rest), not per search.
        let warm = points[200..200 + WARM_UP].iter();
        for (n, (lat, lng)) in warm.chain(points.iter().take(200)).enumerate() {
            let query = SearchQuery {
                words: Some((*q).to_owned()),
                near: (i == 3).then_some(Near {
                    lat: *lat,
                    lng: *lng,
                    radius_m: 2_000.0,
                }),
                limit: 20,
                ..SearchQuery::default()
            };
            let t = Instant::now();
            let page =
                pollster::block_on(search_with(&env, &query, &dictionary, None)).expect("search");
            if n >= WARM_UP {
                timings.push(t.elapsed());
                total += page.total.unwrap_or(0);
            }
        }
        timings.sort();
        println!(
            "word search, {label:<52} p50 {:6.2} ms  p99 {:6.2} ms  ({:.0} matches each)",
            percentile(&timings, 0.5),
            percentile(&timings, 0.99),
            total as f64 / timings.len() as f64
        );
    }
    // Baseline: the same words as the search answered them before it read words (no
    // synonyms, no ranking): each word a full-text match (3+ characters) or a LIKE, kana
    // order, the first page.
    for (label, q) in words.iter().take(3) {
        let mut sql = String::from("SELECT r.* FROM resources r WHERE r.status = 'published'");
        let mut params = Vec::new();
        for w in rainbownet_core::text::fold(q).split(' ') {
            if w.chars().count() >= 3 {
                params.push(rainbownet_core::text::fts_phrase(w).into());
                sql.push_str(&format!(
                    " AND r.rowid IN (SELECT rowid FROM resources_fts WHERE resources_fts MATCH ?{})",
                    params.len()
                ));
            } else {
                params.push(rainbownet_core::text::like_contains(w).into());
                sql.push_str(&format!(
                    " AND r.search_text LIKE ?{} ESCAPE '\\'",
                    params.len()
                ));
            }
        }
        sql.push_str(" ORDER BY r.sort_key, r.id LIMIT 21");
        let mut plain = Vec::new();
        for _ in 0..200 {
            let t = Instant::now();
            db.query(&sql, &params).expect("plain");
            plain.push(t.elapsed());
        }
        plain.sort();
        println!(
            "baseline, unranked words, {label:<38} p50 {:6.2} ms  p99 {:6.2} ms",
            percentile(&plain, 0.5),
            percentile(&plain, 0.99)
        );
    }
}

fn near_points(
    env: &rainbownet_core::env::Env,
    db: &rainbownet::store::sqlite::SqliteDb,
    points: &[(f64, f64)],
) {
    let mut timings = Vec::with_capacity(QUERIES);
    let mut found = 0;
    for (lat, lng) in points {
        let query = SearchQuery {
            near: Some(Near {
                lat: *lat,
                lng: *lng,
                radius_m: 500.0,
            }),
            limit: 20,
            ..SearchQuery::default()
        };
        let t = Instant::now();
        let page = pollster::block_on(search(env, &query)).expect("search");
        timings.push(t.elapsed());
        found += page.items.len();
    }
    timings.sort();

    // Baseline: the same question answered by reading every row's location.
    let mut scans = Vec::new();
    for (lat, lng) in points.iter().take(50) {
        let t = Instant::now();
        let rows = db
            .query(
                "SELECT id, lat, lng FROM resources WHERE status = 'published'",
                &[],
            )
            .expect("scan");
        let mut near: Vec<(f64, String)> = rows
            .iter()
            .filter_map(|r| {
                let d = geo::distance_m(*lat, *lng, r.real("lat").ok()?, r.real("lng").ok()?);
                let id = r.text("id").ok()?.to_owned();
                (d <= 500.0).then_some((d, id))
            })
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        near.truncate(20);
        scans.push(t.elapsed());
    }
    scans.sort();

    println!(
        "nearby search (500 m, 20 nearest; geohash cells + haversine)   p50 {:6.2} ms  p99 {:6.2} ms  ({} queries, {:.1} results each)  goal p99 < 5 ms",
        percentile(&timings, 0.5),
        percentile(&timings, 0.99),
        QUERIES,
        found as f64 / QUERIES as f64
    );
    println!(
        "baseline: full scan of the same table + haversine               p50 {:6.2} ms  p99 {:6.2} ms  ({} queries)",
        percentile(&scans, 0.5),
        percentile(&scans, 0.99),
        scans.len()
    );
}
