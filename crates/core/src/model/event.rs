//! An event, its severity and status, who changed it, and its change log.

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

/// An event with its full history, oldest change first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EventDetail {
    pub event: Event,
    pub history: Vec<Change>,
}
