//! A team's timers: when a desk sees that an acknowledgement timed out or an event expired
//! under the team's policy (which its admin sets on the roster), it publishes the change with
//! the version it saw, and every desk applies it with the rules of a desk working alone
//! ([`crate::db::timers::apply`]). The first in the log wins; another desk's copy of the same
//! timeout finds the event changed and is a conflict, applied nowhere.

use super::{check_stamped, check_targets, new_id, TeamMessage, TeamTarget};
use crate::error::Result;
use crate::model::Timer;
use serde::{Deserialize, Serialize};

/// A timer's change, as a team's stream carries it:
/// `{"eventdesk":"timer","id":"…","desk":"…","at":1800000000000,"timer":"ack-timeout","targets":[{"event":"1234","expectedVersion":3}]}`.
/// The publisher (RabbitMQ proved) must be an operator or an admin; the change is made by the
/// timer (`timer:ack-timeout`, `timer:expiry`), the publisher kept with its outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimerMessage {
    /// Chosen by the desk that publishes it; an id is applied once.
    pub id: String,
    pub desk: String,
    /// When the desk saw the timer come (Unix ms).
    pub at: i64,
    pub timer: Timer,
    pub targets: Vec<TeamTarget>,
}

impl TimerMessage {
    /// `timer`'s change to `targets`, seen at `at` on `desk`, with a new id.
    pub fn new(desk: &str, at: i64, timer: Timer, targets: Vec<TeamTarget>) -> Self {
        TimerMessage {
            id: new_id(desk),
            desk: desk.to_owned(),
            at,
            timer,
            targets,
        }
    }

    /// A message any desk will apply: names and targets as an action's, a time between 1970
    /// and 9999.
    pub fn validate(&self) -> Result<()> {
        check_stamped(&self.id, &self.desk, self.at)?;
        check_targets(&self.targets)
    }

    /// The message as published.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(&TeamMessage::Timer(self.clone())).unwrap_or_default()
    }
}
