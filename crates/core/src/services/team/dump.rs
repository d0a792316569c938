//! A desk's team state as canonical lines, for comparing replicas.

use super::key_order;
use crate::error::{Error, Result};
use crate::model::{Severity, Status};
use rusqlite::Connection;
use serde::Serialize;

/// How each event of a desk's file stands, what each team action did, the roster and the
/// messages refused, as canonical JSON lines (keys sorted; events in team-key order, actions
/// and refusals in stream order, members by user), so that two replicas of one stream can be
/// compared with `diff`. Local ids are left out for team events
/// (they may differ between desks).
pub fn dump(conn: &Connection, out: &mut dyn std::io::Write) -> Result<()> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct EventLine {
        dedup_key: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<i64>,
        kind: String,
        last_actor: String,
        occurrences: i64,
        severity: Severity,
        source: String,
        status: Status,
        team: Option<String>,
        title: String,
        version: i64,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ActionLine {
        action: String,
        action_id: String,
        desk: String,
        detail: Option<String>,
        event: String,
        expected_version: i64,
        offset: i64,
        operator: String,
        outcome: String,
        part: i64,
        stream: String,
        winner: Option<String>,
    }
    let tx = conn.unchecked_transaction()?;
    let mut events = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT id, team_key, kind, source, severity, title, status, updated_by, version, \
             dedup_key, occurrences FROM events",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let team: Option<String> = r.get(1)?;
            let rank: i64 = r.get(4)?;
            let status: String = r.get(6)?;
            events.push(EventLine {
                id: if team.is_none() {
                    Some(r.get(0)?)
                } else {
                    None
                },
                team,
                kind: r.get(2)?,
                source: r.get(3)?,
                severity: Severity::from_rank(rank)
                    .ok_or_else(|| Error::storage(format!("severity rank {rank}")))?,
                title: r.get(5)?,
                status: status.parse().map_err(Error::storage)?,
                last_actor: r.get(7)?,
                version: r.get(8)?,
                dedup_key: r.get(9)?,
                occurrences: r.get(10)?,
            });
        }
    }
    events.sort_by_key(|e| {
        (
            e.team.is_none(),
            e.team.as_deref().and_then(key_order),
            e.team.clone(),
            e.id,
        )
    });
    for e in &events {
        write_line(out, e)?;
    }
    let mut stmt = tx.prepare(
        "SELECT stream, stream_offset, part, action_id, desk, operator, action, event_key, \
         expected_version, outcome, winner, detail FROM team_actions \
         ORDER BY stream, stream_offset, part",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let line = ActionLine {
            stream: r.get(0)?,
            offset: r.get(1)?,
            part: r.get(2)?,
            action_id: r.get(3)?,
            desk: r.get(4)?,
            operator: r.get(5)?,
            action: r.get(6)?,
            event: r.get(7)?,
            expected_version: r.get(8)?,
            outcome: r.get(9)?,
            winner: r.get(10)?,
            detail: r.get(11)?,
        };
        write_line(out, &line)?;
    }
    for member in crate::db::team::roster(&tx)? {
        write_line(
            out,
            &serde_json::json!({ "member": member.user, "role": member.role, "name": member.name }),
        )?;
    }
    for r in crate::db::team::all_rejections(&tx)? {
        write_line(
            out,
            &serde_json::json!({ "rejected": r.offset, "user": r.user, "actionId": r.action_id,
                                 "reason": r.reason, "size": r.size }),
        )?;
    }
    Ok(())
}

/// One line of [`dump`].
fn write_line(out: &mut dyn std::io::Write, line: &impl Serialize) -> Result<()> {
    let text = serde_json::to_string(line).map_err(Error::storage)?;
    writeln!(out, "{text}").map_err(|e| Error::storage(format!("cannot write: {e}")))
}
