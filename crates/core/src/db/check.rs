//! A full check of a database's consistency, for `eventdesk-cli check` and crash tests: the
//! file's integrity, and the rules the write path keeps.

use crate::db::Conn;
use crate::error::Result;
use serde::Serialize;

/// What [`verify`] found; `problems` is empty for a sound database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub events: i64,
    pub last_seq: i64,
    pub problems: Vec<String>,
}

/// Checks, in one read transaction: `PRAGMA integrity_check`; the maintained counts equal the
/// events by status and severity; the change log's `seq` runs 1..=last without gaps; every
/// event's version equals its number of changes; no change precedes its event's creation and
/// change times never go backwards in `seq` order.
pub fn verify(conn: &mut Conn) -> Result<Report> {
    let conn = conn.raw_mut();
    let tx = conn.transaction()?;
    let mut problems = Vec::new();
    let integrity: Vec<String> = tx
        .prepare("PRAGMA integrity_check(20)")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if integrity != ["ok"] {
        problems.extend(integrity.into_iter().map(|p| format!("integrity: {p}")));
    }
    let one = |sql: &str| -> Result<i64> { Ok(tx.query_row(sql, [], |r| r.get(0))?) };
    let miscounted = one("SELECT count(*) FROM (
           SELECT status, severity, count(*) AS n FROM events GROUP BY 1, 2
           EXCEPT SELECT status, severity, n FROM event_counts WHERE n != 0
         )")?
        + one("SELECT count(*) FROM (
           SELECT status, severity, n FROM event_counts WHERE n != 0
           EXCEPT SELECT status, severity, count(*) FROM events GROUP BY 1, 2
         )")?;
    if miscounted > 0 {
        problems.push(format!("{miscounted} count cells differ from the events"));
    }
    let (changes, first, last) = tx.query_row(
        "SELECT count(*), coalesce(min(seq), 1), coalesce(max(seq), 0) FROM changes",
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        },
    )?;
    if first != 1 || changes != last {
        problems.push(format!(
            "the change log has gaps: {changes} changes numbered {first} to {last}"
        ));
    }
    let wrong_versions = one("SELECT count(*) FROM events e
         WHERE e.version != (SELECT count(*) FROM changes c WHERE c.event_id = e.id)")?;
    if wrong_versions > 0 {
        problems.push(format!(
            "{wrong_versions} events have a version other than their number of changes"
        ));
    }
    let early = one(
        "SELECT count(*) FROM changes c JOIN events e ON e.id = c.event_id
         WHERE c.at < e.created_at OR e.updated_at < e.created_at",
    )?;
    if early > 0 {
        problems.push(format!(
            "{early} changes are dated before their event was created"
        ));
    }
    let backwards = one(
        "SELECT count(*) FROM (SELECT at, lag(at) OVER (ORDER BY seq) AS before FROM changes)
         WHERE at < before",
    )?;
    if backwards > 0 {
        problems.push(format!(
            "{backwards} change times go backwards in seq order"
        ));
    }
    let events = one("SELECT count(*) FROM events")?;
    tx.finish()?;
    Ok(Report {
        events,
        last_seq: last,
        problems,
    })
}
