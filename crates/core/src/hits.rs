//! Search hits kept between reads. A search sorted by update time walks the `updated_at`
//! index and keeps the rows that match; asking the full-text index about each row costs FTS5
//! an expression per row (about 19 ms a page at 1,000,000 events), so the read connection
//! keeps the set of matching ids instead and SQL asks it through `search_hit(id)`.
//!
//! A set stays valid as the database changes: the searched columns (title, kind, source)
//! never change and events are never deleted, so only new events can match, and they have
//! larger ids than any seen before. Each use reads the hits after the last one it knows.

use crate::error::Result;
use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// How many searches keep their hit sets (least recently used go first). A set is one bit
/// per event id: 125 KB at 1,000,000 events.
const KEPT: usize = 8;

/// The ids that match one full-text query, as a bit per id.
struct HitSet {
    fts: String,
    bits: Vec<u64>,
    count: i64,
    /// The largest id read from the full-text index so far.
    last: i64,
}

impl HitSet {
    fn new(fts: &str) -> HitSet {
        HitSet {
            fts: fts.to_owned(),
            bits: Vec::new(),
            count: 0,
            last: 0,
        }
    }

    /// Adds a hit; `false` for an id a bit set cannot hold (only a hand-edited file has
    /// ids below 1 or in the billions).
    fn insert(&mut self, id: i64) -> bool {
        let Some(i) = usize::try_from(id)
            .ok()
            .filter(|&i| (1..1 << 32).contains(&i))
        else {
            return false;
        };
        let word = i / 64;
        if word >= self.bits.len() {
            self.bits.resize((word + 1).next_power_of_two(), 0);
        }
        self.bits[word] |= 1 << (i % 64);
        self.count += 1;
        self.last = self.last.max(id);
        true
    }

    fn contains(&self, id: i64) -> bool {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.bits.get(i / 64).map(|w| w >> (i % 64) & 1 == 1))
            .unwrap_or(false)
    }
}

/// Hit sets by full-text query, most recently used first. The first one is what
/// `search_hit(id)` answers from.
#[derive(Default)]
struct HitCache {
    sets: Vec<HitSet>,
}

fn lock(m: &Mutex<HitCache>) -> MutexGuard<'_, HitCache> {
    // The cache is consistent at every await-free step; a panic elsewhere leaves it usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A read connection and the hit sets of its recent searches.
pub struct Reader {
    conn: Connection,
    hits: Arc<Mutex<HitCache>>,
}

impl Reader {
    /// Wraps a read connection, adding the `search_hit(id)` SQL function to it.
    pub fn new(conn: Connection) -> Result<Reader> {
        let hits = Arc::new(Mutex::new(HitCache::default()));
        let cache = Arc::clone(&hits);
        conn.create_scalar_function(
            "search_hit",
            1,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY,
            move |ctx| {
                let id: i64 = ctx.get(0)?;
                Ok(lock(&cache).sets.first().is_some_and(|s| s.contains(id)))
            },
        )?;
        Ok(Reader { conn, hits })
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The connection and the hit sets, borrowed apart (a transaction holds the first).
    pub(crate) fn parts(&mut self) -> (&mut Connection, Hits<'_>) {
        (&mut self.conn, Hits(&self.hits))
    }
}

/// The hit sets of a [`Reader`], while its connection is in a transaction.
pub(crate) struct Hits<'a>(&'a Mutex<HitCache>);

impl Hits<'_> {
    /// Makes `fts`'s hit set the one `search_hit(id)` answers from, brought up to date with
    /// what `conn` sees, and returns how many hits it has; `None` when some id cannot be held
    /// (then nothing may ask `search_hit`).
    pub(crate) fn load(&self, conn: &Connection, fts: &str) -> Result<Option<i64>> {
        let mut cache = lock(self.0);
        let mut set = match cache.sets.iter().position(|s| s.fts == fts) {
            Some(i) => cache.sets.remove(i),
            None => HitSet::new(fts),
        };
        let mut stmt = conn.prepare_cached(
            "SELECT rowid FROM events_fts WHERE events_fts MATCH ?1 AND rowid > ?2",
        )?;
        let mut rows = stmt.query(rusqlite::params![fts, set.last])?;
        let mut usable = true;
        while let Some(row) = rows.next()? {
            usable &= set.insert(row.get(0)?);
        }
        if !usable {
            return Ok(None);
        }
        let count = set.count;
        cache.sets.insert(0, set);
        cache.sets.truncate(KEPT);
        Ok(Some(count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_set_holds_what_was_inserted_and_nothing_else() {
        let mut set = HitSet::new("x");
        for id in [1, 63, 64, 65, 1000] {
            assert!(set.insert(id));
        }
        assert_eq!((set.count, set.last), (5, 1000));
        for id in [1, 63, 64, 65, 1000] {
            assert!(set.contains(id), "{id}");
        }
        for id in [-1, 0, 2, 62, 66, 999, 1001, 1 << 40] {
            assert!(!set.contains(id), "{id}");
        }
        assert!(!set.insert(0));
        assert!(!set.insert(-5));
        assert!(!set.insert(1 << 33));
    }
}
