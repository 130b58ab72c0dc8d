//! A search near a point answers the same from the places kept in memory as from the
//! store's index: same places, same order, same distances, same totals, for words,
//! categories, towns, weekdays and hazards, over a generated region and many points.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;

use rainbownet::functions::Component;
use rainbownet_core::env::Stores;
use rainbownet_core::ports::{Database, Kv, KvStore, Rows, Sql, Statement, StoreError, Value};
use rainbownet_core::resources::hazard::{Hazard, Hazards};
use rainbownet_core::resources::schedule::Rule;
use rainbownet_core::resources::search::{Cells, Near, SearchQuery, search_with};
use rainbownet_core::resources::words::Dictionary;
use rainbownet_core::resources::{ResourceFields, Status};

mod common;

use common::{Seq, region};

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

#[test]
fn near_a_point_memory_and_store_agree() {
    let mut seq = Seq(0x2545_f491_4f6c_dd1d);
    let (_dir, host, _) = region(places(&mut seq));
    let env = host.env_for(Component::Portal);
    let dictionary = pollster::block_on(Dictionary::load(&env)).expect("dictionary");
    let cells = Cells::new();
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
    let radii = [300.0, 1_000.0, 2_500.0];
    let mut compared = 0;
    let mut found = 0;
    for i in 0..300 {
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
        let store = pollster::block_on(search_with(&env, &query, &dictionary, None))
            .expect("from the store");
        let memory =
            pollster::block_on(search_with(&env, &query, &dictionary, Some((&cells, "g1"))))
                .expect("from memory");
        let ids = |page: &rainbownet_core::resources::search::SearchPage| {
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
        compared += 1;
        found += store.items.len();
    }
    assert_eq!(compared, 300);
    assert!(
        found > 1_000,
        "the queries found too little to compare: {found}"
    );
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

/// A store whose queries wait until `open` is set: a search held in the middle of reading.
struct Gated {
    inner: Box<dyn Stores>,
    open: Rc<Cell<bool>>,
}

#[async_trait(?Send)]
impl Stores for Gated {
    async fn sql(&self, db: Database) -> Result<Rc<dyn Sql>, StoreError> {
        let inner = self.inner.sql(db).await?;
        Ok(Rc::new(GatedSql {
            inner,
            open: Rc::clone(&self.open),
        }))
    }

    async fn kv(&self, store: KvStore) -> Result<Rc<dyn Kv>, StoreError> {
        self.inner.kv(store).await
    }
}

struct GatedSql {
    inner: Rc<dyn Sql>,
    open: Rc<Cell<bool>>,
}

#[async_trait(?Send)]
impl Sql for GatedSql {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError> {
        Shut(Rc::clone(&self.open)).await;
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
    let open = Rc::new(Cell::new(false));
    let mut gated = host.env_for(Component::Portal);
    gated.stores = Box::new(Gated {
        inner: host.env_for(Component::Portal).stores,
        open: Rc::clone(&open),
    });
    let dictionary = Dictionary::default();
    let cells = Cells::new();
    let query = SearchQuery {
        near: Some(Near {
            lat: 35.195,
            lng: 136.83,
            radius_m: 1_000.0,
        }),
        limit: 20,
        ..SearchQuery::default()
    };
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
