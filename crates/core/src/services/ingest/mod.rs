//! Events from outside: the two formats operators' tools already speak (PagerDuty Events API
//! v2, Alertmanager's webhook), the rules that turn them into changes ([`rules`]), and the
//! [`Ingester`] that applies a batch of messages in one transaction through the write path,
//! with the bookkeeping that makes each way in lose and repeat nothing. The ways in themselves
//! (RabbitMQ, the loopback HTTP endpoint, standard input) are in the `eventdesk-sources`
//! crate, which keeps this one free of network code.

pub mod alertmanager;
pub mod groups;
pub mod pagerduty;
pub mod rules;

use crate::clock::Clock;
use crate::db::ingest::{first_time, forget_messages_before};
pub use crate::db::ingest::{record_rejection, store_offset, stored_offset};
use crate::db::CommitFeed;
use crate::db::Conn;
use crate::error::{Error, Result};
use crate::model::{Actor, Labels, Link, MessageLimits, Severity};
pub use rules::Applied;
use serde_json::Value;
use std::sync::Arc;

/// What a source asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AlertAction {
    #[default]
    Trigger,
    Acknowledge,
    Resolve,
}

/// One alert event, whichever format it came in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Alert {
    pub action: AlertAction,
    pub dedup_key: Option<String>,
    /// For a trigger: the summary, the kind of trouble, the affected system, how bad.
    pub title: String,
    pub kind: String,
    pub source: String,
    pub severity: Severity,
    pub details: Option<Value>,
    pub links: Vec<Link>,
    /// Checked when the message is read ([`crate::model::check_labels`]); an event keeps
    /// the labels of the trigger that created it.
    pub labels: Labels,
    /// Who sent it, for the desk to learn its rhythm: Alertmanager's `alertname`,
    /// PagerDuty's `payload.source`; empty when the message does not say.
    pub sender: String,
    /// A heartbeat (Alertmanager's `Watchdog`, PagerDuty's class `heartbeat`): heard, never
    /// an event, and missed when it stops.
    pub heartbeat: bool,
}

/// The longest title kept (PagerDuty's summary limit).
const MAX_TITLE: usize = 1_024;
/// The longest details kept, as JSON text.
const MAX_DETAILS: usize = 64 * 1024;

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

impl Alert {
    /// The details as stored: JSON text, or a note when they were too large to keep.
    fn details_text(&self) -> Option<String> {
        let text = self.details.as_ref()?.to_string();
        Some(if text.len() <= MAX_DETAILS {
            text
        } else {
            serde_json::json!({ "note": "the details were larger than 64 KB and were left out" })
                .to_string()
        })
    }

    /// Within the limits every event keeps: a title of at most 1,024 characters, kind and
    /// source as long as a filter can name.
    fn clipped(mut self) -> Alert {
        self.title = clip(&self.title, MAX_TITLE);
        self.kind = clip(&self.kind, crate::model::EventFilter::MAX_NAME);
        self.source = clip(&self.source, crate::model::EventFilter::MAX_NAME);
        self
    }
}

/// The links Eventdesk will open: http and https only, stored as they are opened (without the
/// spaces a sender may leave around them), so that the address shown is the one opened.
fn web_links(links: Vec<Link>) -> Vec<Link> {
    links
        .into_iter()
        .map(|l| Link {
            href: l.href.trim().to_owned(),
            ..l
        })
        .filter(|l| crate::db::rows::is_web_link(&l.href))
        .take(20)
        .collect()
}

/// Which format a message is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    PagerDuty,
    Alertmanager,
    /// Told apart by their fields: `event_action` (PagerDuty) or `alerts` (Alertmanager).
    Auto,
}

/// Reads one message (JSON) in `format` into its alert events, within `limits`.
pub fn parse(body: &[u8], format: Format, limits: MessageLimits) -> Result<Vec<Alert>> {
    if body.len() > limits.max_message as usize {
        return Err(too_large(body.len(), limits));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Error::invalid("body", format!("is not JSON: {e}")))?;
    parse_value(value, format, limits)
}

/// Why a message of `size` bytes is refused.
pub fn too_large(size: usize, limits: MessageLimits) -> Error {
    Error::invalid(
        "body",
        format!(
            "is {size} bytes, more than the {} a message may have",
            limits.max_message
        ),
    )
}

/// Which format a message is in, told by its fields (`Format::Auto` reads it so): PagerDuty's
/// `event_action` first, then Alertmanager's `alerts`.
pub fn detect(value: &Value) -> Option<Format> {
    if value.get("event_action").is_some() {
        Some(Format::PagerDuty)
    } else if value.get("alerts").is_some() {
        Some(Format::Alertmanager)
    } else {
        None
    }
}

/// Reads one message, already parsed as JSON, in `format` into its alert events.
pub fn parse_value(value: Value, format: Format, limits: MessageLimits) -> Result<Vec<Alert>> {
    let format = match format {
        Format::Auto => detect(&value).ok_or_else(|| {
            Error::invalid(
                "body",
                "is neither a PagerDuty event (event_action) nor an Alertmanager message (alerts)",
            )
        })?,
        known => known,
    };
    let alerts = match format {
        Format::PagerDuty => vec![pagerduty::parse(&value)?],
        _ => alertmanager::parse(&value, limits.max_alerts as usize)?,
    };
    Ok(alerts.into_iter().map(Alert::clipped).collect())
}

/// How a message was delivered, which decides how it is kept from being applied twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Once (HTTP, standard input): nothing to remember.
    Once,
    /// From a stream at `offset`: the offset after the batch is stored with its changes.
    Stream { offset: i64 },
    /// From a queue that acknowledges after the commit, so it may deliver again: a message
    /// it says it redelivers is skipped when its id (or its content's hash) was applied.
    Queue { id: String, redelivered: bool },
}

impl Delivery {
    /// Where a message was, for the operator: `offset 1234`, `message m-17`.
    pub fn place(&self) -> Option<String> {
        match self {
            Delivery::Stream { offset } => Some(format!("offset {offset}")),
            Delivery::Queue { id, .. } => Some(format!("message {id}")),
            Delivery::Once => None,
        }
    }
}

/// One message of a batch.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// Empty when the message was larger than the way in takes (see `dropped`).
    pub body: Vec<u8>,
    pub delivery: Delivery,
    /// Who published it, as RabbitMQ proved it: the AMQP `user_id` property, which the broker
    /// refuses unless it names the publishing connection's user.
    pub user_id: Option<String>,
    /// The id its origin gave it (the AMQP `message_id`).
    pub message_id: Option<String>,
    /// Set when the body was larger than the way in takes: it was let go on arrival, and only
    /// its size and digest are kept.
    pub dropped: Option<Dropped>,
}

/// What is kept of a message whose body was let go on arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub size: usize,
    pub digest: String,
}

impl Incoming {
    pub fn new(body: Vec<u8>, delivery: Delivery) -> Incoming {
        Incoming {
            body,
            delivery,
            user_id: None,
            message_id: None,
            dropped: None,
        }
    }

    /// Lets the body go when it is larger than `max` bytes, keeping its size and digest.
    pub fn bounded(mut self, max: usize) -> Incoming {
        if self.body.len() > max {
            self.dropped = Some(Dropped {
                size: self.body.len(),
                digest: content_id(&self.body),
            });
            self.body = Vec::new();
        }
        self
    }

    /// Its size in bytes, as it arrived.
    pub fn size(&self) -> usize {
        self.dropped.as_ref().map_or(self.body.len(), |d| d.size)
    }

    /// Its digest (see [`content_id`]), as it arrived.
    pub fn digest(&self) -> String {
        self.dropped
            .as_ref()
            .map_or_else(|| content_id(&self.body), |d| d.digest.clone())
    }
}

/// What one message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied(Vec<Applied>),
    /// Malformed: nothing of it was applied. The error says why.
    Rejected(Error),
    /// Delivered again after it was applied: skipped.
    Duplicate,
}

/// What a way in has done: messages by outcome, and what the applied ones did to events.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type,
)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Messages applied, rejected as malformed, and skipped as deliveries of a message
    /// applied before.
    pub applied: i64,
    pub rejected: i64,
    pub duplicates: i64,
    /// What the applied messages' alert events did.
    pub created: i64,
    pub updated: i64,
    pub acknowledged: i64,
    pub completed: i64,
    pub ignored: i64,
    /// Operators' actions from a team's stream: reopened events, and actions refused because
    /// the event had changed since the operator saw it.
    pub reopened: i64,
    pub conflicts: i64,
}

impl Counts {
    pub fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Applied(applied) => {
                self.applied += 1;
                for a in applied {
                    match a {
                        Applied::Created { .. } => self.created += 1,
                        Applied::Updated { .. } => self.updated += 1,
                        Applied::Acknowledged { .. } => self.acknowledged += 1,
                        Applied::Completed { .. } => self.completed += 1,
                        Applied::Ignored { .. } => self.ignored += 1,
                        Applied::Reopened { .. } => self.reopened += 1,
                        Applied::Snoozed { .. }
                        | Applied::Noted { .. }
                        | Applied::Assigned { .. } => self.updated += 1,
                        Applied::Conflict { .. } => self.conflicts += 1,
                    }
                }
            }
            Outcome::Rejected(_) => self.rejected += 1,
            Outcome::Duplicate => self.duplicates += 1,
        }
    }
}

/// Messages a source rejected for one reason, for the Sources panel: the same reason again
/// adds to its count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    /// When the last one came (Unix ms).
    pub at: i64,
    /// When the first one came (Unix ms).
    pub first_at: i64,
    /// How many came.
    pub count: i64,
    /// Where the last one was: `offset 1234`, `message m-17`.
    pub place: Option<String>,
    /// Why (at most 300 characters, as [`crate::model::bounded_reason`] keeps it).
    pub reason: String,
}

/// What a way in has done lately: its counts, its rate, where its last message was, and the
/// messages it rejected most recently.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub counts: Counts,
    /// Messages taken per second over the last [`Activity::WINDOW_S`] seconds.
    pub per_second: f64,
    /// Where the last message taken was, as in [`Rejection::place`].
    pub last: Option<String>,
    /// When the last message was taken (Unix ms).
    pub last_at: Option<i64>,
    /// The latest rejections, newest first (at most [`Activity::REJECTIONS_KEPT`]).
    pub rejections: Vec<Rejection>,
    /// Messages taken per second, by Unix second, over the window.
    #[serde(skip)]
    #[specta(skip)]
    recent: std::collections::VecDeque<(i64, i64)>,
}

impl Activity {
    pub const WINDOW_S: i64 = 10;
    pub const REJECTIONS_KEPT: usize = 20;

    /// Adds a batch's outcomes at `now` (Unix ms); `places[i]` is where message `i` was.
    pub fn record(&mut self, now: i64, outcomes: &[Outcome], places: &[Option<String>]) {
        for (i, outcome) in outcomes.iter().enumerate() {
            self.counts.add(outcome);
            let place = places.get(i).cloned().flatten();
            if let Outcome::Rejected(e) = outcome {
                self.rejected(
                    now,
                    place.clone(),
                    crate::model::bounded_reason(&e.to_string()),
                );
            }
            if place.is_some() {
                self.last = place;
            }
        }
        if !outcomes.is_empty() {
            self.last_at = Some(now);
        }
        let second = now.div_euclid(1_000);
        match self.recent.back_mut() {
            Some((s, n)) if *s == second => *n += outcomes.len() as i64,
            _ => self.recent.push_back((second, outcomes.len() as i64)),
        }
        self.settle(now);
    }

    /// One more rejection for `reason`: its entry moves to the front with its count, or a new
    /// one is added (the oldest going past [`Activity::REJECTIONS_KEPT`]).
    fn rejected(&mut self, now: i64, place: Option<String>, reason: String) {
        let mut entry = match self.rejections.iter().position(|r| r.reason == reason) {
            Some(i) => self.rejections.remove(i),
            None => Rejection {
                at: now,
                first_at: now,
                count: 0,
                place: None,
                reason,
            },
        };
        entry.count += 1;
        entry.at = now;
        entry.place = place;
        self.rejections.insert(0, entry);
        self.rejections.truncate(Activity::REJECTIONS_KEPT);
    }

    /// Starts from what was kept of earlier runs: `stored` rejections, newest first.
    pub fn with_rejections(mut self, stored: Vec<Rejection>) -> Activity {
        self.rejections = stored;
        self.rejections.truncate(Activity::REJECTIONS_KEPT);
        self
    }

    /// Brings the rate up to `now`: seconds that left the window no longer count.
    pub fn settle(&mut self, now: i64) {
        let second = now.div_euclid(1_000);
        while self
            .recent
            .front()
            .is_some_and(|(s, _)| *s <= second - Activity::WINDOW_S)
        {
            self.recent.pop_front();
        }
        let taken: i64 = self.recent.iter().map(|(_, n)| n).sum();
        self.per_second = taken as f64 / Activity::WINDOW_S as f64;
    }
}

/// How long queue message ids are remembered for redeliveries.
const SEEN_KEPT_MS: i64 = 7 * 24 * 3_600_000;

/// Applies batches of messages from one way in (`channel`, e.g. `rabbitmq:payments`), each
/// batch in one transaction of the write path, acting as `actor`.
pub struct Ingester {
    conn: Conn,
    feed: CommitFeed,
    clock: Arc<dyn Clock>,
    actor: Actor,
    channel: String,
    format: Format,
    limits: MessageLimits,
    last_prune: i64,
}

impl Ingester {
    pub fn new(
        conn: Conn,
        feed: CommitFeed,
        clock: Arc<dyn Clock>,
        actor: Actor,
        channel: &str,
        format: Format,
    ) -> Ingester {
        Ingester {
            conn,
            feed,
            clock,
            actor,
            channel: channel.to_owned(),
            format,
            limits: MessageLimits::default(),
            last_prune: 0,
        }
    }

    /// Makes each commit durable before it returns, for a way in whose acknowledgement ends the
    /// sender's copy (a classic or quorum queue's ack, an HTTP 202): a power cut must not lose
    /// what was acknowledged. A stream needs no more than the default: its offset is stored in
    /// the same transaction, so a commit lost with the power is read again from the stream.
    pub fn durable(self) -> Result<Ingester> {
        crate::db::make_durable(&self.conn)?;
        Ok(self)
    }

    /// Refuses messages past `limits` instead of the default ones.
    pub fn with_limits(mut self, limits: MessageLimits) -> Ingester {
        self.limits = limits;
        self
    }

    pub fn limits(&self) -> MessageLimits {
        self.limits
    }

    /// An ingester on a write connection of its own to `store`'s file.
    pub fn for_store(
        store: &crate::Store,
        actor: Actor,
        channel: &str,
        format: Format,
    ) -> Result<Ingester> {
        Ok(Ingester::new(
            store.connect()?,
            store.feed().clone(),
            store.clock().clone(),
            actor,
            channel,
            format,
        ))
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The stream offset to read from next, if this channel has stored one.
    pub fn next_offset(&self) -> Result<Option<i64>> {
        stored_offset(&self.conn, &self.channel)
    }

    /// Takes over what another key kept for this channel (see
    /// `QueueSource::is_own_bookkeeping` in the sources): when nothing is kept under this
    /// channel's key, what the kept key for which `own` holds (the one with the furthest stream
    /// offset, if several) kept is moved to it. Returns the key taken over, if any.
    pub fn adopt_bookkeeping(&mut self, own: impl Fn(&str) -> bool) -> Result<Option<String>> {
        let channel = self.channel.clone();
        self.feed.write(&mut self.conn, &*self.clock, |w| {
            let kept = crate::db::ingest::kept_channels(w)?;
            if kept.iter().any(|(key, _)| *key == channel) {
                return Ok(None);
            }
            let found = kept
                .into_iter()
                .filter(|(key, _)| own(key))
                .max_by_key(|(_, next)| *next);
            match found {
                Some((key, _)) => {
                    crate::db::ingest::move_bookkeeping(w, &key, &channel)?;
                    Ok(Some(key))
                }
                None => Ok(None),
            }
        })
    }

    /// What this channel rejected, as kept (newest reasons first, as many as
    /// [`Activity::REJECTIONS_KEPT`]).
    pub fn rejections(&self) -> Result<Vec<Rejection>> {
        crate::db::ingest::rejections(&self.conn, &self.channel, Activity::REJECTIONS_KEPT)
    }

    /// Applies `batch` in one transaction: every message's changes, and its bookkeeping (the
    /// stream offset after the batch, the queue ids seen). Malformed messages are rejected
    /// without failing the rest; a storage failure applies nothing.
    pub fn apply(&mut self, batch: &[Incoming]) -> Result<Vec<Outcome>> {
        let parsed: Vec<Result<Vec<Alert>>> = batch
            .iter()
            .map(|m| match &m.dropped {
                Some(dropped) => Err(too_large(dropped.size, self.limits)),
                None => parse(&m.body, self.format, self.limits),
            })
            .collect();
        let (actor, channel) = (self.actor.clone(), self.channel.clone());
        let prune = {
            let now = self.clock.now_ms();
            let due = now - self.last_prune > 3_600_000;
            if due {
                self.last_prune = now;
            }
            due
        };
        self.feed.write(&mut self.conn, &*self.clock, |w| {
            let mut outcomes = Vec::with_capacity(batch.len());
            // Read in the transaction: a message before it was applied by this or another
            // consumer of the channel (a stream may also deliver from the start of the chunk
            // that holds the offset asked for), so each offset is applied at most once.
            let stored = stored_offset(w, &channel)?;
            let owners = groups::DedupGroups::read(w)?.owners(&actor);
            let mut next = stored;
            for (message, alerts) in batch.iter().zip(parsed) {
                if let Delivery::Stream { offset } = message.delivery {
                    if next.is_some_and(|n| offset < n) {
                        outcomes.push(Outcome::Duplicate);
                        continue;
                    }
                    next = Some(offset + 1);
                }
                let alerts = match alerts {
                    Ok(alerts) => alerts,
                    Err(e) => {
                        let reason = crate::model::bounded_reason(&e.to_string());
                        let place = message.delivery.place();
                        record_rejection(w, &channel, &reason, place.as_deref())?;
                        outcomes.push(Outcome::Rejected(e));
                        continue;
                    }
                };
                if let Delivery::Queue { id, redelivered } = &message.delivery {
                    if !first_time(w, &channel, id, *redelivered)? {
                        outcomes.push(Outcome::Duplicate);
                        continue;
                    }
                }
                let applied = alerts
                    .iter()
                    .map(|a| rules::apply(w, a, &actor, &owners, None))
                    .collect::<Result<Vec<_>>>()?;
                outcomes.push(Outcome::Applied(applied));
            }
            if next != stored {
                if let Some(next) = next {
                    store_offset(w, &channel, next)?;
                }
            }
            if prune {
                forget_messages_before(w, &channel, w.now() - SEEN_KEPT_MS)?;
            }
            Ok(outcomes)
        })
    }
}

impl Applier for Ingester {
    fn next_offset(&self) -> Result<Option<i64>> {
        Ingester::next_offset(self)
    }

    fn apply(&mut self, batch: &[Incoming]) -> Result<Vec<Outcome>> {
        Ingester::apply(self, batch)
    }

    fn max_message(&self) -> usize {
        self.limits.max_message as usize
    }
}

/// What a stream or queue consumer applies its batches to: an [`Ingester`] (a source's
/// messages) or a team's [`Replica`](crate::services::team::Replica).
pub trait Applier: Send + 'static {
    /// The stream offset to read from next, if one is stored.
    fn next_offset(&self) -> Result<Option<i64>>;
    /// Applies `batch` in one transaction with its bookkeeping; an outcome per message.
    fn apply(&mut self, batch: &[Incoming]) -> Result<Vec<Outcome>>;
    /// The largest body it takes: a larger one is let go on arrival ([`Incoming::bounded`]),
    /// and refused.
    fn max_message(&self) -> usize;
    /// The message a stream consumer must find first when it goes on (its offset and digest):
    /// the last one applied, so that a stream re-created or replaced under the same name is
    /// told apart from the one this file was made from. `None`: nothing to check.
    fn resume_check(&self) -> Result<Option<(i64, String)>> {
        Ok(None)
    }
}

/// What a message without an id of its own is known by: a hash of its bytes (FNV-1a, 64
/// bits; the same bytes delivered again are the same message).
pub fn content_id(body: &[u8]) -> String {
    format!("fnv:{:016x}:{}", fnv1a(body), body.len())
}

/// FNV-1a, 64 bits.
pub fn fnv1a<'a>(bytes: impl IntoIterator<Item = &'a u8>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
