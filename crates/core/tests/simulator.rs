use crate::support::Fixture;
use eventdesk_core::{Actor, EventQuery, SimConfig, Simulator, Status};

fn run(f: &Fixture, config: SimConfig, changes: u64) {
    let mut conn = f.store.connect().unwrap();
    let mut sim = Simulator::new(config);
    for _ in 0..changes {
        f.clock.advance(250);
        sim.run_batch(&mut conn, &f.feed, &*f.clock, 1).unwrap();
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
    let page = f.store.list_events(&EventQuery::new(1, 500)).unwrap();
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
        .list_events(&EventQuery::new(1, 50))
        .unwrap()
        .rows
        .into_iter()
        .find(|e| e.status != Status::Completed)
        .unwrap();
    let done = f
        .store
        .act(target.id, target.version, eventdesk_core::Action::Complete)
        .unwrap();
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
        (
            e.reopened_by.clone(),
            e.completed_by.clone(),
            e.updated_by.clone()
        ),
        (Some(Actor::Simulator), None, Actor::Simulator)
    );
    let actors: Vec<_> = detail.history.iter().map(|c| c.actor.clone()).collect();
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
    sim.run_batch(&mut conn, &f.feed, &eventdesk_core::At(1), 500)
        .unwrap();
    let sets = f.published();
    assert_eq!(sets.len(), 1);
    assert_eq!((sets[0].from_seq, sets[0].to_seq), (1, 500));
    assert_eq!(sim.changes(), 500);
    let page = f.store.list_events(&EventQuery::new(1, 500)).unwrap();
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
    assert_eq!((cfg.running, cfg.rate, cfg.seed), (true, 2.0, 5));
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
        (cfg.running, cfg.rate, cfg.seed, cfg.override_chance),
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

#[test]
fn settings_out_of_range_are_rejected_by_name() {
    let ok = SimConfig::new(1);
    assert!(ok.validate().is_ok());
    for (cfg, field) in [
        (
            SimConfig {
                rate: 0.0,
                ..ok.clone()
            },
            "rate",
        ),
        (
            SimConfig {
                rate: 5_000.5,
                ..ok.clone()
            },
            "rate",
        ),
        (
            SimConfig {
                rate: f64::NAN,
                ..ok.clone()
            },
            "rate",
        ),
        (
            SimConfig {
                new_share: -0.1,
                ..ok.clone()
            },
            "newShare",
        ),
        (
            SimConfig {
                override_chance: 1.1,
                ..ok.clone()
            },
            "overrideChance",
        ),
        (
            SimConfig {
                seed: SimConfig::MAX_SEED + 1,
                ..ok.clone()
            },
            "seed",
        ),
    ] {
        match cfg.validate() {
            Err(eventdesk_core::Error::InvalidInput { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{field}: {other:?}"),
        }
    }
}

/// Waits until `done` holds, failing with `what` after 20 s.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "{what}");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn a_paused_simulator_makes_no_changes_and_resumes_on_request() {
    use eventdesk_core::{SimControl, SystemClock};
    use std::sync::Arc;
    let f = Fixture::new();
    let control = SimControl::new(SimConfig {
        running: false,
        rate: 1_000.0,
        ..SimConfig::new(2)
    });
    let conn = f.store.connect().unwrap();
    let (feed, thread_control) = (f.feed.clone(), control.clone());
    let sim = Simulator::new(control.config());
    let thread =
        std::thread::spawn(move || sim.run(conn, feed, Arc::new(SystemClock), thread_control));
    let seq = || f.store.list_events(&EventQuery::new(1, 1)).unwrap().seq;
    // Over several turns of its loop (a change is due every millisecond), a paused simulator
    // commits nothing.
    let quiet = |when: &str| {
        wait_for(&format!("{when}: the thread took no pause"), || {
            control.is_applied()
        });
        let (at, ticks) = (seq(), control.ticks());
        wait_for(&format!("{when}: the thread stopped ticking"), || {
            control.ticks() >= ticks + 5
        });
        assert_eq!(seq(), at, "{when}: a paused simulator committed changes");
    };
    quiet("paused from the start");
    assert_eq!(control.status().changes, 0);
    assert_eq!(seq(), 0);

    let status = control
        .update(SimConfig {
            running: true,
            ..control.config()
        })
        .unwrap();
    assert!(status.settings.running);
    wait_for("the simulator did not resume", || {
        control.status().changes >= 50
    });
    assert!(seq() >= 50);

    control
        .update(SimConfig {
            running: false,
            ..control.config()
        })
        .unwrap();
    quiet("paused again");
    let made = control.status().changes;
    control.stop();
    thread.join().unwrap();
    assert_eq!(
        seq(),
        i64::try_from(made).unwrap(),
        "every change is in the log"
    );
    assert_eq!(
        control.update(SimConfig {
            rate: -1.0,
            ..control.config()
        }),
        Err(eventdesk_core::Error::InvalidInput {
            field: "rate".into(),
            message: "must be from 0.1 to 5000, got -1".into(),
        })
    );
}
