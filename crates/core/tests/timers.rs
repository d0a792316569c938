//! The desk's timers: acknowledgements that time out by severity, events that expire, each an
//! ordinary change by `timer:NAME`; on a team, published by one desk and applied by all.

use crate::support::{Fixture, T0};
use eventdesk_core::db::timers::{self, MAX_FIRED};
use eventdesk_core::db::NewEvent;
use eventdesk_core::model::{AckTimeouts, Timer, TimerPolicy};
use eventdesk_core::services::ingest::{Applier, Delivery, Incoming, Outcome};
use eventdesk_core::services::team::{self, Replica, RosterMessage, TeamTarget, TimerMessage};
use eventdesk_core::{Action, Actor, Clock, Error, Field, Severity, Status};
use serde_json::json;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// Critical acknowledgements last 10 minutes, warning ones 30; events expire after a day.
fn policy() -> TimerPolicy {
    TimerPolicy {
        ack_timeout_minutes: AckTimeouts {
            warning: Some(30),
            critical: Some(10),
            ..AckTimeouts::default()
        },
        expire_after_hours: Some(24),
    }
}

fn add(f: &Fixture, severity: Severity) -> i64 {
    let mut conn = f.store.connect().unwrap();
    f.feed
        .write(&mut conn, &*f.clock, |w| {
            w.insert(
                &NewEvent {
                    kind: "disk".into(),
                    source: "db-7".into(),
                    severity,
                    title: format!("{severity} event"),
                    ..NewEvent::default()
                },
                &Actor::Simulator,
            )
        })
        .unwrap()
}

#[test]
fn acknowledgements_time_out_by_severity_and_idle_events_expire_as_changes_of_the_timer() {
    let f = Fixture::new();
    let policy = policy();
    let (warning, critical, info, done) = (
        add(&f, Severity::Warning),
        add(&f, Severity::Critical),
        add(&f, Severity::Info),
        add(&f, Severity::Warning),
    );
    for id in [warning, critical, info] {
        f.store.act(id, 1, Action::Acknowledge).unwrap();
    }
    f.store.act(done, 1, Action::Complete).unwrap();
    let start = f.clock.now_ms();
    let next = |f: &Fixture| f.store.timers_due(&policy, f.clock.now_ms()).unwrap();
    assert_eq!(next(&f), (vec![], Some(start + 10 * MINUTE)));
    // Off: nothing is due, nothing waits.
    let off = TimerPolicy::default();
    assert_eq!(
        f.store.timers_due(&off, T0 + 100 * HOUR).unwrap(),
        (vec![], None)
    );
    assert!(f.store.fire_timers(&off).unwrap().is_empty());

    f.published();
    f.clock.advance(10 * MINUTE - 1);
    assert!(f.store.fire_timers(&policy).unwrap().is_empty());
    f.clock.advance(1);
    let fired = f.store.fire_timers(&policy).unwrap();
    assert_eq!(
        fired.iter().map(|d| (d.id, d.timer)).collect::<Vec<_>>(),
        [(critical, Timer::AckTimeout)]
    );
    let detail = f.store.get_event(critical).unwrap();
    assert_eq!(
        (detail.event.status, &detail.event.updated_by),
        (Status::Open, &Actor::Timer(Timer::AckTimeout))
    );
    let last = detail.history.last().unwrap();
    assert_eq!(
        (
            last.field,
            last.from.as_deref(),
            last.to.as_str(),
            &last.actor
        ),
        (
            Field::Status,
            Some("acknowledged"),
            "open",
            &Actor::Timer(Timer::AckTimeout)
        )
    );
    // A critical event whose acknowledgement timed out is announced again.
    let sets = f.published();
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].critical, [critical]);
    assert_eq!(next(&f), (vec![], Some(start + 30 * MINUTE)));

    // Acknowledged again: its own ten minutes from now; the warning times out at thirty.
    f.store.act(critical, 3, Action::Acknowledge).unwrap();
    let again = f.clock.now_ms();
    f.clock.advance(19 * MINUTE);
    let fired = f.store.fire_timers(&policy).unwrap();
    let ids: Vec<_> = fired.iter().map(|d| d.id).collect();
    assert_eq!(ids, [critical], "{fired:?}");
    assert!(again + 10 * MINUTE <= f.clock.now_ms());
    f.store.act(critical, 5, Action::Complete).unwrap();
    f.clock.advance(MINUTE);
    let fired = f.store.fire_timers(&policy).unwrap();
    assert_eq!(
        fired.iter().map(|d| (d.id, d.timer)).collect::<Vec<_>>(),
        [(warning, Timer::AckTimeout)]
    );
    // Info acknowledgements never time out; a day without change expires what is not done
    // (the info event first: its last change was its acknowledgement).
    assert_eq!(next(&f).1, Some(start + 24 * HOUR));
    f.clock.advance(24 * HOUR);
    let mut expired: Vec<_> = f
        .store
        .fire_timers(&policy)
        .unwrap()
        .iter()
        .map(|d| (d.id, d.timer))
        .collect();
    expired.sort_unstable();
    assert_eq!(
        expired,
        [(warning, Timer::Expiry), (info, Timer::Expiry)],
        "the completed ones stay as they were"
    );
    for id in [warning, info] {
        let e = f.store.get_event(id).unwrap().event;
        assert_eq!(
            (e.status, e.completed_by),
            (Status::Completed, Some(Actor::Timer(Timer::Expiry)))
        );
    }
    let e = f.store.get_event(done).unwrap().event;
    assert_eq!(e.completed_by, Some(Actor::User));
    assert_eq!(next(&f), (vec![], None));
}

#[test]
fn a_snoozed_critical_event_whose_acknowledgement_times_out_is_reopened_without_a_notice() {
    let f = Fixture::new();
    let id = add(&f, Severity::Critical);
    f.store.act(id, 1, Action::Acknowledge).unwrap();
    let snoozed = f
        .store
        .snooze(
            &[eventdesk_core::Target {
                id,
                expected_version: 2,
            }],
            Some(f.clock.now_ms() + 2 * HOUR),
        )
        .unwrap();
    assert!(matches!(
        &snoozed[..],
        [eventdesk_core::BulkOutcome::Done { .. }]
    ));
    f.published();
    f.clock.advance(10 * MINUTE);
    assert_eq!(f.store.fire_timers(&policy()).unwrap().len(), 1);
    let e = f.store.get_event(id).unwrap().event;
    assert_eq!(e.status, Status::Open);
    assert!(e.snoozed_at(f.clock.now_ms()), "still snoozed");
    let sets = f.published();
    assert!(sets.iter().all(|s| s.critical.is_empty()), "{sets:?}");
}

#[test]
fn a_timer_changes_only_what_it_applies_to_and_a_large_file_in_bounded_passes() {
    let f = Fixture::new();
    let policy = policy();
    let info = add(&f, Severity::Info);
    let warning = add(&f, Severity::Warning);
    f.store.act(info, 1, Action::Acknowledge).unwrap();
    let mut conn = f.store.connect().unwrap();
    let mut apply = |id, version, timer, policy: &TimerPolicy| {
        f.feed.write(&mut conn, &*f.clock, |w| {
            timers::apply(w, id, version, timer, policy)
        })
    };
    let refused = |r: Result<_, Error>, words: &str| match r {
        Err(Error::InvalidInput { message, .. }) => {
            assert!(message.contains(words), "{message}")
        }
        other => panic!("expected a refusal with {words:?}, got {other:?}"),
    };
    refused(
        apply(warning, 1, Timer::AckTimeout, &policy),
        "no acknowledgement",
    );
    refused(
        apply(info, 2, Timer::AckTimeout, &policy),
        "do not time out",
    );
    refused(
        apply(info, 2, Timer::Expiry, &TimerPolicy::default()),
        "do not expire",
    );
    assert!(matches!(
        apply(info, 1, Timer::Expiry, &policy),
        Err(Error::Conflict { .. })
    ));
    apply(info, 2, Timer::Expiry, &policy).unwrap();
    refused(apply(info, 3, Timer::Expiry, &policy), "completed already");

    // Switched on over many idle events: at most MAX_FIRED a pass, the oldest first.
    let many = MAX_FIRED + 20;
    let ids = f.add_events(many);
    f.clock.advance(25 * HOUR);
    let first = f.store.fire_timers(&policy).unwrap();
    assert_eq!(first.len(), MAX_FIRED);
    assert_eq!(first[0].id, warning);
    let second = f.store.fire_timers(&policy).unwrap();
    assert_eq!(second.len(), many + 1 - MAX_FIRED);
    assert_eq!(second.last().unwrap().id, *ids.last().unwrap());
    assert!(f.store.fire_timers(&policy).unwrap().is_empty());
}

fn by(user: &str, offset: i64, body: &[u8]) -> Incoming {
    let mut m = Incoming::new(body.to_vec(), Delivery::Stream { offset });
    m.user_id = (!user.is_empty()).then(|| user.to_owned());
    m
}

fn timer(id: &str, timer: Timer, event: &str, version: i64) -> Vec<u8> {
    TimerMessage {
        id: id.into(),
        desk: "desk-b".into(),
        at: T0 + HOUR,
        timer,
        targets: vec![TeamTarget {
            event: event.into(),
            expected_version: version,
        }],
    }
    .to_body()
}

#[test]
fn a_teams_timers_follow_its_admins_policy_and_the_first_desk_to_publish_one_wins() {
    let roster = |id: &str, timers: Option<TimerPolicy>| {
        RosterMessage {
            id: id.into(),
            set: vec![
                eventdesk_core::model::Member {
                    user: "bob".into(),
                    role: eventdesk_core::model::Role::Operator,
                    name: None,
                },
                eventdesk_core::model::Member {
                    user: "carol".into(),
                    role: eventdesk_core::model::Role::Operator,
                    name: None,
                },
                eventdesk_core::model::Member {
                    user: "dave".into(),
                    role: eventdesk_core::model::Role::Viewer,
                    name: None,
                },
            ],
            remove: vec![],
            limits: None,
            max_silence_days: None,
            timers,
        }
        .to_body()
    };
    let alert = |key: &str, severity: &str| {
        json!({ "event_action": "trigger", "dedup_key": key,
            "payload": { "summary": key, "source": "db-7", "severity": severity } })
        .to_string()
        .into_bytes()
    };
    let ack = |id: &str, event: &str| {
        team::ActionMessage {
            id: id.into(),
            desk: "desk-a".into(),
            action: Action::Acknowledge,
            targets: vec![TeamTarget {
                event: event.into(),
                expected_version: 1,
            }],
        }
        .to_body()
    };
    let mut bad_policy = policy();
    bad_policy.expire_after_hours = Some(0);
    let messages = vec![
        by("alice", 0, &roster("r0", None)),
        by("", 1, &alert("cpu", "critical")),
        by("", 2, &alert("disk", "info")),
        by("bob", 3, &ack("b1", "1")),
        by("bob", 4, &ack("b2", "2")),
        // Before the admin sets a policy, a timer changes nothing.
        by("carol", 5, &timer("c0", Timer::AckTimeout, "1", 2)),
        // Only an admin sets the policy, and only a valid one.
        by("bob", 6, &roster("r1", Some(policy()))),
        by("alice", 7, &roster("r2", Some(bad_policy))),
        by("alice", 8, &roster("r3", Some(policy()))),
        // Two desks saw the critical acknowledgement time out: the first in the log wins.
        by("carol", 9, &timer("c1", Timer::AckTimeout, "1", 2)),
        by("bob", 10, &timer("b3", Timer::AckTimeout, "1", 2)),
        // Info acknowledgements do not time out; a viewer's desk publishes nothing that counts.
        by("carol", 11, &timer("c2", Timer::AckTimeout, "2", 2)),
        by("dave", 12, &timer("d1", Timer::Expiry, "2", 2)),
        by("carol", 13, &timer("c3", Timer::Expiry, "2", 2)),
    ];
    let (a, b) = (Fixture::new(), Fixture::new());
    b.clock.advance(86_400_000);
    let team_ref: team::TeamRef = "ops/alice".parse().unwrap();
    let outcomes = Replica::for_store(&a.store, &team_ref)
        .unwrap()
        .apply(&messages)
        .unwrap();
    for chunk in messages.chunks(4) {
        Replica::for_store(&b.store, &team_ref)
            .unwrap()
            .apply(chunk)
            .unwrap();
    }
    let dump = |f: &Fixture| {
        let mut out = Vec::new();
        team::dump(&f.store.connect().unwrap(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    assert_eq!(dump(&a), dump(&b), "two desks, the same timers");
    for (i, words) in [
        (6, "only an admin"),
        (7, "expireAfterHours"),
        (12, "viewer"),
    ] {
        assert!(
            matches!(&outcomes[i], Outcome::Rejected(e) if e.to_string().contains(words)),
            "message {i}: {:?}",
            outcomes[i]
        );
    }
    let outcome = |id: &str| match team::action_result(&a.store.connect().unwrap(), id).unwrap() {
        team::ActionResult::Applied(mut o) => o.remove(0).1,
        other => panic!("{id}: {other:?}"),
    };
    assert!(
        matches!(outcome("c0"), team::ActionOutcome::Skipped { reason } if reason.contains("do not time out"))
    );
    assert_eq!(outcome("c1"), team::ActionOutcome::Done);
    assert!(
        matches!(outcome("b3"), team::ActionOutcome::Conflict { winner } if winner == "timer:ack-timeout")
    );
    assert!(
        matches!(outcome("c2"), team::ActionOutcome::Skipped { reason } if reason.contains("do not time out"))
    );
    assert_eq!(outcome("c3"), team::ActionOutcome::Done);
    let conn = a.store.connect().unwrap();
    let binding = eventdesk_core::db::team::binding(&conn).unwrap().unwrap();
    assert_eq!(binding.timers, policy());
    for f in [&a, &b] {
        let cpu = f.store.get_event(1).unwrap().event;
        assert_eq!(
            (cpu.status, cpu.updated_by),
            (Status::Open, Actor::Timer(Timer::AckTimeout))
        );
        let disk = f.store.get_event(2).unwrap().event;
        assert_eq!(disk.completed_by, Some(Actor::Timer(Timer::Expiry)));
    }
}
