//! The domain, with no I/O: events and their change log, views and pages, change sets, and
//! the operator's actions, a team's roster. Every other layer speaks in these types.
//!
//! Ids, sequence numbers and timestamps are `i64` (timestamps are Unix milliseconds). They cross
//! the IPC boundary as JavaScript numbers: every value we produce stays far below 2^53.

mod action;
mod changes;
mod event;
mod labels;
mod limits;
mod matcher;
mod note;
mod senders;
mod silence;
mod team;
mod timers;
mod view;

pub use action::{Action, BulkOutcome, CatchUp, Target};
pub use changes::{ChangeSet, Tally};
pub use event::{
    Actor, Change, Event, EventDetail, Field, HistoryPage, Link, Severity, Status, HISTORY_PAGE,
};
pub use labels::{
    check_labels, key_problem, labels_from_text, labels_text, value_problem, Label, Labels,
    MAX_LABELS, MAX_LABEL_KEY, MAX_LABEL_VALUE,
};
pub use limits::MessageLimits;
pub use matcher::{
    matchers_text, parse_matchers, Compiled, MatchOp, Matcher, Subject, Subjects, LABEL_PREFIX,
    MAX_MATCHERS, MAX_MATCHER_VALUE,
};
pub use note::{check_note, MAX_NOTE, MAX_NOTES};
pub use senders::{
    NewAlarm, Sender, ALARM_KEY_PREFIX, LEARNED_AFTER, MAX_ALARMS, MAX_SENDERS, MIN_QUIET_MS,
};
pub use silence::{
    Silence, SilenceDraft, SilenceState, DEFAULT_MAX_SILENCE_MS, MAX_SILENCE_COMMENT,
};
pub use team::{Member, Role, TeamRejection};
pub use timers::{AckTimeouts, Timer, TimerPolicy};
pub use view::{
    EventFilter, EventQuery, Page, Position, SilenceMark, SilencedView, SnoozedView, Sort, SortKey,
};

/// The most characters of a refusal's reason kept and shown: a reason may quote what a sender
/// sent, and nothing from outside is kept unbounded.
pub const REASON_CHARS: usize = 300;

/// `reason` as kept: at most [`REASON_CHARS`] characters, an ellipsis saying where it was cut.
pub fn bounded_reason(reason: &str) -> String {
    match reason.char_indices().nth(REASON_CHARS) {
        None => reason.to_owned(),
        Some((cut, _)) => format!("{}…", &reason[..cut]),
    }
}
