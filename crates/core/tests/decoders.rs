//! The decoders of what comes from outside: PagerDuty Events v2, Alertmanager's webhook and a
//! team's messages (alerts, actions, roster changes, each with a publisher or none), fed
//! 100,000 inputs each: well-formed ones (whose meaning must survive decoding: properties) and
//! ones mutated at the byte and the JSON level (which must fail with `InvalidInput`, never a
//! panic, and, in a team, be refused as a message without stopping the stream).

use crate::support::Fixture;
use eventdesk_core::model::{MessageLimits, MAX_LABEL_VALUE};
use eventdesk_core::services::ingest::{
    self, AlertAction, Applier, Delivery, Format, Incoming, Outcome,
};
use eventdesk_core::services::team::{ActionMessage, Replica, TeamTarget};
use eventdesk_core::{Action, Error, Severity};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

const INPUTS: usize = 100_000;

const SEVERITIES: [(&str, Severity); 4] = [
    ("critical", Severity::Critical),
    ("error", Severity::Error),
    ("warning", Severity::Warning),
    ("info", Severity::Info),
];

/// A random string: plain, empty, long, or with what breaks naive code (quotes, control
/// characters, non-ASCII, an unpaired surrogate's escape).
fn text(rng: &mut StdRng) -> String {
    match rng.random_range(0..6) {
        0 => String::new(),
        1 => "x".repeat(rng.random_range(1..5_000)),
        2 => "\"\\\u{0}\n\t<script>é漢字🙂".into(),
        3 => format!("db-{}", rng.random::<u32>()),
        4 => (0..rng.random_range(1..40))
            .map(|_| char::from_u32(rng.random_range(1..0x11_0000)).unwrap_or('?'))
            .collect(),
        _ => "disk".into(),
    }
}

/// A random JSON value, nested up to `depth`.
fn value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..if depth == 0 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => json!(rng.random_bool(0.5)),
        2 => json!(rng.random::<i64>()),
        3 => json!(rng.random::<f64>() * 1e300),
        4 => json!(text(rng)),
        5 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| value(rng, depth - 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.random_range(0..4))
                .map(|_| (text(rng), value(rng, depth - 1)))
                .collect(),
        ),
    }
}

/// A well-formed PagerDuty event, with what it must decode to.
fn pagerduty(rng: &mut StdRng) -> (Value, AlertAction, String, Severity) {
    let (name, severity) = SEVERITIES[rng.random_range(0..4)];
    let key = format!("key-{}", rng.random::<u32>());
    let (action, verb) = match rng.random_range(0..3) {
        0 => (AlertAction::Trigger, "trigger"),
        1 => (AlertAction::Acknowledge, "acknowledge"),
        _ => (AlertAction::Resolve, "resolve"),
    };
    let message = json!({
        "routing_key": text(rng),
        "event_action": verb,
        "dedup_key": key,
        "payload": { "summary": format!("Disk full on db-{}", rng.random::<u16>()),
                     "source": "db-7", "severity": name, "component": "postgres",
                     "custom_details": value(rng, 2) },
        "links": [{ "href": "https://runbooks.example/disk", "text": text(rng) }],
    });
    (message, action, key, severity)
}

/// A well-formed Alertmanager message of 1 to 5 alerts, with each one's fingerprint and state.
fn alertmanager(rng: &mut StdRng) -> (Value, Vec<(String, bool)>) {
    let alerts: Vec<(String, bool)> = (0..rng.random_range(1..=5))
        .map(|_| {
            (
                format!("{:016x}", rng.random::<u64>()),
                rng.random_bool(0.3),
            )
        })
        .collect();
    let message = json!({
        "version": "4", "status": "firing", "receiver": "eventdesk",
        "groupKey": "{}:{alertname=\"DiskFull\"}",
        "alerts": alerts.iter().map(|(fingerprint, resolved)| json!({
            "status": if *resolved { "resolved" } else { "firing" },
            "labels": { "alertname": "DiskFull", "instance": text(rng),
                        "severity": SEVERITIES[rng.random_range(0..4)].0 },
            "annotations": { "summary": text(rng) },
            "fingerprint": fingerprint,
        })).collect::<Vec<_>>(),
    });
    (message, alerts)
}

/// `message` changed at one random place: a field removed, retyped or replaced.
fn mutate_json(rng: &mut StdRng, message: &mut Value) {
    let mut at = message;
    loop {
        let children: Vec<String> = match at {
            Value::Object(map) => map.keys().cloned().collect(),
            Value::Array(items) => (0..items.len()).map(|i| i.to_string()).collect(),
            _ => break,
        };
        if children.is_empty() || rng.random_bool(0.35) {
            break;
        }
        let pick = children[rng.random_range(0..children.len())].clone();
        let next_is_leaf = match &at {
            Value::Object(map) => !map[&pick].is_object() && !map[&pick].is_array(),
            Value::Array(items) => {
                let i: usize = pick.parse().unwrap_or(0);
                !items[i].is_object() && !items[i].is_array()
            }
            _ => true,
        };
        if next_is_leaf {
            match at {
                Value::Object(map) if rng.random_bool(0.3) => {
                    map.remove(&pick);
                }
                Value::Object(map) => {
                    map.insert(pick, value(rng, 2));
                }
                Value::Array(items) => {
                    let i: usize = pick.parse().unwrap_or(0);
                    items[i] = value(rng, 2);
                }
                _ => {}
            }
            return;
        }
        at = match at {
            Value::Object(map) => map.get_mut(&pick).unwrap_or_else(|| unreachable!()),
            Value::Array(items) => &mut items[pick.parse::<usize>().unwrap_or(0)],
            _ => unreachable!(),
        };
    }
    *at = value(rng, 3);
}

/// `bytes` changed at the byte level: flipped, cut, or with bytes inserted.
fn mutate_bytes(rng: &mut StdRng, bytes: &mut Vec<u8>) {
    for _ in 0..rng.random_range(1..4) {
        if bytes.is_empty() {
            bytes.push(rng.random());
            continue;
        }
        let i = rng.random_range(0..bytes.len());
        match rng.random_range(0..3) {
            0 => bytes[i] ^= 1 << rng.random_range(0..8),
            1 => bytes.truncate(i),
            _ => bytes.insert(
                i,
                *b"{}[]\",:\\\0\xff"
                    .get(rng.random_range(0..11))
                    .unwrap_or(&0),
            ),
        }
    }
}

/// Decodes without panicking; a failure must be a refusal of the input.
fn decode(body: &[u8], format: Format) -> Option<Vec<ingest::Alert>> {
    let limits = MessageLimits::default();
    match catch_unwind(AssertUnwindSafe(|| ingest::parse(body, format, limits))) {
        Ok(Ok(alerts)) => Some(alerts),
        Ok(Err(Error::InvalidInput { .. })) => None,
        Ok(Err(other)) => panic!("not a refusal of the input: {other:?} for {body:?}"),
        Err(_) => panic!("panicked on {:?}", String::from_utf8_lossy(body)),
    }
}

#[test]
fn pagerduty_and_alertmanager_decoders_keep_meaning_and_refuse_the_rest_without_panicking() {
    let mut rng = StdRng::seed_from_u64(26);
    let (mut refused, mut taken) = (0, 0);
    for i in 0..INPUTS {
        let pd = i % 2 == 0;
        let format = match i % 3 {
            0 => Format::Auto,
            _ if pd => Format::PagerDuty,
            _ => Format::Alertmanager,
        };
        match i % 4 {
            // Well-formed: what the sender meant comes out.
            0 | 1 if pd => {
                let (message, action, key, severity) = pagerduty(&mut rng);
                let alerts = decode(message.to_string().as_bytes(), format)
                    .unwrap_or_else(|| panic!("refused {message}"));
                assert_eq!(alerts.len(), 1);
                assert_eq!(alerts[0].action, action);
                assert_eq!(alerts[0].dedup_key.as_deref(), Some(key.as_str()));
                if action == AlertAction::Trigger {
                    assert_eq!(alerts[0].severity, severity, "{message}");
                }
                taken += 1;
            }
            0 | 1 => {
                let (message, expected) = alertmanager(&mut rng);
                // A label longer than an event may carry refuses the whole message.
                let too_long = message["alerts"].as_array().unwrap().iter().any(|a| {
                    a["labels"]["instance"].as_str().unwrap().chars().count() > MAX_LABEL_VALUE
                });
                if too_long {
                    assert!(decode(message.to_string().as_bytes(), format).is_none());
                    refused += 1;
                    continue;
                }
                let alerts = decode(message.to_string().as_bytes(), format)
                    .unwrap_or_else(|| panic!("refused {message}"));
                let got: Vec<(String, bool)> = alerts
                    .iter()
                    .map(|a| {
                        (
                            a.dedup_key.clone().unwrap_or_default(),
                            a.action == AlertAction::Resolve,
                        )
                    })
                    .collect();
                assert_eq!(got, expected, "{message}");
                assert!(alerts.iter().all(|a| a.title.chars().count() <= 1_024));
                taken += 1;
            }
            // Mutated: decoded or refused, never a panic.
            2 => {
                let mut message = if pd {
                    pagerduty(&mut rng).0
                } else {
                    alertmanager(&mut rng).0
                };
                mutate_json(&mut rng, &mut message);
                match decode(message.to_string().as_bytes(), format) {
                    Some(_) => taken += 1,
                    None => refused += 1,
                }
            }
            _ => {
                let mut bytes = if pd {
                    pagerduty(&mut rng).0
                } else {
                    alertmanager(&mut rng).0
                }
                .to_string()
                .into_bytes();
                mutate_bytes(&mut rng, &mut bytes);
                match decode(&bytes, format) {
                    Some(_) => taken += 1,
                    None => refused += 1,
                }
            }
        }
    }
    // Both kinds of outcome were reached: the mutations are not all harmless or all fatal.
    assert!(
        refused > INPUTS / 10 && taken > INPUTS / 2,
        "{refused} refused, {taken} taken"
    );
}

#[test]
fn a_team_replica_takes_a_hundred_thousand_mutated_messages_refusing_each_bad_one_alone() {
    let f = Fixture::new();
    let mut replica = Replica::for_store(&f.store, &"ops/alice".parse().unwrap()).unwrap();
    let mut rng = StdRng::seed_from_u64(27);
    let mut offset = 0;
    let (mut refused, mut applied) = (0, 0);
    // In batches, as a consumer hands them over.
    for _ in 0..INPUTS / 1_000 {
        let batch: Vec<Incoming> = (0..1_000)
            .map(|_| {
                let mut message = match rng.random_range(0..3) {
                    0 => pagerduty(&mut rng).0,
                    1 => alertmanager(&mut rng).0,
                    _ => serde_json::from_slice(
                        &ActionMessage {
                            id: format!("a-{}", rng.random::<u32>()),
                            desk: "desk-a".into(),
                            action: [Action::Acknowledge, Action::Complete, Action::Reopen]
                                [rng.random_range(0..3)],
                            targets: vec![TeamTarget {
                                event: format!("{}", rng.random_range(0..offset.max(1))),
                                expected_version: rng.random_range(0..3),
                            }],
                        }
                        .to_body(),
                    )
                    .unwrap_or(Value::Null),
                };
                let mut body = if rng.random_bool(0.5) {
                    mutate_json(&mut rng, &mut message);
                    message.to_string().into_bytes()
                } else {
                    let mut bytes = message.to_string().into_bytes();
                    mutate_bytes(&mut rng, &mut bytes);
                    bytes
                };
                if rng.random_bool(0.01) {
                    body = vec![b'x'; 300 * 1024]; // past the team's limit
                }
                let mut incoming = Incoming::new(body, Delivery::Stream { offset });
                incoming.user_id = match rng.random_range(0..3) {
                    0 => None,
                    1 => Some("alice".into()),
                    _ => Some(text(&mut rng)),
                };
                offset += 1;
                incoming
            })
            .collect();
        let outcomes = catch_unwind(AssertUnwindSafe(|| replica.apply(&batch)))
            .unwrap_or_else(|_| panic!("the replica panicked on a batch"))
            .unwrap_or_else(|e| panic!("a bad message failed the whole batch: {e}"));
        assert_eq!(outcomes.len(), batch.len());
        for outcome in outcomes {
            match outcome {
                Outcome::Rejected(_) => refused += 1,
                Outcome::Applied(_) => applied += 1,
                Outcome::Duplicate => {}
            }
        }
    }
    assert_eq!(replica.next_offset().unwrap(), Some(offset));
    assert!(
        refused > 0 && applied > 0,
        "{refused} refused, {applied} applied"
    );
    // The file holds together after it all.
    let conn = f.store.connect().unwrap();
    eventdesk_core::db::quick_check(&conn, f.store.path()).unwrap();
}

#[test]
fn labels_come_from_alertmanagers_labels_and_pagerdutys_fields_within_bounds() {
    let am = json!({ "version": "4", "alerts": [{
        "status": "firing", "fingerprint": "f1",
        "labels": { "alertname": "DiskFull", "instance": "db-1", "team": "storage" },
    }]});
    let alerts = decode(am.to_string().as_bytes(), Format::Auto).unwrap();
    let labels: Vec<(&str, &str)> = alerts[0]
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            ("alertname", "DiskFull"),
            ("instance", "db-1"),
            ("team", "storage")
        ]
    );

    let pd = json!({ "event_action": "trigger", "routing_key": "k", "payload": {
        "summary": "Disk full", "source": "db-1", "severity": "error",
        "component": "postgres", "group": "storage", "class": "disk",
        "custom_details": { "free": 0, "mounted": true, "path": "/var",
                            "class": "ignored: the field wins", "nested": { "a": 1 },
                            "trace": "line 1\nline 2", "long": "x".repeat(MAX_LABEL_VALUE + 1) },
    }});
    let alerts = decode(pd.to_string().as_bytes(), Format::Auto).unwrap();
    let labels: Vec<(&str, &str)> = alerts[0]
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            ("class", "disk"),
            ("component", "postgres"),
            ("free", "0"),
            ("group", "storage"),
            ("mounted", "true"),
            ("path", "/var")
        ]
    );

    // Out of bounds: refused whole, saying why.
    let many: serde_json::Map<String, Value> = (0..65)
        .map(|i| (format!("l{i}"), Value::String("v".into())))
        .collect();
    let am = json!({ "version": "4", "alerts": [{
        "status": "firing", "fingerprint": "f2", "labels": many }]});
    let pd = json!({ "event_action": "trigger", "routing_key": "k", "payload": {
        "summary": "s", "source": "s", "severity": "info", "component": "c".repeat(1025) }});
    for (message, field, problem) in [
        (am, "alerts.labels", "65 labels"),
        (pd, "payload.component", "longer than 1024"),
    ] {
        match ingest::parse(
            message.to_string().as_bytes(),
            Format::Auto,
            MessageLimits::default(),
        ) {
            Err(Error::InvalidInput { field: f, message }) => {
                assert_eq!(f, field);
                assert!(message.contains(problem), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
