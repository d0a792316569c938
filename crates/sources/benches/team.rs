//! Team desks through a real RabbitMQ stream, each measurement beside a floor measured in the
//! same run:
//!
//! - **catch-up**: a new desk reads a team stream of `EVENTDESK_BENCH_MESSAGES` messages
//!   (1,000,000: nine in ten PagerDuty triggers, one in ten actions by the founder) from offset 0
//!   into an empty file, with the process's peak resident memory during it, against a bare lapin
//!   consumer that reads and acknowledges the same stream and does nothing else;
//! - **gateway**: HTTP requests to the gateway's `/v2/enqueue`, each answered after the broker's
//!   confirm, from 16 keep-alive connections at full speed (throughput) and paced at 1,000 a
//!   second (p50/p99), against bare lapin publishing the same bodies with confirms from 16 tasks;
//! - **another desk's action**: desk A publishes an action (with confirms) while 1,000 events a
//!   second flow through the gateway, and desk B, replicating the stream, has committed it:
//!   p50/p99 over 300 actions, against the same publish reaching a bare consumer.
//!
//! Needs a broker: `bash scripts/bench-team.sh` starts a private node and runs this.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark: failing loudly is the point

mod common;

use common::{bare_consumer, env_number};
use eventdesk_core::model::MessageLimits;
use eventdesk_core::services::ingest::{Applier, Incoming, Outcome};
use eventdesk_core::services::team::{ActionMessage, Replica, TeamRef, TeamTarget};
use eventdesk_core::{Action, CommitFeed, Store, SystemClock};
use eventdesk_sources::amqp::{self, Broker, Publish, Publisher, QueueKind, QueueSource, Until};
use eventdesk_sources::gateway::StreamSink;
use eventdesk_sources::http::{self, HttpConfig};
use futures_lite::StreamExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const LIVE_ACTIONS: usize = 300;
const CLIENTS: usize = 16;
const GATEWAY_REQUESTS: usize = 20_000;
const PACED_RATE: u64 = 1_000;
const PACED_SECONDS: u64 = 10;
const TOKEN: &str = "bench-token-0123456789";

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

fn source(broker: &Broker, stream: &str) -> QueueSource {
    QueueSource {
        broker: broker.clone(),
        queue: stream.to_owned(),
        kind: QueueKind::Stream,
    }
}

/// The team on `stream` founded by the broker's user (who publishes the actions: an admin).
fn team(broker: &Broker, stream: &str) -> TeamRef {
    TeamRef::new(stream, broker.user()).unwrap()
}

fn quantiles(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (at(0.5), at(0.99))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1_000.0)
}

/// The process's peak resident memory since the last reset, in MB.
fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// Starts counting the peak resident memory again from now (Linux: `clear_refs` 5).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
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

/// One keep-alive HTTP/1.1 connection posting to the gateway.
struct Client {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
    address: SocketAddr,
}

impl Client {
    async fn connect(address: SocketAddr) -> Client {
        let stream = tokio::net::TcpStream::connect(address).await.unwrap();
        // A request goes out at once, as a sender's would (no waiting on Nagle's algorithm).
        stream.set_nodelay(true).unwrap();
        let (read, writer) = stream.into_split();
        Client {
            reader: BufReader::new(read),
            writer,
            address,
        }
    }

    /// Posts `body` and reads the answer: its status.
    async fn post(&mut self, body: &[u8]) -> u16 {
        let mut request = format!(
            "POST /v2/enqueue HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.address,
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        self.writer.write_all(&request).await.unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).await.unwrap();
        let status = line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line).await.unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).await.unwrap();
        status
    }
}

/// `total` requests from `CLIENTS` connections at full speed: how long they took.
async fn gateway_flood(address: SocketAddr, total: usize) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            tokio::spawn(async move {
                let mut client = Client::connect(address).await;
                for i in (c..total).step_by(CLIENTS) {
                    assert_eq!(client.post(&trigger(i)).await, 202);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    started.elapsed()
}

/// Requests at `rate` a second for `seconds`, spread over `CLIENTS` connections: each one's time
/// from when it was due to its answer.
async fn gateway_paced(address: SocketAddr, rate: u64, seconds: u64, from: usize) -> Vec<Duration> {
    let per_client = Duration::from_secs_f64(CLIENTS as f64 / rate as f64);
    let count = (rate * seconds) as usize / CLIENTS;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            tokio::spawn(async move {
                let mut client = Client::connect(address).await;
                let start =
                    tokio::time::Instant::now() + per_client.mul_f64(c as f64 / CLIENTS as f64);
                let mut times = Vec::with_capacity(count);
                for n in 0..count {
                    let due = start + per_client * n as u32;
                    tokio::time::sleep_until(due).await;
                    assert_eq!(client.post(&trigger(from + n * CLIENTS + c)).await, 202);
                    times.push(due.elapsed());
                }
                times
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

/// The floor of the gateway: bare lapin publishing `total` bodies with confirms from `CLIENTS`
/// tasks, each waiting for its confirm before the next.
async fn bare_publishing(url: &str, stream: &str, total: usize) -> Duration {
    let conn = lapin::Connection::connect(url, lapin::ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    channel
        .confirm_select(lapin::options::ConfirmSelectOptions::default())
        .await
        .unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (channel, stream) = (channel.clone(), stream.to_owned());
            tokio::spawn(async move {
                for i in (c..total).step_by(CLIENTS) {
                    let confirm = channel
                        .basic_publish(
                            "".into(),
                            stream.as_str().into(),
                            lapin::options::BasicPublishOptions::default(),
                            &trigger(i),
                            lapin::BasicProperties::default(),
                        )
                        .await
                        .unwrap();
                    confirm.await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    started.elapsed()
}

/// A replica that counts its batches and the time spent applying them.
struct Counting {
    replica: Replica,
    batches: usize,
    busy: Duration,
}

impl Applier for Counting {
    fn next_offset(&self) -> eventdesk_core::Result<Option<i64>> {
        self.replica.next_offset()
    }

    fn apply(&mut self, batch: &[Incoming]) -> eventdesk_core::Result<Vec<Outcome>> {
        let started = Instant::now();
        let outcomes = self.replica.apply(batch);
        self.busy += started.elapsed();
        self.batches += 1;
        outcomes
    }

    fn max_message(&self) -> usize {
        self.replica.max_message()
    }

    fn resume_check(&self) -> eventdesk_core::Result<Option<(i64, String)>> {
        self.replica.resume_check()
    }
}

/// What the catch-up measured.
struct CatchUp {
    replay: Duration,
    bare: Duration,
    rss_before: u64,
    rss_peak: u64,
}

/// A new desk reading a team stream of `messages` messages from offset 0.
fn catch_up(
    rt: &tokio::runtime::Runtime,
    url: &str,
    broker: &Broker,
    dir: &std::path::Path,
    messages: usize,
) -> CatchUp {
    let id = std::process::id();
    // Catch-up: a team stream with events and actions on them, read by a new desk.
    let stream = format!("bench-team-{id}");
    eprintln!("publishing {messages} team messages to {stream}…");
    rt.block_on(async {
        let p = Publisher::connect(broker).await.unwrap();
        p.declare(&stream, QueueKind::Stream, None, None, None)
            .await
            .unwrap();
        // Offsets 0.. are the messages in order: message i at offset i. Each tenth message
        // completes the event the message five before it created.
        // In runs of 10,000, so that what the catch-up holds is not hidden under what
        // publishing held.
        for run in (0..messages).step_by(10_000) {
            let bodies = (run..(run + 10_000).min(messages)).map(|i| {
                if i % 10 == 9 {
                    action(i, i - 5)
                } else {
                    trigger(i)
                }
            });
            p.publish("", &stream, bodies).await.unwrap();
        }
    });
    eprintln!("reading it with a bare consumer…");
    let bare = rt.block_on(bare_consumer(url, &stream, messages));
    eprintln!("catching a new desk up…");
    let (store, rx) = desk(dir, "new-desk");
    std::thread::spawn(move || for _ in rx {});
    let status = amqp::status_cell(&source(broker, &stream));
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let idle = Duration::from_secs(2);
    let replica = Counting {
        replica: Replica::for_store(&store, &team(broker, &stream)).unwrap(),
        batches: 0,
        busy: Duration::ZERO,
    };
    reset_peak_rss();
    let rss_before = peak_rss_mb();
    let started = Instant::now();
    let replica = rt.block_on(amqp::consume(
        source(broker, &stream),
        replica,
        status.clone(),
        stopped,
        Until::Idle(idle),
    ));
    let replay = started.elapsed().saturating_sub(idle);
    eprintln!(
        "{} batches of {:.0} messages on average; applying took {:.1} s of {:.1} s",
        replica.batches,
        messages as f64 / replica.batches.max(1) as f64,
        replica.busy.as_secs_f64(),
        replay.as_secs_f64()
    );
    let rss_peak = peak_rss_mb();
    let counts = amqp::status_of(&status).activity.counts;
    assert_eq!(counts.applied as usize, messages, "{counts:?}");
    assert_eq!(counts.completed as usize, messages / 10, "{counts:?}");
    drop(store);
    CatchUp {
        replay,
        bare,
        rss_before,
        rss_peak,
    }
}

/// What the gateway and the live actions measured.
struct Live {
    flood: Duration,
    bare_publish: Duration,
    paced: Vec<Duration>,
    seen: Vec<Duration>,
    floor: Vec<Duration>,
}

/// The gateway at full speed and paced, then another desk's actions while events flow through it.
fn gateway_and_actions(
    rt: &tokio::runtime::Runtime,
    url: &str,
    broker: &Broker,
    dir: &std::path::Path,
) -> Live {
    let id = std::process::id();
    // The gateway, in this process, publishing to a stream of its own.
    let gw_stream = format!("bench-gateway-{id}");
    let floor_stream = format!("bench-gateway-floor-{id}");
    let (gateway, sink) = rt.block_on(async {
        let p = Publisher::connect(broker).await.unwrap();
        for s in [&gw_stream, &floor_stream] {
            p.declare(s, QueueKind::Stream, None, None, None)
                .await
                .unwrap();
        }
        let sink = StreamSink::new(broker.clone(), &gw_stream, MessageLimits::default()).unwrap();
        let config = HttpConfig::loopback(0, TOKEN);
        (
            http::serve_stream(&config, sink.clone()).await.unwrap(),
            sink,
        )
    });
    let address = gateway.address();
    eprintln!("the gateway at full speed, and bare lapin publishing with confirms…");
    let flood = rt.block_on(gateway_flood(address, GATEWAY_REQUESTS));
    let bare_publish = rt.block_on(bare_publishing(url, &floor_stream, GATEWAY_REQUESTS));
    eprintln!("the gateway at {PACED_RATE} requests/s for {PACED_SECONDS} s…");
    let paced = rt.block_on(gateway_paced(
        address,
        PACED_RATE,
        PACED_SECONDS,
        GATEWAY_REQUESTS,
    ));
    let paced_count = paced.len();

    // Another desk's action while 1,000 events a second flow through the gateway: desk B
    // replicates the gateway's stream; desk A publishes actions on its first events.
    let (desk_b, commits) = desk(dir, "desk-b");
    let status = amqp::status_cell(&source(broker, &gw_stream));
    let (stop_b, stopped_b) = tokio::sync::watch::channel(false);
    let replica = Replica::for_store(&desk_b, &team(broker, &gw_stream)).unwrap();
    let progress = replica.progress();
    let consumer = rt.spawn(amqp::consume(
        source(broker, &gw_stream),
        replica,
        status,
        stopped_b,
        Until::Stopped,
    ));
    // Desk B has caught up once it applied what the gateway took so far.
    let taken = GATEWAY_REQUESTS + paced_count;
    eprintln!("desk B catching up with {taken} events…");
    let started = Instant::now();
    while progress.next_offset().unwrap_or(0) < taken as i64 {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "desk B did not catch up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    while commits.try_recv().is_ok() {}
    eprintln!("{LIVE_ACTIONS} actions from desk A under {PACED_RATE} events/s, each until desk B committed it…");
    let flow = rt.spawn(gateway_paced(
        address,
        PACED_RATE,
        (LIVE_ACTIONS as u64 / 50).max(8),
        taken,
    ));
    let publisher = rt.block_on(Publisher::connect(broker)).unwrap();
    let mut seen = Vec::with_capacity(LIVE_ACTIONS);
    for n in 0..LIVE_ACTIONS {
        let started = Instant::now();
        let body = action(n, n);
        let id = format!("live-{n}");
        rt.block_on(publisher.publish_one(&Publish {
            exchange: "",
            routing_key: &gw_stream,
            body: &body,
            message_id: &id,
        }))
        .unwrap();
        // The event with team key n is local id n + 1 on desk B (one event per message).
        let want = (n + 1) as i64;
        loop {
            let set = commits.recv_timeout(Duration::from_secs(10)).unwrap();
            if set
                .rows
                .iter()
                .any(|e| e.id == want && e.status == eventdesk_core::Status::Completed)
            {
                break;
            }
        }
        seen.push(started.elapsed());
        std::thread::sleep(Duration::from_millis(20));
    }
    rt.block_on(flow).unwrap();
    let _ = stop_b.send(true);
    rt.block_on(consumer).unwrap();
    eprintln!("the same publishes to a bare consumer…");
    let live_floor = format!("bench-team-floor-{id}");
    rt.block_on(publisher.declare(&live_floor, QueueKind::Stream, None, None, None))
        .unwrap();
    let floor = rt.block_on(bare_round_trips(url, &live_floor, LIVE_ACTIONS));
    rt.block_on(gateway.stop());
    drop(sink);

    Live {
        flood,
        bare_publish,
        paced,
        seen,
        floor,
    }
}

fn main() {
    let url = std::env::var("EVENTDESK_TEST_AMQP")
        .expect("EVENTDESK_TEST_AMQP: run through scripts/bench-team.sh");
    let broker = Broker::parse(&url, None).unwrap();
    let messages = env_number("EVENTDESK_BENCH_MESSAGES", 1_000_000);
    // `catch-up` or `gateway` runs only that part.
    let only = std::env::var("EVENTDESK_BENCH_ONLY").unwrap_or_default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let caught_up = (only != "gateway").then(|| catch_up(&rt, &url, &broker, dir.path(), messages));
    let live = (only != "catch-up").then(|| gateway_and_actions(&rt, &url, &broker, dir.path()));
    let per_s = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "\nEventdesk team benchmarks: {messages} messages caught up, {GATEWAY_REQUESTS} gateway requests, {LIVE_ACTIONS} live actions"
    );
    println!("| measurement | value | floor (same run) | ratio to floor |");
    println!("| --- | --- | --- | --- |");
    if let Some(CatchUp {
        replay,
        bare,
        rss_before,
        rss_peak,
    }) = caught_up
    {
        println!(
            "| catch-up of a new desk from offset 0, messages/s | {:.0} | {:.0} (bare lapin consumer, ack only) | {:.2} |",
            per_s(messages, replay),
            per_s(messages, bare),
            per_s(messages, replay) / per_s(messages, bare)
        );
        println!(
            "| catch-up: process peak RSS | {rss_peak} MB | {rss_before} MB (before it) | {:.2} |",
            rss_peak as f64 / rss_before.max(1) as f64
        );
    }
    if let Some(Live {
        flood,
        bare_publish,
        paced,
        seen,
        floor,
    }) = live
    {
        let (p50, p99) = quantiles(seen);
        let (floor_p50, floor_p99) = quantiles(floor);
        let (gw_p50, gw_p99) = quantiles(paced);
        println!(
            "| gateway: HTTP request → confirmed publish, requests/s ({CLIENTS} connections) | {:.0} | {:.0} (bare lapin publish + confirm, {CLIENTS} tasks) | {:.2} |",
            per_s(GATEWAY_REQUESTS, flood),
            per_s(GATEWAY_REQUESTS, bare_publish),
            per_s(GATEWAY_REQUESTS, flood) / per_s(GATEWAY_REQUESTS, bare_publish)
        );
        println!(
            "| gateway at {PACED_RATE} requests/s, p50 / p99 | {} / {} | — | — |",
            ms(gw_p50),
            ms(gw_p99)
        );
        println!(
            "| another desk's action under {PACED_RATE} events/s, publish → committed here, p50 / p99 | {} / {} | {} / {} (publish → bare consumer, idle) | {:.2} / {:.2} |",
            ms(p50),
            ms(p99),
            ms(floor_p50),
            ms(floor_p99),
            p50.as_secs_f64() / floor_p50.as_secs_f64(),
            p99.as_secs_f64() / floor_p99.as_secs_f64()
        );
    }
}
