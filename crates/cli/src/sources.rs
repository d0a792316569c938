//! The commands that bring events in from outside (`ingest`) and that set RabbitMQ up for it
//! (`declare`, `publish`).

use crate::open_for_writing;
use crate::team::BrokerArgs;
use eventdesk_core::model::MessageLimits;
use eventdesk_core::services::ingest::{Counts, Format, Ingester};
use eventdesk_core::{Actor, CommitFeed, Error, SystemClock};
use eventdesk_sources::amqp::{self, Broker, Publisher, QueueKind, QueueSource, QueueState, Until};
use eventdesk_sources::lines;
use std::io::BufRead;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where `ingest` reads from.
pub enum Input {
    Stdin,
    Queue(QueueSource),
}

/// The broker a command names (`--amqp`, which must not carry a password, or the
/// environment).
pub(crate) fn broker(args: &BrokerArgs) -> Result<Broker, Error> {
    Broker::for_command(args.amqp.as_deref(), |name| std::env::var(name).ok())
}

/// Resolves when the process is asked to stop: Ctrl+C, or SIGTERM (a service manager).
pub(crate) async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::from)
}

/// The report printed when `ingest` ends, one JSON object: the counts and, for standard
/// input, the lines read and the numbers of the rejected ones (the first 100).
fn report(counts: &Counts, lines: Option<(u64, Vec<u64>)>) -> String {
    let mut value = serde_json::to_value(counts).unwrap_or_default();
    if let (Some((lines, rejected)), Some(object)) = (lines, value.as_object_mut()) {
        object.insert("lines".into(), lines.into());
        object.insert("rejectedLines".into(), rejected.into());
    }
    value.to_string()
}

/// Applies messages from `from` to the database at `path` as `actor` (default `source:stdin`
/// or `source:rabbitmq:QUEUE`). Standard input: to its end; a rejected line is named on
/// standard error and makes the exit status 1, the others are applied. A queue: until
/// interrupted, or until no message came for `until_idle`.
pub fn ingest(
    path: &Path,
    from: Input,
    format: Format,
    actor: Option<Actor>,
    until_idle: Option<Duration>,
    limits: MessageLimits,
) -> Result<(), Error> {
    let conn = open_for_writing(path)?;
    let (feed, _rx) = CommitFeed::new();
    match from {
        Input::Stdin => {
            let actor = actor.unwrap_or(Actor::Source("stdin".into()));
            let ingester = Ingester::new(conn, feed, Arc::new(SystemClock), actor, "stdin", format)
                .with_limits(limits);
            let done = lines::ingest(std::io::stdin(), ingester, |_| {})?;
            for (line, reason) in &done.rejected {
                eprintln!("line {line}: {reason}");
            }
            if done.counts.rejected > done.rejected.len() as i64 {
                eprintln!(
                    "… and {} more rejected lines",
                    done.counts.rejected - done.rejected.len() as i64
                );
            }
            let numbers = done.rejected.iter().map(|(n, _)| *n).collect();
            println!("{}", report(&done.counts, Some((done.lines, numbers))));
            if done.counts.rejected > 0 {
                return Err(Error::invalid(
                    "input",
                    format!(
                        "{} of {} lines were rejected (the others were applied)",
                        done.counts.rejected, done.lines
                    ),
                ));
            }
            Ok(())
        }
        Input::Queue(source) => {
            source.validate()?;
            let channel = source.channel();
            let actor =
                actor.unwrap_or(Actor::source(&channel).map_err(|e| Error::invalid("queue", e))?);
            let ingester =
                Ingester::new(conn, feed, Arc::new(SystemClock), actor, &channel, format)
                    .with_limits(limits);
            let status = Arc::new(Mutex::new(amqp::QueueStatus::new(&source)));
            let until = until_idle.map_or(Until::Stopped, Until::Idle);
            let rt = runtime()?;
            rt.block_on(async {
                let (stop, stopped) = tokio::sync::watch::channel(false);
                tokio::spawn(async move {
                    interrupted().await;
                    let _ = stop.send(true);
                });
                let progress = tokio::spawn(watch_state(status.clone()));
                amqp::consume(source, ingester, status.clone(), stopped, until).await;
                progress.abort();
            });
            let done = amqp::status_of(&status);
            println!("{}", report(&done.activity.counts, None));
            match done.state {
                QueueState::Offline { error, .. } => Err(Error::Unreachable {
                    what: "RabbitMQ".into(),
                    message: format!("stopped after waiting: {error}"),
                }),
                QueueState::Failed { error, .. } => {
                    Err(Error::storage(format!("stopped: {error}")))
                }
                _ => Ok(()),
            }
        }
    }
}

/// Says on standard error when a consumer connects (to which node) or goes offline (until
/// aborted).
pub(crate) async fn watch_state(status: amqp::StatusCell) {
    let mut shown = String::new();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = amqp::status_of(&status);
        let line = match now.state {
            QueueState::Offline { error, .. } => format!("offline: {error} (trying again)"),
            QueueState::Connected { .. } => match now.node {
                Some(node) => format!("connected to {node}"),
                None => "connected".to_owned(),
            },
            _ => continue,
        };
        if line != shown {
            eprintln!("{line}");
            shown = line;
        }
    }
}

/// Declares a durable queue or stream (on `replicas` nodes of a cluster), bound to an exchange
/// if asked.
pub fn declare(
    broker: &Broker,
    queue: &str,
    kind: QueueKind,
    bind: Option<(&str, &str)>,
    max_age: Option<&str>,
    replicas: Option<u8>,
) -> Result<(), Error> {
    runtime()?.block_on(async {
        let publisher = Publisher::connect(broker).await?;
        let declared = publisher
            .declare(queue, kind, bind, max_age, replicas)
            .await;
        publisher.close().await;
        declared
    })?;
    println!("declared {queue}");
    Ok(())
}

/// Deletes a queue or stream.
pub fn delete(broker: &Broker, queue: &str) -> Result<(), Error> {
    runtime()?.block_on(async {
        let publisher = Publisher::connect(broker).await?;
        let deleted = publisher.delete(queue).await;
        publisher.close().await;
        deleted
    })?;
    println!("deleted {queue}");
    Ok(())
}

/// Publishes each non-blank line of standard input as one message, waiting for the broker's
/// confirms; prints how many.
pub fn publish(broker: &Broker, exchange: &str, routing_key: &str) -> Result<(), Error> {
    let mut bodies = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| Error::invalid("input", format!("cannot read it: {e}")))?;
        if !line.trim().is_empty() {
            bodies.push(line.into_bytes());
        }
    }
    let confirmed = runtime()?.block_on(async {
        let publisher = Publisher::connect(broker).await?;
        let sent = publisher.publish(exchange, routing_key, bodies).await;
        publisher.close().await;
        sent
    })?;
    println!("published {confirmed}");
    Ok(())
}
