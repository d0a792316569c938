//! A source's bookkeeping, written in the transaction that applies its messages: where a
//! stream goes on from, the queue messages already applied, and the event an alert's dedup key
//! finds.

use crate::db::Handle;
use crate::db::WriteTxn;
use crate::error::Result;
use rusqlite::OptionalExtension;

/// The stream offset `channel` goes on from, if it stored one.
pub fn stored_offset(conn: &impl Handle, channel: &str) -> Result<Option<i64>> {
    let conn = conn.raw();
    Ok(conn
        .prepare_cached("SELECT next_offset FROM ingest_offsets WHERE source = ?1")?
        .query_row([channel], |r| r.get(0))
        .optional()?)
}

/// Stores where `channel` goes on from, inside the transaction that applied what came before.
pub fn store_offset(w: &WriteTxn<'_>, channel: &str, next: i64) -> Result<()> {
    w.tx()
        .prepare_cached(
            "INSERT INTO ingest_offsets (source, next_offset) VALUES (?1, ?2) \
             ON CONFLICT (source) DO UPDATE SET next_offset = excluded.next_offset",
        )?
        .execute(rusqlite::params![channel, next])?;
    Ok(())
}

/// Remembers queue message `id` and says whether it is new. Only a delivery the broker marks
/// as redelivered can have been applied already.
pub fn first_time(w: &WriteTxn<'_>, channel: &str, id: &str, redelivered: bool) -> Result<bool> {
    if redelivered {
        let seen: Option<i64> = w
            .tx()
            .prepare_cached("SELECT 1 FROM ingest_seen WHERE source = ?1 AND message_id = ?2")?
            .query_row([channel, id], |r| r.get(0))
            .optional()?;
        if seen.is_some() {
            return Ok(false);
        }
    }
    w.tx()
        .prepare_cached(
            "INSERT INTO ingest_seen (source, message_id, at) VALUES (?1, ?2, ?3) \
             ON CONFLICT DO NOTHING",
        )?
        .execute(rusqlite::params![channel, id, w.now()])?;
    Ok(true)
}

/// Forgets the queue messages of `channel` remembered before `before` (Unix ms).
pub fn forget_messages_before(w: &WriteTxn<'_>, channel: &str, before: i64) -> Result<()> {
    w.tx()
        .prepare_cached("DELETE FROM ingest_seen WHERE source = ?1 AND at < ?2")?
        .execute(rusqlite::params![channel, before])?;
    Ok(())
}

/// The newest event with dedup `key` raised by one of `owners` (stored actors) that is not
/// completed; with `team`, only among the team's events.
pub fn unfinished_with_key(
    w: &WriteTxn<'_>,
    key: &str,
    owners: &[String],
    team: bool,
) -> Result<Option<i64>> {
    let owners = serde_json::to_string(owners).map_err(crate::error::Error::storage)?;
    Ok(w.tx()
        .prepare_cached(
            "SELECT id FROM events INDEXED BY events_dedup \
             WHERE dedup_key = ?1 AND status != 'completed' AND (?2 = 0 OR team_key IS NOT NULL) \
             AND dedup_owner IN (SELECT value FROM json_each(?3)) \
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(rusqlite::params![key, team, owners], |r| r.get(0))
        .optional()?)
}
