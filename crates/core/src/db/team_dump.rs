//! What `dump --team` reads of a team file: every event as the team knows it and every action's
//! outcome, as rows (their order and printing are `services::team::dump`'s).

use crate::db::Handle;
use crate::error::{Error, Result};
use crate::model::{Severity, Status};
use rusqlite::Connection;
use serde::Serialize;

/// An event as every replica agrees on it: no local ids for team events, no local times.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DumpEvent {
    /// Who has it (an operator's actor text), when someone does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    pub dedup_key: Option<String>,
    /// Only for an event outside the team (a local one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub kind: String,
    /// Its labels as stored (a JSON object in key order), when it has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<String>,
    pub last_actor: String,
    /// Its notes' text, one per line in the order written, when it has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub occurrences: i64,
    pub severity: Severity,
    /// Snoozed until then (a time every desk agrees on: it comes from the message).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snoozed_until: Option<i64>,
    pub source: String,
    pub status: Status,
    pub team: Option<String>,
    pub title: String,
    pub version: i64,
}

/// One event's part of a team action, and how it ended.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DumpAction {
    pub action: String,
    pub action_id: String,
    pub desk: String,
    pub detail: Option<String>,
    pub event: String,
    pub expected_version: i64,
    pub offset: i64,
    pub operator: String,
    pub outcome: String,
    pub part: i64,
    pub stream: String,
    pub winner: Option<String>,
}

/// A team file's state, read in one snapshot.
pub struct TeamDump {
    /// In no particular order.
    pub events: Vec<DumpEvent>,
    /// In stream order.
    pub actions: Vec<DumpAction>,
    pub roster: Vec<crate::model::Member>,
    pub rejections: Vec<crate::model::TeamRejection>,
}

/// Reads the whole team state of `conn`'s file in one read snapshot.
pub fn snapshot(conn: &impl Handle) -> Result<TeamDump> {
    let conn = conn.raw();
    let tx = conn.unchecked_transaction()?;
    Ok(TeamDump {
        events: events(&tx)?,
        actions: actions(&tx)?,
        roster: super::team::roster(&tx)?,
        rejections: super::team::all_rejections(&tx)?,
    })
}

/// Every event, in no particular order.
fn events(conn: &Connection) -> Result<Vec<DumpEvent>> {
    let mut stmt = conn.prepare(
        "SELECT id, team_key, kind, source, severity, title, status, updated_by, version, \
         dedup_key, occurrences, labels, snoozed_until, notes, assignee FROM events",
    )?;
    let mut rows = stmt.query([])?;
    let mut events = Vec::new();
    while let Some(r) = rows.next()? {
        let team: Option<String> = r.get(1)?;
        let rank: i64 = r.get(4)?;
        let status: String = r.get(6)?;
        events.push(DumpEvent {
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
            labels: r.get(11)?,
            snoozed_until: r.get(12)?,
            notes: r.get(13)?,
            assignee: r.get(14)?,
        });
    }
    Ok(events)
}

/// Every action's outcome, in stream order.
fn actions(conn: &Connection) -> Result<Vec<DumpAction>> {
    let mut stmt = conn.prepare(
        "SELECT stream, stream_offset, part, action_id, desk, operator, action, event_key, \
         expected_version, outcome, winner, detail FROM team_actions \
         ORDER BY stream, stream_offset, part",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(DumpAction {
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
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
