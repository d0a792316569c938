//! [`Store`]: the database as the console uses it. Reads run on their own connection (WAL lets
//! them proceed while a writer commits); writes go through the [`CommitFeed`], which orders
//! commits and hands each [`ChangeSet`] to whoever pushes changes to the UI.

use crate::clock::Clock;
use crate::db;
use crate::error::Error;
use crate::error::Result;
use crate::events::{self, Action, BulkOutcome, CatchUp, Target, WriteTxn};
use crate::model::{Actor, ChangeSet, Event, EventDetail, EventQuery, Page};
use crate::reader::Reader;
use rusqlite::Connection;
use rusqlite::OptionalExtension;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock leaves a connection that is still usable: SQLite rolled the
    // transaction back when the guard dropped.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where committed change sets go. Every writer (the operator's commands and the simulator)
/// commits through one feed, so sets arrive in `seq` order.
#[derive(Clone)]
pub struct CommitFeed {
    tx: Arc<Mutex<Sender<ChangeSet>>>,
}

impl CommitFeed {
    pub fn new() -> (CommitFeed, Receiver<ChangeSet>) {
        let (tx, rx) = mpsc::channel();
        (
            CommitFeed {
                tx: Arc::new(Mutex::new(tx)),
            },
            rx,
        )
    }

    /// Runs `f` in an IMMEDIATE transaction on `conn`. On `Ok` it commits and publishes what
    /// changed; on `Err` it rolls back, so nothing is half-written.
    pub fn write<T>(
        &self,
        conn: &mut Connection,
        now: i64,
        f: impl FnOnce(&mut WriteTxn<'_>) -> Result<T>,
    ) -> Result<T> {
        // Held across commit and send: a later commit can never be published first.
        let sender = lock(&self.tx);
        let mut w = WriteTxn::begin(conn, now)?;
        let out = f(&mut w)?;
        if let Some(set) = w.commit()? {
            // No receiver means no window to update; the data is committed all the same.
            let _ = sender.send(set);
        }
        Ok(out)
    }
}

/// What the tray shows: events not completed yet, and the critical ones among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub unfinished: i64,
    pub critical: i64,
}

/// The open database: one read connection (with the hit sets of recent searches), one write
/// connection for the operator's commands.
pub struct Store {
    path: PathBuf,
    reader: Mutex<Reader>,
    writer: Mutex<Connection>,
    feed: CommitFeed,
    clock: Arc<dyn Clock>,
}

impl Store {
    /// Prepares the file (folder, foreign-file check, migrations) and opens its connections.
    pub fn open(path: &Path, feed: CommitFeed, clock: Arc<dyn Clock>) -> Result<Store> {
        db::prepare(path)?;
        let reader = Reader::new(db::connect(path)?)?;
        reader.warm_up(db::connect(path)?);
        Ok(Store {
            path: path.to_owned(),
            reader: Mutex::new(reader),
            writer: Mutex::new(db::connect(path)?),
            feed,
            clock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn feed(&self) -> &CommitFeed {
        &self.feed
    }

    /// A new connection to the same file, for a thread of its own (the simulator).
    pub fn connect(&self) -> Result<Connection> {
        db::connect(&self.path)
    }

    /// Whether reads may use the reader's memory (on by default); see [`Reader::set_memory`].
    pub fn set_read_memory(&self, enabled: bool) {
        lock(&self.reader).set_memory(enabled);
    }

    pub fn list_events(&self, query: &EventQuery) -> Result<Page> {
        crate::query::list_events(&mut lock(&self.reader), query)
    }

    pub fn facets(&self) -> Result<crate::query::Facets> {
        crate::query::facets(lock(&self.reader).conn())
    }

    /// Unfinished events, and how many of them are critical, from the maintained counts.
    pub fn tally(&self) -> Result<Tally> {
        let reader = lock(&self.reader);
        let mut stmt = reader.conn().prepare_cached(
            "SELECT coalesce(sum(n), 0), coalesce(sum(CASE WHEN severity = 3 THEN n END), 0) \
             FROM event_counts WHERE status != 'completed'",
        )?;
        Ok(stmt.query_row([], |r| {
            Ok(Tally {
                unfinished: r.get(0)?,
                critical: r.get(1)?,
            })
        })?)
    }

    /// Events per minute by severity over the last hour.
    pub fn activity(&self) -> Result<Vec<crate::activity::Minute>> {
        crate::activity::last_hour(lock(&self.reader).conn(), self.clock.now_ms())
    }

    /// Writes a view to a file on a connection of its own, so pages keep loading meanwhile;
    /// see [`crate::export::export_view`].
    pub fn export(
        &self,
        filter: &crate::model::EventFilter,
        sort: crate::model::Sort,
        format: crate::export::ExportFormat,
        path: &Path,
        cancel: &std::sync::atomic::AtomicBool,
        progress: impl FnMut(i64, i64),
    ) -> Result<crate::export::ExportOutcome> {
        let mut conn = self.connect()?;
        crate::export::export_view(&mut conn, filter, sort, format, path, cancel, progress)
    }

    pub fn get_event(&self, id: i64) -> Result<EventDetail> {
        events::get_event(lock(&self.reader).conn_mut(), id)
    }

    /// Completes an event as the operator.
    pub fn complete_event(&self, id: i64, expected_version: i64) -> Result<Event> {
        self.act(id, expected_version, Action::Complete)
    }

    /// Applies an operator's action to one event; see [`events::apply`].
    pub fn act(&self, id: i64, expected_version: i64, action: Action) -> Result<Event> {
        events::check_id(id)?;
        let mut conn = lock(&self.writer);
        self.feed.write(&mut conn, self.clock.now_ms(), |w| {
            events::apply(w, id, expected_version, action, Actor::User)
        })
    }

    /// Applies an operator's action to many events in one transaction, one outcome each.
    pub fn bulk(&self, targets: &[Target], action: Action) -> Result<Vec<BulkOutcome>> {
        events::check_bulk(targets)?;
        let mut conn = lock(&self.writer);
        self.feed.write(&mut conn, self.clock.now_ms(), |w| {
            events::bulk(w, targets, action, Actor::User)
        })
    }

    /// Everything changed after `since`, for a window that missed pushes.
    pub fn changes_since(&self, since: i64) -> Result<CatchUp> {
        events::changes_since(lock(&self.reader).conn_mut(), since)
    }

    /// A persisted setting, or `None` if it was never saved.
    pub fn load_setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let reader = lock(&self.reader);
        let text: Option<String> = reader
            .conn()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?;
        text.map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| Error::storage(format!("setting {key} is unreadable: {e}")))
        })
        .transpose()
    }

    pub fn save_setting<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let text = serde_json::to_string(value).map_err(Error::storage)?;
        let conn = lock(&self.writer);
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, &text],
        )?;
        Ok(())
    }
}
