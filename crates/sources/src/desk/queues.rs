//! The queues a desk reads: added, changed (URL, format, paused), removed, each with a
//! consumer of its own.

use super::{QueueConfig, RunningQueue, Sources, SourcesStatus, MAX_QUEUES, SETTING};
use crate::amqp::{self, Broker, QueueKind, QueueSource, QueueState, QueueStatus, StatusCell};
use eventdesk_core::services::ingest::{Format, Ingester};
use eventdesk_core::{Actor, Error};
use parking_lot::Mutex;
use rand::Rng;
use std::sync::Arc;
use tokio::sync::watch;

impl Sources {
    /// A saved queue with its URL from the credential store.
    pub(super) fn source_of(&self, queue: &QueueConfig) -> Result<QueueSource, Error> {
        match self.0.secrets.get(&url_secret(&queue.id))? {
            Some(url) => Ok(QueueSource {
                broker: Broker::parse(&url, None)?,
                queue: queue.queue.clone(),
                kind: queue.kind,
            }),
            None => Err(Error::invalid(
                "url",
                format!(
                    "the RabbitMQ URL for {} is not in the credential store; give it again in \
                     Sources",
                    queue.queue
                ),
            )),
        }
    }

    /// Starts a consumer for `source` (none while paused) and lists the queue.
    pub(super) fn add_running(
        &self,
        config: QueueConfig,
        source: Option<QueueSource>,
        from_environment: bool,
    ) -> Result<(), Error> {
        let status: StatusCell = Arc::new(Mutex::new(QueueStatus::named(
            &config.queue,
            &config.shown_url,
            config.kind,
        )));
        let mut queue = RunningQueue {
            config,
            status,
            stop: None,
            from_environment,
        };
        match source {
            Some(_) if self.0.team.is_some() => {
                queue.status.lock().state = on_a_team_desk();
            }
            Some(source) => queue.stop = Some(self.consume(&queue, source)?),
            None => queue.status.lock().state = QueueState::Paused,
        }
        self.0.running.lock().queues.push(queue);
        Ok(())
    }

    /// Starts reading `source` for `queue`; the sender stops it.
    fn consume(
        &self,
        queue: &RunningQueue,
        source: QueueSource,
    ) -> Result<watch::Sender<bool>, Error> {
        let actor = Actor::source(&source.channel()).map_err(|e| Error::invalid("queue", e))?;
        let bookkeeping = source.bookkeeping();
        let mut ingester =
            Ingester::for_store(&self.0.store, actor, &bookkeeping, queue.config.format)?;
        if let Some(was) = ingester.adopt_bookkeeping(|key| source.is_own_bookkeeping(key))? {
            tracing::info!(from = %was, to = %bookkeeping, "a queue's bookkeeping moved to its broker's name");
        }
        // A queue's ack deletes the message at the broker: commit durably first.
        let ingester = match source.kind {
            QueueKind::Queue => ingester.durable()?,
            QueueKind::Stream => ingester,
        };
        let kept = ingester.rejections()?;
        let (stop, stopped) = watch::channel(false);
        {
            let mut status = queue.status.lock();
            status.state = QueueState::Connecting;
            status.activity = std::mem::take(&mut status.activity).with_rejections(kept);
        }
        amqp::spawn_consumer(
            &self.0.runtime,
            source,
            ingester,
            queue.status.clone(),
            stopped,
            amqp::Until::Stopped,
        );
        Ok(stop)
    }

    fn save(&self) -> Result<(), Error> {
        let config = self.0.running.lock().config.clone();
        self.0.store.save_setting(SETTING, &config)
    }

    /// Adds a queue or stream to read, saves it (its URL in the credential store) and starts
    /// reading it.
    pub fn add_queue(
        &self,
        url: String,
        queue: String,
        kind: QueueKind,
        format: Format,
    ) -> Result<SourcesStatus, Error> {
        let url = url.trim().to_owned();
        let source = QueueSource {
            broker: Broker::parse(&url, None)?,
            queue: queue.trim().to_owned(),
            kind,
        };
        source.validate()?;
        Actor::source(&source.channel()).map_err(|e| Error::invalid("queue", e))?;
        let id = {
            let running = self.0.running.lock();
            if running.queues.len() >= MAX_QUEUES {
                return Err(Error::invalid(
                    "queue",
                    format!("a desk reads at most {MAX_QUEUES} queues"),
                ));
            }
            if running
                .queues
                .iter()
                .any(|q| q.config.queue == source.queue)
            {
                return Err(Error::invalid(
                    "queue",
                    format!("{} is read already", source.queue),
                ));
            }
            format!("{:016x}", rand::rng().random::<u64>())
        };
        let config = QueueConfig {
            id: id.clone(),
            queue: source.queue.clone(),
            kind,
            format,
            shown_url: source.shown_url(),
            paused: false,
        };
        self.0.secrets.set(&url_secret(&id), &url)?;
        self.0.running.lock().config.queues.push(config.clone());
        if let Err(e) = self.save() {
            self.0.running.lock().config.queues.retain(|q| q.id != id);
            let _ = self.0.secrets.delete(&url_secret(&id));
            return Err(e);
        }
        self.add_running(config, Some(source), false)?;
        Ok(self.status())
    }

    /// Changes a saved queue: a new URL (`None` keeps it), what its messages are, paused or
    /// not. The consumer starts again; a stream goes on from where it stopped.
    pub fn change_queue(
        &self,
        id: &str,
        url: Option<String>,
        format: Format,
        paused: bool,
    ) -> Result<SourcesStatus, Error> {
        let url = url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
        let mut config = {
            let running = self.0.running.lock();
            let queue = running
                .queues
                .iter()
                .find(|q| q.config.id == id)
                .ok_or_else(|| Error::invalid("id", format!("no source {id:?}")))?;
            if queue.from_environment {
                return Err(Error::invalid(
                    "id",
                    "this queue is set by EVENTDESK_AMQP_QUEUE; change it there",
                ));
            }
            queue.config.clone()
        };
        let source = match &url {
            Some(url) => {
                let source = QueueSource {
                    broker: Broker::parse(url, None)?,
                    queue: config.queue.clone(),
                    kind: config.kind,
                };
                source.validate()?;
                source
            }
            None => self.source_of(&config)?,
        };
        if let Some(url) = &url {
            self.0.secrets.set(&url_secret(id), url)?;
            config.shown_url = source.shown_url();
        }
        config.format = format;
        config.paused = paused;
        {
            let mut running = self.0.running.lock();
            if let Some(saved) = running.config.queues.iter_mut().find(|q| q.id == id) {
                *saved = config.clone();
            }
        }
        self.save()?;
        // Stop the consumer, then start one with the new set-up (unless paused).
        let mut running = self.0.running.lock();
        let Some(queue) = running.queues.iter_mut().find(|q| q.config.id == id) else {
            return Err(Error::invalid("id", format!("no source {id:?}")));
        };
        queue.halt();
        queue.config = config;
        // A cell of its own for the new consumer (the old one marks its cell stopped when it
        // ends); what was done so far carries over.
        let mut carried = amqp::status_of(&queue.status);
        carried.url = queue.config.shown_url.clone();
        carried.state = QueueState::Paused;
        queue.status = Arc::new(Mutex::new(carried));
        if paused {
        } else if self.0.team.is_some() {
            queue.status.lock().state = on_a_team_desk();
        } else {
            let stop = self.consume(queue, source)?;
            queue.stop = Some(stop);
        }
        drop(running);
        Ok(self.status())
    }

    /// Stops reading a queue and forgets it (and its URL). Where it stopped in a stream stays
    /// in the database: added again, it goes on from there.
    pub fn remove_queue(&self, id: &str) -> Result<SourcesStatus, Error> {
        {
            let mut running = self.0.running.lock();
            let Some(at) = running.queues.iter().position(|q| q.config.id == id) else {
                return Err(Error::invalid("id", format!("no source {id:?}")));
            };
            if running.queues[at].from_environment {
                return Err(Error::invalid(
                    "id",
                    "this queue is set by EVENTDESK_AMQP_QUEUE; change it there",
                ));
            }
            running.queues.remove(at).halt();
            running.config.queues.retain(|q| q.id != id);
        }
        self.save()?;
        self.0.secrets.delete(&url_secret(id))?;
        Ok(self.status())
    }
}

/// A queue's state on a team desk, whose file only the team's stream changes: not read.
fn on_a_team_desk() -> QueueState {
    QueueState::Failed {
        since: eventdesk_core::clock::now_ms(),
        error: "not read on a team desk: only the team's stream changes this desk's events. \
                Feed the queue's senders into the team with eventdesk-cli gateway"
            .into(),
    }
}

pub(super) fn url_secret(id: &str) -> String {
    format!("amqp:{id}")
}
