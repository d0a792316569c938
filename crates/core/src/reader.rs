//! The read connection and what it keeps in memory between reads, so that searches neither
//! ask FTS5 about one row at a time nor count their hits row by row.
//!
//! - **Hit sets**: the ids matching each recent search, a bit per id. A search sorted by
//!   update time walks the `updated_at` index and keeps the rows SQL's `search_hit(id)` says
//!   are in the current set (asking FTS5 per row cost about 19 ms a page at 1,000,000
//!   events). A set stays valid as the database changes: the searched columns (title, kind,
//!   source) never change and events are never deleted, so only new events can match, and
//!   they have larger ids than any seen before. Each use reads the hits after the last one
//!   it knows.
//! - **Facts**: each event's status and severity, a byte per id, so a search's total under a
//!   status or severity filter is counted from its hit set in memory, exactly. They are kept
//!   up to date from the change log, which every write appends to in the same transaction
//!   (as `event_counts` is), plus the rows of events created since. A thread reads them
//!   ahead when the store opens.
//! - **Prefix expansions**: the index terms a long search prefix stands for (see
//!   `query::fts_match`), kept while no new event could have brought another such term.
//!
//! With these, a search's total is its hit count: exact, instead of counted to 500.

use crate::error::Result;
use crate::events::last_seq;
use crate::model::{EventFilter, Severity, Status};
use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// How many searches keep their hit sets (least recently used go first). A set is one bit
/// per event id: 125 KB at 1,000,000 events.
const KEPT: usize = 8;

/// The largest id a bit set (and the facts) hold; beyond it a search is read without them.
/// Only a hand-edited file has ids below 1 or in the billions.
const MAX_ID: usize = 1 << 32;

fn index(id: i64) -> Option<usize> {
    usize::try_from(id).ok().filter(|i| (1..MAX_ID).contains(i))
}

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

/// A byte per event id: `status << 2 | severity rank`, or [`NO_EVENT`] for an id without an
/// event.
#[derive(Default)]
struct Facts {
    bytes: Vec<u8>,
    /// The change log and the events they reflect, up to and including these.
    seq: i64,
    max_id: i64,
}

const NO_EVENT: u8 = 0xff;

fn status_code(status: Status) -> u8 {
    match status {
        Status::Open => 0,
        Status::Acknowledged => 1,
        Status::Completed => 2,
    }
}

fn severity_code(severity: Severity) -> u8 {
    // Ranks are 0..=3.
    u8::try_from(severity.rank()).unwrap_or(0)
}

impl Facts {
    fn slot(&mut self, id: i64) -> Option<&mut u8> {
        let i = index(id)?;
        if i >= self.bytes.len() {
            self.bytes.resize((i + 1).next_power_of_two(), NO_EVENT);
        }
        self.bytes.get_mut(i)
    }

    /// The facts as `conn` sees them, read from the status and severity indexes (one range
    /// of ids per value, so no column is decoded). `None` when some id cannot be held.
    fn build(conn: &Connection) -> Result<Option<Facts>> {
        let mut facts = Facts {
            seq: last_seq(conn)?,
            ..Facts::default()
        };
        let mut usable = true;
        let mut stmt = conn
            .prepare_cached("SELECT id FROM events INDEXED BY events_status WHERE status = ?1")?;
        for &status in Status::ALL {
            let mut rows = stmt.query([status.as_str()])?;
            while let Some(row) = rows.next()? {
                let id: i64 = row.get(0)?;
                facts.max_id = facts.max_id.max(id);
                match facts.slot(id) {
                    Some(b) => *b = status_code(status) << 2,
                    None => usable = false,
                }
            }
        }
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM events INDEXED BY events_severity WHERE severity = ?1",
        )?;
        for &severity in Severity::ALL {
            let mut rows = stmt.query([severity.rank()])?;
            while let Some(row) = rows.next()? {
                if let Some(b) = facts.slot(row.get(0)?) {
                    *b |= severity_code(severity);
                }
            }
        }
        Ok(usable.then_some(facts))
    }

    /// Brings the facts up to what `conn` sees: from the change log when few changes were
    /// made since the last time, otherwise built again. `false` when they cannot answer for
    /// this read (some id cannot be held, or they were built from a newer snapshot).
    fn refresh(&mut self, conn: &Connection) -> Result<bool> {
        let seq = last_seq(conn)?;
        let many = i64::try_from(self.bytes.len() / 2)
            .unwrap_or(i64::MAX)
            .max(1_000);
        if self.bytes.is_empty() || seq - self.seq > many {
            return Ok(match Facts::build(conn)? {
                Some(facts) => {
                    *self = facts;
                    true
                }
                None => {
                    *self = Facts::default();
                    false
                }
            });
        }
        if seq < self.seq {
            // Built by the warm-up on a snapshot newer than this read's.
            return Ok(false);
        }
        // Changes to events known already; newer events are read whole below.
        let mut stmt = conn.prepare_cached(
            "SELECT event_id, field, to_value FROM changes \
             WHERE seq > ?1 AND event_id <= ?2 AND field != 'created' ORDER BY seq",
        )?;
        let mut rows = stmt.query([self.seq, self.max_id])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let field = text(row, 1)?;
            let value = text(row, 2)?;
            let (keep, set) = match field {
                "status" => (0b0011, status_code(parse(value)?) << 2),
                _ => (0b1100, severity_code(parse(value)?)),
            };
            if let Some(b) = self.slot(id) {
                *b = *b & keep | set;
            }
        }
        let mut stmt =
            conn.prepare_cached("SELECT id, status, severity FROM events WHERE id > ?1")?;
        let mut rows = stmt.query([self.max_id])?;
        let mut usable = true;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let status: Status = parse(text(row, 1)?)?;
            let severity = severity_from(row.get(2)?)?;
            self.max_id = self.max_id.max(id);
            match self.slot(id) {
                Some(b) => *b = status_code(status) << 2 | severity_code(severity),
                None => usable = false,
            }
        }
        self.seq = seq;
        Ok(usable)
    }
}

fn parse<T: std::str::FromStr<Err = String>>(text: &str) -> Result<T> {
    text.parse().map_err(crate::error::Error::storage)
}

/// The text in column `idx` of `row`, borrowed.
fn text<'r>(row: &'r rusqlite::Row<'_>, idx: usize) -> Result<&'r str> {
    Ok(row.get_ref(idx)?.as_str().map_err(rusqlite::Error::from)?)
}

fn severity_from(rank: i64) -> Result<Severity> {
    Severity::from_rank(rank)
        .ok_or_else(|| crate::error::Error::storage(format!("unknown severity rank {rank}")))
}

/// Which fact bytes pass a filter's status and severity parts.
fn passing(f: &EventFilter) -> [bool; 16] {
    let mut pass = [false; 16];
    for status in [Status::Open, Status::Acknowledged, Status::Completed] {
        for &severity in Severity::ALL {
            pass[usize::from(status_code(status) << 2 | severity_code(severity))] =
                (f.statuses.is_empty() || f.statuses.contains(&status))
                    && (f.severities.is_empty() || f.severities.contains(&severity))
                    && f.min_severity.is_none_or(|m| severity.rank() >= m.rank());
        }
    }
    pass
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
/// `search_hit(id)` answers from), the facts, and recent prefix expansions.
#[derive(Default)]
struct Memory {
    sets: Vec<HitSet>,
    facts: Facts,
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
        Ok(Reader { conn, memory })
    }

    /// Builds the facts on `conn` in a thread of its own, so that the first search under a
    /// status or severity filter does not wait for them (about 0.1 s at 1,000,000 events).
    pub fn warm_up(&self, mut conn: Connection) {
        let memory = Arc::clone(&self.memory);
        let spawned = std::thread::Builder::new()
            .name("reader-warm-up".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let built = conn
                    .transaction()
                    .map_err(crate::error::Error::from)
                    .and_then(|tx| Facts::build(&tx));
                match built {
                    Ok(Some(facts)) => {
                        tracing::info!(
                            events = facts.max_id,
                            ms = started.elapsed().as_millis(),
                            "status and severity read ahead for searches"
                        );
                        let mut memory = lock(&memory);
                        if memory.facts.bytes.is_empty() {
                            memory.facts = facts;
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "reading status and severity ahead failed")
                    }
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

    /// The connection and the memory, borrowed apart (a transaction holds the first).
    pub(crate) fn parts(&mut self) -> (&mut Connection, Hits<'_>) {
        (&mut self.conn, Hits(&self.memory))
    }
}

/// A [`Reader`]'s memory, while its connection is in a transaction.
pub(crate) struct Hits<'a>(&'a Mutex<Memory>);

impl Hits<'_> {
    /// Makes `fts`'s hit set the one `search_hit(id)` answers from, brought up to date with
    /// what `conn` sees, and returns how many hits it has; `None` when some id cannot be held
    /// (then nothing may ask `search_hit`).
    pub(crate) fn load(&self, conn: &Connection, fts: &str) -> Result<Option<i64>> {
        let mut memory = lock(self.0);
        load(&mut memory, conn, fts)
    }

    /// The exact number of `fts`'s hits that pass `f`'s status and severity parts (the rest
    /// of `f` is not looked at); `None` when some id cannot be held.
    pub(crate) fn count(
        &self,
        conn: &Connection,
        fts: &str,
        f: &EventFilter,
    ) -> Result<Option<i64>> {
        let mut memory = lock(self.0);
        let Some(hits) = load(&mut memory, conn, fts)? else {
            return Ok(None);
        };
        if f.statuses.is_empty() && f.severities.is_empty() && f.min_severity.is_none() {
            return Ok(Some(hits));
        }
        if !memory.facts.refresh(conn)? {
            return Ok(None);
        }
        let pass = passing(f);
        let Memory { sets, facts, .. } = &*memory;
        let n = sets.first().map_or(0, |set| {
            set.ids()
                .filter(|&id| {
                    facts
                        .bytes
                        .get(id)
                        .is_some_and(|&b| pass.get(usize::from(b)).copied().unwrap_or(false))
                })
                .count()
        });
        Ok(Some(i64::try_from(n).unwrap_or(i64::MAX)))
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

fn load(memory: &mut Memory, conn: &Connection, fts: &str) -> Result<Option<i64>> {
    let mut set = match memory.sets.iter().position(|s| s.fts == fts) {
        Some(i) => memory.sets.remove(i),
        None => HitSet::new(fts),
    };
    let mut stmt = conn
        .prepare_cached("SELECT rowid FROM events_fts WHERE events_fts MATCH ?1 AND rowid > ?2")?;
    let mut rows = stmt.query(rusqlite::params![fts, set.last])?;
    let mut usable = true;
    while let Some(row) = rows.next()? {
        usable &= set.insert(row.get(0)?);
    }
    if !usable {
        return Ok(None);
    }
    let count = set.count;
    memory.sets.insert(0, set);
    memory.sets.truncate(KEPT);
    Ok(Some(count))
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
        assert_eq!(set.ids().collect::<Vec<_>>(), [1, 63, 64, 65, 1000]);
        assert!(!set.insert(0));
        assert!(!set.insert(-5));
        assert!(!set.insert(1 << 33));
    }

    #[test]
    fn fact_bytes_pass_a_filter_by_status_and_severity() {
        let f = EventFilter {
            statuses: vec![Status::Open, Status::Completed],
            min_severity: Some(Severity::Error),
            ..Default::default()
        };
        let pass = passing(&f);
        let byte = |s, v| usize::from(status_code(s) << 2 | severity_code(v));
        assert!(pass[byte(Status::Open, Severity::Critical)]);
        assert!(pass[byte(Status::Completed, Severity::Error)]);
        assert!(!pass[byte(Status::Open, Severity::Warning)]);
        assert!(!pass[byte(Status::Acknowledged, Severity::Critical)]);
        assert_eq!(pass.iter().filter(|p| **p).count(), 4);
    }
}
