//! "Since you left": a summary of the change log between two moments, each line counted
//! exactly and naming its latest events; the operator's own completions left out.

use crate::support::Fixture;
use eventdesk_core::db::handover::{summary, LINE_EVENTS};
use eventdesk_core::model::{AckTimeouts, TimerPolicy};
use eventdesk_core::{Action, Actor, Clock, Error, MatchOp, Matcher, Severity, SilenceDraft};

const HOUR: i64 = 3_600_000;

#[test]
fn a_summary_counts_what_others_did_since_a_moment_and_names_the_latest_events() {
    let f = Fixture::new();
    let before = f.add_events(3);
    let since = f.clock.now_ms() + 1;
    f.clock.advance(1_000);
    let new = f.add_events(LINE_EVENTS + 2);
    // The simulator raises one to critical and completes another; the operator here completes
    // a third (left out: it is the reader's own); an acknowledgement times out.
    let mut conn = f.store.connect().unwrap();
    f.feed
        .write(&mut conn, &*f.clock, |w| {
            let e = w.load_expecting(before[0], 1)?;
            w.set_severity(&e, Severity::Critical, &Actor::Simulator)?;
            let e = w.load_expecting(before[1], 1)?;
            w.set_status(&e, eventdesk_core::Status::Completed, &Actor::Simulator)
        })
        .unwrap();
    f.store.act(before[2], 1, Action::Complete).unwrap();
    f.store.act(new[0], 1, Action::Acknowledge).unwrap();
    f.clock.advance(HOUR);
    let policy = TimerPolicy {
        ack_timeout_minutes: AckTimeouts {
            warning: Some(30),
            ..AckTimeouts::default()
        },
        expire_after_hours: None,
    };
    assert_eq!(f.store.fire_timers(&policy).unwrap().len(), 1);
    let silence = f
        .store
        .add_silence(
            &SilenceDraft {
                matchers: vec![Matcher {
                    name: "source".into(),
                    op: MatchOp::Equal,
                    value: "payments-api".into(),
                }],
                starts_at: None,
                ends_at: f.clock.now_ms() + HOUR,
                comment: "deploy".into(),
            },
            &Actor::User,
        )
        .unwrap();

    let h = f.store.handover(since, &Actor::User).unwrap();
    assert_eq!(h.created.count, i64::try_from(LINE_EVENTS + 2).unwrap());
    assert_eq!(h.created.events.len(), LINE_EVENTS);
    assert_eq!(h.created.events[0].id, *new.last().unwrap(), "latest first");
    assert_eq!((h.raised.count, h.raised.critical), (1, 1));
    assert_eq!(h.raised.events[0].id, before[0]);
    assert_eq!(
        h.completed.count, 1,
        "the reader's own completion is left out"
    );
    assert_eq!(h.completed.events[0].id, before[1]);
    assert_eq!(h.timed_out.count, 1);
    assert_eq!(h.timed_out.events[0].id, new[0]);
    assert_eq!(h.reopened.count, 0);
    assert_eq!(h.silences_made.len(), 1);
    assert_eq!(
        (h.silences_made[0].id, h.silences_made[0].comment.as_str()),
        (silence.id, "deploy")
    );
    assert!(h.silences_ended.is_empty());
    // Another reader sees the completion the operator here made.
    let other = f
        .store
        .handover(since, &Actor::Operator("bob".into()))
        .unwrap();
    assert_eq!(other.completed.count, 2);

    // Nothing since now; a silence that runs out shows as ended.
    let now = f.clock.now_ms();
    f.clock.advance(1);
    assert!(f.store.handover(now + 1, &Actor::User).unwrap().is_empty());
    f.clock.advance(2 * HOUR);
    let later = f.store.handover(now + 1, &Actor::User).unwrap();
    assert_eq!(later.silences_ended.len(), 1);
    assert_eq!(later.changes, 0);
}

#[test]
fn the_first_change_of_a_span_is_found_at_every_moment_and_bad_spans_are_refused() {
    let f = Fixture::new();
    // Changes at uneven times, several in the same millisecond.
    for i in 0..40i64 {
        f.add_events(1 + (i % 3) as usize);
        f.clock.advance((i % 5) * 777);
    }
    let conn = f.store.connect().unwrap();
    let times: Vec<i64> = {
        let mut stmt = conn
            .as_sqlite()
            .prepare("SELECT at FROM changes ORDER BY seq")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let (first, last) = (times[0], *times.last().unwrap());
    let until = f.clock.now_ms() + 1;
    let moments = times
        .iter()
        .flat_map(|&t| [t - 1, t, t + 1])
        .chain([first - 5, last + 5]);
    for since in moments {
        let expected = times.iter().filter(|&&t| t >= since && t <= until).count();
        let h = summary(&conn, since, until, &Actor::User).unwrap();
        assert_eq!(h.changes, i64::try_from(expected).unwrap(), "since {since}");
    }
    for (since, until) in [(10, 9), (0, 32 * 24 * HOUR)] {
        assert!(matches!(
            summary(&conn, since, until, &Actor::User),
            Err(Error::InvalidInput { .. })
        ));
    }
}
