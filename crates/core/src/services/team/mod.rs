//! Team desks: several Eventdesks share one RabbitMQ stream as their log, and each desk's
//! SQLite file is a replica of it ([`Replica`]).
//!
//! The stream carries two kinds of message, applied strictly in stream order, the offset
//! after each batch stored in the same transaction as its changes (so a replica never applies
//! a message twice or skips one):
//!
//! - **alert messages** (PagerDuty Events v2, Alertmanager), applied by the same rules as any
//!   source's ([`super::ingest::rules`]). An event one of them opens gets a **team key**, the
//!   offset of that message (`1234`, or `1234.2` for the third alert of one message): its
//!   identity on every desk, whatever its local id.
//! - **action messages** ([`ActionMessage`]): an operator's acknowledge, complete or reopen of
//!   one or more events, named by team key with the version the operator saw. A version that
//!   is not the current one is a conflict, won by whoever made the change in between.
//!
//! Every desk applies the same messages in the same order with the same rules, so every desk
//! ends in the same state, conflicts included; each action's outcome is kept in
//! `team_actions`, so the desk that issued it can tell its operator. A file a replica opens is
//! bound to its stream (`team_binding`): from then on nothing else writes its events
//! ([`Error::TeamFile`]), and a trigger's dedup key matches only the team's events.

use crate::clock::Clock;
use crate::db::actions;
use crate::db::{CommitFeed, WriteTxn};
use crate::error::{Error, Result};
use crate::model::{Action, Actor};
use crate::services::ingest::{self, Applied, Applier, Delivery, Format, Incoming, Outcome};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;

mod dump;

pub use dump::dump;

/// One event an action names: its team key and the version the operator saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamTarget {
    pub event: String,
    pub expected_version: i64,
}

/// An operator's action, as a team's stream carries it:
/// `{"eventdesk":"action","id":"…","desk":"…","operator":"…","action":"acknowledge","targets":[{"event":"1234","expectedVersion":2}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionMessage {
    /// Chosen by the desk that publishes it, so that it knows its own action when it comes
    /// back.
    pub id: String,
    pub desk: String,
    pub operator: String,
    pub action: Action,
    pub targets: Vec<TeamTarget>,
}

/// What a team's stream carries besides alert messages, told apart by the `eventdesk` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "eventdesk", rename_all = "lowercase")]
pub enum TeamMessage {
    Action(ActionMessage),
}

/// The longest action id, desk name and team key accepted.
const MAX_TEXT: usize = 64;

fn check_text(field: &str, text: &str) -> Result<()> {
    if text.is_empty() || text.chars().count() > MAX_TEXT || text.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            format!("must be 1 to {MAX_TEXT} printable characters"),
        ));
    }
    Ok(())
}

impl ActionMessage {
    /// A message any desk will apply: names within limits, 1 to [`actions::MAX_BULK`]
    /// events, each once, with a version of at least 1.
    pub fn validate(&self) -> Result<()> {
        check_text("id", &self.id)?;
        Actor::source(&self.desk).map_err(|e| Error::invalid("desk", e))?;
        Actor::operator(&self.operator).map_err(|e| Error::invalid("operator", e))?;
        if self.targets.is_empty() || self.targets.len() > actions::MAX_BULK {
            return Err(Error::invalid(
                "targets",
                format!("must name 1 to {} events", actions::MAX_BULK),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for t in &self.targets {
            check_text("event", &t.event)?;
            if t.expected_version < 1 {
                return Err(Error::invalid("expectedVersion", "must be at least 1"));
            }
            if !seen.insert(&t.event) {
                return Err(Error::invalid(
                    "targets",
                    format!("event {} is named twice", t.event),
                ));
            }
        }
        Ok(())
    }

    /// The message as published.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(&TeamMessage::Action(self.clone())).unwrap_or_default()
    }
}

/// The longest team stream name (its desks' source name, `team:STREAM`, is at most 64).
const MAX_STREAM: usize = 48;

/// A stream's name as a team uses it: 1 to 48 letters, digits or `.-_:`.
pub fn check_stream(stream: &str) -> Result<()> {
    let ok = !stream.is_empty()
        && stream.len() <= MAX_STREAM
        && stream
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_:".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "stream",
            format!("must be 1 to {MAX_STREAM} letters, digits or .-_:, got {stream:?}"),
        ))
    }
}

/// The team key of the `part`-th alert of the message at `offset`.
pub fn team_key(offset: i64, part: usize) -> String {
    if part == 0 {
        offset.to_string()
    } else {
        format!("{offset}.{part}")
    }
}

/// A team key as numbers, for sorting in stream order (`None` for a key that is not one).
pub fn key_order(key: &str) -> Option<(i64, i64)> {
    match key.split_once('.') {
        Some((offset, part)) => Some((offset.parse().ok()?, part.parse().ok()?)),
        None => Some((key.parse().ok()?, 0)),
    }
}

/// How one event of an action ended, the same on every desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(
    tag = "outcome",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ActionOutcome {
    Done,
    /// The event had changed since the operator saw it; `winner` made the latest change.
    Conflict {
        winner: String,
    },
    NotFound,
    /// The action does not apply to the event as it is.
    Skipped {
        reason: String,
    },
}

impl ActionOutcome {
    fn code(&self) -> &'static str {
        match self {
            ActionOutcome::Done => "done",
            ActionOutcome::Conflict { .. } => "conflict",
            ActionOutcome::NotFound => "notFound",
            ActionOutcome::Skipped { .. } => "skipped",
        }
    }
}

/// Applies a team's stream to a database: see the module's documentation.
pub struct Replica {
    conn: Connection,
    feed: CommitFeed,
    clock: Arc<dyn Clock>,
    stream: String,
    /// Who alert messages act as: `source:team:STREAM`.
    source: Actor,
    progress: Arc<Progress>,
}

/// How far a replica is, for other threads (the desk's announcements, its status).
#[derive(Debug)]
pub struct Progress {
    /// The offset it goes on from; -1 before it applied anything.
    next_offset: AtomicI64,
    /// How many messages its last batch held.
    last_batch: AtomicUsize,
}

impl Progress {
    pub fn next_offset(&self) -> Option<i64> {
        Some(self.next_offset.load(Ordering::Relaxed)).filter(|n| *n >= 0)
    }

    pub fn last_batch(&self) -> usize {
        self.last_batch.load(Ordering::Relaxed)
    }
}

impl Replica {
    pub fn new(
        mut conn: Connection,
        feed: CommitFeed,
        clock: Arc<dyn Clock>,
        stream: &str,
    ) -> Result<Replica> {
        check_stream(stream)?;
        let source =
            Actor::source(&format!("team:{stream}")).map_err(|e| Error::invalid("stream", e))?;
        bind(&mut conn, &feed, &*clock, stream)?;
        let next = ingest::stored_offset(&conn, &format!("team:{stream}"))?;
        Ok(Replica {
            conn,
            feed,
            clock,
            stream: stream.to_owned(),
            source,
            progress: Arc::new(Progress {
                next_offset: AtomicI64::new(next.unwrap_or(-1)),
                last_batch: AtomicUsize::new(0),
            }),
        })
    }

    /// How far it is, readable while it runs elsewhere.
    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// A replica on a write connection of its own to `store`'s file.
    pub fn for_store(store: &crate::Store, stream: &str) -> Result<Replica> {
        Replica::new(
            store.connect()?,
            store.feed().clone(),
            store.clock().clone(),
            stream,
        )
    }

    /// Where its offset is kept (`ingest_offsets.source`).
    pub fn channel(&self) -> String {
        format!("team:{}", self.stream)
    }
}

/// Binds the file on `conn` to the team stream `stream` the first time a replica opens it, so
/// that nothing but that stream writes its events from then on; a file bound to another
/// stream is refused.
fn bind(conn: &mut Connection, feed: &CommitFeed, clock: &dyn Clock, stream: &str) -> Result<()> {
    let bound = feed.write(conn, clock, |w| crate::db::bind_team_file(w, stream))?;
    if bound == stream {
        Ok(())
    } else {
        Err(Error::invalid(
            "stream",
            format!(
                "this file is the replica of the team stream {bound}; a desk of {stream} needs \
                 a file of its own"
            ),
        ))
    }
}

impl Applier for Replica {
    fn next_offset(&self) -> Result<Option<i64>> {
        ingest::stored_offset(&self.conn, &self.channel())
    }

    /// Applies `batch` (deliveries from the team's stream) in one transaction, with the offset
    /// after it. A message before the stored offset (a stream may deliver from the start of
    /// the chunk that holds it) is a duplicate; a malformed one is rejected, on every desk
    /// alike, and the stream goes on.
    fn apply(&mut self, batch: &[Incoming]) -> Result<Vec<Outcome>> {
        let channel = self.channel();
        let (source, stream) = (&self.source, &self.stream);
        let applied = self.feed.write(&mut self.conn, &*self.clock, |w| {
            w.applying_team_stream();
            let mut next = ingest::stored_offset(w.conn(), &channel)?.unwrap_or(0);
            let mut outcomes = Vec::with_capacity(batch.len());
            for message in batch {
                let Delivery::Stream { offset } = message.delivery else {
                    outcomes.push(Outcome::Rejected(Error::invalid(
                        "delivery",
                        "a team's messages come from its stream",
                    )));
                    continue;
                };
                if offset < next {
                    outcomes.push(Outcome::Duplicate);
                    continue;
                }
                next = offset + 1;
                outcomes.push(apply_message(w, source, stream, offset, &message.body)?);
            }
            ingest::store_offset(w, &channel, next)?;
            Ok((outcomes, next))
        });
        if let Ok((_, next)) = &applied {
            self.progress.next_offset.store(*next, Ordering::Relaxed);
            self.progress
                .last_batch
                .store(batch.len(), Ordering::Relaxed);
        }
        applied.map(|(outcomes, _)| outcomes)
    }
}

/// Applies the message at `offset`: an action, or alerts from `source`. A malformed message
/// is rejected (`Ok`); only a storage failure is an error.
fn apply_message(
    w: &mut WriteTxn<'_>,
    source: &Actor,
    stream: &str,
    offset: i64,
    body: &[u8],
) -> Result<Outcome> {
    let value = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => value,
        Err(e) => {
            return Ok(Outcome::Rejected(Error::invalid(
                "body",
                format!("is not JSON: {e}"),
            )))
        }
    };
    if value.get("eventdesk").is_some() {
        return match serde_json::from_value::<TeamMessage>(value) {
            Ok(TeamMessage::Action(action)) => apply_action(w, stream, offset, action),
            Err(e) => Ok(Outcome::Rejected(Error::invalid(
                "body",
                format!("is not an Eventdesk team message: {e}"),
            ))),
        };
    }
    let alerts = match ingest::parse_value(value, Format::Auto) {
        Ok(alerts) => alerts,
        Err(e) => return Ok(Outcome::Rejected(e)),
    };
    let applied = alerts
        .iter()
        .enumerate()
        .map(|(part, alert)| ingest::rules::apply(w, alert, source, Some(&team_key(offset, part))))
        .collect::<Result<Vec<_>>>()?;
    Ok(Outcome::Applied(applied))
}

/// Applies an operator's action to each event it names, and keeps each outcome.
fn apply_action(
    w: &mut WriteTxn<'_>,
    stream: &str,
    offset: i64,
    message: ActionMessage,
) -> Result<Outcome> {
    if let Err(e) = message.validate() {
        return Ok(Outcome::Rejected(e));
    }
    let operator = Actor::Operator(message.operator.clone());
    let mut applied = Vec::with_capacity(message.targets.len());
    for (part, target) in message.targets.iter().enumerate() {
        let id: Option<i64> = w
            .conn()
            .prepare_cached("SELECT id FROM events WHERE team_key = ?1")?
            .query_row([&target.event], |r| r.get(0))
            .optional()?;
        let outcome = match id {
            None => ActionOutcome::NotFound,
            Some(id) => match actions::apply(
                w,
                id,
                target.expected_version,
                message.action,
                operator.clone(),
            ) {
                Ok(_) => ActionOutcome::Done,
                Err(Error::Conflict { current, .. }) => ActionOutcome::Conflict {
                    winner: current.updated_by.as_text().into_owned(),
                },
                Err(Error::InvalidInput { message, .. }) => {
                    ActionOutcome::Skipped { reason: message }
                }
                Err(e) => return Err(e),
            },
        };
        applied.push(match (&outcome, id) {
            (ActionOutcome::Done, Some(id)) => match message.action {
                Action::Acknowledge => Applied::Acknowledged { id },
                Action::Complete => Applied::Completed { id },
                Action::Reopen => Applied::Reopened { id },
            },
            (ActionOutcome::Conflict { winner }, Some(id)) => Applied::Conflict {
                id,
                winner: winner.clone(),
            },
            (ActionOutcome::Skipped { reason }, _) => Applied::Ignored {
                reason: reason.clone(),
            },
            _ => Applied::Ignored {
                reason: format!("no event {} in this team", target.event),
            },
        });
        let (winner, detail) = match &outcome {
            ActionOutcome::Conflict { winner } => (Some(winner.as_str()), None),
            ActionOutcome::Skipped { reason } => (None, Some(reason.as_str())),
            _ => (None, None),
        };
        w.conn()
            .prepare_cached(
                "INSERT INTO team_actions (stream, stream_offset, part, action_id, desk, \
                 operator, action, event_key, expected_version, outcome, winner, detail, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(rusqlite::params![
                stream,
                offset,
                part as i64,
                message.id,
                message.desk,
                message.operator,
                message.action.verb(),
                target.event,
                target.expected_version,
                outcome.code(),
                winner,
                detail,
                w.now(),
            ])?;
    }
    Ok(Outcome::Applied(applied))
}

/// What became of the action `action_id` on this desk: one outcome per event it named, in
/// its order; empty while it has not come back from the stream.
pub fn action_outcomes(conn: &Connection, action_id: &str) -> Result<Vec<(String, ActionOutcome)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_key, outcome, winner, detail FROM team_actions \
         WHERE action_id = ?1 ORDER BY stream_offset, part",
    )?;
    let rows = stmt.query_map([action_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (event, code, winner, detail) = row?;
        let outcome = match code.as_str() {
            "done" => ActionOutcome::Done,
            "conflict" => ActionOutcome::Conflict {
                winner: winner.unwrap_or_default(),
            },
            "notFound" => ActionOutcome::NotFound,
            _ => ActionOutcome::Skipped {
                reason: detail.unwrap_or_default(),
            },
        };
        out.push((event, outcome));
    }
    Ok(out)
}

/// The team keys of the events `ids`, in order: `None` for an event of this desk alone (or
/// one that does not exist).
pub fn team_keys(conn: &Connection, ids: &[i64]) -> Result<Vec<Option<String>>> {
    let mut stmt = conn.prepare_cached("SELECT team_key FROM events WHERE id = ?1")?;
    ids.iter()
        .map(|id| {
            Ok(stmt
                .query_row([id], |r| r.get::<_, Option<String>>(0))
                .optional()?
                .flatten())
        })
        .collect()
}
