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

/// The most reasons kept per source.
pub const REJECTIONS_STORED: i64 = 50;

/// Keeps that `channel` refused a message for `reason` (already bounded) at `place`: one more
/// of the same reason, or a new reason (then only the newest [`REJECTIONS_STORED`] stay).
pub fn record_rejection(
    w: &WriteTxn<'_>,
    channel: &str,
    reason: &str,
    place: Option<&str>,
) -> Result<()> {
    let tx = w.tx();
    let added = tx
        .prepare_cached(
            "INSERT INTO source_rejections (source, reason, count, first_at, last_at, last_place) \
             VALUES (?1, ?2, 1, ?3, ?3, ?4) \
             ON CONFLICT (source, reason) DO UPDATE SET count = count + 1, \
             last_at = excluded.last_at, last_place = excluded.last_place \
             RETURNING count",
        )?
        .query_row(rusqlite::params![channel, reason, w.now(), place], |r| {
            r.get::<_, i64>(0)
        })?;
    if added == 1 {
        tx.prepare_cached(
            "DELETE FROM source_rejections WHERE source = ?1 AND reason IN ( \
             SELECT reason FROM source_rejections WHERE source = ?1 \
             ORDER BY last_at DESC, reason LIMIT -1 OFFSET ?2)",
        )?
        .execute(rusqlite::params![channel, REJECTIONS_STORED])?;
    }
    Ok(())
}

/// Every source's kept rejections: (source, rejection), by source, newest first.
pub fn all_rejections(
    conn: &impl Handle,
) -> Result<Vec<(String, crate::services::ingest::Rejection)>> {
    let conn = conn.raw();
    let mut stmt = conn.prepare_cached(
        "SELECT source, reason, count, first_at, last_at, last_place FROM source_rejections \
         ORDER BY source, last_at DESC, reason",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, rejection_from(r, 1)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A rejection from `reason, count, first_at, last_at, last_place`, starting at column `at`.
fn rejection_from(
    r: &rusqlite::Row<'_>,
    at: usize,
) -> rusqlite::Result<crate::services::ingest::Rejection> {
    Ok(crate::services::ingest::Rejection {
        reason: r.get(at)?,
        count: r.get(at + 1)?,
        first_at: r.get(at + 2)?,
        at: r.get(at + 3)?,
        place: r.get(at + 4)?,
    })
}

/// The newest `limit` reasons `channel` refused messages for, newest first.
pub fn rejections(
    conn: &impl Handle,
    channel: &str,
    limit: usize,
) -> Result<Vec<crate::services::ingest::Rejection>> {
    let conn = conn.raw();
    let mut stmt = conn.prepare_cached(
        "SELECT reason, count, first_at, last_at, last_place FROM source_rejections \
         WHERE source = ?1 ORDER BY last_at DESC, reason LIMIT ?2",
    )?;
    let rows = stmt.query_map(rusqlite::params![channel, limit as i64], |r| {
        rejection_from(r, 0)
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Every channel that keeps anything (a stream offset, queue messages seen, rejections), with
/// its stream offset (-1 without one).
pub fn kept_channels(w: &WriteTxn<'_>) -> Result<Vec<(String, i64)>> {
    let mut stmt = w.tx().prepare_cached(
        "SELECT source, max(n) FROM ( \
         SELECT source, next_offset AS n FROM ingest_offsets \
         UNION ALL SELECT DISTINCT source, -1 FROM ingest_seen \
         UNION ALL SELECT DISTINCT source, -1 FROM source_rejections) \
         GROUP BY source ORDER BY source",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Moves what `from` kept (its stream offset, the queue messages it saw, its rejections) to
/// `to`, inside the transaction.
pub fn move_bookkeeping(w: &WriteTxn<'_>, from: &str, to: &str) -> Result<()> {
    for table in ["ingest_offsets", "ingest_seen", "source_rejections"] {
        w.tx()
            .prepare_cached(&format!(
                "UPDATE OR REPLACE {table} SET source = ?2 WHERE source = ?1"
            ))?
            .execute([from, to])?;
    }
    Ok(())
}
