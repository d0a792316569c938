//! Exporting a view (filters, search and sort applied) to CSV or JSON, streamed row by row from
//! one read snapshot: a million rows never sit in memory. The file is written beside its
//! destination under a temporary name and renamed into place only when complete, so a
//! cancelled or failed export leaves no half-written file and never clobbers an existing one.

use crate::db::Conn;
use crate::error::{Error, Result};
use crate::model::{Event, EventFilter, Sort};
use crate::read::query::scan::{scan_view, Scanned};
use serde::{Deserialize, Serialize};
use specta::Type;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Progress is reported every this many rows (and at the end).
pub const PROGRESS_EVERY: i64 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    /// The file name extension: `csv` or `json`.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

/// The name the save dialog suggests: `eventdesk-2026-11-25-2318.csv` (the time in UTC).
pub fn default_file_name(format: ExportFormat, now_ms: i64) -> String {
    let stamp = iso_utc(now_ms);
    format!(
        "eventdesk-{}-{}{}.{}",
        &stamp[..10],
        &stamp[11..13],
        &stamp[14..16],
        format.extension()
    )
}

/// How an export ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase", tag = "outcome")]
pub enum ExportOutcome {
    /// Every row of the view was written to `path`.
    #[serde(rename_all = "camelCase")]
    Done { rows: i64, path: String },
    /// Stopped on request after `rows` rows; nothing was left behind.
    #[serde(rename_all = "camelCase")]
    Cancelled { rows: i64 },
    /// No file was chosen (the save dialog was closed); nothing was written.
    Dismissed,
}

/// The CSV header; times are ISO 8601 in UTC.
pub const CSV_HEADER: &str = "id,created,severity,status,kind,source,title,updated,updated_by,\
completed,completed_by,reopened,reopened_by,version,dedup_key,occurrences,last_seen,team_key";

/// Writes the view of `filter` in `sort` order to `path`. `progress(rows, total)` is called
/// as rows are written; setting `cancel` stops the export and removes the partial file.
pub fn export_view(
    conn: &mut Conn,
    filter: &EventFilter,
    sort: Sort,
    format: ExportFormat,
    path: &Path,
    cancel: &AtomicBool,
    mut progress: impl FnMut(i64, i64),
) -> Result<ExportOutcome> {
    let (temp, mut file) = create_temp(path)?;
    // A byte-order mark first, so that Excel reads a CSV as UTF-8 ("€", names).
    let opening: &[u8] = match format {
        ExportFormat::Csv => "\u{feff}".as_bytes(),
        ExportFormat::Json => b"[",
    };
    if let Err(e) = file.write_all(opening) {
        drop(std::fs::remove_file(&temp));
        return Err(io_error(&temp, &e));
    }
    let mut out = match format {
        ExportFormat::Csv => Out::Csv(Box::new(
            csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .buffer_capacity(1 << 16)
                .from_writer(file),
        )),
        ExportFormat::Json => Out::Json(BufWriter::with_capacity(1 << 16, file)),
    };
    let mut total = 0;
    let mut rows = 0i64;
    let mut cancelled = false;
    let written = (|| -> Result<()> {
        out.start().map_err(|e| io_error(&temp, &e))?;
        scan_view(conn, filter, sort, |scanned| {
            let event = match scanned {
                Scanned::Total(n) => {
                    total = n;
                    progress(0, n);
                    return Ok(true);
                }
                Scanned::Row(event) => event,
            };
            if cancel.load(Ordering::Relaxed) {
                cancelled = true;
                return Ok(false);
            }
            out.row(rows, event).map_err(|e| io_error(&temp, &e))?;
            rows += 1;
            if rows % PROGRESS_EVERY == 0 {
                progress(rows, total);
            }
            Ok(true)
        })?;
        if !cancelled {
            out.finish().map_err(|e| io_error(&temp, &e))?;
        }
        Ok(())
    })();
    if let Err(e) = written {
        drop(std::fs::remove_file(&temp));
        return Err(e);
    }
    if cancelled {
        drop(std::fs::remove_file(&temp));
        return Ok(ExportOutcome::Cancelled { rows });
    }
    // A target another program will not let go of: the finished file is removed too.
    replace(
        &temp,
        path,
        |from, to| std::fs::rename(from, to),
        REPLACE_WAIT,
    )
    .inspect_err(|_| drop(std::fs::remove_file(&temp)))?;
    progress(rows, total);
    Ok(ExportOutcome::Done {
        rows,
        path: path.display().to_string(),
    })
}

/// How long [`replace`] waits between attempts, and how many it makes.
const REPLACE_WAIT: Duration = Duration::from_millis(200);
const REPLACE_ATTEMPTS: u32 = 5;

/// Whether a failed rename may succeed later: the target is open in another program (Windows
/// refuses with "access denied", error 5, or a sharing violation, error 32, while Excel has
/// the file open).
fn held_by_another_program(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::PermissionDenied
        || (cfg!(windows) && e.raw_os_error() == Some(32))
}

/// Renames the finished `temp` over `path`, trying again a few times while another program
/// holds `path`; then says to close it there. `rename` is `std::fs::rename` (a test passes
/// one that fails).
pub fn replace(
    temp: &Path,
    path: &Path,
    mut rename: impl FnMut(&Path, &Path) -> std::io::Result<()>,
    wait: Duration,
) -> Result<()> {
    let mut attempt = 1;
    loop {
        match rename(temp, path) {
            Ok(()) => return Ok(()),
            Err(e) if held_by_another_program(&e) && attempt < REPLACE_ATTEMPTS => {
                attempt += 1;
                std::thread::sleep(wait);
            }
            Err(e) if held_by_another_program(&e) => {
                return Err(Error::storage(format!(
                    "cannot replace {}: {e}. If it is open in another program (a spreadsheet), \
                     close it there and export again",
                    path.display()
                )))
            }
            Err(e) => return Err(io_error(path, &e)),
        }
    }
}

/// A new file `.<name>.<n>.part` beside `path`, after checking `path` names a file in an
/// existing folder. Created with `create_new`: it never opens an existing file or follows a
/// link someone placed there.
fn create_temp(path: &Path) -> Result<(PathBuf, File)> {
    let bad = |m: &str| Error::invalid("path", format!("{}: {m}", path.display()));
    let name = path
        .file_name()
        .ok_or_else(|| bad("names no file"))?
        .to_string_lossy();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(bad("its folder does not exist"));
    }
    if path.is_dir() {
        return Err(bad("is a folder"));
    }
    let mut last = None;
    for n in 0..16 {
        let temp = dir.join(format!(".{name}.{}-{n}.part", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
        {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(io_error(&temp, &e)),
        }
    }
    Err(io_error(
        path,
        &last.unwrap_or_else(|| std::io::Error::other("no free temporary name")),
    ))
}

fn io_error(path: &Path, e: &std::io::Error) -> Error {
    Error::io(path.display(), e)
}

/// Where an export's rows go.
enum Out {
    Csv(Box<csv::Writer<File>>),
    Json(BufWriter<File>),
}

impl Out {
    /// The CSV's header (with CRLF line ends, as RFC 4180 has them).
    fn start(&mut self) -> std::io::Result<()> {
        match self {
            Out::Csv(w) => w.write_record(CSV_HEADER.split(',')).map_err(Into::into),
            Out::Json(_) => Ok(()),
        }
    }

    /// Writes `e`, the view's row number `n` (from 0).
    fn row(&mut self, n: i64, e: &Event) -> std::io::Result<()> {
        match self {
            Out::Csv(w) => w.write_record(csv_record(e)).map_err(Into::into),
            Out::Json(w) => {
                w.write_all(if n == 0 { b"\n" } else { b",\n" })?;
                serde_json::to_writer(w, e).map_err(Into::into)
            }
        }
    }

    /// Ends the file and syncs it to disk.
    fn finish(self) -> std::io::Result<()> {
        let file = match self {
            Out::Csv(w) => w
                .into_inner()
                .map_err(|e| std::io::Error::other(e.to_string()))?,
            Out::Json(mut w) => {
                w.write_all(b"\n]\n")?;
                w.into_inner()
                    .map_err(|e| std::io::Error::other(e.to_string()))?
            }
        };
        file.sync_all()
    }
}

/// One event as the CSV's fields, in [`CSV_HEADER`]'s order; text a spreadsheet would run as a
/// formula is defused ([`spreadsheet_safe`]).
fn csv_record(e: &Event) -> [String; 18] {
    let time = |t: Option<i64>| t.map(iso_utc).unwrap_or_default();
    let text = |t: Option<&str>| t.map(spreadsheet_safe).unwrap_or_default();
    [
        e.id.to_string(),
        iso_utc(e.created_at),
        e.severity.as_str().to_owned(),
        e.status.as_str().to_owned(),
        spreadsheet_safe(&e.kind),
        spreadsheet_safe(&e.source),
        spreadsheet_safe(&e.title),
        iso_utc(e.updated_at),
        spreadsheet_safe(&e.updated_by.as_text()),
        time(e.completed_at),
        text(e.completed_by.as_ref().map(|a| a.as_text()).as_deref()),
        time(e.reopened_at),
        text(e.reopened_by.as_ref().map(|a| a.as_text()).as_deref()),
        e.version.to_string(),
        text(e.dedup_key.as_deref()),
        e.occurrences.to_string(),
        iso_utc(e.last_seen_at),
        text(e.team_key.as_deref()),
    ]
}

/// Text with a leading `=`, `+`, `-`, `@`, tab or carriage return prefixed with `'`, so that
/// spreadsheets do not run it as a formula (the CSV writer then quotes what needs quoting).
pub fn spreadsheet_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// Unix milliseconds as ISO 8601 in UTC, e.g. `2026-11-25T23:18:40.123Z`; a time outside the
/// years -9999 to 9999 (which no clock gives) as its number of milliseconds.
pub fn iso_utc(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| format!("{t:.3}"))
}
