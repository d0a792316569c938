//! A team's claims and assignments: an operator takes events, gives them to a member of the
//! roster, or releases them, through the team's stream; every desk applies it with the rules
//! of a desk alone ([`crate::db::actions::assign`]), so of two claims of one version the first
//! in the log wins everywhere.

use super::{check_stamped, check_targets, new_id, roster::check_user, TeamMessage, TeamTarget};
use crate::error::Result;
use serde::{Deserialize, Serialize};

/// An operator's assignment, as a team's stream carries it:
/// `{"eventdesk":"assign","id":"…","desk":"…","at":1800000000000,"assignee":"bob","targets":[{"event":"1234","expectedVersion":2}]}`;
/// without `assignee`, a release. Who assigns is the publisher RabbitMQ proved; the assignee
/// must be an operator or admin of the roster when it is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignMessage {
    /// Chosen by the desk that publishes it; an id is applied once.
    pub id: String,
    pub desk: String,
    /// When the author's desk sent it (Unix ms).
    pub at: i64,
    /// A broker user on the roster; absent: nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    pub targets: Vec<TeamTarget>,
}

impl AssignMessage {
    /// `targets` assigned to `assignee` (or released), sent from `desk` at `at`, with a new id.
    pub fn new(desk: &str, at: i64, assignee: Option<&str>, targets: Vec<TeamTarget>) -> Self {
        AssignMessage {
            id: new_id(desk),
            desk: desk.to_owned(),
            at,
            assignee: assignee.map(str::to_owned),
            targets,
        }
    }

    /// A message any desk will apply: names and targets as an action's, an assignee named as
    /// a roster's users are.
    pub fn validate(&self) -> Result<()> {
        check_stamped(&self.id, &self.desk, self.at)?;
        if let Some(user) = &self.assignee {
            check_user("assignee", user)?;
        }
        check_targets(&self.targets)
    }

    /// The message as published.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(&TeamMessage::Assign(self.clone())).unwrap_or_default()
    }
}
