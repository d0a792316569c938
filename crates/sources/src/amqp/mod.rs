//! Events from RabbitMQ (AMQP 0.9.1, `lapin`). Two kinds of queue:
//!
//! - a **stream** queue is read from the offset stored in SQLite, and the offset after each
//!   batch is stored in the same transaction as the batch's changes: a message is applied
//!   exactly once, across crashes and restarts, in stream order;
//! - a **classic or quorum** queue is acknowledged only after the batch is committed: a message
//!   is applied at least once, and a redelivery the broker marks as such is recognised by its
//!   message id (or its content) and skipped.
//!
//! Messages are applied in batches (up to [`BATCH`], or what arrives within [`BATCH_WAIT`] with
//! no gap longer than [`BATCH_GAP`]) on a blocking thread, never on the async runtime. When the
//! broker goes away the consumer says so ([`QueueState::Offline`]) and connects again with
//! backoff; nothing else waits for it.

use eventdesk_core::error::{Error, Result};
use eventdesk_core::services::ingest::{
    content_id, Activity, Applier, Delivery, Incoming, Outcome,
};
pub mod presence;
mod publisher;

pub use publisher::Publisher;

use futures_lite::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Connection, ConnectionProperties};
use serde::Serialize;
use specta::Type;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The most messages one transaction applies.
pub const BATCH: usize = 4_000;
/// How long a batch may wait for more messages once it has one.
pub const BATCH_WAIT: Duration = Duration::from_millis(20);
/// A batch ends when no further message comes within this gap: a lone message (another
/// desk's action) is applied at once, while a flood still fills batches.
pub const BATCH_GAP: Duration = Duration::from_millis(2);
/// Unacknowledged messages the broker sends ahead (streams require a limit).
const PREFETCH: u16 = 10_000;
/// The longest wait between two attempts to connect.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

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
    /// `amqp://user:password@host:port/vhost` or `amqps://…` (certificates are verified).
    pub url: String,
    pub queue: String,
    pub kind: QueueKind,
}

impl QueueSource {
    /// A URL RabbitMQ's clients take and a queue name RabbitMQ takes.
    pub fn validate(&self) -> Result<()> {
        let url = self.url.trim();
        if !(url.starts_with("amqp://") || url.starts_with("amqps://")) {
            return Err(Error::invalid(
                "url",
                "must start with amqp:// or amqps:// (e.g. amqp://user:password@host:5672/%2f)",
            ));
        }
        url.parse::<lapin::uri::AMQPUri>()
            .map_err(|e| Error::invalid("url", format!("is not an AMQP URL: {e}")))?;
        if self.queue.trim().is_empty() || self.queue.len() > 255 {
            return Err(Error::invalid("queue", "must be 1 to 255 bytes"));
        }
        Ok(())
    }

    /// The channel's name, as changes and bookkeeping know it: `rabbitmq:QUEUE`.
    pub fn channel(&self) -> String {
        format!("rabbitmq:{}", self.queue)
    }

    /// The URL without its password, for messages and logs.
    pub fn shown_url(&self) -> String {
        match (self.url.find("://"), self.url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let user_info = &self.url[scheme + 3..at];
                let user = user_info.split(':').next().unwrap_or("");
                format!("{}{user}@{}", &self.url[..scheme + 3], &self.url[at + 1..])
            }
            _ => self.url.clone(),
        }
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
    /// Paused by the operator: not connected, nothing read.
    Paused,
    /// The database cannot store what comes in (damaged, read-only): stopped until the file
    /// is fixed and the source started again.
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
    pub kind: QueueKind,
    pub state: QueueState,
    /// What it has done since it started.
    pub activity: Activity,
}

impl QueueStatus {
    /// Before it starts.
    pub fn new(source: &QueueSource) -> QueueStatus {
        QueueStatus {
            channel: source.channel(),
            url: source.shown_url(),
            kind: source.kind,
            state: QueueState::Connecting,
            activity: Activity::default(),
        }
    }
}

/// A consumer's shared status.
pub type StatusCell = Arc<Mutex<QueueStatus>>;

/// A copy of what `cell` holds now (its rate brought up to now).
pub fn status_of(cell: &StatusCell) -> QueueStatus {
    let mut status = cell.lock().unwrap_or_else(PoisonError::into_inner).clone();
    status.activity.settle(now_ms());
    status
}

fn update(cell: &StatusCell, f: impl FnOnce(&mut QueueStatus)) {
    f(&mut cell.lock().unwrap_or_else(PoisonError::into_inner));
}

/// Unix ms now (the status says since when).
fn now_ms() -> i64 {
    eventdesk_core::Clock::now_ms(&eventdesk_core::SystemClock)
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
/// backoff whenever the broker goes away.
pub async fn consume<A: Applier>(
    source: QueueSource,
    mut ingester: A,
    status: StatusCell,
    mut stop: watch::Receiver<bool>,
    until: Until,
) -> A {
    let mut backoff = Duration::from_millis(500);
    let started = Instant::now();
    loop {
        update(&status, |s| s.state = QueueState::Connecting);
        let (back, ended) = session(&source, ingester, &status, &mut stop, until).await;
        ingester = back;
        let e = match ended {
            Ok(()) => {
                update(&status, |s| s.state = QueueState::Stopped);
                return ingester;
            }
            Err(e) => e,
        };
        // The file itself refuses: trying again cannot help.
        if matches!(
            e,
            Error::Corrupt { .. }
                | Error::ReadOnly { .. }
                | Error::NotEventdeskDatabase { .. }
                | Error::TeamFile { .. }
        ) {
            tracing::error!(queue = %source.queue, error = %e, "the queue's events cannot be stored");
            update(&status, |s| {
                s.state = QueueState::Failed {
                    since: now_ms(),
                    error: e.to_string(),
                }
            });
            return ingester;
        }
        tracing::warn!(queue = %source.queue, error = %e, "the queue's broker went away");
        update(&status, |s| {
            let since = match &s.state {
                QueueState::Offline { since, .. } => *since,
                _ => now_ms(),
            };
            s.state = QueueState::Offline {
                since,
                error: e.to_string(),
            };
        });
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
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = stop.wait_for(|s| *s) => {
                update(&status, |s| s.state = QueueState::Stopped);
                return ingester;
            }
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

fn amqp(e: lapin::Error) -> Error {
    Error::Unreachable {
        what: "RabbitMQ".into(),
        message: e.to_string(),
    }
}

/// One connection's life: `Ok` when told to stop (or idle long enough), `Err` when the
/// connection failed. The ingester comes back either way.
async fn session<A: Applier>(
    source: &QueueSource,
    mut ingester: A,
    status: &StatusCell,
    stop: &mut watch::Receiver<bool>,
    until: Until,
) -> (A, Result<()>) {
    let conn = match Connection::connect(
        &source.url,
        ConnectionProperties::default().with_connection_name("eventdesk".into()),
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return (ingester, Err(amqp(e))),
    };
    // Read before any await: the ingester's connection is not shared across threads.
    let from = match ingester.next_offset() {
        Ok(from) => from,
        Err(e) => return (ingester, Err(e)),
    };
    let consumer = match open_consumer(&conn, source, from).await {
        Ok(c) => c,
        Err(e) => return (ingester, Err(e)),
    };
    update(status, |s| {
        s.state = QueueState::Connected { since: now_ms() }
    });
    tracing::info!(queue = %source.queue, url = %source.shown_url(), "reading events from RabbitMQ");
    let mut consumer = consumer;
    let mut last_message = Instant::now();
    loop {
        let idle_left = match until {
            Until::Idle(idle) => idle.saturating_sub(last_message.elapsed()),
            Until::Stopped => Duration::from_secs(3600),
        };
        // The first message of a batch, or a reason to stop.
        let first = tokio::select! {
            d = consumer.next() => d,
            _ = stop.wait_for(|s| *s) => return (ingester, Ok(())),
            _ = tokio::time::sleep(idle_left) => {
                if matches!(until, Until::Idle(_)) {
                    return (ingester, Ok(()));
                }
                continue;
            }
        };
        let mut deliveries = match first {
            Some(Ok(d)) => vec![d],
            Some(Err(e)) => return (ingester, Err(amqp(e))),
            None => {
                return (
                    ingester,
                    Err(Error::Unreachable {
                        what: "RabbitMQ".into(),
                        message: "it closed the consumer".into(),
                    }),
                )
            }
        };
        let deadline = tokio::time::Instant::now() + BATCH_WAIT;
        while deliveries.len() < BATCH {
            let gap = (tokio::time::Instant::now() + BATCH_GAP).min(deadline);
            match tokio::time::timeout_at(gap, consumer.next()).await {
                Ok(Some(Ok(d))) => deliveries.push(d),
                Ok(Some(Err(e))) => return (ingester, Err(amqp(e))),
                Ok(None) | Err(_) => break,
            }
        }
        last_message = Instant::now();
        let batch: Vec<Incoming> = deliveries
            .iter_mut()
            .map(|d| Incoming {
                delivery: match source.kind {
                    QueueKind::Stream => Delivery::Stream {
                        offset: stream_offset(d).unwrap_or(-1),
                    },
                    QueueKind::Queue => Delivery::Queue {
                        id: d
                            .properties
                            .message_id()
                            .as_ref()
                            .map(|id| id.as_str().to_owned())
                            .unwrap_or_else(|| content_id(&d.data)),
                        redelivered: d.redelivered,
                    },
                },
                // Only the acknowledgement is needed of the delivery from here on.
                body: std::mem::take(&mut d.data),
            })
            .collect();
        let applied = tokio::task::spawn_blocking(move || {
            let outcome = ingester.apply(&batch);
            (ingester, outcome, batch)
        })
        .await;
        let (back, outcome, batch) = match applied {
            Ok(pair) => pair,
            // The applying thread panicked: the ingester is gone with it.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        ingester = back;
        let outcomes = match outcome {
            Ok(o) => o,
            // Nothing of the batch was committed; the broker delivers it again.
            Err(e) => return (ingester, Err(e)),
        };
        count(status, &outcomes, &batch);
        if let Err(e) = settle(source.kind, &deliveries, &outcomes).await {
            return (ingester, Err(amqp(e)));
        }
    }
}

/// Tells the broker the batch is committed. A stream is acknowledged (which only grants
/// credit; its place is the offset kept in SQLite). A queue's messages are acknowledged, except
/// the malformed ones, which are rejected without requeueing, so that a dead-letter exchange
/// set on the queue receives them.
async fn settle(
    kind: QueueKind,
    deliveries: &[lapin::message::Delivery],
    outcomes: &[Outcome],
) -> lapin::Result<()> {
    let rejected = |o: &Outcome| matches!(o, Outcome::Rejected(_));
    if kind == QueueKind::Stream || !outcomes.iter().any(rejected) {
        if let Some(last) = deliveries.last() {
            last.ack(BasicAckOptions { multiple: true }).await?;
        }
        return Ok(());
    }
    for (delivery, outcome) in deliveries.iter().zip(outcomes) {
        if rejected(outcome) {
            delivery
                .nack(lapin::options::BasicNackOptions {
                    multiple: false,
                    requeue: false,
                })
                .await?;
        } else {
            delivery.ack(BasicAckOptions::default()).await?;
        }
    }
    Ok(())
}

fn count(status: &StatusCell, outcomes: &[Outcome], batch: &[Incoming]) {
    let places: Vec<Option<String>> = batch
        .iter()
        .map(|m| match &m.delivery {
            Delivery::Stream { offset } => Some(format!("offset {offset}")),
            Delivery::Queue { id, .. } => Some(format!("message {id}")),
            Delivery::Once => None,
        })
        .collect();
    update(status, |s| s.activity.record(now_ms(), outcomes, &places));
}

/// Declares nothing but checks the queue is there (passively), sets the prefetch and starts
/// consuming: a stream from the offset stored after the last batch applied, or its first
/// message.
async fn open_consumer(
    conn: &Connection,
    source: &QueueSource,
    next_offset: Option<i64>,
) -> Result<lapin::Consumer> {
    let channel = conn.create_channel().await.map_err(amqp)?;
    channel
        .queue_declare(
            source.queue.as_str().into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(|e| Error::Unreachable {
            what: "RabbitMQ".into(),
            message: format!("it has no queue {:?} ({e})", source.queue),
        })?;
    channel
        .basic_qos(PREFETCH, BasicQosOptions::default())
        .await
        .map_err(amqp)?;
    let mut args = FieldTable::default();
    if source.kind == QueueKind::Stream {
        let from = match next_offset {
            Some(offset) => AMQPValue::LongLongInt(offset),
            None => AMQPValue::LongString("first".into()),
        };
        args.insert("x-stream-offset".into(), from);
    }
    channel
        .basic_consume(
            source.queue.as_str().into(),
            "eventdesk".into(),
            BasicConsumeOptions::default(),
            args,
        )
        .await
        .map_err(amqp)
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
