//! What changed in a range of the change log, each changed event as it is now: for a window
//! that missed pushes, and for publishing changes other processes committed.

use crate::db::rows::{last_seq, load_event, tally, total};
use crate::db::Conn;
use crate::error::{Error, Result};
use crate::model::{CatchUp, ChangeSet, Severity};
use rusqlite::{params, Connection};

/// The most events a catch-up carries.
pub const CATCH_UP_LIMIT: i64 = 2_000;

/// What changed after `since`: each changed event as it is now, in one read transaction.
pub fn changes_since(conn: &mut Conn, since: i64) -> Result<CatchUp> {
    let conn = conn.raw_mut();
    if since < 0 {
        return Err(Error::invalid(
            "since",
            format!("must be 0 or more, got {since}"),
        ));
    }
    let tx = conn.transaction()?;
    let to_seq = last_seq(&tx)?;
    let caught = if to_seq <= since {
        CatchUp {
            changes: None,
            complete: true,
        }
    } else {
        match changes_in(&tx, since, to_seq)? {
            Some(set) => CatchUp {
                changes: Some(set),
                complete: true,
            },
            None => CatchUp {
                changes: None,
                complete: false,
            },
        }
    };
    tx.finish()?;
    Ok(caught)
}

/// The changes with `after < seq <= upto` as one set, each changed event as `conn` sees it
/// now; `None` when more than [`CATCH_UP_LIMIT`] events changed.
pub(crate) fn changes_in(conn: &Connection, after: i64, upto: i64) -> Result<Option<ChangeSet>> {
    // Per event: created in the range? escalated to critical in the range?
    let ids: Vec<(i64, bool, bool)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT event_id, max(field = 'created'), \
                    max(field = 'severity' AND to_value = 'critical') \
             FROM changes WHERE seq > ?1 AND seq <= ?2 \
             GROUP BY event_id ORDER BY event_id DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![after, upto, CATCH_UP_LIMIT + 1], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    if ids.len() as i64 > CATCH_UP_LIMIT {
        return Ok(None);
    }
    let mut rows = Vec::with_capacity(ids.len());
    let mut critical = Vec::new();
    for &(id, created, escalated) in &ids {
        let event = load_event(conn, id)?;
        // An event created in the range that is critical now became critical in the range,
        // whether it was created so or escalated.
        if escalated || (created && event.severity == Severity::Critical) {
            critical.push(id);
        }
        rows.push(event);
    }
    Ok(Some(ChangeSet {
        from_seq: after + 1,
        to_seq: upto,
        rows,
        created: ids
            .iter()
            .filter(|(_, c, _)| *c)
            .map(|(id, _, _)| *id)
            .collect(),
        critical,
        total: total(conn)?,
        tally: tally(conn)?,
        reload: false,
    }))
}

/// [`changes_in`], or when too many events changed, a set that covers the range without its
/// rows and asks windows to read their views again.
pub(crate) fn published_range(conn: &Connection, after: i64, upto: i64) -> Result<ChangeSet> {
    Ok(match changes_in(conn, after, upto)? {
        Some(set) => set,
        None => ChangeSet {
            from_seq: after + 1,
            to_seq: upto,
            rows: Vec::new(),
            created: Vec::new(),
            critical: Vec::new(),
            total: total(conn)?,
            tally: tally(conn)?,
            reload: true,
        },
    })
}
