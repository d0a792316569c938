//! Team mode in the window: this desk's file is a replica of the team's RabbitMQ stream
//! (`EVENTDESK_TEAM_STREAM`, with `EVENTDESK_AMQP_URL`, `EVENTDESK_OPERATOR` and
//! `EVENTDESK_DESK`), applied by a [`Replica`] on Tauri's async runtime; what it commits
//! reaches the window like any other change. The operator's actions on team events are
//! published to the stream and take effect when they come back from it, on every desk alike:
//! the command waits for its own action (typically milliseconds) and answers as a local action
//! would, a `Conflict` naming whoever got there first. While the broker is unreachable an
//! action is refused with `Offline`; reads keep working and the replica catches up from its
//! stored offset when the broker is back.

use eventdesk_core::services::ingest::{Applier, Incoming, Outcome};
use eventdesk_core::services::simulator::TeamSimulator;
use eventdesk_core::services::team::{
    self, ActionMessage, ActionOutcome, Progress, Replica, TeamTarget,
};
use eventdesk_core::{Action, BulkOutcome, Error, Event, SimControl, Store, Target};
use eventdesk_sources::amqp::presence::{self, Heard};
use eventdesk_sources::amqp::{self, Publisher, QueueState, StatusCell};
use serde::Serialize;
use specta::Type;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;

/// How long an action waits to come back from the stream before the command answers.
const COME_BACK: Duration = Duration::from_secs(10);
/// How long publishing an action may take.
const PUBLISH: Duration = Duration::from_secs(5);
mod setup;

pub use setup::{save_setup, saved_setup, TeamConfig, TeamSetup};

/// Runs the desk's simulator on a thread of its own, publishing what it makes to the team's
/// stream on a connection of its own (connected again after a failure).
fn start_simulator(config: &TeamConfig, control: Arc<SimControl>) -> Result<(), Error> {
    let (url, stream) = (config.url.clone(), config.stream.clone());
    let mut publisher: Option<Publisher> = None;
    let publish = move |messages: Vec<Vec<u8>>| {
        tauri::async_runtime::block_on(async {
            if publisher.is_none() {
                publisher = Some(Publisher::connect(&url).await?);
            }
            let sent = match &publisher {
                Some(p) => p.publish("", &stream, messages).await,
                None => return Ok(()),
            };
            if sent.is_err() {
                publisher = None;
            }
            sent.map(|_| ())
        })
    };
    let sim = TeamSimulator::new(control.config(), &config.desk, publish);
    std::thread::Builder::new()
        .name("team-simulator".into())
        .spawn(move || sim.run(&control))
        .map(|_| ())
        .map_err(|e| Error::storage(format!("cannot start the simulator: {e}")))
}

/// What the window shows of the team.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TeamStatus {
    pub stream: String,
    pub operator: String,
    pub desk: String,
    /// This desk's replica of the stream: connected, offline since when and why, what it
    /// applied.
    pub replica: amqp::QueueStatus,
    /// The stream offset this desk goes on from.
    pub next_offset: Option<i64>,
    /// More messages were waiting when the last batch was applied: the desk is catching up.
    pub catching_up: bool,
    /// Every desk heard on the team's presence exchange (this one included), by name.
    pub desks: Vec<DeskView>,
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
}

struct Inner {
    config: TeamConfig,
    store: Arc<Store>,
    status: StatusCell,
    applied: watch::Receiver<u64>,
    publisher: tokio::sync::Mutex<Option<Publisher>>,
    progress: Arc<Progress>,
    heard: Heard,
    _stop: watch::Sender<bool>,
}

/// The running team mode. A cheap handle.
#[derive(Clone)]
pub struct Team(Arc<Inner>);

impl Team {
    /// Starts replicating the team's stream into `store`, announcing this desk, and the
    /// simulator (run by `control`) publishing to the stream. Must be called inside Tauri's
    /// async runtime.
    pub fn start(
        store: Arc<Store>,
        config: TeamConfig,
        control: Arc<SimControl>,
    ) -> Result<Team, Error> {
        let source = config.source();
        let replica = Replica::for_store(&store, &config.stream)?;
        let progress = replica.progress();
        let (applied_tx, applied) = watch::channel(0);
        let status: StatusCell = Arc::new(Mutex::new(amqp::QueueStatus::new(&source)));
        let (stop, stopped) = watch::channel(false);
        tauri::async_runtime::spawn(amqp::consume(
            source,
            Notifying {
                replica,
                applied: applied_tx,
            },
            status.clone(),
            stopped.clone(),
            amqp::Until::Stopped,
        ));
        let heard: Heard = Arc::default();
        let simulating = {
            let control = control.clone();
            move || control.config().running
        };
        tauri::async_runtime::spawn(presence::run(
            config.url.clone(),
            config.stream.clone(),
            presence::announcing(&config.desk, &config.operator, progress.clone(), simulating),
            heard.clone(),
            stopped,
        ));
        start_simulator(&config, control)?;
        tracing::info!(stream = %config.stream, operator = %config.operator, desk = %config.desk, "team mode");
        Ok(Team(Arc::new(Inner {
            config,
            store,
            status,
            applied,
            publisher: tokio::sync::Mutex::new(None),
            progress,
            heard,
            _stop: stop,
        })))
    }

    pub fn status(&self) -> TeamStatus {
        let now = eventdesk_core::Clock::now_ms(&eventdesk_core::SystemClock);
        let heard = self
            .0
            .heard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let furthest = heard.values().filter_map(|(a, _)| a.next_offset).max();
        let next_offset = self.0.progress.next_offset();
        TeamStatus {
            stream: self.0.config.stream.clone(),
            operator: self.0.config.operator.clone(),
            desk: self.0.config.desk.clone(),
            replica: amqp::status_of(&self.0.status),
            next_offset,
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
        }
    }

    /// `action` on each target: through the team's stream for team events (one message), on
    /// this desk alone for events that have no team key. One outcome per target, in order.
    pub fn bulk(&self, targets: &[Target], action: Action) -> Result<Vec<BulkOutcome>, Error> {
        let keys = self.team_keys(targets)?;
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
            let sent = self.send(action, shared.iter().map(|(_, t)| t.clone()).collect())?;
            for ((i, _), outcome) in shared.iter().zip(sent) {
                outcomes[*i] = Some(self.bulk_outcome(targets[*i].id, outcome)?);
            }
        }
        if !own.is_empty() {
            let mut done = self.0.store.bulk(&own, action)?.into_iter();
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

    fn team_keys(&self, targets: &[Target]) -> Result<Vec<Option<String>>, Error> {
        let ids: Vec<i64> = targets.iter().map(|t| t.id).collect();
        team::team_keys(&self.0.store.connect()?, &ids)
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

    /// Publishes the action and waits until this desk has applied it from the stream.
    fn send(&self, action: Action, targets: Vec<TeamTarget>) -> Result<Vec<ActionOutcome>, Error> {
        if let QueueState::Offline { since, error } = amqp::status_of(&self.0.status).state {
            return Err(Error::Offline {
                since,
                message: error,
            });
        }
        let message = ActionMessage {
            id: format!("{}-{:016x}", self.0.config.desk, rand::random::<u64>()),
            desk: self.0.config.desk.clone(),
            operator: self.0.config.operator.clone(),
            action,
            targets,
        };
        message.validate()?;
        let mut applied = self.0.applied.clone();
        tauri::async_runtime::block_on(async {
            let published = tokio::time::timeout(PUBLISH, self.publish(&message)).await;
            match published {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(e),
                Err(_) => Err(Error::Unreachable {
                    what: "RabbitMQ".into(),
                    message: "it did not confirm the action within 5 s".into(),
                }),
            }
        })
        .map_err(|e| Error::Offline {
            since: eventdesk_core::Clock::now_ms(&eventdesk_core::SystemClock),
            message: e.to_string(),
        })?;
        let deadline = tokio::time::Instant::now() + COME_BACK;
        let conn = self.0.store.connect()?;
        loop {
            let outcomes = team::action_outcomes(&conn, &message.id)?;
            if !outcomes.is_empty() {
                return Ok(outcomes.into_iter().map(|(_, o)| o).collect());
            }
            let changed = tauri::async_runtime::block_on(async {
                tokio::time::timeout_at(deadline, applied.changed()).await
            });
            if !matches!(changed, Ok(Ok(()))) {
                return Err(Error::Unreachable {
                    what: "the team's stream".into(),
                    message: "the action was sent but has not come back yet; it takes effect \
                              when this desk reads it"
                        .into(),
                });
            }
        }
    }

    /// Publishes on the desk's connection, connecting (again) when there is none.
    async fn publish(&self, message: &ActionMessage) -> Result<(), Error> {
        let mut publisher = self.0.publisher.lock().await;
        for attempt in 0..2 {
            if publisher.is_none() {
                *publisher = Some(Publisher::connect(&self.0.config.url).await?);
            }
            let Some(p) = publisher.as_ref() else {
                continue;
            };
            match p
                .publish("", &self.0.config.stream, [message.to_body()])
                .await
            {
                Ok(_) => return Ok(()),
                // The connection may have gone stale: once more on a new one.
                Err(e) if attempt == 0 => {
                    tracing::warn!(error = %e, "publishing an action failed; connecting again");
                    *publisher = None;
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::storage("the action could not be published"))
    }
}
