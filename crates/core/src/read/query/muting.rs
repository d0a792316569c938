//! Views while a silence is active or an event is snoozed, without the reader's memory (a file
//! whose ids the memory cannot hold, or a reader told not to use it): every row of the view is
//! read and each is tested against the active silences and its snooze. Slow at millions of events, and right: the memory's
//! answer is checked against it.

use crate::db::rows::last_seq;
use crate::db::silences;
use crate::error::Result;
use crate::model::{
    Compiled, EventQuery, Matcher, Page, SilenceMark, SilenceState, SilencedView, SnoozedView,
};
use crate::read::memory::muting::{read_subjects, SubjectRow};
use crate::read::query::planner::{assemble, plan, sort_value, Known, Read};
use crate::read::query::sql::{filter_where, read_rows, read_sql, HitCheck};
use rusqlite::Connection;
use std::collections::HashMap;

/// The silences active at `now`, compiled, lowest id first.
fn active_silences(conn: &Connection, now: i64) -> Result<Vec<(i64, Vec<Compiled>)>> {
    let mut active: Vec<(i64, Vec<Compiled>)> = silences::list(conn)?
        .into_iter()
        .filter(|s| s.state(now) == SilenceState::Active)
        .filter_map(|s| {
            let compiled = s
                .matchers
                .iter()
                .map(Matcher::compile)
                .collect::<Result<Vec<_>>>()
                .ok()?;
            Some((s.id, compiled))
        })
        .collect();
    active.sort_by_key(|(id, _)| *id);
    Ok(active)
}

/// Whether a silence is active at `now`.
pub(crate) fn active(conn: &Connection, now: i64) -> Result<bool> {
    Ok(silences::list(conn)?
        .iter()
        .any(|s| s.state(now) == SilenceState::Active))
}

/// The page of `q` at `now`, from every row of its view.
pub(crate) fn every_row(
    conn: &Connection,
    q: &EventQuery,
    search: Option<&str>,
    offset: i64,
    now: i64,
    within: Option<&[i64]>,
) -> Result<Page> {
    let active = active_silences(conn, now)?;
    let subjects: HashMap<i64, SubjectRow> = if active.is_empty() {
        HashMap::new()
    } else {
        conn.prepare("SELECT id, source, kind, severity, title, labels FROM events")?
            .query_map([], read_subjects)?
            .map(|r| r.map(|row| (row.id, row)))
            .collect::<rusqlite::Result<_>>()?
    };
    let silence_of = |id: i64| {
        let row = subjects.get(&id)?;
        let s = row.subjects();
        active
            .iter()
            .find(|(_, matchers)| matchers.iter().all(|m| m.matches(&s)))
            .map(|(silence, _)| *silence)
    };
    // The whole view in view order (or the part of it among `within`: the few snoozed events
    // the Snoozed view shows, read by id).
    let mut w = filter_where(&q.filter, Some(q.sort.by));
    if let Some(ids) = within {
        let list = serde_json::to_string(ids).map_err(crate::error::Error::storage)?;
        w.add(
            "events.id IN (SELECT value FROM json_each(?))",
            [rusqlite::types::Value::Text(list)],
        );
    }
    let everything = Read {
        forward: true,
        from: None,
        limit: -1,
        offset: 0,
    };
    let (sql, values) = read_sql(&w, search, HitCheck::AllHits, q.sort, &everything);
    let (mut silenced, mut snoozed) = (0, 0);
    let rows: Vec<(crate::model::Event, Option<i64>)> = read_rows(conn, &sql, &values)?
        .into_iter()
        .map(|e| {
            let by = silence_of(e.id);
            (e, by)
        })
        .inspect(|(e, by)| {
            silenced += i64::from(by.is_some());
            snoozed += i64::from(e.snoozed_at(now));
        })
        .filter(|(_, by)| match q.filter.silenced {
            SilencedView::Hide => by.is_none(),
            SilencedView::Only => by.is_some(),
            SilencedView::Show => true,
        })
        .filter(|(e, _)| match q.filter.snoozed {
            SnoozedView::Hide => !e.snoozed_at(now),
            SnoozedView::Only => e.snoozed_at(now),
            SnoozedView::Show => true,
        })
        .collect();
    let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let plan = plan(
        q,
        offset,
        Known::Total {
            total,
            exact: true,
            dense: false,
        },
    );
    let r = plan.read;
    let key = |e: &crate::model::Event| (sort_value(e, q.sort.by), e.id);
    // Past `from` in the read's direction: later in view order when reading forward.
    let later = if q.sort.descending == r.forward {
        std::cmp::Ordering::Less
    } else {
        std::cmp::Ordering::Greater
    };
    let past = |e: &crate::model::Event| r.from.is_none_or(|from| key(e).cmp(&from) == later);
    let ordered: Box<dyn Iterator<Item = &(crate::model::Event, Option<i64>)>> = if r.forward {
        Box::new(rows.iter())
    } else {
        Box::new(rows.iter().rev())
    };
    let picked: Vec<&(crate::model::Event, Option<i64>)> = ordered
        .filter(|(e, _)| past(e))
        .skip(usize::try_from(r.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(r.limit.saturating_add(1)).unwrap_or(usize::MAX))
        .collect();
    let marks: Vec<SilenceMark> = picked
        .iter()
        .filter_map(|(e, by)| {
            by.map(|silence_id| SilenceMark {
                event_id: e.id,
                silence_id,
            })
        })
        .collect();
    let events = picked.into_iter().map(|(e, _)| e.clone()).collect();
    let mut page = assemble(q, &plan, events, (total, true), last_seq(conn)?);
    page.silenced = silenced;
    page.snoozed = snoozed;
    page.silenced_by = marks
        .into_iter()
        .filter(|m| page.rows.iter().any(|e| e.id == m.event_id))
        .collect();
    Ok(page)
}

/// How many events that are not completed `compiled` (all of them) match: from the reader's
/// memory when it can answer, otherwise row by row.
pub(crate) fn preview(
    conn: &mut Connection,
    memory: Option<&crate::read::memory::Memory>,
    compiled: &[Compiled],
) -> Result<i64> {
    let tx = conn.transaction()?;
    if let Some(memory) = memory {
        memory.sync(&tx)?;
        if let Some(n) = memory.preview(&tx, compiled)? {
            return Ok(n);
        }
    }
    let mut n = 0;
    let mut stmt = tx.prepare(
        "SELECT id, source, kind, severity, title, labels FROM events WHERE status != 'completed'",
    )?;
    for row in stmt.query_map([], read_subjects)? {
        let row = row?;
        let s = row.subjects();
        n += i64::from(compiled.iter().all(|m| m.matches(&s)));
    }
    Ok(n)
}

/// Which of `ids` the silences active at `now` mute: from the reader's memory when it can
/// answer, otherwise row by row.
pub(crate) fn muted(
    conn: &mut Connection,
    memory: Option<&crate::read::memory::Memory>,
    ids: &[i64],
    now: i64,
) -> Result<Vec<i64>> {
    let tx = conn.transaction()?;
    if let Some(memory) = memory {
        memory.sync(&tx)?;
        if let Some(muted) = memory.muted(&tx, ids, now)? {
            return Ok(muted);
        }
    }
    let active = active_silences(&tx, now)?;
    if active.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = tx.prepare_cached(
        "SELECT id, source, kind, severity, title, labels FROM events WHERE id = ?1",
    )?;
    let mut out = Vec::new();
    for &id in ids {
        for row in stmt.query_map([id], read_subjects)? {
            let row = row?;
            let s = row.subjects();
            if active
                .iter()
                .any(|(_, ms)| ms.iter().all(|m| m.matches(&s)))
            {
                out.push(id);
            }
        }
    }
    Ok(out)
}
