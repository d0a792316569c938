//! An event, its severity and status, who changed it, and its change log.

use serde::{Deserialize, Serialize};
use specta::Type;
use std::fmt;
use std::str::FromStr;

pub use super::timers::Timer;

/// How bad an event is. Ordered: `Info < Warning < Error < Critical`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
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

/// Who made a change. Stored and sent as text: `user` (the operator at this desk),
/// `operator:NAME` (a named operator), `simulator`, `source:NAME` (where events came in:
/// `alertmanager`, `pagerduty`, `stdin`, `rabbitmq:QUEUE`), or `timer:ack-timeout` and
/// `timer:expiry` (the desk's timers, [`crate::model::Timer`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(into = "String", try_from = "String")]
#[specta(type = String)]
pub enum Actor {
    User,
    Operator(String),
    Simulator,
    Source(String),
    Timer(Timer),
}

impl Actor {
    /// The longest name an operator or a source may have.
    pub const MAX_NAME: usize = 64;
    /// The stored forms of the two actors without a name.
    pub const USER: &'static str = "user";
    pub const SIMULATOR: &'static str = "simulator";

    /// A named source; the name must be 1 to 64 characters of letters, digits and `.-_:@/`.
    pub fn source(name: &str) -> Result<Actor, String> {
        check_name(name).map(|()| Actor::Source(name.to_owned()))
    }

    /// A named operator; the same rules as a source's name, and spaces allowed.
    pub fn operator(name: &str) -> Result<Actor, String> {
        check_name(&name.replace(' ', "_")).map(|()| Actor::Operator(name.to_owned()))
    }

    /// Whether it is an operator (this desk's own or a named one): who events are assigned to.
    pub fn is_operator(&self) -> bool {
        matches!(self, Actor::User | Actor::Operator(_))
    }

    /// The stored form: `user`, `simulator`, `operator:NAME`, `source:NAME`.
    pub fn as_text(&self) -> std::borrow::Cow<'static, str> {
        match self {
            Actor::User => Actor::USER.into(),
            Actor::Simulator => Actor::SIMULATOR.into(),
            Actor::Operator(name) => format!("operator:{name}").into(),
            Actor::Source(name) => format!("source:{name}").into(),
            Actor::Timer(timer) => format!("timer:{}", timer.as_str()).into(),
        }
    }
}

fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.chars().count() <= Actor::MAX_NAME
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || ".-_:@/".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "a name is 1 to {} letters, digits or .-_:@/, got {name:?}",
            Actor::MAX_NAME
        ))
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_text())
    }
}

impl FromStr for Actor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            Actor::USER => Ok(Actor::User),
            Actor::SIMULATOR => Ok(Actor::Simulator),
            _ => match s.split_once(':') {
                Some(("operator", name)) => Actor::operator(name),
                Some(("source", name)) => Actor::source(name),
                Some(("timer", name)) => name.parse().map(Actor::Timer),
                _ => Err(format!("unknown actor {s:?}")),
            },
        }
    }
}

impl From<Actor> for String {
    fn from(a: Actor) -> String {
        a.as_text().into_owned()
    }
}

impl TryFrom<String> for Actor {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Which attribute a change log entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// The event came into being; `to` is its first status.
    Created,
    Status,
    Severity,
    /// A source raised the event again (same dedup key); `to` is the new number of
    /// occurrences.
    Occurred,
    /// A source raised it again with another summary; `to` is the new title.
    Title,
    /// Snoozed until `to` (Unix ms), or woken (`to` empty: by an operator, or because its
    /// severity rose).
    Snoozed,
    /// A note left on the event; `to` is its text. It changes nothing else.
    Note,
    /// Claimed, assigned or released: `from` and `to` are the operator (an actor's text), or
    /// empty for nobody.
    Assignee,
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
text_enum!(Field { Created => "created", Status => "status", Severity => "severity", Occurred => "occurred", Title => "title", Snoozed => "snoozed", Note => "note", Assignee => "assignee" });

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
    /// What the source that raised it calls it: a new trigger with the same key updates the
    /// event while it is not completed.
    pub dedup_key: Option<String>,
    /// How many times it was raised (1, then 1 more for each trigger with its dedup key).
    pub occurrences: i64,
    /// When it was last raised.
    pub last_seen_at: i64,
    /// Its identity in a team (the same on every desk, unlike `id`): the stream offset of the
    /// message that created it, `1234` or `1234.2` for the third alert of one message. `None`
    /// for an event of a desk working alone.
    pub team_key: Option<String>,
    /// Snoozed until then (Unix ms): while that is later than now, views that hide snoozed
    /// events leave it out. A time that has passed means it came back by itself.
    pub snoozed_until: Option<i64>,
    /// The operator it is assigned to (`user`: this desk's own), if anyone.
    pub assignee: Option<Actor>,
}

impl Event {
    /// Whether it is snoozed at `now`.
    pub fn snoozed_at(&self, now: i64) -> bool {
        self.snoozed_until.is_some_and(|until| until > now)
    }
}

/// A link a source attached to an event (http or https only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct Link {
    pub href: String,
    pub text: Option<String>,
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

/// A page of an event's history: changes before a given one, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    pub changes: Vec<Change>,
    /// How many changes come before the first of `changes`.
    pub older: i64,
}

/// The most changes of an event's history sent at once.
pub const HISTORY_PAGE: usize = 200;

/// An event with the latest page of its history ([`HISTORY_PAGE`] changes at most), oldest
/// change first; earlier ones come page by page ([`HistoryPage`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EventDetail {
    pub event: Event,
    pub history: Vec<Change>,
    /// How many changes come before the first of `history`.
    pub older: i64,
    /// What the source sent beyond the title (labels, annotations, custom details), as JSON
    /// text; `None` for events without any.
    pub details: Option<String>,
    pub links: Vec<Link>,
    /// Its labels, in key order.
    pub labels: Vec<crate::model::Label>,
}
