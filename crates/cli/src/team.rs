//! Team desks without a window: a headless replica of a team's stream (`replicate`), an
//! operator's action published to it (`act`), and a desk's state as canonical lines
//! (`dump --team`), so that replicas can be compared with `diff`.

use crate::open_for_any_writer;
use crate::sources::{runtime, watch_state};
use eventdesk_core::services::team::{self, ActionMessage, Replica, TeamTarget};
use eventdesk_core::{Action, CommitFeed, Error, SystemClock};
use eventdesk_sources::amqp::{
    self, presence, Publisher, QueueKind, QueueSource, QueueState, Until,
};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Applies the team's stream to the database at `path`, from where it stopped (or the
/// stream's first retained message), until interrupted or until no message came for
/// `until_idle`. With `announce` (desk, operator), the desk announces itself to the team as
/// the window does. Prints what it applied as JSON.
pub fn replicate(
    path: &Path,
    url: &str,
    stream: &str,
    until_idle: Option<Duration>,
    announce: Option<(String, String)>,
) -> Result<(), Error> {
    let source = QueueSource {
        url: url.to_owned(),
        queue: stream.to_owned(),
        kind: QueueKind::Stream,
    };
    source.validate()?;
    team::check_stream(stream)?;
    let conn = open_for_any_writer(path)?;
    let (feed, _rx) = CommitFeed::new();
    let replica = Replica::new(conn, feed, Arc::new(SystemClock), stream)?;
    if let Some((desk, operator)) = &announce {
        eventdesk_core::Actor::source(desk).map_err(|e| Error::invalid("desk", e))?;
        eventdesk_core::Actor::operator(operator).map_err(|e| Error::invalid("operator", e))?;
    }
    let progress = replica.progress();
    let status = Arc::new(Mutex::new(amqp::QueueStatus::new(&source)));
    let until = until_idle.map_or(Until::Stopped, Until::Idle);
    runtime()?.block_on(async {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = stop.send(true);
            }
        });
        let shown = tokio::spawn(watch_state(status.clone()));
        if let Some((desk, operator)) = announce {
            tokio::spawn(presence::run(
                url.to_owned(),
                stream.to_owned(),
                presence::announcing(&desk, &operator, progress, || false),
                Arc::default(),
                stopped.clone(),
            ));
        }
        amqp::consume(source, replica, status.clone(), stopped, until).await;
        shown.abort();
    });
    let done = amqp::status_of(&status);
    println!(
        "{}",
        serde_json::to_string(&done.activity.counts).map_err(Error::storage)?
    );
    match done.state {
        QueueState::Offline { error, .. } => Err(Error::Unreachable {
            what: "RabbitMQ".into(),
            message: format!("stopped after waiting: {error}"),
        }),
        QueueState::Failed { error, .. } => Err(Error::storage(format!("stopped: {error}"))),
        _ => Ok(()),
    }
}

/// Publishes one operator's action on the events named by `events` (team keys, each with
/// the version the operator saw) to the team's stream, and waits for RabbitMQ's confirm.
/// Prints the action's id: its outcome is in every replica's `team_actions` once applied.
pub fn act(
    url: &str,
    stream: &str,
    desk: &str,
    operator: &str,
    action: Action,
    targets: Vec<TeamTarget>,
) -> Result<(), Error> {
    team::check_stream(stream)?;
    let message = ActionMessage {
        id: format!("{desk}-{:016x}", rand::random::<u64>()),
        desk: desk.to_owned(),
        operator: operator.to_owned(),
        action,
        targets,
    };
    message.validate()?;
    runtime()?.block_on(async {
        let publisher = Publisher::connect(url).await?;
        publisher.publish("", stream, [message.to_body()]).await
    })?;
    println!("{}", message.id);
    Ok(())
}

/// Prints the team's view of the database at `path`; see [`team::dump`].
pub fn dump(conn: &rusqlite::Connection) -> Result<(), Error> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    team::dump(conn, &mut out)?;
    out.flush().map_err(Error::from)
}
