//! Team desks through a real RabbitMQ stream, against floors measured in the same run:
//!
//! - **replay**: a new desk reads a team stream of `EVENTDESK_BENCH_MESSAGES` messages (100,000:
//!   nine in ten PagerDuty triggers, one in ten operators' actions) into an empty file, against
//!   a bare lapin consumer that reads and acknowledges the same stream and does nothing else;
//! - **another desk's action**: desk A publishes an action (with confirms) and desk B, replicating
//!   the stream, has committed it: p50/p99 over 300 actions sent one at a time, against the same
//!   publish reaching a bare consumer.
//!
//! Needs a broker: `bash scripts/bench-team.sh` starts a private node and runs this.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark: failing loudly is the point

mod common;

use common::{bare_consumer, env_number};
use eventdesk_core::services::team::{ActionMessage, Replica, TeamRef, TeamTarget};
use eventdesk_core::{Action, CommitFeed, Store, SystemClock};
use eventdesk_sources::amqp::{
    self, Broker, Publisher, QueueKind, QueueSource, QueueStatus, Until,
};
use futures_lite::StreamExt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LIVE_ACTIONS: usize = 300;

fn trigger(i: usize) -> Vec<u8> {
    format!(
        "{{\"event_action\":\"trigger\",\"dedup_key\":\"team-{i}\",\"payload\":{{\"summary\":\"Replica lag on db-{i}\",\"source\":\"db-{}\",\"severity\":\"warning\"}}}}",
        i % 40
    )
    .into_bytes()
}

fn action(n: usize, event: usize) -> Vec<u8> {
    ActionMessage {
        id: format!("bench-{n}"),
        desk: "desk-a".into(),
        action: Action::Complete,
        targets: vec![TeamTarget {
            event: event.to_string(),
            expected_version: 1,
        }],
    }
    .to_body()
}

/// An empty desk file and a store on it, with the receiver of its commits.
fn desk(
    dir: &std::path::Path,
    name: &str,
) -> (
    Arc<Store>,
    std::sync::mpsc::Receiver<eventdesk_core::ChangeSet>,
) {
    let (feed, rx) = CommitFeed::new();
    let store = Store::open(&dir.join(format!("{name}.db")), feed, Arc::new(SystemClock)).unwrap();
    (Arc::new(store), rx)
}

fn source(url: &str, stream: &str) -> QueueSource {
    QueueSource {
        broker: Broker::parse(url, None).unwrap(),
        queue: stream.to_owned(),
        kind: QueueKind::Stream,
    }
}

/// The team on `stream` founded by the URL's user (who publishes the actions: an admin).
fn team(url: &str, stream: &str) -> TeamRef {
    TeamRef::new(stream, Broker::parse(url, None).unwrap().user()).unwrap()
}

fn quantiles(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (at(0.5), at(0.99))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1_000.0)
}

/// Publish → delivered to a bare consumer, one message at a time.
async fn bare_round_trips(url: &str, stream: &str, count: usize) -> Vec<Duration> {
    let conn = lapin::Connection::connect(url, lapin::ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    channel
        .basic_qos(100, lapin::options::BasicQosOptions::default())
        .await
        .unwrap();
    let mut args = lapin::types::FieldTable::default();
    args.insert(
        "x-stream-offset".into(),
        lapin::types::AMQPValue::LongString("next".into()),
    );
    let mut consumer = channel
        .basic_consume(
            stream.into(),
            "bench-floor".into(),
            lapin::options::BasicConsumeOptions::default(),
            args,
        )
        .await
        .unwrap();
    let publisher = Publisher::connect(&Broker::parse(url, None).unwrap())
        .await
        .unwrap();
    // The consumer is attached once a first message reaches it.
    publisher.publish("", stream, [trigger(0)]).await.unwrap();
    let first = consumer.next().await.unwrap().unwrap();
    first
        .ack(lapin::options::BasicAckOptions::default())
        .await
        .unwrap();
    let mut times = Vec::with_capacity(count);
    for i in 0..count {
        let started = Instant::now();
        publisher.publish("", stream, [trigger(i)]).await.unwrap();
        let delivery = consumer.next().await.unwrap().unwrap();
        times.push(started.elapsed());
        delivery
            .ack(lapin::options::BasicAckOptions::default())
            .await
            .unwrap();
    }
    times
}

fn main() {
    let url = std::env::var("EVENTDESK_TEST_AMQP")
        .expect("EVENTDESK_TEST_AMQP: run through scripts/bench-team.sh");
    let messages = env_number("EVENTDESK_BENCH_MESSAGES", 100_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let id = std::process::id();

    // Replay: a team stream with events and actions on them, read by a new desk.
    let stream = format!("bench-team-{id}");
    eprintln!("publishing {messages} team messages to {stream}…");
    rt.block_on(async {
        let p = Publisher::connect(&Broker::parse(&url, None).unwrap())
            .await
            .unwrap();
        p.declare(&stream, QueueKind::Stream, None, None, None)
            .await
            .unwrap();
        // Offsets 0.. are the messages in order: message i at offset i. Each tenth message
        // completes the event the message five before it created.
        let bodies = (0..messages).map(|i| {
            if i % 10 == 9 {
                action(i, i - 5)
            } else {
                trigger(i)
            }
        });
        assert_eq!(
            p.publish("", &stream, bodies).await.unwrap() as usize,
            messages
        );
    });
    eprintln!("reading it with a bare consumer…");
    let bare = rt.block_on(bare_consumer(&url, &stream, messages));
    eprintln!("replaying it into a new desk…");
    let (store, rx) = desk(dir.path(), "new-desk");
    std::thread::spawn(move || for _ in rx {});
    let status = Arc::new(Mutex::new(QueueStatus::new(&source(&url, &stream))));
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let idle = Duration::from_secs(2);
    let started = Instant::now();
    rt.block_on(amqp::consume(
        source(&url, &stream),
        Replica::for_store(&store, &team(&url, &stream)).unwrap(),
        status.clone(),
        stopped,
        Until::Idle(idle),
    ));
    let replay = started.elapsed().saturating_sub(idle);
    let counts = amqp::status_of(&status).activity.counts;
    assert_eq!(counts.applied as usize, messages, "{counts:?}");
    assert_eq!(counts.completed as usize, messages / 10, "{counts:?}");

    // Another desk's action: desk B replicates a live stream; desk A publishes actions on it.
    let live = format!("bench-team-live-{id}");
    let (desk_b, commits) = desk(dir.path(), "desk-b");
    let status = Arc::new(Mutex::new(QueueStatus::new(&source(&url, &live))));
    let (stop_b, stopped_b) = tokio::sync::watch::channel(false);
    let publisher = rt.block_on(async {
        let p = Publisher::connect(&Broker::parse(&url, None).unwrap())
            .await
            .unwrap();
        p.declare(&live, QueueKind::Stream, None, None, None)
            .await
            .unwrap();
        p.publish("", &live, (0..LIVE_ACTIONS).map(trigger))
            .await
            .unwrap();
        p
    });
    let replica = Replica::for_store(&desk_b, &team(&url, &live)).unwrap();
    let consumer = rt.spawn(amqp::consume(
        source(&url, &live),
        replica,
        status,
        stopped_b,
        Until::Stopped,
    ));
    // Desk B has the events once it committed them all.
    let mut created = 0;
    while created < LIVE_ACTIONS {
        created += commits.recv().unwrap().created.len();
    }
    eprintln!("{LIVE_ACTIONS} actions from desk A, each until desk B committed it…");
    let mut seen = Vec::with_capacity(LIVE_ACTIONS);
    for n in 0..LIVE_ACTIONS {
        let started = Instant::now();
        rt.block_on(publisher.publish("", &live, [action(n, n)]))
            .unwrap();
        // Event with team key n is local id n + 1 on desk B (one event per message).
        let want = (n + 1) as i64;
        loop {
            let set = commits.recv_timeout(Duration::from_secs(10)).unwrap();
            if set.rows.iter().any(|e| e.id == want) {
                break;
            }
        }
        seen.push(started.elapsed());
    }
    let _ = stop_b.send(true);
    rt.block_on(consumer).unwrap();
    eprintln!("the same publishes to a bare consumer…");
    let floor_stream = format!("bench-team-floor-{id}");
    rt.block_on(publisher.declare(&floor_stream, QueueKind::Stream, None, None, None))
        .unwrap();
    let floor = rt.block_on(bare_round_trips(&url, &floor_stream, LIVE_ACTIONS));

    let per_s = |d: Duration| messages as f64 / d.as_secs_f64();
    let (p50, p99) = quantiles(seen);
    let (floor_p50, floor_p99) = quantiles(floor);
    println!(
        "\nEventdesk team benchmarks: {messages} messages replayed, {LIVE_ACTIONS} live actions"
    );
    println!("| measurement | value | floor (same run) | ratio to floor |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| replay into a new desk, messages/s | {:.0} | {:.0} (bare lapin consumer, ack only) | {:.2} |",
        per_s(replay),
        per_s(bare),
        per_s(replay) / per_s(bare)
    );
    println!(
        "| another desk's action, publish → committed here, p50 / p99 | {} / {} | {} / {} (publish → bare consumer) | {:.2} / {:.2} |",
        ms(p50),
        ms(p99),
        ms(floor_p50),
        ms(floor_p99),
        p50.as_secs_f64() / floor_p50.as_secs_f64(),
        p99.as_secs_f64() / floor_p99.as_secs_f64()
    );
}
