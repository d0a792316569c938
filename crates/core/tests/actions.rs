use crate::support::Fixture;
use eventdesk_core::{Action, Actor, BulkOutcome, Error, Status, Target};

fn t(id: i64, expected_version: i64) -> Target {
    Target {
        id,
        expected_version,
    }
}

#[test]
fn acknowledge_then_complete_then_reopen_as_the_user() {
    let f = Fixture::new();
    let id = f.add_events(1)[0];
    let e = f.store.act(id, 1, Action::Acknowledge).unwrap();
    assert_eq!(
        (e.status, e.updated_by, e.version),
        (Status::Acknowledged, Actor::User, 2)
    );
    let e = f.store.act(id, 2, Action::Complete).unwrap();
    assert_eq!(
        (e.status, e.completed_by),
        (Status::Completed, Some(Actor::User))
    );
    let e = f.store.act(id, 3, Action::Reopen).unwrap();
    assert_eq!(
        (e.status, e.completed_by, e.reopened_by, e.version),
        (Status::Open, None, Some(Actor::User), 4)
    );
    let fields: Vec<_> = f
        .store
        .get_event(id)
        .unwrap()
        .history
        .iter()
        .map(|c| c.to.clone())
        .collect();
    assert_eq!(fields, ["open", "acknowledged", "completed", "open"]);
}

#[test]
fn actions_that_do_not_apply_are_invalid_and_write_nothing() {
    let f = Fixture::new();
    let ids = f.add_events(2);
    f.store.act(ids[0], 1, Action::Complete).unwrap();
    f.store.act(ids[1], 1, Action::Acknowledge).unwrap();
    let before = f.dump();
    for (id, version, action) in [
        (ids[0], 2, Action::Acknowledge),
        (ids[1], 2, Action::Reopen),
    ] {
        match f.store.act(id, version, action) {
            Err(Error::InvalidInput { field, message }) => {
                assert_eq!(field, "action");
                assert!(message.starts_with("cannot "), "{message}");
            }
            other => panic!("{action:?} on {id}: {other:?}"),
        }
    }
    // Already in effect: nothing to do, nothing written.
    assert_eq!(f.store.act(ids[0], 2, Action::Complete).unwrap().version, 2);
    assert_eq!(
        f.store.act(ids[1], 2, Action::Acknowledge).unwrap().version,
        2
    );
    assert_eq!(f.dump(), before);
}

#[test]
fn stale_versions_conflict_for_every_action() {
    let f = Fixture::new();
    let id = f.add_events(1)[0];
    f.store.act(id, 1, Action::Acknowledge).unwrap();
    for action in [Action::Acknowledge, Action::Complete, Action::Reopen] {
        assert!(
            matches!(
                f.store.act(id, 1, action),
                Err(Error::Conflict { expected: 1, .. })
            ),
            "{action:?}"
        );
    }
}

#[test]
fn bulk_reports_each_outcome_and_commits_once() {
    let f = Fixture::new();
    let ids = f.add_events(4);
    f.store.act(ids[1], 1, Action::Acknowledge).unwrap();
    f.published();
    let out = f
        .store
        .bulk(
            &[t(ids[0], 1), t(ids[1], 1), t(999, 1), t(ids[2], 1)],
            Action::Complete,
        )
        .unwrap();
    assert!(
        matches!(&out[0], BulkOutcome::Done { id, event } if *id == ids[0] && event.status == Status::Completed)
    );
    assert!(
        matches!(&out[1], BulkOutcome::Conflict { id, current } if *id == ids[1] && current.version == 2)
    );
    assert_eq!(out[2], BulkOutcome::NotFound { id: 999 });
    assert!(matches!(&out[3], BulkOutcome::Done { .. }));
    let sets = f.published();
    assert_eq!(sets.len(), 1, "one transaction, one change set");
    assert_eq!(sets[0].rows.len(), 2);
    assert_eq!(sets[0].to_seq - sets[0].from_seq, 1);
}

#[test]
fn bulk_acknowledge_skips_completed_events() {
    let f = Fixture::new();
    let ids = f.add_events(2);
    f.store.act(ids[0], 1, Action::Complete).unwrap();
    let out = f
        .store
        .bulk(&[t(ids[0], 2), t(ids[1], 1)], Action::Acknowledge)
        .unwrap();
    assert!(matches!(&out[0], BulkOutcome::Skipped { id, .. } if *id == ids[0]));
    assert!(
        matches!(&out[1], BulkOutcome::Done { event, .. } if event.status == Status::Acknowledged)
    );
}

#[test]
fn bulk_input_is_checked_before_anything_is_written() {
    let f = Fixture::new();
    let ids = f.add_events(2);
    let before = f.dump();
    let too_many: Vec<_> = (1..=501).map(|i| t(i, 1)).collect();
    for targets in [
        vec![],
        too_many,
        vec![t(ids[0], 1), t(ids[0], 1)],
        vec![t(ids[0], 1), t(-1, 1)],
    ] {
        assert!(
            matches!(
                f.store.bulk(&targets, Action::Complete),
                Err(Error::InvalidInput { .. })
            ),
            "{} targets",
            targets.len()
        );
    }
    assert_eq!(f.dump(), before);
}

#[test]
fn changes_since_catches_up_after_dropped_pushes() {
    let f = Fixture::new();
    let ids = f.add_events(3);
    let seen = f
        .store
        .list_events(&eventdesk_core::EventQuery::new(1, 10))
        .unwrap();
    // These pushes are "lost": the reader never applies them.
    f.store.act(ids[0], 1, Action::Acknowledge).unwrap();
    let new_ids = f.add_events(2);
    f.store.act(ids[0], 2, Action::Complete).unwrap();
    let catch = f.store.changes_since(seen.seq).unwrap();
    assert!(catch.complete);
    let set = catch.changes.unwrap();
    assert_eq!((set.from_seq, set.to_seq), (seen.seq + 1, seen.seq + 4));
    let mut changed: Vec<_> = set.rows.iter().map(|r| (r.id, r.version)).collect();
    changed.sort();
    assert_eq!(changed, vec![(ids[0], 3), (new_ids[0], 1), (new_ids[1], 1)]);
    assert_eq!(set.created, vec![new_ids[1], new_ids[0]]);
    assert_eq!(set.total, 5);
    let none = f.store.changes_since(set.to_seq).unwrap();
    assert_eq!((none.changes, none.complete), (None, true));
    assert!(matches!(
        f.store.changes_since(-1),
        Err(Error::InvalidInput { .. })
    ));
}

#[test]
fn changes_since_declines_a_huge_gap() {
    let f = Fixture::new();
    let mut conn = f.store.connect().unwrap();
    let mut sim = eventdesk_core::Simulator::new(eventdesk_core::SimConfig {
        new_share: 1.0,
        ..eventdesk_core::SimConfig::new(1)
    });
    sim.run_batch(&mut conn, &f.feed, &eventdesk_core::At(1), 2_500)
        .unwrap();
    let catch = f.store.changes_since(0).unwrap();
    assert_eq!((catch.changes, catch.complete), (None, false));
}

#[test]
fn settings_persist_across_reopening() {
    let f = Fixture::new();
    assert_eq!(
        f.store
            .load_setting::<eventdesk_core::SimConfig>("simulator")
            .unwrap(),
        None
    );
    let cfg = eventdesk_core::SimConfig {
        rate: 40.0,
        running: false,
        ..eventdesk_core::SimConfig::new(77)
    };
    f.store.save_setting("simulator", &cfg).unwrap();
    let path = f.store.path().to_owned();
    let again = eventdesk_core::Store::open(&path, f.feed.clone(), f.clock.clone()).unwrap();
    assert_eq!(
        again
            .load_setting::<eventdesk_core::SimConfig>("simulator")
            .unwrap(),
        Some(cfg)
    );
}

/// What the window offers (`Action::offered`, exported to the UI as `ACTIONS_FOR`) is exactly
/// what the write path accepts as a change.
#[test]
fn the_actions_offered_are_the_ones_the_write_path_applies() {
    let offered = Action::offered();
    assert_eq!(offered.len(), 3);
    for (status, actions) in offered {
        for action in Action::ALL {
            let f = Fixture::new();
            let id = f.add_events(1)[0];
            let mut version = 1;
            let path: &[Action] = match status {
                Status::Open => &[],
                Status::Acknowledged => &[Action::Acknowledge],
                Status::Completed => &[Action::Complete],
            };
            for step in path {
                version = f.store.act(id, version, *step).unwrap().version;
            }
            match f.store.act(id, version, action) {
                Ok(e) if e.version == version + 1 => {
                    assert!(
                        actions.contains(&action),
                        "{action:?} on {status:?} applied"
                    )
                }
                Ok(e) => {
                    assert_eq!(e.status, status, "{action:?} on {status:?}");
                    assert!(
                        !actions.contains(&action),
                        "{action:?} on {status:?} offered"
                    )
                }
                Err(Error::InvalidInput { .. }) => {
                    assert!(
                        !actions.contains(&action),
                        "{action:?} on {status:?} offered"
                    )
                }
                Err(e) => panic!("{action:?} on {status:?}: {e}"),
            }
        }
    }
}

#[test]
fn a_snooze_hides_an_event_until_its_time_a_rise_in_severity_or_a_wake_and_the_log_says_so() {
    use eventdesk_core::{Clock, EventQuery, Field, Severity};
    const HOUR: i64 = 3_600_000;
    let f = Fixture::new();
    let ids = f.add_events(3);
    let now = f.clock.now_ms();
    let shown = |f: &Fixture| -> Vec<i64> {
        let page = f.store.list_events(&EventQuery::new(1, 10)).unwrap();
        page.rows.iter().map(|e| e.id).collect()
    };
    let done = |outcomes: Vec<BulkOutcome>| match &outcomes[..] {
        [BulkOutcome::Done { event, .. }] => event.clone(),
        other => panic!("{other:?}"),
    };
    // Refused: a time that has passed, more than 30 days, a completed event.
    for until in [now, now - 1, now + 31 * 24 * HOUR] {
        let refused = f.store.snooze(&[t(ids[0], 1)], Some(until)).unwrap();
        assert!(
            matches!(&refused[..], [BulkOutcome::Skipped { reason, .. }] if reason.contains("until") || reason.contains("now") || reason.contains("days")),
            "{refused:?}"
        );
    }
    f.store.act(ids[2], 1, Action::Complete).unwrap();
    let refused = f.store.snooze(&[t(ids[2], 2)], Some(now + HOUR)).unwrap();
    assert!(
        matches!(&refused[..], [BulkOutcome::Skipped { reason, .. }] if reason.contains("completed")),
        "{refused:?}"
    );
    assert_eq!(shown(&f), [3, 2, 1]);

    // Snoozed for an hour: out of the default view, counted, back by itself after it.
    let e = done(f.store.snooze(&[t(ids[0], 1)], Some(now + HOUR)).unwrap());
    assert_eq!((e.snoozed_until, e.version), (Some(now + HOUR), 2));
    let page = f.store.list_events(&EventQuery::new(1, 10)).unwrap();
    assert_eq!(
        (shown(&f), page.snoozed, page.next_wake),
        (vec![3, 2], 1, Some(now + HOUR))
    );
    f.clock.advance(HOUR);
    let page = f.store.list_events(&EventQuery::new(1, 10)).unwrap();
    assert_eq!(
        (shown(&f), page.snoozed, page.next_wake),
        (vec![3, 2, 1], 0, None)
    );

    // Snoozed again, then its severity rises: woken in the same change.
    let now = f.clock.now_ms();
    done(f.store.snooze(&[t(ids[0], 2)], Some(now + HOUR)).unwrap());
    assert_eq!(shown(&f), [3, 2]);
    let mut conn = f.store.connect().unwrap();
    f.feed
        .write(&mut conn, &*f.clock, |w| {
            let e = w.current(ids[0])?;
            w.set_severity(&e, Severity::Critical, &Actor::Simulator)
        })
        .unwrap();
    assert_eq!(shown(&f), [3, 2, 1]);
    // Snoozed, woken by the operator, snoozed, then completed: completing ends the snooze.
    let e = done(f.store.snooze(&[t(ids[1], 1)], Some(now + HOUR)).unwrap());
    let e = done(f.store.snooze(&[t(ids[1], e.version)], None).unwrap());
    assert_eq!(e.snoozed_until, None);
    let e = done(
        f.store
            .snooze(&[t(ids[1], e.version)], Some(now + 2 * HOUR))
            .unwrap(),
    );
    let e = f.store.act(ids[1], e.version, Action::Complete).unwrap();
    assert_eq!(e.snoozed_until, None);

    let log = |id: i64| -> Vec<(Field, Option<String>, String)> {
        f.store
            .get_event(id)
            .unwrap()
            .history
            .into_iter()
            .filter(|c| c.field != Field::Created)
            .map(|c| (c.field, c.from, c.to))
            .collect()
    };
    // The first snooze ended at what is `now` since the clock moved an hour.
    let (first, second) = (now, now + HOUR);
    assert_eq!(
        log(ids[0]),
        [
            (Field::Snoozed, None, first.to_string()),
            (Field::Snoozed, Some(first.to_string()), second.to_string()),
            (Field::Severity, Some("warning".into()), "critical".into()),
            (Field::Snoozed, Some(second.to_string()), String::new()),
        ]
    );
    assert_eq!(
        log(ids[1])
            .iter()
            .map(|(field, _, to)| (*field, to.clone()))
            .collect::<Vec<_>>(),
        [
            (Field::Snoozed, second.to_string()),
            (Field::Snoozed, String::new()),
            (Field::Snoozed, (now + 2 * HOUR).to_string()),
            (Field::Status, "completed".into()),
        ]
    );
}

#[test]
fn claim_assign_and_release_are_versioned_logged_and_the_first_claim_wins() {
    let f = Fixture::new();
    let ids = f.add_events(2);
    let ann = Actor::operator("ann").unwrap();
    // This desk's operator takes the first event: a new version, a log entry.
    let [BulkOutcome::Done { event, .. }] =
        &f.store.assign(&[t(ids[0], 1)], Some(&Actor::User)).unwrap()[..]
    else {
        panic!("not claimed");
    };
    assert_eq!(
        (event.assignee.clone(), event.version),
        (Some(Actor::User), 2)
    );
    let last = f.store.get_event(ids[0]).unwrap().history.pop().unwrap();
    assert_eq!(
        (last.field, last.from.as_deref(), last.to.as_str()),
        (eventdesk_core::Field::Assignee, Some(""), "user")
    );
    // A second claim of the version the first one saw: a conflict, naming who won.
    let second = f.store.assign(&[t(ids[0], 1)], Some(&ann)).unwrap();
    assert!(
        matches!(&second[..], [BulkOutcome::Conflict { current, .. }] if current.assignee == Some(Actor::User)),
        "{second:?}"
    );
    // Assigned on to ann, then released; assigning it to whom it is assigned changes nothing.
    f.store.assign(&[t(ids[0], 2)], Some(&ann)).unwrap();
    let same = f.store.assign(&[t(ids[0], 3)], Some(&ann)).unwrap();
    assert!(matches!(&same[..], [BulkOutcome::Done { event, .. }] if event.version == 3));
    f.store.assign(&[t(ids[0], 3)], None).unwrap();
    let e = f.store.get_event(ids[0]).unwrap();
    assert_eq!((e.event.assignee, e.event.version), (None, 4));
    assert_eq!(
        e.history.last().unwrap().from.as_deref(),
        Some("operator:ann")
    );
    // Only operators take events.
    let source = Actor::source("pagerduty").unwrap();
    let refused = f.store.assign(&[t(ids[1], 1)], Some(&source)).unwrap();
    assert!(
        matches!(&refused[..], [BulkOutcome::Skipped { reason, .. }] if reason.contains("not an operator")),
        "{refused:?}"
    );
    assert_eq!(f.store.get_event(ids[1]).unwrap().event.version, 1);
}
