//! [`Store`]: the database as the console uses it. Reads run on their own connection with its
//! memory ([`Reader`]; WAL lets them proceed while a writer commits); writes go through the
//! [`CommitFeed`], which orders commits and hands each [`ChangeSet`](crate::ChangeSet) to
//! whoever pushes changes to the window.

use crate::clock::Clock;
use crate::db::{self, actions, catch_up, rows, CommitFeed, WriteTxn};
use crate::error::{Error, Result};
use crate::model::{
    Action, Actor, BulkOutcome, CatchUp, Event, EventDetail, EventFilter, EventQuery, Page, Sort,
    Tally, Target,
};
use crate::read::query::Facets;
use crate::read::Reader;
use crate::services::activity::{self, Minute};
use crate::services::export::{self, ExportFormat, ExportOutcome};
use rusqlite::Connection;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock leaves a connection that is still usable: SQLite rolled the
    // transaction back when the guard dropped.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The open database: one read connection (with its memory), one write connection for the
/// operator's commands and the settings.
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

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
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
        lock(&self.reader).list_events(query)
    }

    pub fn facets(&self) -> Result<Facets> {
        crate::read::query::facets(lock(&self.reader).conn())
    }

    /// Unfinished events, and how many of them are critical, from the maintained counts.
    pub fn tally(&self) -> Result<Tally> {
        rows::tally(lock(&self.reader).conn())
    }

    /// Events per minute by severity over the last hour.
    pub fn activity(&self) -> Result<Vec<Minute>> {
        activity::last_hour(lock(&self.reader).conn(), self.clock.now_ms())
    }

    /// Writes a view to a file on a connection of its own, so pages keep loading meanwhile;
    /// see [`export::export_view`].
    pub fn export(
        &self,
        filter: &EventFilter,
        sort: Sort,
        format: ExportFormat,
        path: &Path,
        cancel: &AtomicBool,
        progress: impl FnMut(i64, i64),
    ) -> Result<ExportOutcome> {
        let mut conn = self.connect()?;
        export::export_view(&mut conn, filter, sort, format, path, cancel, progress)
    }

    pub fn get_event(&self, id: i64) -> Result<EventDetail> {
        rows::get_event(lock(&self.reader).conn_mut(), id)
    }

    /// Runs `f` in a write transaction on the operator's connection; see [`CommitFeed::write`].
    fn write<T>(&self, f: impl FnOnce(&mut WriteTxn<'_>) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        self.feed.write(&mut conn, self.clock.now_ms(), f)
    }

    /// Completes an event as the operator.
    pub fn complete_event(&self, id: i64, expected_version: i64) -> Result<Event> {
        self.act(id, expected_version, Action::Complete)
    }

    /// Applies an operator's action to one event; see [`actions::apply`].
    pub fn act(&self, id: i64, expected_version: i64, action: Action) -> Result<Event> {
        rows::check_id(id)?;
        self.write(|w| actions::apply(w, id, expected_version, action, Actor::User))
    }

    /// Applies an operator's action to many events in one transaction, one outcome each.
    pub fn bulk(&self, targets: &[Target], action: Action) -> Result<Vec<BulkOutcome>> {
        actions::check_bulk(targets)?;
        self.write(|w| actions::bulk(w, targets, action, Actor::User))
    }

    /// Everything changed after `since`, for a window that missed pushes.
    pub fn changes_since(&self, since: i64) -> Result<CatchUp> {
        catch_up::changes_since(lock(&self.reader).conn_mut(), since)
    }

    /// A persisted setting, or `None` if it was never saved.
    pub fn load_setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        rows::setting(lock(&self.reader).conn(), key)?
            .map(|text| {
                serde_json::from_str(&text)
                    .map_err(|e| Error::storage(format!("setting {key} is unreadable: {e}")))
            })
            .transpose()
    }

    /// Saves a setting through the write path, like every other write.
    pub fn save_setting<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let text = serde_json::to_string(value).map_err(Error::storage)?;
        self.write(|w| w.put_setting(key, &text))
    }
}
