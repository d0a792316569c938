//! `ingest`: alert messages (PagerDuty Events API v2 or Alertmanager webhook JSON) applied to a
//! local database, from standard input or from a RabbitMQ queue or stream; `dedup-groups`: the
//! sources that share dedup keys.

use crate::broker::{ended, interrupted, runtime, watch_state, BrokerArgs, LimitArgs};
use crate::gateway::TOKEN_VAR;
use crate::local::open_for_writing;
use eventdesk_core::model::MessageLimits;
use eventdesk_core::services::ingest::groups::DedupGroups;
use eventdesk_core::services::ingest::{Counts, Format, Ingester};
use eventdesk_core::{Actor, CommitFeed, Error, SystemClock};
use eventdesk_sources::amqp::{self, QueueKind, QueueSource, Until};
use eventdesk_sources::http::{self, HttpConfig};
use eventdesk_sources::lines;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct DedupGroupsArgs {
    #[arg(long)]
    db: PathBuf,
    /// Replace the groups: each --join is one group, its sources' names separated by commas
    /// (`--join pagerduty,alertmanager`). Without --join or --clear, the groups are printed.
    #[arg(long, value_name = "NAMES")]
    join: Vec<String>,
    /// Join no sources: each dedup key belongs to its own source again.
    #[arg(long, conflicts_with = "join")]
    clear: bool,
}

/// Prints the groups (as JSON) after changing them if asked.
pub fn dedup_groups(args: DedupGroupsArgs) -> Result<(), Error> {
    let groups = if args.clear || !args.join.is_empty() {
        let groups = DedupGroups {
            groups: args
                .join
                .iter()
                .map(|g| g.split(',').map(|n| n.trim().to_owned()).collect())
                .collect(),
        };
        let mut conn = open_for_writing(&args.db)?;
        let (feed, _) = CommitFeed::new();
        feed.write(&mut conn, &SystemClock, |w| groups.write(w))?
    } else {
        DedupGroups::read(&crate::inspect::open_for_reading(&args.db)?)?
    };
    println!(
        "{}",
        serde_json::to_string(&groups).map_err(Error::storage)?
    );
    Ok(())
}

#[derive(clap::Args)]
pub struct IngestArgs {
    #[arg(long)]
    db: PathBuf,
    #[arg(long, value_enum, default_value = "auto")]
    format: MessageFormat,
    #[command(flatten)]
    broker: BrokerArgs,
    /// Read from this RabbitMQ queue instead (the broker from --amqp or
    /// EVENTDESK_AMQP_URL).
    #[arg(long)]
    queue: Option<String>,
    /// Take messages over HTTP instead, as a desk's loopback endpoint does (PagerDuty Events v2
    /// at /v2/enqueue, Alertmanager's webhook at /alertmanager; the token senders give is
    /// EVENTDESK_HTTP_TOKEN), until interrupted. Loopback addresses only.
    #[arg(long, conflicts_with = "queue", value_name = "ADDRESS:PORT")]
    listen: Option<std::net::SocketAddr>,
    /// The queue is a stream: read from where this database stopped (or its start).
    #[arg(long, requires = "queue")]
    stream: bool,
    /// Stop once no message came for this many seconds (default: until interrupted).
    #[arg(long, requires = "queue", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    until_idle: Option<u64>,
    /// Who the changes are by, e.g. `source:nagios` (default: where they came from).
    #[arg(long, value_parser = actor)]
    actor: Option<Actor>,
    /// Larger messages (and Alertmanager messages with more alerts) are refused.
    #[command(flatten)]
    limits: LimitArgs,
}

/// Which messages `ingest` reads.
#[derive(Clone, Copy, clap::ValueEnum)]
enum MessageFormat {
    /// Told apart by their fields.
    Auto,
    Pagerduty,
    Alertmanager,
}

/// `source:NAME` or `operator:NAME`.
fn actor(text: &str) -> Result<Actor, String> {
    match text.parse::<Actor>()? {
        a @ (Actor::Source(_) | Actor::Operator(_)) => Ok(a),
        _ => Err("expected source:NAME or operator:NAME".into()),
    }
}

/// Where `ingest` reads from.
enum Input {
    Stdin,
    Queue(QueueSource),
    Http(std::net::SocketAddr),
}

/// `ingest`, its flags checked and turned into what [`ingest_from`] takes.
pub fn ingest(args: IngestArgs) -> Result<(), Error> {
    let format = match args.format {
        MessageFormat::Auto => Format::Auto,
        MessageFormat::Pagerduty => Format::PagerDuty,
        MessageFormat::Alertmanager => Format::Alertmanager,
    };
    let from = match (args.queue, args.listen) {
        (None, Some(address)) => Input::Http(address),
        (Some(queue), _) => Input::Queue(QueueSource {
            broker: args.broker.broker()?,
            queue,
            kind: if args.stream {
                QueueKind::Stream
            } else {
                QueueKind::Queue
            },
        }),
        (None, None) => Input::Stdin,
    };
    let idle = args.until_idle.map(Duration::from_secs);
    ingest_from(
        &args.db,
        from,
        format,
        args.actor,
        idle,
        args.limits.limits(),
    )
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
fn ingest_from(
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
        Input::Http(address) => {
            let token = std::env::var(TOKEN_VAR).map_err(|_| {
                Error::invalid(
                    TOKEN_VAR,
                    "the endpoint needs the token senders give (16 characters or more)",
                )
            })?;
            let config = HttpConfig {
                address: address.ip(),
                port: address.port(),
                allow_remote: false,
                token,
                allowed_origins: std::env::var(crate::gateway::ORIGINS_VAR)
                    .map(|text| HttpConfig::origins_from(&text))
                    .unwrap_or_default(),
            };
            config.validate()?;
            // A connection of its own for each route, as a desk has.
            let route = |name: &str, format| -> Result<Ingester, Error> {
                let actor = actor.clone().unwrap_or(Actor::Source(name.into()));
                let conn = open_for_writing(path)?;
                let clock = Arc::new(SystemClock);
                Ok(
                    Ingester::new(conn, feed.clone(), clock, actor, name, format)
                        .with_limits(limits),
                )
            };
            let pagerduty = route("pagerduty", Format::PagerDuty)?;
            let alertmanager = route("alertmanager", Format::Alertmanager)?;
            drop(conn);
            let rt = runtime()?;
            let activity = rt.block_on(async {
                let server = http::serve(&config, pagerduty, alertmanager).await?;
                eprintln!("listening on http://{}", server.address());
                interrupted().await;
                let activity = server.activity();
                server.stop().await;
                Ok::<_, Error>(activity)
            })?;
            println!("{}", report(&activity.counts, None));
            Ok(())
        }
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
            let actor = actor.unwrap_or(
                Actor::source(&source.channel()).map_err(|e| Error::invalid("queue", e))?,
            );
            let bookkeeping = source.bookkeeping();
            let mut ingester = Ingester::new(
                conn,
                feed,
                Arc::new(SystemClock),
                actor,
                &bookkeeping,
                format,
            )
            .with_limits(limits);
            ingester.adopt_bookkeeping(|key| source.is_own_bookkeeping(key))?;
            // A queue's ack deletes the message at the broker: commit durably first.
            let ingester = match source.kind {
                QueueKind::Queue => ingester.durable()?,
                QueueKind::Stream => ingester,
            };
            let status = amqp::status_cell(&source);
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
            ended(done.state)
        }
    }
}
