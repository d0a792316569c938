//! Listing events: filters, sorts, full-text search and keyset paging, built as SQL with every
//! user value bound (never spliced). Every shape has an index, so no page scans the table.

use crate::error::{Error, Result};
use crate::events::{event_from_row, last_seq, load_event, EVENT_COLUMNS};
use crate::model::{Event, EventFilter, EventQuery, Page, Position, Severity, Sort, SortKey};
use crate::reader::{Reader, ReaderMemory, ViewRead};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

/// Counting stops here for filters the maintained counts cannot answer; the total is then a
/// lower bound (`totalExact: false`).
pub const COUNT_LIMIT: i64 = 10_000;
/// Counting search hits stops here: each hit is a step through the full-text index.
pub const SEARCH_COUNT_LIMIT: i64 = 500;
/// The longest search text accepted.
pub const MAX_SEARCH: usize = 200;

/// One required part of a search: a phrase of words, the last of them a prefix or not.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    words: Vec<String>,
    prefix: bool,
}

impl Term {
    fn render(&self) -> String {
        format!(
            "\"{}\"{}",
            self.words.join(" "),
            if self.prefix { "*" } else { "" }
        )
    }
}

/// A prefix longer than this is expanded into the terms it stands for; shorter ones have a
/// prefix index of their own (migration 004).
const INDEXED_PREFIX: usize = 3;
/// A prefix stands for at most this many distinct terms before it is left to FTS5 as a
/// prefix query.
const MAX_EXPANSION: usize = 64;

/// Parses what the user typed: each word a prefix, each `"quoted phrase"` a phrase, all
/// required. `Ok(None)` for blank input.
fn fts_terms(text: &str) -> Result<Option<Vec<Term>>> {
    let bad = |message: &str| Error::invalid("search", message);
    if text.chars().count() > MAX_SEARCH {
        return Err(bad(&format!("is longer than {MAX_SEARCH} characters")));
    }
    if text.trim().is_empty() {
        return Ok(None);
    }
    if text.matches('"').count() % 2 == 1 {
        return Err(bad("has a quote (\") that is not closed"));
    }
    let tokens = |part: &str| -> Vec<String> {
        part.split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let mut terms = Vec::new();
    for (i, part) in text.split('"').enumerate() {
        let quoted = i % 2 == 1;
        if quoted {
            let words = tokens(part);
            if !words.is_empty() {
                terms.push(Term {
                    words,
                    prefix: false,
                });
            }
        } else {
            for word in part.split_whitespace() {
                let words = tokens(word);
                if !words.is_empty() {
                    terms.push(Term {
                        words,
                        prefix: true,
                    });
                }
            }
        }
    }
    if terms.is_empty() {
        return Err(bad("has no letters or digits to search for"));
    }
    Ok(Some(terms))
}

/// Turns what the user typed into an FTS5 query: each word a prefix, each `"quoted phrase"` a
/// phrase, all required. `Ok(None)` for blank input.
pub fn fts_query(text: &str) -> Result<Option<String>> {
    Ok(fts_terms(text)?.map(|terms| terms.iter().map(Term::render).collect::<Vec<_>>().join(" ")))
}

/// [`fts_query`], with each one-word prefix longer than [`INDEXED_PREFIX`] replaced by the
/// terms of the index it stands for (`"ledger"*` → `("ledger" OR "ledgers")`): FTS5 reads a
/// prefix by merging every matching document list first, but walks an OR of terms lazily, so
/// a page stops early.
fn fts_match(
    conn: &Connection,
    memory: Option<&ReaderMemory<'_>>,
    terms: Option<&[Term]>,
) -> Result<Option<String>> {
    let Some(terms) = terms else {
        return Ok(None);
    };
    let vocabulary = |word: &str| -> Result<Vec<String>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT term FROM events_fts_terms WHERE term >= ?1 AND term < ?2 LIMIT {}",
            MAX_EXPANSION + 1
        ))?;
        let rows = stmt.query_map([word, &format!("{word}\u{10FFFF}")], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    };
    let mut parts = Vec::with_capacity(terms.len());
    for term in terms {
        let expanded = match term.words.as_slice() {
            [word] if term.prefix && word.chars().count() > INDEXED_PREFIX => {
                let found = match memory {
                    Some(m) => m.expand(conn, word, || vocabulary(word))?,
                    None => vocabulary(word)?,
                };
                match found.len() {
                    // No such term: the search matches nothing, which the prefix says too.
                    0 => None,
                    n if n > MAX_EXPANSION => None,
                    _ => Some(format!(
                        "({})",
                        found
                            .iter()
                            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
                            .collect::<Vec<_>>()
                            .join(" OR ")
                    )),
                }
            }
            _ => None,
        };
        parts.push(expanded.unwrap_or_else(|| term.render()));
    }
    // FTS5 takes an implicit AND only between phrases, not next to a parenthesised group.
    Ok(Some(parts.join(" AND ")))
}

fn check(q: &EventQuery) -> Result<()> {
    crate::events::check_query(q)?;
    let f = &q.filter;
    for (field, value) in [("kind", &f.kind), ("source", &f.source)] {
        if value.as_ref().is_some_and(|v| v.len() > 200) {
            return Err(Error::invalid(field, "is longer than 200 characters"));
        }
    }
    if let (Some(from), Some(to)) = (f.from, f.to) {
        if from >= to {
            return Err(Error::invalid(
                "to",
                format!("must be after from ({from}), got {to}"),
            ));
        }
    }
    Ok(())
}

/// A WHERE clause and its bound values.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Where {
    fn add(&mut self, clause: &str, values: impl IntoIterator<Item = Value>) {
        self.clauses.push(clause.to_owned());
        self.values.extend(values);
    }

    fn sql(&self) -> String {
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

/// The WHERE clause of a view, search aside (see [`read`]). `order` is the sort the rows are
/// read in, or `None` for counting. Only a filter whose index also yields that order may use
/// its index; the others are written `+column` (SQLite's way to say "do not use an index for
/// this"), so the planner walks the order's index and stops after a page instead of sorting
/// every matching row. `kind` and `source` are qualified: the search index has columns of
/// those names too.
fn filter_where(f: &EventFilter, order: Option<SortKey>) -> Where {
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
    w
}

/// The search hits of a view, walked in rowid (= id) order straight from the full-text
/// index, each joined to its event: a page stops after its rows instead of collecting every
/// match first.
const SEARCH_FROM: &str =
    "events_fts CROSS JOIN events ON events.id = events_fts.rowid WHERE events_fts MATCH ?";

/// A page's total: for a search filtered by nothing but status and severity, counted
/// exactly from the reader's hit set; otherwise [`counted_total`].
fn view_total(
    conn: &Connection,
    memory: &ReaderMemory<'_>,
    f: &EventFilter,
    search: Option<&str>,
) -> Result<(i64, bool)> {
    if let Some(fts) = search.filter(|_| !needs_columns(f)) {
        if let Some(n) = memory.count(conn, fts, f)? {
            return Ok((n, true));
        }
    }
    counted_total(conn, f, search)
}

/// The view's total: from the maintained counts when the filter allows, otherwise counted up
/// to [`COUNT_LIMIT`] ([`SEARCH_COUNT_LIMIT`] for a search).
fn counted_total(conn: &Connection, f: &EventFilter, search: Option<&str>) -> Result<(i64, bool)> {
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

/// The column a sort orders by (ties broken by id).
fn sort_column(by: SortKey) -> &'static str {
    match by {
        SortKey::Time => "id",
        SortKey::Updated => "updated_at",
        SortKey::Severity => "severity",
    }
}

fn sort_value(e: &Event, by: SortKey) -> i64 {
    match by {
        SortKey::Time => e.id,
        SortKey::Updated => e.updated_at,
        SortKey::Severity => e.severity.rank(),
    }
}

/// How one read runs: in view order (`forward`) or against it, from where, how many.
struct Read {
    forward: bool,
    /// Keyset bound: rows strictly after (forward) / before (backward) this (value, id).
    from: Option<(i64, i64)>,
    limit: i64,
    offset: i64,
}

/// How a search is joined to a read that is not in id order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HitCheck {
    /// Read every hit by id and sort them: for searches with few hits (and whole exports).
    AllHits,
    /// Walk the sort's index and keep the rows in the reader's hit set (`search_hit(id)`,
    /// see [`crate::reader`]): for searches with many hits, where a page is found after a few
    /// rows.
    HitSet,
}

/// Whether walking the `updated_at` index for `want` rows of a search with `hits` hits among
/// `events` is cheaper than reading every hit by id and sorting. A walk steps past about
/// `want * events / hits` index entries (about 0.06 µs each, checked against the hit set);
/// reading a hit by id costs about 2 µs. So walk when `want * events / hits * 0.06 < hits *
/// 2`, i.e. `hits² * 32 > want * events`: at 1,000,000 events and a page of 51, from about
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
fn read_sql(
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
        Some(_) => {
            // The hit set was loaded for this search by `read`.
            clauses.push("search_hit(id)".into());
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

fn read_rows(conn: &Connection, sql: &str, values: &[Value]) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params_from_iter(values), event_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Reads the rows of `r`. A search sorted by severity is read one severity at a time, each
/// walked in id order from the full-text index, so it too stops after a page.
fn read(
    conn: &Connection,
    memory: &ReaderMemory<'_>,
    f: &EventFilter,
    w: &Where,
    search: Option<&str>,
    sort: Sort,
    r: &Read,
) -> Result<Vec<Event>> {
    if let (Some(fts), SortKey::Updated) = (search, sort.by) {
        let want = r.limit.saturating_add(r.offset);
        let check = match memory.load(conn, fts)? {
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

/// `EXPLAIN QUERY PLAN` of the SQL that reads the first page of `q`'s view.
pub fn explain(conn: &Connection, q: &EventQuery) -> Result<Vec<String>> {
    let terms = fts_terms(q.filter.search.as_deref().unwrap_or(""))?;
    let search = fts_match(conn, None, terms.as_deref())?;
    let w = filter_where(&q.filter, Some(q.sort.by));
    let first = Read {
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

fn max_id(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM events")?
        .query_row([], |r| r.get(0))?)
}

/// One page of a view, in one read transaction so rows, total and seq agree.
pub fn list_events(reader: &mut Reader, q: &EventQuery) -> Result<Page> {
    check(q)?;
    let terms = fts_terms(q.filter.search.as_deref().unwrap_or(""))?;
    let offset = (q.page - 1)
        .checked_mul(q.page_size)
        .ok_or_else(|| Error::invalid("page", format!("{} is out of range", q.page)))?;
    let (conn, memory) = reader.parts();
    let tx = conn.transaction()?;
    let search = fts_match(&tx, Some(&memory), terms.as_deref())?;
    if needs_columns(&q.filter) {
        if let Some(page) = list_from_columns(&tx, &memory, q, search.as_deref(), offset)? {
            tx.finish()?;
            return Ok(page);
        }
    }
    let (total, exact) = view_total(&tx, &memory, &q.filter, search.as_deref())?;
    let w = filter_where(&q.filter, Some(q.sort.by));
    let size = q.page_size;

    // Each plan: the read, and whether rows are known to exist before / after the page when
    // the read itself cannot tell (None: tell by reading one row more).
    // The unfiltered view in time order, when ids run 1..=total without gaps (events are never
    // deleted, so they do unless a file was edited by hand): page N starts at a known id, so
    // a page asked for by number is a keyset read too, however deep.
    let dense = q.position.is_none()
        && q.sort.by == SortKey::Time
        && q.filter == EventFilter::default()
        && exact
        && max_id(&tx)? == total;
    let (plan, known_before, known_after): (Read, Option<bool>, Option<bool>) = match q.position {
        None if dense => {
            // Exclusive keyset bound: rows after it, in view order, start the page.
            let bound = if q.sort.descending {
                total - offset + 1
            } else {
                offset
            };
            (
                Read {
                    forward: true,
                    from: Some((bound, bound)),
                    limit: size,
                    offset: 0,
                },
                Some(offset > 0),
                None,
            )
        }
        Some(Position::First) => (
            Read {
                forward: true,
                from: None,
                limit: size,
                offset: 0,
            },
            Some(false),
            None,
        ),
        Some(Position::After { value, id }) => (
            Read {
                forward: true,
                from: Some((value, id)),
                limit: size,
                offset: 0,
            },
            Some(true),
            None,
        ),
        Some(Position::Before { value, id }) => (
            Read {
                forward: false,
                from: Some((value, id)),
                limit: size,
                offset: 0,
            },
            None,
            Some(true),
        ),
        Some(Position::Last) => {
            // With an exact total the last page holds the remainder, so page numbers line up.
            let rest = if exact && total > 0 {
                total - (total - 1) / size * size
            } else {
                size
            };
            (
                Read {
                    forward: false,
                    from: None,
                    limit: rest,
                    offset: 0,
                },
                None,
                Some(false),
            )
        }
        None if exact && offset > total / 2 => {
            // Deep pages are read from the end: OFFSET never walks more than half the view.
            let after = total.saturating_sub(offset).saturating_sub(size);
            let (limit, skip) = if after < 0 {
                (size + after, 0)
            } else {
                (size, after)
            };
            (
                Read {
                    forward: false,
                    from: None,
                    limit: limit.max(0),
                    offset: skip,
                },
                None,
                Some(skip > 0),
            )
        }
        None => (
            Read {
                forward: true,
                from: None,
                limit: size,
                offset,
            },
            Some(offset > 0),
            None,
        ),
    };
    let mut rows = read(
        &tx,
        &memory,
        &q.filter,
        &w,
        search.as_deref(),
        q.sort,
        &Read {
            limit: plan.limit + 1,
            ..plan
        },
    )?;
    let more = rows.len() as i64 > plan.limit;
    rows.truncate(usize::try_from(plan.limit.max(0)).unwrap_or(0));
    if !plan.forward {
        rows.reverse();
    }
    let (before, after) = if plan.forward {
        (known_before.unwrap_or(false), more)
    } else {
        (more, known_after.unwrap_or(false))
    };
    let page = page_of(q, rows, (before, after), (total, exact), last_seq(&tx)?);
    tx.finish()?;
    Ok(page)
}

/// A page of `q`'s view: its rows, with `prev`/`next` positions at its edge rows when there
/// are rows before / after it.
fn page_of(
    q: &EventQuery,
    rows: Vec<Event>,
    (before, after): (bool, bool),
    (total, total_exact): (i64, bool),
    seq: i64,
) -> Page {
    let key = |e: &Event| (sort_value(e, q.sort.by), e.id);
    Page {
        prev: rows.first().filter(|_| before).map(|e| {
            let (value, id) = key(e);
            Position::Before { value, id }
        }),
        next: rows.last().filter(|_| after).map(|e| {
            let (value, id) = key(e);
            Position::After { value, id }
        }),
        rows,
        page: q.page,
        page_size: q.page_size,
        total,
        total_exact,
        seq,
    }
}

/// Whether a view is answered from the reader's columns ([`crate::columns`]): when it filters
/// by kind, source or time. The maintained counts cannot total such a view, and once it is
/// combined with anything else (or sorted other than by time), no single index serves it, so
/// SQL would walk one and read rows only to throw most away (50-500 ms at 1,000,000 events).
/// One pass over the columns costs about 1-3 ms there and counts exactly.
fn needs_columns(f: &EventFilter) -> bool {
    f.kind.is_some() || f.source.is_some() || f.from.is_some() || f.to.is_some()
}

/// [`list_events`] from one pass over the reader's columns: the exact total, and the page's
/// ids, whose rows are then read by id. `None` when the columns cannot hold some event.
fn list_from_columns(
    tx: &Connection,
    memory: &ReaderMemory<'_>,
    q: &EventQuery,
    search: Option<&str>,
    offset: i64,
) -> Result<Option<Page>> {
    let size = q.page_size;
    let (forward, from, skip) = match q.position {
        Some(Position::First) => (true, None, 0),
        Some(Position::After { value, id }) => (true, Some((value, id)), 0),
        Some(Position::Before { value, id }) => (false, Some((value, id)), 0),
        Some(Position::Last) => (false, None, 0),
        None => (true, None, offset),
    };
    let want = usize::try_from(skip.saturating_add(size).saturating_add(1)).unwrap_or(usize::MAX);
    let read = ViewRead {
        sort: q.sort,
        forward,
        from,
        want,
    };
    let Some((total, ids)) = memory.view(tx, search, &q.filter, &read)? else {
        return Ok(None);
    };
    let page_size = usize::try_from(size).unwrap_or(usize::MAX);
    let mut ids: Vec<i64> = ids
        .into_iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .collect();
    let more = ids.len() > page_size;
    ids.truncate(page_size);
    if q.position == Some(Position::Last) && total > 0 {
        // The last page holds the remainder, so page numbers line up.
        let rest = total - (total - 1) / size * size;
        ids.truncate(usize::try_from(rest).unwrap_or(page_size));
    }
    if !forward {
        ids.reverse();
    }
    let shown = i64::try_from(ids.len()).unwrap_or(i64::MAX);
    let (before, after) = match q.position {
        Some(Position::First) => (false, more),
        Some(Position::After { .. }) => (true, more),
        Some(Position::Before { .. }) => (more, true),
        Some(Position::Last) => (total > shown, false),
        None => (skip > 0, more),
    };
    let rows = ids
        .iter()
        .map(|&id| load_event(tx, id))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(page_of(
        q,
        rows,
        (before, after),
        (total, true),
        last_seq(tx)?,
    )))
}

/// The kinds and sources present, for filter menus.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct Facets {
    pub kinds: Vec<String>,
    pub sources: Vec<String>,
}

/// Distinct kinds and sources, each read from its index (one step per distinct value).
pub fn facets(conn: &Connection) -> Result<Facets> {
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

/// What [`scan_view`] hands over: first the view's exact size, then each row.
pub enum Scanned<'a> {
    Total(i64),
    Row(&'a Event),
}

/// Walks every row of a view in view order inside one read transaction (a consistent
/// snapshot), one row at a time: nothing is collected. `each` gets the view's exact size
/// first, then the rows, and returns `false` to stop early.
pub fn scan_view(
    conn: &mut Connection,
    filter: &EventFilter,
    sort: Sort,
    mut each: impl FnMut(Scanned<'_>) -> Result<bool>,
) -> Result<()> {
    check(&EventQuery {
        filter: filter.clone(),
        sort,
        ..EventQuery::new(1, 1)
    })?;
    let terms = fts_terms(filter.search.as_deref().unwrap_or(""))?;
    let tx = conn.transaction()?;
    let search = fts_match(&tx, None, terms.as_deref())?;
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
