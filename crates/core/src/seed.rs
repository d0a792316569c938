//! Filling an empty database with realistic events and their history, fast: prepared
//! statements in large transactions, no change sets (nothing is listening).

use crate::error::{Error, Result};
use crate::events;
use crate::model::{Actor, Field, Status};
use crate::simulator::random_event;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{params, Connection, TransactionBehavior};

/// Events per transaction.
const CHUNK: u64 = 50_000;
/// Average spacing of seeded events, in ms.
const SPACING_MS: i64 = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    pub events: u64,
    pub changes: u64,
}

/// Adds `count` events, the newest created at about `now_ms`, each with a plausible history
/// (escalations, acknowledgement, completion by the simulator or a user). Refuses a database
/// that already has events, so ids keep following creation time. `progress(done, count)` is
/// called after each committed chunk.
pub fn seed(
    conn: &mut Connection,
    count: u64,
    seed: u64,
    now_ms: i64,
    mut progress: impl FnMut(u64, u64),
) -> Result<SeedReport> {
    let existing = events::total(conn)?;
    if existing > 0 {
        return Err(Error::invalid(
            "db",
            format!("already has {existing} events; seed an empty database"),
        ));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut report = SeedReport {
        events: 0,
        changes: 0,
    };
    while report.events < count {
        let n = CHUNK.min(count - report.events);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert_event = tx.prepare_cached(
                "INSERT INTO events (kind, source, severity, title, status, created_at, updated_at, \
                 updated_by, completed_at, completed_by, version) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            let mut insert_change = tx.prepare_cached(
                "INSERT INTO changes (event_id, at, actor, field, from_value, to_value) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for i in 0..n {
                // Event k of count is created about (count - k) * SPACING_MS before now.
                let ago =
                    i64::try_from(count - (report.events + i)).unwrap_or(i64::MAX / SPACING_MS);
                let created = now_ms
                    .saturating_sub(ago.saturating_mul(SPACING_MS))
                    .saturating_add(rng.random_range(0..SPACING_MS));
                let new = random_event(&mut rng);
                // History after creation: (offset ms, actor, field, from, to).
                let mut history: Vec<(i64, Actor, Field, String, String)> = Vec::new();
                let mut t = created;
                let mut severity = new.severity;
                let mut status = Status::Open;
                if rng.random_bool(0.2) {
                    if let Some(worse) = severity.escalated() {
                        t += rng.random_range(1_000..120_000);
                        history.push((
                            t,
                            Actor::Simulator,
                            Field::Severity,
                            severity.to_string(),
                            worse.to_string(),
                        ));
                        severity = worse;
                    }
                }
                if rng.random_bool(0.6) {
                    t += rng.random_range(1_000..300_000);
                    let actor = if rng.random_bool(0.5) {
                        Actor::User
                    } else {
                        Actor::Simulator
                    };
                    history.push((
                        t,
                        actor,
                        Field::Status,
                        status.to_string(),
                        Status::Acknowledged.to_string(),
                    ));
                    status = Status::Acknowledged;
                }
                let mut completed = None;
                if rng.random_bool(0.7) {
                    t += rng.random_range(1_000..900_000);
                    let actor = if rng.random_bool(0.4) {
                        Actor::User
                    } else {
                        Actor::Simulator
                    };
                    history.push((
                        t,
                        actor,
                        Field::Status,
                        status.to_string(),
                        Status::Completed.to_string(),
                    ));
                    status = Status::Completed;
                    completed = Some((t, actor));
                }
                // Nothing in the future: squeeze the history into [created, now].
                let last = history.last().map_or(created, |h| h.0);
                let squeeze = |x: i64| {
                    if last <= now_ms || last == created {
                        x
                    } else {
                        created + (x - created) * (now_ms - created).max(0) / (last - created)
                    }
                };
                let updated_by = history.last().map_or(Actor::Simulator, |h| h.1);
                insert_event.execute(params![
                    new.kind,
                    new.source,
                    severity.rank(),
                    new.title,
                    status.as_str(),
                    created,
                    squeeze(last),
                    updated_by.as_str(),
                    completed.map(|c| squeeze(c.0)),
                    completed.map(|c| c.1.as_str()),
                    1 + i64::try_from(history.len()).unwrap_or(0),
                ])?;
                let id = tx.last_insert_rowid();
                insert_change.execute(params![
                    id,
                    created,
                    Actor::Simulator.as_str(),
                    Field::Created.as_str(),
                    Option::<String>::None,
                    Status::Open.as_str()
                ])?;
                for (t, actor, field, from, to) in &history {
                    insert_change.execute(params![
                        id,
                        squeeze(*t),
                        actor.as_str(),
                        field.as_str(),
                        from,
                        to
                    ])?;
                }
                report.changes += 1 + history.len() as u64;
            }
        }
        tx.commit()?;
        report.events += n;
        progress(report.events, count);
    }
    Ok(report)
}
