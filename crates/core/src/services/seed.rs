//! Filling an empty database with realistic events and their history, fast: the write path's
//! bulk form ([`BulkLoad`]), one transaction, no change sets (nothing is listening).

use crate::db::bulk::{BulkChange, BulkEvent, BulkLoad};
use crate::db::Conn;
use crate::error::Result;
use crate::model::{Actor, Field, Status};
use crate::services::simulator::random_event;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Events per progress report.
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
/// called after each chunk of events generated.
pub fn seed(
    conn: &mut Conn,
    count: u64,
    seed: u64,
    now_ms: i64,
    mut progress: impl FnMut(u64, u64),
) -> Result<SeedReport> {
    // One transaction for everything, through the write path's bulk form: a failed or
    // interrupted seed leaves the database as it was.
    let mut load = BulkLoad::begin(conn)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut report = SeedReport {
        events: 0,
        changes: 0,
    };
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
            load.event(BulkEvent {
                id,
                kind: new.kind,
                source: new.source,
                severity_rank: severity.rank(),
                title: new.title,
                status: status.as_str(),
                created_at: created,
                updated_at: squeeze(last),
                updated_by,
                completed: completed.map(|(at, by)| (squeeze(at), by)),
                version: 1 + i64::try_from(history.len()).unwrap_or(0),
                labels: new.labels,
            })?;
            // Changes are written in time order, as the write path would have made them: the
            // ones due before this event's creation first.
            while let Some(Reverse(due)) =
                pending.peek().copied().filter(|Reverse(c)| c.at <= created)
            {
                pending.pop();
                load.change(due.change())?;
            }
            load.change(BulkChange {
                event_id: id,
                at: created,
                actor: Actor::SIMULATOR,
                field: Field::Created,
                from: None,
                to: Status::Open.as_str(),
            })?;
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
        load.change(due.change())?;
    }
    load.finish()?;
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

    fn change(self) -> BulkChange {
        BulkChange {
            event_id: self.id,
            at: self.at,
            actor: self.actor,
            field: self.field,
            from: self.from,
            to: self.to,
        }
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
