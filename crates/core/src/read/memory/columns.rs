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

use super::hits::{ids_down, ids_up, Bits};
use crate::db::rows::last_seq;
use crate::error::{Error, Result};
use crate::model::{Compiled, EventFilter, Field, Severity, SortKey, Status, Subject};
use rusqlite::Connection;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

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
    /// The assignee's code plus one; 0: nobody.
    assignee: Vec<u16>,
    kinds: Names,
    sources: Names,
    assignees: Names,
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
    assignee: Option<&'a str>,
}

const ROW_COLUMNS: &str = "id, status, severity, kind, source, created_at, updated_at, assignee";

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

    /// The column's code for an assignee (an actor's text; absent or empty: nobody); `None`
    /// past 65,535 assignees.
    fn assignee_code(&mut self, actor: Option<&str>) -> Option<u16> {
        match actor {
            None | Some("") => Some(0),
            Some(actor) => self.assignees.code(actor)?.checked_add(1),
        }
    }

    /// Sets one event's columns; `false` when its id or a name cannot be held.
    fn set(&mut self, row: &Row<'_>) -> bool {
        let (Some(i), Some(kind), Some(source), Some(assignee)) = (
            index(row.id).filter(|&i| plausible(i, self.held)),
            self.kinds.code(row.kind),
            self.sources.code(row.source),
            self.assignee_code(row.assignee),
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
            self.assignee.resize(len, 0);
        }
        if let (Some(f), Some(k), Some(s), Some(c), Some(u), Some(a)) = (
            self.facts.get_mut(i),
            self.kind.get_mut(i),
            self.source.get_mut(i),
            self.created.get_mut(i),
            self.updated.get_mut(i),
            self.assignee.get_mut(i),
        ) {
            *f = status_code(row.status) << 2 | severity_code(row.severity);
            (*k, *s, *c, *u, *a) = (kind, source, row.created, row.updated, assignee);
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
            let field = parse::<Field>(text(row, 2)?)?;
            if field == Field::Assignee {
                let Some(code) = self.assignee_code(Some(value)) else {
                    return Ok(Refresh::CannotHold);
                };
                if let (Some(a), Some(u)) = (self.assignee.get_mut(i), self.updated.get_mut(i)) {
                    (*a, *u) = (code, at);
                }
                continue;
            }
            let (keep, set) = match field {
                Field::Status => (0b0011, status_code(parse(value)?) << 2),
                Field::Severity => (0b1100, severity_code(parse(value)?)),
                // Raised again, retitled, snoozed or woken: only its update time moves here.
                Field::Occurred | Field::Title | Field::Snoozed => (0b1111, 0),
                // Creations are read with the new rows below; a note changes no column.
                Field::Created | Field::Note | Field::Assignee => continue,
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
        let any_status_or_severity =
            f.statuses.is_empty() && f.severities.is_empty() && f.min_severity.is_none();
        let assignee = match f.assignee.as_deref() {
            None => None,
            Some("") => Some(0),
            Some(actor) => Some(self.assignees.codes.get(actor)?.checked_add(1)?),
        };
        Some(Predicate {
            pass,
            any_status_or_severity,
            kind: code(&self.kinds, &f.kind)?,
            source: code(&self.sources, &f.source)?,
            assignee,
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
            && p.assignee.is_none_or(|a| self.assignee.get(i) == Some(&a))
            && p.from
                .is_none_or(|t| self.created.get(i).is_some_and(|&c| c >= t))
            && p.to
                .is_none_or(|t| self.created.get(i).is_some_and(|&c| c < t))
    }

    /// One past the last index every column holds.
    fn end(&self) -> usize {
        index(self.max_id)
            .map_or(0, |m| m + 1)
            .min(self.facts.len())
            .min(self.kind.len())
            .min(self.source.len())
            .min(self.created.len())
            .min(self.updated.len())
            .min(self.assignee.len())
    }

    /// Which of the 64 ids from `word * 64` pass `p`, as a word (bit `j`: id `word * 64 + j`):
    /// one test per column over all 64 ids, without a branch, each column only while some id
    /// still passes.
    fn mask(&self, p: &Predicate, word: usize, end: usize) -> u64 {
        let lo = word * 64;
        let hi = (lo + 64).min(end);
        if lo >= hi {
            return 0;
        }
        let mut m = if p.any_status_or_severity {
            bits_where(&self.facts[lo..hi], |f| f != NO_EVENT)
        } else {
            bits_where(&self.facts[lo..hi], |f| p.pass[usize::from(f)])
        };
        if let Some(k) = p.kind.filter(|_| m != 0) {
            m &= bits_where(&self.kind[lo..hi], |x| x == k);
        }
        if let Some(s) = p.source.filter(|_| m != 0) {
            m &= bits_where(&self.source[lo..hi], |x| x == s);
        }
        if let Some(a) = p.assignee.filter(|_| m != 0) {
            m &= bits_where(&self.assignee[lo..hi], |x| x == a);
        }
        if let Some(t) = p.from.filter(|_| m != 0) {
            m &= bits_where(&self.created[lo..hi], |c| c >= t);
        }
        if let Some(t) = p.to.filter(|_| m != 0) {
            m &= bits_where(&self.created[lo..hi], |c| c < t);
        }
        m
    }

    /// [`Columns::mask`] for the few ids of `within` only.
    fn mask_of(&self, p: &Predicate, word: usize, within: u64) -> u64 {
        let mut m = 0u64;
        let mut rest = within;
        while rest != 0 {
            let bit = rest.trailing_zeros();
            rest &= rest - 1;
            if self.matches(p, word * 64 + bit as usize) {
                m |= 1 << bit;
            }
        }
        m
    }

    /// One pass, 64 ids at a time: the events that pass `p` and `sets`, their exact number,
    /// and how many of the events that pass `p` within `sets.within` each tallied set holds.
    pub(crate) fn pass(&self, p: &Predicate, sets: &Sets<'_>) -> Pass {
        let end = self.end();
        let n = end.div_ceil(64);
        let mut words = vec![0u64; n];
        let mut total = 0i64;
        let mut tally = [0i64; 2];
        let word = |set: Option<&Bits>, w: usize, none: u64| set.map_or(none, |b| b.word(w));
        for (w, out) in words.iter_mut().enumerate() {
            let within = word(sets.within, w, u64::MAX);
            let base = match within.count_ones() {
                0 => continue,
                1..=8 => self.mask_of(p, w, within),
                _ => self.mask(p, w, end) & within,
            };
            if base == 0 {
                continue;
            }
            for (t, set) in tally.iter_mut().zip(sets.tally) {
                if let Some(set) = set {
                    *t += i64::from((base & set.word(w)).count_ones());
                }
            }
            let v = base & word(sets.keep, w, u64::MAX) & !word(sets.exclude, w, 0);
            total += i64::from(v.count_ones());
            *out = v;
        }
        Pass {
            words,
            total,
            tally,
        }
    }
}

/// The sets a [`Columns::pass`] combines with a filter, word by word.
#[derive(Default, Clone, Copy)]
pub(crate) struct Sets<'a> {
    /// Only these ids (a search's hits, a label's events).
    pub within: Option<&'a Bits>,
    /// Of those, only these (the sets a view shows alone).
    pub keep: Option<&'a Bits>,
    /// Leaving these out (the sets a view hides).
    pub exclude: Option<&'a Bits>,
    /// Counted among the events that pass the filter within `within`, whatever `keep` and
    /// `exclude` do (how many of a view are silenced, snoozed).
    pub tally: [Option<&'a Bits>; 2],
}

/// What a [`Columns::pass`] found: the view's events as words of 64 ids, how many, and the
/// tallies.
pub(crate) struct Pass {
    words: Vec<u64>,
    pub total: i64,
    pub tally: [i64; 2],
}

impl Pass {
    /// The view's ids in ascending order, from word `first` up.
    fn up(&self, first: usize) -> impl Iterator<Item = usize> + '_ {
        ids_up(&self.words, first)
    }

    /// The view's ids in descending order, from word `last` down.
    fn down(&self, last: usize) -> impl Iterator<Item = usize> + '_ {
        ids_down(&self.words, last)
    }

    /// The view's ids at positions `lo..hi` in ascending id order: a deep page by number,
    /// whole words skipped by their counts.
    pub(crate) fn between(&self, lo: usize, hi: usize) -> Vec<i64> {
        let mut out = Vec::with_capacity(hi.saturating_sub(lo).min(1 << 16));
        let mut k = 0usize;
        let mut first = self.words.len();
        for (w, word) in self.words.iter().enumerate() {
            let n = word.count_ones() as usize;
            if k + n > lo {
                first = w;
                break;
            }
            k += n;
        }
        for i in self.up(first) {
            if k >= hi {
                break;
            }
            if k >= lo {
                if let Ok(id) = i64::try_from(i) {
                    out.push(id);
                }
            }
            k += 1;
        }
        out
    }

    /// The first `want` of the view's ids in the order of `by` (ties by id; `ascending` or
    /// not) strictly past `from` (a sort value and id), read from `columns`.
    pub(crate) fn take(&self, columns: &Columns, walk: Walk) -> Vec<i64> {
        let Walk {
            by,
            ascending,
            from,
            want,
        } = walk;
        if want == 0 {
            return Vec::new();
        }
        let id_of = |i: usize| i64::try_from(i).ok();
        if by == SortKey::Time {
            // Ids are the order: the page is the first `want` past `from` in the walk's
            // direction.
            return if ascending {
                let past = from.and_then(|(_, id)| usize::try_from(id).ok());
                let first = past.map_or(0, |p| p.saturating_add(1) / 64);
                self.up(first)
                    .filter(|&i| past.is_none_or(|p| i > p))
                    .take(want)
                    .filter_map(id_of)
                    .collect()
            } else {
                let before = from.and_then(|(_, id)| usize::try_from(id.max(0)).ok());
                let last = before.map_or(usize::MAX, |b| b / 64);
                self.down(last)
                    .filter(|&i| before.is_none_or(|b| i < b))
                    .take(want)
                    .filter_map(id_of)
                    .collect()
            };
        }
        let severity = |i: usize| i64::from(columns.facts.get(i).copied().unwrap_or(0) & 0b11);
        if by == SortKey::Severity {
            // One walk per severity, from the first one the page wants: each ends when the
            // page is full, which the highest severities usually fill in a few hundred ids.
            let mut out = Vec::with_capacity(want.min(1 << 16));
            let mut ranks = [0, 1, 2, 3];
            if !ascending {
                ranks.reverse();
            }
            for rank in ranks {
                let room = want - out.len();
                let past = match from {
                    Some((r, _)) if (ascending && rank < r) || (!ascending && rank > r) => continue,
                    Some((r, id)) if r == rank => Some(id),
                    _ => None,
                };
                let ids: Vec<i64> = if ascending {
                    let past = past.and_then(|p| usize::try_from(p).ok());
                    self.up(past.map_or(0, |p| p.saturating_add(1) / 64))
                        .filter(|&i| past.is_none_or(|p| i > p) && severity(i) == rank)
                        .take(room)
                        .filter_map(id_of)
                        .collect()
                } else {
                    let before = past.and_then(|p| usize::try_from(p.max(0)).ok());
                    self.down(before.map_or(usize::MAX, |b| b / 64))
                        .filter(|&i| before.is_none_or(|b| i < b) && severity(i) == rank)
                        .take(room)
                        .filter_map(id_of)
                        .collect()
                };
                out.extend(ids);
                if out.len() >= want {
                    break;
                }
            }
            return out;
        }
        let key = |i: usize, id: i64| (columns.updated.get(i).copied().unwrap_or(0), id);
        if ascending {
            // The `want` smallest update times past `from` (a max-heap), walked up: they
            // grow with ids, so the heap fills early and later ids leave at one comparison.
            let mut smallest: BinaryHeap<(i64, i64)> = BinaryHeap::new();
            for i in self.up(0) {
                let Some(id) = id_of(i) else { continue };
                let k = key(i, id);
                if from.is_some_and(|f| k <= f) {
                    continue;
                }
                if smallest.len() < want {
                    smallest.push(k);
                } else if smallest.peek().is_some_and(|&top| k < top) {
                    smallest.pop();
                    smallest.push(k);
                }
            }
            smallest
                .into_sorted_vec()
                .into_iter()
                .map(|(_, id)| id)
                .collect()
        } else {
            // The `want` largest (a min-heap), walked down for the same reason.
            let mut largest: BinaryHeap<Reverse<(i64, i64)>> = BinaryHeap::new();
            for i in self.down(usize::MAX) {
                let Some(id) = id_of(i) else { continue };
                let k = key(i, id);
                if from.is_some_and(|f| k >= f) {
                    continue;
                }
                if largest.len() < want {
                    largest.push(Reverse(k));
                } else if largest.peek().is_some_and(|&Reverse(top)| k > top) {
                    largest.pop();
                    largest.push(Reverse(k));
                }
            }
            // Ascending by Reverse(key) is descending by key.
            largest
                .into_sorted_vec()
                .into_iter()
                .map(|Reverse((_, id))| id)
                .collect()
        }
    }
}

/// Which of (at most 64) `values` pass `test`, as a word.
fn bits_where<T: Copy>(values: &[T], test: impl Fn(T) -> bool) -> u64 {
    values
        .iter()
        .enumerate()
        .fold(0, |m, (j, &v)| m | u64::from(test(v)) << j)
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
        assignee: row
            .get_ref(7)?
            .as_str_or_null()
            .map_err(rusqlite::Error::from)?,
    })
}

/// What a filter asks of the columns.
pub(crate) struct Predicate {
    /// By fact byte ([`NO_EVENT`] never passes).
    pass: [bool; 256],
    /// Every status and severity passes (only [`NO_EVENT`] does not).
    any_status_or_severity: bool,
    kind: Option<u16>,
    source: Option<u16>,
    /// The assignee's code plus one; 0: nobody.
    assignee: Option<u16>,
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

    /// The size of the view `p`, `within` and `exclude` allow, and the ids `w` asks for.
    fn scan(
        c: &Columns,
        p: &Predicate,
        within: Option<&Bits>,
        exclude: Option<&Bits>,
        w: Walk,
    ) -> (i64, Vec<i64>) {
        let sets = Sets {
            within,
            exclude,
            ..Sets::default()
        };
        let pass = c.pass(p, &sets);
        (pass.total, pass.take(c, w))
    }

    fn bits(ids: &[usize]) -> Bits {
        let mut b = Bits::default();
        ids.iter().for_each(|&i| b.set(i));
        b
    }

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
            assignee: None,
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
            scan(&c, &p, None, None, walk(SortKey::Time, false, None, 10)),
            (2, vec![2, 1])
        );
        let all = c.predicate(&EventFilter::default()).unwrap();
        // Id 4 has no event; only some candidates.
        assert_eq!(
            scan(
                &c,
                &all,
                Some(&bits(&[2, 4, 5])),
                None,
                walk(SortKey::Time, true, None, 10)
            ),
            (2, vec![2, 5])
        );
        // By update time ascending (100 - id), after (97, 3): ids 2 then 1.
        assert_eq!(
            scan(
                &c,
                &all,
                None,
                None,
                walk(SortKey::Updated, true, Some((97, 3)), 10)
            ),
            (4, vec![2, 1])
        );
        // Severity descending, two wanted.
        assert_eq!(
            scan(
                &c,
                &all,
                None,
                None,
                walk(SortKey::Severity, false, None, 2)
            ),
            (4, vec![5, 1])
        );
        // By severity from a position, up and down (ties by id).
        let error = i64::from(severity_code(Severity::Error));
        let critical = i64::from(severity_code(Severity::Critical));
        assert_eq!(
            scan(
                &c,
                &all,
                None,
                None,
                walk(SortKey::Severity, true, Some((error, 2)), 10)
            )
            .1,
            vec![1, 5]
        );
        assert_eq!(
            scan(
                &c,
                &all,
                None,
                None,
                walk(SortKey::Severity, false, Some((critical, 5)), 10)
            )
            .1,
            vec![1, 2, 3]
        );
        assert_eq!(
            scan(&c, &all, None, None, walk(SortKey::Severity, true, None, 3)).1,
            vec![3, 2, 1]
        );
        // Leaving out ids 1 and 5 (muted), newest first and by severity, walked down.
        let mut out = Bits::default();
        out.set(1);
        out.set(5);
        assert_eq!(
            scan(
                &c,
                &all,
                None,
                Some(&out),
                walk(SortKey::Time, false, None, 10)
            ),
            (2, vec![3, 2])
        );
        assert_eq!(
            scan(
                &c,
                &all,
                None,
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

    #[test]
    fn a_pass_keeps_excludes_tallies_and_pages_across_words() {
        let mut c = Columns::default();
        // 300 events over five words; every third one acknowledged, the rest open.
        for id in 1..=300 {
            let status = if id % 3 == 0 {
                Status::Acknowledged
            } else {
                Status::Open
            };
            assert!(c.set(&Row {
                id,
                status,
                severity: Severity::Warning,
                kind: "k",
                source: "s",
                created: id,
                updated: id,
                assignee: (id % 5 == 0).then_some("operator:ann"),
            }));
        }
        let acked = c
            .predicate(&EventFilter {
                statuses: vec![Status::Acknowledged],
                ..Default::default()
            })
            .unwrap();
        let evens = bits(&(2..=300).step_by(2).collect::<Vec<_>>());
        let low = bits(&(1..=100).collect::<Vec<_>>());
        let sets = Sets {
            within: None,
            keep: Some(&evens),
            exclude: Some(&low),
            tally: [Some(&low), Some(&evens)],
        };
        let pass = c.pass(&acked, &sets);
        // Acknowledged, even and above 100: multiples of 6 from 102 to 300.
        assert_eq!(pass.total, 34);
        // Of the 100 acknowledged: 33 at or below 100, 50 even.
        assert_eq!(pass.tally, [33, 50]);
        assert_eq!(pass.between(0, 3), vec![102, 108, 114]);
        assert_eq!(pass.between(32, 40), vec![294, 300]);
        let time = |ascending, from, want| walk(SortKey::Time, ascending, from, want);
        assert_eq!(
            pass.take(&c, time(true, Some((126, 126)), 2)),
            vec![132, 138]
        );
        assert_eq!(
            pass.take(&c, time(false, Some((126, 126)), 2)),
            vec![120, 114]
        );
        assert_eq!(pass.take(&c, time(false, None, 2)), vec![300, 294]);
        assert_eq!(
            pass.take(&c, walk(SortKey::Updated, true, Some((288, 288)), 5)),
            vec![294, 300]
        );
        // A sparse `within` (a few ids a word) gives what a dense one does.
        let few = bits(&[3, 6, 64, 66, 200, 204]);
        let all = c.predicate(&EventFilter::default()).unwrap();
        let sparse = c.pass(
            &acked,
            &Sets {
                within: Some(&few),
                ..Sets::default()
            },
        );
        assert_eq!(sparse.total, 4);
        assert_eq!(sparse.between(0, 10), vec![3, 6, 66, 204]);
        assert_eq!(c.pass(&all, &Sets::default()).total, 300);
        // By assignee: ann's (every fifth), nobody's, and one no event has.
        let of = |assignee: &str| EventFilter {
            assignee: Some(assignee.into()),
            ..Default::default()
        };
        let anns = c.predicate(&of("operator:ann")).unwrap();
        assert_eq!(c.pass(&anns, &Sets::default()).total, 60);
        let nobodys = c.predicate(&of("")).unwrap();
        assert_eq!(c.pass(&nobodys, &Sets::default()).total, 240);
        assert!(c.predicate(&of("operator:bob")).is_none());
    }
}
