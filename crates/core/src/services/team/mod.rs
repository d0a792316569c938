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
//!   is not the current one is a conflict, won by whoever made the change in between. Who
//!   acts is the publisher RabbitMQ proved (the message's `user_id`), and only an operator or
//!   admin on the roster at that point of the log acts; an action id is applied once.
//! - **roster messages** ([`RosterMessage`]): an admin's changes to who is in the team and to
//!   its limits ([`roster`]).
//! - **silence messages** ([`SilenceMessage`]): an operator's new, edited or expired silence,
//!   made at the time the message carries ([`silences`]).
//! - **snooze messages** ([`SnoozeMessage`]): an operator's snooze or wake of events, checked
//!   as at the time the message carries, kept like an action's outcomes.
//! - **timer messages** ([`TimerMessage`]): an acknowledgement timed out or an event expired
//!   under the team's policy, seen by one desk and applied by all, kept like an action's
//!   outcomes ([`timers`]).
//!
//! Every desk applies the same messages in the same order with the same rules, so every desk
//! ends in the same state, conflicts and refusals included; each action's outcome is kept in
//! `team_actions`, each refused message in `team_rejected`, so the desk that issued an action
//! can tell its operator. A file a replica opens is bound to its team (`team_binding`): from
//! then on nothing else writes its events ([`Error::TeamFile`]), a trigger's dedup key matches
//! only the team's events, and the last message applied (offset and digest) is what the stream
//! must still hold when the desk goes on ([`Applier::resume_check`]).

use crate::clock::Clock;
use crate::db::team::{self as rows, ActionRow};
use crate::db::{actions, CommitFeed, WriteTxn};
use crate::db::{Conn, Handle};
use crate::error::{Error, Result};
use crate::model::{Action, Actor, MessageLimits, Role, TeamRejection, Timer};
use crate::services::ingest::{self, Applied, Applier, Delivery, Format, Incoming, Outcome};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;

mod assign;
mod dump;
mod note;
pub mod roster;
pub mod silences;
mod snooze;
mod timers;

pub use assign::AssignMessage;
pub use dump::dump;
pub use note::NoteMessage;
pub use roster::{RosterMessage, TeamRef};
pub use silences::{silence_result, SilenceChange, SilenceMessage, SilenceResult};
pub use snooze::SnoozeMessage;
pub use timers::TimerMessage;

/// One event an action names: its team key and the version the operator saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamTarget {
    pub event: String,
    pub expected_version: i64,
}

/// An operator's action, as a team's stream carries it:
/// `{"eventdesk":"action","id":"…","desk":"…","action":"acknowledge","targets":[{"event":"1234","expectedVersion":2}]}`.
/// Who acts is not in the body: it is the publisher RabbitMQ proved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionMessage {
    /// Chosen by the desk that publishes it, so that it knows its own action when it comes
    /// back; an id is applied once.
    pub id: String,
    /// The desk it was sent from (a label: the operator is proven, the desk is not).
    pub desk: String,
    pub action: Action,
    pub targets: Vec<TeamTarget>,
}

/// What a team's stream carries besides alert messages, told apart by the `eventdesk` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "eventdesk", rename_all = "lowercase")]
pub enum TeamMessage {
    Action(ActionMessage),
    Roster(RosterMessage),
    Silence(SilenceMessage),
    Snooze(SnoozeMessage),
    Timer(TimerMessage),
    Note(NoteMessage),
    Assign(AssignMessage),
}

/// A new id for a message published from `desk`.
pub fn new_id(desk: &str) -> String {
    format!("{desk}-{:016x}", rand::random::<u64>())
}

/// The longest action id, desk name and team key accepted.
const MAX_TEXT: usize = 64;
/// The longest desk name: an action's id is the desk's name, a dash and 16 hex digits, and
/// must fit in [`MAX_TEXT`].
pub const MAX_DESK: usize = MAX_TEXT - 17;

/// A desk's name as every part of a team takes it: a source name (letters, digits, `.`, `_`,
/// `-`) of at most [`MAX_DESK`] characters, so that the ids of its actions fit.
pub fn check_desk(name: &str) -> Result<()> {
    Actor::source(name).map_err(|e| Error::invalid("desk", e))?;
    if name.chars().count() > MAX_DESK {
        return Err(Error::invalid(
            "desk",
            format!("must be at most {MAX_DESK} characters"),
        ));
    }
    Ok(())
}

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
    /// `action` on `targets`, sent from `desk`, with a new id.
    pub fn new(desk: &str, action: Action, targets: Vec<TeamTarget>) -> ActionMessage {
        ActionMessage {
            id: new_id(desk),
            desk: desk.to_owned(),
            action,
            targets,
        }
    }

    /// A message any desk will apply: names within limits, 1 to [`actions::MAX_BULK`]
    /// events, each once, with a version of at least 1.
    pub fn validate(&self) -> Result<()> {
        check_text("id", &self.id)?;
        check_desk(&self.desk)?;
        check_targets(&self.targets)
    }

    /// The message as published.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(&TeamMessage::Action(self.clone())).unwrap_or_default()
    }
}

/// 1 to [`actions::MAX_BULK`] events, each once, with a version of at least 1.
fn check_targets(targets: &[TeamTarget]) -> Result<()> {
    if targets.is_empty() || targets.len() > actions::MAX_BULK {
        return Err(Error::invalid(
            "targets",
            format!("must name 1 to {} events", actions::MAX_BULK),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for t in targets {
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

/// The last millisecond of the year 9999: no message is made later.
const MAX_TIME: i64 = 253_402_300_799_999;

/// The head of a message stamped by the desk that sent it: its id, its desk, and a time
/// between 1970 and 9999 (Unix ms).
fn check_stamped(id: &str, desk: &str, at: i64) -> Result<()> {
    check_text("id", id)?;
    check_desk(desk)?;
    if !(1..=MAX_TIME).contains(&at) {
        return Err(Error::invalid(
            "at",
            "must be a time between 1970 and 9999 (Unix ms)",
        ));
    }
    Ok(())
}

/// What a message that changes events names: its id, its desk, what it does, its targets.
struct Targeted<'a> {
    id: &'a str,
    desk: &'a str,
    verb: &'static str,
    targets: &'a [TeamTarget],
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
    conn: Conn,
    feed: CommitFeed,
    clock: Arc<dyn Clock>,
    team: TeamRef,
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
    /// The team's message limit as the log has set it so far.
    max_message: AtomicU32,
}

impl Progress {
    pub fn next_offset(&self) -> Option<i64> {
        Some(self.next_offset.load(Ordering::Relaxed)).filter(|n| *n >= 0)
    }

    pub fn last_batch(&self) -> usize {
        self.last_batch.load(Ordering::Relaxed)
    }
}

/// The longest reason kept for a refused message.
const MAX_REASON: usize = 300;
/// How often (in offsets) origin ids that fell out of their window are forgotten.
const FORGET_EVERY: i64 = 5_000;

impl Replica {
    /// A replica of `team` on `conn`'s file. The first replica binds the file to its team;
    /// a file bound to another team, or made before team actions were proven, is refused.
    pub fn new(
        mut conn: Conn,
        feed: CommitFeed,
        clock: Arc<dyn Clock>,
        team: &TeamRef,
    ) -> Result<Replica> {
        let source = Actor::source(&format!("team:{}", team.stream))
            .map_err(|e| Error::invalid("stream", e))?;
        // A replica writes a whole stream (its offset stored with each batch: a commit lost
        // with the power is read again from the stream).
        crate::db::tune_for_streaming(&conn)?;
        let binding = feed.write(&mut conn, &*clock, |w| {
            crate::db::bind_team_file(w, &team.stream, &team.admin)
        })?;
        let refused = |message: String| Err(Error::invalid("team", message));
        match &binding.admin {
            _ if binding.stream != team.stream => {
                return refused(format!(
                    "this file is the replica of the team stream {}; a desk of {} needs a file \
                     of its own",
                    binding.stream, team.stream
                ))
            }
            None => {
                return refused(format!(
                    "this file replicated {} before team actions were proven by RabbitMQ; \
                     replicate the team into a new file",
                    team.stream
                ))
            }
            Some(admin) if *admin != team.admin => {
                return refused(format!(
                    "this file is the replica of {}/{admin}, not of {team}: the team's founder \
                     differs",
                    binding.stream
                ))
            }
            Some(_) => {}
        }
        let next = ingest::stored_offset(&conn, &channel(&team.stream))?;
        Ok(Replica {
            conn,
            feed,
            clock,
            team: team.clone(),
            source,
            progress: Arc::new(Progress {
                next_offset: AtomicI64::new(next.unwrap_or(-1)),
                last_batch: AtomicUsize::new(0),
                max_message: AtomicU32::new(binding.limits.max_message),
            }),
        })
    }

    /// How far it is, readable while it runs elsewhere.
    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// A replica on a write connection of its own to `store`'s file.
    pub fn for_store(store: &crate::Store, team: &TeamRef) -> Result<Replica> {
        Replica::new(
            store.connect()?,
            store.feed().clone(),
            store.clock().clone(),
            team,
        )
    }

    pub fn team(&self) -> &TeamRef {
        &self.team
    }

    /// Where its offset is kept (`ingest_offsets.source`).
    pub fn channel(&self) -> String {
        channel(&self.team.stream)
    }
}

fn channel(stream: &str) -> String {
    format!("team:{stream}")
}

impl Applier for Replica {
    fn next_offset(&self) -> Result<Option<i64>> {
        ingest::stored_offset(&self.conn, &self.channel())
    }

    fn max_message(&self) -> usize {
        self.progress.max_message.load(Ordering::Relaxed) as usize
    }

    fn resume_check(&self) -> Result<Option<(i64, String)>> {
        Ok(rows::binding(&self.conn)?.and_then(|b| b.last))
    }

    /// Applies `batch` (deliveries from the team's stream) in one transaction, with the offset
    /// after it. A message before the stored offset (a stream may deliver from the start of
    /// the chunk that holds it) is a duplicate; a refused one is kept as such, on every desk
    /// alike, and the stream goes on.
    fn apply(&mut self, batch: &[Incoming]) -> Result<Vec<Outcome>> {
        let channel = self.channel();
        let (source, team) = (&self.source, &self.team);
        let applied = self.feed.write(&mut self.conn, &*self.clock, |w| {
            w.applying_team_stream();
            let mut next = ingest::stored_offset(w, &channel)?.unwrap_or(0);
            let mut limits = rows::binding(w)?.map(|b| b.limits).unwrap_or_default();
            // The first and last messages applied: what the stream must still hold when the
            // desk goes on (the last), and where this desk began (the first).
            let mut span: Option<(i64, &Incoming, i64, &Incoming)> = None;
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
                if next / FORGET_EVERY != (offset + 1) / FORGET_EVERY {
                    rows::forget_seen(w, offset)?;
                }
                next = offset + 1;
                let mut ctx = Context {
                    w,
                    team,
                    source,
                    offset,
                    limits: &mut limits,
                    action_id: None,
                };
                let outcome = ctx.apply(message)?;
                let action_id = ctx.action_id.take();
                span = Some(match span {
                    Some((first_offset, first, _, _)) => (first_offset, first, offset, message),
                    None => (offset, message, offset, message),
                });
                if let Outcome::Rejected(e) = &outcome {
                    let mut reason = e.to_string();
                    if reason.chars().count() > MAX_REASON {
                        reason = reason.chars().take(MAX_REASON).collect::<String>() + "…";
                    }
                    rows::reject(
                        w,
                        &TeamRejection {
                            offset,
                            user: message.user_id.clone(),
                            action_id,
                            reason,
                            size: message.size() as i64,
                        },
                    )?;
                }
                outcomes.push(outcome);
            }
            if let Some((first_offset, first, last_offset, last)) = span {
                rows::record_applied(
                    w,
                    (first_offset, &first.digest()),
                    (last_offset, &last.digest()),
                )?;
            }
            ingest::store_offset(w, &channel, next)?;
            Ok((outcomes, next, limits))
        });
        if let Ok((_, next, limits)) = &applied {
            self.progress.next_offset.store(*next, Ordering::Relaxed);
            self.progress
                .last_batch
                .store(batch.len(), Ordering::Relaxed);
            self.progress
                .max_message
                .store(limits.max_message, Ordering::Relaxed);
        }
        applied.map(|(outcomes, _, _)| outcomes)
    }
}

/// One message being applied: where it is and what the log says so far.
struct Context<'a, 'c> {
    w: &'a mut WriteTxn<'c>,
    team: &'a TeamRef,
    source: &'a Actor,
    offset: i64,
    limits: &'a mut MessageLimits,
    /// The action id of the message, once it is known to be an action.
    action_id: Option<String>,
}

impl Context<'_, '_> {
    /// Applies the message: an action, a roster change, or alerts. A message refused is
    /// `Ok(Rejected)`; only a storage failure (or a body that must be read again) is an error.
    fn apply(&mut self, message: &Incoming) -> Result<Outcome> {
        let size = message.size();
        if size > self.limits.max_message as usize {
            return Ok(Outcome::Rejected(ingest::too_large(size, *self.limits)));
        }
        if message.dropped.is_some() {
            // Let go on arrival under a smaller limit than the log sets now: not applied
            // (nothing of the batch is), read again with the new limit.
            return Err(Error::Unreachable {
                what: "the team's stream".into(),
                message: "the team's message limit was raised; reading again".into(),
            });
        }
        if let Some(id) = &message.message_id {
            // Published again (a retry after a lost confirm): the same id and the same bytes.
            let digest = ingest::fnv1a(id.as_bytes().iter().chain(&[0xff]).chain(&message.body));
            if rows::seen_before(self.w, digest as i64, self.offset)? {
                return Ok(Outcome::Duplicate);
            }
        }
        let value = match serde_json::from_slice::<serde_json::Value>(&message.body) {
            Ok(value) => value,
            Err(e) => {
                return Ok(Outcome::Rejected(Error::invalid(
                    "body",
                    format!("is not JSON: {e}"),
                )))
            }
        };
        let Some(kind) = value.get("eventdesk") else {
            return self.alerts(value);
        };
        if ["action", "silence", "snooze", "timer", "note", "assign"]
            .iter()
            .any(|k| kind == k)
        {
            self.action_id = value
                .get("id")
                .and_then(serde_json::Value::as_str)
                .filter(|id| check_text("id", id).is_ok())
                .map(str::to_owned);
        }
        let user = message.user_id.as_deref();
        match serde_json::from_value::<TeamMessage>(value) {
            Ok(TeamMessage::Action(action)) => self.action(user, action),
            Ok(TeamMessage::Roster(change)) => self.roster(user, change),
            Ok(TeamMessage::Silence(change)) => self.silence(user, change),
            Ok(TeamMessage::Snooze(snooze)) => self.snooze(user, snooze),
            Ok(TeamMessage::Timer(timer)) => self.timer(user, timer),
            Ok(TeamMessage::Note(note)) => self.note(user, note),
            Ok(TeamMessage::Assign(assign)) => self.assign(user, assign),
            Err(e) => Ok(Outcome::Rejected(Error::invalid(
                "body",
                format!("is not an Eventdesk team message: {e}"),
            ))),
        }
    }

    /// Alerts, acting as the team's source.
    fn alerts(&mut self, value: serde_json::Value) -> Result<Outcome> {
        let alerts = match ingest::parse_value(value, Format::Auto, *self.limits) {
            Ok(alerts) => alerts,
            Err(e) => return Ok(Outcome::Rejected(e)),
        };
        // Every alert in the log acts as the team's source, so the team's keys are one scope.
        let owners = [self.source.as_text().into_owned()];
        let applied = alerts
            .iter()
            .enumerate()
            .map(|(part, alert)| {
                ingest::rules::apply(
                    self.w,
                    alert,
                    self.source,
                    &owners,
                    Some(&team_key(self.offset, part)),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Outcome::Applied(applied))
    }

    /// Who published the message, as the roster knows them now: `Err` (the refusal) for a
    /// message without a proven user, or a user not on the roster.
    fn member(
        &self,
        user: Option<&str>,
    ) -> Result<std::result::Result<crate::model::Member, Error>> {
        let Some(user) = user else {
            return Ok(Err(Error::Forbidden {
                message: "the message carries no user_id: RabbitMQ did not prove who sent it"
                    .into(),
            }));
        };
        Ok(rows::member(self.w, user)?.ok_or_else(|| Error::Forbidden {
            message: format!("{user} is not on the team's roster"),
        }))
    }

    /// An admin's change to the roster or the team's limits.
    fn roster(&mut self, user: Option<&str>, change: RosterMessage) -> Result<Outcome> {
        let member = match self.member(user)? {
            Ok(member) if member.role == Role::Admin => member,
            Ok(member) => {
                return Ok(Outcome::Rejected(Error::Forbidden {
                    message: format!(
                        "only an admin changes the roster; {} is {}",
                        member.user,
                        member.role.as_str()
                    ),
                }))
            }
            Err(refused) => return Ok(Outcome::Rejected(refused)),
        };
        if let Err(e) = change.validate(&self.team.admin) {
            return Ok(Outcome::Rejected(e));
        }
        for m in &change.set {
            rows::set_member(self.w, m, self.offset)?;
        }
        for user in &change.remove {
            rows::remove_member(self.w, user)?;
        }
        if let Some(limits) = change.limits {
            rows::set_limits(self.w, limits)?;
            *self.limits = limits;
        }
        if let Some(days) = change.max_silence_days {
            rows::set_max_silence_days(self.w, days)?;
        }
        if let Some(timers) = &change.timers {
            rows::set_timers(self.w, timers)?;
        }
        tracing::debug!(admin = %member.user, offset = self.offset, "roster changed");
        Ok(Outcome::Applied(Vec::new()))
    }

    /// Who published the message, when the roster lets them act (an operator or an admin);
    /// `Err` is the refusal.
    fn acting(
        &self,
        user: Option<&str>,
    ) -> Result<std::result::Result<crate::model::Member, Error>> {
        Ok(self.member(user)?.and_then(|member| {
            if member.role.acts() {
                Ok(member)
            } else {
                Err(Error::Forbidden {
                    message: format!(
                        "{} is a {} of the team: a viewer's actions are not applied",
                        member.user,
                        member.role.as_str()
                    ),
                })
            }
        }))
    }

    /// An operator's new, edited or expired silence; its id applied once.
    fn silence(&mut self, user: Option<&str>, message: SilenceMessage) -> Result<Outcome> {
        let member = match self.acting(user)? {
            Ok(member) => member,
            Err(refused) => return Ok(Outcome::Rejected(refused)),
        };
        let conn = &*self.w;
        let earlier = crate::db::silences::by_origin(conn, &message.id)?
            .map(|s| format!("applied as version {} of silence {}", s.version, s.id))
            .or(rows::action_refused(conn, &message.id)?.map(|_| "refused before".to_owned()));
        if let Some(earlier) = earlier {
            return Ok(Outcome::Rejected(Error::Forbidden {
                message: format!(
                    "silence message {} was {earlier}: a copy is not applied again",
                    message.id
                ),
            }));
        }
        let author = match Actor::operator(&member.user) {
            Ok(author) => author,
            Err(e) => return Ok(Outcome::Rejected(Error::invalid("user_id", e))),
        };
        let max_days = rows::binding(&*self.w)?.map_or(30, |b| b.max_silence_days);
        match silences::apply(self.w, &message, &author, i64::from(max_days) * 86_400_000) {
            Ok(silence) => {
                tracing::debug!(operator = %member.user, silence = silence.id,
                                version = silence.version, "silence applied");
                Ok(Outcome::Applied(Vec::new()))
            }
            Err(refused @ Error::InvalidInput { .. }) => Ok(Outcome::Rejected(refused)),
            Err(e) => Err(e),
        }
    }

    /// An operator's action on each event it names, each outcome kept.
    fn action(&mut self, user: Option<&str>, message: ActionMessage) -> Result<Outcome> {
        let action = message.action;
        let targeted = Targeted {
            id: &message.id,
            desk: &message.desk,
            verb: action.verb(),
            targets: &message.targets,
        };
        self.on_targets(
            user,
            targeted,
            message.validate(),
            |w, id, version, operator| actions::apply(w, id, version, action, operator),
            |id| match action {
                Action::Acknowledge => Applied::Acknowledged { id },
                Action::Complete => Applied::Completed { id },
                Action::Reopen => Applied::Reopened { id },
            },
        )
    }

    /// An operator's snooze (or wake) of each event it names, checked as at the time the
    /// message carries, each outcome kept.
    fn snooze(&mut self, user: Option<&str>, message: SnoozeMessage) -> Result<Outcome> {
        let (until, at) = (message.until, message.at);
        let targeted = Targeted {
            id: &message.id,
            desk: &message.desk,
            verb: message.verb(),
            targets: &message.targets,
        };
        self.on_targets(
            user,
            targeted,
            message.validate(),
            |w, id, version, operator| actions::snooze_at(w, id, version, until, operator, at),
            |id| Applied::Snoozed { id },
        )
    }

    /// An operator's claim, assignment or release of each event it names: the assignee must
    /// be an operator or admin of the roster as the log has it here; each outcome kept.
    fn assign(&mut self, user: Option<&str>, message: AssignMessage) -> Result<Outcome> {
        let assignee = match &message.assignee {
            None => None,
            Some(name) => match rows::member(&*self.w, name)? {
                Some(m) if m.role.acts() => {
                    Some(Actor::operator(name).map_err(|e| Error::invalid("assignee", e)))
                }
                Some(m) => Some(Err(Error::invalid(
                    "assignee",
                    format!(
                        "{name} is a {} of the team: only operators and admins take events",
                        m.role.as_str()
                    ),
                ))),
                None => Some(Err(Error::invalid(
                    "assignee",
                    format!("{name} is not on the team's roster"),
                ))),
            },
        };
        let valid = match &assignee {
            Some(Err(e)) => Err(e.clone()),
            _ => message.validate(),
        };
        let to = assignee.and_then(std::result::Result::ok);
        let targeted = Targeted {
            id: &message.id,
            desk: &message.desk,
            verb: "assign",
            targets: &message.targets,
        };
        self.on_targets(
            user,
            targeted,
            valid,
            |w, id, version, operator| actions::assign(w, id, version, to.as_ref(), operator),
            |id| Applied::Assigned { id },
        )
    }

    /// An operator's note on the event it names, kept once.
    fn note(&mut self, user: Option<&str>, message: NoteMessage) -> Result<Outcome> {
        // A note asks for no version: its one target names the event only.
        let targets = [TeamTarget {
            event: message.event.clone(),
            expected_version: 1,
        }];
        let targeted = Targeted {
            id: &message.id,
            desk: &message.desk,
            verb: "note",
            targets: &targets,
        };
        let text = &message.text;
        self.on_targets(
            user,
            targeted,
            message.validate(),
            |w, id, _version, operator| actions::note(w, id, text, operator),
            |id| Applied::Noted { id },
        )
    }

    /// A timer's change to each event it names, under the team's policy as the log has it at
    /// this point; the publisher must act (an operator or an admin), the change is the
    /// timer's. Each outcome kept.
    fn timer(&mut self, user: Option<&str>, message: TimerMessage) -> Result<Outcome> {
        let timer = message.timer;
        let policy = rows::binding(&*self.w)?
            .map(|b| b.timers)
            .unwrap_or_default();
        let targeted = Targeted {
            id: &message.id,
            desk: &message.desk,
            // Kept as what it does to the event.
            verb: match timer {
                Timer::AckTimeout => "reopen",
                Timer::Expiry | Timer::Senders => "complete",
            },
            targets: &message.targets,
        };
        self.on_targets(
            user,
            targeted,
            message.validate(),
            |w, id, version, _publisher| crate::db::timers::apply(w, id, version, timer, &policy),
            |id| match timer {
                Timer::AckTimeout => Applied::Reopened { id },
                Timer::Expiry | Timer::Senders => Applied::Completed { id },
            },
        )
    }

    /// An operator's change (`apply`) to each event a message names, once per message id,
    /// each outcome kept; `valid` is the message's own check.
    fn on_targets(
        &mut self,
        user: Option<&str>,
        message: Targeted<'_>,
        valid: Result<()>,
        apply: impl Fn(&mut WriteTxn<'_>, i64, i64, Actor) -> Result<crate::model::Event>,
        done: impl Fn(i64) -> Applied,
    ) -> Result<Outcome> {
        let member = match self.acting(user)? {
            Ok(member) => member,
            Err(refused) => return Ok(Outcome::Rejected(refused)),
        };
        if let Err(e) = valid {
            return Ok(Outcome::Rejected(e));
        }
        let conn = &*self.w;
        let earlier = rows::action_applied_at(conn, message.id)?
            .map(|at| format!("applied at offset {at}"))
            .or(rows::action_refused(conn, message.id)?.map(|_| "refused before".to_owned()));
        if let Some(earlier) = earlier {
            return Ok(Outcome::Rejected(Error::Forbidden {
                message: format!(
                    "action {} was {earlier}: a copy is not applied again",
                    message.id
                ),
            }));
        }
        let operator = match Actor::operator(&member.user) {
            Ok(operator) => operator,
            Err(e) => return Ok(Outcome::Rejected(Error::invalid("user_id", e))),
        };
        let mut applied = Vec::with_capacity(message.targets.len());
        for (part, target) in message.targets.iter().enumerate() {
            let id = rows::event_by_key(self.w, &target.event)?;
            let outcome = match id {
                None => ActionOutcome::NotFound,
                Some(id) => match apply(self.w, id, target.expected_version, operator.clone()) {
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
                (ActionOutcome::Done, Some(id)) => done(id),
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
            rows::record_action(
                self.w,
                &self.team.stream,
                &ActionRow {
                    offset: self.offset,
                    part,
                    action_id: message.id,
                    desk: message.desk,
                    operator: &member.user,
                    action: message.verb,
                    event: &target.event,
                    expected_version: target.expected_version,
                    outcome: outcome.code(),
                    winner,
                    detail,
                },
            )?;
        }
        Ok(Outcome::Applied(applied))
    }
}

/// What became of an action on this desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionResult {
    /// It has not come back from the stream yet.
    Pending,
    /// Every desk refused it; the reason.
    Refused(String),
    /// One outcome per event it named, in its order.
    Applied(Vec<(String, ActionOutcome)>),
}

/// What became of the action `action_id` on this desk.
pub fn action_result(conn: &impl Handle, action_id: &str) -> Result<ActionResult> {
    let rows = rows::action_rows(conn, action_id)?;
    if rows.is_empty() {
        return Ok(match rows::action_refused(conn, action_id)? {
            Some(reason) => ActionResult::Refused(reason),
            None => ActionResult::Pending,
        });
    }
    Ok(ActionResult::Applied(
        rows.into_iter()
            .map(|row| {
                let outcome = match row.outcome.as_str() {
                    "done" => ActionOutcome::Done,
                    "conflict" => ActionOutcome::Conflict {
                        winner: row.winner.unwrap_or_default(),
                    },
                    "notFound" => ActionOutcome::NotFound,
                    _ => ActionOutcome::Skipped {
                        reason: row.detail.unwrap_or_default(),
                    },
                };
                (row.event, outcome)
            })
            .collect(),
    ))
}

pub use crate::db::team::{roster as members, team_keys};
