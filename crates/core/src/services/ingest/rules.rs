//! What an incoming alert event does to the events, in one place:
//!
//! - A **trigger** whose dedup key matches an event that is not completed updates that event:
//!   one more occurrence, seen now, the severity may rise (never fall), the title follows the
//!   source's summary, its details and links are replaced by the new ones. Otherwise it opens
//!   a new event, so after a completion the same key opens a new one.
//! - An **acknowledge** acknowledges the open event with that key; a **resolve** completes the
//!   event with that key that is not completed. Both act as the source.
//! - A key belongs to the source that raised its event: only that source (and sources a
//!   setting joins with it, see [`super::groups`]) finds the event by it.
//! - Either, for no such event, is **ignored**: recorded in the outcome, not an error. A source
//!   never silently undoes an operator: after an operator completed an event, its resolve
//!   changes nothing and its trigger opens a new event; an acknowledged event stays
//!   acknowledged when it is raised again.

use crate::db::rows::max_id;
use crate::db::{NewEvent, WriteTxn};
use crate::error::Result;
use crate::model::{Actor, Event, Status, ALARM_KEY_PREFIX};
use crate::services::ingest::{Alert, AlertAction};

/// What one alert event did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "outcome")]
pub enum Applied {
    Created {
        id: i64,
        dedup_key: String,
    },
    /// Raised again: the event with its key that is not completed.
    Updated {
        id: i64,
        dedup_key: String,
    },
    Acknowledged {
        id: i64,
    },
    Completed {
        id: i64,
    },
    /// An operator's reopen, from a team's stream.
    Reopened {
        id: i64,
    },
    /// An operator's snooze or wake, from a team's stream.
    Snoozed {
        id: i64,
    },
    /// An operator's note, from a team's stream.
    Noted {
        id: i64,
    },
    /// An operator's claim, assignment or release, from a team's stream.
    Assigned {
        id: i64,
    },
    /// An operator's action refused: the event had changed since; `winner` made the change.
    Conflict {
        id: i64,
        winner: String,
    },
    /// Nothing to do: no event with the key is open (or not completed, for a resolve).
    Ignored {
        reason: String,
    },
}

impl Applied {
    /// The event's dedup key, for the sender (PagerDuty answers with it).
    pub fn dedup_key(&self) -> Option<&str> {
        match self {
            Applied::Created { dedup_key, .. } | Applied::Updated { dedup_key, .. } => {
                Some(dedup_key)
            }
            _ => None,
        }
    }
}

/// The newest event with `key` raised by one of `owners` that is not completed; in a team
/// (`team`), only among the team's events, so that events a desk held before it joined never
/// take a team's alert (and desks never differ).
fn unfinished_with_key(
    w: &WriteTxn<'_>,
    key: &str,
    owners: &[String],
    team: bool,
) -> Result<Option<Event>> {
    crate::db::ingest::unfinished_with_key(w, key, owners, team)?
        .map(|id| w.current(id))
        .transpose()
}

/// Applies `alert` as `source` inside `w`; see the module's rules. Its key finds the events
/// `owners` raised (`source` itself, and the sources joined with it). An event it opens gets
/// `team_key` as its identity in a team (see [`crate::Event::team_key`]).
pub fn apply(
    w: &mut WriteTxn<'_>,
    alert: &Alert,
    source: &Actor,
    owners: &[String],
    team_key: Option<&str>,
) -> Result<Applied> {
    // The sender is heard (unless the message is the desk's own about a quiet sender).
    let own = alert
        .dedup_key
        .as_deref()
        .is_some_and(|k| k.starts_with(ALARM_KEY_PREFIX));
    if let (Actor::Source(way), false, false) = (source, alert.sender.is_empty(), own) {
        w.heard(way, &alert.sender, alert.heartbeat);
    }
    if alert.heartbeat {
        return Ok(Applied::Ignored {
            reason: format!("a heartbeat from {}: heard, not shown", alert.sender),
        });
    }
    let found = match &alert.dedup_key {
        Some(key) => unfinished_with_key(w, key, owners, team_key.is_some())?,
        None => None,
    };
    match (alert.action, found) {
        (AlertAction::Trigger, Some(event)) => {
            let key = event.dedup_key.clone().unwrap_or_default();
            let details = alert.details_text();
            w.occurred(&event, details.as_deref(), &alert.links, source)?;
            let event = w.current(event.id)?;
            if alert.severity > event.severity {
                w.set_severity(&event, alert.severity, source)?;
            }
            let event = w.current(event.id)?;
            w.set_title(&event, &alert.title, source)?;
            Ok(Applied::Updated {
                id: event.id,
                dedup_key: key,
            })
        }
        (AlertAction::Trigger, None) => {
            // A trigger without a key gets one, named after the event it opens, so that the
            // sender can acknowledge or resolve it: in a team after its team key, which is the
            // same on every desk.
            let dedup_key = match (&alert.dedup_key, team_key) {
                (Some(key), _) => key.clone(),
                (None, Some(team)) => format!("eventdesk-team-{team}"),
                (None, None) => format!("eventdesk-{}", max_id(w)? + 1),
            };
            let id = w.insert(
                &NewEvent {
                    kind: alert.kind.clone(),
                    source: alert.source.clone(),
                    severity: alert.severity,
                    title: alert.title.clone(),
                    dedup_key: Some(dedup_key.clone()),
                    details: alert.details_text(),
                    links: alert.links.clone(),
                    team_key: team_key.map(str::to_owned),
                    labels: alert.labels.clone(),
                },
                source,
            )?;
            Ok(Applied::Created { id, dedup_key })
        }
        (AlertAction::Acknowledge, Some(event)) if event.status == Status::Open => {
            w.set_status(&event, Status::Acknowledged, source)?;
            Ok(Applied::Acknowledged { id: event.id })
        }
        (AlertAction::Acknowledge, Some(event)) => Ok(Applied::Ignored {
            reason: format!("event {} is already acknowledged", event.id),
        }),
        (AlertAction::Resolve, Some(event)) => {
            w.set_status(&event, Status::Completed, source)?;
            Ok(Applied::Completed { id: event.id })
        }
        (AlertAction::Acknowledge | AlertAction::Resolve, None) => Ok(Applied::Ignored {
            reason: "no event with this dedup key is open".into(),
        }),
    }
}
