//! The commands that read a database without changing it (`check`, `export`, `stats`,
//! `show`, `settings`, `dump`).

use eventdesk_core::db::{self, rows, Check};
use eventdesk_core::services::export;
use eventdesk_core::{Error, EventFilter, ExportFormat, ExportOutcome, Label, Sort};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// The database a command reads.
#[derive(clap::Args)]
pub struct DbArgs {
    #[arg(long)]
    db: PathBuf,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    #[arg(long)]
    db: PathBuf,
    /// Only `PRAGMA quick_check` (what opening a file runs), with the time it took.
    #[arg(long)]
    quick: bool,
}

/// What `export` writes.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Csv,
    Json,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[arg(long)]
    db: PathBuf,
    /// The file to write; it is replaced only once the export is complete.
    #[arg(long)]
    to: PathBuf,
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
    /// Only events carrying this label (KEY=VALUE); repeat for several, all of which must
    /// match.
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = parse_label)]
    labels: Vec<Label>,
}

/// `KEY=VALUE`, split at the first `=`; the bounds are checked with the view.
fn parse_label(text: &str) -> Result<Label, String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok(Label {
            key: key.to_owned(),
            value: value.to_owned(),
        }),
        _ => Err(format!("a label is KEY=VALUE, got {text:?}")),
    }
}

#[derive(clap::Args)]
pub struct ShowArgs {
    #[arg(long)]
    db: PathBuf,
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..))]
    id: i64,
}

#[derive(clap::Args)]
pub struct DumpArgs {
    #[arg(long)]
    db: PathBuf,
    #[arg(long)]
    team: bool,
}

/// A connection for reading an existing file, checked first; a missing file is an error
/// rather than a new database.
pub fn open_for_reading(path: &Path) -> Result<db::Conn, Error> {
    if !path.exists() {
        return Err(Error::invalid(
            "db",
            format!("{} does not exist", path.display()),
        ));
    }
    db::prepare(path, Check::Now)?;
    db::connect_read_only(path)
}

pub fn stats(args: DbArgs) -> Result<(), Error> {
    let conn = open_for_reading(&args.db)?;
    let total = rows::total(&conn)?;
    let seq = rows::last_seq(&conn)?;
    println!("{}", serde_json::json!({ "events": total, "lastSeq": seq }));
    Ok(())
}

pub fn show(args: ShowArgs) -> Result<(), Error> {
    let mut conn = open_for_reading(&args.db)?;
    let detail = rows::get_event(&mut conn, args.id)?;
    println!(
        "{}",
        serde_json::to_string(&detail).map_err(Error::storage)?
    );
    Ok(())
}

pub fn dump(args: DumpArgs) -> Result<(), Error> {
    let mut conn = open_for_reading(&args.db)?;
    if args.team {
        return team_dump(&conn);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    rows::dump(&mut conn, |event| {
        // serde_json's maps keep keys sorted: one canonical line per event.
        let value = serde_json::to_value(event).map_err(Error::storage)?;
        writeln!(out, "{value}").map_err(Error::from)
    })?;
    out.flush().map_err(Error::from)
}

pub fn check(args: CheckArgs) -> Result<(), Error> {
    let path = args.db.as_path();
    // Read-only: a check never writes, not even to upgrade the file.
    db::ensure_ours(path)?;
    let mut conn = db::connect_read_only(path)?;
    if args.quick {
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

/// Prints what each source rejected, as kept: one JSON line per source and reason.
pub fn rejections(args: DbArgs) -> Result<(), Error> {
    let conn = open_for_reading(&args.db)?;
    for (source, r) in eventdesk_core::db::ingest::all_rejections(&conn)? {
        let mut line = serde_json::to_value(&r).map_err(Error::storage)?;
        line["source"] = serde_json::Value::String(source);
        println!("{line}");
    }
    Ok(())
}

pub fn settings(args: DbArgs) -> Result<(), Error> {
    let conn = open_for_reading(&args.db)?;
    for (key, value) in rows::settings(&conn)? {
        println!("{key}\t{value}");
    }
    Ok(())
}

pub fn export(args: ExportArgs) -> Result<(), Error> {
    let path = args.db.as_path();
    let format = match args.format {
        Format::Csv => ExportFormat::Csv,
        Format::Json => ExportFormat::Json,
    };
    db::ensure_ours(path)?;
    let mut conn = db::connect_read_only(path)?;
    let started = Instant::now();
    let outcome = export::export_view(
        &mut conn,
        &EventFilter {
            labels: args.labels,
            ..EventFilter::default()
        },
        Sort::default(),
        format,
        &args.to,
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

/// Prints the team's view of the database on `conn`; see
/// [`eventdesk_core::services::team::dump`].
fn team_dump(conn: &eventdesk_core::db::Conn) -> Result<(), Error> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    eventdesk_core::services::team::dump(conn, &mut out)?;
    std::io::Write::flush(&mut out).map_err(Error::from)
}
