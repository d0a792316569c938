//! Prefix expansions: the index terms a long search prefix stands for (see
//! `read::query::search`), kept while no event created since could have brought another.

use crate::error::Result;
use crate::read::memory::columns::text;
use rusqlite::Connection;

/// The terms of the index a search prefix stands for, as of the events up to `max_id`.
pub(super) struct Expansion {
    pub(super) terms: Vec<String>,
    pub(super) max_id: i64,
}

/// Past this many new events an expansion is read again rather than checked against them.
const RECHECK: i64 = 1_000;

impl Expansion {
    /// Whether the kept terms are still every term `prefix` stands for, `max_id` being the
    /// newest event now. The vocabulary only grows with new events, so they are, unless an
    /// event created since has text that could hold a new term with this prefix: for ASCII
    /// text, one that contains the prefix (the tokenizer only splits and folds case); other
    /// text always counts.
    pub(super) fn still_right(&self, conn: &Connection, prefix: &str, max_id: i64) -> Result<bool> {
        let since = self.max_id;
        Ok(since == max_id
            || (since < max_id
                && max_id - since <= RECHECK
                && !new_text_may_hold(conn, since, prefix)?))
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
