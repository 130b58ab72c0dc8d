//! A search near a point answers the same from the places kept in memory as from the
//! store's index: same places, same order, same distances, same totals, for words,
//! categories, towns, weekdays and hazards, over a generated region and many points.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;

use rainbownet::functions::Component;
use rainbownet::server::Host;
use rainbownet_core::env::Env;
use rainbownet_core::env::Stores;
use rainbownet_core::geo;
use rainbownet_core::ports::{Database, Kv, KvStore, Rows, Sql, Statement, StoreError, Value};
use rainbownet_core::resources::hazard::{Hazard, Hazards};
use rainbownet_core::resources::schedule::Rule;
use rainbownet_core::resources::search::{Cells, Near, SearchPage, SearchQuery, search_with};
use rainbownet_core::resources::words::Dictionary;
use rainbownet_core::resources::{Resource, ResourceFields, Status};

mod common;

use common::{Seq, region, stored};

const CATEGORIES: [&str; 5] = [
    "gathering.salon",
    "gathering.exercise",
    "medical.clinic",
    "care.day_service",
    "disaster.evacuation_site",
];
const NAMES: [&str; 5] = [
    "ふれあいサロン",
    "いきいき体操教室",
    "みどり診療所",
    "デイサービスひかり",
    "中央公園",
];

fn places(seq: &mut Seq) -> Vec<ResourceFields> {
    let towns = ["23233", "23234", "23342"];
    (0..3_000)
        .map(|n| {
            let mut hazards = Hazards::default();
            if seq.unit() < 0.3 {
                hazards.insert(Hazard::Flood);
            }
            if seq.unit() < 0.3 {
                hazards.insert(Hazard::Earthquake);
            }
            let schedule = if seq.unit() < 0.5 {
                vec![Rule::Weekly {
                    days: vec!["mon".into(), "wed".into()],
                    start: "10:00".into(),
                    end: "12:00".into(),
                }]
            } else {
                Vec::new()
            };
            ResourceFields {
                municipality_code: (*seq.pick(&towns)).into(),
                category: (*seq.pick(&CATEGORIES)).into(),
                name: format!("{}{n}", seq.pick(&NAMES)),
                name_kana: None,
                description: (seq.unit() < 0.3).then(|| "体操のあとにお茶会".to_owned()),
                lat: Some(35.17 + 0.05 * seq.unit()),
                lng: Some(136.80 + 0.06 * seq.unit()),
                hazards,
                schedule,
                status: if seq.unit() < 0.1 {
                    Status::Draft
                } else {
                    Status::Published
                },
                ..ResourceFields::default()
            }
        })
        .collect()
}

/// A search within 1 km of a point of the generated region where places are.
fn near_here() -> SearchQuery {
    SearchQuery {
        near: Some(Near {
            lat: 35.195,
            lng: 136.83,
            radius_m: 1_000.0,
        }),
        limit: 20,
        ..SearchQuery::default()
    }
}

/// Compares `rounds` random searches near points answered from `cells` with the store's.
fn agree(env: &Env, dictionary: &Dictionary, kept: (&Cells, &str), seq: &mut Seq, rounds: usize) {
    let words = [
        None,
        Some("サロン"),
        Some("体操"),
        Some("診療所 サロン"),
        Some("洪水"),
        Some("月曜 サロン"),
        Some("清須市 体操"),
        Some("お茶"),
        Some("さろん"),
    ];
    let categories = [None, Some("gathering"), Some("medical.clinic")];
    // Cells finer than a region's (300 m), as fine (1 km) and coarser (2.5 km).
    let radii = [300.0, 1_000.0, 2_500.0];
    let mut found = 0;
    for i in 0..rounds {
        let query = SearchQuery {
            words: seq.pick(&words).map(str::to_owned),
            category: seq.pick(&categories).map(str::to_owned),
            municipality: (i % 7 == 0).then(|| "23233".to_owned()),
            near: Some(Near {
                lat: 35.17 + 0.05 * seq.unit(),
                lng: 136.80 + 0.06 * seq.unit(),
                radius_m: *seq.pick(&radii),
            }),
            limit: 20,
            ..SearchQuery::default()
        };
        let store =
            pollster::block_on(search_with(env, &query, dictionary, None)).expect("from the store");
        let memory = pollster::block_on(search_with(env, &query, dictionary, Some(kept)))
            .expect("from memory");
        let ids = |page: &SearchPage| {
            page.items
                .iter()
                .map(|h| {
                    (
                        h.resource.id.clone(),
                        h.distance_m.map(|d| (d * 10.0) as i64),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&store), ids(&memory), "{query:?}");
        assert_eq!(store.total, memory.total, "{query:?}");
        assert_eq!(store.next_cursor, memory.next_cursor, "{query:?}");
        found += store.items.len();
    }
    assert!(
        found > rounds * 3,
        "the queries found too little to compare: {found}"
    );
}

#[test]
fn near_a_point_memory_and_store_agree() {
    let mut seq = Seq(0x2545_f491_4f6c_dd1d);
    let (_dir, host, _) = region(places(&mut seq));
    let env = host.env_for(Component::Portal);
    let dictionary = pollster::block_on(Dictionary::load(&env)).expect("dictionary");
    let cells = Cells::bounded(64 * 1024 * 1024, 20_000);
    agree(&env, &dictionary, (&cells, "g1"), &mut seq, 300);
    assert!(!cells.holds_region());
}

/// A host reads the whole region off the request path: every search near a point is then
/// answered from it, finer, as fine and coarser cells alike, as the store answers.
#[test]
fn a_region_read_whole_and_the_store_agree() {
    let mut seq = Seq(0x7a11_0f5e_ed00_0002);
    let (_dir, host, _) = region(places(&mut seq));
    let env = host.env_for(Component::Portal);
    let dictionary = pollster::block_on(Dictionary::load(&env)).expect("dictionary");
    let cells = Cells::new();
    pollster::block_on(cells.keep_region_fresh(&env, "g1")).expect("read the region");
    assert!(cells.holds_region());
    let bytes = cells.bytes();
    agree(&env, &dictionary, (&cells, "g1"), &mut seq, 300);
    assert_eq!(
        cells.bytes(),
        bytes,
        "a search read cells beside the region"
    );
}

/// After writes of every kind (new places, a move to another cell, a rename, a
/// withdrawal, a deletion) the kept region is mended by what changed, not read again, and
/// answers every search as the store does; when the changes it would need were dropped,
/// it is read again.
#[test]
fn a_kept_region_is_mended_by_what_changed() {
    let mut seq = Seq(0x6d65_6e64_0000_0005);
    let (_dir, host, data) = region(places(&mut seq));
    let (env, _, whole) = watched(&host, true);
    let dictionary = pollster::block_on(Dictionary::load(&env)).expect("dictionary");
    let cells = Cells::new();
    pollster::block_on(cells.keep_region_fresh(&env, "g1")).expect("read the region");
    assert_eq!(whole.get(), 1);

    let db = data.database(Database::Public);
    let mut more = places(&mut seq);
    more.truncate(40);
    let statements = stored(&more, "MORE", "2026-01-02T00:00:00Z");
    db.batch(&statements).expect("insert");
    let moved_to = geo::encode(35.215, 136.855).expect("geohash");
    db.batch(&[
        // Moved across the region (another cell), renamed, withdrawn, deleted.
        Statement::new(
            "UPDATE resources SET lat = 35.215, lng = 136.855, geohash = ?2 WHERE id = ?1",
            vec!["PLACE000000000000000000011".into(), moved_to.into()],
        ),
        Statement::new(
            "UPDATE resources SET name = 'みどりサロン新館', search_text = 'みどりさろんしんかん' \
             WHERE id = 'PLACE000000000000000000012'",
            vec![],
        ),
        Statement::new(
            "UPDATE resources SET status = 'draft' WHERE id = 'PLACE000000000000000000013'",
            vec![],
        ),
        Statement::new(
            "DELETE FROM resources WHERE id = 'PLACE000000000000000000014'",
            vec![],
        ),
    ])
    .expect("change");
    let changed: i64 = db
        .query(
            "SELECT count(*) AS n FROM resources WHERE id IN ('PLACE000000000000000000011', \
             'PLACE000000000000000000012', 'PLACE000000000000000000013')",
            &[],
        )
        .expect("count")
        .first()
        .expect("a row")
        .int("n")
        .expect("n");
    assert_eq!(changed, 3, "the ids the test changes are not the region's");
    let near = near_here();
    let asked = host.env_for(Component::Portal);
    pollster::block_on(search_with(
        &asked,
        &near,
        &dictionary,
        Some((&cells, "g2")),
    ))
    .expect("search");
    assert!(
        asked.deferred(),
        "the new generation's region was not asked for"
    );
    pollster::block_on(cells.keep_region_fresh(&env, "g2")).expect("mend the region");
    assert!(cells.holds_region());
    assert_eq!(whole.get(), 1, "the region was read again, not mended");
    agree(&env, &dictionary, (&cells, "g2"), &mut seq, 300);

    // More than 10,000 changes later the oldest it needs are gone: read again.
    for _ in 0..11 {
        db.batch(&[Statement::new(
            "UPDATE resources SET hazards = (hazards + 1) % 4 \
             WHERE rowid IN (SELECT rowid FROM resources LIMIT 1000)",
            vec![],
        )])
        .expect("many changes");
    }
    pollster::block_on(search_with(&env, &near, &dictionary, Some((&cells, "g3"))))
        .expect("search");
    pollster::block_on(cells.keep_region_fresh(&env, "g3")).expect("read again");
    assert_eq!(whole.get(), 2, "a region missing changes was mended");
    agree(&env, &dictionary, (&cells, "g3"), &mut seq, 100);
}

/// One process serving two stores (the in-process tests): a region kept for one is never
/// mended by the other's changes into an answer for the other.
#[test]
fn a_region_is_never_mended_from_another_stores() {
    let mut seq = Seq(0x7477_6f73_746f_0006);
    let (_dir_a, host_a, _) = region(places(&mut seq));
    let (_dir_b, host_b, _) = region(places(&mut seq));
    let env_a = host_a.env_for(Component::Portal);
    let (env_b, _, whole) = watched(&host_b, true);
    let dictionary = pollster::block_on(Dictionary::load(&env_b)).expect("dictionary");
    let cells = Cells::new();
    pollster::block_on(cells.keep_region_fresh(&env_a, "a1")).expect("store a");
    // Store b's first search: its generation is new, the region kept is a's.
    let asked = host_b.env_for(Component::Portal);
    let near = near_here();
    pollster::block_on(search_with(
        &asked,
        &near,
        &dictionary,
        Some((&cells, "b1")),
    ))
    .expect("search");
    pollster::block_on(cells.keep_region_fresh(&env_b, "b1")).expect("store b");
    assert_eq!(whole.get(), 1, "store b's region was mended from store a's");
    agree(&env_b, &dictionary, (&cells, "b1"), &mut seq, 100);
}

/// A region larger than the bound (a Worker's) is not kept: cells are read as asked, the
/// bound holds, the answers stay the store's, and a new generation does not read it again.
#[test]
fn a_region_larger_than_the_bound_is_read_by_cells() {
    let mut seq = Seq(0x0bad_cafe_f00d_0003);
    let (_dir, host, _) = region(places(&mut seq));
    let env = host.env_for(Component::Portal);
    let dictionary = Dictionary::default();
    let bound = 400 * 1024;
    let cells = Cells::reading_regions(bound, 50);
    pollster::block_on(cells.keep_region_fresh(&env, "g1")).expect("tried");
    assert!(!cells.holds_region());
    agree(&env, &dictionary, (&cells, "g1"), &mut seq, 100);
    assert!(cells.bytes() <= bound, "kept {} bytes", cells.bytes());
    // After a write it is not read again only to be refused again.
    let asked = host.env_for(Component::Portal);
    pollster::block_on(search_with(
        &asked,
        &near_here(),
        &dictionary,
        Some((&cells, "g2")),
    ))
    .expect("search");
    assert!(!asked.deferred(), "a region too large was asked for again");
}

/// A write makes a new generation: the region read before it answers no search of the
/// new one (a place withdrawn is gone at once), and a search of the new one asks for the
/// region to be read again; an instance that keeps no regions never asks.
#[test]
fn a_new_generation_is_not_answered_from_the_old_region() {
    let mut seq = Seq(0x6e65_7767_656e_0004);
    let (_dir, host, data) = region(places(&mut seq));
    let env = host.env_for(Component::Portal);
    let dictionary = Dictionary::default();
    let cells = Cells::new();
    pollster::block_on(cells.keep_region_fresh(&env, "g1")).expect("read the region");
    let query = near_here();
    let ask = |generation: &str| {
        let env = host.env_for(Component::Portal);
        let page = pollster::block_on(search_with(
            &env,
            &query,
            &dictionary,
            Some((&cells, generation)),
        ))
        .expect("search");
        let ids: Vec<String> = page.items.iter().map(|h| h.resource.id.clone()).collect();
        (ids, env.deferred())
    };
    let (before, asked) = ask("g1");
    assert!(!asked, "a fresh region was asked for again");
    let nearest = before.first().expect("places there").clone();

    data.database(Database::Public)
        .batch(&[Statement::new(
            "UPDATE resources SET status = 'draft' WHERE id = ?1",
            vec![nearest.as_str().into()],
        )])
        .expect("withdraw");
    let (after, asked) = ask("g2");
    assert!(
        !after.contains(&nearest),
        "the withdrawn place is still found"
    );
    assert!(asked, "the new generation's region was not asked for");
    pollster::block_on(cells.keep_region_fresh(&env, "g2")).expect("read again");
    assert!(cells.holds_region());
    assert_eq!(ask("g2").0, after);

    let bounded = Cells::bounded(64 * 1024 * 1024, 100);
    let env = host.env_for(Component::Portal);
    pollster::block_on(search_with(
        &env,
        &query,
        &dictionary,
        Some((&bounded, "g2")),
    ))
    .expect("search");
    assert!(!env.deferred(), "an instance without regions asked for one");
}

/// A smaller bound (a Worker isolate's) holds over a region's searches: the kept places
/// never pass it, and the answers stay those of SQL.
#[test]
fn a_smaller_bound_holds() {
    let mut seq = Seq(0x0bad_cafe_f00d_0001);
    let (_dir, host, _) = region(places(&mut seq));
    let env = host.env_for(Component::Portal);
    let dictionary = Dictionary::default();
    let bound = 400 * 1024;
    let cells = Cells::bounded(bound, 50);
    let mut largest = 0;
    for _ in 0..100 {
        let query = SearchQuery {
            near: Some(Near {
                lat: 35.17 + 0.05 * seq.unit(),
                lng: 136.80 + 0.06 * seq.unit(),
                radius_m: 500.0,
            }),
            limit: 20,
            ..SearchQuery::default()
        };
        let kept = pollster::block_on(search_with(&env, &query, &dictionary, Some((&cells, "g1"))))
            .expect("search");
        let read =
            pollster::block_on(search_with(&env, &query, &dictionary, None)).expect("search");
        let ids = |page: &rainbownet_core::resources::search::SearchPage| -> Vec<String> {
            page.items.iter().map(|h| h.resource.id.clone()).collect()
        };
        assert_eq!(ids(&kept), ids(&read));
        largest = largest.max(cells.bytes());
    }
    assert!(
        largest > 0 && largest <= bound,
        "kept {largest} bytes, bound {bound}"
    );
}

/// Searches where no place is (an outsider asking around the globe) cost their cells'
/// entries: the bound on kept bytes holds for them too.
#[test]
fn empty_cells_count_against_the_bound() {
    let mut seq = Seq(0x1234_5678_9abc_def1);
    let (_dir, host, _) = region(places(&mut seq));
    let env = host.env_for(Component::Portal);
    let dictionary = Dictionary::default();
    let cells = Cells::new();
    for _ in 0..200 {
        let query = SearchQuery {
            near: Some(Near {
                lat: -60.0 + 120.0 * seq.unit(),
                lng: -170.0 + 340.0 * seq.unit(),
                radius_m: 30_000.0,
            }),
            limit: 20,
            ..SearchQuery::default()
        };
        // Asked twice: a cell is read into memory when asked for again.
        for _ in 0..2 {
            let page =
                pollster::block_on(search_with(&env, &query, &dictionary, Some((&cells, "g1"))))
                    .expect("search");
            assert!(page.items.is_empty());
        }
    }
    assert!(
        cells.bytes() >= 200 * 96,
        "empty cells were kept for free: {} bytes",
        cells.bytes()
    );
}

/// The store as a host gives it, watched: queries wait until `open` is set (a search held
/// in the middle of reading), and the reads of the whole region are counted.
struct Watched {
    inner: Box<dyn Stores>,
    open: Rc<Cell<bool>>,
    whole: Rc<Cell<usize>>,
}

/// The portal's environment on `host` with a watched store: (env, open, whole reads).
fn watched(host: &Host, open: bool) -> (Env, Rc<Cell<bool>>, Rc<Cell<usize>>) {
    let (open, whole) = (Rc::new(Cell::new(open)), Rc::new(Cell::new(0)));
    let mut env = host.env_for(Component::Portal);
    env.stores = Box::new(Watched {
        inner: host.env_for(Component::Portal).stores,
        open: Rc::clone(&open),
        whole: Rc::clone(&whole),
    });
    (env, open, whole)
}

#[async_trait(?Send)]
impl Stores for Watched {
    async fn sql(&self, db: Database) -> Result<Rc<dyn Sql>, StoreError> {
        let inner = self.inner.sql(db).await?;
        Ok(Rc::new(WatchedSql {
            inner,
            open: Rc::clone(&self.open),
            whole: Rc::clone(&self.whole),
        }))
    }

    async fn kv(&self, store: KvStore) -> Result<Rc<dyn Kv>, StoreError> {
        self.inner.kv(store).await
    }
}

struct WatchedSql {
    inner: Rc<dyn Sql>,
    open: Rc<Cell<bool>>,
    whole: Rc<Cell<usize>>,
}

#[async_trait(?Send)]
impl Sql for WatchedSql {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError> {
        Shut(Rc::clone(&self.open)).await;
        if sql.contains("ORDER BY r.geohash") {
            self.whole.set(self.whole.get() + 1);
        }
        self.inner.query(sql, params).await
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<Rows>, StoreError> {
        self.inner.batch(statements).await
    }
}

struct Shut(Rc<Cell<bool>>);

impl Future for Shut {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.get() {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// In an instance's first seconds residents ask near places no one asked about yet: a cell
/// asked for once is answered from the store's index for the circle alone, and read into
/// memory when asked again; while one search reads it, the others ask the store too (the
/// same answer) instead of reading the same cells again.
#[test]
fn cells_are_read_when_asked_again_and_once_at_a_time() {
    let mut seq = Seq(0x5eed_0f00_f157_7000);
    let (_dir, host, _) = region(places(&mut seq));
    let plain = host.env_for(Component::Portal);
    let (gated, open, _) = watched(&host, false);
    let dictionary = Dictionary::default();
    let cells = Cells::new();
    let query = near_here();
    let ids = |page: &rainbownet_core::resources::search::SearchPage| -> Vec<String> {
        page.items.iter().map(|h| h.resource.id.clone()).collect()
    };
    let store = pollster::block_on(search_with(&plain, &query, &dictionary, None)).expect("store");
    assert!(!store.items.is_empty(), "the region has places there");
    let kept = Some((&cells, "g1"));

    let once = pollster::block_on(search_with(&plain, &query, &dictionary, kept)).expect("once");
    assert_eq!(ids(&once), ids(&store));
    assert_eq!(cells.bytes(), 0, "a cell asked for once is not read");

    // Asked again: this search reads the cells, and is held while it does.
    let mut reading = Box::pin(search_with(&gated, &query, &dictionary, kept));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(reading.as_mut().poll(&mut cx).is_pending());
    let meanwhile =
        pollster::block_on(search_with(&plain, &query, &dictionary, kept)).expect("meanwhile");
    assert_eq!(ids(&meanwhile), ids(&store));
    assert_eq!(meanwhile.total, store.total);
    assert_eq!(
        cells.bytes(),
        0,
        "a search read the cells another is reading"
    );

    open.set(true);
    let read = pollster::block_on(reading).expect("reading");
    assert_eq!(ids(&read), ids(&store));
    assert!(cells.bytes() > 0, "the cells are kept once read");
    let after = pollster::block_on(search_with(&plain, &query, &dictionary, kept)).expect("after");
    assert_eq!(ids(&after), ids(&store));
}

fn row(id: &str) -> Arc<Resource> {
    Arc::new(Resource {
        id: id.to_owned(),
        url: format!("/resources/{id}"),
        municipality_name: String::new(),
        district: None,
        category_name: String::new(),
        category_name_en: String::new(),
        schema_type: String::new(),
        schedule_text: Vec::new(),
        fields: ResourceFields::default(),
        source: "test".into(),
        created_at: String::new(),
        updated_at: String::new(),
    })
}

/// Full rows are kept up to the bound, the first asked staying: a full map is not
/// emptied (freeing thousands of rows in one request's time), nor grown.
#[test]
fn full_rows_are_kept_up_to_the_bound_first_come() {
    let cells = Cells::bounded(1024, 5);
    let ids: Vec<String> = (0..8).map(|n| format!("R{n}")).collect();
    let rows: Vec<Arc<Resource>> = ids.iter().map(|id| row(id)).collect();
    cells.keep_resources("g1", 0, &rows[..3]);
    cells.keep_resources("g1", 0, &rows[3..]);
    let all: Vec<&str> = ids.iter().map(String::as_str).collect();
    let kept: Vec<String> = cells
        .resources("g1", 0, &all)
        .iter()
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(kept, ["R0", "R1", "R2", "R3", "R4"]);
    assert!(
        cells.resources("g2", 0, &all).is_empty(),
        "kept past its generation"
    );
}
