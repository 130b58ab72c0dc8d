//! The HQ's summary is kept by an instance while `figures_version` is unchanged: a poll
//! with nothing written in between is answered from memory, any write the figures are made
//! of shows on the next poll, and without the version's row nothing is kept at all.

use std::sync::Arc;

use rainbownet::functions::Component;
use rainbownet::manifest::Manifest;
use rainbownet::server::Host;
use rainbownet::store::DataDir;
use rainbownet_core::auth::role::Role;
use rainbownet_core::auth::token::Subject;
use rainbownet_core::disaster::events::{EventInput, declare};
use rainbownet_core::disaster::figures::KeptFigures;
use rainbownet_core::disaster::summary::{Logged, summary};
use rainbownet_core::env::Env;
use rainbownet_core::ports::{Database, Statement};

fn write(env: &Env, sql: &str) {
    let store = pollster::block_on(env.sql(Database::Disaster)).expect("sql");
    pollster::block_on(store.batch(&[Statement::new(sql, Vec::new())])).expect(sql);
}

#[test]
fn kept_figures_follow_every_write_and_nothing_is_kept_without_the_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = Arc::new(DataDir::open(dir.path()).expect("data dir"));
    let host = Host::new(
        Manifest::parse(rainbownet::embedded::SPIN_TOML).expect("spin.toml"),
        data,
    )
    .expect("host");
    let env = host.env_for(Component::Disaster);
    let req = rainbownet_core::http::Request::new(Vec::new());
    let hq = Subject {
        sub: "hq-kiyosu".into(),
        roles: vec![Role::DisasterHq],
        org: None,
        municipality: Some("23233".into()),
        jti: "hq-kiyosu-token".into(),
        sid: None,
        name: None,
        patient: None,
    };
    write(
        &env,
        "INSERT INTO districts (municipality_code, code, name, people) VALUES ('23233', 'T1', '試験町', 3)",
    );
    let event = pollster::block_on(declare(
        &env,
        &req,
        &hq,
        EventInput {
            name: "保持の試験".into(),
            kind: "earthquake".into(),
            municipalities: vec!["23233".into()],
            started_at: None,
        },
    ))
    .expect("declare");
    let kept = KeptFigures::new();
    let poll = || {
        pollster::block_on(summary(
            &env,
            &req,
            &hq,
            &event.id,
            Logged::OncePerMinute,
            &kept,
        ))
        .expect("poll")
    };

    let first = poll();
    assert_eq!(first.figures.totals.total, 3);
    assert!(
        Arc::ptr_eq(&first.figures, &poll().figures),
        "nothing written: the kept figures answer"
    );
    write(&env, "UPDATE districts SET people = 5 WHERE code = 'T1'");
    assert_eq!(poll().figures.totals.total, 5, "a register change shows");

    // Without the version's row no write moves the number: an instance starting then
    // must keep nothing.
    write(&env, "DELETE FROM figures_version");
    let starting = KeptFigures::new();
    let poll = || {
        pollster::block_on(summary(
            &env,
            &req,
            &hq,
            &event.id,
            Logged::OncePerMinute,
            &starting,
        ))
        .expect("poll")
    };
    assert_eq!(poll().figures.totals.total, 5);
    write(&env, "UPDATE districts SET people = 7 WHERE code = 'T1'");
    assert_eq!(
        poll().figures.totals.total,
        7,
        "read again without a version"
    );
}
