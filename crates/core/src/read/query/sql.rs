//! Views as SQL: the WHERE clause of a filter, the statement of one read (keyset bound, order,
//! limit), and the reads that stop after a page. Every user value is bound, never spliced.

use crate::db::rows::{event_from_row, max_id, EVENT_COLUMNS};
use crate::error::Result;
use crate::model::{Event, EventFilter, Severity, Sort, SortKey};
use crate::read::memory::Memory;
use crate::read::query::planner::Read;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

/// A WHERE clause and its bound values.
#[derive(Default)]
pub(crate) struct Where {
    pub(crate) clauses: Vec<String>,
    pub(crate) values: Vec<Value>,
}

impl Where {
    pub(crate) fn add(&mut self, clause: &str, values: impl IntoIterator<Item = Value>) {
        self.clauses.push(clause.to_owned());
        self.values.extend(values);
    }

    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }
}

fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// The WHERE clause of a view, search aside (see [`rows`]). `order` is the sort the rows are
/// read in, or `None` for counting. Only a filter whose index also yields that order may use
/// its index; the others are written `+column` (SQLite's way to say "do not use an index for
/// this"), so the planner walks the order's index and stops after a page instead of sorting
/// every matching row. `kind` and `source` are qualified: the search index has columns of
/// those names too.
pub(crate) fn filter_where(f: &EventFilter, order: Option<SortKey>) -> Where {
    let mut w = Where::default();
    let by_time = order.is_none_or(|o| o == SortKey::Time);
    let by_severity = order.is_none_or(|o| o == SortKey::Severity);
    let hint = |indexable: bool| if indexable { "" } else { "+" };
    if !f.statuses.is_empty() {
        let one = f.statuses.len() == 1;
        w.add(
            &format!(
                "{}status IN ({})",
                hint(order.is_none() || (one && by_time)),
                marks(f.statuses.len())
            ),
            f.statuses
                .iter()
                .map(|s| Value::Text(s.as_str().to_owned())),
        );
    }
    if !f.severities.is_empty() {
        let one = f.severities.len() == 1;
        w.add(
            &format!(
                "{}severity IN ({})",
                hint(by_severity || (one && by_time)),
                marks(f.severities.len())
            ),
            f.severities.iter().map(|s| Value::Integer(s.rank())),
        );
    }
    if let Some(min) = f.min_severity {
        w.add(
            &format!("{}severity >= ?", hint(by_severity)),
            [Value::Integer(min.rank())],
        );
    }
    if let Some(kind) = &f.kind {
        w.add(
            &format!("{}events.kind = ?", hint(by_time)),
            [Value::Text(kind.clone())],
        );
    }
    if let Some(source) = &f.source {
        w.add(
            &format!("{}events.source = ?", hint(by_time)),
            [Value::Text(source.clone())],
        );
    }
    match f.assignee.as_deref() {
        None => {}
        Some("") => w.add("+assignee IS NULL", []),
        Some(actor) => w.add(
            &format!("{}assignee = ?", hint(by_time)),
            [Value::Text(actor.to_owned())],
        ),
    }
    // Counting uses the created_at index; reading a page walks the order instead.
    if let Some(from) = f.from {
        w.add(
            &format!("{}created_at >= ?", hint(order.is_none())),
            [Value::Integer(from)],
        );
    }
    if let Some(to) = f.to {
        w.add(
            &format!("{}created_at < ?", hint(order.is_none())),
            [Value::Integer(to)],
        );
    }
    for label in &f.labels {
        w.add(
            "events.id IN (SELECT event_id FROM event_labels WHERE key = ? AND value = ?)",
            [
                Value::Text(label.key.clone()),
                Value::Text(label.value.clone()),
            ],
        );
    }
    w
}

/// The search hits of a view, walked in rowid (= id) order straight from the full-text
/// index, each joined to its event: a page stops after its rows instead of collecting every
/// match first.
pub(crate) const SEARCH_FROM: &str =
    "events_fts CROSS JOIN events ON events.id = events_fts.rowid WHERE events_fts MATCH ?";

/// The column a sort orders by (ties broken by id).
pub(crate) fn sort_column(by: SortKey) -> &'static str {
    match by {
        SortKey::Time => "id",
        SortKey::Updated => "updated_at",
        SortKey::Severity => "severity",
    }
}

/// How a search is joined to a read that is not in id order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HitCheck {
    /// Read every hit by id and sort them: for searches with few hits (and whole exports).
    AllHits,
    /// Walk the sort's index and keep the rows in the search's hit set (`search_hit(fts, id)`,
    /// see [`crate::read::memory`]): for searches with many hits, where a page is found after
    /// a few rows.
    HitSet,
}

/// Whether walking the `updated_at` index for `want` rows of a search with `hits` hits among
/// `events` is cheaper than reading every hit by id and sorting. A walk steps past about
/// `want * events / hits` index entries, each checked against the hit set; reading a hit by
/// id costs about 33 times a step (benches/NOTES.md, "Walking the `updated_at` index"). So walk
/// when `hits² * 32 > want * events`: at 1,000,000 events and a page of 51, from about
/// 1,300 hits.
fn walk_is_cheaper(hits: i64, events: i64, want: i64) -> bool {
    let hits = i128::from(hits);
    hits * hits * 32 > i128::from(want) * i128::from(events)
}

/// `EVENT_COLUMNS`, each qualified with `events.`.
fn qualified_columns() -> String {
    EVENT_COLUMNS
        .split(',')
        .map(|c| format!("events.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The SQL and bound values of one read: the view's WHERE, the keyset bound, the order.
/// A search sorted by time walks the full-text index in id order ([`SEARCH_FROM`]); a search
/// in another order filters the events by a subquery of all its hits.
pub(crate) fn read_sql(
    w: &Where,
    search: Option<&str>,
    check: HitCheck,
    sort: Sort,
    r: &Read,
) -> (String, Vec<Value>) {
    let col = sort_column(sort.by);
    // In SQL terms: does this read go towards larger values?
    let ascending = sort.descending != r.forward;
    let (dir, cmp) = if ascending {
        ("ASC", ">")
    } else {
        ("DESC", "<")
    };
    let by_time = sort.by == SortKey::Time;
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    let from = match search {
        Some(fts) if by_time => {
            values.push(Value::Text(fts.to_owned()));
            SEARCH_FROM.to_owned()
        }
        Some(fts) if check == HitCheck::AllHits => {
            clauses.push("id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)".into());
            values.push(Value::Text(fts.to_owned()));
            // No index: rows are fetched by id from the hit list, then sorted.
            "events NOT INDEXED".to_owned()
        }
        Some(fts) => {
            // The hit set was loaded for this search by `rows`.
            clauses.push("search_hit(?, id)".into());
            values.push(Value::Text(fts.to_owned()));
            "events".to_owned()
        }
        None => "events".to_owned(),
    };
    let driven = search.is_some() && by_time;
    let id = if driven { "events_fts.rowid" } else { "id" };
    clauses.extend(w.clauses.iter().cloned());
    values.extend(w.values.iter().cloned());
    if let Some((value, key)) = r.from {
        if by_time {
            clauses.push(format!("{id} {cmp} ?"));
            values.push(Value::Integer(key));
        } else {
            clauses.push(format!("({col}, id) {cmp} (?, ?)"));
            values.extend([Value::Integer(value), Value::Integer(key)]);
        }
    }
    let where_sql = match (driven, clauses.is_empty()) {
        (true, true) => String::new(),
        (true, false) => format!("AND {}", clauses.join(" AND ")),
        (false, true) => String::new(),
        (false, false) => format!("WHERE {}", clauses.join(" AND ")),
    };
    let order = if by_time {
        format!("{id} {dir}")
    } else {
        format!("{col} {dir}, id {dir}")
    };
    let sql = format!(
        "SELECT {} FROM {from} {where_sql} ORDER BY {order} LIMIT ? OFFSET ?",
        qualified_columns()
    );
    values.extend([Value::Integer(r.limit), Value::Integer(r.offset)]);
    (sql, values)
}

pub(crate) fn read_rows(conn: &Connection, sql: &str, values: &[Value]) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params_from_iter(values), event_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Reads the rows of `r`. A search sorted by severity is read one severity at a time, each
/// walked in id order from the full-text index, so it too stops after a page.
pub(crate) fn rows(
    conn: &Connection,
    memory: Option<&Memory>,
    f: &EventFilter,
    w: &Where,
    search: Option<&str>,
    sort: Sort,
    r: &Read,
) -> Result<Vec<Event>> {
    if let (Some(fts), SortKey::Updated) = (search, sort.by) {
        let want = r.limit.saturating_add(r.offset);
        let hits = match memory {
            Some(m) => m.hits(conn, fts)?,
            None => None,
        };
        let check = match hits {
            Some(n) if walk_is_cheaper(n, max_id(conn)?, want) => HitCheck::HitSet,
            _ => HitCheck::AllHits,
        };
        let (sql, values) = read_sql(w, search, check, sort, r);
        return read_rows(conn, &sql, &values);
    }
    if search.is_none() || sort.by != SortKey::Severity {
        let (sql, values) = read_sql(w, search, HitCheck::AllHits, sort, r);
        return read_rows(conn, &sql, &values);
    }
    let ascending = sort.descending != r.forward;
    let mut levels: Vec<Severity> = Severity::ALL
        .iter()
        .copied()
        .filter(|s| f.severities.is_empty() || f.severities.contains(s))
        .filter(|s| f.min_severity.is_none_or(|min| s.rank() >= min.rank()))
        .collect();
    if !ascending {
        levels.reverse();
    }
    let want = r.limit.saturating_add(r.offset);
    let mut rows = Vec::new();
    for level in levels {
        let from = match r.from {
            Some((value, id)) if level.rank() == value => Some((id, id)),
            // Levels the read passed before reaching the bound's level.
            Some((value, _)) if ascending && level.rank() < value => continue,
            Some((value, _)) if !ascending && level.rank() > value => continue,
            _ => None,
        };
        let mut lw = Where {
            clauses: w.clauses.clone(),
            values: w.values.clone(),
        };
        lw.add("severity = ?", [Value::Integer(level.rank())]);
        let time = Sort {
            by: SortKey::Time,
            descending: !ascending,
        };
        let part = Read {
            forward: true,
            from,
            limit: want - rows.len() as i64,
            offset: 0,
        };
        let (sql, values) = read_sql(&lw, search, HitCheck::AllHits, time, &part);
        rows.extend(read_rows(conn, &sql, &values)?);
        if rows.len() as i64 >= want {
            break;
        }
    }
    let skip = usize::try_from(r.offset)
        .unwrap_or(usize::MAX)
        .min(rows.len());
    rows.drain(..skip);
    Ok(rows)
}
