//! A view's total: exact from the maintained counts or the reader's memory where they can
//! answer, otherwise counted with SQL up to a limit and marked as a lower bound.

use crate::error::Result;
use crate::model::EventFilter;
use crate::read::memory::Memory;
use crate::read::query::needs_columns;
use crate::read::query::sql::{filter_where, SEARCH_FROM};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

/// Counting stops here for filters the maintained counts cannot answer; the total is then a
/// lower bound (`totalExact: false`).
pub const COUNT_LIMIT: i64 = 10_000;
/// Counting search hits stops here: each hit is a step through the full-text index.
pub const SEARCH_COUNT_LIMIT: i64 = 500;

/// A page's total: for a search filtered by nothing but status and severity, counted
/// exactly from the reader's hit set; otherwise [`counted_total`].
pub(crate) fn view_total(
    conn: &Connection,
    memory: Option<&Memory>,
    f: &EventFilter,
    search: Option<&str>,
) -> Result<(i64, bool)> {
    if let Some(fts) = search.filter(|_| !needs_columns(f)) {
        if let Some(n) = memory.map(|m| m.count(conn, fts, f)).transpose()?.flatten() {
            return Ok((n, true));
        }
    }
    counted_total(conn, f, search)
}

/// How many of `ids` (a few: the events snoozed now) the view of `f` and `search` holds, read
/// by id.
pub(crate) fn among(
    conn: &Connection,
    memory: Option<&Memory>,
    f: &EventFilter,
    search: Option<&str>,
    ids: &[i64],
) -> Result<i64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut w = filter_where(f, None);
    let mut ids = ids.to_vec();
    if let Some(fts) = search {
        // The search's hit set, when the reader holds it whole (the view's total was just
        // counted from it): each id tested there, not every hit of a common word listed.
        match memory.and_then(|m| m.hit_bits(fts)) {
            Some(hits) => ids.retain(|&id| hits.contains(id)),
            None => w.add(
                "events.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)",
                [Value::Text(fts.to_owned())],
            ),
        }
        if ids.is_empty() {
            return Ok(0);
        }
    }
    let list = serde_json::to_string(&ids).map_err(crate::error::Error::storage)?;
    let sql = format!(
        "SELECT count(*) FROM json_each(?) AS snoozed CROSS JOIN events \
         ON events.id = snoozed.value {}",
        w.sql()
    );
    let values = std::iter::once(Value::Text(list)).chain(w.values);
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(values), |r| r.get(0))?)
}

/// The view's total: from the maintained counts when the filter allows, otherwise counted up
/// to [`COUNT_LIMIT`] ([`SEARCH_COUNT_LIMIT`] for a search).
pub(crate) fn counted_total(
    conn: &Connection,
    f: &EventFilter,
    search: Option<&str>,
) -> Result<(i64, bool)> {
    if f.counts_are_exact() {
        let w = filter_where(f, None);
        let sql = format!("SELECT coalesce(sum(n), 0) FROM event_counts {}", w.sql());
        let n = conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(&w.values), |r| r.get(0))?;
        return Ok((n, true));
    }
    let w = filter_where(f, None);
    let (sql, values, limit) = match search {
        None => (
            format!("SELECT 1 FROM events {}", w.sql()),
            w.values,
            COUNT_LIMIT,
        ),
        Some(fts) if w.clauses.is_empty() => (
            "SELECT 1 FROM events_fts WHERE events_fts MATCH ?".to_owned(),
            vec![Value::Text(fts.to_owned())],
            SEARCH_COUNT_LIMIT,
        ),
        Some(fts) => {
            let mut values = vec![Value::Text(fts.to_owned())];
            values.extend(w.values);
            (
                format!(
                    "SELECT 1 FROM {SEARCH_FROM} AND {}",
                    w.clauses.join(" AND ")
                ),
                values,
                SEARCH_COUNT_LIMIT,
            )
        }
    };
    let sql = format!("SELECT count(*) FROM ({sql} LIMIT {})", limit + 1);
    let n: i64 = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(&values), |r| r.get(0))?;
    Ok((n.min(limit), n <= limit))
}
