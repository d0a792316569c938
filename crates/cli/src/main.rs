//! `eventdesk-cli`: headless tools over an Eventdesk database (no window, no Tauri). Every
//! flag is checked before the database is touched; a file that is not an Eventdesk database,
//! or is damaged, is refused without being written to.

mod gateway;
mod sources;
mod team;

use clap::{Parser, Subcommand};
use eventdesk_core::db::{self, rows, Access, Check};
use eventdesk_core::services::ingest::Format as IngestFormat;
use eventdesk_core::services::{export, seed};
use eventdesk_core::{
    Actor, Clock, CommitFeed, Error, EventFilter, ExportFormat, ExportOutcome, SimConfig,
    SimControl, Simulator, Sort, SystemClock,
};
use eventdesk_sources::amqp::{QueueKind, QueueSource};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;
use team::BrokerArgs;

#[derive(Parser)]
#[command(
    name = "eventdesk-cli",
    version,
    about = "Headless tools over an Eventdesk database"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The most events one `seed` makes.
const MAX_SEED_EVENTS: u64 = 50_000_000;
/// The most changes one `simulate` makes.
const MAX_CHANGES: u64 = 10_000_000;

#[derive(Subcommand)]
enum Command {
    /// Fill an empty database with realistic events and their history.
    Seed {
        #[arg(long)]
        db: PathBuf,
        /// How many events, 1 to 50,000,000.
        #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(1..=MAX_SEED_EVENTS))]
        events: u64,
        /// The random seed (the same seed gives the same events).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Raise one event's severity as the simulator would (for scripts and tests).
    Escalate {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..))]
        id: i64,
    },
    /// Make simulator changes without a window, in one transaction.
    Simulate {
        #[arg(long)]
        db: PathBuf,
        /// How many changes, 1 to 10,000,000.
        #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(1..=MAX_CHANGES))]
        changes: u64,
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=SimConfig::MAX_SEED))]
        seed: u64,
        /// Chance per change of reopening an event a user completed, 0 to 1.
        #[arg(long = "override", value_parser = share)]
        override_chance: Option<f64>,
        /// Share of changes that create a new event, 0 to 1.
        #[arg(long, value_parser = share)]
        new_share: Option<f64>,
    },
    /// Run the simulator at a rate for a while, printing the last committed seq after each
    /// commit (for crash tests: what it printed is committed).
    Run {
        #[arg(long)]
        db: PathBuf,
        /// Changes per second, 0.1 to 5,000.
        #[arg(long, value_parser = rate)]
        rate: f64,
        /// For how long, 1 to 86,400 seconds.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        seconds: u64,
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=SimConfig::MAX_SEED))]
        seed: u64,
    },
    /// Check a database: its integrity, counts, change log and versions. Prints a JSON report;
    /// exits with 1 when a problem was found.
    Check {
        #[arg(long)]
        db: PathBuf,
        /// Only `PRAGMA quick_check` (what opening a file runs), with the time it took.
        #[arg(long)]
        quick: bool,
    },
    /// Write every event (newest first) to a CSV or JSON file, as the window's Export does.
    Export {
        #[arg(long)]
        db: PathBuf,
        /// The file to write; it is replaced only once the export is complete.
        #[arg(long)]
        to: PathBuf,
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
    },
    /// Print the event count and the last change seq as JSON.
    Stats {
        #[arg(long)]
        db: PathBuf,
    },
    /// Print one event and its history as JSON.
    Show {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..))]
        id: i64,
    },
    /// Print the saved settings, one `key<TAB>JSON value` line each.
    Settings {
        #[arg(long)]
        db: PathBuf,
    },
    /// Print every event as one JSON line (keys sorted), in id order. With --team, what every
    /// replica of a team's stream agrees on: each event by team key (status, severity,
    /// version, last actor; no local ids or times), then each team action's outcome, so that
    /// two desks can be compared with `diff`.
    Dump {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        team: bool,
    },
    /// Found a team: declare its stream and publish the founding roster message as the broker
    /// user, who becomes its first admin. Prints the join string, STREAM/ADMIN.
    CreateTeam(team::CreateTeamArgs),
    /// Change a team's roster or limits, as an admin (the broker user): it counts on every
    /// desk only when that user is an admin at that point of the team's log.
    Roster(team::RosterArgs),
    /// Keep a database as a replica of a team's RabbitMQ stream: apply every message in
    /// stream order from where it stopped (or the first retained message). Prints what it
    /// applied as JSON when it ends.
    Replicate(team::ReplicateArgs),
    /// Publish an operator's action to a team's stream, as the broker user (it takes effect on
    /// every desk when applied from the stream, if that user may act). Prints the action's id.
    Act(team::ActArgs),
    /// Feed senders into a team's stream: PagerDuty Events v2 and Alertmanager webhook over
    /// HTTP, and JSON lines on standard input, each answered once RabbitMQ confirmed it.
    Gateway(gateway::GatewayArgs),
    /// Apply alert messages (PagerDuty Events API v2 or Alertmanager webhook JSON): one message
    /// a line from standard input, or from a RabbitMQ queue or stream with --amqp and --queue.
    /// Prints what they did as JSON; with standard input, rejected lines are named on standard
    /// error and make the exit status 1 (the other lines are applied).
    Ingest {
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
        limits: team::LimitArgs,
    },
    /// Declare a durable RabbitMQ stream (or queue), bound to an exchange if asked.
    Declare {
        #[command(flatten)]
        broker: BrokerArgs,
        #[arg(long)]
        queue: String,
        /// A classic queue instead of a stream.
        #[arg(long)]
        classic: bool,
        /// Bind it to this exchange (which must exist), with --routing-key.
        #[arg(long)]
        bind: Option<String>,
        #[arg(long, default_value = "#", requires = "bind")]
        routing_key: String,
        /// How long a stream keeps messages (RabbitMQ's x-max-age: a number and Y, M, D, h,
        /// m or s, e.g. 7D).
        #[arg(long, conflicts_with = "classic", value_parser = max_age)]
        max_age: Option<String>,
        /// On how many nodes of a cluster a stream is kept (x-initial-cluster-size).
        #[arg(long, conflicts_with = "classic", value_parser = clap::value_parser!(u8).range(1..=9))]
        replicas: Option<u8>,
        /// Delete the queue or stream (and every message in it) instead.
        #[arg(long, conflicts_with_all = ["classic", "bind", "max_age", "replicas"])]
        delete: bool,
    },
    /// Publish each line of standard input as one persistent message and wait for RabbitMQ's
    /// confirms: to a queue through the default exchange, or to an exchange.
    Publish {
        #[command(flatten)]
        broker: BrokerArgs,
        #[arg(
            long,
            conflicts_with = "exchange",
            required_unless_present = "exchange"
        )]
        queue: Option<String>,
        #[arg(long, requires = "routing_key")]
        exchange: Option<String>,
        #[arg(long)]
        routing_key: Option<String>,
    },
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

/// What `export` writes.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Csv,
    Json,
}

/// Changes per second, in the simulator's range.
fn rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if (SimConfig::MIN_RATE..=SimConfig::MAX_RATE).contains(&x) => Ok(x),
        _ => Err(format!(
            "expected a number from {} to {}, got {text:?}",
            SimConfig::MIN_RATE,
            SimConfig::MAX_RATE
        )),
    }
}

/// A retention age as RabbitMQ takes it: digits and one of `YMDhms`.
pub(crate) fn max_age(text: &str) -> Result<String, String> {
    let (digits, unit) = text.split_at(text.len().saturating_sub(1));
    if !digits.is_empty()
        && digits.len() <= 6
        && digits.bytes().all(|b| b.is_ascii_digit())
        && matches!(unit, "Y" | "M" | "D" | "h" | "m" | "s")
    {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "expected a number and Y, M, D, h, m or s (e.g. 7D), got {text:?}"
        ))
    }
}

/// A number from 0 to 1.
fn share(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("expected a number from 0 to 1, got {text:?}")),
    }
}

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with 2.
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eventdesk-cli: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Seed { db, events, seed } => run_seed(&db, events, seed),
        Command::Escalate { db, id } => run_escalate(&db, id),
        Command::Simulate {
            db,
            changes,
            seed,
            override_chance,
            new_share,
        } => {
            let defaults = SimConfig::new(seed);
            let config = SimConfig {
                override_chance: override_chance.unwrap_or(defaults.override_chance),
                new_share: new_share.unwrap_or(defaults.new_share),
                ..defaults
            };
            run_simulate(&db, changes, config)
        }
        Command::Run {
            db,
            rate,
            seconds,
            seed,
        } => run_timed(&db, rate, seconds, seed),
        Command::Check { db, quick } => run_check(&db, quick),
        Command::Export { db, to, format } => run_export(&db, &to, format),
        Command::Stats { db } => run_stats(&db),
        Command::Show { db, id } => run_show(&db, id),
        Command::Settings { db } => run_settings(&db),
        Command::Dump { db, team: false } => run_dump(&db),
        Command::Dump { db, team: true } => team::dump(&open_for_reading(&db)?),
        Command::CreateTeam(args) => team::create_team(args),
        Command::Roster(args) => team::roster(args),
        Command::Replicate(args) => team::replicate(args),
        Command::Act(args) => team::act(args),
        Command::Gateway(args) => gateway::gateway(args),
        Command::Ingest {
            db,
            format,
            broker,
            queue,
            stream,
            until_idle,
            actor,
            limits,
        } => {
            let format = match format {
                MessageFormat::Auto => IngestFormat::Auto,
                MessageFormat::Pagerduty => IngestFormat::PagerDuty,
                MessageFormat::Alertmanager => IngestFormat::Alertmanager,
            };
            let from = match queue {
                Some(queue) => sources::Input::Queue(QueueSource {
                    broker: sources::broker(&broker)?,
                    queue,
                    kind: if stream {
                        QueueKind::Stream
                    } else {
                        QueueKind::Queue
                    },
                }),
                None => sources::Input::Stdin,
            };
            let idle = until_idle.map(std::time::Duration::from_secs);
            sources::ingest(&db, from, format, actor, idle, limits.limits())
        }
        Command::Declare {
            broker,
            queue,
            delete: true,
            ..
        } => sources::delete(&sources::broker(&broker)?, &queue),
        Command::Declare {
            broker,
            queue,
            classic,
            bind,
            routing_key,
            max_age,
            replicas,
            delete: false,
        } => {
            let kind = if classic {
                QueueKind::Queue
            } else {
                QueueKind::Stream
            };
            sources::declare(
                &sources::broker(&broker)?,
                &queue,
                kind,
                bind.as_deref().map(|b| (b, routing_key.as_str())),
                max_age.as_deref(),
                replicas,
            )
        }
        Command::Publish {
            broker,
            queue,
            exchange,
            routing_key,
        } => match (queue, exchange, routing_key) {
            (Some(queue), None, _) => sources::publish(&sources::broker(&broker)?, "", &queue),
            (None, Some(exchange), Some(key)) => {
                sources::publish(&sources::broker(&broker)?, &exchange, &key)
            }
            _ => Err(Error::invalid(
                "queue",
                "name a queue, or an exchange and a routing key",
            )),
        },
    }
}

/// A connection for this tool's own writes: refused on a team desk's file, which only its
/// team's stream changes.
pub(crate) fn open_for_writing(path: &Path) -> Result<rusqlite::Connection, Error> {
    let conn = open_for_any_writer(path)?;
    match db::team_file(&conn)? {
        Some(stream) => Err(Error::TeamFile { stream }),
        None => Ok(conn),
    }
}

/// A connection for writing: the file is checked (and created, migrated) first.
pub(crate) fn open_for_any_writer(path: &Path) -> Result<rusqlite::Connection, Error> {
    match db::prepare(path, Check::Now)?.access {
        Access::ReadWrite => db::connect(path),
        Access::ReadOnly(reason) => Err(Error::ReadOnly {
            path: path.display().to_string(),
            reason,
        }),
    }
}

/// A connection for reading an existing file, checked first; a missing file is an error
/// rather than a new database.
fn open_for_reading(path: &Path) -> Result<rusqlite::Connection, Error> {
    if !path.exists() {
        return Err(Error::invalid(
            "db",
            format!("{} does not exist", path.display()),
        ));
    }
    db::prepare(path, Check::Now)?;
    db::connect_read_only(path)
}

fn run_seed(path: &Path, count: u64, seed_value: u64) -> Result<(), Error> {
    let mut conn = open_for_writing(path)?;
    let started = Instant::now();
    let mut stderr = std::io::stderr();
    let report = seed::seed(
        &mut conn,
        count,
        seed_value,
        SystemClock.now_ms(),
        |done, total| {
            let pct = (done * 100).checked_div(total).unwrap_or(100);
            let _ = write!(stderr, "\rseeding: {done}/{total} events ({pct}%)");
            let _ = stderr.flush();
        },
    )?;
    db::checkpoint(&conn)?;
    eprintln!();
    println!(
        "seeded {} events and {} changes in {:.2} s",
        report.events,
        report.changes,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run_escalate(path: &Path, id: i64) -> Result<(), Error> {
    let mut conn = open_for_writing(path)?;
    let (feed, _rx) = CommitFeed::new();
    let event = feed.write(&mut conn, &SystemClock, |w| {
        let event = rows::load_event(w.conn(), id)?;
        let worse = event
            .severity
            .escalated()
            .ok_or_else(|| Error::invalid("id", format!("event {id} is already critical")))?;
        w.set_severity(&event, worse, &Actor::Simulator)?;
        rows::load_event(w.conn(), id)
    })?;
    println!(
        "event {} is now {} (version {})",
        event.id, event.severity, event.version
    );
    Ok(())
}

fn run_simulate(path: &Path, changes: u64, config: SimConfig) -> Result<(), Error> {
    config.validate()?;
    let mut conn = open_for_writing(path)?;
    let (feed, _rx) = CommitFeed::new();
    let mut sim = Simulator::new(config);
    sim.run_batch(&mut conn, &feed, &SystemClock, changes)?;
    println!("made {changes} changes");
    Ok(())
}

fn run_stats(path: &Path) -> Result<(), Error> {
    let conn = open_for_reading(path)?;
    let total = rows::total(&conn)?;
    let seq = rows::last_seq(&conn)?;
    println!("{}", serde_json::json!({ "events": total, "lastSeq": seq }));
    Ok(())
}

fn run_show(path: &Path, id: i64) -> Result<(), Error> {
    let mut conn = open_for_reading(path)?;
    let detail = rows::get_event(&mut conn, id)?;
    println!(
        "{}",
        serde_json::to_string(&detail).map_err(Error::storage)?
    );
    Ok(())
}

fn run_dump(path: &Path) -> Result<(), Error> {
    let mut conn = open_for_reading(path)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    rows::dump(&mut conn, |event| {
        // serde_json's maps keep keys sorted: one canonical line per event.
        let value = serde_json::to_value(event).map_err(Error::storage)?;
        writeln!(out, "{value}").map_err(Error::from)
    })?;
    out.flush().map_err(Error::from)
}

fn run_timed(path: &Path, rate: f64, seconds: u64, seed: u64) -> Result<(), Error> {
    let conn = open_for_writing(path)?;
    let (feed, sets) = CommitFeed::new();
    feed.start_at(rows::last_seq(&conn)?);
    let control = SimControl::new(SimConfig {
        rate,
        ..SimConfig::new(seed)
    });
    let simulator = {
        let control = control.clone();
        let sim = Simulator::new(control.config());
        std::thread::spawn(move || sim.run(conn, feed, Arc::new(SystemClock), control))
    };
    let until = Instant::now() + std::time::Duration::from_secs(seconds);
    let mut out = std::io::stdout().lock();
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if let Ok(set) = sets.recv_timeout(left) {
            // Printed only once committed: a crash test checks each of these is in the file.
            writeln!(out, "committed through seq {}", set.to_seq)?;
            out.flush()?;
        }
    }
    control.stop();
    simulator
        .join()
        .map_err(|_| Error::storage("the simulator thread failed"))?;
    Ok(())
}

fn run_check(path: &Path, quick: bool) -> Result<(), Error> {
    // Read-only: a check never writes, not even to upgrade the file.
    db::ensure_ours(path)?;
    let mut conn = db::connect_read_only(path)?;
    if quick {
        let started = Instant::now();
        db::quick_check(&conn, path)?;
        println!(
            "{}",
            serde_json::json!({ "quickCheck": "ok", "ms": started.elapsed().as_millis() })
        );
        return Ok(());
    }
    let report = db::check::verify(&mut conn)?;
    println!(
        "{}",
        serde_json::to_string(&report).map_err(Error::storage)?
    );
    if report.problems.is_empty() {
        Ok(())
    } else {
        Err(Error::storage(format!("{} has problems", path.display())))
    }
}

fn run_settings(path: &Path) -> Result<(), Error> {
    let conn = open_for_reading(path)?;
    for (key, value) in rows::settings(&conn)? {
        println!("{key}\t{value}");
    }
    Ok(())
}

fn run_export(path: &Path, to: &Path, format: Format) -> Result<(), Error> {
    let format = match format {
        Format::Csv => ExportFormat::Csv,
        Format::Json => ExportFormat::Json,
    };
    db::ensure_ours(path)?;
    let mut conn = db::connect_read_only(path)?;
    let started = Instant::now();
    let outcome = export::export_view(
        &mut conn,
        &EventFilter::default(),
        Sort::default(),
        format,
        to,
        &AtomicBool::new(false),
        |_, _| {},
    )?;
    drop(conn);
    // The export's snapshot kept the log from being copied back while it ran.
    if let Ok(conn) = db::connect(path) {
        db::checkpoint(&conn)?;
    }
    if let ExportOutcome::Done { rows, path } = outcome {
        println!(
            "exported {rows} events to {path} in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
