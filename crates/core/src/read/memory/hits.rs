//! Hit sets: the ids that match one full-text query, as a compressed bitmap (`roaring`), kept
//! for the most recent searches and extended with each read.

use crate::error::Result;
use roaring::RoaringBitmap;
use rusqlite::Connection;
use std::sync::Arc;

/// The ids matching one full-text query, as far as it has been read.
pub(super) struct HitSet {
    /// Shared with the statements of the read that asked for it (`search_hit`); extended
    /// copy-on-write, so a running statement keeps the set it started with.
    bits: Arc<RoaringBitmap>,
    /// The largest id read from the full-text index so far.
    last: i64,
    /// Whether every hit up to the snapshot last read was read (reading may stop at a budget).
    complete: bool,
}

/// What reading more of a set found.
pub(super) enum Loaded {
    /// The set's size, and whether it is complete.
    Read { hits: i64, complete: bool },
    /// Some id cannot be held (outside 1..2³²): the set answers nothing.
    Unusable,
}

impl HitSet {
    pub(super) fn new() -> HitSet {
        HitSet {
            bits: Arc::new(RoaringBitmap::new()),
            last: 0,
            complete: false,
        }
    }

    pub(super) fn bits(&self) -> &Arc<RoaringBitmap> {
        &self.bits
    }

    pub(super) fn is_complete(&self) -> bool {
        self.complete
    }

    /// Reads the hits of `fts` after the last one this set knows, all of them or at most
    /// `budget`. Only new events can add hits, and they have larger ids than any before them
    /// (migration 006 holds both rules), so the set stays right as the database changes.
    pub(super) fn read_more(
        &mut self,
        conn: &Connection,
        fts: &str,
        budget: Option<i64>,
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
            let Ok(bit) = u32::try_from(id) else {
                return Ok(Loaded::Unusable);
            };
            bits.insert(bit);
            self.last = self.last.max(id);
            read += 1;
        }
        self.complete = budget.is_none_or(|b| read < b);
        Ok(Loaded::Read {
            hits: i64::try_from(self.bits.len()).unwrap_or(i64::MAX),
            complete: self.complete,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_read_within_a_budget_is_completed_over_later_reads() {
        let conn = crate::db::in_memory().unwrap();
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
        let read = |set: &mut HitSet, budget| match set.read_more(&conn, fts, budget).unwrap() {
            Loaded::Read { hits, complete } => (hits, complete),
            Loaded::Unusable => panic!("unusable"),
        };
        assert_eq!(read(&mut set, Some(3)), (3, false));
        assert_eq!(read(&mut set, Some(3)), (6, false));
        assert_eq!(read(&mut set, Some(3)), (7, true));
        add(11, "card again");
        assert_eq!(read(&mut set, None), (8, true));
        assert_eq!(
            set.bits().iter().collect::<Vec<_>>(),
            [1, 2, 4, 5, 7, 8, 10, 11]
        );
    }
}
