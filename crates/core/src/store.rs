//! [`Store`]: the database as the console uses it. Pages are read on a connection with its
//! memory ([`Reader`]), other reads on a small [`Pool`] (WAL lets them proceed while a writer
//! commits, and a long export does not hold up a page); writes go through the
//! [`CommitFeed`], which orders commits and hands each [`ChangeSet`](crate::ChangeSet) to
//! whoever pushes changes to the window.

use crate::clock::Clock;
use crate::db::handover;
use crate::db::{
    self, actions, catch_up, rows, timers, Access, Check, CommitFeed, Conn, Pool, WriteTxn,
};
use crate::error::{Error, Result};
use crate::model::{
    Action, Actor, BulkOutcome, CatchUp, ChangeSet, Event, EventDetail, EventFilter, EventQuery,
    HistoryPage, Matcher, Page, Sender, Silence, SilenceDraft, Sort, Tally, Target, TimerPolicy,
};
use crate::read::query::Facets;
use crate::read::Reader;
use crate::services::activity::{self, Minute};
use crate::services::export::{self, ExportFormat, ExportOutcome};
use parking_lot::Mutex;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long an operator's action waits for another program's write lock before `Busy`.
pub const OPERATOR_WAIT: Duration = Duration::from_secs(2);
/// How many connections serve the reads that are not pages (details, counts, catch-ups,
/// exports, settings).
pub const READ_POOL: usize = 2;
/// How often the file is looked at for commits made by other processes.
pub const OTHER_WRITERS_EVERY: Duration = Duration::from_millis(250);
/// How long the work a store does in the background (the page check, reading the columns
/// ahead) waits for the window's first rows before it starts anyway.
pub const BACKGROUND_WORK_WAITS: Duration = Duration::from_secs(5);

/// Opens once the window has shown its first rows ([`Store::first_rows_shown`]), or
/// [`BACKGROUND_WORK_WAITS`] after the store opened: the work a store does in the background
/// waits for it, so that the first page and its rendering never share the two cores with it
/// (benches/NOTES.md, "Start to first rows").
#[derive(Default)]
pub struct StartGate {
    open: Mutex<bool>,
    opened: parking_lot::Condvar,
}

impl StartGate {
    fn open(&self) {
        let mut open = self.open.lock();
        if !*open {
            *open = true;
            self.opened.notify_all();
        }
    }

    /// Waits until the gate opens, or [`BACKGROUND_WORK_WAITS`].
    pub(crate) fn wait(&self) {
        let until = std::time::Instant::now() + BACKGROUND_WORK_WAITS;
        let mut open = self.open.lock();
        while !*open && std::time::Instant::now() < until {
            self.opened.wait_until(&mut open, until);
        }
    }
}

/// The open database: one read connection with its memory for pages, [`READ_POOL`] for other
/// reads, one write connection for the operator's commands and the settings (none when the file
/// is read-only).
pub struct Store {
    path: PathBuf,
    reader: Mutex<Reader>,
    readers: Pool,
    writer: Option<Mutex<Conn>>,
    access: Access,
    feed: CommitFeed,
    clock: Arc<dyn Clock>,
    /// Ends the threads this store started.
    closing: Arc<AtomicBool>,
    start_gate: Arc<StartGate>,
}

impl Drop for Store {
    fn drop(&mut self) {
        self.closing.store(true, Ordering::Relaxed);
    }
}

impl Store {
    /// Prepares the file (folder, foreign-file check, page check, migrations) and opens its
    /// connections; see [`Store::open_with`]. The pages are checked before it returns.
    pub fn open(path: &Path, feed: CommitFeed, clock: Arc<dyn Clock>) -> Result<Store> {
        Store::open_with(path, feed, clock, Check::Now, |e| {
            tracing::error!(error = %e, "the database is damaged: writes stopped");
        })
    }

    /// Prepares the file and opens its connections. With [`Check::Later`] its pages are
    /// checked on a thread of its own (a file that is about to be written to is checked
    /// first): when they do not hold together, every write stops at once and `on_problem` is
    /// told. Another thread publishes through `feed` what other processes commit to the file,
    /// and watches that the file at `path` stays the one opened: when another program
    /// replaces it, every write stops ([`Error::Replaced`]) and `on_problem` is told.
    pub fn open_with(
        path: &Path,
        feed: CommitFeed,
        clock: Arc<dyn Clock>,
        check: Check,
        on_problem: impl Fn(Error) + Send + Sync + 'static,
    ) -> Result<Store> {
        let on_problem: Problems = Arc::new(on_problem);
        let prepared = db::prepare(path, check)?;
        let connect = |path: &Path| match prepared.access {
            Access::ReadWrite => db::connect(path),
            Access::ReadOnly(_) => db::connect_read_only(path),
        };
        // A store whose file is checked before it opens (the tool, tests) has no window to
        // wait for.
        let start_gate = Arc::new(StartGate::default());
        if check == Check::Now {
            start_gate.open();
        }
        let reader = Reader::new(connect(path)?, feed.quiet_commits())?;
        reader.warm_up(connect(path)?, Arc::clone(&start_gate));
        let readers = Pool::open(READ_POOL, || connect(path))?;
        let writer = match prepared.access {
            Access::ReadWrite => {
                let conn = db::connect(path)?;
                conn.set_busy_wait(OPERATOR_WAIT)?;
                Some(Mutex::new(conn))
            }
            Access::ReadOnly(_) => None,
        };
        feed.start_at(rows::last_seq(&*readers.get())?);
        let closing = Arc::new(AtomicBool::new(false));
        let identity = db::file_identity(path);
        if !prepared.checked {
            check_in_background(
                path,
                feed.clone(),
                on_problem.clone(),
                Arc::clone(&start_gate),
            );
        }
        watch_other_writers(
            connect(path)?,
            feed.clone(),
            Arc::clone(&closing),
            identity.map(|identity| (path.to_owned(), identity, on_problem)),
        );
        Ok(Store {
            path: path.to_owned(),
            reader: Mutex::new(reader),
            readers,
            writer,
            access: prepared.access,
            feed,
            clock,
            closing,
            start_gate,
        })
    }

    /// Whether the file can be written (and if not, why).
    pub fn access(&self) -> &Access {
        &self.access
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

    /// Whether reads may use the reader's memory (on by default); see [`Reader::set_memory`].
    pub fn set_read_memory(&self, enabled: bool) {
        self.reader.lock().set_memory(enabled);
    }

    pub fn list_events(&self, query: &EventQuery) -> Result<Page> {
        self.reader.lock().list_events(query, self.clock.now_ms())
    }

    /// The window has shown its first rows: the work waiting for that starts (see
    /// [`StartGate`]).
    pub fn first_rows_shown(&self) {
        self.start_gate.open();
    }

    pub fn facets(&self) -> Result<Facets> {
        crate::read::query::facets(&*self.readers.get())
    }

    /// Unfinished events, and how many of them are critical, from the maintained counts.
    pub fn tally(&self) -> Result<Tally> {
        rows::tally(&*self.readers.get())
    }

    /// Events per minute by severity over the last hour.
    pub fn activity(&self) -> Result<Vec<Minute>> {
        activity::last_hour(&*self.readers.get(), self.clock.now_ms())
    }

    /// Writes a view to a file on one of the pool's connections, so pages keep loading
    /// meanwhile; see [`export::export_view`].
    pub fn export(
        &self,
        filter: &EventFilter,
        sort: Sort,
        format: ExportFormat,
        path: &Path,
        cancel: &AtomicBool,
        progress: impl FnMut(i64, i64),
    ) -> Result<ExportOutcome> {
        let mut conn = self.readers.get();
        let outcome = export::export_view(&mut conn, filter, sort, format, path, cancel, progress);
        drop(conn);
        // The export's snapshot kept the log from being copied back while it ran.
        if let Some(writer) = &self.writer {
            if let Err(e) = db::checkpoint(&*writer.lock()) {
                tracing::warn!(error = %e, "no checkpoint after the export");
            }
        }
        outcome
    }

    /// The event and the latest page of its history.
    pub fn get_event(&self, id: i64) -> Result<EventDetail> {
        rows::get_event(&mut self.readers.get(), id)
    }

    /// Up to `limit` (1 to 1,000) changes of event `id` before change `before`, oldest first.
    pub fn event_history(&self, id: i64, before: i64, limit: i64) -> Result<HistoryPage> {
        rows::history_before(&mut self.readers.get(), id, before, limit)
    }

    /// Runs `f` in a write transaction on the operator's connection; see [`CommitFeed::write`].
    fn write<T>(&self, f: impl FnOnce(&mut WriteTxn<'_>) -> Result<T>) -> Result<T> {
        let Some(writer) = &self.writer else {
            return Err(self.read_only_error());
        };
        let mut conn = writer.lock();
        self.feed.write(&mut conn, &*self.clock, f)
    }

    fn read_only_error(&self) -> Error {
        Error::ReadOnly {
            path: self.path.display().to_string(),
            reason: match &self.access {
                Access::ReadOnly(reason) => reason.clone(),
                Access::ReadWrite => "it was opened for reading only".into(),
            },
        }
    }

    /// A new connection to the same file, for a thread that writes (the simulator):
    /// `ReadOnly` when the file cannot be written.
    pub fn connect(&self) -> Result<Conn> {
        match &self.access {
            Access::ReadWrite => db::connect(&self.path),
            Access::ReadOnly(_) => Err(self.read_only_error()),
        }
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

    /// Snoozes events until `until`, or wakes them (`None`), as the operator at this desk, in
    /// one transaction, one outcome each.
    pub fn snooze(&self, targets: &[Target], until: Option<i64>) -> Result<Vec<BulkOutcome>> {
        actions::check_bulk(targets)?;
        self.write(|w| actions::bulk_snooze(w, targets, until, Actor::User))
    }

    /// Assigns each target to `to` (or nobody) as this desk's operator, in one transaction;
    /// see [`actions::assign`].
    pub fn assign(&self, targets: &[Target], to: Option<&Actor>) -> Result<Vec<BulkOutcome>> {
        actions::check_bulk(targets)?;
        self.write(|w| actions::bulk_assign(w, targets, to, Actor::User))
    }

    /// Leaves a note on event `id` as `actor`; see [`actions::note`].
    pub fn add_note(&self, id: i64, text: &str, actor: Actor) -> Result<Event> {
        self.write(|w| actions::note(w, id, text, actor))
    }

    /// Makes the changes of the timers that have come under `policy`, in one transaction; see
    /// [`timers::fire`].
    pub fn fire_timers(&self, policy: &TimerPolicy) -> Result<Vec<timers::Due>> {
        self.write(|w| timers::fire(w, policy))
    }

    /// The events whose timer has come by `now` under `policy` (at most
    /// [`timers::MAX_FIRED`] of each), and when the next timer comes after them.
    pub fn timers_due(
        &self,
        policy: &TimerPolicy,
        now: i64,
    ) -> Result<(Vec<timers::Due>, Option<i64>)> {
        let conn = self.readers.get();
        let due = timers::due(&*conn, policy, now, timers::MAX_FIRED)?;
        Ok((due, timers::next(&*conn, policy)?))
    }

    /// What changed from `since` to now, as `me` sees it ([`handover::summary`]).
    pub fn handover(&self, since: i64, me: &Actor) -> Result<handover::Handover> {
        handover::summary(&*self.readers.get(), since, self.clock.now_ms(), me)
    }

    /// What changed since `since`, or without it since the operator last looked (nothing the
    /// first time), as `me` sees it.
    pub fn handover_view(&self, since: Option<i64>, me: &Actor) -> Result<handover::HandoverView> {
        let seen_at = self.load_setting::<i64>(handover::SEEN_SETTING)?;
        let now = self.clock.now_ms();
        let since = since.or(seen_at).unwrap_or(now).min(now);
        Ok(handover::HandoverView {
            seen_at,
            handover: self.handover(since.max(now - handover::MAX_SPAN_MS), me)?,
        })
    }

    /// Remembers that the operator looked now: the next summary starts here.
    pub fn handover_seen(&self) -> Result<i64> {
        let now = self.clock.now_ms();
        self.save_setting(handover::SEEN_SETTING, &now)?;
        Ok(now)
    }

    /// Every sender the desk heard, as of now, the silent ones first.
    pub fn senders(&self) -> Result<Vec<Sender>> {
        db::senders::list(&*self.readers.get(), self.clock.now_ms())
    }

    /// What the senders' timer has to do now ([`db::senders::quiet`]).
    pub fn quiet_senders(&self) -> Result<db::senders::Quiet> {
        db::senders::quiet(&*self.readers.get(), self.clock.now_ms())
    }

    /// Raises and ends the desk's events about quiet senders ([`db::senders::fire`]).
    pub fn fire_senders(&self) -> Result<(usize, Option<i64>)> {
        self.write(db::senders::fire)
    }

    /// Everything changed after `since`, for a window that missed pushes.
    pub fn changes_since(&self, since: i64) -> Result<CatchUp> {
        catch_up::changes_since(&mut self.readers.get(), since)
    }

    /// Every silence, newest first, as its newest version says.
    pub fn silences(&self) -> Result<Vec<Silence>> {
        db::silences::list(&*self.readers.get())
    }

    /// Makes a silence from `draft`, by `author` (the operator at this desk, or a named one).
    pub fn add_silence(&self, draft: &SilenceDraft, author: &Actor) -> Result<Silence> {
        let max = self.max_silence_ms();
        self.write(|w| db::silences::add(w, draft, author, max))
    }

    /// The longest a silence made at this desk may last (its preferences say).
    fn max_silence_ms(&self) -> i64 {
        crate::services::preferences::AppSettings::load(self)
            .0
            .max_silence_ms()
    }

    /// Edits silence `id`, which must still be at version `expected` (a new version).
    pub fn edit_silence(
        &self,
        id: i64,
        expected: i64,
        draft: &SilenceDraft,
        author: &Actor,
    ) -> Result<Silence> {
        let max = self.max_silence_ms();
        self.write(|w| db::silences::edit(w, id, expected, draft, author, max))
    }

    /// Ends silence `id` now (a new version).
    pub fn expire_silence(&self, id: i64, expected: i64, author: &Actor) -> Result<Silence> {
        self.write(|w| db::silences::expire(w, id, expected, author))
    }

    /// Which of `ids` a silence active now mutes: they raise no notification or sound.
    pub fn muted(&self, ids: &[i64]) -> Result<Vec<i64>> {
        self.reader.lock().muted(ids, self.clock.now_ms())
    }

    /// Takes the events a silence active now mutes out of `set`'s new and critical events, so
    /// that they raise no notification or sound (their rows stay: views read them as muted).
    pub fn quiet_muted(&self, set: &mut ChangeSet) -> Result<()> {
        let loud: Vec<i64> = set.created.iter().chain(&set.critical).copied().collect();
        if loud.is_empty() {
            return Ok(());
        }
        let muted = self.muted(&loud)?;
        if !muted.is_empty() {
            set.created.retain(|id| !muted.contains(id));
            set.critical.retain(|id| !muted.contains(id));
        }
        Ok(())
    }

    /// How many events that are not completed `matchers` match now: what a silence made of
    /// them would mute.
    pub fn preview_silence(&self, matchers: &[Matcher]) -> Result<i64> {
        self.reader.lock().preview_silence(matchers)
    }

    /// A persisted setting, or `None` if it was never saved.
    pub fn load_setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        rows::setting(&*self.readers.get(), key)?
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

/// Checks the file's pages on a connection of its own; when they do not hold together, stops
/// every write through `feed` and tells `on_problem`.
/// Who hears of a problem that stopped every write.
type Problems = Arc<dyn Fn(Error) + Send + Sync>;

fn check_in_background(path: &Path, feed: CommitFeed, on_problem: Problems, after: Arc<StartGate>) {
    let path = path.to_owned();
    let spawned = std::thread::Builder::new()
        .name("quick-check".into())
        .spawn(move || {
            after.wait();
            let started = std::time::Instant::now();
            let checked =
                db::connect_read_only(&path).and_then(|conn| db::quick_check(&conn, &path));
            match checked {
                Ok(()) => {
                    tracing::info!(ms = started.elapsed().as_millis(), "database pages checked")
                }
                Err(e @ Error::Corrupt { .. }) => {
                    feed.halt(e.clone());
                    on_problem(e);
                }
                Err(e) => tracing::warn!(error = %e, "the database's pages could not be checked"),
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start the database check");
    }
}

/// Publishes what other processes commit: a cheap look at `PRAGMA data_version` every
/// [`OTHER_WRITERS_EVERY`], and the change log read only when it moved. With `file` (its path,
/// the identity it had when opened, who hears of problems), also looks each time that the file
/// at the path is still that one: once it is not, every write stops and the watch ends.
fn watch_other_writers(
    mut conn: Conn,
    feed: CommitFeed,
    closing: Arc<AtomicBool>,
    file: Option<(PathBuf, db::FileIdentity, Problems)>,
) {
    let spawned = std::thread::Builder::new()
        .name("other-writers".into())
        .spawn(move || {
            let mut seen: Option<i64> = None;
            while !closing.load(Ordering::Relaxed) {
                if let Some((path, opened, on_problem)) = &file {
                    if db::file_identity(path) != Some(*opened) {
                        let e = Error::Replaced {
                            path: path.display().to_string(),
                            found: db::what_is_there(path),
                        };
                        tracing::error!(error = %e, "the database file was replaced: writes stopped");
                        feed.halt(e.clone());
                        on_problem(e);
                        return;
                    }
                }
                let version = match db::data_version(&conn) {
                    Ok(v) => v,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot watch for other writers");
                        return;
                    }
                };
                // The first look catches up with what was committed since the store opened.
                if seen.replace(version) != Some(version) {
                    match feed.publish_others(&mut conn) {
                        // The file changed without a change to the log: waiters hear of it.
                        Ok(false) => feed.commits().bump(),
                        Ok(true) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "changes by another program not published");
                        }
                    }
                }
                std::thread::sleep(OTHER_WRITERS_EVERY);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not watch for other writers: their changes show after a reload");
    }
}
