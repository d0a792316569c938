//! The read connection and what it keeps in memory between reads, brought up to date inside
//! each read's transaction so it always agrees with the rows that read returns.
//!
//! - **Columns** ([`crate::columns`]): every event's status, severity, kind, source and
//!   times by id, for views no single index serves. A thread reads them when the store opens.
//! - **Hit sets**: the ids matching each recent search, a bit per id. A search's total is
//!   its set's size (or a pass over its ids through the columns), and a search sorted by
//!   update time walks the `updated_at` index keeping the rows SQL's `search_hit(id)` finds
//!   in the current set (asking FTS5 per row cost about 19 ms a page at 1,000,000 events). A
//!   set stays valid as the database changes: the searched columns (title, kind, source)
//!   never change and events are never deleted, so only new events can match, and they have
//!   larger ids than any seen before. Each use reads the hits after the last one it knows.
//! - **Prefix expansions**: the index terms a long search prefix stands for (see
//!   `query::fts_match`), kept while no new event could have brought another such term.

use crate::columns::{index, text, Columns};
use crate::error::Result;
use crate::model::{EventFilter, Sort};
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
    /// Whether every hit up to the snapshot last read was read (reading may stop at a budget).
    complete: bool,
}

impl HitSet {
    fn new(fts: &str) -> HitSet {
        HitSet {
            fts: fts.to_owned(),
            bits: Vec::new(),
            count: 0,
            last: 0,
            complete: false,
        }
    }

    /// Adds a hit; `false` for an id a bit set cannot hold.
    fn insert(&mut self, id: i64) -> bool {
        let Some(i) = index(id) else {
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
        index(id)
            .and_then(|i| self.bits.get(i / 64).map(|w| w >> (i % 64) & 1 == 1))
            .unwrap_or(false)
    }

    /// Every id in the set, ascending.
    fn ids(&self) -> impl Iterator<Item = usize> + '_ {
        self.bits.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    w * 64 + bit
                })
            })
        })
    }
}

/// The terms of the index a search prefix stands for, as of the events up to `max_id`.
struct Expansion {
    prefix: String,
    terms: Vec<String>,
    max_id: i64,
}

/// How many prefix expansions are kept.
const EXPANSIONS_KEPT: usize = 32;

/// Past this many new events an expansion is read again rather than checked against them.
const EXPANSION_RECHECK: i64 = 1_000;

/// Hit sets by full-text query, most recently used first (the first is what
/// `search_hit(id)` answers from), the columns, and recent prefix expansions.
#[derive(Default)]
struct Memory {
    sets: Vec<HitSet>,
    columns: Columns,
    expansions: Vec<Expansion>,
}

fn lock(m: &Mutex<Memory>) -> MutexGuard<'_, Memory> {
    // Every update leaves the memory consistent before it returns; a panic elsewhere while
    // holding the lock leaves it usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A read connection and what it keeps in memory between reads.
pub struct Reader {
    conn: Connection,
    memory: Arc<Mutex<Memory>>,
    enabled: bool,
}

impl Reader {
    /// Wraps a read connection, adding the `search_hit(id)` SQL function to it.
    pub fn new(conn: Connection) -> Result<Reader> {
        let memory = Arc::new(Mutex::new(Memory::default()));
        let shared = Arc::clone(&memory);
        conn.create_scalar_function(
            "search_hit",
            1,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY,
            move |ctx| {
                let id: i64 = ctx.get(0)?;
                Ok(lock(&shared).sets.first().is_some_and(|s| s.contains(id)))
            },
        )?;
        Ok(Reader {
            conn,
            memory,
            enabled: true,
        })
    }

    /// Reads the columns on `conn` in a thread of its own, so that the first view that needs
    /// them does not wait (about 0.5 s at 1,000,000 events).
    pub fn warm_up(&self, mut conn: Connection) {
        let memory = Arc::clone(&self.memory);
        let spawned = std::thread::Builder::new()
            .name("reader-warm-up".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let built = conn
                    .transaction()
                    .map_err(crate::error::Error::from)
                    .and_then(|tx| Columns::build(&tx));
                match built {
                    Ok(Some(columns)) => {
                        tracing::info!(
                            events = columns.max_id(),
                            ms = started.elapsed().as_millis(),
                            "event columns read ahead for views"
                        );
                        let mut memory = lock(&memory);
                        if !memory.columns.is_built() {
                            memory.columns = columns;
                        }
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "reading event columns ahead failed"),
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not start the reader's warm-up");
        }
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Whether reads may use the memory; off, every read is answered by SQL alone, as
    /// tests do to check both ways against each other.
    pub fn set_memory(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    /// The connection and the memory, borrowed apart (a transaction holds the first).
    pub(crate) fn parts(&mut self) -> (&mut Connection, ReaderMemory<'_>) {
        (&mut self.conn, ReaderMemory(&self.memory, self.enabled))
    }
}

/// What [`ReaderMemory::view`] reads: the first `want` rows past `from` (a sort value and id) in
/// `sort` order, or against it when not `forward`.
pub(crate) struct ViewRead {
    pub sort: Sort,
    pub forward: bool,
    pub from: Option<(i64, i64)>,
    pub want: usize,
}

/// A [`Reader`]'s memory, while its connection is in a transaction.
pub(crate) struct ReaderMemory<'a>(&'a Mutex<Memory>, bool);

impl ReaderMemory<'_> {
    /// Makes `fts`'s hit set the one `search_hit(id)` answers from, brought up to date with
    /// what `conn` sees, and returns how many hits it has; `None` when some id cannot be held
    /// (then nothing may ask `search_hit`).
    pub(crate) fn load(&self, conn: &Connection, fts: &str) -> Result<Option<i64>> {
        if !self.1 {
            return Ok(None);
        }
        let mut memory = lock(self.0);
        Ok(load(&mut memory, conn, fts, None)?.map(|(n, _)| n))
    }

    /// The exact number of `fts`'s hits that pass `f`'s status and severity parts (the rest
    /// of `f` is not looked at); `None` while the hit set is still being read (see
    /// [`COUNT_BUDGET`]) or when some id cannot be held.
    pub(crate) fn count(
        &self,
        conn: &Connection,
        fts: &str,
        f: &EventFilter,
    ) -> Result<Option<i64>> {
        if !self.1 {
            return Ok(None);
        }
        let mut memory = lock(self.0);
        let Some((hits, true)) = load(&mut memory, conn, fts, Some(COUNT_BUDGET))? else {
            return Ok(None);
        };
        if f.statuses.is_empty() && f.severities.is_empty() && f.min_severity.is_none() {
            return Ok(Some(hits));
        }
        Ok(scan(&mut memory, conn, Some(fts), f, None)?.map(|(total, _)| total))
    }

    /// One pass over the columns (and `fts`'s hit set): the exact number of events in the
    /// view, and the ids `read` asks for. `None` when the columns or hit set cannot hold
    /// some event.
    pub(crate) fn view(
        &self,
        conn: &Connection,
        fts: Option<&str>,
        f: &EventFilter,
        read: &ViewRead,
    ) -> Result<Option<(i64, Vec<i64>)>> {
        if !self.1 {
            return Ok(None);
        }
        let mut memory = lock(self.0);
        if let Some(fts) = fts {
            if load(&mut memory, conn, fts, None)?.is_none() {
                return Ok(None);
            }
        }
        scan(&mut memory, conn, fts, f, Some(read))
    }

    /// The terms `prefix` stands for, from memory while they are still right, otherwise from
    /// `read` (an `fts5vocab` lookup, which walks each term's whole document list: about 2 ms
    /// for a common word at 1,000,000 events). The vocabulary only grows with new events, so
    /// a kept expansion is right unless an event created since has text that could hold a
    /// new term with this prefix: for ASCII text, one that contains the prefix (the
    /// tokenizer only splits and folds case); other text always counts.
    pub(crate) fn expand(
        &self,
        conn: &Connection,
        prefix: &str,
        read: impl FnOnce() -> Result<Vec<String>>,
    ) -> Result<Vec<String>> {
        if !self.1 {
            return read();
        }
        let max_id: i64 = conn
            .prepare_cached("SELECT coalesce(max(id), 0) FROM events")?
            .query_row([], |r| r.get(0))?;
        let mut memory = lock(self.0);
        if let Some(i) = memory.expansions.iter().position(|e| e.prefix == prefix) {
            let mut kept = memory.expansions.remove(i);
            let since = kept.max_id;
            let still = since == max_id
                || (since < max_id
                    && max_id - since <= EXPANSION_RECHECK
                    && !new_text_may_hold(conn, since, prefix)?);
            if still {
                kept.max_id = max_id;
                let terms = kept.terms.clone();
                memory.expansions.insert(0, kept);
                return Ok(terms);
            }
        }
        let terms = read()?;
        memory.expansions.insert(
            0,
            Expansion {
                prefix: prefix.to_owned(),
                terms: terms.clone(),
                max_id,
            },
        );
        memory.expansions.truncate(EXPANSIONS_KEPT);
        Ok(terms)
    }
}

/// Whether some event after `after` has text that could hold a term starting with `prefix`.
fn new_text_may_hold(conn: &Connection, after: i64, prefix: &str) -> Result<bool> {
    if !prefix.is_ascii() {
        return Ok(true);
    }
    let mut stmt = conn.prepare_cached("SELECT title, kind, source FROM events WHERE id > ?1")?;
    let mut rows = stmt.query([after])?;
    while let Some(row) = rows.next()? {
        for i in 0..3 {
            let t = text(row, i)?;
            if !t.is_ascii() || t.to_ascii_lowercase().contains(prefix) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The pass of [`ReaderMemory::view`] (or only the count, without `read`) over a memory whose first
/// hit set is `fts`'s.
fn scan(
    memory: &mut Memory,
    conn: &Connection,
    fts: Option<&str>,
    f: &EventFilter,
    read: Option<&ViewRead>,
) -> Result<Option<(i64, Vec<i64>)>> {
    if !memory.columns.refresh(conn)? {
        return Ok(None);
    }
    let Memory { sets, columns, .. } = &*memory;
    let Some(p) = columns.predicate(f) else {
        return Ok(Some((0, Vec::new())));
    };
    let (by, ascending, from, want) = match read {
        Some(r) => (r.sort.by, r.sort.descending != r.forward, r.from, r.want),
        None => (crate::model::SortKey::Time, true, None, 0),
    };
    Ok(Some(match fts {
        Some(fts) => match sets.first().filter(|s| s.fts == fts && s.complete) {
            Some(set) => columns.scan(&p, Some(set.ids()), by, ascending, from, want),
            None => return Ok(None),
        },
        None => columns.scan(
            &p,
            None::<std::iter::Empty<usize>>,
            by,
            ascending,
            from,
            want,
        ),
    }))
}

/// Hits read into a set at most per read when only a count is wanted (about 2.5 ms at
/// 1,000,000 events); a set with more is completed over the next reads, each taking up where
/// the last stopped, and counts are bounded meanwhile.
const COUNT_BUDGET: i64 = 40_000;

/// Makes `fts`'s hit set the first, reading the hits after the last it knows: all of them, or
/// at most `budget`. Returns its size and whether it is complete; `None` when some id cannot
/// be held.
fn load(
    memory: &mut Memory,
    conn: &Connection,
    fts: &str,
    budget: Option<i64>,
) -> Result<Option<(i64, bool)>> {
    let mut set = match memory.sets.iter().position(|s| s.fts == fts) {
        Some(i) => memory.sets.remove(i),
        None => HitSet::new(fts),
    };
    let mut stmt = conn.prepare_cached(
        "SELECT rowid FROM events_fts WHERE events_fts MATCH ?1 AND rowid > ?2 \
         ORDER BY rowid LIMIT ?3",
    )?;
    let mut rows = stmt.query(rusqlite::params![fts, set.last, budget.unwrap_or(-1)])?;
    let mut usable = true;
    let mut read = 0i64;
    while let Some(row) = rows.next()? {
        usable &= set.insert(row.get(0)?);
        read += 1;
    }
    if !usable {
        return Ok(None);
    }
    set.complete = budget.is_none_or(|b| read < b);
    let found = (set.count, set.complete);
    memory.sets.insert(0, set);
    memory.sets.truncate(KEPT);
    Ok(Some(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_set_read_within_a_budget_is_completed_over_later_reads() {
        let conn = crate::db::in_memory().unwrap();
        for id in 1..=10 {
            let title = if id % 3 == 0 {
                "ledger lag"
            } else {
                "card declined"
            };
            conn.execute(
                "INSERT INTO events_fts (rowid, title, kind, source) VALUES (?1, ?2, 'k', 's')",
                rusqlite::params![id, title],
            )
            .unwrap();
        }
        let mut memory = Memory::default();
        let fts = "\"card\"";
        // Hits 1 2 4 5 7 8 10, three at a time.
        assert_eq!(
            load(&mut memory, &conn, fts, Some(3)).unwrap(),
            Some((3, false))
        );
        assert_eq!(
            load(&mut memory, &conn, fts, Some(3)).unwrap(),
            Some((6, false))
        );
        assert_eq!(
            load(&mut memory, &conn, fts, Some(3)).unwrap(),
            Some((7, true))
        );
        let set = memory.sets.first().unwrap();
        assert_eq!(set.ids().collect::<Vec<_>>(), [1, 2, 4, 5, 7, 8, 10]);
        // New hits later are read on the next load.
        conn.execute(
            "INSERT INTO events_fts (rowid, title, kind, source) VALUES (11, 'card', 'k', 's')",
            [],
        )
        .unwrap();
        assert_eq!(
            load(&mut memory, &conn, fts, None).unwrap(),
            Some((8, true))
        );
    }

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
        assert_eq!(set.ids().collect::<Vec<_>>(), [1, 63, 64, 65, 1000]);
        assert!(!set.insert(0));
        assert!(!set.insert(-5));
        assert!(!set.insert(1 << 33));
    }
}
