//! A team's silences: made, edited and expired by its operators through its stream, applied by
//! every desk in stream order with the rules a desk working alone uses
//! ([`crate::db::silences`]). Times come from the message (stamped once by the author's desk;
//! a silence's versions are never made earlier than the one before), so every desk makes the
//! same versions with the same starts and ends, whenever it reads the message. A team silence
//! is named by its team key (the id of the message that made it), the same on every desk.

use super::{check_stamped, check_text, new_id, TeamMessage};
use crate::db::silences::{self, Made};
use crate::db::{Handle, WriteTxn};
use crate::error::{Error, Result};
use crate::model::{Actor, Silence, SilenceDraft};
use serde::{Deserialize, Serialize};

/// A change to the team's silences, as its stream carries it:
/// `{"eventdesk":"silence","id":"…","desk":"…","at":1800000000000,"change":{"add":{"draft":{…}}}}`.
/// Who makes it is not in the body: it is the publisher RabbitMQ proved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SilenceMessage {
    /// Chosen by the desk that publishes it; a message id is applied once.
    pub id: String,
    /// The desk it was sent from (a label).
    pub desk: String,
    /// When the author's desk sent it (Unix ms): the time the change is checked at and made
    /// at, on every desk (or, for an edit or an expiry, the silence's last version's time
    /// when that is later).
    pub at: i64,
    pub change: SilenceChange,
}

/// What a [`SilenceMessage`] does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum SilenceChange {
    /// A new silence; its team key is the message's id.
    Add { draft: SilenceDraft },
    /// A new version of the silence with team key `silence`, which must still be at
    /// `expected_version`.
    Edit {
        silence: String,
        expected_version: i64,
        draft: SilenceDraft,
    },
    /// Ends the silence with team key `silence` at the message's time.
    Expire {
        silence: String,
        expected_version: i64,
    },
}

impl SilenceMessage {
    /// `change` sent from `desk` at `at`, with a new id.
    pub fn new(desk: &str, at: i64, change: SilenceChange) -> SilenceMessage {
        SilenceMessage {
            id: new_id(desk),
            desk: desk.to_owned(),
            at,
            change,
        }
    }

    /// A message any desk will read: names within limits, a time after 1970, ids and versions
    /// of at least 1. (The draft is checked when applied, against the team's silences.)
    pub fn validate(&self) -> Result<()> {
        check_stamped(&self.id, &self.desk, self.at)?;
        match &self.change {
            SilenceChange::Add { .. } => Ok(()),
            SilenceChange::Edit {
                silence,
                expected_version,
                ..
            }
            | SilenceChange::Expire {
                silence,
                expected_version,
            } => {
                check_text("silence", silence)?;
                if *expected_version < 1 {
                    return Err(Error::invalid("expectedVersion", "must be at least 1"));
                }
                Ok(())
            }
        }
    }

    /// The message as published.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(&TeamMessage::Silence(self.clone())).unwrap_or_default()
    }
}

/// Applies `message` from `author` (an operator the roster allows), for silences of at most
/// `max_length` ms (the team's limit): `Err(InvalidInput)` is a refusal every desk makes alike.
pub(super) fn apply(
    w: &mut WriteTxn<'_>,
    message: &SilenceMessage,
    author: &Actor,
    max_length: i64,
) -> Result<Silence> {
    message.validate()?;
    let made = |at: i64| Made {
        author,
        at,
        max_length,
        origin: Some(&message.id),
    };
    // A silence named by its team key, and the time its next version is made at: never
    // before its last one (a desk whose clock is behind changes it at that time instead).
    let named = |w: &WriteTxn<'_>, key: &str| -> Result<(i64, i64)> {
        let id = silences::by_key(w, key)?.ok_or_else(|| {
            Error::invalid("silence", format!("there is no silence {key} in this team"))
        })?;
        let last = silences::find(w, id)?.map_or(message.at, |s| s.made_at);
        Ok((id, message.at.max(last)))
    };
    match &message.change {
        SilenceChange::Add { draft } => silences::make(w, draft, made(message.at)),
        SilenceChange::Edit {
            silence,
            expected_version,
            draft,
        } => {
            let (id, at) = named(w, silence)?;
            silences::revise(w, id, *expected_version, draft, made(at))
        }
        SilenceChange::Expire {
            silence,
            expected_version,
        } => {
            let (id, at) = named(w, silence)?;
            silences::end(w, id, *expected_version, made(at))
        }
    }
}

/// What became of a silence message on this desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SilenceResult {
    /// It has not come back from the stream yet.
    Pending,
    /// Every desk refused it; the reason.
    Refused(String),
    /// The version it made.
    Made(Silence),
}

/// What became of the silence message `id` on this desk.
pub fn silence_result(conn: &impl Handle, id: &str) -> Result<SilenceResult> {
    if let Some(silence) = silences::by_origin(conn, id)? {
        return Ok(SilenceResult::Made(silence));
    }
    Ok(match crate::db::team::action_refused(conn, id)? {
        Some(reason) => SilenceResult::Refused(reason),
        None => SilenceResult::Pending,
    })
}
