//! The operator's actions on events, one at a time or in bulk, inside a [`WriteTxn`].

use crate::db::rows::{check_id, load_event};
use crate::db::WriteTxn;
use crate::error::{Error, Result};
use crate::model::{Action, Actor, BulkOutcome, Event, Status, Target};

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

/// Leaves a note on an event as `actor` (any state; the version is not asked: a note changes
/// nothing an action decides on). A text that is empty, too long or holds control characters
/// is `InvalidInput`, as is a note past the event's [`crate::model::MAX_NOTES`].
pub fn note(w: &mut WriteTxn<'_>, id: i64, text: &str, actor: Actor) -> Result<Event> {
    check_id(id)?;
    let event = w.current(id)?;
    w.add_note(&event, text, &actor)?;
    load_event(w.tx(), id)
}

/// Assigns an event to `to` (an operator: `user` or `operator:NAME`), or to nobody, as
/// `actor`. A stale `expected_version` is a `Conflict` naming who changed it (so of two claims
/// of one version the first wins); an assignee that is not an operator is `InvalidInput`;
/// assigning it to whom it is assigned already changes nothing.
pub fn assign(
    w: &mut WriteTxn<'_>,
    id: i64,
    expected_version: i64,
    to: Option<&Actor>,
    actor: Actor,
) -> Result<Event> {
    check_id(id)?;
    if let Some(to) = to {
        check_assignee(to)?;
    }
    let event = w.load_expecting(id, expected_version)?;
    w.set_assignee(&event, to, &actor)?;
    load_event(w.tx(), id)
}

/// Whether events may be assigned to `to`: an operator (this desk's own or a named one).
pub fn check_assignee(to: &Actor) -> Result<()> {
    if to.is_operator() {
        return Ok(());
    }
    Err(Error::invalid(
        "assignee",
        format!("{} is not an operator", to.as_text()),
    ))
}

/// An assignee as a command names it (an actor's text: `user`, `operator:NAME`), checked.
pub fn parse_assignee(text: &str) -> Result<Actor> {
    let to = text
        .parse::<Actor>()
        .map_err(|e| Error::invalid("assignee", e))?;
    check_assignee(&to)?;
    Ok(to)
}

/// [`assign`] on each target in one transaction, one outcome each.
pub fn bulk_assign(
    w: &mut WriteTxn<'_>,
    targets: &[Target],
    to: Option<&Actor>,
    actor: Actor,
) -> Result<Vec<BulkOutcome>> {
    outcomes(targets, |t| {
        assign(w, t.id, t.expected_version, to, actor.clone())
    })
}

/// The longest an event may be snoozed: 30 days.
pub const MAX_SNOOZE_MS: i64 = 30 * 86_400_000;

/// Snoozes an event that is not completed until `until` (later than now, within
/// [`MAX_SNOOZE_MS`]), or wakes it (`None`), as `actor`. A stale `expected_version` is a
/// `Conflict`; snoozing a completed event is `InvalidInput`; waking an event that is not
/// snoozed changes nothing.
pub fn snooze(
    w: &mut WriteTxn<'_>,
    id: i64,
    expected_version: i64,
    until: Option<i64>,
    actor: Actor,
) -> Result<Event> {
    let now = w.now();
    snooze_at(w, id, expected_version, until, actor, now)
}

/// [`snooze`], checked as at `now` (a team's: the time its message carries, so that every
/// desk decides alike).
pub fn snooze_at(
    w: &mut WriteTxn<'_>,
    id: i64,
    expected_version: i64,
    until: Option<i64>,
    actor: Actor,
    now: i64,
) -> Result<Event> {
    check_id(id)?;
    if let Some(until) = until {
        if until <= now {
            return Err(Error::invalid("until", "must be later than now"));
        }
        if until - now > MAX_SNOOZE_MS {
            return Err(Error::invalid(
                "until",
                format!(
                    "is more than the {} days an event may be snoozed",
                    MAX_SNOOZE_MS / 86_400_000
                ),
            ));
        }
    }
    let event = w.load_expecting(id, expected_version)?;
    match until {
        None if !event.snoozed_at(now) => return Ok(event),
        Some(_) if event.status == Status::Completed => {
            return Err(Error::invalid(
                "action",
                format!("cannot snooze event {id}: it is completed"),
            ))
        }
        _ => {}
    }
    w.set_snooze(&event, until, &actor)?;
    load_event(w.tx(), id)
}

/// [`snooze`] for each target in one transaction, each with its own outcome (as [`bulk`]).
pub fn bulk_snooze(
    w: &mut WriteTxn<'_>,
    targets: &[Target],
    until: Option<i64>,
    actor: Actor,
) -> Result<Vec<BulkOutcome>> {
    outcomes(targets, |t| {
        snooze(w, t.id, t.expected_version, until, actor.clone())
    })
}

/// The outcome of `apply` on each target; only a storage failure ends the request.
fn outcomes(
    targets: &[Target],
    mut apply: impl FnMut(&Target) -> Result<Event>,
) -> Result<Vec<BulkOutcome>> {
    let mut out = Vec::with_capacity(targets.len());
    for t in targets {
        let outcome = match apply(t) {
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
    outcomes(targets, |t| {
        apply(w, t.id, t.expected_version, action, actor.clone())
    })
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
