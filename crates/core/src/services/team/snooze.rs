//! A team's snoozes: an operator snoozes (or wakes) events through the team's stream, and
//! every desk applies it with the rules of a desk working alone ([`crate::db::actions`]),
//! checked as at the time the message carries, so that every desk decides alike.

use super::{check_stamped, check_targets, new_id, TeamMessage, TeamTarget};
use crate::error::Result;
use serde::{Deserialize, Serialize};

/// An operator's snooze, as a team's stream carries it:
/// `{"eventdesk":"snooze","id":"…","desk":"…","at":1800000000000,"until":1800003600000,"targets":[{"event":"1234","expectedVersion":2}]}`;
/// without `until`, a wake. Who snoozes is the publisher RabbitMQ proved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SnoozeMessage {
    /// Chosen by the desk that publishes it; an id is applied once.
    pub id: String,
    pub desk: String,
    /// When the author's desk sent it (Unix ms): `until` must be later, by at most 30 days.
    pub at: i64,
    /// Snoozed until then (Unix ms); absent: woken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
    pub targets: Vec<TeamTarget>,
}

impl SnoozeMessage {
    /// `targets` snoozed until `until` (or woken), sent from `desk` at `at`, with a new id.
    pub fn new(desk: &str, at: i64, until: Option<i64>, targets: Vec<TeamTarget>) -> Self {
        SnoozeMessage {
            id: new_id(desk),
            desk: desk.to_owned(),
            at,
            until,
            targets,
        }
    }

    /// What it does, as a team's action outcomes name it: `snooze` or `wake`.
    pub fn verb(&self) -> &'static str {
        if self.until.is_some() {
            "snooze"
        } else {
            "wake"
        }
    }

    /// A message any desk will apply: names and targets as an action's, a time between 1970
    /// and 9999 (each event's snooze is checked when applied).
    pub fn validate(&self) -> Result<()> {
        check_stamped(&self.id, &self.desk, self.at)?;
        check_targets(&self.targets)
    }

    /// The message as published.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(&TeamMessage::Snooze(self.clone())).unwrap_or_default()
    }
}
