use crate::support::{Fixture, T0};
use eventdesk_core::services::seed;
use eventdesk_core::{Error, EventQuery, Status};

#[test]
fn seeds_events_with_consistent_history() {
    let f = Fixture::new();
    let mut conn = f.store.connect().unwrap();
    let schema = |conn: &rusqlite::Connection| -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    let before = schema(conn.as_sqlite());
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
    // Indexes, triggers and the search index are all back, and consistent.
    assert_eq!(schema(conn.as_sqlite()), before);
    let fk: Vec<i64> = conn
        .as_sqlite()
        .prepare("PRAGMA foreign_key_check")
        .unwrap()
        .query_map([], |r| r.get(1))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(fk.is_empty());
    // The counts summed while loading are the rows' counts, the search index matches its
    // content, and its load-time settings are back to the defaults writes use.
    let rows = |sql: &str| -> Vec<(String, i64, i64)> {
        let mut stmt = conn.as_sqlite().prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    assert_eq!(
        rows("SELECT status, severity, n FROM event_counts ORDER BY 1, 2"),
        rows("SELECT status, severity, count(*) FROM events GROUP BY 1, 2 ORDER BY 1, 2")
    );
    conn.as_sqlite()
        .execute_batch("INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)")
        .unwrap();
    let config: Vec<(String, i64)> = conn
        .as_sqlite()
        .prepare(
            "SELECT k, v FROM events_fts_config WHERE k IN ('automerge', 'hashsize') ORDER BY k",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        config,
        [
            ("automerge".to_owned(), 4),
            ("hashsize".to_owned(), 1024 * 1024)
        ]
    );
    let search = EventQuery {
        filter: eventdesk_core::EventFilter {
            search: Some("ledger".into()),
            ..Default::default()
        },
        ..EventQuery::new(1, 500)
    };
    let found = f.store.list_events(&search).unwrap();
    assert!(!found.rows.is_empty());
    assert!(found
        .rows
        .iter()
        .all(|e| format!("{} {} {}", e.title, e.kind, e.source)
            .to_lowercase()
            .contains("ledger")));
    let by_status = EventQuery {
        filter: eventdesk_core::EventFilter {
            statuses: vec![Status::Completed],
            ..Default::default()
        },
        ..EventQuery::new(1, 1)
    };
    let completed: i64 = conn
        .as_sqlite()
        .query_row(
            "SELECT count(*) FROM events WHERE status = 'completed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(f.store.list_events(&by_status).unwrap().total, completed);
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
