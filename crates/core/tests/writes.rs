use crate::support::Fixture;
use eventdesk_core::{Action, Actor, Error, Field, Status};

#[test]
fn complete_marks_the_user_and_time_and_bumps_the_version() {
    let f = Fixture::new();
    let id = f.add_events(1)[0];
    f.clock.advance(5_000);
    let done = f.store.act(id, 1, Action::Complete).unwrap();
    assert_eq!(done.status, Status::Completed);
    assert_eq!(done.completed_by, Some(Actor::User));
    assert_eq!(done.completed_at, Some(done.updated_at));
    assert_eq!(done.updated_by, Actor::User);
    assert_eq!(done.version, 2);
    assert_eq!(f.store.get_event(id).unwrap().event, done);
}

#[test]
fn complete_publishes_the_changed_row_after_commit() {
    let f = Fixture::new();
    let id = f.add_events(1)[0];
    f.published();
    let done = f.store.act(id, 1, Action::Complete).unwrap();
    let sets = f.published();
    assert_eq!(sets.len(), 1);
    assert_eq!((sets[0].from_seq, sets[0].to_seq), (2, 2));
    assert_eq!(sets[0].rows, vec![done]);
    assert!(sets[0].created.is_empty());
    assert_eq!(sets[0].total, 1);
}

#[test]
fn stale_version_is_a_conflict_carrying_the_current_event_and_writes_nothing() {
    let f = Fixture::new();
    let id = f.add_events(1)[0];
    let mut conn = f.store.connect().unwrap();
    f.feed
        .write(&mut conn, &*f.clock, |w| {
            let e = eventdesk_core::db::rows::load_event(&*w, id)?;
            w.set_severity(&e, eventdesk_core::Severity::Critical, &Actor::Simulator)
        })
        .unwrap();
    f.published();
    let before = f.dump();
    match f.store.act(id, 1, Action::Complete) {
        Err(Error::Conflict { expected, current }) => {
            assert_eq!(expected, 1);
            assert_eq!(current.version, 2);
            assert_eq!(current.severity, eventdesk_core::Severity::Critical);
            assert_eq!(current.status, Status::Open);
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(f.dump(), before);
    assert!(f.published().is_empty());
}

#[test]
fn bad_ids_are_typed_errors_and_write_nothing() {
    let f = Fixture::new();
    f.add_events(2);
    let before = f.dump();
    assert!(
        matches!(f.store.act(0, 1, Action::Complete), Err(Error::InvalidInput { ref field, .. }) if field == "id")
    );
    assert!(
        matches!(f.store.act(-7, 1, Action::Complete), Err(Error::InvalidInput { ref field, .. }) if field == "id")
    );
    assert_eq!(
        f.store.act(99, 1, Action::Complete),
        Err(Error::NotFound { id: 99 })
    );
    assert_eq!(
        f.store.get_event(99).map(|_| ()),
        Err(Error::NotFound { id: 99 })
    );
    assert!(matches!(
        f.store.get_event(-1),
        Err(Error::InvalidInput { .. })
    ));
    assert_eq!(f.dump(), before);
}

#[test]
fn completing_twice_changes_nothing_the_second_time() {
    let f = Fixture::new();
    let id = f.add_events(1)[0];
    let first = f.store.act(id, 1, Action::Complete).unwrap();
    let before = f.dump();
    assert_eq!(
        f.store.act(id, first.version, Action::Complete).unwrap(),
        first
    );
    assert_eq!(f.dump(), before);
}

#[test]
fn history_is_complete_and_ordered_by_seq() {
    let f = Fixture::new();
    let ids = f.add_events(2);
    f.clock.advance(1_000);
    f.store.act(ids[1], 1, Action::Complete).unwrap();
    f.clock.advance(1_000);
    let mut conn = f.store.connect().unwrap();
    f.feed
        .write(&mut conn, &*f.clock, |w| {
            let e = eventdesk_core::db::rows::load_event(&*w, ids[1])?;
            w.set_status(&e, Status::Open, &Actor::Simulator)
        })
        .unwrap();
    let detail = f.store.get_event(ids[1]).unwrap();
    let steps: Vec<_> = detail
        .history
        .iter()
        .map(|c| (c.actor.clone(), c.field, c.from.as_deref(), c.to.as_str()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (Actor::Simulator, Field::Created, None, "open"),
            (Actor::User, Field::Status, Some("open"), "completed"),
            (Actor::Simulator, Field::Status, Some("completed"), "open"),
        ]
    );
    assert!(detail
        .history
        .windows(2)
        .all(|w| w[0].seq < w[1].seq && w[0].at <= w[1].at));
    assert!(detail.history.iter().all(|c| c.event_id == ids[1]));
    let e = detail.event;
    assert_eq!(
        (e.status, e.completed_by, e.reopened_by, e.version),
        (Status::Open, None, Some(Actor::Simulator), 3)
    );
}

#[test]
fn a_change_set_reports_each_row_exactly_as_stored() {
    // WriteTxn keeps touched rows in memory instead of reading them back: check it agrees with
    // the database after batches that create, escalate, acknowledge, complete and reopen.
    let f = Fixture::new();
    let mut conn = f.store.connect().unwrap();
    let mut sim = eventdesk_core::Simulator::new(eventdesk_core::SimConfig {
        new_share: 0.3,
        override_chance: 0.05,
        ..eventdesk_core::SimConfig::new(17)
    });
    f.add_events(5);
    let id = f.published().last().unwrap().rows[0].id;
    f.store
        .act(id, 1, eventdesk_core::Action::Complete)
        .unwrap();
    f.published();
    let mut changed_twice = false;
    for _ in 0..20 {
        f.clock.advance(1_000);
        sim.run_batch(&mut conn, &f.feed, &*f.clock, 100).unwrap();
        let set = f.published().pop().unwrap();
        for row in &set.rows {
            assert_eq!(
                row,
                &eventdesk_core::db::rows::load_event(&conn, row.id).unwrap(),
                "event {}",
                row.id
            );
        }
        changed_twice |= set.rows.iter().any(|r| r.version > 2);
    }
    assert!(changed_twice, "some rows changed more than once");
    // The counts the write path keeps agree with counting the table.
    let cells = |sql: &str| -> Vec<(String, i64, i64)> {
        let mut stmt = conn.as_sqlite().prepare(sql).unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        rows.map(Result::unwrap).collect()
    };
    assert_eq!(
        cells("SELECT status, severity, n FROM event_counts WHERE n != 0 ORDER BY 1, 2"),
        cells("SELECT status, severity, count(*) FROM events GROUP BY 1, 2 ORDER BY 1, 2")
    );
}

#[test]
fn a_full_disk_is_a_typed_error_and_writes_nothing() {
    let f = Fixture::new();
    f.add_events(3);
    let before = f.dump();
    f.published();
    let mut conn = f.store.connect().unwrap();
    // SQLite's own limit on the file's size stands in for a disk that fills up: the same
    // SQLITE_FULL comes back.
    let pages: i64 = conn
        .as_sqlite()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    let _: i64 = conn
        .as_sqlite()
        .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
            r.get(0)
        })
        .unwrap();
    let written = f.feed.write(&mut conn, &*f.clock, |w| {
        for i in 0..5_000 {
            w.insert(&crate::support::new_event(i), &Actor::Simulator)?;
        }
        Ok(())
    });
    match written {
        Err(Error::DiskFull { message }) => assert!(message.contains("full"), "{message}"),
        other => panic!("expected DiskFull, got {other:?}"),
    }
    assert_eq!(f.dump(), before);
    assert!(f.published().is_empty());
}

#[test]
fn file_system_errors_say_what_the_user_can_do() {
    use std::io::{Error as IoError, ErrorKind};
    let full = Error::io("/data/x.csv", &IoError::from(ErrorKind::StorageFull));
    assert!(matches!(full, Error::DiskFull { ref message } if message.contains("/data/x.csv")));
    let denied = Error::io("/data/x.csv", &IoError::from(ErrorKind::PermissionDenied));
    assert!(matches!(denied, Error::ReadOnly { ref path, .. } if path == "/data/x.csv"));
    let other = Error::io("/data/x.csv", &IoError::other("bad sector"));
    assert!(matches!(other, Error::Storage { ref message } if message.contains("bad sector")));
}
