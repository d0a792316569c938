//! The write path's bulk form, for filling an empty database at once (`seed`): the same tables
//! and guards as [`WriteTxn`](crate::db::WriteTxn) — refused on a team desk's file and on a
//! database that already has events, one transaction for everything, so that a failed or
//! interrupted load leaves the file as it was — with the per-row costs taken out: secondary
//! indexes and triggers are dropped first and rebuilt once at the end (SQLite's sorter on
//! every core), the search index is rebuilt from the rows in large flushes, the counts are
//! summed while rows go in, and rows go in many per statement. benches/NOTES.md, "Seeding",
//! has the figures.

use crate::db::Conn;
use crate::db::{rows, team_file};
use crate::error::{Error, Result};
use crate::model::{labels_text, Field, Labels};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{params_from_iter, Transaction, TransactionBehavior};
use std::collections::BTreeMap;

/// The search index's in-memory buffer while it is rebuilt: flushed to disk as a segment each
/// time it fills, so a larger buffer means fewer, larger segments and less merging (SQLite's
/// default is 1 MiB).
const SEARCH_BUFFER_WHILE_LOADING: i64 = 64 * 1024 * 1024;
/// The search index's own defaults, restored after the load: the buffer, and how many
/// segments of one level are merged as writes go on.
const SEARCH_BUFFER: i64 = 1024 * 1024;
const SEARCH_AUTOMERGE: i64 = 4;

/// One event as it is stored; times in Unix ms; the texts that repeat as `&'static str`.
pub struct BulkEvent {
    pub id: i64,
    pub kind: String,
    pub source: String,
    pub severity_rank: i64,
    pub title: String,
    pub status: &'static str,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: &'static str,
    /// When and by whom, if completed.
    pub completed: Option<(i64, &'static str)>,
    pub version: i64,
    pub labels: Labels,
}

/// One change of an event's history.
#[derive(Debug, Clone, Copy)]
pub struct BulkChange {
    pub event_id: i64,
    pub at: i64,
    /// As stored (`user`, `simulator`).
    pub actor: &'static str,
    pub field: Field,
    pub from: Option<&'static str>,
    pub to: &'static str,
}

/// A load under way: [`BulkLoad::finish`] commits it; dropped unfinished, nothing of it stays.
pub struct BulkLoad<'c> {
    tx: Transaction<'c>,
    /// The indexes and triggers dropped for the load: (kind, name, SQL to make it again).
    derived: Vec<(String, String, String)>,
    events: Rows,
    labels: Rows,
    changes: Rows,
    /// Events per (status, severity rank), for `event_counts`.
    counts: BTreeMap<(&'static str, i64), i64>,
}

impl<'c> BulkLoad<'c> {
    /// Starts a load into the empty database of `conn`.
    pub fn begin(conn: &'c mut Conn) -> Result<BulkLoad<'c>> {
        let conn = conn.raw_mut();
        if let Some(stream) = team_file(conn)? {
            return Err(Error::TeamFile { stream });
        }
        let existing = rows::total(conn)?;
        if existing > 0 {
            return Err(Error::invalid(
                "db",
                format!("already has {existing} events; seed an empty database"),
            ));
        }
        // Room to sort while indexes are built, and the sorter's helper threads (this
        // connection only).
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        conn.execute_batch(&format!(
            "PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY; PRAGMA threads = {threads};"
        ))?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let derived: Vec<(String, String, String)> = {
            let mut stmt = tx.prepare(
                "SELECT type, name, sql FROM sqlite_master \
                 WHERE tbl_name IN ('events', 'changes') AND type IN ('index', 'trigger') AND sql IS NOT NULL",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        for (kind, name, _) in &derived {
            tx.execute_batch(&format!(
                "DROP {} \"{}\"",
                kind.to_uppercase(),
                name.replace('"', "\"\"")
            ))?;
        }
        Ok(BulkLoad {
            tx,
            derived,
            events: Rows::new(
                "INSERT INTO events (id, kind, source, severity, title, status, created_at, \
                 updated_at, updated_by, completed_at, completed_by, version, labels, acked_at) \
                 VALUES ",
                14,
            ),
            labels: Rows::new("INSERT INTO event_labels (key, value, event_id) VALUES ", 3),
            changes: Rows::new(
                "INSERT INTO changes (event_id, at, actor, field, from_value, to_value) VALUES ",
                6,
            ),
            counts: BTreeMap::new(),
        })
    }

    /// Adds an event (ids given by the caller: the database was empty).
    pub fn event(&mut self, e: BulkEvent) -> Result<()> {
        let (completed_at, completed_by) = match e.completed {
            Some((at, by)) => (int(at), text(by)),
            None => (null(), null()),
        };
        *self.counts.entry((e.status, e.severity_rank)).or_default() += 1;
        let stored =
            labels_text(&e.labels).map_or_else(null, |t| ToSqlOutput::Owned(Value::Text(t)));
        // An acknowledged event was acknowledged by its last change.
        let acked_at = if e.status == "acknowledged" {
            int(e.updated_at)
        } else {
            null()
        };
        self.events.push(
            &self.tx,
            [
                int(e.id),
                ToSqlOutput::Owned(Value::Text(e.kind)),
                ToSqlOutput::Owned(Value::Text(e.source)),
                int(e.severity_rank),
                ToSqlOutput::Owned(Value::Text(e.title)),
                text(e.status),
                int(e.created_at),
                int(e.updated_at),
                text(e.updated_by),
                completed_at,
                completed_by,
                int(e.version),
                stored,
                acked_at,
            ],
        )?;
        // Labels after their event (a foreign key).
        if self.labels.would_flush(e.labels.len()) {
            self.events.flush(&self.tx)?;
        }
        for (key, value) in e.labels {
            self.labels.push(
                &self.tx,
                [
                    ToSqlOutput::Owned(Value::Text(key)),
                    ToSqlOutput::Owned(Value::Text(value)),
                    int(e.id),
                ],
            )?;
        }
        Ok(())
    }

    /// Adds a change, after the event it refers to (a foreign key); changes go in in the order
    /// given, which is their `seq` order.
    pub fn change(&mut self, c: BulkChange) -> Result<()> {
        if self.changes.would_flush(1) {
            self.events.flush(&self.tx)?;
        }
        self.changes.push(
            &self.tx,
            [
                int(c.event_id),
                int(c.at),
                text(c.actor),
                text(c.field.as_str()),
                c.from.map_or_else(null, text),
                text(c.to),
            ],
        )
    }

    /// Writes what is left, rebuilds the indexes, triggers, search index and counts, and
    /// commits.
    pub fn finish(mut self) -> Result<()> {
        // Events before their changes: the foreign key is checked row by row.
        self.events.flush(&self.tx)?;
        self.labels.flush(&self.tx)?;
        self.changes.flush(&self.tx)?;
        for (_, _, sql) in &self.derived {
            self.tx.execute_batch(sql)?;
        }
        // Rebuilt in a few large segments, unmerged; the defaults come back for the writes
        // that follow, which merge as they go.
        self.tx.execute_batch(&format!(
            "INSERT INTO events_fts (events_fts, rank) VALUES ('hashsize', {SEARCH_BUFFER_WHILE_LOADING});
             INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 0);
             INSERT INTO events_fts (events_fts) VALUES ('rebuild');
             INSERT INTO events_fts (events_fts, rank) VALUES ('hashsize', {SEARCH_BUFFER});
             INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', {SEARCH_AUTOMERGE});"
        ))?;
        self.tx.execute("DELETE FROM event_counts", [])?;
        {
            let mut add = self
                .tx
                .prepare("INSERT INTO event_counts (status, severity, n) VALUES (?1, ?2, ?3)")?;
            for ((status, severity), n) in &self.counts {
                add.execute(rusqlite::params![status, severity, n])?;
            }
        }
        self.tx.execute_batch("PRAGMA threads = 0")?;
        self.tx.commit()?;
        Ok(())
    }
}

fn text(s: &'static str) -> ToSqlOutput<'static> {
    ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
}

fn int(i: i64) -> ToSqlOutput<'static> {
    ToSqlOutput::Owned(Value::Integer(i))
}

fn null() -> ToSqlOutput<'static> {
    ToSqlOutput::Owned(Value::Null)
}

/// Rows inserted many per statement (`INSERT ... VALUES (...), (...), ...`), which saves most of
/// SQLite's per-statement cost.
struct Rows {
    head: &'static str,
    width: usize,
    values: Vec<ToSqlOutput<'static>>,
}

/// Rows per full statement.
const ROWS_PER_INSERT: usize = 64;

impl Rows {
    fn new(head: &'static str, width: usize) -> Self {
        Rows {
            head,
            width,
            values: Vec::with_capacity(width * ROWS_PER_INSERT),
        }
    }

    fn push<const N: usize>(
        &mut self,
        tx: &Transaction<'_>,
        row: [ToSqlOutput<'static>; N],
    ) -> Result<()> {
        debug_assert_eq!(N, self.width);
        self.values.extend(row);
        if self.values.len() >= self.width * ROWS_PER_INSERT {
            self.flush(tx)?;
        }
        Ok(())
    }

    /// True when pushing `rows` more rows will write this batch.
    fn would_flush(&self, rows: usize) -> bool {
        self.values.len() + rows * self.width >= self.width * ROWS_PER_INSERT
    }

    fn flush(&mut self, tx: &Transaction<'_>) -> Result<()> {
        let rows = self.values.len() / self.width;
        if rows == 0 {
            return Ok(());
        }
        let group = format!("({})", vec!["?"; self.width].join(", "));
        let sql = format!("{}{}", self.head, vec![group; rows].join(", "));
        tx.prepare_cached(&sql)?
            .execute(params_from_iter(self.values.drain(..)))?;
        Ok(())
    }
}
