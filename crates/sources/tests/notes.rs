//! A team desk's notes and claims against a real broker: published as the broker's user,
//! kept when they come back from the stream.

use crate::support::{trigger, wait};
use crate::timers::Desk;
use eventdesk_core::{Actor, BulkOutcome, Error, Field, Target};

#[test]
fn a_team_desks_note_travels_through_the_stream_with_the_broker_user_as_its_author() {
    let desk = Desk::start("notes");
    desk.send(vec![trigger("cpu", "CPU hot on db-7", "warning")
        .to_string()
        .into_bytes()]);
    wait("the alert", || desk.store.get_event(1).is_ok());
    let noted = desk.team.note(1, "  rebooted db-7, watching it\n").unwrap();
    assert_eq!(noted.version, 1, "a note changes no version");
    let history = desk.store.get_event(1).unwrap().history;
    let last = history.last().unwrap();
    assert_eq!(last.field, Field::Note);
    assert_eq!(last.to, "rebooted db-7, watching it");
    assert_eq!(last.actor, Actor::operator(desk.nodes.user()).unwrap());
    // A bad note is refused before anything is sent; a note on no event says so.
    assert!(matches!(
        desk.team.note(1, " \n "),
        Err(Error::InvalidInput { .. })
    ));
    assert!(matches!(
        desk.team.note(42, "which one?"),
        Err(Error::NotFound { id: 42 })
    ));
    assert_eq!(
        desk.store.get_event(1).unwrap().history.len(),
        history.len()
    );
    desk.team.stop();
}

#[test]
fn a_team_desk_claims_and_releases_through_the_stream() {
    let desk = Desk::start("claims");
    desk.send(vec![trigger("cpu", "CPU hot on db-7", "warning")
        .to_string()
        .into_bytes()]);
    wait("the alert", || desk.store.get_event(1).is_ok());
    let me = Actor::operator(desk.nodes.user()).unwrap();
    let target = |version| Target {
        id: 1,
        expected_version: version,
    };
    let taken = desk.team.assign(&[target(1)], Some(&me)).unwrap();
    assert!(
        matches!(&taken[..], [BulkOutcome::Done { event, .. }] if event.assignee == Some(me.clone()) && event.version == 2),
        "{taken:?}"
    );
    // The same version again: a conflict, naming this desk's user as the winner.
    let again = desk.team.assign(&[target(1)], None).unwrap();
    assert!(
        matches!(&again[..], [BulkOutcome::Conflict { current, .. }] if current.version == 2),
        "{again:?}"
    );
    // Someone not on the roster is refused by every desk.
    assert!(matches!(
        desk.team
            .assign(&[target(2)], Some(&Actor::operator("mallory").unwrap())),
        Err(Error::Forbidden { .. })
    ));
    let released = desk.team.assign(&[target(2)], None).unwrap();
    assert!(matches!(&released[..], [BulkOutcome::Done { event, .. }] if event.assignee.is_none()));
    desk.team.stop();
}
