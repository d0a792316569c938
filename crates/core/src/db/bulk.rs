//! The write path's bulk form, for filling an empty database at once (`seed`): the same tables
//! and guards as [`WriteTxn`](crate::db::WriteTxn) — refused on a team desk's file and on a
//! database that already has events, one transaction for everything, so that a failed or
//! interrupted load leaves the file as it was — with the per-row costs taken out: secondary
//! indexes and triggers are dropped first and rebuilt once at the end, the search index and
//! the counts are rebuilt from the rows, and rows go in many per statement.

use crate::db::Conn;
use crate::db::{rows, team_file};
use crate::error::{Error, Result};
use crate::model::Field;
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{params_from_iter, Transaction, TransactionBehavior};

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
    changes: Rows,
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
        // Room to sort while indexes are built (this connection only).
        conn.execute_batch("PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;")?;
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
                 updated_at, updated_by, completed_at, completed_by, version) VALUES ",
                12,
            ),
            changes: Rows::new(
                "INSERT INTO changes (event_id, at, actor, field, from_value, to_value) VALUES ",
                6,
            ),
        })
    }

    /// Adds an event (ids given by the caller: the database was empty).
    pub fn event(&mut self, e: BulkEvent) -> Result<()> {
        let (completed_at, completed_by) = match e.completed {
            Some((at, by)) => (int(at), text(by)),
            None => (null(), null()),
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
            ],
        )
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
        self.changes.flush(&self.tx)?;
        for (_, _, sql) in &self.derived {
            self.tx.execute_batch(sql)?;
        }
        self.tx.execute_batch(
            "INSERT INTO events_fts (events_fts) VALUES ('rebuild');
             DELETE FROM event_counts;
             INSERT INTO event_counts (status, severity, n) SELECT status, severity, count(*) FROM events GROUP BY 1, 2;",
        )?;
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
