//! An independent reference for views: every event read with a plain `SELECT` on the file and
//! mapped by this file's own code, then filtered, searched, sorted and paged here with nothing
//! from the query engine (no `Severity::rank`, no derived orderings, no `list_events`).

use eventdesk_core::{Actor, Event, EventFilter, Labels, Severity, Sort, SortKey, Status};
use rusqlite::{Connection, OpenFlags};
use std::collections::HashMap;
use std::path::Path;

/// This file's own severity table: the stored rank, and how bad each level is.
const SEVERITIES: [(i64, Severity); 4] = [
    (0, Severity::Info),
    (1, Severity::Warning),
    (2, Severity::Error),
    (3, Severity::Critical),
];

/// How bad `s` is, from [`SEVERITIES`].
pub fn badness(s: Severity) -> i64 {
    SEVERITIES
        .iter()
        .find(|(_, level)| *level == s)
        .map(|(rank, _)| *rank)
        .expect("every severity is in the table")
}

fn status(text: &str) -> Status {
    match text {
        "open" => Status::Open,
        "acknowledged" => Status::Acknowledged,
        "completed" => Status::Completed,
        other => panic!("unknown status {other:?} in the file"),
    }
}

fn actor(text: &str) -> Actor {
    match text {
        "user" => Actor::User,
        "simulator" => Actor::Simulator,
        other => match other.split_once(':') {
            Some(("operator", name)) if !name.is_empty() => Actor::Operator(name.to_owned()),
            Some(("source", name)) if !name.is_empty() => Actor::Source(name.to_owned()),
            _ => panic!("unknown actor {other:?} in the file"),
        },
    }
}

/// Every event in the file at `path`, by a plain `SELECT` on a read-only connection, in id
/// order.
pub fn plain_events(path: &Path) -> Vec<Event> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT id, kind, source, severity, title, status, created_at, updated_at, updated_by, \
             completed_at, completed_by, reopened_at, reopened_by, version, dedup_key, \
             occurrences, coalesce(last_seen_at, created_at), team_key, snoozed_until, assignee \
             FROM events ORDER BY id",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            let rank: i64 = r.get(3)?;
            let severity = SEVERITIES
                .iter()
                .find(|(k, _)| *k == rank)
                .map(|(_, s)| *s)
                .expect("a known severity rank");
            let opt_actor = |i: usize| -> rusqlite::Result<Option<Actor>> {
                Ok(r.get::<_, Option<String>>(i)?.as_deref().map(actor))
            };
            Ok(Event {
                id: r.get(0)?,
                kind: r.get(1)?,
                source: r.get(2)?,
                severity,
                title: r.get(4)?,
                status: status(&r.get::<_, String>(5)?),
                created_at: r.get(6)?,
                updated_at: r.get(7)?,
                updated_by: actor(&r.get::<_, String>(8)?),
                completed_at: r.get(9)?,
                completed_by: opt_actor(10)?,
                reopened_at: r.get(11)?,
                reopened_by: opt_actor(12)?,
                version: r.get(13)?,
                dedup_key: r.get(14)?,
                occurrences: r.get(15)?,
                last_seen_at: r.get(16)?,
                team_key: r.get(17)?,
                snoozed_until: r.get(18)?,
                assignee: opt_actor(19)?,
            })
        })
        .unwrap();
    rows.collect::<rusqlite::Result<Vec<_>>>().unwrap()
}

/// Lower-cased runs of letters and digits: how the search splits text into words.
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The documented search rules, written plainly: outside quotes each whitespace-separated word
/// must match, its tokens in a row in one column with the last one a prefix; a quoted phrase's
/// tokens must appear in a row in one column. Title, kind and source are searched.
pub fn search_matches(e: &Event, search: &str) -> bool {
    let columns = [tokens(&e.title), tokens(&e.kind), tokens(&e.source)];
    let has_run = |words: &[String], last_is_prefix: bool| {
        columns.iter().any(|c| {
            c.windows(words.len()).any(|w| {
                w.iter().zip(words).enumerate().all(|(i, (got, want))| {
                    if last_is_prefix && i == words.len() - 1 {
                        got.starts_with(want.as_str())
                    } else {
                        got == want
                    }
                })
            })
        })
    };
    search.split('"').enumerate().all(|(i, part)| {
        if i % 2 == 1 {
            let phrase = tokens(part);
            phrase.is_empty() || has_run(&phrase, false)
        } else {
            part.split_whitespace().all(|word| {
                let words = tokens(word);
                words.is_empty() || has_run(&words, true)
            })
        }
    })
}

/// Every event's labels in the file at `path`, from the copy kept for showing them
/// (`events.labels`), not the index views filter with.
pub fn plain_labels(path: &Path) -> HashMap<i64, Labels> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut stmt = conn
        .prepare("SELECT id, labels FROM events WHERE labels IS NOT NULL")
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            let text: String = r.get(1)?;
            Ok((r.get(0)?, serde_json::from_str(&text).unwrap()))
        })
        .unwrap();
    rows.collect::<rusqlite::Result<_>>().unwrap()
}

/// Whether `e`, carrying `labels`, is in the view of `f`.
pub fn in_view_labelled(e: &Event, labels: &Labels, f: &EventFilter) -> bool {
    (f.statuses.is_empty() || f.statuses.contains(&e.status))
        && (f.severities.is_empty() || f.severities.contains(&e.severity))
        && f.min_severity
            .is_none_or(|m| badness(e.severity) >= badness(m))
        && f.kind.as_ref().is_none_or(|k| &e.kind == k)
        && f.source.as_ref().is_none_or(|s| &e.source == s)
        && f.from.is_none_or(|t| e.created_at >= t)
        && f.to.is_none_or(|t| e.created_at < t)
        && f.search.as_ref().is_none_or(|s| search_matches(e, s))
        && f.assignee.as_deref().is_none_or(|a| match &e.assignee {
            None => a.is_empty(),
            Some(to) => to.as_text() == a,
        })
        && f.labels
            .iter()
            .all(|l| labels.get(&l.key) == Some(&l.value))
}

/// The view of `f` (which names no labels) in `sort` order.
pub fn view(all: &[Event], f: &EventFilter, sort: Sort) -> Vec<Event> {
    assert!(
        f.labels.is_empty(),
        "a view with labels needs them: view_labelled"
    );
    view_labelled(all, &HashMap::new(), f, sort)
}

/// The view of `f` in `sort` order (ties by id, in the same direction), each event carrying
/// its labels in `labels` (none when absent).
pub fn view_labelled(
    all: &[Event],
    labels: &HashMap<i64, Labels>,
    f: &EventFilter,
    sort: Sort,
) -> Vec<Event> {
    let none = Labels::new();
    let mut rows: Vec<Event> = all
        .iter()
        .filter(|e| in_view_labelled(e, labels.get(&e.id).unwrap_or(&none), f))
        .cloned()
        .collect();
    let key = |e: &Event| match sort.by {
        SortKey::Time => (e.id, e.id),
        SortKey::Updated => (e.updated_at, e.id),
        SortKey::Severity => (badness(e.severity), e.id),
    };
    rows.sort_by(|a, b| {
        let order = key(a).cmp(&key(b));
        if sort.descending {
            order.reverse()
        } else {
            order
        }
    });
    rows
}

/// Page `n` (1-based) of `rows` at `size` rows a page.
pub fn page(rows: &[Event], n: usize, size: usize) -> &[Event] {
    let start = (n - 1).saturating_mul(size).min(rows.len());
    &rows[start..(start + size).min(rows.len())]
}

#[test]
fn the_reference_matcher_follows_the_documented_rules() {
    let e = Event {
        id: 1,
        kind: "ledger.lag".into(),
        source: "ledger-db".into(),
        severity: Severity::Warning,
        title: "Ledger replication lag 30 s on shard 4".into(),
        status: Status::Open,
        created_at: 0,
        updated_at: 0,
        updated_by: Actor::Simulator,
        completed_at: None,
        completed_by: None,
        reopened_at: None,
        reopened_by: None,
        version: 1,
        dedup_key: None,
        occurrences: 1,
        last_seen_at: 0,
        team_key: None,
        snoozed_until: None,
        assignee: None,
    };
    for (search, hit) in [
        ("led", true),
        ("LEDGER lag", true),
        ("ledger.la", true),
        ("\"replication lag\"", true),
        ("\"replication la\"", false),
        ("\"lag replication\"", false),
        ("shard 4", true),
        ("shard 5", false),
        ("db", true),
        ("ledger-d", true),
        ("edger", false),
    ] {
        assert_eq!(search_matches(&e, search), hit, "{search}");
    }
    assert_eq!(badness(Severity::Critical), 3);
}
