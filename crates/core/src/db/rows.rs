//! The `events` and `changes` tables as rows: mapping a row to an [`Event`] or a [`Change`],
//! and the plain reads every layer above uses (one event, its history, totals, the log's end).

use crate::db::{Conn, Handle};
use crate::error::{Error, Result};
use crate::model::{
    labels_from_text, Change, Event, EventDetail, HistoryPage, Link, Severity, Status, Tally,
    HISTORY_PAGE,
};
use rusqlite::{OptionalExtension, Row};
pub(crate) const EVENT_COLUMNS: &str =
    "id, kind, source, severity, title, status, created_at, updated_at, \
     updated_by, completed_at, completed_by, reopened_at, reopened_by, version, \
     dedup_key, occurrences, last_seen_at, team_key, snoozed_until, assignee";

fn parse<T: std::str::FromStr<Err = String>>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    text.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, e.into())
    })
}

fn parse_opt<T: std::str::FromStr<Err = String>>(
    row: &Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| {
        t.parse().map_err(|e: String| {
            rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, e.into())
        })
    })
    .transpose()
}

pub(crate) fn event_from_row(row: &Row<'_>) -> rusqlite::Result<Event> {
    let rank: i64 = row.get(3)?;
    let severity = Severity::from_rank(rank).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            3,
            rusqlite::types::Type::Integer,
            format!("severity rank {rank}").into(),
        )
    })?;
    Ok(Event {
        id: row.get(0)?,
        kind: row.get(1)?,
        source: row.get(2)?,
        severity,
        title: row.get(4)?,
        status: parse(row, 5)?,
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
        updated_by: parse(row, 8)?,
        completed_at: row.get(9)?,
        completed_by: parse_opt(row, 10)?,
        reopened_at: row.get(11)?,
        reopened_by: parse_opt(row, 12)?,
        version: row.get(13)?,
        dedup_key: row.get(14)?,
        occurrences: row.get(15)?,
        // Events from before migration 7 were last seen when they were created.
        last_seen_at: row.get::<_, Option<i64>>(16)?.unwrap_or(row.get(6)?),
        team_key: row.get(17)?,
        snoozed_until: row.get(18)?,
        assignee: parse_opt(row, 19)?,
    })
}

fn change_from_row(row: &Row<'_>) -> rusqlite::Result<Change> {
    Ok(Change {
        seq: row.get(0)?,
        event_id: row.get(1)?,
        at: row.get(2)?,
        actor: parse(row, 3)?,
        field: parse(row, 4)?,
        from: row.get(5)?,
        to: row.get(6)?,
    })
}

/// Rejects an id no event can have, before any query runs.
pub fn check_id(id: i64) -> Result<()> {
    if id < 1 {
        return Err(Error::invalid("id", format!("must be 1 or more, got {id}")));
    }
    Ok(())
}

/// All events, from the maintained counts (no table scan).
pub fn total(conn: &impl Handle) -> Result<i64> {
    let conn = conn.raw();
    Ok(
        conn.query_row("SELECT coalesce(sum(n), 0) FROM event_counts", [], |r| {
            r.get(0)
        })?,
    )
}

/// Unfinished events, and how many of them are critical, from the maintained counts.
pub fn tally(conn: &impl Handle) -> Result<Tally> {
    let conn = conn.raw();
    let mut stmt = conn.prepare_cached(
        "SELECT coalesce(sum(n), 0), coalesce(sum(CASE WHEN severity = 3 THEN n END), 0) \
         FROM event_counts WHERE status != 'completed'",
    )?;
    Ok(stmt.query_row([], |r| {
        Ok(Tally {
            unfinished: r.get(0)?,
            critical: r.get(1)?,
        })
    })?)
}

/// The largest event id, or 0 for no events.
pub fn max_id(conn: &impl Handle) -> Result<i64> {
    let conn = conn.raw();
    Ok(conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM events")?
        .query_row([], |r| r.get(0))?)
}

/// The newest change-log `seq`, or 0 for an empty log.
pub fn last_seq(conn: &impl Handle) -> Result<i64> {
    let conn = conn.raw();
    Ok(
        conn.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| {
            r.get(0)
        })?,
    )
}

pub fn find_event(conn: &impl Handle, id: i64) -> Result<Option<Event>> {
    let conn = conn.raw();
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = ?1"))?;
    Ok(stmt.query_row([id], event_from_row).optional()?)
}

pub fn load_event(conn: &impl Handle, id: i64) -> Result<Event> {
    let conn = conn.raw();
    check_id(id)?;
    find_event(conn, id)?.ok_or(Error::NotFound { id })
}

/// The event and the latest page of its history, oldest change first.
pub fn get_event(conn: &mut Conn, id: i64) -> Result<EventDetail> {
    let conn = conn.raw_mut();
    check_id(id)?;
    let tx = conn.transaction()?;
    let event = load_event(&tx, id)?;
    let page = history_page(&tx, id, i64::MAX, HISTORY_PAGE)?;
    let (details, links, labels): (Option<String>, Option<String>, Option<String>) = tx
        .prepare_cached("SELECT details, links, labels FROM events WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    tx.finish()?;
    // Links were checked (http or https) when they were stored; a hand-edited value that does
    // not parse shows as no links rather than failing the read.
    let links: Vec<Link> = links
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    Ok(EventDetail {
        event,
        history: page.changes,
        older: page.older,
        details,
        links: links.into_iter().filter(|l| is_web_link(&l.href)).collect(),
        labels: labels_from_text(labels.as_deref()),
    })
}

/// Up to `limit` (1 to 1,000) changes of event `id` before change `before` (a seq), oldest
/// first, and how many come before them.
pub fn history_before(conn: &mut Conn, id: i64, before: i64, limit: i64) -> Result<HistoryPage> {
    check_id(id)?;
    if !(1..=1_000).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            format!("must be 1 to 1000, got {limit}"),
        ));
    }
    let conn = conn.raw_mut();
    let tx = conn.transaction()?;
    load_event(&tx, id)?;
    let page = history_page(&tx, id, before, limit as usize)?;
    tx.finish()?;
    Ok(page)
}

fn history_page(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    before: i64,
    limit: usize,
) -> Result<HistoryPage> {
    let mut changes = tx
        .prepare_cached(
            "SELECT seq, event_id, at, actor, field, from_value, to_value \
             FROM changes WHERE event_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
        )?
        .query_map(rusqlite::params![id, before, limit as i64], change_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    changes.reverse();
    let older = match changes.first() {
        Some(first) => tx
            .prepare_cached("SELECT count(*) FROM changes WHERE event_id = ?1 AND seq < ?2")?
            .query_row(rusqlite::params![id, first.seq], |r| r.get(0))?,
        None => 0,
    };
    Ok(HistoryPage { changes, older })
}

/// Whether `href` is an http or https URL (the only links Eventdesk opens).
pub fn is_web_link(href: &str) -> bool {
    // Exactly as it will be opened: no leading spaces before the scheme, none after it.
    let lower = href.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && href.len() <= 2_048
        && !href.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// The JSON text saved under a setting's `key`, if any.
pub fn setting(conn: &impl Handle, key: &str) -> Result<Option<String>> {
    let conn = conn.raw();
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Every saved setting as (key, JSON text), by key.
pub fn settings(conn: &impl Handle) -> Result<Vec<(String, String)>> {
    let conn = conn.raw();
    let mut stmt = conn.prepare_cached("SELECT key, value FROM settings ORDER BY key")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Every event in id order, from one read snapshot, one at a time.
pub fn dump(conn: &mut Conn, mut each: impl FnMut(&Event) -> Result<()>) -> Result<()> {
    let conn = conn.raw_mut();
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare(&format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY id"))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            each(&event_from_row(row)?)?;
        }
    }
    tx.finish()?;
    Ok(())
}

/// Ids of the newest events that are not completed, at most `LIMIT`, newest first.
pub fn recent_unfinished<const LIMIT: usize>(conn: &impl Handle) -> Result<Vec<i64>> {
    let conn = conn.raw();
    // One seek on (status, id) per unfinished status, merged here: no walk past recently
    // completed events, and no temporary tables. The limit is a literal because SQLite
    // prepares a statement again whenever a bound LIMIT changes.
    let mut ids = Vec::with_capacity(2 * LIMIT);
    for status in [Status::Open, Status::Acknowledged] {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id FROM events WHERE status = '{}' ORDER BY id DESC LIMIT {LIMIT}",
            status.as_str()
        ))?;
        let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
        for id in rows {
            ids.push(id?);
        }
    }
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.truncate(LIMIT);
    Ok(ids)
}

/// The newest events a user completed, at most `LIMIT`.
pub fn recent_user_completed<const LIMIT: usize>(conn: &impl Handle) -> Result<Vec<Event>> {
    let conn = conn.raw();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM events INDEXED BY events_completed_by \
         WHERE status = 'completed' AND completed_by = 'user' ORDER BY id DESC LIMIT {LIMIT}"
    ))?;
    let rows = stmt.query_map([], event_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Events created in each of `minutes` minutes from `first` (Unix ms), by severity rank:
/// (minute from 0, rank, count), only the ones with events. One pass over the `created_at`
/// index.
pub fn created_per_minute(
    conn: &impl Handle,
    first: i64,
    minutes: i64,
) -> Result<Vec<(i64, i64, i64)>> {
    let conn = conn.raw();
    let mut stmt = conn.prepare_cached(
        "SELECT (created_at - ?1) / 60000, severity, count(*) FROM events \
         WHERE created_at >= ?1 AND created_at < ?2 GROUP BY 1, 2",
    )?;
    let rows = stmt.query_map([first, first + minutes * 60_000], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
