//! Events from RabbitMQ (AMQP 0.9.1, `lapin`). Two kinds of queue:
//!
//! - a **stream** queue is read from the offset stored in SQLite, and the offset after each
//!   batch is stored in the same transaction as the batch's changes: a message is applied
//!   exactly once, across crashes and restarts, in stream order;
//! - a **classic or quorum** queue is acknowledged only after the batch is committed: a message
//!   is applied at least once, and a redelivery the broker marks as such is recognised by its
//!   message id (or its content) and skipped.
//!
//! Messages are applied in batches on a blocking thread, never on the async runtime: while one
//! batch is applied the next one gathers (up to [`BATCH`] messages and [`BATCH_BYTES`] of
//! bodies), so a lone message is applied at once and a flood fills batches. Memory is bounded
//! by bytes: a body larger than the applier takes is let go on arrival (only its size and
//! digest are kept, and it is refused), and the broker sends at most [`PREFETCH_BYTES`] worth of
//! the largest message taken ahead. A stream's deliveries are acknowledged as they are taken
//! (on a stream that only grants credit; its place is the offset in SQLite); a queue's after the
//! commit. Each message carries the publisher RabbitMQ proved (`user_id`) and its origin id
//! (`message_id`) to the applier.
//!
//! A consumer connects to one of its broker's nodes ([`Broker`]) and, when that node goes away,
//! to another, going on from the stored offset. Before a team replica goes on it checks that the
//! stream still holds the last message it applied ([`Applier::resume_check`]); a stream that
//! does not ([`Error::StreamChanged`]) stops the consumer rather than being skipped. When no
//! node answers the consumer says so ([`QueueState::Offline`]) and tries again with backoff.

use eventdesk_core::clock::now_ms;
use eventdesk_core::error::{Error, Result};
use eventdesk_core::services::ingest::{
    content_id, Activity, Applier, Delivery, Incoming, Outcome,
};
mod broker;
pub mod presence;
mod publisher;

pub use broker::{Broker, PASSWORD_VAR, URL_VAR};
pub use publisher::{confirmed, Publish, Publisher};

use futures_lite::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::Acker;
use lapin::Connection;
use parking_lot::Mutex;
use serde::Serialize;
use specta::Type;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The most messages one transaction applies.
pub const BATCH: usize = 10_000;
/// The most bytes of bodies one batch holds.
pub const BATCH_BYTES: usize = 16 * 1024 * 1024;
/// What the broker may send ahead, in bytes of the largest message the applier takes: the
/// prefetch count is this divided by that size (between [`MIN_PREFETCH`] and
/// [`MAX_PREFETCH`]). A message larger than the applier takes still arrives whole (AMQP has no
/// prefetch by bytes): RabbitMQ's own `max_message_size` is the bound on that.
pub const PREFETCH_BYTES: usize = 64 * 1024 * 1024;
const MIN_PREFETCH: usize = 16;
const MAX_PREFETCH: usize = 1_000;
/// How long opening a consumer may take before another node is tried.
pub const OPEN_WAIT: Duration = Duration::from_secs(10);
/// How long a consumer stays quiet before it checks that its node still answers.
pub const PROBE_EVERY: Duration = Duration::from_secs(3);
/// How long that check waits for the answer.
pub const PROBE_WAIT: Duration = Duration::from_secs(5);
/// How long a team replica waits for the stream to deliver the last message it applied.
pub const RESUME_CHECK: Duration = Duration::from_secs(10);
/// The longest wait between two attempts to connect.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Messages the broker sends ahead for an applier taking bodies of up to `max_message` bytes.
pub fn prefetch(max_message: usize) -> u16 {
    let count = (PREFETCH_BYTES / max_message.max(1)).clamp(MIN_PREFETCH, MAX_PREFETCH);
    u16::try_from(count).unwrap_or(u16::MAX)
}

/// Which kind of queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum QueueKind {
    Stream,
    /// A classic or quorum queue.
    Queue,
}

/// Where to read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSource {
    /// The broker's node(s) (`amqps://` URLs have their certificates verified).
    pub broker: Broker,
    pub queue: String,
    pub kind: QueueKind,
}

impl QueueSource {
    /// A queue name RabbitMQ takes (the broker's URLs were checked when it was made).
    pub fn validate(&self) -> Result<()> {
        if self.queue.trim().is_empty() || self.queue.len() > 255 {
            return Err(Error::invalid("queue", "must be 1 to 255 bytes"));
        }
        Ok(())
    }

    /// The channel's name, as changes and the window know it: `rabbitmq:QUEUE`.
    pub fn channel(&self) -> String {
        QueueStatus::named(&self.queue, "", self.kind).channel
    }

    /// What its bookkeeping (stream offset, queue message ids, rejections) is kept under:
    /// the channel on this broker, `rabbitmq:QUEUE@VHOST@host:port,…`, so that a queue of the
    /// same name on another broker starts on its own.
    pub fn bookkeeping(&self) -> String {
        format!("{}@{}", self.channel(), self.broker.identity())
    }

    /// Whether bookkeeping kept under `key` is this queue's on this broker: kept before
    /// bookkeeping named brokers (`rabbitmq:QUEUE`), or under this queue and virtual host
    /// with a node in common (the same cluster, reached through a changed list of nodes).
    pub fn is_own_bookkeeping(&self, key: &str) -> bool {
        if key == self.channel() {
            return true;
        }
        let identity = self.broker.identity();
        let Some((vhost, hosts)) = identity.rsplit_once('@') else {
            return false;
        };
        let prefix = format!("{}@{vhost}@", self.channel());
        key.strip_prefix(&prefix).is_some_and(|theirs| {
            !theirs.contains('@') && theirs.split(',').any(|h| hosts.split(',').any(|m| m == h))
        })
    }

    /// The URLs without their passwords, for messages and logs.
    pub fn shown_url(&self) -> String {
        self.broker.shown()
    }
}

/// What a consumer is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(
    tag = "state",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum QueueState {
    Connecting,
    Connected {
        since: i64,
    },
    /// The broker is unreachable (or refused): tried again with backoff.
    Offline {
        since: i64,
        error: String,
    },
    /// The broker is there, but this desk's file cannot take messages now (the disk is full,
    /// another program holds the write lock): tried again with backoff, nothing lost.
    Held {
        since: i64,
        error: String,
    },
    /// Paused by the operator: not connected, nothing read.
    Paused,
    /// The database cannot store what comes in (damaged, read-only, a team file whose stream
    /// changed): stopped until that is fixed and the source started again.
    Failed {
        since: i64,
        error: String,
    },
    Stopped,
}

/// A consumer's state and activity, for the window.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueStatus {
    pub channel: String,
    pub url: String,
    /// The node it is connected to, when it is.
    pub node: Option<String>,
    pub kind: QueueKind,
    pub state: QueueState,
    /// What it has done since it started.
    pub activity: Activity,
}

impl QueueStatus {
    /// Before it starts.
    pub fn new(source: &QueueSource) -> QueueStatus {
        QueueStatus::named(&source.queue, &source.shown_url(), source.kind)
    }

    /// Before it starts, for `queue` at `shown_url` (no password).
    pub fn named(queue: &str, shown_url: &str, kind: QueueKind) -> QueueStatus {
        QueueStatus {
            channel: format!("rabbitmq:{queue}"),
            url: shown_url.to_owned(),
            node: None,
            kind,
            state: QueueState::Connecting,
            activity: Activity::default(),
        }
    }
}

/// A consumer's shared status.
pub type StatusCell = Arc<Mutex<QueueStatus>>;

/// A status cell for `source`, before its consumer starts.
pub fn status_cell(source: &QueueSource) -> StatusCell {
    Arc::new(Mutex::new(QueueStatus::new(source)))
}

/// A copy of what `cell` holds now (its rate brought up to now).
pub fn status_of(cell: &StatusCell) -> QueueStatus {
    let mut status = cell.lock().clone();
    status.activity.settle(now_ms());
    status
}

fn update(cell: &StatusCell, f: impl FnOnce(&mut QueueStatus)) {
    f(&mut cell.lock());
}

/// When the consumer stops by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Only when told to.
    Stopped,
    /// After no message came for this long (for scripts: `--until-idle`).
    Idle(Duration),
}

/// Reads `source` into `ingester` (a source's [`Ingester`](eventdesk_core::services::ingest::Ingester)
/// or a team's replica) until `stop` turns true (or `until` says so), connecting again with
/// backoff, to the next node, whenever the broker goes away.
pub async fn consume<A: Applier>(
    source: QueueSource,
    mut ingester: A,
    status: StatusCell,
    mut stop: watch::Receiver<bool>,
    until: Until,
) -> A {
    let mut backoff = Duration::from_millis(250);
    let started = Instant::now();
    let mut node = 0;
    // Nodes tried in turn since a round last waited (or a connection last worked).
    let mut tried = 0;
    loop {
        update(&status, |s| s.state = QueueState::Connecting);
        let mut session = Session {
            source: &source,
            status: &status,
            until,
            node,
            connected: false,
        };
        let (back, ended) = session.run(ingester, &mut stop).await;
        ingester = back;
        if session.connected {
            // It worked once: the next failure starts the backoff again.
            backoff = Duration::from_millis(250);
            tried = 0;
        }
        let e = match ended {
            Ok(()) => {
                update(&status, |s| {
                    s.state = QueueState::Stopped;
                    s.node = None;
                });
                return ingester;
            }
            Err(e) => e,
        };
        // The file itself refuses, or the stream is not this file's: trying again cannot help.
        if matches!(
            e,
            Error::Corrupt { .. }
                | Error::ReadOnly { .. }
                | Error::NotEventdeskDatabase { .. }
                | Error::TeamFile { .. }
                | Error::StreamChanged { .. }
                | Error::InvalidInput { .. }
        ) {
            tracing::error!(queue = %source.queue, error = %e, "the queue's messages cannot be applied");
            update(&status, |s| {
                s.state = QueueState::Failed {
                    since: now_ms(),
                    error: e.to_string(),
                };
                s.node = None;
            });
            return ingester;
        }
        let held = matches!(
            e,
            Error::DiskFull { .. } | Error::Busy { .. } | Error::Storage { .. }
        );
        if held {
            // The broker is fine: the same node again, once the file may take messages.
            tracing::warn!(queue = %source.queue, error = %e, "the desk's file cannot take messages now");
            node = session.node;
            update(&status, |s| {
                let since = match &s.state {
                    QueueState::Held { since, .. } => *since,
                    _ => now_ms(),
                };
                s.state = QueueState::Held {
                    since,
                    error: e.to_string(),
                };
                s.node = None;
            });
        } else {
            tracing::warn!(queue = %source.queue, error = %e, "the queue's broker went away");
            // The next attempt starts with the next node.
            node = session.node + 1;
            update(&status, |s| {
                let since = match &s.state {
                    QueueState::Offline { since, .. } => *since,
                    _ => now_ms(),
                };
                s.state = QueueState::Offline {
                    since,
                    error: e.to_string(),
                };
                s.node = None;
            });
        }
        // A script waiting for the queue to fall idle does not wait for ever on a broker that
        // is away: it stops, still offline, once nothing came for that long.
        if let Until::Idle(idle) = until {
            let quiet = status_of(&status)
                .activity
                .last_at
                .map_or(started.elapsed(), |at| {
                    Duration::from_millis(u64::try_from(now_ms() - at).unwrap_or(0))
                });
            if quiet >= idle {
                return ingester;
            }
        }
        // The next node is tried at once; a round of nodes that all failed waits, longer after
        // each round; a file that cannot take messages is waited for each time.
        tried += 1;
        let wait = if tried < source.broker.len() && !held {
            Duration::ZERO
        } else {
            tried = 0;
            let wait = backoff;
            backoff = (backoff * 2).min(MAX_BACKOFF);
            wait
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => {
                update(&status, |s| s.state = QueueState::Stopped);
                return ingester;
            }
        }
    }
}

/// Starts [`consume`] on `runtime`, and marks its status `Failed` if it ends in a panic (a bug),
/// so that a source is never shown connected while nothing reads it.
pub fn spawn_consumer<A: Applier>(
    runtime: &tokio::runtime::Handle,
    source: QueueSource,
    applier: A,
    status: StatusCell,
    stop: watch::Receiver<bool>,
    until: Until,
) {
    let cell = status.clone();
    let queue = source.queue.clone();
    let task = runtime.spawn(consume(source, applier, status, stop, until));
    runtime.spawn(async move {
        if let Err(e) = task.await {
            if e.is_panic() {
                tracing::error!(queue = %queue, "the consumer stopped: it panicked");
                update(&cell, |s| {
                    s.state = QueueState::Failed {
                        since: now_ms(),
                        error: "the consumer stopped on an internal error (see the log); \
                                start the source again"
                            .into(),
                    };
                    s.node = None;
                });
            }
        }
    });
}

/// Resolves once `stop` turns true (holding nothing across awaits, unlike `wait_for`'s guard).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

fn amqp(e: lapin::Error) -> Error {
    Error::Unreachable {
        what: "RabbitMQ".into(),
        message: e.to_string(),
    }
}

/// One connection's life.
struct Session<'a> {
    source: &'a QueueSource,
    status: &'a StatusCell,
    until: Until,
    /// The node it connects to first, then the one it connected to.
    node: usize,
    /// It connected and consumed.
    connected: bool,
}

/// A batch: the messages, and for a queue how to settle each with the broker after the
/// commit (a stream's deliveries were acknowledged as they were taken).
#[derive(Default)]
struct Gathering {
    messages: Vec<Incoming>,
    ackers: Vec<Acker>,
    bytes: usize,
}

impl Gathering {
    fn has_room(&self) -> bool {
        self.messages.len() < BATCH && self.bytes < BATCH_BYTES
    }
}

/// A batch's outcomes, back from the applying thread.
type Applied = (Result<Vec<Outcome>>, Gathering);

impl Session<'_> {
    /// Connects and applies what arrives: `Ok` when told to stop (or idle long enough), `Err`
    /// when the connection failed or the stream is not the one the file was made from. The
    /// ingester comes back either way.
    async fn run<A: Applier>(
        &mut self,
        ingester: A,
        stop: &mut watch::Receiver<bool>,
    ) -> (A, Result<()>) {
        let (conn, node) = match self.source.broker.connect("eventdesk", self.node).await {
            Ok(c) => c,
            Err(e) => return (ingester, Err(e)),
        };
        self.node = node;
        // Read before any await: the ingester's connection is not shared across threads.
        let resume = ingester
            .next_offset()
            .and_then(|next| Ok((next, ingester.resume_check()?)));
        let (next, check) = match resume {
            Ok(r) => r,
            Err(e) => return (ingester, Err(e)),
        };
        let max_message = ingester.max_message();
        // A replica going on asks for the last message it applied again, to check it.
        let from = check.as_ref().map(|(offset, _)| *offset).or(next);
        // A node whose cluster cannot serve the queue (its stream's leader hangs, say) may not
        // answer at all: another node is tried after a while.
        let opening = open_consumer(&conn, self.source, from, prefetch(max_message));
        let consumer = tokio::time::timeout(OPEN_WAIT, opening)
            .await
            .unwrap_or_else(|_| {
                Err(Error::Unreachable {
                    what: "RabbitMQ".into(),
                    message: format!(
                        "the node did not open the queue within {} s",
                        OPEN_WAIT.as_secs()
                    ),
                })
            });
        let (channel, consumer) = match consumer {
            Ok(c) => c,
            Err(e) => return (ingester, Err(e)),
        };
        self.connected = true;
        let shown = self.source.broker.node(node).to_owned();
        update(self.status, |s| {
            s.state = QueueState::Connected { since: now_ms() };
            s.node = Some(shown.clone());
        });
        tracing::info!(queue = %self.source.queue, node = %shown, "reading messages from RabbitMQ");
        let mut reader = Reader {
            kind: self.source.kind,
            stream: self.source.queue.clone(),
            consumer,
            max_message,
            check,
            check_deadline: tokio::time::Instant::now() + RESUME_CHECK,
            unacked: None,
        };

        // The applying thread owns the ingester while the session lasts: one batch is applied
        // while the next one gathers.
        let (to_apply, mut batches) = tokio::sync::mpsc::channel::<Gathering>(1);
        let (applied_tx, mut applied) = tokio::sync::mpsc::channel::<Applied>(1);
        let mut ingester = ingester;
        let worker = tokio::task::spawn_blocking(move || {
            while let Some(batch) = batches.blocking_recv() {
                let outcome = ingester.apply(&batch.messages);
                if applied_tx.blocking_send((outcome, batch)).is_err() {
                    break;
                }
            }
            ingester
        });

        let mut gathering = Gathering::default();
        let mut in_flight = false;
        let mut last_message = Instant::now();
        // When the node was last heard from: a delivery, or an answer to a check.
        let mut last_heard = last_message;
        let ended: Result<()> = loop {
            if !in_flight && !gathering.messages.is_empty() {
                if to_apply.send(std::mem::take(&mut gathering)).await.is_err() {
                    break Err(Error::storage("the applying thread stopped"));
                }
                in_flight = true;
            }
            let idle_left = match self.until {
                Until::Idle(wait) if !in_flight && gathering.messages.is_empty() => {
                    wait.saturating_sub(last_message.elapsed())
                }
                _ => Duration::from_secs(3_600),
            };
            tokio::select! {
                biased;
                () = stopped(stop) => break Ok(()),
                done = applied.recv(), if in_flight => {
                    in_flight = false;
                    let Some((outcome, batch)) = done else {
                        break Err(Error::storage("the applying thread stopped"));
                    };
                    match outcome {
                        Ok(outcomes) => {
                            count(self.status, &outcomes, &batch.messages);
                            if let Err(e) = settle(&batch.ackers, &outcomes).await {
                                break Err(amqp(e));
                            }
                        }
                        // Nothing of the batch was committed: it is delivered again.
                        Err(e) => break Err(e),
                    }
                }
                taken = reader.take(&mut gathering), if gathering.has_room() => match taken {
                    Ok(()) => {
                        last_message = Instant::now();
                        last_heard = last_message;
                    }
                    Err(e) => break Err(e),
                },
                _ = tokio::time::sleep(idle_left) => {
                    if matches!(self.until, Until::Idle(_)) && !in_flight && gathering.messages.is_empty() {
                        break Ok(());
                    }
                }
                // Quiet for a while: is the node still there?
                _ = tokio::time::sleep(PROBE_EVERY.saturating_sub(last_heard.elapsed())) => {
                    if last_heard.elapsed() >= PROBE_EVERY {
                        if let Err(e) = answers(&channel, &self.source.queue).await {
                            break Err(e);
                        }
                        last_heard = Instant::now();
                    }
                }
            }
        };
        // A batch under way is let finish (and counted), so that nothing is left half-known.
        if in_flight {
            if let Some((Ok(outcomes), batch)) = applied.recv().await {
                count(self.status, &outcomes, &batch.messages);
                let _ = settle(&batch.ackers, &outcomes).await;
            }
        }
        drop(to_apply);
        drop(applied);
        let ingester = match worker.await {
            Ok(ingester) => ingester,
            // The applying thread panicked: the ingester is gone with it.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        // Closed politely when it can be; a dead node's connection is simply dropped.
        let _ = tokio::time::timeout(Duration::from_secs(1), conn.close(200, "bye".into())).await;
        (ingester, ended)
    }
}

/// Takes deliveries from a consumer into batches.
struct Reader {
    kind: QueueKind,
    stream: String,
    consumer: lapin::Consumer,
    max_message: usize,
    /// The message the stream must deliver first (offset, digest): the last one a replica
    /// applied, checked and not applied again.
    check: Option<(i64, String)>,
    check_deadline: tokio::time::Instant,
    /// The last stream delivery taken and not acknowledged yet.
    unacked: Option<Acker>,
}

impl Reader {
    /// Waits for a delivery and takes it, with whatever else has arrived, into `into`.
    async fn take(&mut self, into: &mut Gathering) -> Result<()> {
        let first = if self.check.is_some() {
            match tokio::time::timeout_at(self.check_deadline, self.consumer.next()).await {
                Ok(first) => first,
                Err(_) => {
                    let at = self.check.as_ref().map_or(0, |(at, _)| *at);
                    return Err(self.changed(format!(
                        "it did not deliver offset {at}, the last message this desk applied, \
                         within {} s: it holds fewer messages than this desk applied",
                        RESUME_CHECK.as_secs()
                    )));
                }
            }
        } else {
            self.consumer.next().await
        };
        self.push(first, into)?;
        while into.has_room() {
            match futures_lite::future::poll_once(self.consumer.next()).await {
                Some(next) => self.push(next, into)?,
                None => break,
            }
        }
        // A stream's credit is given back once its deliveries are taken.
        if let Some(acker) = self.unacked.take() {
            acker
                .ack(BasicAckOptions { multiple: true })
                .await
                .map_err(amqp)?;
        }
        Ok(())
    }

    fn changed(&self, message: String) -> Error {
        Error::StreamChanged {
            stream: self.stream.clone(),
            message,
        }
    }

    fn push(
        &mut self,
        delivery: Option<lapin::Result<lapin::message::Delivery>>,
        into: &mut Gathering,
    ) -> Result<()> {
        let mut d = match delivery {
            Some(Ok(d)) => d,
            Some(Err(e)) => return Err(amqp(e)),
            None => {
                return Err(Error::Unreachable {
                    what: "RabbitMQ".into(),
                    message: "it closed the consumer".into(),
                })
            }
        };
        let delivery = match self.kind {
            QueueKind::Stream => {
                let offset = stream_offset(&d).ok_or_else(|| {
                    Error::invalid(
                        "x-stream-offset",
                        "RabbitMQ delivered a stream message without its offset",
                    )
                })?;
                self.unacked = Some(d.acker.clone());
                if let Some((at, digest)) = &self.check {
                    // Before the message to check: the start of its chunk, applied before.
                    if offset < *at {
                        return Ok(());
                    }
                    let message = if offset > *at {
                        format!(
                            "it no longer holds offset {at}, the last message this desk applied \
                             (the next it delivers is {offset})"
                        )
                    } else if content_id(&d.data) != *digest {
                        format!("its message at offset {at} is not the one this desk applied")
                    } else {
                        self.check = None;
                        return Ok(());
                    };
                    return Err(self.changed(message));
                }
                Delivery::Stream { offset }
            }
            QueueKind::Queue => {
                into.ackers.push(d.acker.clone());
                Delivery::Queue {
                    id: d
                        .properties
                        .message_id()
                        .as_ref()
                        .map(|id| id.as_str().to_owned())
                        .unwrap_or_else(|| content_id(&d.data)),
                    redelivered: d.redelivered,
                }
            }
        };
        let mut message = Incoming::new(std::mem::take(&mut d.data), delivery);
        message.user_id = d.properties.user_id().as_ref().map(|u| u.to_string());
        message.message_id = d.properties.message_id().as_ref().map(|m| m.to_string());
        let message = message.bounded(self.max_message);
        into.bytes += message.body.len();
        into.messages.push(message);
        Ok(())
    }
}

/// Tells the broker a queue's batch is committed: acknowledged, except the refused messages,
/// which are rejected without requeueing, so that a dead-letter exchange set on the queue
/// receives them. (A stream's deliveries were acknowledged as they were taken: `ackers` is
/// empty.)
async fn settle(ackers: &[Acker], outcomes: &[Outcome]) -> lapin::Result<()> {
    let rejected = |o: &Outcome| matches!(o, Outcome::Rejected(_));
    if !outcomes.iter().any(rejected) {
        if let Some(last) = ackers.last() {
            last.ack(BasicAckOptions { multiple: true }).await?;
        }
        return Ok(());
    }
    for (acker, outcome) in ackers.iter().zip(outcomes) {
        if rejected(outcome) {
            acker
                .nack(lapin::options::BasicNackOptions {
                    multiple: false,
                    requeue: false,
                })
                .await?;
        } else {
            acker.ack(BasicAckOptions::default()).await?;
        }
    }
    Ok(())
}

fn count(status: &StatusCell, outcomes: &[Outcome], batch: &[Incoming]) {
    let places: Vec<Option<String>> = batch.iter().map(|m| m.delivery.place()).collect();
    update(status, |s| s.activity.record(now_ms(), outcomes, &places));
}

/// Declares nothing but checks the queue is there (passively), sets the prefetch and starts
/// consuming: a stream from `from` (the offset stored after the last batch applied, or the
/// last message to check), or its first message.
async fn open_consumer(
    conn: &Connection,
    source: &QueueSource,
    from: Option<i64>,
    prefetch: u16,
) -> Result<(lapin::Channel, lapin::Consumer)> {
    let channel = conn.create_channel().await.map_err(amqp)?;
    declare_passively(&channel, &source.queue)
        .await
        .map_err(|e| Error::Unreachable {
            what: "RabbitMQ".into(),
            message: format!("it has no queue {:?} ({e})", source.queue),
        })?;
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await
        .map_err(amqp)?;
    let mut args = FieldTable::default();
    if source.kind == QueueKind::Stream {
        let from = match from {
            Some(offset) => AMQPValue::LongLongInt(offset),
            None => AMQPValue::LongString("first".into()),
        };
        args.insert("x-stream-offset".into(), from);
    }
    let consumer = channel
        .basic_consume(
            source.queue.as_str().into(),
            "eventdesk".into(),
            BasicConsumeOptions::default(),
            args,
        )
        .await
        .map_err(amqp)?;
    Ok((channel, consumer))
}

/// Checks that `queue` is there, declaring nothing.
async fn declare_passively(channel: &lapin::Channel, queue: &str) -> lapin::Result<lapin::Queue> {
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
}

/// Whether the node still answers on `channel`: a passive declare of `queue` must come back
/// within [`PROBE_WAIT`]. A node that hangs (stopped, or cut off without a reset) closes
/// nothing, and a consumer of a quiet stream would otherwise wait on it for ever.
async fn answers(channel: &lapin::Channel, queue: &str) -> Result<()> {
    match tokio::time::timeout(PROBE_WAIT, declare_passively(channel, queue)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(amqp(e)),
        Err(_) => Err(Error::Unreachable {
            what: "RabbitMQ".into(),
            message: format!("the node did not answer within {} s", PROBE_WAIT.as_secs()),
        }),
    }
}

/// The offset a stream delivery carries in its `x-stream-offset` header.
fn stream_offset(d: &lapin::message::Delivery) -> Option<i64> {
    match d
        .properties
        .headers()
        .as_ref()?
        .inner()
        .get("x-stream-offset")?
    {
        AMQPValue::LongLongInt(v) => Some(*v),
        AMQPValue::LongInt(v) => Some((*v).into()),
        AMQPValue::LongUInt(v) => Some((*v).into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(urls: &str) -> QueueSource {
        QueueSource {
            broker: Broker::parse(urls, None).unwrap_or_else(|e| panic!("{e}")),
            queue: "alerts".into(),
            kind: QueueKind::Stream,
        }
    }

    #[test]
    fn a_queues_bookkeeping_is_its_own_on_its_broker_and_on_the_same_cluster() {
        let here = source("amqp://u@mq-a:5672/%2f, amqp://u@mq-b:5672/%2f");
        assert_eq!(here.bookkeeping(), "rabbitmq:alerts@/@mq-a:5672,mq-b:5672");
        for own in [
            "rabbitmq:alerts",
            "rabbitmq:alerts@/@mq-a:5672",
            "rabbitmq:alerts@/@mq-b:5672,mq-c:5672",
        ] {
            assert!(here.is_own_bookkeeping(own), "{own}");
        }
        for other in [
            "rabbitmq:alerts@/@mq-c:5672",
            "rabbitmq:alerts@prod@mq-a:5672",
            "rabbitmq:alerts2@/@mq-a:5672",
            "rabbitmq:other",
        ] {
            assert!(!here.is_own_bookkeeping(other), "{other}");
        }
    }
}
