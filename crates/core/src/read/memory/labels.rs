//! Label sets: the ids of the events that carry one label (`key = value`), a bit per id, kept
//! for the labels recent views filtered on and extended with each read.

use super::hits::Bits;
use crate::error::Result;
use rusqlite::Connection;
use std::sync::Arc;

/// The ids carrying one label, as far as the last read.
pub(super) struct LabelSet {
    bits: Arc<Bits>,
    /// The largest id read so far.
    last: i64,
}

impl LabelSet {
    pub(super) fn new() -> LabelSet {
        LabelSet {
            bits: Arc::new(Bits::default()),
            last: 0,
        }
    }

    pub(super) fn bits(&self) -> &Arc<Bits> {
        &self.bits
    }

    /// Reads the ids carrying `key = value` after the last one this set knows, among `held`
    /// events; `false` when one cannot be held. An event's labels are written with it and
    /// never change (migration 013), and new events have larger ids than any before them, so
    /// the ids past the last read are all that can be new (a file edited by hand is noticed
    /// by [`super::Memory::sync`], which drops every set).
    pub(super) fn read_more(
        &mut self,
        conn: &Connection,
        key: &str,
        value: &str,
        held: i64,
    ) -> Result<bool> {
        let mut stmt = conn.prepare_cached(
            "SELECT event_id FROM event_labels WHERE key = ?1 AND value = ?2 AND event_id > ?3 \
             ORDER BY event_id",
        )?;
        let mut rows = stmt.query(rusqlite::params![key, value, self.last])?;
        let bits = Arc::make_mut(&mut self.bits);
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            if !bits.insert(id, held) {
                return Ok(false);
            }
            self.last = self.last.max(id);
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_reads_only_the_ids_past_its_last() {
        let conn = crate::db::in_memory().unwrap().into_raw();
        // Label rows alone, without their events.
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        let add = |id: i64, value: &str| {
            conn.execute(
                "INSERT INTO event_labels (key, value, event_id) VALUES ('env', ?1, ?2)",
                rusqlite::params![value, id],
            )
            .unwrap();
        };
        for id in 1..=6 {
            add(id, if id % 2 == 0 { "prod" } else { "staging" });
        }
        let mut set = LabelSet::new();
        assert!(set.read_more(&conn, "env", "prod", 6).unwrap());
        assert_eq!(set.bits().ids().collect::<Vec<_>>(), [2, 4, 6]);
        add(8, "prod");
        assert!(set.read_more(&conn, "env", "prod", 8).unwrap());
        assert_eq!(set.bits().ids().collect::<Vec<_>>(), [2, 4, 6, 8]);
        add(1 << 40, "prod");
        assert!(!set.read_more(&conn, "env", "prod", 9).unwrap());
    }
}
