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

/// What `list_events` is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EventQuery {
    /// 1-based.
    pub page: i64,
    /// 1 to [`EventQuery::MAX_PAGE_SIZE`].
    pub page_size: i64,
}

impl EventQuery {
    pub const MAX_PAGE_SIZE: i64 = 500;
}

/// One page of events, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    pub rows: Vec<Event>,
    pub page: i64,
    pub page_size: i64,
    /// All events in the store when the page was read.
    pub total: i64,
    /// The last change-log `seq` the page reflects: pushes up to it are already included.
    pub seq: i64,
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
        self.total = later.total;
    }
}
