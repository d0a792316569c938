//! A whole view (filters, search and sort applied) walked row by row inside one read snapshot,
//! for exports: nothing is collected.

use crate::db::rows::event_from_row;
use crate::db::Conn;
use crate::error::Result;
use crate::model::{Event, EventFilter, Sort};
use crate::read::query::planner::Read;
use crate::read::query::search;
use crate::read::query::sql::{filter_where, read_sql, HitCheck};
use crate::read::query::totals::counted_total;
use rusqlite::params_from_iter;
use rusqlite::types::Value;

/// What [`scan_view`] hands over: first the view's exact size, then each row.
pub(crate) enum Scanned<'a> {
    Total(i64),
    Row(&'a Event),
}

/// Walks every row of a view in view order inside one read transaction (a consistent
/// snapshot), one row at a time: nothing is collected. `each` gets the view's exact size
/// first, then the rows, and returns `false` to stop early.
pub(crate) fn scan_view(
    conn: &mut Conn,
    filter: &EventFilter,
    sort: Sort,
    mut each: impl FnMut(Scanned<'_>) -> Result<bool>,
) -> Result<()> {
    let conn = conn.raw_mut();
    filter.validate()?;
    let terms = search::parse(filter.search.as_deref().unwrap_or(""))?;
    let tx = conn.transaction()?;
    let search = search::fts_match(&tx, None, terms.as_deref())?;
    let total = if filter.counts_are_exact() {
        counted_total(&tx, filter, None)?.0
    } else {
        let mut w = filter_where(filter, None);
        if let Some(fts) = &search {
            w.add(
                "id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)",
                [Value::Text(fts.clone())],
            );
        }
        tx.prepare_cached(&format!("SELECT count(*) FROM events {}", w.sql()))?
            .query_row(params_from_iter(&w.values), |r| r.get(0))?
    };
    if !each(Scanned::Total(total))? {
        return Ok(());
    }
    let w = filter_where(filter, Some(sort.by));
    let all = Read {
        forward: true,
        from: None,
        limit: -1,
        offset: 0,
    };
    let (sql, values) = read_sql(&w, search.as_deref(), HitCheck::AllHits, sort, &all);
    {
        let mut stmt = tx.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(&values))?;
        while let Some(row) = rows.next()? {
            if !each(Scanned::Row(&event_from_row(row)?))? {
                break;
            }
        }
    }
    tx.finish()?;
    Ok(())
}
