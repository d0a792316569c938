//! [`Reader`]: the read connection and its memory.

use crate::db::{Conn, Raw};
use crate::error::Result;
use crate::model::{EventQuery, Page};
use crate::read::memory::Memory;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// A read connection and what it keeps in memory between reads.
pub struct Reader {
    conn: Conn,
    memory: Arc<Memory>,
    enabled: bool,
}

impl Reader {
    /// Wraps a read connection, adding the `search_hit(fts, id)` SQL function to it.
    /// `quiet_commits` counts this process's commits that change no event (see
    /// [`crate::CommitFeed::quiet_commits`]), so that edits made outside Eventdesk can be told
    /// apart from them.
    pub fn new(conn: Conn, quiet_commits: Arc<AtomicU64>) -> Result<Reader> {
        let memory = Memory::new(quiet_commits);
        memory.register_search_hit(conn.raw())?;
        Ok(Reader {
            conn,
            memory,
            enabled: true,
        })
    }

    /// Reads the columns on `conn` in a thread of its own once `after` opens; see
    /// [`Memory::warm_up`].
    pub fn warm_up(&self, conn: Conn, after: Arc<crate::StartGate>) {
        self.memory.warm_up(conn.into_raw(), after);
    }

    /// Whether reads may use the memory; off, every read is answered by SQL alone, as
    /// tests do to check both ways against each other.
    pub fn set_memory(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    /// How many events that are not completed `matchers` match now (a silence's preview).
    pub fn preview_silence(&mut self, matchers: &[crate::model::Matcher]) -> Result<i64> {
        let compiled = matchers
            .iter()
            .map(crate::model::Matcher::compile)
            .collect::<Result<Vec<_>>>()?;
        let memory = self.enabled.then_some(&*self.memory);
        crate::read::query::muting::preview(self.conn.raw_mut(), memory, &compiled)
    }

    /// Which of `ids` the silences active at `now` mute.
    pub fn muted(&mut self, ids: &[i64], now: i64) -> Result<Vec<i64>> {
        let memory = self.enabled.then_some(&*self.memory);
        crate::read::query::muting::muted(self.conn.raw_mut(), memory, ids, now)
    }

    /// One page of a view; see [`crate::read::query::list_events`].
    pub fn list_events(&mut self, q: &EventQuery, now: i64) -> Result<Page> {
        let memory = self.enabled.then_some(&*self.memory);
        crate::read::query::list_events(self.conn.raw_mut(), memory, q, now)
    }
}
