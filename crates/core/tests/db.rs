use crate::support::Fixture;
use eventdesk_core::{db, CommitFeed, Error, EventQuery, ManualClock, Store};
use std::sync::Arc;

fn open(path: &std::path::Path) -> Result<Store, Error> {
    Store::open(path, CommitFeed::new().0, Arc::new(ManualClock::new(0)))
}

#[test]
fn creates_missing_folders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/c/eventdesk.db");
    let store = open(&path).unwrap();
    assert_eq!(store.list_events(&EventQuery::new(1, 10)).unwrap().total, 0);
    assert!(path.exists());
}

#[test]
fn refuses_a_text_file_and_leaves_it_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "shopping list: milk, eggs\n").unwrap();
    let err = open(&path).err().unwrap();
    assert!(
        matches!(&err, Error::NotEventdeskDatabase { reason, .. } if reason.contains("not an SQLite file")),
        "{err:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "shopping list: milk, eggs\n"
    );
}

#[test]
fn refuses_another_programs_sqlite_database_and_leaves_it_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada');",
        )
        .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = open(&path).err().unwrap();
    assert!(
        matches!(&err, Error::NotEventdeskDatabase { reason, .. } if reason.contains("another program")),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn refuses_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        open(dir.path()),
        Err(Error::NotEventdeskDatabase { .. })
    ));
}

#[test]
fn reopening_keeps_the_data() {
    let f = Fixture::new();
    f.add_events(3);
    let path = f.store.path().to_owned();
    drop(f.store);
    let again = open(&path).unwrap();
    assert_eq!(again.list_events(&EventQuery::new(1, 10)).unwrap().total, 3);
}

#[test]
fn connections_use_wal_and_foreign_keys() {
    let f = Fixture::new();
    let conn = f.store.connect().unwrap();
    let mode: String = conn
        .as_sqlite()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    let fk: i64 = conn
        .as_sqlite()
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    let sync: i64 = conn
        .as_sqlite()
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    let app: i64 = conn
        .as_sqlite()
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        (mode.as_str(), fk, sync, app),
        ("wal", 1, 1, db::APPLICATION_ID)
    );
}

#[test]
fn env_override_picks_the_database_path() {
    let data = std::path::Path::new("/data/eventdesk");
    assert_eq!(db::resolve_path(None, data), data.join("eventdesk.db"));
    assert_eq!(
        db::resolve_path(Some("  "), data),
        data.join("eventdesk.db")
    );
    assert_eq!(
        db::resolve_path(Some("/tmp/x.db"), data),
        std::path::PathBuf::from("/tmp/x.db")
    );
}

#[test]
fn the_database_refuses_edits_that_break_the_readers_rules() {
    // Migrations 006 and 007: each guard aborts the statement, and the file is as it was.
    let f = Fixture::new();
    f.add_events(3);
    let conn = f.store.connect().unwrap();
    let before = f.dump();
    for (sql, guard) in [
        ("DELETE FROM events WHERE id = 2", "never deleted"),
        (
            "UPDATE events SET kind = 'other' WHERE id = 1",
            "never change",
        ),
        (
            "UPDATE events SET source = 'other' WHERE id = 1",
            "never change",
        ),
        (
            "UPDATE events SET created_at = 0 WHERE id = 1",
            "never change",
        ),
        ("UPDATE events SET id = 9 WHERE id = 1", "never change"),
        (
            "UPDATE changes SET to_value = 'completed' WHERE seq = 1",
            "never rewritten",
        ),
        ("DELETE FROM changes WHERE seq = 3", "never rewritten"),
    ] {
        let err = conn.as_sqlite().execute(sql, []).unwrap_err().to_string();
        assert!(err.contains(guard), "{sql}: {err}");
    }
    assert_eq!(f.dump(), before);
    // What the app itself writes still goes through: a status change, a new event.
    let e = f.store.get_event(1).unwrap().event;
    f.store
        .act(1, e.version, eventdesk_core::Action::Complete)
        .unwrap();
    f.add_events(1);
}
