//! The commands that change a local database themselves (`seed`, `escalate`, `simulate`,
//! `run`): refused on a team desk's file, which only its team's stream changes.

use eventdesk_core::db::{self, rows, Access, Check};
use eventdesk_core::services::seed;
use eventdesk_core::{
    Actor, Clock, CommitFeed, Error, Event, SimConfig, SimControl, Simulator, SystemClock,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The most events one `seed` makes.
const MAX_SEED_EVENTS: u64 = 50_000_000;
/// The most changes one `simulate` makes.
const MAX_CHANGES: u64 = 10_000_000;

#[derive(clap::Args)]
pub struct SeedArgs {
    #[arg(long)]
    db: PathBuf,
    /// How many events, 1 to 50,000,000.
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(1..=MAX_SEED_EVENTS))]
    events: u64,
    /// The random seed (the same seed gives the same events).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Makes the history end this many hours ago instead of now (0 to 8760): a file that looks
    /// like yesterday's, for trying timers and expiry.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=8760))]
    hours_ago: u32,
}

#[derive(clap::Args)]
pub struct EscalateArgs {
    #[arg(long)]
    db: PathBuf,
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..))]
    id: i64,
}

#[derive(clap::Args)]
pub struct SimulateArgs {
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
}

#[derive(clap::Args)]
pub struct RunArgs {
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

/// A number from 0 to 1.
fn share(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("expected a number from 0 to 1, got {text:?}")),
    }
}

/// A connection for this tool's own writes: refused on a team desk's file, which only its
/// team's stream changes.
pub fn open_for_writing(path: &Path) -> Result<db::Conn, Error> {
    let conn = open_for_any_writer(path)?;
    match db::team_file(&conn)? {
        Some(stream) => Err(Error::TeamFile { stream }),
        None => Ok(conn),
    }
}

/// The operator `--as` names, or the desk's own when absent.
pub fn author(name: Option<&str>) -> Result<Actor, Error> {
    match name {
        None => Ok(Actor::User),
        Some(name) => Actor::operator(name).map_err(|m| Error::invalid("as", m)),
    }
}

/// Makes `change` to one event of a desk's file in one transaction, and prints the event as
/// it is then, as JSON (what `snooze`, `note` and `assign` print on a file).
pub fn change_event(
    path: &Path,
    change: impl FnOnce(&mut db::WriteTxn<'_>) -> Result<Event, Error>,
) -> Result<(), Error> {
    let mut conn = open_for_writing(path)?;
    let (feed, _rx) = CommitFeed::new();
    let event = feed.write(&mut conn, &SystemClock, change)?;
    println!("{}", serde_json::to_string(&event).map_err(Error::storage)?);
    Ok(())
}

/// A connection for writing: the file is checked (and created, migrated) first.
pub fn open_for_any_writer(path: &Path) -> Result<db::Conn, Error> {
    match db::prepare(path, Check::Now)?.access {
        Access::ReadWrite => db::connect(path),
        Access::ReadOnly(reason) => Err(Error::ReadOnly {
            path: path.display().to_string(),
            reason,
        }),
    }
}

pub fn seed(args: SeedArgs) -> Result<(), Error> {
    let mut conn = open_for_writing(&args.db)?;
    let started = Instant::now();
    let mut stderr = std::io::stderr();
    let report = seed::seed(
        &mut conn,
        args.events,
        args.seed,
        SystemClock.now_ms() - i64::from(args.hours_ago) * 3_600_000,
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

pub fn escalate(args: EscalateArgs) -> Result<(), Error> {
    let id = args.id;
    let mut conn = open_for_writing(&args.db)?;
    let (feed, _rx) = CommitFeed::new();
    let event = feed.write(&mut conn, &SystemClock, |w| {
        let event = rows::load_event(&*w, id)?;
        let worse = event
            .severity
            .escalated()
            .ok_or_else(|| Error::invalid("id", format!("event {id} is already critical")))?;
        w.set_severity(&event, worse, &Actor::Simulator)?;
        rows::load_event(&*w, id)
    })?;
    println!(
        "event {} is now {} (version {})",
        event.id, event.severity, event.version
    );
    Ok(())
}

pub fn simulate(args: SimulateArgs) -> Result<(), Error> {
    let defaults = SimConfig::new(args.seed);
    let config = SimConfig {
        override_chance: args.override_chance.unwrap_or(defaults.override_chance),
        new_share: args.new_share.unwrap_or(defaults.new_share),
        ..defaults
    };
    config.validate()?;
    let mut conn = open_for_writing(&args.db)?;
    let (feed, _rx) = CommitFeed::new();
    let mut sim = Simulator::new(config);
    sim.run_batch(&mut conn, &feed, &SystemClock, args.changes)?;
    println!("made {} changes", args.changes);
    Ok(())
}

pub fn run(args: RunArgs) -> Result<(), Error> {
    let conn = open_for_writing(&args.db)?;
    let (feed, sets) = CommitFeed::new();
    feed.start_at(rows::last_seq(&conn)?);
    let control = SimControl::new(SimConfig {
        rate: args.rate,
        ..SimConfig::new(args.seed)
    });
    let simulator = {
        let control = control.clone();
        let sim = Simulator::new(control.config());
        std::thread::spawn(move || sim.run(conn, feed, Arc::new(SystemClock), control))
    };
    let until = Instant::now() + std::time::Duration::from_secs(args.seconds);
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
