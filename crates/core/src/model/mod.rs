//! The domain, with no I/O: events and their change log, views and pages, change sets, and
//! the operator's actions, a team's roster. Every other layer speaks in these types.
//!
//! Ids, sequence numbers and timestamps are `i64` (timestamps are Unix milliseconds). They cross
//! the IPC boundary as JavaScript numbers: every value we produce stays far below 2^53.

mod action;
mod changes;
mod event;
mod limits;
mod team;
mod view;

pub use action::{Action, BulkOutcome, CatchUp, Target};
pub use changes::{ChangeSet, Tally};
pub use event::{Actor, Change, Event, EventDetail, Field, Link, Severity, Status};
pub use limits::MessageLimits;
pub use team::{Member, Role, TeamRejection};
pub use view::{EventFilter, EventQuery, Page, Position, Sort, SortKey};
