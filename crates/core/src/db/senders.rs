//! The `senders` table: who was heard through which way in, and when (migration 018). The
//! write path records a sender once per transaction that heard it ([`WriteTxn::heard`]);
//! reads say who is silent now ([`Sender::as_of`]), and find the events the desk raised about
//! senders that went quiet (keyed [`ALARM_KEY_PREFIX`]).

use crate::db::{Handle, WriteTxn};
use crate::error::{Error, Result};
use crate::model::{
    Actor, Event, NewAlarm, Sender, Status, Timer, ALARM_KEY_PREFIX, MAX_ALARMS, MAX_SENDERS,
};
use rusqlite::{params, Connection};

/// Records that `heard` (way in, name, heartbeat) were heard at `now`: a new sender (while
/// the table holds fewer than [`MAX_SENDERS`]) or a new time, gap and spread for a known one.
/// A sender heard again within the same millisecond changes only its count.
pub(crate) fn record(conn: &Connection, heard: &[(String, String, bool)], now: i64) -> Result<()> {
    let mut known = conn.prepare_cached(
        "UPDATE senders SET heartbeat = max(heartbeat, ?3), heard = heard + 1, \
         gap_ms = CASE WHEN ?4 <= last_at THEN gap_ms WHEN gap_ms IS NULL THEN ?4 - last_at \
                       ELSE (gap_ms * 7 + (?4 - last_at)) / 8 END, \
         spread_ms = CASE WHEN ?4 <= last_at OR gap_ms IS NULL THEN spread_ms \
                          ELSE (coalesce(spread_ms, 0) * 7 + abs(?4 - last_at - gap_ms)) / 8 END, \
         last_at = max(last_at, ?4) \
         WHERE way = ?1 AND name = ?2",
    )?;
    let mut new = conn.prepare_cached(
        "INSERT INTO senders (way, name, heartbeat, first_at, last_at, heard) \
         VALUES (?1, ?2, ?3, ?4, ?4, 1)",
    )?;
    // How many senders there are, counted once, when the first new one comes.
    let mut count: Option<i64> = None;
    for (way, name, heartbeat) in heard {
        if known.execute(params![way, name, heartbeat, now])? > 0 {
            continue;
        }
        let n = match count {
            Some(n) => n,
            None => conn.query_row("SELECT count(*) FROM senders", [], |r| r.get(0))?,
        };
        count = Some(n);
        // A full table takes no new sender; the known ones after it are still heard.
        if n >= MAX_SENDERS {
            continue;
        }
        new.execute(params![way, name, heartbeat, now])?;
        count = Some(n + 1);
    }
    Ok(())
}

/// Every sender, as of `now`: the silent ones first (the longest silent first), then by way
/// and name.
pub fn list(conn: &impl Handle, now: i64) -> Result<Vec<Sender>> {
    let conn = conn.raw();
    let mut stmt = conn.prepare_cached(
        "SELECT way, name, heartbeat, first_at, last_at, heard, gap_ms, spread_ms \
         FROM senders ORDER BY way, name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Sender {
            way: r.get(0)?,
            name: r.get(1)?,
            heartbeat: r.get(2)?,
            first_at: r.get(3)?,
            last_at: r.get(4)?,
            heard: r.get(5)?,
            gap_ms: r.get(6)?,
            spread_ms: r.get(7)?,
            silent_since: None,
            learned: false,
        })
    })?;
    let mut all = rows
        .map(|r| r.map(|s| s.as_of(now)))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    all.sort_by_key(|s| s.silent_since.is_none());
    Ok(all)
}

/// The unfinished events the desk raised about quiet senders, each with its key.
pub fn open_alarms(conn: &impl Handle) -> Result<Vec<(String, Event)>> {
    let conn = conn.raw();
    let end = format!("{}\u{10FFFF}", ALARM_KEY_PREFIX);
    let mut stmt = conn.prepare_cached(
        "SELECT id, dedup_key FROM events \
         WHERE dedup_key >= ?1 AND dedup_key < ?2 AND status <> 'completed'",
    )?;
    let ids = stmt
        .query_map(params![ALARM_KEY_PREFIX, end], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    ids.into_iter()
        .map(|(id, key)| Ok((key, crate::db::rows::load_event(conn, id)?)))
        .collect()
}

/// Raises the desk's own event about a sender that went quiet (a lost heartbeat is
/// critical, a silent sender a warning), by the senders' timer.
pub fn raise(w: &mut WriteTxn<'_>, sender: &Sender) -> Result<i64> {
    let alarm = NewAlarm::about(sender);
    w.insert(
        &crate::db::NewEvent {
            kind: alarm.kind.into(),
            source: sender.name.clone(),
            severity: alarm.severity,
            title: alarm.title,
            dedup_key: Some(sender.alarm_key()),
            labels: alarm.labels,
            ..crate::db::NewEvent::default()
        },
        &Actor::Timer(Timer::Senders),
    )
}

/// Completes the desk's event about a sender that was heard again (or is gone).
pub fn end(w: &mut WriteTxn<'_>, event: &Event) -> Result<()> {
    if event.status == Status::Completed {
        return Err(Error::invalid("event", "is completed already"));
    }
    w.set_status(event, Status::Completed, &Actor::Timer(Timer::Senders))
}

/// What the senders' timer has to do as of a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quiet {
    /// Silent senders the desk has raised no event about yet.
    pub raise: Vec<Sender>,
    /// The desk's events about senders heard again (or no longer known).
    pub end: Vec<Event>,
    /// When the next sender that is heard now becomes silent.
    pub next: Option<i64>,
}

/// What the senders' timer has to do as of `now`.
pub fn quiet(conn: &impl Handle, now: i64) -> Result<Quiet> {
    let senders = list(conn, now)?;
    let alarms = open_alarms(conn)?;
    let mut quiet = Quiet::default();
    for s in &senders {
        match s.silent_since {
            Some(_) if !alarms.iter().any(|(key, _)| *key == s.alarm_key()) => {
                quiet.raise.push(s.clone());
            }
            Some(_) => {}
            None => {
                if let Some(at) = s.silent_after() {
                    quiet.next = Some(quiet.next.map_or(at, |n| n.min(at)));
                }
            }
        }
    }
    let held = alarms.len();
    for (key, event) in alarms {
        let silent = senders
            .iter()
            .any(|s| s.silent_since.is_some() && s.alarm_key() == key);
        if !silent {
            quiet.end.push(event);
        }
    }
    // At most MAX_ALARMS open at once, counting those that stay.
    quiet
        .raise
        .truncate(MAX_ALARMS.saturating_sub(held - quiet.end.len()));
    Ok(quiet)
}

/// Raises and ends the desk's events about quiet senders as of the transaction's time (a desk
/// working alone); returns how many it changed, and when the next sender becomes silent.
pub fn fire(w: &mut WriteTxn<'_>) -> Result<(usize, Option<i64>)> {
    let q = quiet(&*w, w.now())?;
    for sender in &q.raise {
        raise(w, sender)?;
    }
    for event in &q.end {
        end(w, event)?;
    }
    Ok((q.raise.len() + q.end.len(), q.next))
}
