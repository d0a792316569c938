//! How fast events come in, into a database that already holds 1,000,000 events
//! (`EVENTDESK_BENCH_EVENTS`), against floors measured in the same run:
//!
//! - a RabbitMQ stream of `EVENTDESK_BENCH_MESSAGES` PagerDuty messages (200,000; a tenth raise
//!   an earlier key again) read by Eventdesk's consumer, against a bare lapin consumer that
//!   reads and acknowledges the same stream and does nothing else;
//! - the HTTP endpoint under 8 concurrent senders (keep-alive), requests per second and the
//!   p50/p99 time to the answer (which comes after the commit), against the same senders on an
//!   endpoint that answers without parsing or writing.
//!
//! Needs a broker: `bash scripts/bench-ingest.sh` starts a private node and runs this.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark: failing loudly is the point

use eventdesk_core::services::ingest::{Delivery, Format, Incoming, Ingester};
use eventdesk_core::services::seed;
use eventdesk_core::{
    Actor, CommitFeed, EventQuery, MatchOp, Matcher, SilenceDraft, Store, SystemClock,
};
use eventdesk_sources::amqp::{self, Publisher, QueueKind, QueueSource, Until};
use eventdesk_sources::http::{self, HttpConfig};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use common::{bare_consumer, env_number};

const SENDERS: usize = 8;
const REQUESTS_PER_SENDER: usize = 1_500;
const TOKEN: &str = "bench-token-0123456789";

fn trigger(i: usize) -> Vec<u8> {
    let key = if i % 10 == 9 { i - 5 } else { i };
    format!(
        "{{\"event_action\":\"trigger\",\"dedup_key\":\"bench-{key}\",\"payload\":{{\"summary\":\"Queue depth high on broker {key}\",\"source\":\"mq-{}\",\"severity\":\"warning\",\"custom_details\":{{\"depth\":{i}}}}}}}",
        key % 40
    )
    .into_bytes()
}

/// A database with `events` seeded events, and a store on it.
fn seeded(dir: &std::path::Path, events: u64) -> Arc<Store> {
    let path = dir.join("bench.db");
    {
        eventdesk_core::db::prepare(&path, eventdesk_core::db::Check::Now).unwrap();
        let mut conn = eventdesk_core::db::connect(&path).unwrap();
        let now = eventdesk_core::Clock::now_ms(&SystemClock);
        seed::seed(&mut conn, events, 7, now, |_, _| {}).unwrap();
        eventdesk_core::db::checkpoint(&conn).unwrap();
    }
    let (feed, rx) = CommitFeed::new();
    let store = Arc::new(Store::open(&path, feed, Arc::new(SystemClock)).unwrap());
    // As the window's pusher does: each committed set's new and critical events are checked
    // against the active silences (so that muted ones raise no notice).
    let pusher = Arc::clone(&store);
    std::thread::spawn(move || {
        for mut set in rx {
            pusher.quiet_muted(&mut set).unwrap();
        }
    });
    store
}

/// Applies `bodies` in batches of 1,000 without a broker; the time it took.
fn apply_alone(store: &Store, name: &str, bodies: &[Vec<u8>]) -> Duration {
    let mut direct = ingester(store, name, Format::PagerDuty);
    let started = Instant::now();
    for chunk in bodies.chunks(1_000) {
        let batch: Vec<Incoming> = chunk
            .iter()
            .map(|body| Incoming::new(body.clone(), Delivery::Once))
            .collect();
        direct.apply(&batch).unwrap();
    }
    started.elapsed()
}

/// 1,000 active silences, each on one `depth` of the messages from `first` on (one message in
/// `messages / 1,000`); how many messages they mute.
fn silence(store: &Store, first: usize, messages: usize) -> usize {
    let now = eventdesk_core::Clock::now_ms(&SystemClock);
    let step = (messages / 1_000).max(1);
    let matcher = |name: &str, value: String| Matcher {
        name: name.into(),
        op: MatchOp::Equal,
        value,
    };
    for k in 0..1_000 {
        let draft = SilenceDraft {
            matchers: vec![matcher("label.depth", (first + k * step).to_string())],
            starts_at: None,
            ends_at: now + 86_400_000,
            comment: format!("bench {k}"),
        };
        store.add_silence(&draft, &Actor::User).unwrap();
    }
    (0..1_000).filter(|k| k * step < messages).count()
}

fn ingester(store: &Store, name: &str, format: Format) -> Ingester {
    Ingester::for_store(store, Actor::source(name).unwrap(), name, format).unwrap()
}

/// Sends `requests` PagerDuty messages over one keep-alive connection; each answer's time.
fn sender(address: SocketAddr, first: usize, requests: usize) -> Vec<Duration> {
    let stream = TcpStream::connect(address).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut times = Vec::with_capacity(requests);
    for i in first..first + requests {
        let body = trigger(i);
        let started = Instant::now();
        write!(
            writer,
            "POST /v2/enqueue HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {TOKEN}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .unwrap();
        writer.write_all(&body).unwrap();
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(
            status.contains(" 202 ") || status.contains(" 200 "),
            "{status}"
        );
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        times.push(started.elapsed());
    }
    times
}

/// All senders at once: (requests per second, p50, p99).
fn load(address: SocketAddr, base: usize) -> (f64, Duration, Duration) {
    let started = Instant::now();
    let mut times: Vec<Duration> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..SENDERS)
            .map(|s| {
                scope.spawn(move || {
                    sender(address, base + s * REQUESTS_PER_SENDER, REQUESTS_PER_SENDER)
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let elapsed = started.elapsed();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (
        times.len() as f64 / elapsed.as_secs_f64(),
        at(0.5),
        at(0.99),
    )
}

/// An endpoint that answers 202 without parsing or writing: the HTTP floor.
async fn floor_endpoint() -> SocketAddr {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/v2/enqueue",
        post(|_body: axum::body::Bytes| async {
            (
                axum::http::StatusCode::ACCEPTED,
                axum::Json(serde_json::json!({"status": "success"})),
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1_000.0)
}

fn main() {
    let url = std::env::var("EVENTDESK_TEST_AMQP")
        .expect("EVENTDESK_TEST_AMQP: run through scripts/bench-ingest.sh");
    let events = env_number("EVENTDESK_BENCH_EVENTS", 1_000_000) as u64;
    let messages = env_number("EVENTDESK_BENCH_MESSAGES", 200_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    eprintln!("seeding {events} events…");
    let store = seeded(dir.path(), events);

    let stream = format!("bench-{}", std::process::id());
    eprintln!("publishing {messages} messages to {stream}…");
    let published = Instant::now();
    rt.block_on(async {
        let p = Publisher::connect(&eventdesk_sources::amqp::Broker::parse(&url, None).unwrap())
            .await
            .unwrap();
        p.declare(&stream, QueueKind::Stream, None, None, None)
            .await
            .unwrap();
        let sent = p
            .publish("", &stream, (0..messages).map(trigger))
            .await
            .unwrap();
        assert_eq!(sent as usize, messages);
    });
    let publish_time = published.elapsed();

    eprintln!("reading it with a bare consumer…");
    let bare = rt.block_on(bare_consumer(&url, &stream, messages));
    eprintln!("reading it into the database…");
    let source = QueueSource {
        broker: eventdesk_sources::amqp::Broker::parse(&url.clone(), None).unwrap(),
        queue: stream.clone(),
        kind: QueueKind::Stream,
    };
    let status = amqp::status_cell(&source);
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let idle = Duration::from_secs(2);
    let started = Instant::now();
    rt.block_on(amqp::consume(
        source.clone(),
        ingester(&store, &source.channel(), Format::PagerDuty),
        status.clone(),
        stopped,
        Until::Idle(idle),
    ));
    let ours = started.elapsed().saturating_sub(idle);
    let counts = amqp::status_of(&status).activity.counts;
    assert_eq!(counts.applied as usize, messages, "{counts:?}");

    eprintln!("parsing alone, and applying without a broker…");
    let bodies: Vec<Vec<u8>> = (0..messages).map(|i| trigger(messages + i)).collect();
    let started = Instant::now();
    for body in &bodies {
        std::hint::black_box(
            eventdesk_core::services::ingest::parse(body, Format::PagerDuty, Default::default())
                .unwrap(),
        );
    }
    let parse_time = started.elapsed();
    let direct_time = apply_alone(&store, "direct", &bodies);
    eprintln!("applying again with 1,000 active silences…");
    let first = 3 * messages;
    let muted = silence(&store, first, messages);
    let bodies: Vec<Vec<u8>> = (0..messages).map(|i| trigger(first + i)).collect();
    let silenced_time = apply_alone(&store, "silenced", &bodies);
    let page = store.list_events(&EventQuery::new(1, 1)).unwrap();
    assert_eq!(
        page.silenced as usize, muted,
        "the silences mute what they name"
    );

    eprintln!("HTTP: {SENDERS} senders × {REQUESTS_PER_SENDER} requests…");
    let server = rt
        .block_on(http::serve(
            &HttpConfig::loopback(0, TOKEN),
            ingester(&store, "pagerduty", Format::PagerDuty),
            ingester(&store, "alertmanager", Format::Alertmanager),
        ))
        .unwrap();
    let floor = rt.block_on(floor_endpoint());
    let (floor_rate, floor_p50, floor_p99) = load(floor, 0);
    // Keys of its own (a tenth raised again): a dedup key belongs to its source, so the keys
    // applied above by another source would open new events just the same.
    let (rate, p50, p99) = load(server.address(), 2 * messages);

    let per_s = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "\nEventdesk ingest benchmarks: {events} events in the file, {messages} stream messages"
    );
    println!("| measurement | value | floor (same run) | ratio to floor |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| stream → SQLite, messages/s | {:.0} | {:.0} (bare lapin consumer, ack only) | {:.2} |",
        per_s(messages, ours),
        per_s(messages, bare),
        per_s(messages, ours) / per_s(messages, bare)
    );
    println!(
        "| publishing with confirms, messages/s | {:.0} | | |",
        per_s(messages, publish_time)
    );
    println!(
        "| applying alone (no broker, batches of 1,000), messages/s | {:.0} | | |",
        per_s(messages, direct_time)
    );
    println!(
        "| applying alone with 1,000 active silences ({muted} messages muted), messages/s | {:.0} | {:.0} (the same without silences) | {:.2} |",
        per_s(messages, silenced_time),
        per_s(messages, direct_time),
        direct_time.as_secs_f64() / silenced_time.as_secs_f64()
    );
    println!(
        "| parsing alone, messages/s | {:.0} | | |",
        per_s(messages, parse_time)
    );
    println!(
        "| HTTP, {SENDERS} senders, requests/s | {rate:.0} | {floor_rate:.0} (answers without parsing or writing) | {:.2} |",
        rate / floor_rate
    );
    println!(
        "| HTTP p50 / p99 to the answer | {} / {} | {} / {} | |",
        ms(p50),
        ms(p99),
        ms(floor_p50),
        ms(floor_p99)
    );
    // The row of the issue-level table scripts/bench.sh prints.
    let (ours, bare) = (per_s(messages, ours), per_s(messages, bare));
    let summary = serde_json::json!([{
        "step": format!("RabbitMQ stream → committed events, {messages} messages, {events} in the file (msg/s)"),
        "now": format!("{ours:.0}"),
        "floor": format!("a bare lapin consumer (ack only): {bare:.0}/s"),
        "ratio": format!("{:.2}×", ours / bare),
        "goal": "≥ 0.8× the floor, ≥ 50,000/s",
    }, {
        "step": format!("ingest with 1,000 active silences ({muted} of {messages} messages muted), applied alone (msg/s)"),
        "now": format!("{:.0}", per_s(messages, silenced_time)),
        "floor": format!("the same without silences: {:.0}/s", per_s(messages, direct_time)),
        "ratio": format!("{:.2}×", direct_time.as_secs_f64() / silenced_time.as_secs_f64()),
        "goal": "≥ 0.8× the floor",
    }]);
    let dir =
        std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "../../target".into()) + "/bench";
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(format!("{dir}/ingest.json"), summary.to_string()).unwrap();
}
