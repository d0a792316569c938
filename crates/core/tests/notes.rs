//! Notes: plain text left on an event, in its timeline with author and time, found by search,
//! read by the handover; bounded, and never a conflict with an action.

use crate::support::{Fixture, UNDO_ASSIGNEES, UNDO_NOTES};
use eventdesk_core::model::{MAX_NOTE, MAX_NOTES};
use eventdesk_core::{Action, Actor, Error, EventFilter, EventQuery, Field, Status};

fn search(f: &Fixture, text: &str) -> Vec<i64> {
    let page = f
        .store
        .list_events(&EventQuery {
            filter: EventFilter {
                search: Some(text.into()),
                ..EventFilter::default()
            },
            ..EventQuery::new(1, 50)
        })
        .unwrap();
    assert_eq!(page.total, i64::try_from(page.rows.len()).unwrap());
    page.rows.iter().map(|e| e.id).collect()
}

fn changes(f: &Fixture) -> i64 {
    let conn = f.store.connect().unwrap();
    conn.as_sqlite()
        .query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_note_is_in_the_timeline_changes_no_state_and_is_found_by_search() {
    let f = Fixture::new();
    let ids = f.add_events(3);
    // Searched before any note: the reader keeps what it found, and must see the notes come.
    assert!(search(&f, "swapped").is_empty());
    let ann = Actor::operator("ann").unwrap();
    let noted = f
        .store
        .add_note(
            ids[1],
            "  Disk swapped by the DC team; watch it\n",
            ann.clone(),
        )
        .unwrap();
    assert_eq!(noted.version, 1, "a note changes no version");
    assert_eq!(noted.status, Status::Open);
    let detail = f.store.get_event(ids[1]).unwrap();
    let last = detail.history.last().unwrap();
    assert_eq!(last.field, Field::Note);
    assert_eq!(last.to, "Disk swapped by the DC team; watch it");
    assert_eq!(last.actor, ann);
    // Found by a word of the note, alone and with a word of the title.
    assert_eq!(search(&f, "swapped"), vec![ids[1]]);
    assert_eq!(search(&f, "authorisations swap"), vec![ids[1]]);
    assert_eq!(search(&f, "\"dc team\""), vec![ids[1]]);
    // A second note, on another event: both found, newest first; the first note still is.
    f.store
        .add_note(ids[2], "swapped the cable too", Actor::User)
        .unwrap();
    assert_eq!(search(&f, "swapped"), vec![ids[2], ids[1]]);
    f.store
        .add_note(ids[1], "and the controller", Actor::User)
        .unwrap();
    assert_eq!(search(&f, "controller"), vec![ids[1]]);
    assert_eq!(search(&f, "watch"), vec![ids[1]]);
    // An action made on the version seen before the notes is no conflict.
    let acked = f.store.act(ids[1], 1, Action::Acknowledge).unwrap();
    assert_eq!(acked.version, 2);
    // A completed event takes notes too.
    f.store.act(ids[0], 1, Action::Complete).unwrap();
    f.store
        .add_note(ids[0], "closed: false alarm", Actor::User)
        .unwrap();
    assert_eq!(search(&f, "alarm"), vec![ids[0]]);
    // Pushed as a change of the event.
    let pushed: Vec<i64> = f
        .published()
        .iter()
        .flat_map(|s| s.rows.iter().map(|e| e.id))
        .collect();
    assert!(pushed.contains(&ids[2]), "{pushed:?}");
}

#[test]
fn a_bad_note_is_refused_and_nothing_is_written() {
    let f = Fixture::new();
    let ids = f.add_events(1);
    let before = changes(&f);
    for (text, says) in [
        (" \n ".to_owned(), "is empty"),
        ("x".repeat(MAX_NOTE + 1), "at most 2000"),
        ("beep\u{7}".to_owned(), "U+0007"),
    ] {
        let e = f.store.add_note(ids[0], &text, Actor::User).unwrap_err();
        assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
        assert!(e.to_string().contains(says), "{e}");
    }
    assert!(matches!(
        f.store.add_note(999, "hello", Actor::User),
        Err(Error::NotFound { id: 999 })
    ));
    assert_eq!(changes(&f), before);
    for i in 0..MAX_NOTES {
        f.store
            .add_note(ids[0], &format!("note {i}"), Actor::User)
            .unwrap();
    }
    let e = f
        .store
        .add_note(ids[0], "one more", Actor::User)
        .unwrap_err();
    assert!(e.to_string().contains("200 notes already"), "{e}");
    assert_eq!(changes(&f), before + MAX_NOTES);
}

#[test]
fn the_handover_counts_the_notes_others_left_and_the_events_they_claimed() {
    let f = Fixture::new();
    let ids = f.add_events(3);
    let since = eventdesk_core::Clock::now_ms(&*f.clock);
    let bob = Actor::operator("bob").unwrap();
    f.store
        .add_note(ids[0], "looked at it", bob.clone())
        .unwrap();
    f.store.add_note(ids[0], "and again", bob.clone()).unwrap();
    f.store.add_note(ids[2], "mine", Actor::User).unwrap();
    let h = f.store.handover(since, &Actor::User).unwrap();
    assert_eq!(h.noted.count, 1);
    assert_eq!(h.noted.events[0].id, ids[0]);
    // Bob claims one; this desk's operator takes another (left out of its own summary).
    let mut conn = f.store.connect().unwrap();
    f.feed
        .write(&mut conn, &*f.clock, |w| {
            eventdesk_core::db::actions::assign(w, ids[1], 1, Some(&bob), bob.clone())
        })
        .unwrap();
    f.store
        .assign(
            &[eventdesk_core::Target {
                id: ids[2],
                expected_version: 1,
            }],
            Some(&Actor::User),
        )
        .unwrap();
    let h = f.store.handover(since, &Actor::User).unwrap();
    assert_eq!(h.assigned.count, 1);
    assert_eq!(h.assigned.events[0].id, ids[1]);
    let for_bob = f.store.handover(since, &bob).unwrap();
    assert_eq!(for_bob.noted.count, 1);
    assert_eq!(for_bob.noted.events[0].id, ids[2]);
}

#[test]
fn a_file_from_before_notes_keeps_its_search_and_takes_notes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v18.db");
    let open = || {
        let (feed, _rx) = eventdesk_core::CommitFeed::new();
        eventdesk_core::Store::open(
            &path,
            feed,
            std::sync::Arc::new(eventdesk_core::SystemClock),
        )
        .unwrap()
    };
    {
        let store = open();
        let mut conn = store.connect().unwrap();
        let (feed, _rx) = eventdesk_core::CommitFeed::new();
        for i in 0..3 {
            feed.write(&mut conn, &eventdesk_core::SystemClock, |w| {
                w.insert(&crate::support::new_event(i), &Actor::Simulator)
            })
            .unwrap();
        }
    }
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "{UNDO_ASSIGNEES} {UNDO_NOTES} PRAGMA user_version = 18;"
        ))
        .unwrap();
    }
    let store = open();
    let find = |text: &str| {
        store
            .list_events(&EventQuery {
                filter: EventFilter {
                    search: Some(text.into()),
                    ..EventFilter::default()
                },
                ..EventQuery::new(1, 50)
            })
            .unwrap()
            .total
    };
    assert_eq!(find("merchant"), 3, "the index was built again");
    store.add_note(2, "reissued the card", Actor::User).unwrap();
    assert_eq!(find("reissued"), 1);
}
