//! Senders: the desk learns who sends through which way in and how regularly; a heartbeat is
//! heard, never shown; a lost heartbeat or a regular sender gone quiet raises an event of the
//! desk's own (announced), completed when the sender is heard again.

use crate::support::Fixture;
use eventdesk_core::model::{Timer, MAX_ALARMS, MAX_SENDERS};
use eventdesk_core::services::ingest::{Delivery, Format, Incoming, Ingester};
use eventdesk_core::{Actor, Severity, Status};
use serde_json::json;

const SECOND: i64 = 1_000;

fn ingester(f: &Fixture, name: &str) -> Ingester {
    Ingester::for_store(&f.store, Actor::source(name).unwrap(), name, Format::Auto).unwrap()
}

fn send(ingester: &mut Ingester, body: serde_json::Value) {
    ingester
        .apply(&[Incoming::new(body.to_string().into_bytes(), Delivery::Once)])
        .unwrap();
}

fn watchdog() -> serde_json::Value {
    json!({ "version": "4", "status": "firing", "receiver": "eventdesk", "alerts": [
        { "status": "firing", "labels": { "alertname": "Watchdog", "severity": "none" },
          "annotations": { "summary": "The alerting pipeline works" }, "fingerprint": "w1" } ] })
}

fn pd(source: &str) -> serde_json::Value {
    json!({ "event_action": "trigger", "dedup_key": format!("lag-{source}"),
            "payload": { "summary": "Replica lag", "source": source, "severity": "warning" } })
}

#[test]
fn a_lost_heartbeat_raises_an_event_of_the_desks_own_that_ends_when_it_beats_again() {
    let f = Fixture::new();
    let mut am = ingester(&f, "alertmanager");
    for _ in 0..3 {
        send(&mut am, watchdog());
        f.clock.advance(60 * SECOND);
    }
    // Heard, never an event.
    assert!(f.store.get_event(1).is_err());
    let senders = f.store.senders().unwrap();
    assert_eq!(senders.len(), 1);
    let beat = &senders[0];
    assert_eq!(
        (
            beat.way.as_str(),
            beat.name.as_str(),
            beat.heartbeat,
            beat.heard,
            beat.gap_ms
        ),
        ("alertmanager", "Watchdog", true, 3, Some(60 * SECOND))
    );
    let last = beat.last_at;
    // Missed after twice its interval: not before.
    assert_eq!(
        f.store.fire_senders().unwrap(),
        (0, Some(last + 120 * SECOND))
    );
    f.published();
    f.clock.advance(59 * SECOND);
    assert_eq!(f.store.fire_senders().unwrap().0, 0);
    f.clock.advance(SECOND);
    assert_eq!(f.store.fire_senders().unwrap().0, 1);
    let event = f.store.get_event(1).unwrap().event;
    assert_eq!(
        (
            event.severity,
            event.status,
            &event.updated_by,
            event.title.as_str()
        ),
        (
            Severity::Critical,
            Status::Open,
            &Actor::Timer(Timer::Senders),
            "Heartbeat lost: Watchdog (alertmanager), usually every 60 s"
        )
    );
    assert_eq!(event.kind, "heartbeat-lost");
    assert_eq!(f.store.senders().unwrap()[0].silent_since, Some(last));
    // Announced; raised once.
    let sets = f.published();
    assert_eq!(
        sets.iter()
            .flat_map(|s| s.critical.clone())
            .collect::<Vec<_>>(),
        [1]
    );
    assert_eq!(f.store.fire_senders().unwrap().0, 0);

    // It beats again: the desk completes its event.
    send(&mut am, watchdog());
    assert_eq!(f.store.fire_senders().unwrap().0, 1);
    let event = f.store.get_event(1).unwrap().event;
    assert_eq!(
        (event.status, event.completed_by),
        (Status::Completed, Some(Actor::Timer(Timer::Senders)))
    );
    assert_eq!(f.store.senders().unwrap()[0].silent_since, None);
}

#[test]
fn a_regular_sender_gone_quiet_is_flagged_and_one_heard_too_seldom_never() {
    let f = Fixture::new();
    let mut pagerduty = ingester(&f, "pagerduty");
    // db-primary every 30 s, six times; batch-jobs in bursts.
    for i in 0..6 {
        send(&mut pagerduty, pd("db-primary"));
        if i % 3 == 0 {
            send(&mut pagerduty, pd("batch-jobs"));
        }
        f.clock.advance(30 * SECOND);
    }
    f.clock.advance(200 * SECOND);
    send(&mut pagerduty, pd("batch-jobs"));
    let senders = f.store.senders().unwrap();
    let primary = senders.iter().find(|s| s.name == "db-primary").unwrap();
    assert_eq!((primary.heard, primary.gap_ms), (6, Some(30 * SECOND)));
    let quiet_at = primary.last_at + 5 * 60 * SECOND;
    assert_eq!(f.store.fire_senders().unwrap(), (0, Some(quiet_at)));

    f.clock.advance(quiet_at - primary.last_at - 230 * SECOND);
    f.published();
    assert_eq!(f.store.fire_senders().unwrap().0, 1);
    let alarm = f.store.get_event(3).unwrap().event;
    assert_eq!(
        (alarm.severity, alarm.title.as_str()),
        (
            Severity::Warning,
            "db-primary (pagerduty) went silent, usually every 30 s"
        )
    );
    assert_eq!(
        alarm.dedup_key.as_deref(),
        Some("eventdesk:quiet:pagerduty:db-primary")
    );
    // A warning, and still announced: the desk's own alarm.
    let sets = f.published();
    assert!(sets.iter().any(|s| s.critical.contains(&3)), "{sets:?}");

    // Much later the bursty sender is still never called silent.
    f.clock.advance(10 * 3_600 * SECOND);
    assert_eq!(f.store.fire_senders().unwrap().0, 0);
    let silent: Vec<_> = f
        .store
        .senders()
        .unwrap()
        .into_iter()
        .filter(|s| s.silent_since.is_some())
        .map(|s| s.name)
        .collect();
    assert_eq!(silent, ["db-primary"]);
}

#[test]
fn a_desk_learns_a_bounded_number_of_senders() {
    let f = Fixture::new();
    let mut conn = f.store.connect().unwrap();
    f.feed
        .write(&mut conn, &*f.clock, |w| {
            for i in 0..MAX_SENDERS + 5 {
                w.heard("pagerduty", &format!("host-{i}"), false);
            }
            Ok(())
        })
        .unwrap();
    f.feed
        .write(&mut conn, &*f.clock, |w| {
            w.heard("pagerduty", "one-more", false);
            Ok(())
        })
        .unwrap();
    let senders = f.store.senders().unwrap();
    assert_eq!(senders.len() as i64, MAX_SENDERS);
    assert!(!senders.iter().any(|s| s.name == "one-more"));
    // A commit that names a sender the full table has no room for still hears the known
    // ones it names, whatever their order.
    let left_out = (0..MAX_SENDERS + 5)
        .map(|i| format!("host-{i}"))
        .find(|name| !senders.iter().any(|s| s.name == *name))
        .unwrap();
    for _ in 0..20 {
        f.clock.advance(10);
        f.feed
            .write(&mut conn, &*f.clock, |w| {
                w.heard("pagerduty", &left_out, false);
                for i in 0..50 {
                    w.heard("pagerduty", &format!("host-{i}"), false);
                }
                Ok(())
            })
            .unwrap();
    }
    let heard = f.store.senders().unwrap();
    for i in 0..50 {
        let name = format!("host-{i}");
        if let Some(s) = heard.iter().find(|s| s.name == name) {
            assert_eq!(s.heard, 21, "{name} was not heard every time");
        }
    }

    // All of them heartbeats, heard twice a second apart, that stop at once: no more than
    // MAX_ALARMS events are raised.
    for _ in 0..2 {
        f.feed
            .write(&mut conn, &*f.clock, |w| {
                for i in 0..MAX_ALARMS + 20 {
                    w.heard("pagerduty", &format!("host-{i}"), true);
                }
                Ok(())
            })
            .unwrap();
        f.clock.advance(1_000);
    }
    f.clock.advance(9_000);
    assert_eq!(f.store.fire_senders().unwrap().0, MAX_ALARMS);
    assert_eq!(f.store.fire_senders().unwrap().0, 0);
    let silent = f.store.senders().unwrap();
    assert!(silent.iter().filter(|s| s.silent_since.is_some()).count() > MAX_ALARMS);
}
