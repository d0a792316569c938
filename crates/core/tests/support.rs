use eventdesk_core::db::NewEvent;
use eventdesk_core::{Actor, ChangeSet, CommitFeed, ManualClock, Severity, Store};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use tempfile::TempDir;

pub const T0: i64 = 1_764_000_000_000;

/// Takes a file back to before migration 20 (assignees): no `assignee` column or index, no
/// `assignee` or `assign` in the constraints.
pub const UNDO_ASSIGNEES: &str = "DROP INDEX events_assignee; \
    ALTER TABLE events DROP COLUMN assignee; \
    PRAGMA writable_schema = ON; \
    UPDATE sqlite_schema SET sql = replace(replace(sql, ', ''assignee''))', '))'), \
        ', ''assign''))', '))') \
        WHERE type = 'table' AND name IN ('changes', 'team_actions'); \
    PRAGMA writable_schema = OFF;";

/// Takes a file back to before migration 19 (notes): the search index of three columns and its
/// trigger as migration 7 made them, no `notes` column, no `note` in the constraints.
pub const UNDO_NOTES: &str = "DROP TRIGGER events_text_reindexed; \
    DROP TABLE events_fts_terms; DROP TABLE events_fts; \
    CREATE VIRTUAL TABLE events_fts USING fts5 (title, kind, source, content = 'events', \
        content_rowid = 'id', tokenize = 'unicode61', prefix = '1 2 3'); \
    INSERT INTO events_fts (events_fts) VALUES ('rebuild'); \
    CREATE VIRTUAL TABLE events_fts_terms USING fts5vocab(events_fts, row); \
    CREATE TRIGGER events_title_reindexed AFTER UPDATE OF title ON events \
    WHEN NEW.title IS NOT OLD.title \
      AND EXISTS (SELECT 1 FROM events_fts_docsize WHERE id = OLD.id) BEGIN \
        INSERT INTO events_fts (events_fts, rowid, title, kind, source) \
            VALUES ('delete', OLD.id, OLD.title, OLD.kind, OLD.source); \
        INSERT INTO events_fts (rowid, title, kind, source) \
            VALUES (NEW.id, NEW.title, NEW.kind, NEW.source); \
    END; \
    ALTER TABLE events DROP COLUMN notes; \
    PRAGMA writable_schema = ON; \
    UPDATE sqlite_schema SET sql = replace(sql, ', ''note''))', '))') \
        WHERE type = 'table' AND name IN ('changes', 'team_actions'); \
    PRAGMA writable_schema = OFF;";

/// A store on a fresh temp-dir database, with a manual clock and the feed's receiving end.
pub struct Fixture {
    pub _dir: TempDir,
    pub store: Store,
    pub feed: CommitFeed,
    pub rx: Receiver<ChangeSet>,
    pub clock: Arc<ManualClock>,
}

impl Fixture {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (feed, rx) = CommitFeed::new();
        let clock = Arc::new(ManualClock::new(T0));
        let store = Store::open(
            &dir.path().join("eventdesk.db"),
            feed.clone(),
            clock.clone(),
        )
        .unwrap();
        Fixture {
            _dir: dir,
            store,
            feed,
            rx,
            clock,
        }
    }

    /// Adds `n` events through the write path, one second apart; returns their ids.
    pub fn add_events(&self, n: usize) -> Vec<i64> {
        let mut conn = self.store.connect().unwrap();
        (0..n)
            .map(|i| {
                self.clock.advance(1_000);
                self.feed
                    .write(&mut conn, &*self.clock, |w| {
                        w.insert(&new_event(i), &Actor::Simulator)
                    })
                    .unwrap()
            })
            .collect()
    }

    /// Everything the feed published so far.
    pub fn published(&self) -> Vec<ChangeSet> {
        self.rx.try_iter().collect()
    }

    /// A fingerprint of the whole database: every event row and every change.
    pub fn dump(&self) -> String {
        let conn = self.store.connect().unwrap();
        let mut out = String::new();
        for table in ["events", "changes", "event_counts"] {
            let mut stmt = conn
                .as_sqlite()
                .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
                .unwrap();
            let cols = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    (0..cols)
                        .map(|i| {
                            r.get::<_, rusqlite::types::Value>(i)
                                .map(|v| format!("{v:?}"))
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .unwrap();
            for row in rows {
                out.push_str(&row.unwrap().join("|"));
                out.push('\n');
            }
        }
        out
    }
}

pub fn new_event(i: usize) -> NewEvent {
    NewEvent {
        kind: "txn.timeout".into(),
        source: "payments-api".into(),
        severity: Severity::Warning,
        title: format!("Card authorisations timing out for merchant #{i}"),
        ..NewEvent::default()
    }
}
