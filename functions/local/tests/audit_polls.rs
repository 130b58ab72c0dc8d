//! The HQ's live totals are polled every few seconds by every screen: the audit log keeps
//! one record per caller and event a minute for those polls, and every record of anything
//! else (exports, lists of people, refusals), through the disaster function's own store.

use std::sync::Arc;

use rainbownet::functions::Component;
use rainbownet::manifest::Manifest;
use rainbownet::server::Host;
use rainbownet::store::DataDir;
use rainbownet_core::auth::role::Role;
use rainbownet_core::auth::token::Subject;
use rainbownet_core::disaster::events::{EventInput, declare};
use rainbownet_core::disaster::figures::KeptFigures;
use rainbownet_core::disaster::summary::{Logged, attention, summary};
use rainbownet_core::env::Env;
use rainbownet_core::ports::Database;

fn staff(id: &str, town: &str) -> Subject {
    Subject {
        sub: id.into(),
        roles: vec![Role::DisasterHq],
        org: None,
        municipality: Some(town.into()),
        jti: format!("{id}-token"),
        sid: None,
        name: Some(format!("{id} さん")),
        patient: None,
    }
}

fn records(env: &Env, action: &str, outcome: &str) -> i64 {
    let sql = pollster::block_on(env.sql(Database::Disaster)).expect("sql");
    let rows = pollster::block_on(sql.query(
        "SELECT count(*) AS n FROM audit_log WHERE action = ?1 AND outcome = ?2",
        &[action.into(), outcome.into()],
    ))
    .expect("count");
    rows.first().expect("a count").int("n").expect("n")
}

#[test]
fn polls_of_the_totals_are_recorded_once_a_minute_and_everything_else_every_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = Arc::new(DataDir::open(dir.path()).expect("data dir"));
    let host = Host::new(
        Manifest::parse(rainbownet::embedded::SPIN_TOML).expect("spin.toml"),
        data,
    )
    .expect("host");
    let env = host.env_for(Component::Disaster);
    let req = rainbownet_core::http::Request::new(Vec::new());
    let hq = staff("hq-kiyosu", "23233");
    let kept = KeptFigures::new();
    let event = pollster::block_on(declare(
        &env,
        &req,
        &hq,
        EventInput {
            name: "監査の試験".into(),
            kind: "earthquake".into(),
            municipalities: vec!["23233".into()],
            started_at: None,
        },
    ))
    .expect("declare");

    for _ in 0..5 {
        pollster::block_on(summary(
            &env,
            &req,
            &hq,
            &event.id,
            Logged::OncePerMinute,
            &kept,
        ))
        .expect("poll");
    }
    assert_eq!(
        records(&env, "event.summary", "allowed"),
        1,
        "five polls in a minute"
    );
    // Another HQ member's screen is another record.
    let other = staff("hq-kiyosu-2", "23233");
    pollster::block_on(summary(
        &env,
        &req,
        &other,
        &event.id,
        Logged::OncePerMinute,
        &kept,
    ))
    .expect("poll");
    assert_eq!(records(&env, "event.summary", "allowed"), 2);
    // An export is recorded each time, polled or not in the same minute.
    for _ in 0..2 {
        pollster::block_on(summary(
            &env,
            &req,
            &hq,
            &event.id,
            Logged::EveryTime,
            &kept,
        ))
        .expect("export");
    }
    assert_eq!(records(&env, "event.summary", "allowed"), 4);
    // The list of people who need attention is personal data: every read.
    for _ in 0..2 {
        pollster::block_on(attention(&env, &req, &hq, &event.id)).expect("attention");
    }
    assert_eq!(records(&env, "event.attention", "allowed"), 2);
    // A supporter of the town sees the event but not its totals: refused, recorded each time.
    let stranger = Subject {
        roles: vec![Role::Professional],
        ..staff("supporter-kiyosu", "23233")
    };
    for _ in 0..3 {
        let refused = pollster::block_on(summary(
            &env,
            &req,
            &stranger,
            &event.id,
            Logged::OncePerMinute,
            &kept,
        ));
        assert!(refused.is_err());
    }
    assert_eq!(records(&env, "event.summary", "denied"), 3);
    // Another town's HQ passes the route's guard (the role fits) and learns nothing of the
    // event: 404, and each attempt is recorded as refused, whatever it asked for.
    let nagoya = staff("hq-nagoya", "23100");
    for logged in [
        Logged::OncePerMinute,
        Logged::OncePerMinute,
        Logged::EveryTime,
    ] {
        let refused = pollster::block_on(summary(&env, &req, &nagoya, &event.id, logged, &kept));
        assert!(matches!(refused, Err(rainbownet_core::Error::NotFound)));
    }
    assert!(pollster::block_on(attention(&env, &req, &nagoya, &event.id)).is_err());
    assert_eq!(records(&env, "event.summary", "denied"), 6);
    assert_eq!(records(&env, "event.attention", "denied"), 1);
}
