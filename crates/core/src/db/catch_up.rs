//! Catching a window up with the changes it missed, from the change log.

use crate::db::rows::{last_seq, load_event, tally, total};
use crate::error::{Error, Result};
use crate::model::{CatchUp, ChangeSet, Severity};
use rusqlite::{params, Connection};

/// The most events a catch-up carries.
pub const CATCH_UP_LIMIT: i64 = 2_000;

/// What changed after `since`: each changed event as it is now, in one read transaction.
pub fn changes_since(conn: &mut Connection, since: i64) -> Result<CatchUp> {
    if since < 0 {
        return Err(Error::invalid(
            "since",
            format!("must be 0 or more, got {since}"),
        ));
    }
    let tx = conn.transaction()?;
    let to_seq = last_seq(&tx)?;
    if to_seq <= since {
        return Ok(CatchUp {
            changes: None,
            complete: true,
        });
    }
    // Per event: created in the range? escalated to critical in the range?
    let ids: Vec<(i64, bool, bool)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT event_id, max(field = 'created'), \
                    max(field = 'severity' AND to_value = 'critical') \
             FROM changes WHERE seq > ?1 \
             GROUP BY event_id ORDER BY event_id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![since, CATCH_UP_LIMIT + 1], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    if ids.len() as i64 > CATCH_UP_LIMIT {
        return Ok(CatchUp {
            changes: None,
            complete: false,
        });
    }
    let mut rows = Vec::with_capacity(ids.len());
    let mut critical = Vec::new();
    for &(id, created, escalated) in &ids {
        let event = load_event(&tx, id)?;
        // An event created in the range that is critical now became critical in the range,
        // whether it was created so or escalated.
        if escalated || (created && event.severity == Severity::Critical) {
            critical.push(id);
        }
        rows.push(event);
    }
    let set = ChangeSet {
        from_seq: since + 1,
        to_seq,
        rows,
        created: ids
            .iter()
            .filter(|(_, c, _)| *c)
            .map(|(id, _, _)| *id)
            .collect(),
        critical,
        total: total(&tx)?,
        tally: tally(&tx)?,
    };
    tx.finish()?;
    Ok(CatchUp {
        changes: Some(set),
        complete: true,
    })
}
