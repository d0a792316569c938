//! Listing events: filters, sorts, full-text search and keyset paging. A view is read either
//! by SQL walking the index of its order (`sql`), or, when it filters by kind, source or time,
//! by one pass over the reader's columns; both place their page with the one planner
//! (`planner`) and count with `totals`.

pub(crate) mod muting;
pub(crate) mod planner;
pub(crate) mod scan;
pub(crate) mod search;
pub(crate) mod sql;
pub(crate) mod totals;

use crate::db::rows::{find_event, last_seq, max_id};
use crate::db::Handle;
use crate::error::Result;
use crate::model::{EventFilter, EventQuery, Page, SilencedView, SnoozedView, SortKey};
use crate::read::memory::{IdRead, Memory};
use planner::{assemble, plan, Known};
use rusqlite::{params_from_iter, Connection};
pub use search::fts_query;
use sql::{filter_where, read_sql, HitCheck};
pub use totals::{COUNT_LIMIT, SEARCH_COUNT_LIMIT};

/// One page of a view, in one read transaction so that rows, total and seq agree.
/// Muted events are those of the silences active at `now`.
pub(crate) fn list_events(
    conn: &mut Connection,
    memory: Option<&Memory>,
    q: &EventQuery,
    now: i64,
) -> Result<Page> {
    q.validate()?;
    let terms = search::parse(q.filter.search.as_deref().unwrap_or(""))?;
    let offset = q.offset()?;
    let tx = conn.transaction()?;
    if let Some(memory) = memory {
        memory.sync(&tx)?;
    }
    let search = search::fts_match(&tx, memory, terms.as_deref())?;
    let muting = match memory {
        Some(m) => m.silences_active(&tx, now)?,
        None => muting::active(&tx, now)?,
    };
    let snoozes = snoozed_at(&tx, now)?;
    let snoozing = !snoozes.is_empty();
    let snoozed: Vec<i64> = snoozes.iter().map(|(id, _)| *id).collect();
    // Only snoozed events: few, so the columns' sets answer (SQL would read the whole view).
    let only_snoozed = snoozing && q.filter.snoozed == SnoozedView::Only;
    let from_columns = match memory.filter(|_| muting || only_snoozed || needs_columns(&q.filter)) {
        Some(memory) => from_columns(&tx, memory, q, search.as_deref(), offset, now, &snoozed)?,
        None => None,
    };
    let page = match from_columns {
        Some(page) => page,
        None if muting || only_snoozed => {
            // With a silence active every row is read: the view counts what it mutes.
            let within = (only_snoozed && !muting).then_some(&snoozed[..]);
            muting::every_row(&tx, q, search.as_deref(), offset, now, within)?
        }
        None if q.filter.silenced == SilencedView::Only
            || q.filter.snoozed == SnoozedView::Only =>
        {
            let plan = plan(q, offset, Known::Nothing);
            assemble(q, &plan, Vec::new(), (0, true), last_seq(&tx)?)
        }
        None => from_sql(&tx, memory, q, search.as_deref(), offset, &snoozed)?,
    };
    tx.finish()?;
    Ok(Page {
        silencing: muting,
        next_wake: snoozes.iter().map(|(_, until)| *until).min(),
        ..page
    })
}

/// The events snoozed at `now`, each with the time it comes back (from the partial index of
/// snoozed events: as many rows as there are snoozes).
pub(crate) fn snoozed_at(conn: &Connection, now: i64) -> Result<Vec<(i64, i64)>> {
    let mut stmt =
        conn.prepare_cached("SELECT id, snoozed_until FROM events WHERE snoozed_until > ?1")?;
    let rows = stmt.query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether a view is answered from the reader's columns: when it filters by assignee, kind,
/// source, time or labels (each label's ids are a set kept in memory, like a search's hits). The maintained counts cannot total such a view, and once it is combined with
/// anything else (or sorted other than by time), no single index serves it, so SQL would walk
/// one and read rows only to throw most away, while one pass over the columns counts exactly
/// (benches/NOTES.md, "Views no single index serves").
pub(crate) fn needs_columns(f: &EventFilter) -> bool {
    f.assignee.is_some()
        || f.kind.is_some()
        || f.source.is_some()
        || f.from.is_some()
        || f.to.is_some()
        || !f.labels.is_empty()
}

/// A page read by SQL: the total first, then the page's rows along the order's index. The
/// events `snoozed` now (few) are counted by id; a view that hides them leaves them out
/// of its total and of the rows it walks.
fn from_sql(
    tx: &Connection,
    memory: Option<&Memory>,
    q: &EventQuery,
    search: Option<&str>,
    offset: i64,
    snoozed: &[i64],
) -> Result<Page> {
    let (mut total, exact) = totals::view_total(tx, memory, &q.filter, search)?;
    let in_view = totals::among(tx, memory, &q.filter, search, snoozed)?;
    let hide = in_view > 0 && q.filter.snoozed == SnoozedView::Hide;
    if hide {
        // A lower bound less the snoozed is still one.
        total -= in_view;
    }
    // Ids 1..=n without gaps (events are never deleted): a page of the whole view in time
    // order starts at an id known from its number, however deep, the hidden ones skipped.
    let dense = q.position.is_none()
        && q.sort.by == SortKey::Time
        && q.filter == EventFilter::default()
        && exact
        && max_id(tx)? == total + if hide { in_view } else { 0 };
    let known = if dense && hide {
        Known::Start {
            bound: start_skipping(total + in_view, offset, snoozed, q.sort.descending),
        }
    } else {
        Known::Total {
            total,
            exact,
            dense,
        }
    };
    let plan = plan(q, offset, known);
    let mut w = filter_where(&q.filter, Some(q.sort.by));
    if hide {
        // By id, which every index holds: a walk that reads only its index stays so.
        let list = serde_json::to_string(snoozed).map_err(crate::error::Error::storage)?;
        w.add(
            "events.id NOT IN (SELECT value FROM json_each(?))",
            [rusqlite::types::Value::Text(list)],
        );
    }
    let read = planner::Read {
        limit: plan.read.limit + 1,
        ..plan.read
    };
    let rows = sql::rows(tx, memory, &q.filter, &w, search, q.sort, &read)?;
    Ok(Page {
        snoozed: in_view,
        ..assemble(q, &plan, rows, (total, exact), last_seq(tx)?)
    })
}

/// The exclusive bound (an id, in view order) after which the page at `offset` of every event
/// but `hidden` starts, when ids run 1..=`n`: the bound leaves `offset` shown ids before it.
fn start_skipping(n: i64, offset: i64, hidden: &[i64], descending: bool) -> i64 {
    let mut hidden: Vec<i64> = hidden
        .iter()
        .copied()
        .filter(|&h| (1..=n).contains(&h))
        .collect();
    hidden.sort_unstable();
    // How many hidden ids come before the page when it starts after `bound`: those from the
    // view's start to the bound, itself included.
    let before = |bound: i64| -> i64 {
        let n_hidden = if descending {
            hidden.len() - hidden.partition_point(|&h| h < bound)
        } else {
            hidden.partition_point(|&h| h <= bound)
        };
        i64::try_from(n_hidden).unwrap_or(i64::MAX)
    };
    // Move the bound past as many ids as were hidden on the way, until that stops changing.
    let mut skipped = 0;
    loop {
        let bound = if descending {
            n - offset - skipped + 1
        } else {
            offset + skipped
        };
        let now = before(bound);
        if now == skipped {
            return bound;
        }
        skipped = now;
    }
}

/// A page read from one pass over the reader's columns: the exact total and the page's ids,
/// whose rows are then read by id. `None` when the columns cannot answer.
fn from_columns(
    tx: &Connection,
    memory: &Memory,
    q: &EventQuery,
    search: Option<&str>,
    offset: i64,
    now: i64,
    snoozed: &[i64],
) -> Result<Option<Page>> {
    let plan = plan(q, offset, Known::Nothing);
    let r = &plan.read;
    let read = IdRead {
        sort: q.sort,
        forward: r.forward,
        from: r.from,
        want: usize::try_from(r.limit.saturating_add(1)).unwrap_or(usize::MAX),
        skip: usize::try_from(r.offset).unwrap_or(usize::MAX),
    };
    let Some(found) = memory.page_ids(tx, search, &q.filter, &read, now, snoozed)? else {
        return Ok(None);
    };
    let total = found.total;
    let mut rows = Vec::with_capacity(found.ids.len());
    for &id in &found.ids {
        match find_event(tx, id)? {
            Some(event) => rows.push(event),
            None => {
                // Deleted behind Eventdesk's back: read this page with SQL, and the memory
                // again next time.
                memory.forget();
                return Ok(None);
            }
        }
    }
    let mut page = assemble(q, &plan, rows, (total, true), last_seq(tx)?);
    page.silenced = found.silenced;
    page.snoozed = found.snoozed;
    page.silenced_by = found.marks(page.rows.iter().map(|e| e.id));
    Ok(Some(page))
}

/// How many events that are not completed `matchers` match now, row by row (for the tool;
/// the window's reader answers from its memory).
pub fn preview_silence(
    conn: &mut crate::db::Conn,
    matchers: &[crate::model::Matcher],
) -> Result<i64> {
    let compiled = matchers
        .iter()
        .map(crate::model::Matcher::compile)
        .collect::<Result<Vec<_>>>()?;
    muting::preview(conn.raw_mut(), None, &compiled)
}

/// `EXPLAIN QUERY PLAN` of the SQL that reads the first page of `q`'s view.
pub fn explain(conn: &impl Handle, q: &EventQuery) -> Result<Vec<String>> {
    let conn = conn.raw();
    let terms = search::parse(q.filter.search.as_deref().unwrap_or(""))?;
    let search = search::fts_match(conn, None, terms.as_deref())?;
    let w = filter_where(&q.filter, Some(q.sort.by));
    let first = planner::Read {
        forward: true,
        from: None,
        limit: q.page_size,
        offset: 0,
    };
    let (sql, values) = read_sql(&w, search.as_deref(), HitCheck::AllHits, q.sort, &first);
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let rows = stmt.query_map(params_from_iter(&values), |r| r.get::<_, String>(3))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The kinds and sources present, for filter menus.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct Facets {
    pub kinds: Vec<String>,
    pub sources: Vec<String>,
}

/// Distinct kinds and sources, each read from its index (one step per distinct value).
pub fn facets(conn: &impl Handle) -> Result<Facets> {
    let conn = conn.raw();
    let distinct = |col: &str| -> Result<Vec<String>> {
        let mut stmt =
            conn.prepare_cached(&format!("SELECT DISTINCT {col} FROM events ORDER BY {col}"))?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    };
    Ok(Facets {
        kinds: distinct("kind")?,
        sources: distinct("source")?,
    })
}
