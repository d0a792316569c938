//! Events from outside sources: the rules a trigger, acknowledge or resolve follows, the
//! bookkeeping that keeps a redelivered message from being applied twice, the schema upgrade
//! that lets named sources write, and that reads see what sources change.

use crate::support::{Fixture, T0, UNDO_ASSIGNEES, UNDO_NOTES};
use eventdesk_core::services::ingest::{Applied, Delivery, Format, Incoming, Ingester, Outcome};
use eventdesk_core::{Actor, EventFilter, EventQuery, Severity, Sort, SortKey, Status};
use serde_json::{json, Value};

fn ingester(f: &Fixture, name: &str) -> Ingester {
    Ingester::for_store(&f.store, Actor::source(name).unwrap(), name, Format::Auto).unwrap()
}

fn once(body: Value) -> Incoming {
    Incoming::new(body.to_string().into_bytes(), Delivery::Once)
}

fn trigger(key: &str, summary: &str, severity: &str) -> Value {
    json!({ "event_action": "trigger", "dedup_key": key,
            "payload": { "summary": summary, "source": "db-7", "severity": severity, "class": "disk" } })
}

fn action(action: &str, key: &str) -> Value {
    json!({ "event_action": action, "dedup_key": key })
}

/// Applies each message in a transaction of its own; returns what each did.
fn apply(i: &mut Ingester, messages: Vec<Value>) -> Vec<Applied> {
    messages
        .into_iter()
        .map(|m| match i.apply(&[once(m)]).unwrap().remove(0) {
            Outcome::Applied(mut a) => a.remove(0),
            other => panic!("not applied: {other:?}"),
        })
        .collect()
}

#[test]
fn a_key_raised_again_updates_its_event_until_it_is_completed() {
    let f = Fixture::new();
    let mut pd = ingester(&f, "pagerduty");
    let did = apply(
        &mut pd,
        vec![
            trigger("disk", "Disk full on db-7", "error"),
            trigger("disk", "Disk 99% full on db-7", "warning"),
            action("acknowledge", "disk"),
            trigger("disk", "Disk full on db-7", "critical"),
            action("acknowledge", "disk"),
            action("resolve", "disk"),
            action("resolve", "disk"),
            trigger("disk", "Disk full on db-7 again", "info"),
        ],
    );
    assert_eq!(
        did[..6],
        [
            Applied::Created {
                id: 1,
                dedup_key: "disk".into()
            },
            Applied::Updated {
                id: 1,
                dedup_key: "disk".into()
            },
            Applied::Acknowledged { id: 1 },
            Applied::Updated {
                id: 1,
                dedup_key: "disk".into()
            },
            Applied::Ignored {
                reason: "event 1 is already acknowledged".into()
            },
            Applied::Completed { id: 1 },
        ]
    );
    assert!(matches!(did[6], Applied::Ignored { .. }));
    // After the completion, the key opens a new event.
    assert_eq!(
        did[7],
        Applied::Created {
            id: 2,
            dedup_key: "disk".into()
        }
    );
    let one = f.store.get_event(1).unwrap();
    let e = &one.event;
    // The severity only rose; the title followed the summary; acknowledged stayed
    // acknowledged while raised again.
    assert_eq!(
        (e.severity, e.status, e.occurrences),
        (Severity::Critical, Status::Completed, 3)
    );
    assert_eq!(e.title, "Disk full on db-7");
    assert_eq!(e.kind, "disk");
    assert_eq!(e.completed_by, Some(Actor::Source("pagerduty".into())));
    let fields: Vec<_> = one.history.iter().map(|c| c.field.to_string()).collect();
    assert_eq!(
        fields,
        ["created", "occurred", "title", "status", "occurred", "severity", "title", "status"]
    );
    let retitled: Vec<_> = one
        .history
        .iter()
        .filter(|c| c.field.to_string() == "title")
        .map(|c| (c.from.clone().unwrap(), c.to.clone()))
        .collect();
    assert_eq!(
        retitled,
        [
            (
                "Disk full on db-7".to_owned(),
                "Disk 99% full on db-7".to_owned()
            ),
            (
                "Disk 99% full on db-7".to_owned(),
                "Disk full on db-7".to_owned()
            )
        ]
    );
    assert_eq!(
        f.store.get_event(2).unwrap().event.title,
        "Disk full on db-7 again"
    );
    let details: Value = serde_json::from_str(one.details.as_deref().unwrap()).unwrap();
    assert_eq!(details["class"], "disk");
}

#[test]
fn a_source_never_undoes_what_an_operator_did() {
    let f = Fixture::new();
    let mut am = ingester(&f, "alertmanager");
    apply(&mut am, vec![trigger("cpu", "CPU hot", "warning")]);
    let e = f.store.get_event(1).unwrap().event;
    f.store
        .act(1, e.version, eventdesk_core::Action::Complete)
        .unwrap();
    let did = apply(
        &mut am,
        vec![
            action("resolve", "cpu"),
            trigger("cpu", "CPU hot", "warning"),
        ],
    );
    assert!(matches!(did[0], Applied::Ignored { .. }), "{did:?}");
    assert_eq!(
        did[1],
        Applied::Created {
            id: 2,
            dedup_key: "cpu".into()
        }
    );
    let e = f.store.get_event(1).unwrap().event;
    assert_eq!(
        (e.status, e.completed_by),
        (Status::Completed, Some(Actor::User))
    );
}

#[test]
fn a_trigger_without_a_key_gets_one_that_acknowledges_and_resolves_it() {
    let f = Fixture::new();
    let mut pd = ingester(&f, "pagerduty");
    let body = json!({ "event_action": "trigger",
                       "payload": { "summary": "Ping lost", "source": "gw-1", "severity": "info" } });
    let did = apply(&mut pd, vec![body]);
    assert_eq!(
        did[0],
        Applied::Created {
            id: 1,
            dedup_key: "eventdesk-1".into()
        }
    );
    apply(&mut pd, vec![action("resolve", "eventdesk-1")]);
    assert_eq!(
        f.store.get_event(1).unwrap().event.status,
        Status::Completed
    );
}

#[test]
fn a_batch_applies_its_good_messages_and_rejects_the_malformed_ones_by_reason() {
    let f = Fixture::new();
    let mut pd = ingester(&f, "pagerduty");
    let batch = vec![
        once(trigger("a", "A", "info")),
        Incoming::new(b"{oops".to_vec(), Delivery::Once),
        once(
            json!({ "event_action": "trigger", "dedup_key": "b", "payload": { "summary": "B", "source": "s", "severity": "fatal" } }),
        ),
        once(trigger("c", "C", "error")),
    ];
    let outcomes = pd.apply(&batch).unwrap();
    assert!(matches!(outcomes[0], Outcome::Applied(_)));
    let reasons: Vec<String> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Rejected(e) => Some(e.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 2);
    assert!(reasons[0].contains("not JSON"), "{reasons:?}");
    assert!(
        reasons[1].contains("payload.severity") && reasons[1].contains("fatal"),
        "{reasons:?}"
    );
    assert_eq!(f.store.tally().unwrap().unfinished, 2);
}

#[test]
fn a_redelivered_queue_message_applied_before_is_skipped() {
    let f = Fixture::new();
    let mut q = ingester(&f, "rabbitmq:alerts");
    let delivered = |id: &str, redelivered| {
        Incoming::new(
            trigger("k", "Disk full", "error").to_string().into_bytes(),
            Delivery::Queue {
                id: id.into(),
                redelivered,
            },
        )
    };
    assert!(matches!(
        q.apply(&[delivered("m1", false)]).unwrap()[0],
        Outcome::Applied(_)
    ));
    let before = f.dump();
    assert_eq!(
        q.apply(&[delivered("m1", true)]).unwrap()[0],
        Outcome::Duplicate
    );
    assert_eq!(f.dump(), before, "a duplicate changes nothing");
    // A redelivery of a message never applied (the consumer died before the commit) is new.
    assert!(matches!(
        q.apply(&[delivered("m2", true)]).unwrap()[0],
        Outcome::Applied(_)
    ));
    assert_eq!(f.store.get_event(1).unwrap().event.occurrences, 2);
}

#[test]
fn a_stream_offset_is_stored_with_the_batch_even_when_its_last_message_is_malformed() {
    let f = Fixture::new();
    let mut s = ingester(&f, "rabbitmq:events");
    assert_eq!(s.next_offset().unwrap(), None);
    let at = |offset, body: &[u8]| Incoming::new(body.to_vec(), Delivery::Stream { offset });
    s.apply(&[
        at(40, trigger("a", "A", "info").to_string().as_bytes()),
        at(41, b"nope"),
    ])
    .unwrap();
    assert_eq!(s.next_offset().unwrap(), Some(42));
    // Another channel keeps its own place.
    assert_eq!(ingester(&f, "rabbitmq:other").next_offset().unwrap(), None);
}

#[test]
fn two_consumers_of_one_stream_apply_each_offset_once() {
    let f = Fixture::new();
    // Two consumers of the same channel (a second window, the tool beside the app), each with
    // its own connection, read the same stream from where each started.
    let mut first = ingester(&f, "rabbitmq:events");
    let mut second = ingester(&f, "rabbitmq:events");
    let at = |offset: i64| {
        let body = trigger("disk", "Disk full", "error").to_string();
        Incoming::new(body.into_bytes(), Delivery::Stream { offset })
    };
    let applied = |outcomes: Vec<Outcome>| {
        outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Applied(_)))
            .count()
    };
    assert_eq!(applied(first.apply(&[at(0), at(1), at(2)]).unwrap()), 3);
    // The second started at 0 too: what the first applied is a duplicate, the rest is new.
    let outcomes = second.apply(&[at(0), at(1), at(2), at(3)]).unwrap();
    assert!(
        matches!(
            outcomes[..3],
            [Outcome::Duplicate, Outcome::Duplicate, Outcome::Duplicate]
        ),
        "{outcomes:?}"
    );
    assert_eq!(applied(outcomes), 1);
    assert_eq!(applied(first.apply(&[at(3), at(4)]).unwrap()), 1);
    assert_eq!(first.next_offset().unwrap(), Some(5));
    // Five offsets, five occurrences of the one event: none applied twice.
    let event = f.store.get_event(1).unwrap().event;
    assert_eq!(event.occurrences, 5);
    // An older batch never moves the stored offset back.
    let outcomes = second.apply(&[at(1)]).unwrap();
    assert!(matches!(outcomes[..], [Outcome::Duplicate]), "{outcomes:?}");
    assert_eq!(second.next_offset().unwrap(), Some(5));
}

#[test]
fn what_sources_change_reaches_views_pushes_and_notices() {
    let f = Fixture::new();
    let mut pd = ingester(&f, "pagerduty");
    f.add_events(3);
    apply(&mut pd, vec![trigger("k", "Replica lag", "warning")]);
    f.published();
    f.clock.advance(60_000);
    apply(&mut pd, vec![trigger("k", "Replica lag", "critical")]);
    let sets = f.published();
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].critical, [4], "becoming critical is a notice");
    assert_eq!(sets[0].rows[0].occurrences, 2);
    assert_eq!(sets[0].rows[0].last_seen_at, T0 + 3_000 + 60_000);
    // Sorted by update, from the columns (a kind filter) and from SQL: the raised event first.
    for filter in [
        EventFilter {
            kind: Some("disk".into()),
            ..EventFilter::default()
        },
        EventFilter::default(),
    ] {
        let page = f
            .store
            .list_events(&EventQuery {
                page: 1,
                page_size: 10,
                filter,
                sort: Sort {
                    by: SortKey::Updated,
                    descending: true,
                },
                position: None,
            })
            .unwrap();
        assert_eq!(page.rows[0].id, 4);
        assert_eq!(page.rows[0].updated_at, T0 + 63_000);
    }
}

#[test]
fn actors_are_named_sources_or_operators_and_the_database_refuses_others() {
    for (text, actor) in [
        ("user", Actor::User),
        ("simulator", Actor::Simulator),
        (
            "source:rabbitmq:alerts",
            Actor::Source("rabbitmq:alerts".into()),
        ),
        ("operator:Ana Lima", Actor::Operator("Ana Lima".into())),
    ] {
        assert_eq!(text.parse::<Actor>().unwrap(), actor);
        assert_eq!(actor.to_string(), text);
        assert_eq!(serde_json::to_value(&actor).unwrap(), json!(text));
    }
    for bad in [
        "robot",
        "source:",
        "source:a b",
        "operator:",
        &format!("source:{}", "x".repeat(65)),
    ] {
        assert!(bad.parse::<Actor>().is_err(), "{bad}");
    }
    let f = Fixture::new();
    f.add_events(1);
    let conn = f.store.connect().unwrap();
    for bad in ["robot", "source:", "Source:x"] {
        let refused = conn
            .as_sqlite()
            .execute("UPDATE events SET updated_by = ?1 WHERE id = 1", [bad]);
        assert!(refused.is_err(), "{bad} was accepted");
    }
    conn.as_sqlite()
        .execute("UPDATE events SET updated_by = 'source:x' WHERE id = 1", [])
        .unwrap();
}

#[test]
fn a_version_6_file_with_events_is_upgraded_and_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v6.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
        for n in [
            "001_events",
            "002_settings",
            "003_views",
            "004_search_terms",
            "005_counts_by_writer",
            "006_guards",
        ] {
            let sql = std::fs::read_to_string(format!(
                "{}/migrations/{n}.sql",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap();
            conn.execute_batch(&sql).unwrap();
        }
        conn.execute_batch(
            "PRAGMA user_version = 6;
             INSERT INTO events (kind, source, severity, title, status, created_at, updated_at, updated_by)
                 VALUES ('disk', 'db-1', 2, 'Disk full', 'open', 1, 1, 'user');
             INSERT INTO changes (event_id, at, actor, field, from_value, to_value)
                 VALUES (1, 1, 'user', 'created', NULL, 'open');
             INSERT INTO event_counts (status, severity, n) VALUES ('open', 2, 1);",
        )
        .unwrap();
    }
    let (feed, _rx) = eventdesk_core::CommitFeed::new();
    let store = eventdesk_core::Store::open(
        &path,
        feed,
        std::sync::Arc::new(eventdesk_core::ManualClock::new(T0)),
    )
    .unwrap();
    let old = store.get_event(1).unwrap().event;
    assert_eq!(
        (old.occurrences, old.last_seen_at, old.dedup_key),
        (1, 1, None)
    );
    let mut pd = Ingester::for_store(
        &store,
        Actor::source("pagerduty").unwrap(),
        "pagerduty",
        Format::PagerDuty,
    )
    .unwrap();
    assert!(matches!(
        pd.apply(&[once(trigger("k", "New", "info"))]).unwrap()[0],
        Outcome::Applied(_)
    ));
    assert_eq!(
        store.get_event(2).unwrap().event.updated_by,
        Actor::Source("pagerduty".into())
    );
    let conn = store.connect().unwrap();
    let ok: String = conn
        .as_sqlite()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
}

/// Ids a search finds: (from the reader's memory, by SQL alone).
fn found(f: &Fixture, search: &str) -> (Vec<i64>, Vec<i64>) {
    let mut both = Vec::new();
    for memory in [true, false] {
        f.store.set_read_memory(memory);
        let page = f
            .store
            .list_events(&EventQuery {
                filter: EventFilter {
                    search: Some(search.into()),
                    ..EventFilter::default()
                },
                ..EventQuery::new(1, 100)
            })
            .unwrap();
        assert!(page.total_exact);
        assert_eq!(page.total, page.rows.len() as i64);
        both.push(page.rows.iter().map(|e| e.id).collect());
    }
    f.store.set_read_memory(true);
    (both.remove(0), both.remove(0))
}

#[test]
fn a_retitled_event_is_found_by_its_new_words_only_even_within_one_batch() {
    let f = Fixture::new();
    let mut pd = ingester(&f, "pagerduty");
    apply(
        &mut pd,
        vec![trigger("a", "Replica lag on shard 4", "warning")],
    );
    // Searches the memory keeps, before the retitle.
    assert_eq!(found(&f, "replica"), (vec![1], vec![1]));
    assert_eq!(found(&f, "failover"), (vec![], vec![]));
    assert_eq!(found(&f, "shar"), (vec![1], vec![1]));
    apply(
        &mut pd,
        vec![trigger("a", "Failover of shard 4 under way", "warning")],
    );
    assert_eq!(found(&f, "replica"), (vec![], vec![]));
    assert_eq!(found(&f, "failover"), (vec![1], vec![1]));
    assert_eq!(found(&f, "shar"), (vec![1], vec![1]));
    // Created and retitled in one transaction: indexed once, with its last title.
    let batch = vec![
        once(trigger("b", "Cache cold", "info")),
        once(trigger("b", "Cache warming", "info")),
    ];
    pd.apply(&batch).unwrap();
    assert_eq!(found(&f, "warming"), (vec![2], vec![2]));
    assert_eq!(found(&f, "cold"), (vec![], vec![]));
    assert_eq!(found(&f, "cache"), (vec![2], vec![2]));
    // A title edited by hand, outside the log: the index follows (the trigger), the memory
    // notices the file changed and reads again.
    let conn = f.store.connect().unwrap();
    conn.as_sqlite()
        .execute("UPDATE events SET title = 'Quorum lost' WHERE id = 1", [])
        .unwrap();
    assert_eq!(found(&f, "quorum"), (vec![1], vec![1]));
    assert_eq!(found(&f, "failover"), (vec![], vec![]));
    conn.as_sqlite()
        .execute(
            "INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .unwrap();
}

#[test]
fn an_operator_acting_on_a_version_a_source_moved_past_gets_a_conflict_with_the_current_event() {
    let f = Fixture::new();
    let mut pd = ingester(&f, "pagerduty");
    apply(&mut pd, vec![trigger("race", "Disk full", "error")]);
    let seen = f.store.get_event(1).unwrap().event;
    // The source raises it again between the operator's render and click.
    apply(&mut pd, vec![trigger("race", "Disk full", "critical")]);
    match f
        .store
        .act(1, seen.version, eventdesk_core::Action::Complete)
    {
        Err(eventdesk_core::Error::Conflict { current, .. }) => {
            assert_eq!(
                (current.severity, current.occurrences),
                (Severity::Critical, 2)
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // With the current version it goes through, and the source's resolve after it is ignored.
    let now = f.store.get_event(1).unwrap().event;
    f.store
        .act(1, now.version, eventdesk_core::Action::Complete)
        .unwrap();
    assert!(matches!(
        apply(&mut pd, vec![action("resolve", "race")])[0],
        Applied::Ignored { .. }
    ));
    // An operator and a source writing at once: each write applies or conflicts, and the log
    // holds exactly the ones that applied.
    let store = &f.store;
    let before = store.get_event(1).unwrap().history.len();
    let mut source = ingester(&f, "alertmanager");
    let (acted, raised) = std::thread::scope(|scope| {
        let operator = scope.spawn(|| {
            let mut done = 0;
            for _ in 0..50 {
                let e = store.get_event(1).unwrap().event;
                let act = if e.status == Status::Completed {
                    eventdesk_core::Action::Reopen
                } else {
                    eventdesk_core::Action::Complete
                };
                match store.act(1, e.version, act) {
                    Ok(_) => done += 1,
                    Err(eventdesk_core::Error::Conflict { .. }) => {}
                    Err(other) => panic!("{other}"),
                }
            }
            done
        });
        let mut raised = 0;
        for _ in 0..50 {
            if let Applied::Updated { .. } =
                apply(&mut source, vec![trigger("race", "Disk full", "critical")])[0]
            {
                raised += 1;
            }
        }
        (operator.join().unwrap(), raised)
    });
    let history = store.get_event(1).unwrap().history;
    let count = |field: &str| {
        history[before..]
            .iter()
            .filter(|c| c.field.to_string() == field)
            .count()
    };
    assert_eq!(count("status"), acted);
    // Every trigger either raised the unfinished event with its key or, while the operator
    // had it completed, opened a new one: 52 triggers in all.
    let all = store.list_events(&EventQuery::new(1, 100)).unwrap().rows;
    assert_eq!(all.iter().map(|e| e.occurrences).sum::<i64>(), 52);
    assert!(raised <= 50);
}

#[test]
fn batches_full_of_retitles_keep_the_search_index_whole() {
    let f = Fixture::new();
    let mut pd = ingester(&f, "pagerduty");
    let bodies: Vec<Incoming> = (0..3_000)
        .map(|i| {
            let (key, summary) = if i % 10 == 9 {
                (i - 5, "Disk full again".to_owned())
            } else {
                (i, format!("Disk full on db-{i}"))
            };
            once(trigger(&format!("k{key}"), &summary, "error"))
        })
        .collect();
    for batch in bodies.chunks(1_000) {
        let outcomes = pd.apply(batch).unwrap();
        assert!(outcomes.iter().all(|o| matches!(o, Outcome::Applied(_))));
    }
    let conn = f.store.connect().unwrap();
    conn.as_sqlite()
        .execute(
            "INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .unwrap();
    for memory in [true, false] {
        f.store.set_read_memory(memory);
        let page = f
            .store
            .list_events(&EventQuery {
                filter: EventFilter {
                    search: Some("again".into()),
                    ..EventFilter::default()
                },
                ..EventQuery::new(1, 10)
            })
            .unwrap();
        assert_eq!(
            (page.total, page.total_exact),
            (300, true),
            "memory: {memory}"
        );
    }
}

#[test]
fn an_alertmanager_message_with_more_alerts_than_allowed_is_refused_whole() {
    let max_alerts = eventdesk_core::model::MessageLimits::default().max_alerts as usize;
    let f = Fixture::new();
    let alerts = |n: usize| {
        let alerts: Vec<Value> = (0..n)
            .map(|i| {
                json!({ "status": "firing", "labels": { "alertname": "Load" },
                "annotations": { "summary": format!("load {i}") }, "fingerprint": format!("f{i}") })
            })
            .collect();
        once(json!({ "version": "4", "status": "firing", "alerts": alerts }))
    };
    let mut am = ingester(&f, "alertmanager");
    let outcomes = am.apply(&[alerts(max_alerts + 1), alerts(2)]).unwrap();
    let Outcome::Rejected(e) = &outcomes[0] else {
        panic!("{:?}", outcomes[0]);
    };
    assert!(e.to_string().contains("max_alerts"), "{e}");
    assert!(matches!(&outcomes[1], Outcome::Applied(a) if a.len() == 2));
    assert_eq!(f.store.tally().unwrap().unfinished, 2);
}

#[test]
fn a_link_is_stored_as_it_will_be_opened_and_only_web_links_are_kept() {
    let f = Fixture::new();
    let mut i = ingester(&f, "pagerduty");
    let mut message = trigger("links/1", "Links with spaces around them", "error");
    message["links"] = json!([
        { "href": "  https://runbooks.example/disk\t", "text": "Runbook" },
        { "href": " javascript:alert(1)", "text": "Not a web link" },
        { "href": "https://a.example/x y", "text": "A space inside" },
        { "href": "http://dash.example/d" }
    ]);
    apply(&mut i, vec![message]);
    let id = f.store.list_events(&EventQuery::new(1, 1)).unwrap().rows[0].id;
    let hrefs: Vec<String> = f
        .store
        .get_event(id)
        .unwrap()
        .links
        .into_iter()
        .map(|l| l.href)
        .collect();
    assert_eq!(
        hrefs,
        ["https://runbooks.example/disk", "http://dash.example/d"]
    );
    // What would open is checked exactly as given: no space before the scheme passes.
    assert!(!eventdesk_core::db::rows::is_web_link(
        " https://runbooks.example/disk"
    ));
    assert!(eventdesk_core::db::rows::is_web_link(
        "https://runbooks.example/disk"
    ));
}

#[test]
fn a_rejections_reason_is_kept_bounded_whatever_the_sender_put_in_it() {
    use eventdesk_core::model::REASON_CHARS;
    use eventdesk_core::services::ingest::Activity;
    let f = Fixture::new();
    let mut i = ingester(&f, "pagerduty");
    // The reason quotes the unknown action it was sent.
    let sent = "z".repeat(100_000);
    let outcomes = i
        .apply(&[once(json!({ "event_action": sent, "dedup_key": "k" }))])
        .unwrap();
    assert!(matches!(&outcomes[0], Outcome::Rejected(e) if e.to_string().len() > 100_000));
    let mut activity = Activity::default();
    activity.record(T0, &outcomes, &[]);
    let kept = &activity.rejections[0].reason;
    assert_eq!(kept.chars().count(), REASON_CHARS + 1, "{kept}");
    assert!(
        kept.starts_with("event_action") || kept.contains("must be"),
        "{kept}"
    );
    assert!(kept.ends_with('…'));
    // A short reason is kept whole.
    let outcomes = i.apply(&[once(json!({ "dedup_key": "k" }))]).unwrap();
    activity.record(T0, &outcomes, &[]);
    assert!(activity.rejections[0].reason.contains("event_action"));
    assert!(!activity.rejections[0].reason.ends_with('…'));
}

#[test]
fn a_dedup_key_belongs_to_its_source_unless_a_setting_joins_sources() {
    use eventdesk_core::services::ingest::groups::DedupGroups;
    let f = Fixture::new();
    let mut pagerduty = ingester(&f, "pagerduty");
    let mut alertmanager = ingester(&f, "alertmanager");
    let raised = apply(&mut pagerduty, vec![trigger("disk", "Disk full", "error")]);
    assert!(matches!(raised[0], Applied::Created { id: 1, .. }));
    // Another sender using the same key cannot resolve, acknowledge or raise that event.
    let other = apply(
        &mut alertmanager,
        vec![
            action("resolve", "disk"),
            action("acknowledge", "disk"),
            trigger("disk", "Forged", "critical"),
        ],
    );
    assert!(matches!(other[0], Applied::Ignored { .. }), "{other:?}");
    assert!(matches!(other[1], Applied::Ignored { .. }), "{other:?}");
    assert!(
        matches!(other[2], Applied::Created { id: 2, .. }),
        "{other:?}"
    );
    let first = f.store.get_event(1).unwrap().event;
    assert_eq!(
        (first.status, first.occurrences, first.title.as_str()),
        (Status::Open, 1, "Disk full")
    );
    // Its own source still finds it.
    let again = apply(&mut pagerduty, vec![trigger("disk", "Disk full", "error")]);
    assert!(
        matches!(again[0], Applied::Updated { id: 1, .. }),
        "{again:?}"
    );

    // Bad groups are refused and change nothing.
    for bad in [
        vec![vec!["pagerduty".to_owned()]],
        vec![
            vec!["pagerduty".into(), "alertmanager".into()],
            vec!["alertmanager".into(), "stdin".into()],
        ],
        vec![vec!["pagerduty".into(), "not a name".into()]],
    ] {
        let e = DedupGroups {
            groups: bad.clone(),
        }
        .save(&f.store)
        .unwrap_err();
        assert!(
            matches!(&e, eventdesk_core::Error::InvalidInput { field, .. } if field == "groups"),
            "{bad:?}: {e}"
        );
    }
    assert_eq!(DedupGroups::load(&f.store).unwrap(), DedupGroups::default());
    // Joined: each finds the other's events, from the next batch on.
    // Names as events show them are taken too.
    let joined = DedupGroups {
        groups: vec![vec!["pagerduty".into(), "alertmanager".into()]],
    };
    let given = DedupGroups {
        groups: vec![vec![" source:pagerduty".into(), "alertmanager ".into()]],
    };
    assert_eq!(given.save(&f.store).unwrap(), joined);
    assert_eq!(DedupGroups::load(&f.store).unwrap(), joined);
    let now = apply(&mut alertmanager, vec![action("resolve", "disk")]);
    assert!(matches!(now[0], Applied::Completed { id: 2 }), "{now:?}");
    let now = apply(&mut alertmanager, vec![action("resolve", "disk")]);
    assert!(matches!(now[0], Applied::Completed { id: 1 }), "{now:?}");
    // A source outside the group still does not.
    let mut stdin = ingester(&f, "stdin");
    let outside = apply(&mut stdin, vec![trigger("disk", "Disk full", "error")]);
    assert!(
        matches!(outside[0], Applied::Created { id: 3, .. }),
        "{outside:?}"
    );
    let mut pagerduty_again = ingester(&f, "pagerduty");
    let inside = apply(&mut pagerduty_again, vec![action("resolve", "disk")]);
    assert!(matches!(inside[0], Applied::Ignored { .. }), "{inside:?}");
}

#[test]
fn events_raised_before_keys_had_owners_belong_to_the_source_that_created_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v10.db");
    let open = || {
        let (feed, _rx) = eventdesk_core::CommitFeed::new();
        std::sync::Arc::new(
            eventdesk_core::Store::open(
                &path,
                feed,
                std::sync::Arc::new(eventdesk_core::SystemClock),
            )
            .unwrap(),
        )
    };
    let source = |store: &eventdesk_core::Store, name: &str| {
        Ingester::for_store(store, Actor::source(name).unwrap(), name, Format::Auto).unwrap()
    };
    {
        let store = open();
        apply(
            &mut source(&store, "pagerduty"),
            vec![trigger("disk", "Disk full", "error")],
        );
    }
    // As version 10 left it: no owner column (nor what later versions added).
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            &format!("{UNDO_ASSIGNEES} {UNDO_NOTES} DROP TABLE senders; DROP INDEX events_acked; DROP INDEX events_unfinished; \
             ALTER TABLE events DROP COLUMN acked_at; ALTER TABLE team_binding DROP COLUMN timers; \
             DROP INDEX events_snoozed; ALTER TABLE events DROP COLUMN snoozed_until; \
             ALTER TABLE team_binding DROP COLUMN max_silence_days; \
             DROP TABLE silences; DROP TABLE event_labels; DROP TRIGGER events_keep_their_labels; \
             ALTER TABLE events DROP COLUMN labels; \
             DROP TABLE source_rejections; ALTER TABLE events DROP COLUMN dedup_owner; \
             PRAGMA user_version = 10;"),
        )
        .unwrap();
    }
    let store = open();
    let other = apply(
        &mut source(&store, "alertmanager"),
        vec![action("resolve", "disk")],
    );
    assert!(matches!(other[0], Applied::Ignored { .. }), "{other:?}");
    let own = apply(
        &mut source(&store, "pagerduty"),
        vec![action("resolve", "disk")],
    );
    assert!(matches!(own[0], Applied::Completed { id: 1 }), "{own:?}");
}

#[test]
fn rejections_are_kept_by_reason_with_counts_bounded_and_across_restarts() {
    use eventdesk_core::services::ingest::Activity;
    let f = Fixture::new();
    let mut s = ingester(&f, "rabbitmq:events");
    let at =
        |offset, body: &str| Incoming::new(body.as_bytes().to_vec(), Delivery::Stream { offset });
    // The same mistake three times, another once, and a good message between.
    let outcomes = s
        .apply(&[
            at(0, "nope"),
            at(1, "nope"),
            at(2, &trigger("a", "A", "info").to_string()),
            at(3, "{}"),
            at(4, "nope"),
        ])
        .unwrap();
    let mut activity = Activity::default();
    activity.record(
        T0,
        &outcomes,
        &[
            None,
            None,
            None,
            Some("offset 3".into()),
            Some("offset 4".into()),
        ],
    );
    let kept = s.rejections().unwrap();
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(activity.rejections.len(), 2, "{:?}", activity.rejections);
    for list in [&kept, &activity.rejections] {
        let not_json = list.iter().find(|r| r.reason.contains("not JSON")).unwrap();
        assert_eq!(
            (not_json.count, not_json.place.as_deref()),
            (3, Some("offset 4"))
        );
        let neither = list.iter().find(|r| r.reason.contains("neither")).unwrap();
        assert_eq!(neither.count, 1);
    }
    // The newest reason first, in memory as kept.
    assert!(activity.rejections[0].reason.contains("not JSON"));
    // A sender inventing a new reason each time grows nothing past the bound.
    let floods: Vec<Incoming> = (0..200)
        .map(|i| at(10 + i, &format!("{{\"event_action\":\"trigger\",\"payload\":{{\"summary\":\"s\",\"source\":\"x\",\"severity\":\"bad-{i}\"}}}}")))
        .collect();
    let outcomes = s.apply(&floods).unwrap();
    assert!(outcomes.iter().all(|o| matches!(o, Outcome::Rejected(_))));
    let counted: i64 = f
        .store
        .connect()
        .unwrap()
        .as_sqlite()
        .query_row(
            "SELECT count(*) FROM source_rejections WHERE source = 'rabbitmq:events'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(counted, eventdesk_core::db::ingest::REJECTIONS_STORED);
    activity.record(T0 + 1, &outcomes, &[]);
    assert_eq!(activity.rejections.len(), Activity::REJECTIONS_KEPT);
    // Another source keeps its own; a new ingester (a restart) finds what was kept.
    assert!(ingester(&f, "rabbitmq:other")
        .rejections()
        .unwrap()
        .is_empty());
    let again = ingester(&f, "rabbitmq:events").rejections().unwrap();
    assert_eq!(again.len(), Activity::REJECTIONS_KEPT);
    assert!(again.windows(2).all(|w| w[0].at >= w[1].at));
}

#[test]
fn a_long_timeline_comes_in_pages_latest_first_with_how_many_come_before() {
    let f = Fixture::new();
    let mut s = ingester(&f, "pagerduty");
    // Created, then raised again 449 times: 450 changes.
    let batch: Vec<Incoming> = (0..450)
        .map(|_| once(trigger("flappy", "Flapping", "warning")))
        .collect();
    s.apply(&batch).unwrap();
    let detail = f.store.get_event(1).unwrap();
    assert_eq!(detail.event.occurrences, 450);
    assert_eq!(
        (detail.history.len(), detail.older),
        (eventdesk_core::HISTORY_PAGE, 250)
    );
    let seqs =
        |changes: &[eventdesk_core::Change]| changes.iter().map(|c| c.seq).collect::<Vec<_>>();
    let latest = seqs(&detail.history);
    assert!(latest.windows(2).all(|w| w[0] < w[1]));
    let page = f.store.event_history(1, latest[0], 200).unwrap();
    assert_eq!((page.changes.len(), page.older), (200, 50));
    assert!(page.changes.last().unwrap().seq < latest[0]);
    let last = f.store.event_history(1, page.changes[0].seq, 200).unwrap();
    assert_eq!((last.changes.len(), last.older), (50, 0));
    // Together, the whole log of the event, once each, in order.
    let all: Vec<i64> = [seqs(&last.changes), seqs(&page.changes), latest].concat();
    assert_eq!(all.len(), 450);
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(last.changes[0].field, eventdesk_core::Field::Created);
    // Bad pages are typed errors.
    for limit in [0, 1_001, -1] {
        assert!(matches!(
            f.store.event_history(1, i64::MAX, limit),
            Err(eventdesk_core::Error::InvalidInput { .. })
        ));
    }
    assert!(matches!(
        f.store.event_history(99, i64::MAX, 10),
        Err(eventdesk_core::Error::NotFound { id: 99 })
    ));
}

#[test]
fn a_channels_bookkeeping_moves_to_its_brokers_name_once_and_no_other_broker_takes_it() {
    let f = Fixture::new();
    let at =
        |offset, body: &str| Incoming::new(body.as_bytes().to_vec(), Delivery::Stream { offset });
    // Kept before bookkeeping named brokers.
    let mut old = ingester(&f, "rabbitmq:alerts");
    old.apply(&[
        at(40, &trigger("a", "A", "info").to_string()),
        at(41, "nope"),
    ])
    .unwrap();
    let named = |key: &str| {
        Ingester::for_store(
            &f.store,
            Actor::source("rabbitmq:alerts").unwrap(),
            key,
            Format::Auto,
        )
        .unwrap()
    };
    // Another broker's queue of the same name takes nothing that is not its own.
    let mut elsewhere = named("rabbitmq:alerts@/@other:5672");
    assert_eq!(
        elsewhere
            .adopt_bookkeeping(|k| k.ends_with("@other:5672"))
            .unwrap(),
        None
    );
    assert_eq!(elsewhere.next_offset().unwrap(), None);
    // This broker's takes the old key's offset and rejections, once.
    let mut here = named("rabbitmq:alerts@/@mq:5672");
    let own = |k: &str| k == "rabbitmq:alerts";
    assert_eq!(
        here.adopt_bookkeeping(own).unwrap().as_deref(),
        Some("rabbitmq:alerts")
    );
    assert_eq!(here.next_offset().unwrap(), Some(42));
    assert_eq!(here.rejections().unwrap().len(), 1);
    assert_eq!(here.adopt_bookkeeping(own).unwrap(), None);
    assert_eq!(ingester(&f, "rabbitmq:alerts").next_offset().unwrap(), None);
    // Applying goes on from there; the other broker's channel from its own start.
    let outcomes = here
        .apply(&[
            at(41, "nope"),
            at(42, &trigger("b", "B", "info").to_string()),
        ])
        .unwrap();
    assert!(matches!(outcomes[0], Outcome::Duplicate), "{outcomes:?}");
    elsewhere
        .apply(&[at(0, &trigger("c", "C", "info").to_string())])
        .unwrap();
    assert_eq!(elsewhere.next_offset().unwrap(), Some(1));
    assert_eq!(here.next_offset().unwrap(), Some(43));
}
