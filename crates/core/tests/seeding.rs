use crate::support::{Fixture, T0};
use eventdesk_core::{seed, Error, EventQuery, Status};

#[test]
fn seeds_events_with_consistent_history() {
    let f = Fixture::new();
    let mut conn = f.store.connect().unwrap();
    let mut calls = Vec::new();
    let report = seed::seed(&mut conn, 1_200, 4, T0, |done, total| {
        calls.push((done, total))
    })
    .unwrap();
    assert_eq!(report.events, 1_200);
    assert_eq!(calls.last(), Some(&(1_200, 1_200)));
    let page = f.store.list_events(&EventQuery::new(1, 500)).unwrap();
    assert_eq!(page.total, 1_200);
    assert_eq!(page.seq as u64, report.changes);
    for e in page.rows.iter().take(100) {
        let d = f.store.get_event(e.id).unwrap();
        assert_eq!(d.history.len() as i64, e.version, "event {}", e.id);
        assert_eq!(d.history.last().unwrap().at, e.updated_at);
        assert!(e.updated_at <= T0 && e.created_at <= e.updated_at);
        assert_eq!(e.status == Status::Completed, e.completed_by.is_some());
    }
    let statuses: std::collections::HashSet<_> = page.rows.iter().map(|e| e.status).collect();
    assert_eq!(statuses.len(), 3);
}

#[test]
fn refuses_a_database_that_has_events() {
    let f = Fixture::new();
    f.add_events(1);
    let mut conn = f.store.connect().unwrap();
    let before = f.dump();
    assert!(matches!(
        seed::seed(&mut conn, 10, 1, T0, |_, _| {}),
        Err(Error::InvalidInput { .. })
    ));
    assert_eq!(f.dump(), before);
}
