use crate::support::Fixture;
use eventdesk_core::{Actor, EventQuery, SimConfig, Simulator, Status};

fn run(f: &Fixture, config: SimConfig, changes: u64) {
    let mut conn = f.store.connect().unwrap();
    let mut sim = Simulator::new(config);
    for _ in 0..changes {
        f.clock.advance(250);
        sim.run_batch(
            &mut conn,
            &f.feed,
            eventdesk_core::Clock::now_ms(&*f.clock),
            1,
        )
        .unwrap();
    }
}

#[test]
fn same_seed_and_config_give_the_same_changes() {
    let a = Fixture::new();
    let b = Fixture::new();
    run(&a, SimConfig::new(42), 300);
    run(&b, SimConfig::new(42), 300);
    assert_eq!(a.dump(), b.dump());
    let c = Fixture::new();
    run(&c, SimConfig::new(43), 300);
    assert_ne!(a.dump(), c.dump());
}

#[test]
fn it_creates_and_changes_events_with_readable_content() {
    let f = Fixture::new();
    run(&f, SimConfig::new(7), 400);
    let page = f
        .store
        .list_events(&EventQuery {
            page: 1,
            page_size: 500,
        })
        .unwrap();
    assert!(page.total > 50, "{} events", page.total);
    assert!(page.rows.iter().any(|e| e.status == Status::Acknowledged));
    assert!(page.rows.iter().any(|e| e.status == Status::Completed));
    assert!(page.rows.iter().any(|e| e.version > 2));
    let kinds: std::collections::HashSet<_> = page.rows.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.len() >= 8, "{kinds:?}");
    for e in &page.rows {
        assert!(e.title.len() > 20 && e.title.contains(' '), "{}", e.title);
        assert!(!e.title.to_lowercase().starts_with("event "), "{}", e.title);
    }
    assert_eq!(page.seq, 400);
}

#[test]
fn it_reopens_an_event_a_user_completed() {
    let f = Fixture::new();
    run(
        &f,
        SimConfig {
            override_chance: 0.0,
            ..SimConfig::new(3)
        },
        20,
    );
    let target = f
        .store
        .list_events(&EventQuery {
            page: 1,
            page_size: 50,
        })
        .unwrap()
        .rows
        .into_iter()
        .find(|e| e.status != Status::Completed)
        .unwrap();
    let done = f.store.complete_event(target.id, target.version).unwrap();
    assert_eq!(done.completed_by, Some(Actor::User));
    run(
        &f,
        SimConfig {
            override_chance: 1.0,
            ..SimConfig::new(3)
        },
        1,
    );
    let detail = f.store.get_event(target.id).unwrap();
    let e = &detail.event;
    assert_ne!(e.status, Status::Completed);
    assert_eq!(
        (e.reopened_by, e.completed_by, e.updated_by),
        (Some(Actor::Simulator), None, Actor::Simulator)
    );
    let actors: Vec<_> = detail.history.iter().map(|c| c.actor).collect();
    assert!(
        actors.contains(&Actor::User) && actors.last() == Some(&Actor::Simulator),
        "{actors:?}"
    );
}

#[test]
fn a_batch_is_one_commit_with_a_contiguous_seq_range() {
    let f = Fixture::new();
    f.published();
    let mut conn = f.store.connect().unwrap();
    let mut sim = Simulator::new(SimConfig::new(9));
    sim.run_batch(&mut conn, &f.feed, 1, 500).unwrap();
    let sets = f.published();
    assert_eq!(sets.len(), 1);
    assert_eq!((sets[0].from_seq, sets[0].to_seq), (1, 500));
    assert_eq!(sim.changes(), 500);
    let page = f
        .store
        .list_events(&EventQuery {
            page: 1,
            page_size: 500,
        })
        .unwrap();
    assert_eq!(sets[0].total, page.total);
    assert_eq!(sets[0].created.len() as i64, page.total);
}

#[test]
fn settings_come_from_the_environment_with_clear_errors() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    };
    let cfg = SimConfig::from_env(env(&[]), 5).unwrap();
    assert_eq!((cfg.enabled, cfg.rate, cfg.seed), (true, 2.0, 5));
    let cfg = SimConfig::from_env(
        env(&[
            ("EVENTDESK_SIM", "off"),
            ("EVENTDESK_SIM_RATE", "40"),
            ("EVENTDESK_SIM_SEED", "9"),
            ("EVENTDESK_SIM_OVERRIDE", "1"),
        ]),
        5,
    )
    .unwrap();
    assert_eq!(
        (cfg.enabled, cfg.rate, cfg.seed, cfg.override_chance),
        (false, 40.0, 9, 1.0)
    );
    for (name, value) in [
        ("EVENTDESK_SIM_RATE", "fast"),
        ("EVENTDESK_SIM_RATE", "0"),
        ("EVENTDESK_SIM_RATE", "5001"),
        ("EVENTDESK_SIM_SEED", "-1"),
        ("EVENTDESK_SIM", "maybe"),
        ("EVENTDESK_SIM_OVERRIDE", "1.5"),
    ] {
        let pairs: &'static [(&'static str, &'static str)] = Box::leak(Box::new([(name, value)]));
        match SimConfig::from_env(env(pairs), 5) {
            Err(eventdesk_core::Error::InvalidInput { field, .. }) => assert_eq!(field, name),
            other => panic!("{name}={value}: {other:?}"),
        }
    }
}
