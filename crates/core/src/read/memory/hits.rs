//! Hit sets: the ids that match one full-text query, a bit per id, kept for the most recent
//! searches and extended with each read.
//!
//! A plain bit vector rather than the `roaring` crate: event ids are dense (1, 2, 3, …), so a
//! compressed bitmap saves nothing, and walking or probing one was several times slower
//! (benches/NOTES.md, "Hit sets: a bit vector, not `roaring`").

use crate::error::Result;
use rusqlite::Connection;
use std::sync::Arc;

/// A set of ids as one bit per id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bits {
    words: Vec<u64>,
    len: i64,
}

impl Bits {
    /// Adds `id`; `false` for an id the set will not hold (below 0, or far beyond `held`
    /// events: only a hand-edited file has such ids, and they would cost a large allocation).
    pub(super) fn insert(&mut self, id: i64, held: i64) -> bool {
        let limit = held.saturating_mul(2).saturating_add(1 << 16);
        let Some(i) = usize::try_from(id).ok().filter(|_| id <= limit) else {
            return false;
        };
        let word = i / 64;
        if word >= self.words.len() {
            self.words.resize((word + 1).next_power_of_two(), 0);
        }
        let bit = 1 << (i % 64);
        if self.words[word] & bit == 0 {
            self.words[word] |= bit;
            self.len += 1;
        }
        true
    }

    /// Adds index `i` (an id the columns hold).
    pub(super) fn set(&mut self, i: usize) {
        let word = i / 64;
        if word >= self.words.len() {
            self.words.resize((word + 1).next_power_of_two(), 0);
        }
        let bit = 1 << (i % 64);
        if self.words[word] & bit == 0 {
            self.words[word] |= bit;
            self.len += 1;
        }
    }

    /// The ids in this set and not in `other`.
    pub(super) fn and_not(&self, other: &Bits) -> Bits {
        let words: Vec<u64> = self
            .words
            .iter()
            .enumerate()
            .map(|(i, a)| a & !other.words.get(i).copied().unwrap_or(0))
            .collect();
        let len = words.iter().map(|w| i64::from(w.count_ones())).sum();
        Bits { words, len }
    }

    /// The ids in either set.
    pub(super) fn or(&self, other: &Bits) -> Bits {
        let n = self.words.len().max(other.words.len());
        let words: Vec<u64> = (0..n)
            .map(|i| {
                self.words.get(i).copied().unwrap_or(0) | other.words.get(i).copied().unwrap_or(0)
            })
            .collect();
        let len = words.iter().map(|w| i64::from(w.count_ones())).sum();
        Bits { words, len }
    }

    pub(super) fn remove_id(&mut self, id: i64) {
        let Ok(i) = usize::try_from(id) else {
            return;
        };
        if let Some(word) = self.words.get_mut(i / 64) {
            let bit = 1 << (i % 64);
            if *word & bit != 0 {
                *word &= !bit;
                self.len -= 1;
            }
        }
    }

    /// Whether index `i` is in the set.
    #[inline]
    pub(crate) fn has(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    pub(crate) fn contains(&self, id: i64) -> bool {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.words.get(i / 64).map(|w| w >> (i % 64) & 1 == 1))
            .unwrap_or(false)
    }

    /// The ids `word * 64 ..` as bits (none past the set's end).
    pub(crate) fn word(&self, word: usize) -> u64 {
        self.words.get(word).copied().unwrap_or(0)
    }

    pub(crate) fn len(&self) -> i64 {
        self.len
    }

    /// The ids in both sets.
    pub(super) fn and(&self, other: &Bits) -> Bits {
        let words: Vec<u64> = self
            .words
            .iter()
            .zip(&other.words)
            .map(|(a, b)| a & b)
            .collect();
        let len = words.iter().map(|w| i64::from(w.count_ones())).sum();
        Bits { words, len }
    }

    /// Every id in the set, ascending.
    pub(crate) fn ids(&self) -> impl Iterator<Item = usize> + '_ {
        ids_up(&self.words, 0)
    }
}

/// The ids whose bits `words` set (bit `j` of word `w`: id `w * 64 + j`), ascending from word
/// `first`.
pub(crate) fn ids_up(words: &[u64], first: usize) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().skip(first).flat_map(|(w, &word)| {
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

/// [`ids_up`], descending from word `last`.
pub(crate) fn ids_down(words: &[u64], last: usize) -> impl Iterator<Item = usize> + '_ {
    let n = words.len().min(last.saturating_add(1));
    words[..n].iter().enumerate().rev().flat_map(|(w, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let bit = 63 - rest.leading_zeros() as usize;
                rest &= !(1 << bit);
                w * 64 + bit
            })
        })
    })
}

/// The ids matching one full-text query, as far as it has been read.
pub(super) struct HitSet {
    /// Shared with the statements of the read that asked for it (`search_hit`); extended
    /// copy-on-write, so a running statement keeps the set it started with.
    bits: Arc<Bits>,
    /// The largest id read from the full-text index so far.
    last: i64,
    /// Whether every hit up to the snapshot last read was read (reading may stop at a budget).
    complete: bool,
}

/// What reading more of a set found.
pub(super) enum Loaded {
    /// The set's size, and whether it is complete.
    Read { hits: i64, complete: bool },
    /// Some id cannot be held: the set answers nothing.
    Unusable,
}

impl HitSet {
    pub(super) fn new() -> HitSet {
        HitSet {
            bits: Arc::new(Bits::default()),
            last: 0,
            complete: false,
        }
    }

    pub(super) fn bits(&self) -> &Arc<Bits> {
        &self.bits
    }

    pub(super) fn is_complete(&self) -> bool {
        self.complete
    }

    /// Reads the hits of `fts` after the last one this set knows, all of them or at most
    /// `budget`, among `held` events. Only new events can add hits, and they have larger ids
    /// than any before them, so the set stays right as the database changes (a file edited
    /// by hand is noticed by [`super::Memory::sync`], which drops every set).
    /// Asks the index again about `ids` (events that were retitled) among those already
    /// read; later ones are read by [`HitSet::read_more`] as usual.
    pub(super) fn recheck(
        &mut self,
        conn: &Connection,
        fts: &str,
        ids: &[i64],
        held: i64,
    ) -> Result<bool> {
        let mut stmt = conn
            .prepare_cached("SELECT 1 FROM events_fts WHERE events_fts MATCH ?1 AND rowid = ?2")?;
        let bits = Arc::make_mut(&mut self.bits);
        for &id in ids.iter().filter(|&&id| id <= self.last) {
            bits.remove_id(id);
            if stmt.exists(rusqlite::params![fts, id])? && !bits.insert(id, held) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    pub(super) fn read_more(
        &mut self,
        conn: &Connection,
        fts: &str,
        budget: Option<i64>,
        held: i64,
    ) -> Result<Loaded> {
        let mut stmt = conn.prepare_cached(
            "SELECT rowid FROM events_fts WHERE events_fts MATCH ?1 AND rowid > ?2 \
             ORDER BY rowid LIMIT ?3",
        )?;
        let mut rows = stmt.query(rusqlite::params![fts, self.last, budget.unwrap_or(-1)])?;
        let bits = Arc::make_mut(&mut self.bits);
        let mut read = 0i64;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            if !bits.insert(id, held) {
                return Ok(Loaded::Unusable);
            }
            self.last = self.last.max(id);
            read += 1;
        }
        self.complete = budget.is_none_or(|b| read < b);
        Ok(Loaded::Read {
            hits: self.bits.len(),
            complete: self.complete,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_read_within_a_budget_is_completed_over_later_reads() {
        let conn = crate::db::in_memory().unwrap().into_raw();
        let add = |id: i64, title: &str| {
            conn.execute(
                "INSERT INTO events_fts (rowid, title, kind, source) VALUES (?1, ?2, 'k', 's')",
                rusqlite::params![id, title],
            )
            .unwrap();
        };
        for id in 1..=10 {
            add(
                id,
                if id % 3 == 0 {
                    "ledger lag"
                } else {
                    "card declined"
                },
            );
        }
        let fts = "\"card\"*";
        let mut set = HitSet::new();
        let read = |set: &mut HitSet, budget| match set.read_more(&conn, fts, budget, 10).unwrap() {
            Loaded::Read { hits, complete } => (hits, complete),
            Loaded::Unusable => panic!("unusable"),
        };
        assert_eq!(read(&mut set, Some(3)), (3, false));
        assert_eq!(read(&mut set, Some(3)), (6, false));
        assert_eq!(read(&mut set, Some(3)), (7, true));
        add(11, "card again");
        assert_eq!(read(&mut set, None), (8, true));
        assert_eq!(
            set.bits().ids().collect::<Vec<_>>(),
            [1, 2, 4, 5, 7, 8, 10, 11]
        );
        // An id far beyond the events held is not taken.
        add(1 << 40, "card far away");
        assert!(matches!(
            set.read_more(&conn, fts, None, 12).unwrap(),
            Loaded::Unusable
        ));
    }

    #[test]
    fn bits_hold_what_was_inserted_and_nothing_else() {
        let mut bits = Bits::default();
        for id in [1, 63, 64, 65, 1000, 64] {
            assert!(bits.insert(id, 1000));
        }
        assert_eq!(bits.len(), 5);
        for id in [1, 63, 64, 65, 1000] {
            assert!(bits.contains(id), "{id}");
        }
        for id in [-1, 0, 2, 62, 66, 999, 1001, 1 << 40] {
            assert!(!bits.contains(id), "{id}");
        }
        assert_eq!(bits.ids().collect::<Vec<_>>(), [1, 63, 64, 65, 1000]);
        assert!(!bits.insert(-5, 1000));
        assert!(!bits.insert(1 << 33, 1000));
    }
}
