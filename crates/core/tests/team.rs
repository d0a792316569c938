//! Team desks without a broker: a replica applies a team's stream (alert, action and roster
//! messages at their offsets, each with the publisher RabbitMQ proved) by the same rules
//! everywhere, keeps its place with the changes, and two replicas fed the same stream in
//! different batches end with the same dump.

use crate::support::{Fixture, T0};
use eventdesk_core::model::{Member, MessageLimits, Role};
use eventdesk_core::services::ingest::{Applied, Applier, Delivery, Incoming, Outcome};
use eventdesk_core::services::simulator::TeamSimulator;
use eventdesk_core::services::team::{
    self, ActionMessage, ActionResult, Replica, RosterMessage, SilenceChange, SilenceMessage,
    TeamRef, TeamTarget,
};
use eventdesk_core::{
    Action, Actor, Error, EventFilter, EventQuery, Label, SilenceDraft, SimConfig, Status,
};
use serde_json::json;

/// A message at `offset` published by no proven user (a producer publishing alerts).
fn at(offset: i64, body: &[u8]) -> Incoming {
    Incoming::new(body.to_vec(), Delivery::Stream { offset })
}

/// A message at `offset` that RabbitMQ proved `user` published.
fn by(user: &str, offset: i64, body: &[u8]) -> Incoming {
    let mut m = at(offset, body);
    m.user_id = Some(user.to_owned());
    m
}

/// The founder's roster message making bob and carol operators and dave a viewer.
fn founding_roster() -> Vec<u8> {
    RosterMessage {
        id: "r0".into(),
        set: vec![
            member("bob", Role::Operator),
            member("carol", Role::Operator),
            member("dave", Role::Viewer),
        ],
        remove: vec![],
        limits: None,
        max_silence_days: None,
        timers: None,
    }
    .to_body()
}

fn member(user: &str, role: Role) -> Member {
    Member {
        user: user.into(),
        role,
        name: None,
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

fn act(id: &str, action: Action, event: &str, version: i64) -> Vec<u8> {
    ActionMessage {
        id: id.into(),
        desk: "desk-a".into(),
        action,
        targets: vec![TeamTarget {
            event: event.into(),
            expected_version: version,
        }],
    }
    .to_body()
}

/// The team's stream of this test: the founder's roster, three events (one message of two
/// Alertmanager alerts), two operators acting on the same version of one event, an action on a
/// missing event, a malformed message and one that does not apply.
fn stream() -> Vec<Incoming> {
    let alertmanager = json!({ "version": "4", "status": "firing", "alerts": [
        { "status": "firing", "labels": { "alertname": "DiskFull", "severity": "critical" },
          "annotations": { "summary": "Disk full on db-7" }, "fingerprint": "f1" },
        { "status": "firing", "labels": { "alertname": "DiskFull", "severity": "critical" },
          "annotations": { "summary": "Disk full on db-8" }, "fingerprint": "f2" } ] });
    let messages = [
        (Some("alice"), founding_roster()),
        (None, trigger(Some("cpu"), "CPU hot on db-7")),
        (None, alertmanager.to_string().into_bytes()),
        (None, trigger(None, "no key given")),
        (Some("alice"), act("a1", Action::Acknowledge, "1", 1)),
        (Some("bob"), act("b1", Action::Complete, "1", 1)),
        (Some("carol"), act("c1", Action::Acknowledge, "99", 1)),
        (None, b"not json".to_vec()),
        (Some("alice"), act("a3", Action::Complete, "2.1", 1)),
        (Some("alice"), act("a2", Action::Acknowledge, "2.1", 2)),
    ];
    messages
        .into_iter()
        .enumerate()
        .map(|(i, (user, body))| {
            let offset = i as i64;
            match user {
                Some(user) => by(user, offset, &body),
                None => at(offset, &body),
            }
        })
        .collect()
}

fn ops() -> TeamRef {
    "ops/alice".parse().unwrap()
}

fn replica(f: &Fixture) -> Replica {
    Replica::for_store(&f.store, &ops()).unwrap()
}

fn outcomes_of(f: &Fixture, id: &str) -> Vec<(String, team::ActionOutcome)> {
    match team::action_result(&f.store.connect().unwrap(), id).unwrap() {
        ActionResult::Applied(outcomes) => outcomes,
        ActionResult::Pending => vec![],
        refused => panic!("{id}: {refused:?}"),
    }
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
    let outcomes = r.apply(&stream()).unwrap();
    assert_eq!(r.next_offset().unwrap(), Some(10));

    // Team keys are the offsets (and the alert's place in its message).
    let keys: Vec<Option<String>> = f
        .store
        .connect()
        .unwrap()
        .as_sqlite()
        .prepare("SELECT team_key FROM events ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        keys,
        ["1", "2", "2.1", "3"].map(|k| Some(k.to_owned())).to_vec()
    );

    // The first action on version 1 wins; the second, on the same version, is a conflict won
    // by the first operator.
    assert!(matches!(
        &outcomes[4],
        Outcome::Applied(a) if matches!(a[..], [Applied::Acknowledged { .. }])
    ));
    assert!(
        matches!(&outcomes[5], Outcome::Applied(a) if a[..] == [Applied::Conflict { id: 1, winner: "operator:alice".into() }]),
        "{:?}",
        outcomes[5]
    );
    assert!(matches!(&outcomes[7], Outcome::Rejected(_)));
    let outcomes_of = |id: &str| outcomes_of(&f, id);
    assert_eq!(
        outcomes_of("b1"),
        vec![(
            "1".to_owned(),
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
        vec![("2.1".to_owned(), team::ActionOutcome::Done)]
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
    assert_eq!(event(4).dedup_key.as_deref(), Some("eventdesk-team-3"));
}

#[test]
fn replicas_fed_in_different_batches_and_again_end_with_the_same_dump() {
    let (a, b) = (Fixture::new(), Fixture::new());
    // Desk A takes the stream in one batch; desk B in batches of two, and is then handed the
    // whole stream again from the start of its chunk (as a broker may): nothing twice.
    let all = stream();
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
        4 + 5 + 4 + 1,
        "four events, five action lines, four members, one refusal:\n{da}"
    );
    let first: serde_json::Value = serde_json::from_str(da.lines().next().unwrap()).unwrap();
    assert_eq!(
        first,
        json!({ "dedupKey": "cpu", "kind": "pagerduty", "lastActor": "operator:alice", "occurrences": 1,
                "severity": "warning", "source": "db-7", "status": "acknowledged",
                "team": "1", "title": "CPU hot on db-7", "version": 2 })
    );
    // The alerts' labels came with them, the same on both desks, and filter on each.
    let labelled: Vec<serde_json::Value> = da
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l.get("labels").is_some())
        .collect();
    assert_eq!(labelled.len(), 2, "{da}");
    assert_eq!(
        labelled[0]["labels"],
        r#"{"alertname":"DiskFull","severity":"critical"}"#
    );
    for desk in [&a, &b] {
        let page = desk
            .store
            .list_events(&EventQuery {
                filter: EventFilter {
                    labels: vec![Label {
                        key: "alertname".into(),
                        value: "DiskFull".into(),
                    }],
                    ..EventFilter::default()
                },
                ..EventQuery::new(1, 10)
            })
            .unwrap();
        let titles: Vec<&str> = page.rows.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["Disk full on db-8", "Disk full on db-7"]);
    }
}

#[test]
fn malformed_action_messages_are_rejected_and_the_stream_goes_on() {
    let f = Fixture::new();
    let mut r = replica(&f);
    let bad = [
        json!({ "eventdesk": "action", "id": "x" }),
        json!({ "eventdesk": "vote", "id": "x" }),
        json!({ "eventdesk": "action", "id": "x", "desk": "d",
                "action": "acknowledge", "targets": [] }),
        json!({ "eventdesk": "action", "id": "x", "desk": "d",
                "action": "acknowledge", "targets": [{ "event": "0", "expectedVersion": 0 }] }),
        json!({ "eventdesk": "action", "id": "x", "desk": "d",
                "action": "acknowledge",
                "targets": [{ "event": "0", "expectedVersion": 1 }, { "event": "0", "expectedVersion": 1 }] }),
        // The operator was a field of its own once: who acts is proven now, not written.
        json!({ "eventdesk": "action", "id": "x", "desk": "d", "operator": "mallory",
                "action": "acknowledge", "targets": [{ "event": "0", "expectedVersion": 1 }] }),
    ];
    let batch: Vec<Incoming> = bad
        .iter()
        .enumerate()
        .map(|(i, m)| by("alice", i as i64 + 10, m.to_string().as_bytes()))
        .collect();
    let outcomes = r.apply(&batch).unwrap();
    assert!(
        outcomes.iter().all(|o| matches!(o, Outcome::Rejected(_))),
        "{outcomes:?}"
    );
    assert_eq!(r.next_offset().unwrap(), Some(16));
    // Each is kept, with its reason, as every desk keeps it.
    let (count, latest) =
        eventdesk_core::db::team::rejections(&f.store.connect().unwrap(), 2).unwrap();
    assert_eq!(count, 6);
    assert_eq!(
        latest.iter().map(|r| r.offset).collect::<Vec<_>>(),
        [15, 14]
    );
    assert!(latest[0].reason.contains("operator"), "{latest:?}");
    assert_eq!(latest[0].user.as_deref(), Some("alice"));
    for bad in [
        "has space/alice",
        &format!("{}/alice", "s".repeat(49)),
        "ops",
        "ops/",
        "ops/bad\nname",
    ] {
        assert!(bad.parse::<TeamRef>().is_err(), "{bad}");
    }
}

#[test]
fn the_team_simulator_makes_pagerduty_events_every_desk_applies_alike() {
    let mut sim = TeamSimulator::new(SimConfig::new(7), "desk-a", |_| Ok(()));
    let messages: Vec<Vec<u8>> = (0..600).map(|_| sim.message()).collect();
    let (a, b) = (Fixture::new(), Fixture::new());
    let batch: Vec<Incoming> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| by("desk-a", i as i64, m))
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
            .filter(|l| l.contains("dedupKey"))
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
        .apply(&[Incoming::new(
            trigger(Some("cpu"), "local CPU hot"),
            Delivery::Once,
        )])
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
            .apply(&[Incoming::new(
                trigger(Some("new"), "local only"),
                Delivery::Once,
            )])
            .unwrap_err(),
    );
    let mut conn = f.store.connect().unwrap();
    refused(eventdesk_core::services::seed::seed(&mut conn, 5, 1, 0, |_, _| {}).unwrap_err());
    assert_eq!(dump(&f), before);

    // The stream still applies, and a replica of another stream is refused on this file.
    r.apply(&[by("alice", 1, &act("a1", Action::Acknowledge, "0", 1))])
        .unwrap();
    assert!(dump(&f).contains("\"outcome\":\"done\""));
    let other = |team: &str| {
        Replica::for_store(&f.store, &team.parse().unwrap())
            .err()
            .unwrap()
    };
    assert!(other("other/alice")
        .to_string()
        .contains("needs a file of its own"));
    assert!(other("ops/mallory").to_string().contains("founder differs"));
}

#[test]
fn who_acts_is_the_user_rabbitmq_proved_and_the_roster_allows() {
    let (a, b) = (Fixture::new(), Fixture::new());
    let roster = |id: &str, set: Vec<Member>, remove: Vec<&str>| {
        RosterMessage {
            id: id.into(),
            set,
            remove: remove.into_iter().map(str::to_owned).collect(),
            limits: None,
            max_silence_days: None,
            timers: None,
        }
        .to_body()
    };
    let messages = vec![
        // Before any roster message the founder alone is on the roster: a producer cannot
        // make itself an admin, nor act.
        by(
            "producer",
            0,
            &roster("p0", vec![member("producer", Role::Admin)], vec![]),
        ),
        at(1, &trigger(Some("disk"), "Disk full")),
        by("producer", 2, &act("p1", Action::Acknowledge, "1", 1)),
        by("alice", 3, &founding_roster()),
        // No proven user, a viewer, an operator who is not an admin changing the roster.
        at(4, &act("n1", Action::Acknowledge, "1", 1)),
        by("dave", 5, &act("d1", Action::Acknowledge, "1", 1)),
        by(
            "bob",
            6,
            &roster("b0", vec![member("bob", Role::Admin)], vec![]),
        ),
        // The founder stays an admin, whoever asks.
        by("alice", 7, &roster("a0", vec![], vec!["alice"])),
        // Bob acts; a copy of his action (same id) retargeted at another event is refused.
        by("bob", 8, &act("b1", Action::Acknowledge, "1", 1)),
        at(9, &trigger(Some("cpu"), "CPU hot")),
        by("bob", 10, &act("b1", Action::Acknowledge, "9", 1)),
        // Carol is removed: her action after that is refused.
        by("alice", 11, &roster("a1", vec![], vec!["carol"])),
        by("carol", 12, &act("c1", Action::Acknowledge, "9", 1)),
        // Dave becomes an operator with a display name, and then acts.
        by(
            "alice",
            13,
            &roster(
                "a2",
                vec![Member {
                    user: "dave".into(),
                    role: Role::Operator,
                    name: Some("Dave D.".into()),
                }],
                vec![],
            ),
        ),
        by("dave", 14, &act("d2", Action::Acknowledge, "9", 1)),
    ];
    let outcomes = replica(&a).apply(&messages).unwrap();
    let mut rb = replica(&b);
    for chunk in messages.chunks(3) {
        rb.apply(chunk).unwrap();
    }
    assert_eq!(dump(&a), dump(&b), "two desks, the same refusals");

    let refused: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| {
            matches!(
                o,
                Outcome::Rejected(Error::Forbidden { .. })
                    | Outcome::Rejected(Error::InvalidInput { .. })
            )
        })
        .map(|(i, _)| i)
        .collect();
    assert_eq!(refused, [0, 2, 4, 5, 6, 7, 10, 12], "{outcomes:#?}");
    let conn = a.store.connect().unwrap();
    let result = |id: &str| team::action_result(&conn, id).unwrap();
    let reason = |id: &str| match result(id) {
        ActionResult::Refused(reason) => reason,
        other => panic!("{id}: {other:?}"),
    };
    assert!(
        reason("p1").contains("producer is not on the team's roster"),
        "{}",
        reason("p1")
    );
    assert!(reason("n1").contains("no user_id"), "{}", reason("n1"));
    assert!(reason("d1").contains("viewer"), "{}", reason("d1"));
    assert!(reason("c1").contains("carol is not on the team's roster"));
    assert_eq!(
        result("b1"),
        ActionResult::Applied(vec![("1".into(), team::ActionOutcome::Done)])
    );
    assert_eq!(
        result("d2"),
        ActionResult::Applied(vec![("9".into(), team::ActionOutcome::Done)])
    );
    assert_eq!(result("never"), ActionResult::Pending);

    // The event shows the proven user; the roster keeps the founder and the display name.
    let mut rw = a.store.connect().unwrap();
    let event = eventdesk_core::db::rows::get_event(&mut rw, 2)
        .unwrap()
        .event;
    assert_eq!(event.updated_by, Actor::Operator("dave".into()));
    let roster = team::members(&conn).unwrap();
    assert_eq!(
        roster
            .iter()
            .map(|m| (m.user.as_str(), m.role))
            .collect::<Vec<_>>(),
        [
            ("alice", Role::Admin),
            ("bob", Role::Operator),
            ("dave", Role::Operator)
        ]
    );
    assert_eq!(roster[2].name.as_deref(), Some("Dave D."));
}

#[test]
fn oversized_and_republished_messages_are_refused_alike_and_the_stream_goes_on() {
    let f = Fixture::new();
    let mut r = replica(&f);
    assert_eq!(r.max_message(), 256 * 1024);
    let big = json!({ "event_action": "trigger", "dedup_key": "big",
        "payload": { "summary": "Large details", "source": "db-7", "severity": "info",
                     "custom_details": { "dump": "x".repeat(300 * 1024) } } })
    .to_string()
    .into_bytes();
    // The consumer lets a body past the limit go on arrival; the replica refuses it with its
    // size, as it refuses one handed over whole.
    let dropped = at(0, &big).bounded(r.max_message());
    assert!(dropped.body.is_empty());
    let mut retry = by("alice", 4, &act("a1", Action::Acknowledge, "2", 1));
    retry.message_id = Some("m-1".into());
    let mut first = retry.clone();
    first.delivery = Delivery::Stream { offset: 3 };
    let outcomes = r
        .apply(&[dropped, at(1, &big), at(2, &trigger(Some("k"), "fine"))])
        .unwrap();
    assert!(
        matches!(&outcomes[0], Outcome::Rejected(e) if e.to_string().contains("more than the 262144")),
        "{outcomes:?}"
    );
    assert!(matches!(&outcomes[1], Outcome::Rejected(_)));
    assert!(matches!(&outcomes[2], Outcome::Applied(_)));
    // The same message published twice (a retry after a lost confirm) is applied once.
    let outcomes = r.apply(&[first, retry]).unwrap();
    assert!(matches!(&outcomes[0], Outcome::Applied(_)), "{outcomes:?}");
    assert_eq!(outcomes[1], Outcome::Duplicate);

    // An admin raises the limit: a body let go under the old one is read again (the batch is
    // not applied), and applied once read whole.
    let limits = MessageLimits {
        max_message: 512 * 1024,
        max_alerts: 2,
    };
    let raise = RosterMessage {
        id: "l1".into(),
        set: vec![],
        remove: vec![],
        limits: Some(limits),
        max_silence_days: None,
        timers: None,
    };
    r.apply(&[by("alice", 5, &raise.to_body())]).unwrap();
    assert_eq!(r.max_message(), 512 * 1024);
    let stale = at(6, &big).bounded(256 * 1024);
    assert!(matches!(
        r.apply(&[stale]).unwrap_err(),
        Error::Unreachable { .. }
    ));
    assert_eq!(r.next_offset().unwrap(), Some(6));
    let outcomes = r.apply(&[at(6, &big).bounded(r.max_message())]).unwrap();
    assert!(matches!(&outcomes[0], Outcome::Applied(_)), "{outcomes:?}");
    // The team's alert limit holds too.
    let three = json!({ "version": "4", "status": "firing", "alerts": [
        { "status": "firing", "labels": { "alertname": "A" }, "fingerprint": "a" },
        { "status": "firing", "labels": { "alertname": "B" }, "fingerprint": "b" },
        { "status": "firing", "labels": { "alertname": "C" }, "fingerprint": "c" } ] });
    let outcomes = r.apply(&[at(7, three.to_string().as_bytes())]).unwrap();
    assert!(matches!(&outcomes[0], Outcome::Rejected(e) if e.to_string().contains("max_alerts")));
    // What a desk must find when it goes on: the last message it applied.
    let (offset, digest) = r.resume_check().unwrap().unwrap();
    assert_eq!(
        (offset, digest),
        (7, at(7, three.to_string().as_bytes()).digest())
    );
}

#[test]
fn every_desk_name_a_team_takes_makes_actions_every_desk_applies() {
    let target = || {
        vec![TeamTarget {
            event: "ops:1".into(),
            expected_version: 1,
        }]
    };
    for n in 1..=team::MAX_DESK {
        let desk = "d".repeat(n);
        team::check_desk(&desk).unwrap();
        ActionMessage::new(&desk, Action::Acknowledge, target())
            .validate()
            .unwrap_or_else(|e| panic!("a desk named with {n} characters: {e}"));
    }
    // One more would make ids too long: refused where the desk is named, not at its first action.
    let long = "d".repeat(team::MAX_DESK + 1);
    assert!(matches!(
        team::check_desk(&long),
        Err(Error::InvalidInput { ref field, .. }) if field == "desk"
    ));
    assert!(ActionMessage::new(&long, Action::Acknowledge, target())
        .validate()
        .is_err());
    for bad in ["", "has space", "semi;colon"] {
        assert!(team::check_desk(bad).is_err(), "{bad:?}");
    }
}

/// A silence message from `desk` at `at`.
fn silence(id: &str, at: i64, change: SilenceChange) -> Vec<u8> {
    SilenceMessage {
        id: id.into(),
        desk: "desk-a".into(),
        at,
        change,
    }
    .to_body()
}

fn silence_draft(matchers: &str, ends_at: i64, comment: &str) -> SilenceDraft {
    SilenceDraft {
        matchers: eventdesk_core::model::parse_matchers(matchers).unwrap(),
        starts_at: None,
        ends_at,
        comment: comment.into(),
    }
}

/// The team keys a silence active at `now` mutes on a desk.
fn muted_keys(f: &Fixture, now: i64) -> Vec<String> {
    let clock_now = eventdesk_core::Clock::now_ms(&*f.clock);
    f.clock.advance(now - clock_now);
    let conn = f.store.connect().unwrap();
    let ids: Vec<i64> = (1..=20).collect();
    let muted = f.store.muted(&ids).unwrap();
    let mut keys: Vec<String> = team::team_keys(&conn, &muted)
        .unwrap()
        .into_iter()
        .map(|k| k.unwrap())
        .collect();
    keys.sort();
    keys
}

#[test]
fn a_teams_silences_travel_through_its_stream_and_every_desk_agrees_at_every_position() {
    use eventdesk_core::services::team::SilenceResult;
    const MIN: i64 = 60_000;
    let t = T0 + 10 * MIN;
    let add = |matchers: &str, ends: i64| SilenceChange::Add {
        draft: silence_draft(matchers, ends, "db maintenance"),
    };
    let messages = vec![
        by("alice", 0, &founding_roster()),
        at(1, &trigger(Some("cpu"), "CPU hot on db-7")),
        at(2, &trigger(Some("disk"), "Disk full on db-7")),
        // Bob mutes one title for an hour: silence 1.
        by(
            "bob",
            3,
            &silence("b1", t, add("title=~\"CPU.*\"", t + 60 * MIN)),
        ),
        // A viewer, a message without a proven user, and a bad expression are refused.
        by("dave", 4, &silence("d1", t, add("source=db-7", t + MIN))),
        at(5, &silence("n1", t, add("source=db-7", t + MIN))),
        by("carol", 6, &silence("c0", t, add("title=~\"(\"", t + MIN))),
        // Carol's clock is five minutes behind: her silence starts at the time her desk
        // stamped, on every desk. Silence 2 (team key c1).
        by(
            "carol",
            7,
            &silence("c1", t - 5 * MIN, add("title=~\"Disk.*\"", t + 30 * MIN)),
        ),
        at(8, &trigger(Some("disk2"), "Disk full on db-8")),
        // An edit of a version that is not the newest is refused; a copy of b1 too.
        by(
            "carol",
            9,
            &silence(
                "c2",
                t + MIN,
                SilenceChange::Edit {
                    silence: "b1".into(),
                    expected_version: 2,
                    draft: silence_draft("source=db-7", t + 2 * MIN, "x"),
                },
            ),
        ),
        by("bob", 10, &silence("b1", t, add("source=db-8", t + MIN))),
        // Bob ends Carol's silence after ten minutes; Carol narrows Bob's to one event.
        by(
            "bob",
            11,
            &silence(
                "b2",
                t + 10 * MIN,
                SilenceChange::Expire {
                    silence: "c1".into(),
                    expected_version: 1,
                },
            ),
        ),
        by(
            "carol",
            12,
            &silence(
                "c3",
                t + 11 * MIN,
                SilenceChange::Edit {
                    silence: "b1".into(),
                    expected_version: 1,
                    draft: silence_draft("title=\"CPU hot on db-7\"", t + 20 * MIN, "narrower"),
                },
            ),
        ),
    ];
    // Desk B reads the stream a day later than desk A, in batches of three.
    let (a, b) = (Fixture::new(), Fixture::new());
    b.clock.advance(86_400_000);
    let (mut ra, mut rb) = (replica(&a), replica(&b));
    let moments = [
        t - MIN,
        t,
        t + 5 * MIN,
        t + 10 * MIN,
        t + 15 * MIN,
        t + 25 * MIN,
    ];
    let mut outcomes = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        outcomes.extend(ra.apply(std::slice::from_ref(message)).unwrap());
        if i % 3 == 2 || i == messages.len() - 1 {
            rb.apply(&messages[i - i % 3..=i]).unwrap();
            for now in moments {
                assert_eq!(
                    muted_keys(&a, now),
                    muted_keys(&b, now),
                    "after offset {i}, at {now}"
                );
            }
        }
    }
    assert_eq!(dump(&a), dump(&b), "two desks, the same silences");
    let refused: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o, Outcome::Rejected(_)))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(refused, [4, 5, 6, 9, 10], "{outcomes:#?}");

    let conn = a.store.connect().unwrap();
    let result = |id: &str| team::silence_result(&conn, id).unwrap();
    let refusal = |id: &str| match result(id) {
        SilenceResult::Refused(reason) => reason,
        other => panic!("{id}: {other:?}"),
    };
    assert!(refusal("d1").contains("viewer"), "{}", refusal("d1"));
    assert!(refusal("n1").contains("no user_id"), "{}", refusal("n1"));
    assert!(refusal("c0").contains("at character"), "{}", refusal("c0"));
    assert!(refusal("c2").contains("changed since"), "{}", refusal("c2"));
    // A copy of b1 is refused; b1 stays what it made.
    assert!(
        matches!(&outcomes[10], Outcome::Rejected(e) if e.to_string().contains("not applied again")),
        "{:?}",
        outcomes[10]
    );
    assert!(matches!(result("b1"), SilenceResult::Made(s) if s.id == 1 && s.version == 1));
    let SilenceResult::Made(carols) = result("c1") else {
        panic!("c1: {:?}", result("c1"))
    };
    assert_eq!(
        (carols.id, carols.starts_at, carols.made_at),
        (2, t - 5 * MIN, t - 5 * MIN)
    );
    assert_eq!(carols.team_key.as_deref(), Some("c1"));
    assert_eq!(carols.author, Actor::Operator("carol".into()));
    let SilenceResult::Made(ended) = result("b2") else {
        panic!("b2: {:?}", result("b2"))
    };
    assert_eq!(
        (ended.id, ended.version, ended.ends_at),
        (2, 2, t + 10 * MIN)
    );
    assert_eq!(result("never"), SilenceResult::Pending);

    // What each moment mutes, as the newest versions say (read after later moments, so the
    // reader goes back in time): the disk events under Carol's silence until Bob ended it;
    // the CPU event under Bob's silence as Carol edited it (from her edit on).
    assert_eq!(muted_keys(&a, t - 6 * MIN), Vec::<String>::new());
    assert_eq!(muted_keys(&a, t - MIN), ["2", "8"]);
    assert_eq!(muted_keys(&a, t + 5 * MIN), ["2", "8"]);
    assert_eq!(muted_keys(&a, t + 15 * MIN), ["1"]);
    assert_eq!(muted_keys(&a, t + 25 * MIN), Vec::<String>::new());
}

#[test]
fn a_teams_snoozes_are_checked_at_the_time_they_carry_and_every_desk_applies_them_alike() {
    use eventdesk_core::services::team::SnoozeMessage;
    const HOUR: i64 = 3_600_000;
    let t = T0 + 60_000;
    let snooze = |id: &str, at: i64, until: Option<i64>, event: &str, version: i64| {
        SnoozeMessage {
            id: id.into(),
            desk: "desk-a".into(),
            at,
            until,
            targets: vec![TeamTarget {
                event: event.into(),
                expected_version: version,
            }],
        }
        .to_body()
    };
    let messages = vec![
        by("alice", 0, &founding_roster()),
        at(1, &trigger(Some("cpu"), "CPU hot on db-7")),
        at(2, &trigger(Some("disk"), "Disk full on db-7")),
        // Bob snoozes the CPU event for an hour; a viewer's snooze is refused.
        by("bob", 3, &snooze("b1", t, Some(t + HOUR), "1", 1)),
        by("dave", 4, &snooze("d1", t, Some(t + HOUR), "2", 1)),
        // A time before the message's own, and more than 30 days after it, are skipped.
        by("carol", 5, &snooze("c1", t, Some(t - 1), "2", 1)),
        by(
            "carol",
            6,
            &snooze("c2", t, Some(t + 31 * 24 * HOUR), "2", 1),
        ),
        // Carol snoozes the disk event; then wakes it; a stale version is a conflict.
        by("carol", 7, &snooze("c3", t, Some(t + 2 * HOUR), "2", 1)),
        by("carol", 8, &snooze("c4", t + 1, None, "2", 2)),
        by("bob", 9, &snooze("b2", t + 2, Some(t + HOUR), "2", 2)),
        // The CPU alert again, critical now: its rise wakes the event on every desk, whether
        // the desk applies it while the snooze holds (A) or after it ran out (B).
        at(
            10,
            json!({ "event_action": "trigger", "dedup_key": "cpu",
                "payload": { "summary": "CPU hot on db-7", "source": "db-7", "severity": "critical" } })
            .to_string()
            .as_bytes(),
        ),
    ];
    // Desk B applies the stream a day later (its own clock), in one batch.
    let (a, b) = (Fixture::new(), Fixture::new());
    b.clock.advance(86_400_000);
    let outcomes = replica(&a).apply(&messages).unwrap();
    replica(&b).apply(&messages).unwrap();
    assert_eq!(dump(&a), dump(&b), "two desks, the same snoozes");
    assert!(
        matches!(&outcomes[4], Outcome::Rejected(Error::Forbidden { message }) if message.contains("viewer")),
        "{:?}",
        outcomes[4]
    );
    let outcome = |id: &str| outcomes_of(&a, id);
    assert_eq!(outcome("b1"), [("1".into(), team::ActionOutcome::Done)]);
    for id in ["c1", "c2"] {
        assert!(
            matches!(&outcome(id)[..], [(_, team::ActionOutcome::Skipped { reason })] if reason.contains("until") || reason.contains("now") || reason.contains("days")),
            "{id}: {:?}",
            outcome(id)
        );
    }
    assert_eq!(outcome("c3"), [("2".into(), team::ActionOutcome::Done)]);
    assert_eq!(outcome("c4"), [("2".into(), team::ActionOutcome::Done)]);
    assert!(matches!(
        &outcome("b2")[..],
        [(_, team::ActionOutcome::Conflict { winner })] if winner == "operator:carol"
    ));
    let events = |f: &Fixture| {
        let conn = f.store.connect().unwrap();
        let lines = {
            let mut out = Vec::new();
            team::dump(&conn, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        lines
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|l| l.get("team").is_some_and(|t| !t.is_null()))
            .map(|l| {
                (
                    l["team"].as_str().unwrap().to_owned(),
                    l["snoozedUntil"].as_i64(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(events(&a), [("1".to_owned(), None), ("2".to_owned(), None)]);
}

#[test]
fn a_teams_silences_last_no_longer_than_its_admins_allow() {
    const DAY: i64 = 86_400_000;
    let t = T0 + 60_000;
    let add = |days: i64| SilenceChange::Add {
        draft: silence_draft("source=db-7", t + days * DAY, "maintenance"),
    };
    let limit = |id: &str, days: u32| {
        RosterMessage {
            id: id.into(),
            set: vec![],
            remove: vec![],
            limits: None,
            max_silence_days: Some(days),
            timers: None,
        }
        .to_body()
    };
    let messages = vec![
        by("alice", 0, &founding_roster()),
        // 30 days until the admins say otherwise.
        by("bob", 1, &silence("b1", t, add(31))),
        by("alice", 2, &limit("a1", 90)),
        by("bob", 3, &silence("b2", t, add(60))),
        // An operator cannot change it; nor can an admin set it out of range.
        by("bob", 4, &limit("b3", 365)),
        by("alice", 5, &limit("a2", 0)),
        by("alice", 6, &limit("a3", 2)),
        by("bob", 7, &silence("b4", t, add(3))),
        // An expiry from a clock far ahead finds the silence over by then and is refused; it
        // holds up no later silence.
        by(
            "carol",
            8,
            &silence(
                "c1",
                253_402_300_799_999,
                SilenceChange::Expire {
                    silence: "b2".into(),
                    expected_version: 1,
                },
            ),
        ),
        by("bob", 9, &silence("b5", t + 1, add(1))),
    ];
    let f = Fixture::new();
    let outcomes = replica(&f).apply(&messages).unwrap();
    let refused: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o, Outcome::Rejected(_)))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(refused, [1, 4, 5, 7, 8], "{outcomes:#?}");
    assert!(
        matches!(&outcomes[7], Outcome::Rejected(e) if e.to_string().contains("2 days")),
        "{:?}",
        outcomes[7]
    );
    let listed = f.store.silences().unwrap();
    assert_eq!(listed.len(), 2, "{listed:#?}");
    let b2 = listed
        .iter()
        .find(|s| s.team_key.as_deref() == Some("b2"))
        .unwrap();
    assert_eq!((b2.version, b2.ends_at), (1, t + 60 * DAY));
    let b5 = listed
        .iter()
        .find(|s| s.team_key.as_deref() == Some("b5"))
        .unwrap();
    assert_eq!((b5.starts_at, b5.made_at), (t + 1, t + 1));
}

#[test]
fn a_teams_notes_are_kept_on_every_desk_with_the_author_rabbitmq_proved() {
    use eventdesk_core::services::team::NoteMessage;
    let note = |id: &str, event: &str, text: &str| {
        NoteMessage {
            id: id.into(),
            desk: "desk-a".into(),
            at: T0,
            event: event.into(),
            text: text.into(),
        }
        .to_body()
    };
    let messages = vec![
        by("alice", 0, &founding_roster()),
        at(1, &trigger(Some("cpu"), "CPU hot on db-7")),
        by("bob", 2, &note("b1", "1", "rebooted db-7, watching")),
        // A viewer's note is refused; a copy of bob's is not applied again; a note on no
        // event, and an empty one, change nothing.
        by("dave", 3, &note("d1", "1", "looks fine to me")),
        by("bob", 4, &note("b1", "1", "rebooted db-7, watching")),
        by("carol", 5, &note("c1", "9", "which one?")),
        by("carol", 6, &note("c2", "1", "   ")),
        by("carol", 7, &note("c3", "1", "the disk, not the cpu")),
        // An action on the version before the notes: no conflict.
        by("carol", 8, &act("c4", Action::Acknowledge, "1", 1)),
    ];
    let (a, b) = (Fixture::new(), Fixture::new());
    let outcomes = replica(&a).apply(&messages).unwrap();
    for part in messages.chunks(2) {
        replica(&b).apply(part).unwrap();
    }
    assert_eq!(dump(&a), dump(&b), "two desks, the same notes");
    for i in [3, 4, 6] {
        assert!(
            matches!(&outcomes[i], Outcome::Rejected(_)),
            "{i}: {:?}",
            outcomes[i]
        );
    }
    assert_eq!(
        outcomes_of(&a, "b1"),
        [("1".into(), team::ActionOutcome::Done)]
    );
    assert_eq!(
        outcomes_of(&a, "c1"),
        [("9".into(), team::ActionOutcome::NotFound)]
    );
    assert_eq!(
        outcomes_of(&a, "c4"),
        [("1".into(), team::ActionOutcome::Done)]
    );
    let detail = a.store.get_event(1).unwrap();
    let notes: Vec<(String, String)> = detail
        .history
        .iter()
        .filter(|c| c.field == eventdesk_core::Field::Note)
        .map(|c| (c.actor.as_text().into_owned(), c.to.clone()))
        .collect();
    assert_eq!(
        notes,
        [
            (
                "operator:bob".to_owned(),
                "rebooted db-7, watching".to_owned()
            ),
            (
                "operator:carol".to_owned(),
                "the disk, not the cpu".to_owned()
            ),
        ]
    );
    assert_eq!(detail.event.status, Status::Acknowledged);
}

#[test]
fn a_teams_claims_are_first_in_the_log_wins_and_go_only_to_members_who_act() {
    use eventdesk_core::services::team::AssignMessage;
    let assign = |id: &str, assignee: Option<&str>, event: &str, version: i64| {
        AssignMessage {
            id: id.into(),
            desk: "desk-a".into(),
            at: T0,
            assignee: assignee.map(str::to_owned),
            targets: vec![TeamTarget {
                event: event.into(),
                expected_version: version,
            }],
        }
        .to_body()
    };
    let messages = vec![
        by("alice", 0, &founding_roster()),
        at(1, &trigger(Some("cpu"), "CPU hot on db-7")),
        at(2, &trigger(Some("disk"), "Disk full on db-7")),
        // Bob and carol both claim version 1 of the CPU event: bob's is first in the log.
        by("bob", 3, &assign("b1", Some("bob"), "1", 1)),
        by("carol", 4, &assign("c1", Some("carol"), "1", 1)),
        // Carol gives the disk event to a viewer, and to no one on the roster: refused; then
        // to bob; a viewer assigns nothing.
        by("carol", 5, &assign("c2", Some("dave"), "2", 1)),
        by("carol", 6, &assign("c3", Some("erin"), "2", 1)),
        by("carol", 7, &assign("c4", Some("bob"), "2", 1)),
        by("dave", 8, &assign("d1", Some("dave"), "2", 2)),
        // Bob releases the CPU event.
        by("bob", 9, &assign("b2", None, "1", 2)),
    ];
    let (a, b) = (Fixture::new(), Fixture::new());
    let outcomes = replica(&a).apply(&messages).unwrap();
    for part in messages.chunks(3) {
        replica(&b).apply(part).unwrap();
    }
    assert_eq!(dump(&a), dump(&b), "two desks, the same claims");
    assert_eq!(
        outcomes_of(&a, "b1"),
        [("1".into(), team::ActionOutcome::Done)]
    );
    assert!(matches!(
        &outcomes_of(&a, "c1")[..],
        [(_, team::ActionOutcome::Conflict { winner })] if winner == "operator:bob"
    ));
    for (i, says) in [
        (5, "viewer"),
        (6, "not on the team's roster"),
        (8, "viewer"),
    ] {
        assert!(
            matches!(&outcomes[i], Outcome::Rejected(e) if e.to_string().contains(says)),
            "{i}: {:?}",
            outcomes[i]
        );
    }
    assert_eq!(
        outcomes_of(&a, "c4"),
        [("2".into(), team::ActionOutcome::Done)]
    );
    assert_eq!(
        outcomes_of(&a, "b2"),
        [("1".into(), team::ActionOutcome::Done)]
    );
    let assignee = |id: i64| a.store.get_event(id).unwrap().event.assignee;
    assert_eq!(assignee(1), None);
    assert_eq!(assignee(2), Some(Actor::operator("bob").unwrap()));
    // "Bob's" and "nobody's" views on the team file.
    let view = |who: &str| {
        a.store
            .list_events(&EventQuery {
                filter: EventFilter {
                    assignee: Some(who.into()),
                    ..EventFilter::default()
                },
                ..EventQuery::new(1, 10)
            })
            .unwrap()
            .rows
            .iter()
            .map(|e| e.team_key.clone().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    assert_eq!(view("operator:bob"), ["2"]);
    assert_eq!(view(""), ["1"]);
}
