//! [`CommitFeed`]: where committed change sets go, in `seq` order and without gaps, whichever
//! process wrote them.

use crate::clock::Clock;
use crate::db::catch_up::published_range;
use crate::db::rows::last_seq;
use crate::db::Conn;
use crate::db::WriteTxn;
use crate::error::{Error, Result};
use crate::model::ChangeSet;
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::Instant;

/// Where committed change sets go. Every writer of this process (the operator's commands, the
/// simulator, the settings) commits through one feed; changes other processes commit are
/// published through it too ([`CommitFeed::publish_others`]). Sets leave in `seq` order, each
/// following on from the one before.
#[derive(Clone)]
pub struct CommitFeed {
    state: Arc<Mutex<State>>,
    quiet: Arc<AtomicU64>,
    commits: CommitWatch,
}

/// Counts the commits of a [`CommitFeed`] (quiet ones and other processes' too), so that a
/// thread can sleep until the next one or a time, whichever comes first.
#[derive(Clone, Default)]
pub struct CommitWatch(Arc<(Mutex<u64>, Condvar)>);

impl CommitWatch {
    /// The commits so far.
    pub fn count(&self) -> u64 {
        *self.0 .0.lock()
    }

    /// Waits until there have been more than `seen` commits, or until `until` (forever without
    /// one); returns the commits so far.
    pub fn wait(&self, seen: u64, until: Option<Instant>) -> u64 {
        let (count, changed) = &*self.0;
        let mut count = count.lock();
        while *count <= seen {
            match until {
                Some(until) => {
                    if changed.wait_until(&mut count, until).timed_out() {
                        break;
                    }
                }
                None => changed.wait(&mut count),
            }
        }
        *count
    }

    /// Counts a commit this feed did not make (another program changed the file, even
    /// without a change to the log: a sender heard), waking whoever waits.
    pub fn bump(&self) {
        *self.0 .0.lock() += 1;
        self.0 .1.notify_all();
    }
}

struct State {
    tx: Sender<ChangeSet>,
    /// The last seq published; `None` until [`CommitFeed::start_at`] (no folding until then).
    published: Option<i64>,
    /// Why writes stopped (a damaged file), if they did.
    halted: Option<Error>,
}

impl CommitFeed {
    pub fn new() -> (CommitFeed, Receiver<ChangeSet>) {
        let (tx, rx) = mpsc::channel();
        (
            CommitFeed {
                state: Arc::new(Mutex::new(State {
                    tx,
                    published: None,
                    halted: None,
                })),
                quiet: Arc::new(AtomicU64::new(0)),
                commits: CommitWatch::default(),
            },
            rx,
        )
    }

    /// Publishes from `seq` on: what is committed after it reaches the receiver.
    pub fn start_at(&self, seq: i64) {
        self.state.lock().published = Some(seq);
    }

    /// Refuses every write from now on with `error` (the file was found damaged).
    pub fn halt(&self, error: Error) {
        self.state.lock().halted = Some(error);
    }

    /// Commits of this process that changed no event (settings): a reader that sees the file
    /// change without new log entries can tell these apart from edits by other programs.
    pub fn quiet_commits(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.quiet)
    }

    /// A watch on this feed's commits.
    pub fn commits(&self) -> CommitWatch {
        self.commits.clone()
    }

    /// Runs `f` in an IMMEDIATE transaction on `conn`. On `Ok` it commits and publishes what
    /// changed; on `Err` it rolls back, so nothing is half-written. SQLite's write lock is
    /// taken first (other writers wait for it, not for this feed), the feed's lock only for
    /// the commit and the hand-off, so that sets leave in commit order.
    pub fn write<T>(
        &self,
        conn: &mut Conn,
        clock: &dyn Clock,
        f: impl FnOnce(&mut WriteTxn<'_>) -> Result<T>,
    ) -> Result<T> {
        let conn = conn.raw_mut();
        if let Some(e) = &self.state.lock().halted {
            return Err(e.clone());
        }
        let mut w = WriteTxn::begin(conn, clock)?;
        let out = f(&mut w)?;
        let mut state = self.state.lock();
        if let Some(e) = &state.halted {
            return Err(e.clone());
        }
        match w.commit(state.published)? {
            Some(set) => {
                if state.published.is_some() {
                    state.published = Some(set.to_seq);
                }
                // No receiver means no window to update; the data is committed all the same.
                let _ = state.tx.send(set);
            }
            None => {
                self.quiet.fetch_add(1, Ordering::Relaxed);
            }
        }
        drop(state);
        self.commits.bump();
        Ok(out)
    }

    /// Publishes what other processes committed since the last set, read on `conn` (a
    /// connection of its own). Returns whether there was anything.
    pub fn publish_others(&self, conn: &mut Conn) -> Result<bool> {
        let conn = conn.raw_mut();
        let mut state = self.state.lock();
        let Some(done) = state.published else {
            return Ok(false);
        };
        let tx = conn.transaction()?;
        let newest = last_seq(&tx)?;
        if newest <= done {
            return Ok(false);
        }
        let set = published_range(&tx, done, newest)?;
        tx.finish()?;
        state.published = Some(newest);
        let _ = state.tx.send(set);
        drop(state);
        self.commits.bump();
        Ok(true)
    }
}
