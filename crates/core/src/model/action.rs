//! What an operator can do to events, and what a bulk request or a catch-up answers.

use crate::model::{ChangeSet, Event, Status};
use serde::{Deserialize, Serialize};
use specta::Type;

/// What an operator can do to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Acknowledge,
    Complete,
    Reopen,
}

impl Action {
    pub const ALL: [Action; 3] = [Action::Acknowledge, Action::Complete, Action::Reopen];

    /// Whether the action changes an event in status `from`: acknowledging an open event,
    /// completing an open or acknowledged one, reopening a completed one. (An action already
    /// in effect is accepted and changes nothing.)
    pub fn applies_to(self, from: Status) -> bool {
        matches!(
            (self, from),
            (Action::Acknowledge, Status::Open)
                | (Action::Complete, Status::Open | Status::Acknowledged)
                | (Action::Reopen, Status::Completed)
        )
    }

    /// For each status, the actions that apply to it (as the window offers them).
    pub fn offered() -> Vec<(Status, Vec<Action>)> {
        [Status::Open, Status::Acknowledged, Status::Completed]
            .into_iter()
            .map(|s| {
                (
                    s,
                    Action::ALL
                        .into_iter()
                        .filter(|a| a.applies_to(s))
                        .collect(),
                )
            })
            .collect()
    }

    /// The status the action leads to.
    pub fn target(self) -> Status {
        match self {
            Action::Acknowledge => Status::Acknowledged,
            Action::Complete => Status::Completed,
            Action::Reopen => Status::Open,
        }
    }

    /// The verb, for messages: "acknowledge", "complete", "reopen".
    pub fn verb(self) -> &'static str {
        match self {
            Action::Acknowledge => "acknowledge",
            Action::Complete => "complete",
            Action::Reopen => "reopen",
        }
    }
}

/// One event of a bulk request: its id and the version the caller saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub id: i64,
    pub expected_version: i64,
}

/// What happened to one event of a bulk request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(
    tag = "outcome",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum BulkOutcome {
    /// Applied (or already in effect); `event` is how it is now.
    Done {
        id: i64,
        event: Event,
    },
    /// Changed since the caller saw it; left alone. `current` is how it is now.
    Conflict {
        id: i64,
        current: Event,
    },
    NotFound {
        id: i64,
    },
    /// The action does not apply to the event in its state; left alone.
    Skipped {
        id: i64,
        reason: String,
    },
}

/// Everything changed after a `seq`, for a window that missed pushes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CatchUp {
    /// The changes from `since + 1` to the newest, as one set; `None` when nothing changed.
    pub changes: Option<ChangeSet>,
    /// False when more than `limit` events changed: the set is left out and the caller should
    /// read its view again instead.
    pub complete: bool,
}
