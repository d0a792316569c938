//! Filling an empty database with realistic events and their history, fast: prepared
//! statements in large transactions, no change sets (nothing is listening).

use crate::db::rows;
use crate::error::{Error, Result};
use crate::model::{Actor, Field, Status};
use crate::services::simulator::random_event;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{params_from_iter, Connection, Transaction, TransactionBehavior};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

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
    if let Some(stream) = crate::db::team_file(conn)? {
        return Err(Error::TeamFile { stream });
    }
    let existing = rows::total(conn)?;
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
    // Room to sort while indexes are built (this connection only).
    conn.execute_batch("PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;")?;
    // One transaction for everything: a failed or interrupted seed leaves the database as it
    // was. Secondary indexes and triggers are dropped first and rebuilt once at the end, which
    // is several times faster than maintaining them row by row.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let derived: Vec<(String, String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT type, name, sql FROM sqlite_master \
             WHERE tbl_name IN ('events', 'changes') AND type IN ('index', 'trigger') AND sql IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    for (kind, name, _) in &derived {
        tx.execute_batch(&format!(
            "DROP {} \"{}\"",
            kind.to_uppercase(),
            name.replace('"', "\"\"")
        ))?;
    }
    let mut events = Rows::new(
        "INSERT INTO events (id, kind, source, severity, title, status, created_at, updated_at, \
         updated_by, completed_at, completed_by, version) VALUES ",
        12,
    );
    let mut changes = Rows::new(
        "INSERT INTO changes (event_id, at, actor, field, from_value, to_value) VALUES ",
        6,
    );
    // Changes not written yet, earliest first (ties in event and history order).
    let mut pending: BinaryHeap<Reverse<Due>> = BinaryHeap::new();
    while report.events < count {
        let n = CHUNK.min(count - report.events);
        for i in 0..n {
            // The database is empty, so ids are ours to give: 1, 2, ... in creation order.
            let id = i64::try_from(report.events + i + 1).unwrap_or(i64::MAX);
            // Event k of count is created about (count - k) * SPACING_MS before now.
            let ago = i64::try_from(count - (report.events + i)).unwrap_or(i64::MAX / SPACING_MS);
            let created = now_ms
                .saturating_sub(ago.saturating_mul(SPACING_MS))
                .saturating_add(rng.random_range(0..SPACING_MS));
            let new = random_event(&mut rng);
            // History after creation: (time, actor as stored, field, from, to).
            let mut history: Vec<(i64, &'static str, Field, &'static str, &'static str)> =
                Vec::with_capacity(3);
            let mut t = created;
            let mut severity = new.severity;
            let mut status = Status::Open;
            if rng.random_bool(0.2) {
                if let Some(worse) = severity.escalated() {
                    t += rng.random_range(1_000..120_000);
                    history.push((
                        t,
                        Actor::SIMULATOR,
                        Field::Severity,
                        severity.as_str(),
                        worse.as_str(),
                    ));
                    severity = worse;
                }
            }
            // Acknowledged, then completed, each by the operator or the simulator.
            let mut completed = None;
            for (chance, wait, user_share, to) in [
                (0.6, 1_000..300_000, 0.5, Status::Acknowledged),
                (0.7, 1_000..900_000, 0.4, Status::Completed),
            ] {
                if !rng.random_bool(chance) {
                    continue;
                }
                t += rng.random_range(wait);
                let actor = if rng.random_bool(user_share) {
                    Actor::USER
                } else {
                    Actor::SIMULATOR
                };
                history.push((t, actor, Field::Status, status.as_str(), to.as_str()));
                status = to;
                if to == Status::Completed {
                    completed = Some((t, actor));
                }
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
            let updated_by = history.last().map_or(Actor::SIMULATOR, |h| h.1);
            events.push(
                &tx,
                [
                    int(id),
                    ToSqlOutput::Owned(Value::Text(new.kind)),
                    ToSqlOutput::Owned(Value::Text(new.source)),
                    int(severity.rank()),
                    ToSqlOutput::Owned(Value::Text(new.title)),
                    stat(status.as_str()),
                    int(created),
                    int(squeeze(last)),
                    stat(updated_by),
                    completed.map_or(ToSqlOutput::Owned(Value::Null), |c| int(squeeze(c.0))),
                    completed.map_or(ToSqlOutput::Owned(Value::Null), |c| stat(c.1)),
                    int(1 + i64::try_from(history.len()).unwrap_or(0)),
                ],
            )?;
            // Changes are written in time order, as the write path would have made them: the
            // ones due before this event's creation first.
            while let Some(Reverse(due)) =
                pending.peek().copied().filter(|Reverse(c)| c.at <= created)
            {
                pending.pop();
                change(&tx, &mut events, &mut changes, due)?;
            }
            change(
                &tx,
                &mut events,
                &mut changes,
                Due {
                    at: created,
                    id,
                    step: 0,
                    actor: Actor::SIMULATOR,
                    field: Field::Created,
                    from: None,
                    to: Status::Open.as_str(),
                },
            )?;
            for (step, &(t, actor, field, from, to)) in history.iter().enumerate() {
                pending.push(Reverse(Due {
                    at: squeeze(t),
                    id,
                    step: step + 1,
                    actor,
                    field,
                    from: Some(from),
                    to,
                }));
            }
            report.changes += 1 + history.len() as u64;
        }
        report.events += n;
        progress(report.events, count);
    }
    while let Some(Reverse(due)) = pending.pop() {
        change(&tx, &mut events, &mut changes, due)?;
    }
    // Events before their changes: the foreign key is checked row by row.
    events.flush(&tx)?;
    changes.flush(&tx)?;
    for (_, _, sql) in &derived {
        tx.execute_batch(sql)?;
    }
    tx.execute_batch(
        "INSERT INTO events_fts (events_fts) VALUES ('rebuild');
         DELETE FROM event_counts;
         INSERT INTO event_counts (status, severity, n) SELECT status, severity, count(*) FROM events GROUP BY 1, 2;",
    )?;
    tx.commit()?;
    Ok(report)
}

/// A change to write, ordered by time, then event, then its place in the event's history.
#[derive(Debug, Clone, Copy)]
struct Due {
    at: i64,
    id: i64,
    step: usize,
    /// As stored (`user`, `simulator`).
    actor: &'static str,
    field: Field,
    from: Option<&'static str>,
    to: &'static str,
}

impl Due {
    fn key(&self) -> (i64, i64, usize) {
        (self.at, self.id, self.step)
    }
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Due {}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

fn stat(s: &'static str) -> ToSqlOutput<'static> {
    ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
}

fn int(i: i64) -> ToSqlOutput<'static> {
    ToSqlOutput::Owned(Value::Integer(i))
}

/// Writes one change, after the events it may refer to (a foreign key).
fn change(tx: &Transaction<'_>, events: &mut Rows, changes: &mut Rows, due: Due) -> Result<()> {
    let Due {
        at,
        id,
        actor,
        field,
        from,
        to,
        ..
    } = due;
    if changes.would_flush(1) {
        events.flush(tx)?;
    }
    changes.push(
        tx,
        [
            int(id),
            int(at),
            stat(actor),
            stat(field.as_str()),
            from.map_or(ToSqlOutput::Owned(Value::Null), stat),
            stat(to),
        ],
    )
}

/// Rows inserted many per statement (`INSERT ... VALUES (...), (...), ...`), which saves most of
/// SQLite's per-statement cost.
struct Rows {
    head: &'static str,
    width: usize,
    values: Vec<ToSqlOutput<'static>>,
}

/// Rows per full statement.
const ROWS_PER_INSERT: usize = 64;

impl Rows {
    fn new(head: &'static str, width: usize) -> Self {
        Rows {
            head,
            width,
            values: Vec::with_capacity(width * ROWS_PER_INSERT),
        }
    }

    fn push<const N: usize>(
        &mut self,
        tx: &Transaction<'_>,
        row: [ToSqlOutput<'static>; N],
    ) -> Result<()> {
        debug_assert_eq!(N, self.width);
        self.values.extend(row);
        if self.values.len() >= self.width * ROWS_PER_INSERT {
            self.flush(tx)?;
        }
        Ok(())
    }

    /// True when pushing `rows` more rows will write this batch.
    fn would_flush(&self, rows: usize) -> bool {
        self.values.len() + rows * self.width >= self.width * ROWS_PER_INSERT
    }

    fn flush(&mut self, tx: &Transaction<'_>) -> Result<()> {
        let rows = self.values.len() / self.width;
        if rows == 0 {
            return Ok(());
        }
        let group = format!("({})", vec!["?"; self.width].join(", "));
        let sql = format!("{}{}", self.head, vec![group; rows].join(", "));
        tx.prepare_cached(&sql)?
            .execute(params_from_iter(self.values.drain(..)))?;
        Ok(())
    }
}
