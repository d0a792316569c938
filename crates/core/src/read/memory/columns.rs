//! Every event's filtered and sorted columns, held in memory by id: status and severity (a
//! byte), kind and source (a code each), created and updated time. A view that combines
//! filters no single index serves (a kind with a status, a source within a time range, a
//! search within a kind…) is answered by one pass over these instead of SQL walking an index
//! and reading rows it then throws away, and its total is exact.
//!
//! They stay current from the change log, which every write appends to in the same
//! transaction: each status or severity change carries its new value and its time, which is
//! the event's new `updated_at`. Events created since are read whole. Kind, source, title and
//! creation time never change, and events are never deleted.

use super::hits::Bits;
use crate::db::rows::last_seq;
use crate::error::{Error, Result};
use crate::model::{Compiled, EventFilter, Field, Severity, SortKey, Status, Subject};
use rusqlite::Connection;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

/// The largest id held; beyond it views are read with SQL alone. Only a hand-edited file has
/// ids below 1 or in the billions.
const MAX_ID: usize = 1 << 32;

/// The index of `id` in the columns, if it can be held.
pub(crate) fn index(id: i64) -> Option<usize> {
    usize::try_from(id).ok().filter(|i| (1..MAX_ID).contains(i))
}

/// `facts` of an id without an event.
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

/// A dictionary of kinds or sources.
#[derive(Default)]
struct Names {
    codes: HashMap<String, u16>,
}

impl Names {
    /// The code of `name`, adding it; `None` past 65,536 names.
    fn code(&mut self, name: &str) -> Option<u16> {
        if let Some(&c) = self.codes.get(name) {
            return Some(c);
        }
        let c = u16::try_from(self.codes.len()).ok()?;
        self.codes.insert(name.to_owned(), c);
        Some(c)
    }
}

/// The columns, by id.
#[derive(Default)]
pub(crate) struct Columns {
    /// `status << 2 | severity rank`, or [`NO_EVENT`].
    facts: Vec<u8>,
    kind: Vec<u16>,
    source: Vec<u16>,
    created: Vec<i64>,
    updated: Vec<i64>,
    kinds: Names,
    sources: Names,
    /// The change log and the events they reflect, up to and including these.
    seq: i64,
    max_id: i64,
    /// Events held.
    held: usize,
}

/// How far ids may run ahead of the events held before the columns give up: ids are given one
/// after another, so only a hand-edited file has an id far beyond the count (an id around
/// 10^9 would otherwise make arrays of gigabytes).
fn plausible(index: usize, held: usize) -> bool {
    index <= held.saturating_mul(2).saturating_add(1 << 16)
}

/// What bringing the columns up to a read's snapshot found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refresh {
    /// They hold every event as the read sees it.
    Current,
    /// They were built on a newer snapshot than the read's: this read is answered by SQL.
    Newer,
    /// Some id or name cannot be held: views are left to SQL from now on.
    CannotHold,
}

/// What [`Columns::scan`] reads: the first `want` ids in the order of `by` (ties by id;
/// `ascending` or not) strictly past `from` (a sort value and id).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Walk {
    pub by: SortKey,
    pub ascending: bool,
    pub from: Option<(i64, i64)>,
    pub want: usize,
}

/// One event's row, as the columns take it.
struct Row<'a> {
    id: i64,
    status: Status,
    severity: Severity,
    kind: &'a str,
    source: &'a str,
    created: i64,
    updated: i64,
}

const ROW_COLUMNS: &str = "id, status, severity, kind, source, created_at, updated_at";

fn parse<T: std::str::FromStr<Err = String>>(text: &str) -> Result<T> {
    text.parse().map_err(Error::storage)
}

/// The text in column `idx` of `row`, borrowed.
pub(crate) fn text<'r>(row: &'r rusqlite::Row<'_>, idx: usize) -> Result<&'r str> {
    Ok(row.get_ref(idx)?.as_str().map_err(rusqlite::Error::from)?)
}

fn severity_from(rank: i64) -> Result<Severity> {
    Severity::from_rank(rank).ok_or_else(|| Error::storage(format!("unknown severity rank {rank}")))
}

impl Columns {
    /// Every event as `conn` sees it (one pass over the table; benches/NOTES.md, "Reading the
    /// columns"). `None` when some id or name cannot be held.
    pub(crate) fn build(conn: &Connection) -> Result<Option<Columns>> {
        let mut columns = Columns {
            seq: last_seq(conn)?,
            ..Columns::default()
        };
        let mut stmt = conn.prepare_cached(&format!("SELECT {ROW_COLUMNS} FROM events"))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            if !columns.set(&read_row(row)?) {
                return Ok(None);
            }
        }
        Ok(Some(columns))
    }

    pub(crate) fn max_id(&self) -> i64 {
        self.max_id
    }

    /// The events (among `within`, or all) whose source, kind or severity — the subject of
    /// `m` — passes it. `None` for a matcher on another subject.
    pub(crate) fn field_matches(&self, m: &Compiled, within: Option<&Bits>) -> Option<Bits> {
        let table = |names: &Names| {
            let mut pass = vec![false; names.codes.len()];
            for (name, &code) in &names.codes {
                if let Some(p) = pass.get_mut(usize::from(code)) {
                    *p = m.test(name);
                }
            }
            pass
        };
        let (codes, pass): (Option<&[u16]>, Vec<bool>) = match m.subject {
            Subject::Source => (Some(&self.source), table(&self.sources)),
            Subject::Kind => (Some(&self.kind), table(&self.kinds)),
            Subject::Severity => (
                None,
                Severity::ALL.iter().map(|s| m.test(s.as_str())).collect(),
            ),
            Subject::Title | Subject::Label(_) => return None,
        };
        let passes = |i: usize| -> bool {
            let Some(&facts) = self.facts.get(i).filter(|&&f| f != NO_EVENT) else {
                return false;
            };
            let at = match codes {
                Some(codes) => codes.get(i).map_or(usize::MAX, |&c| usize::from(c)),
                None => usize::from(facts & 0b11),
            };
            pass.get(at).copied().unwrap_or(false)
        };
        let mut out = Bits::default();
        match within {
            Some(bits) => bits.ids().filter(|&i| passes(i)).for_each(|i| out.set(i)),
            None => {
                let end = index(self.max_id)
                    .map_or(0, |m| m + 1)
                    .min(self.facts.len());
                (1..end).filter(|&i| passes(i)).for_each(|i| out.set(i));
            }
        }
        Some(out)
    }

    /// How many events are held.
    pub(crate) fn held(&self) -> usize {
        self.held
    }

    /// The first `n` events in id order (`ascending` or not) strictly past id `from`, leaving
    /// out `exclude`: a view of every event but the muted ones, in time order, read from its
    /// end without a pass over the rest.
    pub(crate) fn walk_ids(
        &self,
        exclude: &Bits,
        ascending: bool,
        from: Option<i64>,
        n: usize,
    ) -> Vec<i64> {
        let end = index(self.max_id)
            .map_or(0, |m| m + 1)
            .min(self.facts.len());
        let keep = |i: &usize| self.facts[*i] != NO_EVENT && !exclude.has(*i);
        let ids = |it: &mut dyn Iterator<Item = usize>| -> Vec<i64> {
            it.filter(keep)
                .take(n)
                .filter_map(|i| i64::try_from(i).ok())
                .collect()
        };
        if ascending {
            let start = from
                .and_then(|f| usize::try_from(f.saturating_add(1)).ok())
                .unwrap_or(1)
                .max(1);
            ids(&mut (start..end))
        } else {
            let stop = from
                .and_then(|f| usize::try_from(f).ok())
                .unwrap_or(end)
                .min(end);
            ids(&mut (1..stop).rev())
        }
    }

    /// Every event held, as a set.
    pub(crate) fn all(&self) -> Bits {
        let mut out = Bits::default();
        let end = index(self.max_id)
            .map_or(0, |m| m + 1)
            .min(self.facts.len());
        (1..end)
            .filter(|&i| self.facts[i] != NO_EVENT)
            .for_each(|i| out.set(i));
        out
    }

    /// Sets one event's columns; `false` when its id or a name cannot be held.
    fn set(&mut self, row: &Row<'_>) -> bool {
        let (Some(i), Some(kind), Some(source)) = (
            index(row.id).filter(|&i| plausible(i, self.held)),
            self.kinds.code(row.kind),
            self.sources.code(row.source),
        ) else {
            return false;
        };
        self.held += 1;
        if i >= self.facts.len() {
            let len = (i + 1).next_power_of_two();
            self.facts.resize(len, NO_EVENT);
            self.kind.resize(len, 0);
            self.source.resize(len, 0);
            self.created.resize(len, 0);
            self.updated.resize(len, 0);
        }
        if let (Some(f), Some(k), Some(s), Some(c), Some(u)) = (
            self.facts.get_mut(i),
            self.kind.get_mut(i),
            self.source.get_mut(i),
            self.created.get_mut(i),
            self.updated.get_mut(i),
        ) {
            *f = status_code(row.status) << 2 | severity_code(row.severity);
            (*k, *s, *c, *u) = (kind, source, row.created, row.updated);
        }
        self.max_id = self.max_id.max(row.id);
        true
    }

    /// Brings the columns up to what `conn` sees: the changes logged since, then the events
    /// created since.
    pub(crate) fn refresh(&mut self, conn: &Connection) -> Result<Refresh> {
        let seq = last_seq(conn)?;
        if seq < self.seq {
            return Ok(Refresh::Newer);
        }
        // Changes to events held already; newer events are read whole below.
        let mut stmt = conn.prepare_cached(
            "SELECT event_id, at, field, to_value FROM changes \
             WHERE seq > ?1 AND event_id <= ?2 AND field != 'created' ORDER BY seq",
        )?;
        let mut rows = stmt.query([self.seq, self.max_id])?;
        while let Some(row) = rows.next()? {
            let Some(i) = index(row.get(0)?) else {
                continue;
            };
            let at: i64 = row.get(1)?;
            let value = text(row, 3)?;
            let (keep, set) = match parse::<Field>(text(row, 2)?)? {
                Field::Status => (0b0011, status_code(parse(value)?) << 2),
                Field::Severity => (0b1100, severity_code(parse(value)?)),
                // Raised again, retitled, snoozed or woken: only its update time moves here.
                Field::Occurred | Field::Title | Field::Snoozed => (0b1111, 0),
                // Creations are read with the new rows below.
                Field::Created => continue,
            };
            if let (Some(f), Some(u)) = (self.facts.get_mut(i), self.updated.get_mut(i)) {
                *f = *f & keep | set;
                *u = at;
            }
        }
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {ROW_COLUMNS} FROM events WHERE id > ?1"))?;
        let mut rows = stmt.query([self.max_id])?;
        while let Some(row) = rows.next()? {
            if !self.set(&read_row(row)?) {
                return Ok(Refresh::CannotHold);
            }
        }
        self.seq = seq;
        Ok(Refresh::Current)
    }

    /// What `f` asks of the columns (its search aside); `None` when nothing can match (a kind
    /// or source no event has).
    pub(crate) fn predicate(&self, f: &EventFilter) -> Option<Predicate> {
        let mut pass = [false; 256];
        for &status in Status::ALL {
            for &severity in Severity::ALL {
                if let Some(p) = pass.get_mut(usize::from(
                    status_code(status) << 2 | severity_code(severity),
                )) {
                    *p = (f.statuses.is_empty() || f.statuses.contains(&status))
                        && (f.severities.is_empty() || f.severities.contains(&severity))
                        && f.min_severity.is_none_or(|m| severity.rank() >= m.rank());
                }
            }
        }
        let code = |names: &Names, name: &Option<String>| match name {
            None => Some(None),
            Some(n) => names.codes.get(n).map(|&c| Some(c)),
        };
        Some(Predicate {
            pass,
            kind: code(&self.kinds, &f.kind)?,
            source: code(&self.sources, &f.source)?,
            from: f.from,
            to: f.to,
        })
    }

    fn matches(&self, p: &Predicate, i: usize) -> bool {
        let Some(&facts) = self.facts.get(i) else {
            return false;
        };
        p.pass[usize::from(facts)]
            && p.kind.is_none_or(|k| self.kind.get(i) == Some(&k))
            && p.source.is_none_or(|s| self.source.get(i) == Some(&s))
            && p.from
                .is_none_or(|t| self.created.get(i).is_some_and(|&c| c >= t))
            && p.to
                .is_none_or(|t| self.created.get(i).is_some_and(|&c| c < t))
    }

    /// The matches among `candidates` (ascending ids; every event but `exclude` when `None`)
    /// at positions `lo..hi` in ascending id order: a deep page by number without holding
    /// every row before it.
    pub(crate) fn matches_between(
        &self,
        p: &Predicate,
        candidates: Option<impl Iterator<Item = usize>>,
        exclude: Option<&Bits>,
        lo: usize,
        hi: usize,
    ) -> Vec<i64> {
        let mut out = Vec::with_capacity(hi.saturating_sub(lo).min(1 << 16));
        let mut k = 0usize;
        let mut visit = |i: usize| {
            if k >= lo && k < hi {
                if let Ok(id) = i64::try_from(i) {
                    out.push(id);
                }
            }
            k += 1;
            k < hi
        };
        match candidates {
            Some(ids) => {
                for i in ids.filter(|&i| self.matches(p, i)) {
                    if !visit(i) {
                        break;
                    }
                }
            }
            None => {
                let end = index(self.max_id)
                    .map_or(0, |m| m + 1)
                    .min(self.facts.len());
                for i in 1..end {
                    if self.matches(p, i) && exclude.is_none_or(|b| !b.has(i)) && !visit(i) {
                        break;
                    }
                }
            }
        }
        out
    }

    /// The exact number of matches among `candidates` (ascending ids; every event when
    /// `None`), and the first `want` of them in the order of `by` (ties by id; `ascending` or
    /// not) strictly past `from` (a sort value and id), as ids.
    pub(crate) fn scan(
        &self,
        p: &Predicate,
        candidates: Option<impl Iterator<Item = usize>>,
        exclude: Option<&Bits>,
        walk: Walk,
    ) -> (i64, Vec<i64>) {
        let Walk {
            by,
            ascending,
            from,
            want,
        } = walk;
        let mut total = 0i64;
        // The `want` smallest keys past `from` (a max-heap), or the largest (a min-heap).
        let mut smallest: BinaryHeap<(i64, i64)> = BinaryHeap::new();
        let mut largest: BinaryHeap<Reverse<(i64, i64)>> = BinaryHeap::new();
        // Newest first: candidates come in ascending id order, so the page is the last `want`
        // matches before `from`, kept in a ring instead of a heap every match would enter.
        let newest_first = by == SortKey::Time && !ascending;
        let mut latest: VecDeque<i64> = VecDeque::new();
        let mut take = |i: usize| {
            total += 1;
            let Ok(id) = i64::try_from(i) else { return };
            if want == 0 {
                return;
            }
            if newest_first {
                if from.is_none_or(|(_, before)| id < before) {
                    latest.push_back(id);
                    if latest.len() > want {
                        latest.pop_front();
                    }
                }
                return;
            }
            let key = match by {
                SortKey::Time => (id, id),
                SortKey::Severity => (
                    i64::from(self.facts.get(i).copied().unwrap_or(0) & 0b11),
                    id,
                ),
                SortKey::Updated => (self.updated.get(i).copied().unwrap_or(0), id),
            };
            if ascending {
                if from.is_some_and(|f| key <= f) {
                    return;
                }
                if smallest.len() < want {
                    smallest.push(key);
                } else if smallest.peek().is_some_and(|&top| key < top) {
                    smallest.pop();
                    smallest.push(key);
                }
            } else {
                if from.is_some_and(|f| key >= f) {
                    return;
                }
                if largest.len() < want {
                    largest.push(Reverse(key));
                } else if largest.peek().is_some_and(|&Reverse(top)| key > top) {
                    largest.pop();
                    largest.push(Reverse(key));
                }
            }
        };
        match candidates {
            Some(ids) => ids.filter(|&i| self.matches(p, i)).for_each(&mut take),
            None => {
                // Every id, the columns zipped: no bounds check per column.
                let end = index(self.max_id)
                    .map_or(0, |m| m + 1)
                    .min(self.facts.len());
                let rows = self.facts[..end]
                    .iter()
                    .zip(&self.kind[..end])
                    .zip(&self.source[..end])
                    .zip(&self.created[..end]);
                let pass = |i: usize, facts: u8, kind: u16, source: u16, created: i64| {
                    p.pass[usize::from(facts)]
                        && p.kind.is_none_or(|k| k == kind)
                        && p.source.is_none_or(|s| s == source)
                        && p.from.is_none_or(|t| created >= t)
                        && p.to.is_none_or(|t| created < t)
                        && exclude.is_none_or(|b| !b.has(i))
                };
                // Largest keys first when the page wants them: update times and severities
                // grow with ids, so walking down fills the page from the first rows and the
                // rest are turned away at one comparison instead of entering its heap.
                if !ascending && by != SortKey::Time {
                    for (i, (((&facts, &kind), &source), &created)) in rows.enumerate().rev() {
                        if pass(i, facts, kind, source, created) {
                            take(i);
                        }
                    }
                } else {
                    for (i, (((&facts, &kind), &source), &created)) in rows.enumerate() {
                        if pass(i, facts, kind, source, created) {
                            take(i);
                        }
                    }
                }
            }
        }
        let ids = if newest_first {
            latest.into_iter().rev().collect()
        } else if ascending {
            smallest
                .into_sorted_vec()
                .into_iter()
                .map(|(_, id)| id)
                .collect()
        } else {
            // Ascending by Reverse(key) is descending by key.
            largest
                .into_sorted_vec()
                .into_iter()
                .map(|Reverse((_, id))| id)
                .collect()
        };
        (total, ids)
    }
}

fn read_row<'r>(row: &'r rusqlite::Row<'_>) -> Result<Row<'r>> {
    Ok(Row {
        id: row.get(0)?,
        status: parse(text(row, 1)?)?,
        severity: severity_from(row.get(2)?)?,
        kind: text(row, 3)?,
        source: text(row, 4)?,
        created: row.get(5)?,
        updated: row.get(6)?,
    })
}

/// What a filter asks of the columns.
pub(crate) struct Predicate {
    /// By fact byte ([`NO_EVENT`] never passes).
    pass: [bool; 256],
    kind: Option<u16>,
    source: Option<u16>,
    from: Option<i64>,
    to: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(by: SortKey, ascending: bool, from: Option<(i64, i64)>, want: usize) -> Walk {
        Walk {
            by,
            ascending,
            from,
            want,
        }
    }

    const ALL: Option<std::iter::Empty<usize>> = None;

    #[test]
    fn a_predicate_passes_the_filters_status_and_severity() {
        let mut c = Columns::default();
        let row = |id, status, severity| Row {
            id,
            status,
            severity,
            kind: "k",
            source: "s",
            created: id * 10,
            updated: 100 - id,
        };
        assert!(c.set(&row(1, Status::Open, Severity::Critical)));
        assert!(c.set(&row(2, Status::Completed, Severity::Error)));
        assert!(c.set(&row(3, Status::Open, Severity::Warning)));
        assert!(c.set(&row(5, Status::Acknowledged, Severity::Critical)));
        let f = EventFilter {
            statuses: vec![Status::Open, Status::Completed],
            min_severity: Some(Severity::Error),
            ..Default::default()
        };
        let p = c.predicate(&f).unwrap();
        assert_eq!(
            c.scan(&p, ALL, None, walk(SortKey::Time, false, None, 10)),
            (2, vec![2, 1])
        );
        let all = c.predicate(&EventFilter::default()).unwrap();
        // Id 4 has no event; only some candidates.
        assert_eq!(
            c.scan(
                &all,
                Some([2, 4, 5].into_iter()),
                None,
                walk(SortKey::Time, true, None, 10)
            ),
            (2, vec![2, 5])
        );
        // By update time ascending (100 - id), after (97, 3): ids 2 then 1.
        assert_eq!(
            c.scan(
                &all,
                ALL,
                None,
                walk(SortKey::Updated, true, Some((97, 3)), 10)
            ),
            (4, vec![2, 1])
        );
        // Severity descending, two wanted.
        assert_eq!(
            c.scan(&all, ALL, None, walk(SortKey::Severity, false, None, 2)),
            (4, vec![5, 1])
        );
        // Leaving out ids 1 and 5 (muted), newest first and by severity, walked down.
        let mut out = Bits::default();
        out.set(1);
        out.set(5);
        assert_eq!(
            c.scan(&all, ALL, Some(&out), walk(SortKey::Time, false, None, 10)),
            (2, vec![3, 2])
        );
        assert_eq!(
            c.scan(
                &all,
                ALL,
                Some(&out),
                walk(SortKey::Severity, false, None, 10)
            )
            .0,
            2
        );
        let unknown = EventFilter {
            kind: Some("nope".into()),
            ..Default::default()
        };
        assert!(c.predicate(&unknown).is_none());
    }
}
