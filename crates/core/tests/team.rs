//! Team desks without a broker: a replica applies a team's stream (alert and action messages at
//! their offsets) by the same rules everywhere, keeps its place with the changes, and two
//! replicas fed the same stream in different batches end with the same dump.

use crate::support::Fixture;
use eventdesk_core::services::ingest::{Applied, Applier, Delivery, Incoming, Outcome};
use eventdesk_core::services::simulator::TeamSimulator;
use eventdesk_core::services::team::{self, ActionMessage, Replica, TeamTarget};
use eventdesk_core::{Action, Actor, SimConfig, Status};
use serde_json::json;

fn at(offset: i64, body: &[u8]) -> Incoming {
    Incoming {
        body: body.to_vec(),
        delivery: Delivery::Stream { offset },
    }
}

fn trigger(key: Option<&str>, summary: &str) -> Vec<u8> {
    let mut message = json!({ "event_action": "trigger",
        "payload": { "summary": summary, "source": "db-7", "severity": "warning" } });
    if let Some(key) = key {
        message["dedup_key"] = key.into();
    }
    message.to_string().into_bytes()
}

fn act(id: &str, operator: &str, action: Action, event: &str, version: i64) -> Vec<u8> {
    ActionMessage {
        id: id.into(),
        desk: "desk-a".into(),
        operator: operator.into(),
        action,
        targets: vec![TeamTarget {
            event: event.into(),
            expected_version: version,
        }],
    }
    .to_body()
}

/// The team's stream of this test: three events (one message of two Alertmanager alerts),
/// two operators acting on the same version of one event, an action on a missing event, a
/// malformed message and one that does not apply.
fn stream() -> Vec<Vec<u8>> {
    let alertmanager = json!({ "version": "4", "status": "firing", "alerts": [
        { "status": "firing", "labels": { "alertname": "DiskFull", "severity": "critical" },
          "annotations": { "summary": "Disk full on db-7" }, "fingerprint": "f1" },
        { "status": "firing", "labels": { "alertname": "DiskFull", "severity": "critical" },
          "annotations": { "summary": "Disk full on db-8" }, "fingerprint": "f2" } ] });
    vec![
        trigger(Some("cpu"), "CPU hot on db-7"),
        alertmanager.to_string().into_bytes(),
        trigger(None, "no key given"),
        act("a1", "alice", Action::Acknowledge, "0", 1),
        act("b1", "bob", Action::Complete, "0", 1),
        act("c1", "carol", Action::Acknowledge, "99", 1),
        b"not json".to_vec(),
        act("a3", "alice", Action::Complete, "1.1", 1),
        act("a2", "alice", Action::Acknowledge, "1.1", 2),
    ]
}

fn replica(f: &Fixture) -> Replica {
    Replica::for_store(&f.store, "ops").unwrap()
}

fn dump(f: &Fixture) -> String {
    let mut out = Vec::new();
    team::dump(&f.store.connect().unwrap(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_replica_applies_alerts_and_actions_in_stream_order() {
    let f = Fixture::new();
    let mut r = replica(&f);
    assert_eq!(r.next_offset().unwrap(), None);
    let batch: Vec<Incoming> = stream()
        .iter()
        .enumerate()
        .map(|(i, body)| at(i as i64, body))
        .collect();
    let outcomes = r.apply(&batch).unwrap();
    assert_eq!(r.next_offset().unwrap(), Some(9));

    // Team keys are the offsets (and the alert's place in its message).
    let keys: Vec<Option<String>> = f
        .store
        .connect()
        .unwrap()
        .prepare("SELECT team_key FROM events ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        keys,
        ["0", "1", "1.1", "2"].map(|k| Some(k.to_owned())).to_vec()
    );

    // The first action on version 1 wins; the second, on the same version, is a conflict won
    // by the first operator.
    assert!(matches!(
        &outcomes[3],
        Outcome::Applied(a) if matches!(a[..], [Applied::Acknowledged { .. }])
    ));
    assert!(
        matches!(&outcomes[4], Outcome::Applied(a) if a[..] == [Applied::Conflict { id: 1, winner: "operator:alice".into() }]),
        "{:?}",
        outcomes[4]
    );
    assert!(matches!(&outcomes[6], Outcome::Rejected(_)));
    let outcomes_of = |id: &str| team::action_outcomes(&f.store.connect().unwrap(), id).unwrap();
    assert_eq!(
        outcomes_of("b1"),
        vec![(
            "0".to_owned(),
            team::ActionOutcome::Conflict {
                winner: "operator:alice".into()
            }
        )]
    );
    assert_eq!(
        outcomes_of("c1"),
        vec![("99".to_owned(), team::ActionOutcome::NotFound)]
    );
    assert!(matches!(
        &outcomes_of("a2")[..],
        [(_, team::ActionOutcome::Skipped { .. })]
    ));
    assert_eq!(
        outcomes_of("a3"),
        vec![("1.1".to_owned(), team::ActionOutcome::Done)]
    );
    assert!(outcomes_of("never-sent").is_empty());

    let mut conn = f.store.connect().unwrap();
    let mut event = |id| {
        eventdesk_core::db::rows::get_event(&mut conn, id)
            .unwrap()
            .event
    };
    let first = event(1);
    assert_eq!(
        (first.status, first.updated_by, first.version),
        (Status::Acknowledged, Actor::Operator("alice".into()), 2)
    );
    assert_eq!(event(3).status, Status::Completed);
    // A trigger without a key gets one made from its team key, the same on every desk.
    assert_eq!(event(4).dedup_key.as_deref(), Some("eventdesk-team-2"));
}

#[test]
fn replicas_fed_in_different_batches_and_again_end_with_the_same_dump() {
    let messages = stream();
    let (a, b) = (Fixture::new(), Fixture::new());
    // Desk A takes the stream in one batch; desk B in batches of two, and is then handed the
    // whole stream again from the start of its chunk (as a broker may): nothing twice.
    let all: Vec<Incoming> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| at(i as i64, m))
        .collect();
    replica(&a).apply(&all).unwrap();
    let mut rb = replica(&b);
    for chunk in all.chunks(2) {
        rb.apply(chunk).unwrap();
    }
    let again = rb.apply(&all).unwrap();
    assert!(again.iter().all(|o| *o == Outcome::Duplicate), "{again:?}");
    let (da, db) = (dump(&a), dump(&b));
    assert_eq!(da, db);
    assert_eq!(
        da.lines().count(),
        4 + 5,
        "four events, five action lines:\n{da}"
    );
    let first: serde_json::Value = serde_json::from_str(da.lines().next().unwrap()).unwrap();
    assert_eq!(
        first,
        json!({ "dedupKey": "cpu", "kind": "pagerduty", "lastActor": "operator:alice", "occurrences": 1,
                "severity": "warning", "source": "db-7", "status": "acknowledged",
                "team": "0", "title": "CPU hot on db-7", "version": 2 })
    );
}

#[test]
fn malformed_action_messages_are_rejected_and_the_stream_goes_on() {
    let f = Fixture::new();
    let mut r = replica(&f);
    let bad = [
        json!({ "eventdesk": "action", "id": "x" }),
        json!({ "eventdesk": "vote", "id": "x" }),
        json!({ "eventdesk": "action", "id": "x", "desk": "d", "operator": "o",
                "action": "acknowledge", "targets": [] }),
        json!({ "eventdesk": "action", "id": "x", "desk": "d", "operator": "o",
                "action": "acknowledge", "targets": [{ "event": "0", "expectedVersion": 0 }] }),
        json!({ "eventdesk": "action", "id": "x", "desk": "d", "operator": "o",
                "action": "acknowledge",
                "targets": [{ "event": "0", "expectedVersion": 1 }, { "event": "0", "expectedVersion": 1 }] }),
    ];
    let batch: Vec<Incoming> = bad
        .iter()
        .enumerate()
        .map(|(i, m)| at(i as i64 + 10, m.to_string().as_bytes()))
        .collect();
    let outcomes = r.apply(&batch).unwrap();
    assert!(
        outcomes.iter().all(|o| matches!(o, Outcome::Rejected(_))),
        "{outcomes:?}"
    );
    assert_eq!(r.next_offset().unwrap(), Some(15));
    assert!(Replica::for_store(&f.store, "has space").is_err());
    assert!(Replica::for_store(&f.store, &"s".repeat(49)).is_err());
}

#[test]
fn the_team_simulator_makes_pagerduty_events_every_desk_applies_alike() {
    let mut sim = TeamSimulator::new(SimConfig::new(7), "desk-a", |_| Ok(()));
    let messages: Vec<Vec<u8>> = (0..600).map(|_| sim.message()).collect();
    let (a, b) = (Fixture::new(), Fixture::new());
    let batch: Vec<Incoming> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| at(i as i64, m))
        .collect();
    let outcomes = replica(&a).apply(&batch).unwrap();
    let mut rb = replica(&b);
    for chunk in batch.chunks(7) {
        rb.apply(chunk).unwrap();
    }
    assert_eq!(dump(&a), dump(&b));
    // Every message applies: acknowledges and resolves name the simulator's own open alerts.
    let mut did = std::collections::HashMap::new();
    for outcome in &outcomes {
        let Outcome::Applied(applied) = outcome else {
            panic!("{outcome:?}");
        };
        for a in applied {
            assert!(!matches!(a, Applied::Ignored { .. }), "{a:?}");
            let name = serde_json::to_value(a).unwrap()["outcome"]
                .as_str()
                .unwrap()
                .to_owned();
            *did.entry(name).or_insert(0) += 1;
        }
    }
    for kind in ["created", "updated", "acknowledged", "completed"] {
        assert!(did.get(kind).copied().unwrap_or(0) > 20, "{kind}: {did:?}");
    }
    let text = dump(&a);
    assert!(
        text.lines()
            .all(|l| l.contains("\"dedupKey\":\"sim-desk-a-7-")),
        "{text}"
    );
}

#[test]
fn a_team_file_takes_writes_from_its_stream_alone() {
    let f = Fixture::new();
    // An event of this desk alone, from before it joined, with the key a team alert will use.
    let mut local = eventdesk_core::services::ingest::Ingester::for_store(
        &f.store,
        Actor::source("local").unwrap(),
        "local",
        eventdesk_core::services::ingest::Format::Auto,
    )
    .unwrap();
    local
        .apply(&[Incoming {
            body: trigger(Some("cpu"), "local CPU hot"),
            delivery: Delivery::Once,
        }])
        .unwrap();

    let mut r = replica(&f);
    r.apply(&[at(0, &trigger(Some("cpu"), "CPU hot on db-7"))])
        .unwrap();
    // The team's alert opened a team event: the local one with its key stayed as it was.
    let before = dump(&f);
    assert!(before.contains("\"team\":\"0\""), "{before}");
    assert!(before.contains("local CPU hot"), "{before}");
    assert!(!before.contains("\"occurrences\":2"), "{before}");

    let refused = |e: eventdesk_core::Error| {
        assert!(
            matches!(&e, eventdesk_core::Error::TeamFile { stream } if stream == "ops"),
            "{e:?}"
        );
    };
    // Every other writer is refused, and changes nothing: the operator's actions, a source,
    // the seeder.
    refused(f.store.act(1, 1, Action::Acknowledge).unwrap_err());
    refused(f.store.act(2, 1, Action::Complete).unwrap_err());
    refused(
        local
            .apply(&[Incoming {
                body: trigger(Some("new"), "local only"),
                delivery: Delivery::Once,
            }])
            .unwrap_err(),
    );
    let mut conn = f.store.connect().unwrap();
    refused(eventdesk_core::services::seed::seed(&mut conn, 5, 1, 0, |_, _| {}).unwrap_err());
    assert_eq!(dump(&f), before);

    // The stream still applies, and a replica of another stream is refused on this file.
    r.apply(&[at(1, &act("a1", "alice", Action::Acknowledge, "0", 1))])
        .unwrap();
    assert!(dump(&f).contains("\"outcome\":\"done\""));
    assert!(Replica::for_store(&f.store, "other").is_err());
}
