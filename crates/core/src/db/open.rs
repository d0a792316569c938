//! Opening the SQLite file: deciding from its bytes whether it is ours before SQLite touches it,
//! migrating it, and configuring every connection in one place.
//!
//! A path is a plain file path (never an SQLite URI). A file is adopted only when it is new,
//! empty (0 bytes), or an SQLite file with no schema at all (application id 0, user version 0,
//! no tables); an Eventdesk file (application id "EVDK") is opened; anything else is refused
//! before SQLite opens it, so no journal, `-wal` or `-shm` file is ever made beside it.

use crate::db::{Conn, Handle, Raw};
use crate::error::{Error, Result};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use rusqlite_migration::{Migrations, M};
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `PRAGMA application_id` of an Eventdesk database ("EVDK").
pub const APPLICATION_ID: i64 = 0x4556_444B;

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// How long a connection waits for another writer's lock before answering `Busy`.
pub const BUSY_WAIT: Duration = Duration::from_secs(5);

/// The write-ahead log is cut back to this size after a checkpoint (it may grow past it while
/// a long read, such as an export, keeps the older pages needed).
const WAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// Versioned schema. Released migrations are never edited; add a new one instead.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/001_events.sql")),
        M::up(include_str!("../../migrations/002_settings.sql")),
        M::up(include_str!("../../migrations/003_views.sql")),
        M::up(include_str!("../../migrations/004_search_terms.sql")),
        M::up(include_str!("../../migrations/005_counts_by_writer.sql")),
        M::up(include_str!("../../migrations/006_guards.sql")),
        M::up_with_hook(
            include_str!("../../migrations/007_sources.sql"),
            widen_actor_checks,
        ),
        M::up(include_str!("../../migrations/008_team.sql")),
        M::up(include_str!("../../migrations/009_team_binding.sql")),
        M::up(include_str!("../../migrations/010_team_proof.sql")),
        M::up(include_str!("../../migrations/011_dedup_owner.sql")),
        M::up(include_str!("../../migrations/012_source_rejections.sql")),
        M::up(include_str!("../../migrations/013_labels.sql")),
        M::up(include_str!("../../migrations/014_silences.sql")),
        M::up(include_str!("../../migrations/015_team_silences.sql")),
        M::up_with_hook(
            include_str!("../../migrations/016_snooze.sql"),
            widen_for_snooze,
        ),
        M::up_with_hook(
            include_str!("../../migrations/017_timers.sql"),
            widen_for_timers,
        ),
        M::up(include_str!("../../migrations/018_senders.sql")),
        M::up_with_hook(
            include_str!("../../migrations/019_notes.sql"),
            widen_for_notes,
        ),
        M::up_with_hook(
            include_str!("../../migrations/020_assignee.sql"),
            widen_for_assignees,
        ),
    ])
}

/// How many migrations there are.
const MIGRATION_COUNT: i64 = 20;

/// The schema version this Eventdesk writes.
pub fn schema_version() -> i64 {
    MIGRATION_COUNT
}

/// Migration 7's hook: the CHECK constraints that allowed only `user` and `simulator` as
/// actors (and three fields in the log) now also allow named operators and sources (and the
/// `occurred` and `title` fields). SQLite cannot alter a constraint; the documented way for
/// a change that every stored row already satisfies is to edit the schema's text and bump
/// `schema_version`, which copies nothing (a rebuilt table would take minutes at millions of
/// events).
fn widen_actor_checks(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    let named = |column: &str| {
        format!(
            "CHECK ({column} IN ('user', 'simulator') OR {column} GLOB 'operator:?*' \
             OR {column} GLOB 'source:?*')"
        )
    };
    let mut edits: Vec<(&str, String, String)> = ["updated_by", "completed_by", "reopened_by"]
        .into_iter()
        .map(|c| {
            (
                "events",
                format!("CHECK ({c} IN ('user', 'simulator'))"),
                named(c),
            )
        })
        .collect();
    edits.push((
        "changes",
        "CHECK (actor IN ('user', 'simulator'))".into(),
        named("actor"),
    ));
    edits.push((
        "changes",
        "CHECK (field IN ('created', 'status', 'severity'))".into(),
        "CHECK (field IN ('created', 'status', 'severity', 'occurred', 'title'))".into(),
    ));
    edit_constraints(tx, &edits)
}

/// Migration 16's hook: the change log may say an event was snoozed or woken, and a team's
/// action outcomes may be snoozes and wakes (the same way as migration 7's).
fn widen_for_snooze(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    edit_constraints(
        tx,
        &[
            (
                "changes",
                "CHECK (field IN ('created', 'status', 'severity', 'occurred', 'title'))".into(),
                "CHECK (field IN ('created', 'status', 'severity', 'occurred', 'title', \
                 'snoozed'))"
                    .into(),
            ),
            (
                "team_actions",
                "CHECK (action IN ('acknowledge', 'complete', 'reopen'))".into(),
                "CHECK (action IN ('acknowledge', 'complete', 'reopen', 'snooze', 'wake'))".into(),
            ),
        ],
    )
}

/// Migration 17's hook: the desk's timers may change events (`timer:NAME` as an actor), the
/// same way as migration 7's. (A team keeps a timer's outcomes as the reopen or completion
/// it makes.)
fn widen_for_timers(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    let source = |column: &str| format!("OR {column} GLOB 'source:?*')");
    let timer = |column: &str| format!("OR {column} GLOB 'source:?*' OR {column} GLOB 'timer:?*')");
    let mut edits: Vec<(&str, String, String)> = ["updated_by", "completed_by", "reopened_by"]
        .into_iter()
        .map(|c| ("events", source(c), timer(c)))
        .collect();
    edits.push(("changes", source("actor"), timer("actor")));
    edit_constraints(tx, &edits)
}

/// Migration 19's hook: the change log may hold notes, and a team's action outcomes may be
/// notes (the same way as migration 7's).
fn widen_for_notes(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    edit_constraints(
        tx,
        &[
            (
                "changes",
                "'occurred', 'title', 'snoozed'))".into(),
                "'occurred', 'title', 'snoozed', 'note'))".into(),
            ),
            (
                "team_actions",
                "'reopen', 'snooze', 'wake'))".into(),
                "'reopen', 'snooze', 'wake', 'note'))".into(),
            ),
        ],
    )
}

/// Migration 20's hook: the change log may say who an event is assigned to, and a team's
/// action outcomes may be assignments (the same way as migration 7's).
fn widen_for_assignees(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    edit_constraints(
        tx,
        &[
            (
                "changes",
                "'snoozed', 'note'))".into(),
                "'snoozed', 'note', 'assignee'))".into(),
            ),
            (
                "team_actions",
                "'wake', 'note'))".into(),
                "'wake', 'note', 'assign'))".into(),
            ),
        ],
    )
}

/// Replaces each `(table, from, to)` constraint's text in the schema, which must hold it once
/// (or hold `to` already), and bumps `schema_version` so that every connection reads the
/// schema again.
fn edit_constraints(
    tx: &rusqlite::Transaction<'_>,
    edits: &[(&str, String, String)],
) -> rusqlite_migration::HookResult {
    let version: i64 = tx.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
    tx.execute_batch("PRAGMA writable_schema = ON")?;
    for (table, from, to) in edits {
        let changed = tx.execute(
            "UPDATE sqlite_schema SET sql = replace(sql, ?2, ?3) \
             WHERE type = 'table' AND name = ?1 AND instr(sql, ?2) > 0",
            rusqlite::params![table, from, to],
        )?;
        let already: bool = tx.query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = ?1 \
             AND instr(sql, ?2) > 0",
            rusqlite::params![table, to],
            |r| r.get(0),
        )?;
        if changed != 1 && !already {
            return Err(rusqlite_migration::HookError::Hook(format!(
                "{table} has no constraint {from}"
            )));
        }
    }
    tx.execute_batch(&format!(
        "PRAGMA schema_version = {}; PRAGMA writable_schema = OFF;",
        version + 1
    ))?;
    Ok(())
}

/// The default database file inside an application-data folder.
pub fn default_path(app_data_dir: &Path) -> PathBuf {
    app_data_dir.join("eventdesk.db")
}

/// `EVENTDESK_DB` when set and non-empty, otherwise the default file in `app_data_dir`.
pub fn resolve_path(env_override: Option<&str>, app_data_dir: &Path) -> PathBuf {
    match env_override.map(str::trim) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => default_path(app_data_dir),
    }
}

/// Whether a file can be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    /// Readable only; the reason says whether the file or its folder is read-only.
    ReadOnly(String),
}

/// When [`prepare`] checks the file's pages (`PRAGMA quick_check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Before anything else: the file is refused as `Corrupt` when damaged.
    Now,
    /// Later, by the caller (the app checks in the background: the check reads the whole file;
    /// benches/NOTES.md, "`quick_check`"). A file that needs upgrading is still checked first.
    Later,
}

/// What [`prepare`] made ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub access: Access,
    /// Whether the pages were checked (see [`Check`]).
    pub checked: bool,
}

/// What a path holds, from its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// Nothing there yet.
    New,
    /// A 0-byte file, or an SQLite file with no schema: ours to adopt.
    Adoptable,
    /// An Eventdesk database.
    Ours,
}

fn not_ours(path: &Path, reason: &str) -> Error {
    Error::NotEventdeskDatabase {
        path: path.display().to_string(),
        reason: reason.to_owned(),
    }
}

/// `path` with `suffix` added to its file name (`x.db` → `x.db-wal`).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

/// Reads what `path` holds without opening it with SQLite.
fn inspect(path: &Path) -> Result<Found> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::New),
        Err(e) => {
            return Err(Error::storage(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
    };
    if meta.is_dir() {
        return Err(not_ours(path, "it is a folder"));
    }
    // Data in a write-ahead log beside the file may be another program's unsaved changes; the
    // file alone cannot say whose.
    let wal_holds_data = std::fs::metadata(sibling(path, "-wal")).is_ok_and(|m| m.len() > 0);
    if meta.len() == 0 {
        return if wal_holds_data {
            Err(not_ours(
                path,
                "it is empty but has a write-ahead log (-wal) beside it",
            ))
        } else {
            Ok(Found::Adoptable)
        };
    }
    let mut header = [0u8; 108];
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::storage(format!("cannot read {}: {e}", path.display())))?;
    let read = read_up_to(&mut file, &mut header)
        .map_err(|e| Error::storage(format!("cannot read {}: {e}", path.display())))?;
    if read < 100 || &header[..16] != SQLITE_HEADER {
        return Err(not_ours(path, "it is not an SQLite file"));
    }
    let be32 = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    if i64::from(be32(68)) == APPLICATION_ID {
        return Ok(Found::Ours);
    }
    // Page 1 holds the schema table: a leaf page (type 13) with no cells means no schema.
    let no_schema = read >= 105 && header[100] == 13 && header[103] == 0 && header[104] == 0;
    if be32(68) == 0 && be32(60) == 0 && no_schema && !wal_holds_data {
        return Ok(Found::Adoptable);
    }
    Err(not_ours(
        path,
        "it is an SQLite database of another program",
    ))
}

/// `Ok` when `path` is an Eventdesk database, judged from its bytes alone (SQLite does not
/// open it): for tools that must not adopt or upgrade a file.
pub fn ensure_ours(path: &Path) -> Result<()> {
    match inspect(path)? {
        Found::Ours => Ok(()),
        Found::New => Err(Error::invalid(
            "db",
            format!("{} does not exist", path.display()),
        )),
        Found::Adoptable => Err(not_ours(path, "it holds no Eventdesk data")),
    }
}

fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Whether `path` (an existing file) can be opened for writing, and if not, why.
fn file_access(path: &Path) -> Access {
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Ok(_) => Access::ReadWrite,
        Err(e) => Access::ReadOnly(format!("the file is read-only ({e})")),
    }
}

fn is_read_only_failure(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied)
    )
}

/// Makes `path` ready for use: creates a missing folder, refuses a file that is not an
/// Eventdesk database or is damaged (without writing to it), brings the schema up to date and
/// switches the file to WAL. A read-only file is opened for reading.
pub fn prepare(path: &Path, check: Check) -> Result<Prepared> {
    if path.to_string_lossy().starts_with("file:") {
        return Err(Error::invalid(
            "path",
            format!(
                "{} is an SQLite URI; give a plain file path",
                path.display()
            ),
        ));
    }
    let found = inspect(path)?;
    if found == Found::New {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::ReadOnly {
                path: path.display().to_string(),
                reason: format!("its folder {} cannot be created ({e})", dir.display()),
            })?;
        }
    }
    let mut access = match found {
        Found::New => Access::ReadWrite,
        Found::Adoptable | Found::Ours => file_access(path),
    };
    let mut conn = match &access {
        Access::ReadWrite => {
            let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            if found == Found::New {
                flags |= OpenFlags::SQLITE_OPEN_CREATE;
            }
            let conn = Connection::open_with_flags(path, flags).map_err(|e| {
                if found == Found::New && is_read_only_failure(&e) {
                    Error::ReadOnly {
                        path: path.display().to_string(),
                        reason: "its folder is read-only".into(),
                    }
                } else {
                    open_error(path, &e)
                }
            })?;
            // A WAL file needs its folder writable for the shared-memory index even to read.
            match conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)) {
                Err(e) if is_read_only_failure(&e) => {
                    access = Access::ReadOnly("its folder is read-only".into());
                    connect_read_only(path)?.into_raw()
                }
                Err(e) => return Err(open_error(path, &e)),
                Ok(_) => conn,
            }
        }
        Access::ReadOnly(_) => connect_read_only(path)?.into_raw(),
    };
    configure(&conn)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| open_error(path, &e))?;
    if version > schema_version() {
        return Err(not_ours(
            path,
            &format!(
                "its schema version {version} is newer than this Eventdesk knows ({})",
                schema_version()
            ),
        ));
    }
    let upgrade = version < schema_version();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .map_err(|e| open_error(path, &e))?;
    let to_wal = access == Access::ReadWrite && !mode.eq_ignore_ascii_case("wal");
    // Anything that will write to an existing file of ours is preceded by the check.
    let checked = found == Found::Ours && (check == Check::Now || upgrade || to_wal);
    if checked {
        quick_check(&conn, path)?;
    }
    if upgrade {
        if let Access::ReadOnly(reason) = &access {
            return Err(Error::ReadOnly {
                path: path.display().to_string(),
                reason: format!("it needs an upgrade to this Eventdesk's schema, but {reason}"),
            });
        }
        migrations().to_latest(&mut conn).map_err(|e| {
            let why = match &e {
                rusqlite_migration::Error::RusqliteError { err, .. } => short(err),
                other => other.to_string(),
            };
            Error::storage(format!(
                "{} could not be upgraded to this Eventdesk's schema ({why}); it was left as it was",
                path.display()
            ))
        })?;
    }
    if to_wal {
        // Only now, with the file known to be ours, sound and current.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    }
    Ok(Prepared { access, checked })
}

/// An SQLite error in one line, without the statement that caused it.
fn short(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(code, Some(message)) => {
            format!("{message} ({:?})", code.code)
        }
        other => other.to_string(),
    }
}

fn open_error(path: &Path, e: &rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => not_ours(path, "it is not an SQLite file"),
        Some(ErrorCode::DatabaseCorrupt) => Error::Corrupt {
            path: path.display().to_string(),
            reason: short(e),
        },
        _ => Error::storage(format!("cannot open {}: {}", path.display(), short(e))),
    }
}

/// `PRAGMA quick_check`: `Corrupt` naming the first problem when the file's pages do not hold
/// together.
pub fn quick_check(conn: &impl Handle, path: &Path) -> Result<()> {
    let first: String = conn
        .raw()
        .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
        .map_err(|e| match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Error::Corrupt {
                path: path.display().to_string(),
                reason: short(&e),
            },
            _ => open_error(path, &e),
        })?;
    if first == "ok" {
        return Ok(());
    }
    let reason: String = first.chars().take(160).collect();
    Err(Error::Corrupt {
        path: path.display().to_string(),
        reason,
    })
}

/// Opens a connection to a prepared file with the settings every Eventdesk connection uses:
/// NORMAL sync, foreign keys, a busy timeout, a bounded write-ahead log. Never creates a file.
pub fn connect(path: &Path) -> Result<Conn> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| open_error(path, &e))?;
    configure(&conn)?;
    Ok(Conn::new(conn))
}

/// A read-only connection to a prepared file.
pub fn connect_read_only(path: &Path) -> Result<Conn> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| open_error(path, &e))?;
    configure(&conn)?;
    Ok(Conn::new(conn))
}

/// Copies the write-ahead log's pages into the file as far as no reader still needs them
/// (never waiting for one), so that the log restarts small; after a long write (a seed, an
/// export, a burst of simulator changes). `journal_size_limit` then cuts the log file back.
pub fn checkpoint(conn: &impl Handle) -> Result<()> {
    let _: (i64, i64, i64) = conn
        .raw()
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    Ok(())
}

/// Tunes a connection that writes a whole stream (a team's replica): a page cache of its own
/// of up to 64 MiB keeps the indexes it updates in memory (SQLite's default is 2 MiB), and it
/// checkpoints every 64 MiB of log rather than every 4 MiB, so that pages written again and
/// again (the indexes' upper levels) are copied back once.
pub fn tune_for_streaming(conn: &Conn) -> Result<()> {
    let conn = conn.raw();
    conn.pragma_update(None, "cache_size", -64 * 1024)?;
    let _: i64 = conn.query_row("PRAGMA wal_autocheckpoint = 16384", [], |r| r.get(0))?;
    Ok(())
}

/// What tells the file at a path from another put in its place: its device and inode where
/// there are such, its creation time elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileIdentity(u64, u64);

/// The identity of the file at `path`, or `None` when there is none (or it cannot be told).
pub fn file_identity(path: &Path) -> Option<FileIdentity> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(FileIdentity(meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let created = meta.created().ok()?;
        let since = created.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(FileIdentity(
            since.as_secs(),
            u64::from(since.subsec_nanos()),
        ))
    }
}

/// What is at `path` now, in words, read from its first bytes only (no SQLite connection is
/// opened: one would share the log of a file that is still open under the old name).
pub fn what_is_there(path: &Path) -> String {
    match inspect(path) {
        Ok(Found::Ours) => "the file there now is an Eventdesk database".into(),
        Ok(Found::New) => "there is no file there now".into(),
        Ok(Found::Adoptable) => "the file there now holds no Eventdesk data".into(),
        Err(Error::NotEventdeskDatabase { reason, .. }) => {
            format!("the file there now is not an Eventdesk database: {reason}")
        }
        Err(e) => format!("the file there now cannot be read: {e}"),
    }
}

/// Makes every commit on `conn` durable before it returns (`synchronous = FULL`: the
/// write-ahead log is synced at each commit), for writers that acknowledge what they applied:
/// a broker's ack or an HTTP 202 must never precede it. Other connections keep `NORMAL`
/// (durable at the next checkpoint; never corrupt).
pub fn make_durable(conn: &Conn) -> Result<()> {
    conn.raw().pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// SQLite's `data_version`: it changes when another connection commits to the file.
pub fn data_version(conn: &impl Handle) -> Result<i64> {
    Ok(conn
        .raw()
        .query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

/// An in-memory database with the schema applied, for tests and benchmarks.
pub fn in_memory() -> Result<Conn> {
    let mut conn = Connection::open_in_memory()?;
    configure(&conn)?;
    migrations().to_latest(&mut conn)?;
    Ok(Conn::new(conn))
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_WAIT)?;
    // Every statement the app runs stays prepared (rusqlite keeps 16 by default).
    conn.set_prepared_statement_cache_capacity(64);
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Answers with a row; pragma_update would reject that.
    let _limit: i64 = conn.query_row(
        &format!("PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}"),
        [],
        |r| r.get(0),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }

    #[test]
    fn sqlite_is_built_without_memory_statistics() {
        // Set in .cargo/config.toml: the statistics' global mutex serialises every allocation
        // of the simulator's and the window's connections.
        let conn = in_memory().unwrap();
        let mut stmt = conn.raw().prepare("PRAGMA compile_options").unwrap();
        let options: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
    }
}
