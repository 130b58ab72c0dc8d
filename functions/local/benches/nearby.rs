//! `cargo bench -p rainbownet --bench nearby`: nearby search over 100,000 generated
//! resources, through the core's search and the native SQLite store in one process,
//! p50/p99 (goal: p99 < 5 ms), beside the baseline of the same query answered by scanning
//! every row of the same table and measuring each distance.

use std::time::{Duration, Instant};

use rainbownet::functions::Component;
use rainbownet::manifest::Manifest;
use rainbownet::server::Host;
use rainbownet::store::DataDir;
use rainbownet_core::geo;
use rainbownet_core::ports::{Database, Statement};
use rainbownet_core::resources::search::{Near, SearchQuery, search};
use rainbownet_core::resources::{Provenance, ResourceFields, Status, insert_statement};

const RESOURCES: usize = 100_000;
const QUERIES: usize = 2_000;

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
    let dir = tempfile::tempdir().expect("temp dir");
    let data = std::sync::Arc::new(DataDir::open(dir.path()).expect("data dir"));
    let db = data.database(Database::Public);
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
                    description: None,
                    address: None,
                    lat: Some(35.17 + 0.135 * seq.unit()),
                    lng: Some(136.80 + 0.165 * seq.unit()),
                    phone: None,
                    website: None,
                    fee: None,
                    target: None,
                    capacity: None,
                    wheelchair: None,
                    accessible_toilet: None,
                    parking: None,
                    hazards: Default::default(),
                    shelter: None,
                    schedule: Vec::new(),
                    schedule_note: None,
                    status: Status::Published,
                    verified_on: None,
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
                    "分類",
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

    let host = Host::new(
        Manifest::parse(rainbownet::embedded::SPIN_TOML).expect("spin.toml"),
        data.clone(),
    )
    .expect("host");
    let env = host.env_for(Component::Portal);
    let points: Vec<(f64, f64)> = (0..QUERIES)
        .map(|_| (35.19 + 0.09 * seq.unit(), 136.82 + 0.12 * seq.unit()))
        .collect();

    let mut timings = Vec::with_capacity(QUERIES);
    let mut found = 0;
    for (lat, lng) in &points {
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
        let page = pollster::block_on(search(&env, &query)).expect("search");
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
