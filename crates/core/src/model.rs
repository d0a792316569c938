//! The domain: events, their change log, and the shapes that queries return.
//!
//! Ids, sequence numbers and timestamps are `i64` (timestamps are Unix milliseconds). They cross
//! the IPC boundary as JavaScript numbers: every value we produce stays far below 2^53.

use serde::{Deserialize, Serialize};
use specta::Type;
use std::fmt;
use std::str::FromStr;

/// How bad an event is. Ordered: `Info < Warning < Error < Critical`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
    Critical,
}

/// Where an event is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Acknowledged,
    Completed,
}

/// Who made a change: the operator at the console, or the simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Actor {
    User,
    Simulator,
}

/// Which attribute a change log entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// The event came into being; `to` is its first status.
    Created,
    Status,
    Severity,
}

macro_rules! text_enum {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    other => Err(format!("unknown {} {other:?}", stringify!($ty).to_lowercase())),
                }
            }
        }
    };
}

text_enum!(Severity { Info => "info", Warning => "warning", Error => "error", Critical => "critical" });
text_enum!(Status { Open => "open", Acknowledged => "acknowledged", Completed => "completed" });
text_enum!(Actor { User => "user", Simulator => "simulator" });
text_enum!(Field { Created => "created", Status => "status", Severity => "severity" });

impl Severity {
    /// The rank stored in the database, so that `ORDER BY severity` sorts by badness.
    pub fn rank(self) -> i64 {
        match self {
            Severity::Info => 0,
            Severity::Warning => 1,
            Severity::Error => 2,
            Severity::Critical => 3,
        }
    }

    pub fn from_rank(rank: i64) -> Option<Severity> {
        Severity::ALL.get(usize::try_from(rank).ok()?).copied()
    }

    /// The next worse severity, or `None` at `Critical`.
    pub fn escalated(self) -> Option<Severity> {
        Severity::from_rank(self.rank() + 1)
    }
}

/// One operational event as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: i64,
    /// Machine-readable category, e.g. `txn.timeout`.
    pub kind: String,
    /// The system that raised it, e.g. `payments-api`.
    pub source: String,
    pub severity: Severity,
    pub title: String,
    pub status: Status,
    pub created_at: i64,
    pub updated_at: i64,
    /// Who made the latest change.
    pub updated_by: Actor,
    pub completed_at: Option<i64>,
    pub completed_by: Option<Actor>,
    /// Set when a completed event was reopened; cleared when it is completed again.
    pub reopened_at: Option<i64>,
    pub reopened_by: Option<Actor>,
    /// Starts at 1; every change adds one. Writers compare it to detect conflicts.
    pub version: i64,
}

/// One entry of the change log. `seq` is global and strictly increasing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub seq: i64,
    pub event_id: i64,
    pub at: i64,
    pub actor: Actor,
    pub field: Field,
    pub from: Option<String>,
    pub to: String,
}

/// What `list_events` is asked for: a page of a filtered, sorted view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EventQuery {
    /// 1-based. Shown to the user; it also places the page when `position` is absent.
    pub page: i64,
    /// 1 to [`EventQuery::MAX_PAGE_SIZE`].
    pub page_size: i64,
    #[serde(default)]
    pub filter: EventFilter,
    #[serde(default)]
    pub sort: Sort,
    /// Where the page starts, from a previous page's `next`/`prev` (keyset paging). Absent:
    /// the page is found by its number.
    #[serde(default)]
    pub position: Option<Position>,
}

impl EventQuery {
    pub const MAX_PAGE_SIZE: i64 = 500;

    /// Page `page` of the default view: every event, newest first.
    pub fn new(page: i64, page_size: i64) -> Self {
        EventQuery {
            page,
            page_size,
            filter: EventFilter::default(),
            sort: Sort::default(),
            position: None,
        }
    }
}

/// Which events a view shows. Empty lists and absent values do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", default)]
pub struct EventFilter {
    pub statuses: Vec<Status>,
    pub severities: Vec<Severity>,
    pub min_severity: Option<Severity>,
    pub kind: Option<String>,
    pub source: Option<String>,
    /// Created at or after (Unix ms).
    pub from: Option<i64>,
    /// Created before (Unix ms).
    pub to: Option<i64>,
    /// Full-text search over title, kind and source: words match as prefixes, `"quoted
    /// phrases"` as phrases; every part must match.
    pub search: Option<String>,
}

impl EventFilter {
    /// True when only status and severity filter, so the maintained counts give the total.
    pub fn counts_are_exact(&self) -> bool {
        self.kind.is_none()
            && self.source.is_none()
            && self.from.is_none()
            && self.to.is_none()
            && self.search.is_none()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum SortKey {
    /// Creation order.
    #[default]
    Time,
    Updated,
    Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Sort {
    pub by: SortKey,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            by: SortKey::Time,
            descending: true,
        }
    }
}

/// A place in a sorted view: the sort value and id of a row, and which side of it to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "at", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Position {
    First,
    Last,
    /// The rows that follow this one.
    After {
        value: i64,
        id: i64,
    },
    /// The rows that precede this one.
    Before {
        value: i64,
        id: i64,
    },
}

/// One page of events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    pub rows: Vec<Event>,
    pub page: i64,
    pub page_size: i64,
    /// Events in the view. Exact when `totalExact`, otherwise a lower bound.
    pub total: i64,
    pub total_exact: bool,
    /// The last change-log `seq` the page reflects: pushes up to it are already included.
    pub seq: i64,
    /// The position of the following page, if any rows follow.
    pub next: Option<Position>,
    /// The position of the preceding page, if any rows precede.
    pub prev: Option<Position>,
}

/// An event with its full history, oldest change first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EventDetail {
    pub event: Event,
    pub history: Vec<Change>,
}

/// What one or more committed write transactions changed. Pushed to the UI after commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChangeSet {
    /// First change-log `seq` covered (inclusive).
    pub from_seq: i64,
    /// Last change-log `seq` covered (inclusive). The next set starts at `to_seq + 1`.
    pub to_seq: i64,
    /// Every event changed in the range, as it is after the last change; each id once.
    pub rows: Vec<Event>,
    /// Ids of the events created in the range, newest first.
    pub created: Vec<i64>,
    /// Ids of the events that became critical in the range (created critical or escalated to
    /// critical), latest first: what desktop notifications are about.
    pub critical: Vec<i64>,
    /// All events in the store after the last commit in the range.
    pub total: i64,
}

impl ChangeSet {
    /// Folds a later set into this one, keeping each event's latest row.
    pub fn absorb(&mut self, later: ChangeSet) {
        self.from_seq = self.from_seq.min(later.from_seq);
        self.to_seq = self.to_seq.max(later.to_seq);
        let mut index: std::collections::HashMap<i64, usize> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id, i))
            .collect();
        for row in later.rows {
            match index.get(&row.id) {
                Some(&i) if self.rows[i].version <= row.version => self.rows[i] = row,
                Some(_) => {}
                None => {
                    index.insert(row.id, self.rows.len());
                    self.rows.push(row);
                }
            }
        }
        let mut created = later.created;
        created.append(&mut self.created);
        self.created = created;
        let earlier: std::collections::HashSet<i64> = self.critical.iter().copied().collect();
        let mut critical = later.critical;
        critical.retain(|id| !earlier.contains(id));
        critical.append(&mut self.critical);
        self.critical = critical;
        self.total = later.total;
    }
}
