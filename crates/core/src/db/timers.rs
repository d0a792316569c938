//! The desk's timers ([`Timer`]) as writes: which events a policy's timers have come for,
//! when the next one comes, and the change each makes. A timer's change is an ordinary change
//! in the log by the actor `timer:NAME`, so the table, the timeline, the counts, the pushes and
//! a critical event's notice follow it the way they follow an operator's.
//!
//! On a desk working alone the desk's own loop ([`fire`]) makes the changes; on a team desk the
//! loop publishes them to the team's stream, each naming the version it saw, and every desk
//! applies them with [`apply`], so the first in the log wins and no desk doubles one.

use crate::db::rows::{check_id, load_event};
use crate::db::{Handle, WriteTxn};
use crate::error::{Error, Result};
use crate::model::{Actor, Event, Severity, Status, Timer, TimerPolicy};
use rusqlite::params;

/// The most events one pass of the timers changes (each timer), so that a policy switched on
/// over a large file completes old events in short transactions, never one long one.
pub const MAX_FIRED: usize = 500;

/// An event a timer has come for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub id: i64,
    pub version: i64,
    /// The event's key in its team, on a team desk.
    pub team_key: Option<String>,
    pub timer: Timer,
}

/// The events whose timer has come by `now` under `policy`: at most `limit` of each timer,
/// the longest overdue first.
pub fn due(conn: &impl Handle, policy: &TimerPolicy, now: i64, limit: usize) -> Result<Vec<Due>> {
    let conn = conn.raw();
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut out = Vec::new();
    let mut read = |timer: Timer, sql: &str, args: &[&dyn rusqlite::ToSql]| -> Result<()> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map(args, |r| {
            Ok(Due {
                id: r.get(0)?,
                version: r.get(1)?,
                team_key: r.get(2)?,
                timer,
            })
        })?;
        for row in rows {
            out.push(row?);
        }
        Ok(())
    };
    for severity in Severity::ALL {
        if let Some(ms) = policy.ack_timeout_ms(*severity) {
            read(
                Timer::AckTimeout,
                "SELECT id, version, team_key FROM events \
                 WHERE status = 'acknowledged' AND severity = ?1 AND acked_at <= ?2 \
                 ORDER BY acked_at LIMIT ?3",
                params![severity.rank(), now - ms, limit],
            )?;
        }
    }
    if let Some(ms) = policy.expiry_ms() {
        read(
            Timer::Expiry,
            "SELECT id, version, team_key FROM events \
             WHERE status <> 'completed' AND updated_at <= ?1 ORDER BY updated_at LIMIT ?2",
            params![now - ms, limit],
        )?;
    }
    Ok(out)
}

/// When the next timer comes under `policy` (Unix ms; it may have passed), if one waits.
pub fn next(conn: &impl Handle, policy: &TimerPolicy) -> Result<Option<i64>> {
    let conn = conn.raw();
    let mut next: Option<i64> = None;
    let mut earliest = |at: Option<i64>, ms: i64| {
        if let Some(at) = at {
            let at = at.saturating_add(ms);
            next = Some(next.map_or(at, |n| n.min(at)));
        }
    };
    for severity in Severity::ALL {
        if let Some(ms) = policy.ack_timeout_ms(*severity) {
            let at: Option<i64> = conn
                .prepare_cached(
                    "SELECT min(acked_at) FROM events \
                     WHERE status = 'acknowledged' AND severity = ?1",
                )?
                .query_row([severity.rank()], |r| r.get(0))?;
            earliest(at, ms);
        }
    }
    if let Some(ms) = policy.expiry_ms() {
        let at: Option<i64> = conn
            .prepare_cached("SELECT min(updated_at) FROM events WHERE status <> 'completed'")?
            .query_row([], |r| r.get(0))?;
        earliest(at, ms);
    }
    Ok(next)
}

/// Makes `timer`'s change to an event seen at `expected_version`: an acknowledgement that
/// timed out leaves it open, expiry completes it. A stale version is a `Conflict`; an event
/// the timer does not apply to (no longer acknowledged, completed already, or a severity the
/// policy sets no timeout for) is `InvalidInput`.
pub fn apply(
    w: &mut WriteTxn<'_>,
    id: i64,
    expected_version: i64,
    timer: Timer,
    policy: &TimerPolicy,
) -> Result<Event> {
    check_id(id)?;
    let event = w.load_expecting(id, expected_version)?;
    let to = match timer {
        Timer::AckTimeout if event.status != Status::Acknowledged => {
            return Err(Error::invalid(
                "timer",
                format!(
                    "event {id} is {}: no acknowledgement to time out",
                    event.status
                ),
            ))
        }
        Timer::AckTimeout if policy.ack_timeout_ms(event.severity).is_none() => {
            return Err(Error::invalid(
                "timer",
                format!(
                    "acknowledgements of {} events do not time out",
                    event.severity
                ),
            ))
        }
        Timer::AckTimeout => Status::Open,
        Timer::Expiry if event.status == Status::Completed => {
            return Err(Error::invalid(
                "timer",
                format!("event {id} is completed already"),
            ))
        }
        Timer::Expiry if policy.expiry_ms().is_none() => {
            return Err(Error::invalid("timer", "events do not expire"))
        }
        Timer::Expiry => Status::Completed,
        Timer::Senders => {
            return Err(Error::invalid(
                "timer",
                "the senders' timer raises and ends events of its own only",
            ))
        }
    };
    w.set_status(&event, to, &Actor::Timer(timer))?;
    load_event(w.tx(), id)
}

/// Makes the change of every timer that has come by the transaction's time under `policy`
/// (at most [`MAX_FIRED`] of each timer); returns what it changed.
pub fn fire(w: &mut WriteTxn<'_>, policy: &TimerPolicy) -> Result<Vec<Due>> {
    let now = w.now();
    let due = due(&*w, policy, now, MAX_FIRED)?;
    let mut fired = Vec::with_capacity(due.len());
    for d in due {
        // An event both timers came for is changed once: the first (its timeout) wins.
        match apply(w, d.id, d.version, d.timer, policy) {
            Ok(_) => fired.push(d),
            Err(Error::Conflict { .. } | Error::InvalidInput { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(fired)
}
