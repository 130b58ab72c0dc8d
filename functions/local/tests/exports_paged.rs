//! The public exports read the store a chunk at a time (issue #33 H3): over more places than
//! one chunk, the CSV, the whole HSDS page and `/hsds/services` page by page give every
//! published place once, drafts none, in one order, with the right totals.

use rainbownet::server::Host;
use rainbownet_core::resources::{ResourceFields, Status};

mod common;

use common::region;

const PLACES: usize = 1_234;

fn places() -> Vec<ResourceFields> {
    (0..PLACES)
        .map(|n| ResourceFields {
            municipality_code: ["23233", "23234", "23342"][n % 3].into(),
            category: "gathering.salon".into(),
            // Names that tie often: the order falls to the id.
            name: format!("サロン{}", n % 17),
            lat: Some(35.2),
            lng: Some(136.85),
            status: if n % 10 == 3 {
                Status::Draft
            } else {
                Status::Published
            },
            ..ResourceFields::default()
        })
        .collect()
}

fn get(host: &Host, path: &str) -> (u16, Vec<u8>) {
    let req = http::Request::builder()
        .uri(path)
        .header("host", "map.example.jp")
        .body(Vec::new())
        .expect("request");
    let response = host.handle(req);
    (response.status().as_u16(), response.into_body())
}

fn json(host: &Host, path: &str) -> serde_json::Value {
    let (status, body) = get(host, path);
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).expect("JSON")
}

fn ids(page: &serde_json::Value) -> Vec<String> {
    page["contents"]
        .as_array()
        .expect("contents")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect()
}

#[test]
fn exports_over_many_chunks_give_every_published_place_once_in_one_order() {
    let (_dir, host, _data) = region(places());
    let published = (0..PLACES).filter(|n| n % 10 != 3).count();

    let whole = json(&host, "/api/v1/public/resources.hsds.json");
    let all = ids(&whole);
    assert_eq!(whole["total_items"], published);
    assert_eq!(all.len(), published);
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), published, "a place twice in the HSDS export");

    let mut paged = Vec::new();
    for page in 1..=3 {
        let p = json(&host, &format!("/hsds/services?per_page=500&page={page}"));
        assert_eq!(p["total_items"], published);
        assert_eq!(p["total_pages"], 3);
        assert_eq!(p["last_page"], page == 3);
        paged.extend(ids(&p));
    }
    assert_eq!(paged, all, "the pages and the whole export differ");
    let past = json(&host, "/hsds/services?per_page=500&page=4");
    assert_eq!(past["empty"], true);

    let (status, csv) = get(&host, "/api/v1/public/resources.csv");
    assert_eq!(status, 200);
    let text = String::from_utf8(csv).expect("UTF-8");
    let rows: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert!(rows[0].starts_with("\u{feff}ID,"), "{}", rows[0]);
    assert_eq!(rows.len(), published + 1, "header and one row per place");
    let csv_ids: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r.split(',').next().unwrap_or_default())
        .collect();
    assert_eq!(
        csv_ids, all,
        "the CSV's order differs from the HSDS export's"
    );
}
