//! "Since you left": what changed on the desk between two moments, from the change log — new
//! events, severities raised, events others completed or reopened, acknowledgements that timed
//! out, notes others left, events others claimed or assigned, silences made and ended — each
//! line with its count and the latest events it is about, so that an operator taking over a
//! shift sees where to look first.
//!
//! The log's times never go backwards in `seq` order (the write path's rule), so the first
//! change at or after a time is found by a binary search over `seq` (a few dozen lookups by
//! primary key), and the summary reads only the changes after it.

use crate::db::Handle;
use crate::error::{Error, Result};
use crate::model::{Actor, Severity, Silence, Timer};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use specta::Type;
use std::collections::HashSet;

/// The `settings` key of when the operator last looked at the summary (Unix ms).
pub const SEEN_SETTING: &str = "handover_seen";

/// A summary, with when the operator last looked before it (`None`: never, at this desk).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HandoverView {
    pub seen_at: Option<i64>,
    pub handover: Handover,
}

/// The most events a line names (the latest ones); its count is exact.
pub const LINE_EVENTS: usize = 10;
/// The longest span a summary covers: 31 days.
pub const MAX_SPAN_MS: i64 = 31 * 86_400_000;

/// One event a line names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Brief {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
}

/// One line of the summary: how many events, and the latest of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub count: i64,
    /// The critical ones among them (as they are now).
    pub critical: i64,
    /// The latest [`LINE_EVENTS`], latest first.
    pub events: Vec<Brief>,
}

/// A silence made or ended in the span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SilenceNote {
    pub id: i64,
    pub comment: String,
    pub author: Actor,
    /// When it was made, or when it ended.
    pub at: i64,
}

/// What changed between `since` and `until`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Handover {
    pub since: i64,
    pub until: i64,
    /// How many changes the span holds.
    pub changes: i64,
    pub created: Line,
    pub raised: Line,
    /// Completed by someone other than the reader (a source, another operator, expiry).
    pub completed: Line,
    /// Reopened by someone other than the reader.
    pub reopened: Line,
    /// Acknowledgements that timed out.
    pub timed_out: Line,
    /// Notes left by someone other than the reader.
    pub noted: Line,
    /// Claimed or assigned by someone other than the reader.
    pub assigned: Line,
    pub silences_made: Vec<SilenceNote>,
    pub silences_ended: Vec<SilenceNote>,
}

impl Handover {
    /// Whether anything happened in the span.
    pub fn is_empty(&self) -> bool {
        self.changes == 0 && self.silences_made.is_empty() && self.silences_ended.is_empty()
    }
}

/// The first `seq` whose change is at or after `at` (one past the last when none is).
pub fn first_seq_at(conn: &rusqlite::Connection, at: i64) -> Result<i64> {
    // Apart: SQLite answers min() and max() from the key's ends only one at a time (both in
    // one statement read the whole table).
    let end = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, Option<i64>>(0));
    let (Some(mut lo), Some(max)) = (
        end("SELECT min(seq) FROM changes")?,
        end("SELECT max(seq) FROM changes")?,
    ) else {
        return Ok(1);
    };
    let mut hi = max + 1;
    let mut time_at =
        conn.prepare_cached("SELECT seq, at FROM changes WHERE seq >= ?1 ORDER BY seq LIMIT 1")?;
    // Invariant: every change before `lo` is before `at`; `hi` is at or after it (or the end).
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let found: Option<(i64, i64)> = time_at
            .query_row([mid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match found {
            Some((seq, t)) if t < at => lo = seq + 1,
            Some(_) | None => hi = mid,
        }
    }
    Ok(lo)
}

/// What changed from `since` to `until` (Unix ms, both included, at most [`MAX_SPAN_MS`]
/// apart), as seen by
/// `me` (whose own completions and reopenings are left out: `user` on a desk working alone,
/// `operator:NAME` on a team desk).
pub fn summary(conn: &impl Handle, since: i64, until: i64, me: &Actor) -> Result<Handover> {
    if until < since {
        return Err(Error::invalid("since", "must not be later than until"));
    }
    if until - since > MAX_SPAN_MS {
        return Err(Error::invalid("since", "a summary covers at most 31 days"));
    }
    let conn = conn.raw();
    let from = first_seq_at(conn, since)?;
    let mine = me.as_text();
    let mut stmt = conn.prepare_cached(
        "SELECT seq, event_id, actor, field, from_value, to_value FROM changes \
         WHERE seq >= ?1 AND at <= ?2 ORDER BY seq DESC",
    )?;
    let mut rows = stmt.query(params![from, until])?;
    let mut out = Handover {
        since,
        until,
        ..Handover::default()
    };
    // Each line's events, latest first, each once.
    let mut lines: [(Vec<i64>, HashSet<i64>); 7] = Default::default();
    while let Some(r) = rows.next()? {
        out.changes += 1;
        let (event, actor, field): (i64, String, String) = (r.get(1)?, r.get(2)?, r.get(3)?);
        let (from, to): (Option<String>, String) = (r.get(4)?, r.get(5)?);
        let line = match (field.as_str(), from.as_deref(), to.as_str()) {
            ("created", _, _) => Some(0),
            ("severity", _, _) => Some(1),
            ("status", _, "completed") if actor != mine => Some(2),
            ("status", Some("completed"), _) if actor != mine => Some(3),
            ("status", Some("acknowledged"), "open")
                if actor == Actor::Timer(Timer::AckTimeout).as_text() =>
            {
                Some(4)
            }
            ("note", _, _) if actor != mine => Some(5),
            ("assignee", _, to) if actor != mine && !to.is_empty() => Some(6),
            _ => None,
        };
        if let Some(i) = line {
            let (order, seen) = &mut lines[i];
            if seen.insert(event) {
                order.push(event);
            }
        }
    }
    drop(rows);
    let mut brief = conn.prepare_cached("SELECT title, severity FROM events WHERE id = ?1")?;
    // The critical ones among a line's events, counted in one statement.
    let mut critical = conn.prepare_cached(
        "SELECT count(*) FROM events \
         WHERE severity = ?2 AND id IN (SELECT value FROM json_each(?1))",
    )?;
    let mut filled = Vec::with_capacity(lines.len());
    for (order, _) in &lines {
        let mut line = Line {
            count: i64::try_from(order.len()).unwrap_or(i64::MAX),
            ..Line::default()
        };
        if !order.is_empty() {
            let ids = serde_json::to_string(order).map_err(Error::storage)?;
            line.critical =
                critical.query_row(params![ids, Severity::Critical.rank()], |r| r.get(0))?;
        }
        for &id in order.iter().take(LINE_EVENTS) {
            let (title, rank): (String, i64) =
                brief.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            line.events.push(Brief {
                id,
                title,
                severity: Severity::from_rank(rank).unwrap_or_default(),
            });
        }
        filled.push(line);
    }
    let mut filled = filled.into_iter();
    out.created = filled.next().unwrap_or_default();
    out.raised = filled.next().unwrap_or_default();
    out.completed = filled.next().unwrap_or_default();
    out.reopened = filled.next().unwrap_or_default();
    out.timed_out = filled.next().unwrap_or_default();
    out.noted = filled.next().unwrap_or_default();
    out.assigned = filled.next().unwrap_or_default();
    let in_span = |t: i64| since <= t && t <= until;
    for s in crate::db::silences::list(conn)? {
        let first = first_version(conn, &s)?;
        if in_span(first.made_at) {
            out.silences_made.push(note(&first, first.made_at));
        }
        if in_span(s.ends_at) {
            out.silences_ended.push(note(&s, s.ends_at));
        }
    }
    Ok(out)
}

/// A silence's first version (who made it, when).
fn first_version(conn: &rusqlite::Connection, newest: &Silence) -> Result<Silence> {
    if newest.version == 1 {
        return Ok(newest.clone());
    }
    Ok(crate::db::silences::first(conn, newest.id)?.unwrap_or_else(|| newest.clone()))
}

fn note(s: &Silence, at: i64) -> SilenceNote {
    SilenceNote {
        id: s.id,
        comment: s.comment.clone(),
        author: s.author.clone(),
        at,
    }
}
