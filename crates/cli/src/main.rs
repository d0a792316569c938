//! `eventdesk-cli`: headless tools over an Eventdesk database (no window, no Tauri).
//!
//!   eventdesk-cli seed --db FILE --events N [--seed S]
//!   eventdesk-cli escalate --db FILE --id ID
//!   eventdesk-cli simulate --db FILE --changes N [--seed S] [--override P]

use eventdesk_core::clock::{Clock, SystemClock};
use eventdesk_core::db::{self, rows};
use eventdesk_core::services::seed;
use eventdesk_core::{CommitFeed, Error, EventDetail, SimConfig, Simulator};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage:
  eventdesk-cli seed --db FILE --events N [--seed S]
      fill an empty database with N realistic events and their history
  eventdesk-cli escalate --db FILE --id ID
      raise one event's severity as the simulator would (for scripts and tests)
  eventdesk-cli simulate --db FILE --changes N [--seed S] [--override P]
      run N simulator changes without a window
  eventdesk-cli stats --db FILE
      print the event count and the last change seq as JSON
  eventdesk-cli show --db FILE --id ID
      print one event and its history as JSON
  eventdesk-cli dump --db FILE
      print every event as one JSON line (keys sorted), in id order";

struct Args(Vec<String>);

impl Args {
    fn value(&self, flag: &str) -> Option<&str> {
        let i = self.0.iter().position(|a| a == flag)?;
        self.0.get(i + 1).map(String::as_str)
    }

    fn required(&self, flag: &str) -> Result<&str, String> {
        self.value(flag).ok_or_else(|| format!("missing {flag}"))
    }

    fn number<T: std::str::FromStr>(&self, flag: &str, default: Option<T>) -> Result<T, String> {
        match (self.value(flag), default) {
            (Some(v), _) => v
                .parse()
                .map_err(|_| format!("{flag}: not a valid number: {v:?}")),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(format!("missing {flag}")),
        }
    }
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = argv.first().cloned() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let args = Args(argv);
    let result = match command.as_str() {
        "seed" => run_seed(&args),
        "escalate" => run_escalate(&args),
        "simulate" => run_simulate(&args),
        "stats" => run_stats(&args),
        "show" => run_show(&args),
        "dump" => run_dump(&args),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => Err(format!("unknown command {other:?}\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("eventdesk-cli: {message}");
            ExitCode::FAILURE
        }
    }
}

fn open(args: &Args) -> Result<rusqlite::Connection, String> {
    let path = PathBuf::from(args.required("--db")?);
    db::prepare(&path).map_err(|e| e.to_string())?;
    db::connect(&path).map_err(|e| e.to_string())
}

fn run_seed(args: &Args) -> Result<(), String> {
    let count: u64 = args.number("--events", None)?;
    let seed_value: u64 = args.number("--seed", Some(1))?;
    let mut conn = open(args)?;
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
    )
    .map_err(|e| e.to_string())?;
    eprintln!();
    println!(
        "seeded {} events and {} changes in {:.2} s",
        report.events,
        report.changes,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run_escalate(args: &Args) -> Result<(), String> {
    let id: i64 = args.number("--id", None)?;
    let mut conn = open(args)?;
    let (feed, _rx) = CommitFeed::new();
    let event = feed
        .write(&mut conn, SystemClock.now_ms(), |w| {
            let event = rows::load_event(w.conn(), id)?;
            let worse = event
                .severity
                .escalated()
                .ok_or_else(|| Error::invalid("id", format!("event {id} is already critical")))?;
            w.set_severity(&event, worse, eventdesk_core::Actor::Simulator)?;
            rows::load_event(w.conn(), id)
        })
        .map_err(|e| e.to_string())?;
    println!(
        "event {} is now {} (version {})",
        event.id, event.severity, event.version
    );
    Ok(())
}

fn run_simulate(args: &Args) -> Result<(), String> {
    let changes: u64 = args.number("--changes", None)?;
    let mut config = SimConfig::new(args.number("--seed", Some(1))?);
    config.override_chance = args.number("--override", Some(config.override_chance))?;
    let mut conn = open(args)?;
    let (feed, _rx) = CommitFeed::new();
    let mut sim = Simulator::new(config);
    sim.run_batch(&mut conn, &feed, SystemClock.now_ms(), changes)
        .map_err(|e| e.to_string())?;
    println!("made {changes} changes");
    Ok(())
}

fn run_stats(args: &Args) -> Result<(), String> {
    let conn = open(args)?;
    let total = rows::total(&conn).map_err(|e| e.to_string())?;
    let seq = rows::last_seq(&conn).map_err(|e| e.to_string())?;
    println!("{}", serde_json::json!({ "events": total, "lastSeq": seq }));
    Ok(())
}

fn run_show(args: &Args) -> Result<(), String> {
    let id: i64 = args.number("--id", None)?;
    let mut conn = open(args)?;
    let detail: EventDetail = rows::get_event(&mut conn, id).map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::to_string(&detail).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn run_dump(args: &Args) -> Result<(), String> {
    let mut conn = open(args)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    rows::dump(&mut conn, |event| {
        // serde_json's maps keep keys sorted: one canonical line per event.
        let value = serde_json::to_value(event).map_err(Error::storage)?;
        writeln!(out, "{value}").map_err(Error::from)
    })
    .map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
}
