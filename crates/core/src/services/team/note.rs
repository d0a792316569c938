//! A team's notes: an operator leaves a note on an event through the team's stream, and every
//! desk keeps it in the event's log ([`crate::db::actions::note`]) with the author RabbitMQ
//! proved.

use super::{check_stamped, check_text, new_id, TeamMessage};
use crate::error::Result;
use crate::model::check_note;
use serde::{Deserialize, Serialize};

/// An operator's note, as a team's stream carries it:
/// `{"eventdesk":"note","id":"…","desk":"…","at":1800000000000,"event":"1234","text":"…"}`.
/// Who wrote it is the publisher RabbitMQ proved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NoteMessage {
    /// Chosen by the desk that publishes it; an id is applied once.
    pub id: String,
    pub desk: String,
    /// When the author's desk sent it (Unix ms).
    pub at: i64,
    /// The event's team key.
    pub event: String,
    pub text: String,
}

impl NoteMessage {
    /// `text` on `event`, sent from `desk` at `at`, with a new id.
    pub fn new(desk: &str, at: i64, event: &str, text: &str) -> Self {
        NoteMessage {
            id: new_id(desk),
            desk: desk.to_owned(),
            at,
            event: event.to_owned(),
            text: text.to_owned(),
        }
    }

    /// A message any desk will apply: names as an action's, a note as a desk alone takes it.
    pub fn validate(&self) -> Result<()> {
        check_stamped(&self.id, &self.desk, self.at)?;
        check_text("event", &self.event)?;
        check_note(&self.text).map(drop)
    }

    /// The message as published.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(&TeamMessage::Note(self.clone())).unwrap_or_default()
    }
}
