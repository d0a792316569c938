//! A team desk, headless: this desk's file is a replica of the team's RabbitMQ stream, applied
//! by a [`Replica`] on the tokio runtime it starts on; the desk announces itself to the team
//! ([`presence`]); the operator's actions on team events are published to the stream as the
//! broker user the desk logs in as, and take effect when they come back from it, on every desk
//! alike; so do its silences ([`TeamDesk::silence`]). An action waits for its own outcome (typically milliseconds) and answers as a local
//! action would: a `Conflict` naming whoever got there first, `Forbidden` when the team refused
//! it. While the broker is unreachable an action is refused with `Offline`; reads keep working
//! and the replica catches up from its stored offset when the broker is back.
//!
//! The window (`src-tauri`) and the command-line tool only adapt this to their commands.

mod setup;

pub use setup::{resolve, save_setup, saved_setup, TeamJoin, TeamSetup};

use crate::amqp::presence::{self, Heard};
use crate::amqp::{
    self, Broker, Publish, Publisher, QueueKind, QueueSource, QueueState, StatusCell,
};
use eventdesk_core::model::DEFAULT_MAX_SILENCE_MS;
use eventdesk_core::model::{Member, TeamRejection, Timer, TimerPolicy};
use eventdesk_core::services::ingest::{Applier, Incoming, Outcome};
use eventdesk_core::services::simulator::TeamSimulator;
use eventdesk_core::services::team::{
    self, ActionMessage, ActionOutcome, ActionResult, AssignMessage, NoteMessage, Progress,
    Replica, SilenceChange, SilenceMessage, SilenceResult, SnoozeMessage, TeamRef, TeamTarget,
    TimerMessage,
};
use eventdesk_core::{
    Action, Actor, BulkOutcome, Error, Event, Silence, SimControl, Store, Target,
};
use parking_lot::Mutex;
use serde::Serialize;
use specta::Type;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long an action waits to come back from the stream before the command answers.
const COME_BACK: Duration = Duration::from_secs(10);
/// How long publishing an action may take.
const PUBLISH: Duration = Duration::from_secs(5);
/// How many refused messages the status shows.
const REJECTIONS_SHOWN: usize = 20;

/// Which team a desk is in, and who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamConfig {
    /// The team's broker: the desk logs in as its user, the operator every desk sees.
    pub broker: Broker,
    pub team: TeamRef,
    /// This desk's name (a label for the desks heard).
    pub desk: String,
}

impl TeamConfig {
    pub fn validate(&self) -> Result<(), Error> {
        team::check_desk(&self.desk)?;
        team::roster::check_user("user", self.broker.user())
    }

    /// The operator: the broker user this desk logs in as.
    pub fn operator(&self) -> &str {
        self.broker.user()
    }

    /// The team's stream as a queue to consume.
    pub fn source(&self) -> QueueSource {
        QueueSource {
            broker: self.broker.clone(),
            queue: self.team.stream.clone(),
            kind: QueueKind::Stream,
        }
    }
}

/// What the window shows of the team.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TeamStatus {
    pub stream: String,
    /// The join string: `STREAM/ADMIN`.
    pub team: String,
    /// The broker user this desk acts as.
    pub operator: String,
    pub desk: String,
    /// This desk's replica of the stream: connected (to which node), offline since when and
    /// why, failed (a stream that is not this file's), what it applied.
    pub replica: amqp::QueueStatus,
    /// The stream offset this desk goes on from.
    pub next_offset: Option<i64>,
    /// More messages were waiting when the last batch was applied: the desk is catching up.
    pub catching_up: bool,
    /// Every desk heard on the team's presence exchange (this one included), by name.
    pub desks: Vec<DeskView>,
    /// The roster as the log has it at this desk's offset.
    pub roster: Vec<Member>,
    /// The messages every desk refused: how many, and the latest ones.
    pub rejected: i64,
    pub rejections: Vec<TeamRejection>,
    /// How many versions of silences this desk has applied: it moves whenever an operator
    /// anywhere in the team makes, edits or expires one, so the window reads its views again.
    pub silence_versions: i64,
    /// The team's timers, as its admin set them on the roster.
    pub timers: TimerPolicy,
}

/// A desk of the team, as this desk heard it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeskView {
    pub desk: String,
    pub operator: String,
    pub next_offset: Option<i64>,
    /// How many messages it has still to apply to reach the furthest desk heard.
    pub behind: Option<i64>,
    /// When it was last heard (Unix ms, this desk's clock).
    pub last_seen: i64,
    /// Heard within the last ten seconds.
    pub online: bool,
    pub simulating: bool,
    /// This desk.
    pub me: bool,
}

/// What became of the message `id` that changes events on this desk: one outcome per event,
/// `Forbidden` when the team refused it, `None` before it came back.
fn action_outcomes(
    conn: &eventdesk_core::db::Conn,
    id: &str,
) -> Result<Option<Result<Vec<ActionOutcome>, Error>>, Error> {
    Ok(match team::action_result(conn, id)? {
        ActionResult::Applied(outcomes) => Some(Ok(outcomes.into_iter().map(|(_, o)| o).collect())),
        ActionResult::Refused(reason) => Some(Err(Error::Forbidden { message: reason })),
        ActionResult::Pending => None,
    })
}

/// A replica that says when it has applied a batch.
struct Notifying {
    replica: Replica,
    applied: watch::Sender<u64>,
}

impl Applier for Notifying {
    fn next_offset(&self) -> eventdesk_core::Result<Option<i64>> {
        self.replica.next_offset()
    }

    fn apply(&mut self, batch: &[Incoming]) -> eventdesk_core::Result<Vec<Outcome>> {
        let outcomes = self.replica.apply(batch);
        self.applied.send_modify(|n| *n += 1);
        outcomes
    }

    fn max_message(&self) -> usize {
        self.replica.max_message()
    }

    fn resume_check(&self) -> eventdesk_core::Result<Option<(i64, String)>> {
        self.replica.resume_check()
    }
}

struct Inner {
    config: TeamConfig,
    store: Arc<Store>,
    /// A read connection of the desk's own: the team's state and each action's outcome.
    reader: Mutex<eventdesk_core::db::Conn>,
    runtime: tokio::runtime::Handle,
    status: StatusCell,
    applied: watch::Receiver<u64>,
    publisher: tokio::sync::Mutex<Option<Publisher>>,
    progress: Arc<Progress>,
    heard: Heard,
    stop: watch::Sender<bool>,
}

/// A running team desk. A cheap handle.
#[derive(Clone)]
pub struct TeamDesk(Arc<Inner>);

impl TeamDesk {
    /// Starts replicating the team's stream into `store` and announcing this desk on the
    /// current tokio runtime. `simulating` says whether the desk's simulator runs (for its
    /// announcements).
    pub fn start(
        store: Arc<Store>,
        config: TeamConfig,
        simulating: impl Fn() -> bool + Send + Sync + 'static,
    ) -> Result<TeamDesk, Error> {
        config.validate()?;
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| Error::storage(format!("a team desk needs a tokio runtime: {e}")))?;
        let source = config.source();
        let replica = Replica::for_store(&store, &config.team)?;
        let reader = Mutex::new(eventdesk_core::db::connect_read_only(store.path())?);
        let progress = replica.progress();
        let (applied_tx, applied) = watch::channel(0);
        let status: StatusCell = amqp::status_cell(&source);
        let (stop, stopped) = watch::channel(false);
        amqp::spawn_consumer(
            &runtime,
            source,
            Notifying {
                replica,
                applied: applied_tx,
            },
            status.clone(),
            stopped.clone(),
            amqp::Until::Stopped,
        );
        let heard: Heard = Arc::default();
        // Desks are heard only from users on the roster, as this desk's log has it.
        let roster = Mutex::new(eventdesk_core::db::connect_read_only(store.path())?);
        let on_roster = move |user: &str| {
            eventdesk_core::db::team::member(&*roster.lock(), user).is_ok_and(|m| m.is_some())
        };
        runtime.spawn(presence::run(
            config.broker.clone(),
            config.team.stream.clone(),
            presence::announcing(
                &config.desk,
                config.operator(),
                progress.clone(),
                simulating,
            ),
            on_roster,
            heard.clone(),
            stopped,
        ));
        tracing::info!(team = %config.team, operator = %config.operator(), desk = %config.desk, "team mode");
        Ok(TeamDesk(Arc::new(Inner {
            config,
            store,
            reader,
            runtime,
            status,
            applied,
            publisher: tokio::sync::Mutex::new(None),
            progress,
            heard,
            stop,
        })))
    }

    pub fn config(&self) -> &TeamConfig {
        &self.0.config
    }

    /// Stops replicating and announcing.
    pub fn stop(&self) {
        let _ = self.0.stop.send(true);
    }

    /// The replica's state, for a caller waiting on it.
    pub fn replica_status(&self) -> amqp::QueueStatus {
        amqp::status_of(&self.0.status)
    }

    pub fn status(&self) -> Result<TeamStatus, Error> {
        let now = eventdesk_core::clock::now_ms();
        let heard = self.0.heard.lock().clone();
        let furthest = heard.values().filter_map(|(a, _)| a.next_offset).max();
        let conn = &*self.reader();
        let (rejected, rejections) = eventdesk_core::db::team::rejections(conn, REJECTIONS_SHOWN)?;
        Ok(TeamStatus {
            stream: self.0.config.team.stream.clone(),
            team: self.0.config.team.to_string(),
            operator: self.0.config.operator().to_owned(),
            desk: self.0.config.desk.clone(),
            replica: amqp::status_of(&self.0.status),
            next_offset: self.0.progress.next_offset(),
            catching_up: self.0.progress.last_batch() >= amqp::BATCH,
            desks: heard
                .into_values()
                .map(|(a, at)| DeskView {
                    behind: furthest.map(|f| f - a.next_offset.unwrap_or(0)),
                    me: a.desk == self.0.config.desk,
                    last_seen: at,
                    online: now - at < presence::GONE_AFTER_MS,
                    desk: a.desk,
                    operator: a.operator,
                    next_offset: a.next_offset,
                    simulating: a.simulating,
                })
                .collect(),
            roster: team::members(conn)?,
            rejected,
            rejections,
            silence_versions: eventdesk_core::db::silences::versions(conn)?,
            timers: eventdesk_core::db::team::binding(conn)?
                .map(|b| b.timers)
                .unwrap_or_default(),
        })
    }

    /// What the desk's own ways in (its HTTP endpoint) publish through: the team's stream,
    /// within the team's limits as this desk's log has them.
    pub fn sink(&self) -> Result<Arc<crate::gateway::StreamSink>, Error> {
        let limits = eventdesk_core::db::team::binding(&*self.reader())?
            .map(|b| b.limits)
            .unwrap_or_default();
        crate::gateway::StreamSink::new(
            self.0.config.broker.clone(),
            &self.0.config.team.stream,
            limits,
        )
    }

    fn reader(&self) -> parking_lot::MutexGuard<'_, eventdesk_core::db::Conn> {
        self.0.reader.lock()
    }

    /// `action` on each target: through the team's stream for team events (one message), on
    /// this desk alone for events that have no team key (which a team file refuses). One
    /// outcome per target, in order.
    pub fn bulk(&self, targets: &[Target], action: Action) -> Result<Vec<BulkOutcome>, Error> {
        self.on_targets(
            targets,
            |shared| self.send(action, shared),
            |own| self.0.store.bulk(own, action),
        )
    }

    /// Snoozes each target until `until` (or wakes it): through the team's stream for team
    /// events, checked by every desk as at the time this desk sends it. One outcome per target.
    pub fn snooze(
        &self,
        targets: &[Target],
        until: Option<i64>,
    ) -> Result<Vec<BulkOutcome>, Error> {
        self.on_targets(
            targets,
            |shared| {
                let at = eventdesk_core::clock::now_ms();
                let message = SnoozeMessage::new(&self.0.config.desk, at, until, shared);
                message.validate()?;
                self.send_and_wait(&message.id, message.to_body(), "snooze", |conn| {
                    action_outcomes(conn, &message.id)
                })
            },
            |own| self.0.store.snooze(own, until),
        )
    }

    /// Assigns each target to `to` (a member of the roster; `user`: this desk's own broker
    /// user) or to nobody: through the team's stream for team events (every desk checks the
    /// assignee against its roster), on this desk for the others. One outcome per target.
    pub fn assign(
        &self,
        targets: &[Target],
        to: Option<&Actor>,
    ) -> Result<Vec<BulkOutcome>, Error> {
        if let Some(to) = to {
            eventdesk_core::db::actions::check_assignee(to)?;
        }
        let assignee = match to {
            Some(Actor::Operator(name)) => Some(name.as_str()),
            Some(_) => Some(self.0.config.operator()),
            None => None,
        };
        self.on_targets(
            targets,
            |shared| {
                let at = eventdesk_core::clock::now_ms();
                let message = AssignMessage::new(&self.0.config.desk, at, assignee, shared);
                message.validate()?;
                self.send_and_wait(&message.id, message.to_body(), "assignment", |conn| {
                    action_outcomes(conn, &message.id)
                })
            },
            |own| self.0.store.assign(own, to),
        )
    }

    /// Leaves a note on event `id`: through the team's stream for a team event (the author is
    /// the broker user), on this desk for one without a team key (which a team file refuses).
    pub fn note(&self, id: i64, text: &str) -> Result<Event, Error> {
        let text = eventdesk_core::model::check_note(text)?;
        let Some(key) = team::team_keys(&*self.reader(), &[id])?.pop().flatten() else {
            return self.0.store.add_note(id, &text, Actor::User);
        };
        let at = eventdesk_core::clock::now_ms();
        let message = NoteMessage::new(&self.0.config.desk, at, &key, &text);
        message.validate()?;
        let outcome = self.send_and_wait(&message.id, message.to_body(), "note", |conn| {
            action_outcomes(conn, &message.id)
        })?;
        match outcome.into_iter().next() {
            Some(ActionOutcome::Done) => Ok(self.0.store.get_event(id)?.event),
            Some(ActionOutcome::NotFound) => Err(Error::NotFound { id }),
            Some(ActionOutcome::Skipped { reason }) => Err(Error::invalid("note", reason)),
            Some(ActionOutcome::Conflict { .. }) | None => {
                Err(Error::storage("a note's outcome went missing"))
            }
        }
    }

    /// A change to each target: `shared` publishes the team events' (one message, answered
    /// with one outcome each), `own` applies the others' on this desk (which a team file
    /// refuses). One outcome per target, in order.
    fn on_targets(
        &self,
        targets: &[Target],
        shared_send: impl FnOnce(Vec<TeamTarget>) -> Result<Vec<ActionOutcome>, Error>,
        own_apply: impl FnOnce(&[Target]) -> Result<Vec<BulkOutcome>, Error>,
    ) -> Result<Vec<BulkOutcome>, Error> {
        let ids: Vec<i64> = targets.iter().map(|t| t.id).collect();
        let keys = team::team_keys(&*self.reader(), &ids)?;
        let shared: Vec<(usize, TeamTarget)> = targets
            .iter()
            .zip(&keys)
            .enumerate()
            .filter_map(|(i, (t, key))| {
                key.clone().map(|event| {
                    (
                        i,
                        TeamTarget {
                            event,
                            expected_version: t.expected_version,
                        },
                    )
                })
            })
            .collect();
        let own: Vec<Target> = targets
            .iter()
            .zip(&keys)
            .filter(|(_, key)| key.is_none())
            .map(|(t, _)| *t)
            .collect();
        let mut outcomes: Vec<Option<BulkOutcome>> = vec![None; targets.len()];
        if !shared.is_empty() {
            let sent = shared_send(shared.iter().map(|(_, t)| t.clone()).collect())?;
            for ((i, _), outcome) in shared.iter().zip(sent) {
                outcomes[*i] = Some(self.bulk_outcome(targets[*i].id, outcome)?);
            }
        }
        if !own.is_empty() {
            let mut done = own_apply(&own)?.into_iter();
            for slot in outcomes.iter_mut().filter(|o| o.is_none()) {
                *slot = done.next();
            }
        }
        outcomes
            .into_iter()
            .map(|o| o.ok_or_else(|| Error::storage("an action's outcome went missing")))
            .collect()
    }

    /// One action on one event, answered as a local action is.
    pub fn act(&self, id: i64, expected_version: i64, action: Action) -> Result<Event, Error> {
        let target = Target {
            id,
            expected_version,
        };
        match self.bulk(&[target], action)?.pop() {
            Some(BulkOutcome::Done { event, .. }) => Ok(event),
            Some(BulkOutcome::Conflict { current, .. }) => Err(Error::Conflict {
                expected: expected_version,
                current: Box::new(current),
            }),
            Some(BulkOutcome::NotFound { id }) => Err(Error::NotFound { id }),
            Some(BulkOutcome::Skipped { reason, .. }) => Err(Error::invalid("action", reason)),
            None => Err(Error::storage("an action's outcome went missing")),
        }
    }

    fn bulk_outcome(&self, id: i64, outcome: ActionOutcome) -> Result<BulkOutcome, Error> {
        Ok(match outcome {
            ActionOutcome::Done => BulkOutcome::Done {
                id,
                event: self.0.store.get_event(id)?.event,
            },
            ActionOutcome::Conflict { .. } => BulkOutcome::Conflict {
                id,
                current: self.0.store.get_event(id)?.event,
            },
            ActionOutcome::NotFound => BulkOutcome::NotFound { id },
            ActionOutcome::Skipped { reason } => BulkOutcome::Skipped { id, reason },
        })
    }

    /// The team's timers, as the log has them here.
    pub fn timer_policy(&self) -> Result<TimerPolicy, Error> {
        Ok(eventdesk_core::db::team::binding(&*self.reader())?
            .map(|b| b.timers)
            .unwrap_or_default())
    }

    /// Whether this desk's user may act on the team's events now (an operator or an admin on
    /// the roster): only then does the desk publish what its timers see.
    pub fn acts(&self) -> Result<bool, Error> {
        Ok(
            eventdesk_core::db::team::member(&*self.reader(), self.0.config.operator())?
                .is_some_and(|m| m.role.acts()),
        )
    }

    /// Publishes `timer`'s change to `targets`, seen now, and waits until this desk has
    /// applied it from the stream; one outcome per target. Blocks: not for the runtime's own
    /// threads.
    pub fn publish_timer(
        &self,
        timer: Timer,
        targets: Vec<TeamTarget>,
    ) -> Result<Vec<ActionOutcome>, Error> {
        let at = self.0.store.clock().now_ms();
        let message = TimerMessage::new(&self.0.config.desk, at, timer, targets);
        message.validate()?;
        self.send_and_wait(&message.id, message.to_body(), "timer", |conn| {
            action_outcomes(conn, &message.id)
        })
    }

    /// Publishes the action and waits until this desk has applied it from the stream. Must
    /// not be called on the runtime's own threads (it blocks).
    fn send(&self, action: Action, targets: Vec<TeamTarget>) -> Result<Vec<ActionOutcome>, Error> {
        let message = ActionMessage::new(&self.0.config.desk, action, targets);
        message.validate()?;
        self.send_and_wait(&message.id, message.to_body(), "action", |conn| {
            action_outcomes(conn, &message.id)
        })
    }

    /// A change to the team's silences, made as the operator at this desk: checked here as
    /// every desk will check it (so that a mistake names its field), published, and answered
    /// with the version it made once this desk has applied it from the stream (`Forbidden`
    /// with the team's reason when every desk refused it). Blocks: not for the runtime's own
    /// threads.
    pub fn silence(&self, change: SilenceChange) -> Result<Silence, Error> {
        let at = eventdesk_core::clock::now_ms();
        let max = eventdesk_core::db::team::binding(&*self.reader())?
            .map_or(DEFAULT_MAX_SILENCE_MS, |b| {
                i64::from(b.max_silence_days) * 86_400_000
            });
        let current = |key: &str| {
            eventdesk_core::db::silences::by_key(&*self.reader(), key)?.ok_or_else(|| {
                Error::invalid("id", format!("there is no silence {key} in this team"))
            })
        };
        match &change {
            SilenceChange::Add { draft } => draft.check(at, max).map(drop)?,
            SilenceChange::Edit { silence, draft, .. } => {
                current(silence)?;
                draft.check(at, max).map(drop)?;
            }
            SilenceChange::Expire { silence, .. } => current(silence).map(drop)?,
        }
        let message = SilenceMessage::new(&self.0.config.desk, at, change);
        message.validate()?;
        self.send_and_wait(&message.id, message.to_body(), "silence", |conn| {
            Ok(match team::silence_result(conn, &message.id)? {
                SilenceResult::Made(silence) => Some(Ok(silence)),
                SilenceResult::Refused(reason) => Some(Err(Error::Forbidden { message: reason })),
                SilenceResult::Pending => None,
            })
        })
    }

    /// The team key of this desk's silence `id` (what a team's messages name it by).
    pub fn silence_key(&self, id: i64) -> Result<String, Error> {
        let silence = eventdesk_core::db::silences::find(&*self.reader(), id)?
            .ok_or_else(|| Error::invalid("id", format!("there is no silence {id}")))?;
        silence.team_key.ok_or_else(|| {
            Error::invalid(
                "id",
                format!(
                    "silence {id} was made at this desk before it joined the team: the team \
                     does not have it, and a team's file takes no writes of its own"
                ),
            )
        })
    }

    /// Publishes one message (`what` it is, for messages) and waits until `result` finds what
    /// became of it on this desk.
    fn send_and_wait<T>(
        &self,
        id: &str,
        body: Vec<u8>,
        what: &str,
        result: impl Fn(&eventdesk_core::db::Conn) -> Result<Option<Result<T, Error>>, Error>,
    ) -> Result<T, Error> {
        if let QueueState::Offline { since, error } = amqp::status_of(&self.0.status).state {
            return Err(Error::Offline {
                since,
                message: error,
            });
        }
        let mut applied = self.0.applied.clone();
        self.publish(&[(id.to_owned(), body)])
            .map_err(|e| Error::Offline {
                since: eventdesk_core::clock::now_ms(),
                message: e.to_string(),
            })?;
        let deadline = tokio::time::Instant::now() + COME_BACK;
        loop {
            if let Some(outcome) = result(&self.reader())? {
                return outcome;
            }
            let changed = self
                .0
                .runtime
                .block_on(async { tokio::time::timeout_at(deadline, applied.changed()).await });
            if !matches!(changed, Ok(Ok(()))) {
                return Err(Error::Unreachable {
                    what: "the team's stream".into(),
                    message: format!(
                        "the {what} was sent but has not come back yet; it takes effect when \
                         this desk reads it"
                    ),
                });
            }
        }
    }

    /// Publishes `bodies` (each with its id) to the team's stream on the desk's connection
    /// (connecting, to another node if need be, when there is none), waiting for the broker's
    /// confirms. Blocks: not for the runtime's own threads.
    pub fn publish(&self, bodies: &[(String, Vec<u8>)]) -> Result<(), Error> {
        let published = self
            .0
            .runtime
            .block_on(async { tokio::time::timeout(PUBLISH, self.publish_async(bodies)).await });
        match published {
            Ok(outcome) => outcome,
            Err(_) => Err(Error::Unreachable {
                what: "RabbitMQ".into(),
                message: "it did not confirm within 5 s".into(),
            }),
        }
    }

    async fn publish_async(&self, bodies: &[(String, Vec<u8>)]) -> Result<(), Error> {
        let mut publisher = self.0.publisher.lock().await;
        let stream = &self.0.config.team.stream;
        let messages = || {
            bodies.iter().map(|(id, body)| Publish {
                exchange: "",
                routing_key: stream,
                body,
                message_id: id,
            })
        };
        for attempt in 0..2 {
            if !publisher.as_ref().is_some_and(Publisher::connected) {
                *publisher = Some(Publisher::connect(&self.0.config.broker).await?);
            }
            let Some(p) = publisher.as_ref() else {
                continue;
            };
            match p.publish_all(messages()).await {
                Ok(_) => return Ok(()),
                // The connection may have gone stale: once more on a new one (with the same
                // ids, so that a copy that did arrive is applied once).
                Err(e) if attempt == 0 => {
                    tracing::warn!(error = %e, "publishing to the team failed; connecting again");
                    *publisher = None;
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::storage("the messages could not be published"))
    }

    /// Runs the desk's simulator (driven by `control`) on a thread of its own, publishing what
    /// it makes to the team's stream.
    pub fn start_simulator(&self, control: Arc<SimControl>) -> Result<(), Error> {
        let desk = self.clone();
        let publish = move |messages: Vec<Vec<u8>>| {
            let desk_name = &desk.0.config.desk;
            let bodies: Vec<(String, Vec<u8>)> = messages
                .into_iter()
                .map(|body| (team::new_id(desk_name), body))
                .collect();
            desk.publish(&bodies)
        };
        let sim = TeamSimulator::new(control.config(), &self.0.config.desk, publish);
        std::thread::Builder::new()
            .name("team-simulator".into())
            .spawn(move || sim.run(&control))
            .map(|_| ())
            .map_err(|e| Error::storage(format!("cannot start the simulator: {e}")))
    }
}
