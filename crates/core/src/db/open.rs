//! Opening the SQLite file: the one place every connection is configured, and the migrations.

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{Migrations, M};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `PRAGMA application_id` of an Eventdesk database ("EVDK").
pub const APPLICATION_ID: i64 = 0x4556_444B;

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Versioned schema. Released migrations are never edited; add a new one instead.
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../migrations/001_events.sql")),
    M::up(include_str!("../../migrations/002_settings.sql")),
    M::up(include_str!("../../migrations/003_views.sql")),
    M::up(include_str!("../../migrations/004_search_terms.sql")),
    M::up(include_str!("../../migrations/005_counts_by_writer.sql")),
    M::up(include_str!("../../migrations/006_guards.sql")),
];

fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
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

/// Opens a connection with the settings every Eventdesk connection uses: WAL, NORMAL sync,
/// foreign keys, a busy timeout. Does not create or migrate the schema; see [`prepare`].
pub fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    configure(&conn)?;
    Ok(conn)
}

/// An in-memory database with the schema applied, for tests and benchmarks.
pub fn in_memory() -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    configure(&conn)?;
    migrations().to_latest(&mut conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // Every statement the app runs stays prepared (rusqlite keeps 16 by default).
    conn.set_prepared_statement_cache_capacity(64);
    // journal_mode answers with a row; pragma_update would reject that.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Makes `path` ready for use: creates a missing folder, refuses a file that is not an
/// Eventdesk database (without writing to it), and brings the schema up to date.
pub fn prepare(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::storage(format!("cannot create folder {}: {e}", dir.display())))?;
    }
    check_foreign(path)?;
    let mut conn = connect(path)?;
    migrations().to_latest(&mut conn)?;
    Ok(())
}

/// Fails with `NotEventdeskDatabase` for an existing file that belongs to something else.
/// Reads only; the file is not modified.
fn check_foreign(path: &Path) -> Result<()> {
    let not_ours = |reason: &str| Error::NotEventdeskDatabase {
        path: path.display().to_string(),
        reason: reason.to_owned(),
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(Error::storage(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
    };
    if meta.is_dir() {
        return Err(not_ours("it is a folder"));
    }
    if meta.len() == 0 {
        return Ok(());
    }
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path)?;
    if file.read_exact(&mut header).is_err() || &header != SQLITE_HEADER {
        return Err(not_ours("it is not an SQLite file"));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
        [],
        |r| r.get(0),
    )?;
    if app_id != APPLICATION_ID && tables > 0 {
        return Err(not_ours("it is an SQLite database of another program"));
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    if version > known {
        return Err(not_ours(&format!(
            "its schema version {version} is newer than this Eventdesk knows ({known})"
        )));
    }
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
        let mut stmt = conn.prepare("PRAGMA compile_options").unwrap();
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
