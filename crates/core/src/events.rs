//! The `events` and `changes` tables: every query that reads them and every write that changes
//! them. Writes go through [`WriteTxn`], which appends to the change log as it goes.

use crate::error::{Error, Result};
use crate::model::{
    Actor, Change, ChangeSet, Event, EventDetail, EventQuery, Field, Severity, Status,
};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

pub(crate) const EVENT_COLUMNS: &str =
    "id, kind, source, severity, title, status, created_at, updated_at, \
     updated_by, completed_at, completed_by, reopened_at, reopened_by, version";

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

pub fn check_query(q: &EventQuery) -> Result<()> {
    if q.page < 1 {
        return Err(Error::invalid(
            "page",
            format!("must be 1 or more, got {}", q.page),
        ));
    }
    if !(1..=EventQuery::MAX_PAGE_SIZE).contains(&q.page_size) {
        return Err(Error::invalid(
            "pageSize",
            format!(
                "must be 1 to {}, got {}",
                EventQuery::MAX_PAGE_SIZE,
                q.page_size
            ),
        ));
    }
    Ok(())
}

/// All events, from the maintained counts (no table scan).
pub fn total(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT coalesce(sum(n), 0) FROM event_counts", [], |r| {
            r.get(0)
        })?,
    )
}

/// The newest change-log `seq`, or 0 for an empty log.
pub fn last_seq(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| {
            r.get(0)
        })?,
    )
}

pub fn find_event(conn: &Connection, id: i64) -> Result<Option<Event>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = ?1"))?;
    Ok(stmt.query_row([id], event_from_row).optional()?)
}

pub fn load_event(conn: &Connection, id: i64) -> Result<Event> {
    check_id(id)?;
    find_event(conn, id)?.ok_or(Error::NotFound { id })
}

/// The event and its history, oldest change first.
pub fn get_event(conn: &mut Connection, id: i64) -> Result<EventDetail> {
    check_id(id)?;
    let tx = conn.transaction()?;
    let event = load_event(&tx, id)?;
    let history = {
        let mut stmt = tx.prepare_cached(
            "SELECT seq, event_id, at, actor, field, from_value, to_value \
             FROM changes WHERE event_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([id], change_from_row)?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    tx.finish()?;
    Ok(EventDetail { event, history })
}

/// Ids of the newest events that are not completed, at most `LIMIT`, newest first.
pub fn recent_unfinished<const LIMIT: usize>(conn: &Connection) -> Result<Vec<i64>> {
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
pub fn recent_user_completed<const LIMIT: usize>(conn: &Connection) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM events INDEXED BY events_completed_by \
         WHERE status = 'completed' AND completed_by = 'user' ORDER BY id DESC LIMIT {LIMIT}"
    ))?;
    let rows = stmt.query_map([], event_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// What a new event starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub kind: String,
    pub source: String,
    pub severity: Severity,
    pub title: String,
}

/// An IMMEDIATE write transaction that records every change in the log and remembers which
/// events it touched, so that after commit it can say what changed ([`ChangeSet`]).
pub struct WriteTxn<'c> {
    tx: Transaction<'c>,
    now: i64,
    first_seq: Option<i64>,
    last_seq: i64,
    touched: Vec<i64>,
    /// Each touched event as this transaction left it: what the change set reports, and what
    /// a later change in the same transaction starts from, without reading the row back.
    latest: std::collections::HashMap<i64, Event>,
    created: Vec<i64>,
    critical: Vec<i64>,
    /// Net change of `event_counts` per (status, severity) cell, applied at commit.
    counts: std::collections::HashMap<(Status, Severity), i64>,
}

impl<'c> WriteTxn<'c> {
    pub fn begin(conn: &'c mut Connection, now: i64) -> Result<Self> {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        Ok(WriteTxn {
            tx,
            now,
            first_seq: None,
            last_seq: 0,
            touched: Vec::new(),
            latest: std::collections::HashMap::new(),
            created: Vec::new(),
            critical: Vec::new(),
            counts: std::collections::HashMap::new(),
        })
    }

    pub fn conn(&self) -> &Connection {
        &self.tx
    }

    pub fn now(&self) -> i64 {
        self.now
    }

    fn log(
        &mut self,
        event_id: i64,
        actor: Actor,
        field: Field,
        from: Option<&str>,
        to: &str,
    ) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO changes (event_id, at, actor, field, from_value, to_value) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        stmt.execute(params![
            event_id,
            self.now,
            actor.as_str(),
            field.as_str(),
            from,
            to
        ])?;
        let seq = self.tx.last_insert_rowid();
        self.first_seq.get_or_insert(seq);
        self.last_seq = seq;
        Ok(())
    }

    /// Moves one event between count cells (`from` is `None` for a new event).
    fn count(&mut self, from: Option<(Status, Severity)>, to: (Status, Severity)) {
        if let Some(from) = from {
            *self.counts.entry(from).or_default() -= 1;
        }
        *self.counts.entry(to).or_default() += 1;
    }

    /// Records `event` as this transaction's latest state of it.
    fn remember(&mut self, event: Event) {
        let id = event.id;
        if self.latest.insert(id, event).is_none() {
            self.touched.push(id);
        }
    }

    /// The event as it is now in this transaction: from memory if this transaction changed
    /// it, otherwise read.
    pub fn current(&self, id: i64) -> Result<Event> {
        match self.latest.get(&id) {
            Some(e) => Ok(e.clone()),
            None => load_event(&self.tx, id),
        }
    }

    /// Creates an open event and logs its creation.
    pub fn insert(&mut self, new: &NewEvent, actor: Actor) -> Result<i64> {
        let id = {
            let mut stmt = self.tx.prepare_cached(
                "INSERT INTO events (kind, source, severity, title, status, created_at, updated_at, updated_by) \
                 VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?5, ?6)",
            )?;
            stmt.execute(params![
                new.kind,
                new.source,
                new.severity.rank(),
                new.title,
                self.now,
                actor.as_str()
            ])?;
            self.tx.last_insert_rowid()
        };
        self.log(id, actor, Field::Created, None, Status::Open.as_str())?;
        self.remember(Event {
            id,
            kind: new.kind.clone(),
            source: new.source.clone(),
            severity: new.severity,
            title: new.title.clone(),
            status: Status::Open,
            created_at: self.now,
            updated_at: self.now,
            updated_by: actor,
            completed_at: None,
            completed_by: None,
            reopened_at: None,
            reopened_by: None,
            version: 1,
        });
        self.created.push(id);
        self.count(None, (Status::Open, new.severity));
        if new.severity == Severity::Critical {
            self.critical.push(id);
        }
        Ok(id)
    }

    /// Loads an event and checks the caller saw its current version.
    pub fn load_expecting(&self, id: i64, expected_version: i64) -> Result<Event> {
        let current = load_event(&self.tx, id)?;
        if current.version != expected_version {
            return Err(Error::Conflict {
                expected: expected_version,
                current: Box::new(current),
            });
        }
        Ok(current)
    }

    /// Moves `event` to `to`, keeping completion and reopening fields consistent.
    pub fn set_status(&mut self, event: &Event, to: Status, actor: Actor) -> Result<()> {
        if event.status == to {
            return Ok(());
        }
        let now = self.now;
        let (completed_at, completed_by) = match to {
            Status::Completed => (Some(now), Some(actor.as_str())),
            _ => (None, None),
        };
        let (reopened_at, reopened_by) = match (event.status, to) {
            (Status::Completed, _) => (Some(now), Some(actor.as_str())),
            (_, Status::Completed) => (None, None),
            _ => (event.reopened_at, event.reopened_by.map(Actor::as_str)),
        };
        let n = self.tx.prepare_cached(
            "UPDATE events SET status = ?2, completed_at = ?3, completed_by = ?4, reopened_at = ?5, \
             reopened_by = ?6, updated_at = ?7, updated_by = ?8, version = version + 1 \
             WHERE id = ?1 AND version = ?9",
        )?
        .execute(params![
            event.id,
            to.as_str(),
            completed_at,
            completed_by,
            reopened_at,
            reopened_by,
            now,
            actor.as_str(),
            event.version
        ])?;
        self.expect_one(n, event)?;
        self.log(
            event.id,
            actor,
            Field::Status,
            Some(event.status.as_str()),
            to.as_str(),
        )?;
        self.count(Some((event.status, event.severity)), (to, event.severity));
        self.remember(Event {
            status: to,
            completed_at,
            completed_by: completed_by.map(|_| actor),
            reopened_at,
            reopened_by: match (event.status, to) {
                (Status::Completed, _) => Some(actor),
                (_, Status::Completed) => None,
                _ => event.reopened_by,
            },
            updated_at: now,
            updated_by: actor,
            version: event.version + 1,
            ..event.clone()
        });
        Ok(())
    }

    pub fn set_severity(&mut self, event: &Event, to: Severity, actor: Actor) -> Result<()> {
        if event.severity == to {
            return Ok(());
        }
        let n = self.tx.prepare_cached(
            "UPDATE events SET severity = ?2, updated_at = ?3, updated_by = ?4, version = version + 1 \
             WHERE id = ?1 AND version = ?5",
        )?
        .execute(params![event.id, to.rank(), self.now, actor.as_str(), event.version])?;
        self.expect_one(n, event)?;
        // An event escalates to critical once (severity only rises).
        if to == Severity::Critical {
            self.critical.push(event.id);
        }
        self.log(
            event.id,
            actor,
            Field::Severity,
            Some(event.severity.as_str()),
            to.as_str(),
        )?;
        self.count(Some((event.status, event.severity)), (event.status, to));
        self.remember(Event {
            severity: to,
            updated_at: self.now,
            updated_by: actor,
            version: event.version + 1,
            ..event.clone()
        });
        Ok(())
    }

    fn expect_one(&self, updated: usize, event: &Event) -> Result<()> {
        if updated == 1 {
            return Ok(());
        }
        let current = load_event(&self.tx, event.id)?;
        Err(Error::Conflict {
            expected: event.version,
            current: Box::new(current),
        })
    }

    /// Commits, returning what changed, or `None` when nothing was written. The events this
    /// transaction created are added to the search index here, in one statement.
    pub fn commit(self) -> Result<Option<ChangeSet>> {
        {
            let mut stmt = self.tx.prepare_cached(
                "INSERT INTO event_counts (status, severity, n) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (status, severity) DO UPDATE SET n = n + excluded.n",
            )?;
            for (&(status, severity), &n) in &self.counts {
                if n != 0 {
                    stmt.execute(params![status.as_str(), severity.rank(), n])?;
                }
            }
        }
        if let (Some(first), Some(last)) = (self.created.iter().min(), self.created.iter().max()) {
            // Ids created under one IMMEDIATE transaction are consecutive: no one else inserts.
            self.tx
                .prepare_cached(
                    "INSERT INTO events_fts (rowid, title, kind, source) \
                     SELECT id, title, kind, source FROM events WHERE id BETWEEN ?1 AND ?2",
                )?
                .execute(params![first, last])?;
        }
        let set = match self.first_seq {
            None => None,
            Some(from_seq) => {
                let mut latest = self.latest;
                let rows = self
                    .touched
                    .iter()
                    .filter_map(|id| latest.remove(id))
                    .collect();
                let mut created = self.created;
                created.reverse();
                let mut critical = self.critical;
                critical.reverse();
                Some(ChangeSet {
                    from_seq,
                    to_seq: self.last_seq,
                    rows,
                    created,
                    critical,
                    total: total(&self.tx)?,
                })
            }
        };
        self.tx.commit()?;
        Ok(set)
    }
}

/// What an operator can do to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Acknowledge,
    Complete,
    Reopen,
}

impl Action {
    /// The status the action leads to.
    pub fn target(self) -> Status {
        match self {
            Action::Acknowledge => Status::Acknowledged,
            Action::Complete => Status::Completed,
            Action::Reopen => Status::Open,
        }
    }
}

/// Applies `action` to an event as `actor`. A stale `expected_version` is a `Conflict`; an
/// action that is already in effect changes nothing and returns the event; an action that does
/// not apply (acknowledging a completed event, reopening an open one) is `InvalidInput`.
pub fn apply(
    w: &mut WriteTxn<'_>,
    id: i64,
    expected_version: i64,
    action: Action,
    actor: Actor,
) -> Result<Event> {
    check_id(id)?;
    let event = w.load_expecting(id, expected_version)?;
    let to = action.target();
    let allowed = match (action, event.status) {
        (_, from) if from == to => return Ok(event),
        (Action::Acknowledge, Status::Open) => true,
        (Action::Complete, _) => true,
        (Action::Reopen, Status::Completed) => true,
        _ => false,
    };
    if !allowed {
        return Err(Error::invalid(
            "action",
            format!(
                "cannot {} event {id}: it is {}",
                action_verb(action),
                event.status
            ),
        ));
    }
    w.set_status(&event, to, actor)?;
    load_event(w.conn(), id)
}

fn action_verb(action: Action) -> &'static str {
    match action {
        Action::Acknowledge => "acknowledge",
        Action::Complete => "complete",
        Action::Reopen => "reopen",
    }
}

/// Completes an event as `actor`; see [`apply`].
pub fn complete(
    w: &mut WriteTxn<'_>,
    id: i64,
    expected_version: i64,
    actor: Actor,
) -> Result<Event> {
    apply(w, id, expected_version, Action::Complete, actor)
}

/// One event of a bulk request: its id and the version the caller saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub id: i64,
    pub expected_version: i64,
}

/// What happened to one event of a bulk request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(
    tag = "outcome",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum BulkOutcome {
    /// Applied (or already in effect); `event` is how it is now.
    Done {
        id: i64,
        event: Event,
    },
    /// Changed since the caller saw it; left alone. `current` is how it is now.
    Conflict {
        id: i64,
        current: Event,
    },
    NotFound {
        id: i64,
    },
    /// The action does not apply to the event in its state; left alone.
    Skipped {
        id: i64,
        reason: String,
    },
}

/// The most events one bulk request may name.
pub const MAX_BULK: usize = 500;

/// Applies `action` to each target in one transaction. Each event gets its own outcome; the
/// ones that conflict, are missing or do not apply are left alone.
pub fn bulk(
    w: &mut WriteTxn<'_>,
    targets: &[Target],
    action: Action,
    actor: Actor,
) -> Result<Vec<BulkOutcome>> {
    let mut out = Vec::with_capacity(targets.len());
    for t in targets {
        let outcome = match apply(w, t.id, t.expected_version, action, actor) {
            Ok(event) => BulkOutcome::Done { id: t.id, event },
            Err(Error::Conflict { current, .. }) => BulkOutcome::Conflict {
                id: t.id,
                current: *current,
            },
            Err(Error::NotFound { id }) => BulkOutcome::NotFound { id },
            Err(Error::InvalidInput { message, .. }) => BulkOutcome::Skipped {
                id: t.id,
                reason: message,
            },
            Err(e) => return Err(e),
        };
        out.push(outcome);
    }
    Ok(out)
}

pub fn check_bulk(targets: &[Target]) -> Result<()> {
    if targets.is_empty() || targets.len() > MAX_BULK {
        return Err(Error::invalid(
            "targets",
            format!("must name 1 to {MAX_BULK} events, got {}", targets.len()),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for t in targets {
        check_id(t.id)?;
        if !seen.insert(t.id) {
            return Err(Error::invalid(
                "targets",
                format!("event {} is named twice", t.id),
            ));
        }
    }
    Ok(())
}

/// Everything changed after `since`, for a UI that missed pushes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CatchUp {
    /// The changes from `since + 1` to the newest, as one set; `None` when nothing changed.
    pub changes: Option<ChangeSet>,
    /// False when more than `limit` events changed: the set is left out and the caller should
    /// read its view again instead.
    pub complete: bool,
}

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
    };
    tx.finish()?;
    Ok(CatchUp {
        changes: Some(set),
        complete: true,
    })
}
