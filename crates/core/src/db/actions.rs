//! The operator's actions on events, one at a time or in bulk, inside a [`WriteTxn`].

use crate::db::rows::{check_id, load_event};
use crate::db::WriteTxn;
use crate::error::{Error, Result};
use crate::model::{Action, Actor, BulkOutcome, Event, Target};

/// Applies `action` to an event as `actor`. A stale `expected_version` is a `Conflict`; an
/// action that is already in effect changes nothing and returns the event; an action that does
/// not apply (acknowledging a completed event, reopening an open one) is `InvalidInput`.
pub fn apply(
    w: &mut WriteTxn<'_>,
    id: i64,
    expected_version: i64,
    action: Action,
    actor: Actor,
) -> Result<Event> {
    check_id(id)?;
    let event = w.load_expecting(id, expected_version)?;
    let to = action.target();
    if event.status == to {
        return Ok(event);
    }
    if !action.applies_to(event.status) {
        return Err(Error::invalid(
            "action",
            format!(
                "cannot {} event {id}: it is {}",
                action.verb(),
                event.status
            ),
        ));
    }
    w.set_status(&event, to, &actor)?;
    load_event(w.tx(), id)
}

/// The most events one bulk request may name.
pub const MAX_BULK: usize = 500;

/// Applies `action` to each target in one transaction. Each event gets its own outcome; the
/// ones that conflict, are missing or do not apply are left alone.
pub fn bulk(
    w: &mut WriteTxn<'_>,
    targets: &[Target],
    action: Action,
    actor: Actor,
) -> Result<Vec<BulkOutcome>> {
    let mut out = Vec::with_capacity(targets.len());
    for t in targets {
        let outcome = match apply(w, t.id, t.expected_version, action, actor.clone()) {
            Ok(event) => BulkOutcome::Done { id: t.id, event },
            Err(Error::Conflict { current, .. }) => BulkOutcome::Conflict {
                id: t.id,
                current: *current,
            },
            Err(Error::NotFound { id }) => BulkOutcome::NotFound { id },
            Err(Error::InvalidInput { message, .. }) => BulkOutcome::Skipped {
                id: t.id,
                reason: message,
            },
            Err(e) => return Err(e),
        };
        out.push(outcome);
    }
    Ok(out)
}

pub fn check_bulk(targets: &[Target]) -> Result<()> {
    if targets.is_empty() || targets.len() > MAX_BULK {
        return Err(Error::invalid(
            "targets",
            format!("must name 1 to {MAX_BULK} events, got {}", targets.len()),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for t in targets {
        check_id(t.id)?;
        if !seen.insert(t.id) {
            return Err(Error::invalid(
                "targets",
                format!("event {} is named twice", t.id),
            ));
        }
    }
    Ok(())
}
