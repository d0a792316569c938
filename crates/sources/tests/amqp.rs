//! RabbitMQ, against a real broker (never a mock): streams are read exactly once from the
//! offset kept with the changes, queues are acknowledged after the commit, and a broker that
//! is away is reported and waited for.

use crate::support::{broker, trigger, unique, Desk};
use eventdesk_core::services::ingest::Format;
use eventdesk_sources::amqp::{
    self, Broker, Publisher, QueueKind, QueueSource, QueueState, QueueStatus, Until,
};
use std::time::{Duration, Instant};

/// 10,000 PagerDuty messages: every tenth raises an earlier key again, every fiftieth is
/// malformed. Returns them with (distinct keys, valid triggers, malformed).
fn ten_thousand() -> (Vec<Vec<u8>>, usize, usize, usize) {
    let mut bodies = Vec::new();
    let (mut keys, mut triggers, mut malformed) = (0, 0, 0);
    for i in 0..10_000 {
        if i % 50 == 49 {
            malformed += 1;
            bodies.push(format!("{{\"event_action\": \"trigger\", \"n\": {i}").into_bytes());
        } else if i % 10 == 9 {
            triggers += 1;
            bodies.push(
                trigger(&format!("k{}", i - 5), "Disk full again", "critical")
                    .to_string()
                    .into_bytes(),
            );
        } else {
            keys += 1;
            triggers += 1;
            bodies.push(
                trigger(&format!("k{i}"), &format!("Disk full on db-{i}"), "error")
                    .to_string()
                    .into_bytes(),
            );
        }
    }
    (bodies, keys, triggers, malformed)
}

fn consume_until_idle(
    rt: &tokio::runtime::Runtime,
    desk: &Desk,
    source: &QueueSource,
) -> QueueStatus {
    let channel = source.channel();
    let ingester = desk.ingester(&channel, Format::Auto);
    let status = amqp::status_cell(source);
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    rt.block_on(amqp::consume(
        source.clone(),
        ingester,
        status.clone(),
        stopped,
        Until::Idle(Duration::from_secs(2)),
    ));
    amqp::status_of(&status)
}

fn sums(desk: &Desk) -> (usize, i64) {
    let rows = desk.rows();
    (rows.len(), rows.iter().map(|r| r.1).sum())
}

#[test]
fn a_stream_is_applied_exactly_once_and_a_restart_goes_on_where_it_stopped() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = broker();
    let stream = unique("stream");
    let (bodies, keys, triggers, malformed) = ten_thousand();
    rt.block_on(async {
        let p = Publisher::connect(&Broker::parse(&url, None).unwrap())
            .await
            .unwrap();
        p.declare(&stream, QueueKind::Stream, None, None, None)
            .await
            .unwrap();
        assert_eq!(p.publish("", &stream, bodies).await.unwrap(), 10_000);
    });
    let desk = Desk::new();
    let source = QueueSource {
        broker: Broker::parse(&url.clone(), None).unwrap(),
        queue: stream.clone(),
        kind: QueueKind::Stream,
    };
    let status = consume_until_idle(&rt, &desk, &source);
    assert_eq!(status.state, QueueState::Stopped);
    assert_eq!(
        (
            status.activity.counts.applied,
            status.activity.counts.rejected
        ),
        ((10_000 - malformed) as i64, malformed as i64)
    );
    assert!(status.activity.rejections[0].reason.contains("not JSON"));
    assert!(status.activity.rejections[0]
        .place
        .as_deref()
        .unwrap()
        .starts_with("offset "));
    // Kept by reason, each with its count: a few reasons for all the malformed messages.
    let reasons = &status.activity.rejections;
    assert!(reasons.len() < 10, "{reasons:?}");
    assert_eq!(
        reasons.iter().map(|r| r.count).sum::<i64>(),
        malformed as i64,
        "every rejection counted under its reason"
    );
    assert_eq!(
        sums(&desk),
        (keys, triggers as i64),
        "one event per key, one occurrence per trigger"
    );
    // Read again: nothing is applied twice; new messages are.
    let again = consume_until_idle(&rt, &desk, &source);
    assert_eq!(
        again.activity.counts.applied + again.activity.counts.rejected,
        0
    );
    rt.block_on(async {
        let p = Publisher::connect(&Broker::parse(&url, None).unwrap())
            .await
            .unwrap();
        let more = (0..100).map(|i| {
            trigger(&format!("late{i}"), "Late arrival", "info")
                .to_string()
                .into_bytes()
        });
        p.publish("", &stream, more).await.unwrap();
    });
    let last = consume_until_idle(&rt, &desk, &source);
    assert_eq!(last.activity.counts.created, 100);
    assert_eq!(sums(&desk), (keys + 100, triggers as i64 + 100));
    // A second desk reading the same stream gets the same events.
    let other = Desk::new();
    consume_until_idle(&rt, &other, &source);
    assert_eq!(sums(&other), sums(&desk));
}

#[test]
fn a_queue_bound_to_an_exchange_is_applied_once_and_acknowledged() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = broker();
    let queue = unique("queue");
    rt.block_on(async {
        let p = Publisher::connect(&Broker::parse(&url, None).unwrap())
            .await
            .unwrap();
        p.declare(
            &queue,
            QueueKind::Queue,
            Some(("amq.topic", "alerts.#")),
            None,
            None,
        )
        .await
        .unwrap();
        let bodies = (0..2_000).map(|i| {
            trigger(&format!("q{}", i % 1_500), "Replica lag", "warning")
                .to_string()
                .into_bytes()
        });
        assert_eq!(
            p.publish("amq.topic", "alerts.db", bodies).await.unwrap(),
            2_000
        );
    });
    let desk = Desk::new();
    let source = QueueSource {
        broker: Broker::parse(&url.clone(), None).unwrap(),
        queue: queue.clone(),
        kind: QueueKind::Queue,
    };
    let status = consume_until_idle(&rt, &desk, &source);
    assert_eq!(
        (
            status.activity.counts.applied,
            status.activity.counts.duplicates
        ),
        (2_000, 0)
    );
    assert_eq!(sums(&desk), (1_500, 2_000));
    // Everything was acknowledged: reading again finds nothing.
    let again = consume_until_idle(&rt, &desk, &source);
    assert_eq!(again.activity.counts.applied, 0);
}

#[test]
fn a_broker_that_is_away_or_a_missing_queue_is_reported_and_retried_without_writing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let desk = Desk::new();
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for source in [
        QueueSource {
            broker: Broker::parse(&format!("amqp://guest:guest@127.0.0.1:{closed}/%2f"), None)
                .unwrap(),
            queue: "alerts".into(),
            kind: QueueKind::Stream,
        },
        QueueSource {
            broker: Broker::parse(&broker(), None).unwrap(),
            queue: unique("missing"),
            kind: QueueKind::Stream,
        },
    ] {
        let status = amqp::status_cell(&source);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let task = rt.spawn(amqp::consume(
            source.clone(),
            desk.ingester(&source.channel(), Format::Auto),
            status.clone(),
            stopped,
            Until::Stopped,
        ));
        let started = Instant::now();
        let error = loop {
            if let QueueState::Offline { error, .. } = amqp::status_of(&status).state {
                break error;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "never reported offline"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        if source.queue == "alerts" {
            assert!(error.contains("RabbitMQ"), "{error}");
        } else {
            assert!(error.contains("no queue"), "{error}");
        }
        // The password is never shown.
        assert!(!amqp::status_of(&status).url.contains("guest:guest"));
        stop.send(true).unwrap();
        rt.block_on(task).unwrap();
        assert_eq!(amqp::status_of(&status).state, QueueState::Stopped);
    }
    assert_eq!(desk.counts(), (0, 0));
}

#[test]
fn urls_and_queue_names_are_checked_before_connecting() {
    for (url, says) in [
        ("http://localhost:5672", "amqp://"),
        ("amqp://host:notaport/%2f", "not a URL"),
        ("", "no RabbitMQ URL"),
    ] {
        let error = Broker::parse(url, None).unwrap_err().to_string();
        assert!(error.contains(says), "{url}: {error}");
    }
    for queue in [String::new(), "q".repeat(256)] {
        let source = QueueSource {
            broker: Broker::parse("amqp://localhost", None).unwrap(),
            queue,
            kind: QueueKind::Stream,
        };
        let error = source.validate().unwrap_err().to_string();
        assert!(error.contains("1 to 255"), "{error}");
    }
    let source = QueueSource {
        broker: Broker::parse("amqps://ops:hunter2@mq.example:5671/prod", None).unwrap(),
        queue: "alerts".into(),
        kind: QueueKind::Queue,
    };
    assert_eq!(source.shown_url(), "amqps://ops@mq.example:5671/prod");
    assert_eq!(source.channel(), "rabbitmq:alerts");
}

#[test]
fn a_malformed_queue_message_is_rejected_to_the_dead_letter_exchange_and_the_rest_applied() {
    use lapin::options::{BasicGetOptions, QueueDeclareOptions};
    use lapin::types::{AMQPValue, FieldTable};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = broker();
    let queue = unique("dlx");
    let dead = format!("{queue}-dead");
    rt.block_on(async {
        let conn = lapin::Connection::connect(&url, lapin::ConnectionProperties::default())
            .await
            .unwrap();
        let ch = conn.create_channel().await.unwrap();
        let durable = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        ch.queue_declare(dead.as_str().into(), durable, FieldTable::default())
            .await
            .unwrap();
        let mut args = FieldTable::default();
        args.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString("".into()),
        );
        args.insert(
            "x-dead-letter-routing-key".into(),
            AMQPValue::LongString(dead.as_str().into()),
        );
        ch.queue_declare(queue.as_str().into(), durable, args)
            .await
            .unwrap();
        let p = Publisher::connect(&Broker::parse(&url, None).unwrap())
            .await
            .unwrap();
        let bodies = vec![
            trigger("good-1", "Disk full", "error")
                .to_string()
                .into_bytes(),
            b"{\"event_action\": \"explode\"}".to_vec(),
            trigger("good-2", "CPU hot", "warning")
                .to_string()
                .into_bytes(),
        ];
        p.publish("", &queue, bodies).await.unwrap();
    });
    let desk = Desk::new();
    let source = QueueSource {
        broker: Broker::parse(&url.clone(), None).unwrap(),
        queue: queue.clone(),
        kind: QueueKind::Queue,
    };
    let status = consume_until_idle(&rt, &desk, &source);
    assert_eq!(
        (
            status.activity.counts.applied,
            status.activity.counts.rejected
        ),
        (2, 1)
    );
    let rejection = &status.activity.rejections[0];
    assert!(rejection.reason.contains("event_action"), "{rejection:?}");
    assert!(
        rejection
            .place
            .as_deref()
            .unwrap()
            .starts_with("message eventdesk-"),
        "{rejection:?}"
    );
    assert_eq!(
        status
            .activity
            .last
            .as_deref()
            .map(|l| l.starts_with("message ")),
        Some(true)
    );
    assert_eq!(sums(&desk), (2, 2));
    let dead_letter = rt.block_on(async {
        let conn = lapin::Connection::connect(&url, lapin::ConnectionProperties::default())
            .await
            .unwrap();
        let ch = conn.create_channel().await.unwrap();
        ch.basic_get(dead.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap()
    });
    let message = dead_letter.expect("the malformed message was dead-lettered");
    assert_eq!(message.delivery.data, b"{\"event_action\": \"explode\"}");
}

/// An applier with a bug: it panics on the first batch.
struct Panicking;

impl eventdesk_core::services::ingest::Applier for Panicking {
    fn next_offset(&self) -> eventdesk_core::Result<Option<i64>> {
        Ok(None)
    }

    fn apply(
        &mut self,
        _: &[eventdesk_core::services::ingest::Incoming],
    ) -> eventdesk_core::Result<Vec<eventdesk_core::services::ingest::Outcome>> {
        panic!("a bug in the applier");
    }

    fn max_message(&self) -> usize {
        1024
    }
}

#[test]
fn a_consumer_that_panics_is_shown_failed_not_connected() {
    let url = broker();
    let stream = unique("panics");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let p = Publisher::connect(&Broker::parse(&url, None).unwrap())
            .await
            .unwrap();
        p.declare(&stream, QueueKind::Stream, None, None, None)
            .await
            .unwrap();
        p.publish(
            "",
            &stream,
            [trigger("k", "Disk full", "error").to_string().into_bytes()],
        )
        .await
        .unwrap();
    });
    let source = QueueSource {
        broker: Broker::parse(&url, None).unwrap(),
        queue: stream,
        kind: QueueKind::Stream,
    };
    let status = amqp::status_cell(&source);
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    amqp::spawn_consumer(
        rt.handle(),
        source,
        Panicking,
        status.clone(),
        stopped,
        Until::Stopped,
    );
    let started = Instant::now();
    loop {
        match amqp::status_of(&status).state {
            QueueState::Failed { error, .. } => {
                assert!(error.contains("internal error"), "{error}");
                break;
            }
            other => assert!(
                started.elapsed() < Duration::from_secs(30),
                "still {other:?}"
            ),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_desk_whose_file_is_locked_says_so_and_applies_once_it_is_free() {
    let url = broker();
    let stream = unique("held");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let p = Publisher::connect(&Broker::parse(&url, None).unwrap())
            .await
            .unwrap();
        p.declare(&stream, QueueKind::Stream, None, None, None)
            .await
            .unwrap();
        p.publish(
            "",
            &stream,
            [trigger("k", "Disk full", "error").to_string().into_bytes()],
        )
        .await
        .unwrap();
    });
    let desk = Desk::new();
    // Another program holds the file's write lock for longer than a write waits for it.
    let other = rusqlite::Connection::open(desk.path()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let source = QueueSource {
        broker: Broker::parse(&url, None).unwrap(),
        queue: stream,
        kind: QueueKind::Stream,
    };
    let status = amqp::status_cell(&source);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    amqp::spawn_consumer(
        rt.handle(),
        source.clone(),
        desk.ingester(&source.channel(), Format::Auto),
        status.clone(),
        stopped,
        Until::Stopped,
    );
    let wait_for = |what: &str, done: &dyn Fn(&QueueState) -> bool| {
        let started = Instant::now();
        loop {
            let state = amqp::status_of(&status).state;
            if done(&state) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{what}: still {state:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    // Not "offline": the broker is fine, the file is not free.
    wait_for(
        "held by the file",
        &|s| matches!(s, QueueState::Held { error, .. } if error.contains("busy")),
    );
    assert!(desk.rows().is_empty());
    other.execute_batch("ROLLBACK").unwrap();
    wait_for("connected again", &|s| {
        matches!(s, QueueState::Connected { .. })
    });
    let started = Instant::now();
    while desk.rows().len() != 1 {
        assert!(started.elapsed() < Duration::from_secs(60), "never applied");
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = stop.send(true);
}
