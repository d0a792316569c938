//! Probes an attacker or an unlucky user would try: files that are not ours, damaged files,
//! many writers, hand edits, saved settings out of range. Each runs against its own temp
//! folder, and a file that is not ours is checked byte for byte, with its folder's listing.

use crate::oracle;
use crate::support::{new_event, Fixture, T0};
use eventdesk_core::db::{self, Check};
use eventdesk_core::{
    Actor, AppSettings, ChangeSet, Clock, CommitFeed, Error, EventFilter, EventQuery, ManualClock,
    SimConfig, Simulator, Sort, SortKey, Store,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Every file in `dir` with its bytes.
fn listing(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

fn open(path: &Path) -> Result<Store, Error> {
    Store::open(path, CommitFeed::new().0, Arc::new(ManualClock::new(T0)))
}

/// Opening `path` is refused as not ours, with a short reason, and nothing in its folder
/// changes.
fn refused_untouched(path: &Path, reason: &str) {
    let dir = path.parent().unwrap();
    let before = listing(dir);
    let err = open(path).err().expect("refused");
    match &err {
        Error::NotEventdeskDatabase { reason: got, .. } => assert!(got.contains(reason), "{err}"),
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(text.len() < 200 && !text.contains("CREATE"), "{text}");
    assert!(listing(dir) == before, "the folder changed");
}

#[test]
fn an_sqlite_uri_is_refused_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let contacts = dir.path().join("contacts.db");
    rusqlite::Connection::open(&contacts)
        .unwrap()
        .execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada');")
        .unwrap();
    let before = listing(dir.path());
    let uri = format!("file:{}", contacts.display());
    match open(Path::new(&uri)) {
        Err(Error::InvalidInput { field, message }) => {
            assert_eq!(field, "path");
            assert!(message.contains("plain file path"), "{message}");
        }
        other => panic!("{:?}", other.err()),
    }
    assert!(listing(dir.path()) == before, "the folder changed");
    assert!(
        !Path::new("file:").exists(),
        "a folder named file: was made"
    );
}

#[test]
fn another_programs_wal_database_is_refused_without_a_wal_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let _: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
            .unwrap();
    }
    assert!(!dir.path().join("x.db-wal").exists());
    refused_untouched(&path, "another program");
}

#[test]
fn a_file_holding_only_a_view_with_a_user_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("view.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE VIEW answer AS SELECT 42; PRAGMA user_version = 4;")
        .unwrap();
    refused_untouched(&path, "another program");
}

#[test]
fn an_empty_sqlite_file_or_a_zero_byte_file_is_adopted() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let blank = dir.path().join("blank.db");
    // A valid SQLite file with no schema: just the page size set.
    rusqlite::Connection::open(&blank)
        .unwrap()
        .execute_batch("PRAGMA page_size = 4096; VACUUM;")
        .unwrap();
    for path in [empty, blank] {
        let store = open(&path).unwrap();
        assert_eq!(store.list_events(&EventQuery::new(1, 5)).unwrap().total, 0);
    }
}

/// A seeded Eventdesk file with `len` random bytes written over its middle pages.
fn damaged(dir: &Path, len: usize) -> std::path::PathBuf {
    let path = dir.join("damaged.db");
    db::prepare(&path, Check::Now).unwrap();
    let mut conn = db::connect(&path).unwrap();
    eventdesk_core::services::seed::seed(&mut conn, 4_000, 7, T0, |_, _| {}).unwrap();
    let _: String = conn
        .as_sqlite()
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .unwrap();
    drop(conn);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for b in &mut bytes[middle..middle + len] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *b = (state >> 24) as u8;
    }
    std::fs::write(&path, &bytes).unwrap();
    path
}

#[test]
fn a_damaged_file_is_found_at_open_and_nothing_is_written_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = damaged(dir.path(), 8 * 1024);
    let bytes = std::fs::read(&path).unwrap();
    // Checked before anything else (as the command-line tool does).
    match db::prepare(&path, Check::Now) {
        Err(Error::Corrupt {
            path: named,
            reason,
        }) => {
            assert_eq!(named, path.display().to_string());
            assert!(!reason.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert!(
        std::fs::read(&path).unwrap() == bytes,
        "the damaged file was written"
    );
    // Checked in the background (as the app does): every write stops once it is found.
    let (tx, problems) = std::sync::mpsc::channel();
    let (feed, _rx) = CommitFeed::new();
    match Store::open_with(
        &path,
        feed,
        Arc::new(ManualClock::new(T0)),
        Check::Later,
        move |e| {
            let _ = tx.send(e);
        },
    ) {
        // Reading the log's end may already meet a damaged page.
        Err(Error::Corrupt { .. }) => {}
        Err(other) => panic!("{other:?}"),
        Ok(store) => {
            let found = problems.recv_timeout(Duration::from_secs(20)).unwrap();
            assert!(matches!(found, Error::Corrupt { .. }), "{found:?}");
            let err = store.bulk(
                &[eventdesk_core::Target {
                    id: 1,
                    expected_version: 1,
                }],
                eventdesk_core::Action::Complete,
            );
            assert!(matches!(err, Err(Error::Corrupt { .. })), "{err:?}");
            assert!(matches!(
                store.save_setting("x", &1),
                Err(Error::Corrupt { .. })
            ));
        }
    }
    assert!(
        std::fs::read(&path).unwrap() == bytes,
        "the damaged file was written"
    );
}

/// A clock `lag` ms behind another writer's.
struct Skewed(Arc<ManualClock>, i64);

impl Clock for Skewed {
    fn now_ms(&self) -> i64 {
        self.0.now_ms() - self.1
    }
}

#[test]
fn times_never_go_backwards_whatever_the_writers_clocks_say() {
    // Three writers, each with its own connection and feed (as three processes would have),
    // and clocks that disagree by up to a minute.
    let f = Fixture::new();
    let shared = Arc::new(ManualClock::new(T0));
    let writers: Vec<_> = [0, 20_000, 60_000]
        .into_iter()
        .enumerate()
        .map(|(i, lag)| {
            let mut conn = f.store.connect().unwrap();
            let clock = Skewed(shared.clone(), lag);
            std::thread::spawn(move || {
                let (feed, _rx) = CommitFeed::new();
                let mut sim = Simulator::new(SimConfig {
                    new_share: 0.5,
                    ..SimConfig::new(i as u64)
                });
                for _ in 0..60 {
                    sim.run_batch(&mut conn, &feed, &clock, 5).unwrap();
                }
            })
        })
        .collect();
    for _ in 0..200 {
        shared.advance(500);
        std::thread::sleep(Duration::from_micros(200));
    }
    for w in writers {
        w.join().unwrap();
    }
    let conn = f.store.connect().unwrap();
    let at: Vec<i64> = conn
        .as_sqlite()
        .prepare("SELECT at FROM changes ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(at.len(), 900);
    assert!(
        at.windows(2).all(|w| w[0] <= w[1]),
        "a change time went backwards"
    );
    for e in oracle::plain_events(f.store.path()) {
        assert!(
            e.created_at <= e.updated_at,
            "event {} updated before it was created",
            e.id
        );
    }
}

#[test]
fn saved_settings_out_of_range_are_replaced_by_defaults_with_a_warning() {
    let f = Fixture::new();
    let conn = f.store.connect().unwrap();
    conn.as_sqlite().execute_batch(
        "INSERT INTO settings (key, value) VALUES \
         ('simulator', '{\"running\":true,\"rate\":2,\"seed\":1,\"newShare\":0.4,\"overrideChance\":2}'), \
         ('app', '{\"pageSize\":7,\"theme\":\"dark\"}')",
    )
    .unwrap();
    let (config, warnings) = SimConfig::starting(&f.store, |_| None, 99);
    assert_eq!(config, SimConfig::new(99));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("overrideChance"), "{warnings:?}");
    let (prefs, warnings) = AppSettings::load(&f.store);
    assert_eq!(prefs.page_size, AppSettings::default().page_size);
    assert_eq!(prefs.theme, eventdesk_core::Theme::Dark);
    assert!(warnings[0].contains("pageSize"), "{warnings:?}");
    // A malformed variable leaves the simulator paused, and says so.
    let (config, warnings) = SimConfig::starting(
        &f.store,
        |name| (name == "EVENTDESK_SIM_RATE").then(|| "NaN".to_owned()),
        99,
    );
    assert!(!config.running);
    assert!(
        warnings.iter().any(|w| w.contains("EVENTDESK_SIM_RATE")),
        "{warnings:?}"
    );
    // Unreadable JSON too.
    conn.as_sqlite()
        .execute(
            "UPDATE settings SET value = 'not json' WHERE key = 'app'",
            [],
        )
        .unwrap();
    let (prefs, warnings) = AppSettings::load(&f.store);
    assert_eq!(prefs, AppSettings::default());
    assert_eq!(warnings.len(), 1);
}

/// Resident memory of this process, in bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Views that go through the reader's columns, each against the reference.
fn column_views_match_the_reference(store: &Store) {
    let all = oracle::plain_events(store.path());
    for filter in [
        EventFilter {
            kind: Some("txn.timeout".into()),
            ..Default::default()
        },
        EventFilter {
            source: Some("payments-api".into()),
            from: Some(0),
            ..Default::default()
        },
    ] {
        for by in [SortKey::Time, SortKey::Updated] {
            let sort = Sort {
                by,
                descending: true,
            };
            let page = store
                .list_events(&EventQuery {
                    filter: filter.clone(),
                    sort,
                    ..EventQuery::new(1, 20)
                })
                .unwrap();
            let expected = oracle::view(&all, &filter, sort);
            assert_eq!(page.total, expected.len() as i64, "{filter:?}");
            assert_eq!(
                page.rows,
                oracle::page(&expected, 1, 20),
                "{filter:?} {by:?}"
            );
        }
    }
}

#[test]
fn an_id_far_above_the_count_turns_the_columns_off_instead_of_allocating() {
    let f = Fixture::new();
    f.add_events(30);
    let conn = f.store.connect().unwrap();
    conn.as_sqlite().execute_batch(
        "INSERT INTO events (id, kind, source, severity, title, status, created_at, updated_at, updated_by)
         VALUES (1000000000, 'txn.timeout', 'payments-api', 1, 'Far away', 'open', 5, 5, 'user');",
    )
    .unwrap();
    let before = rss();
    let store = open(f.store.path()).unwrap();
    column_views_match_the_reference(&store);
    let grown = rss().saturating_sub(before);
    assert!(grown < 256 << 20, "memory grew by {} MB", grown >> 20);
}

#[test]
fn a_row_deleted_by_hand_is_skipped_and_the_memory_read_again() {
    let f = Fixture::new();
    f.add_events(40);
    column_views_match_the_reference(&f.store);
    f.store
        .connect()
        .unwrap()
        .as_sqlite()
        .execute_batch(
            "DROP TRIGGER events_are_never_deleted; DROP TRIGGER changes_are_never_deleted;
             DELETE FROM changes WHERE event_id = 35; DELETE FROM events WHERE id = 35;",
        )
        .unwrap();
    column_views_match_the_reference(&f.store);
    column_views_match_the_reference(&f.store);
}

#[test]
fn a_row_changed_outside_the_change_log_is_seen() {
    let f = Fixture::new();
    f.add_events(40);
    column_views_match_the_reference(&f.store);
    // Acknowledged by hand, without a log entry: the memory cannot follow it from the log.
    f.store
        .connect()
        .unwrap()
        .as_sqlite()
        .execute(
            "UPDATE events SET status = 'acknowledged' WHERE id % 3 = 0",
            [],
        )
        .unwrap();
    column_views_match_the_reference(&f.store);
    let filter = EventFilter {
        kind: Some("txn.timeout".into()),
        statuses: vec![eventdesk_core::Status::Acknowledged],
        ..Default::default()
    };
    let page = f
        .store
        .list_events(&EventQuery {
            filter,
            ..EventQuery::new(1, 50)
        })
        .unwrap();
    assert_eq!(page.total, 13);
}

/// Sets from `rx` until one reaches `seq`, or panics after `within`.
fn wait_for_seq(rx: &Receiver<ChangeSet>, seq: i64, within: Duration) -> Vec<ChangeSet> {
    let deadline = Instant::now() + within;
    let mut got = Vec::new();
    while got.last().is_none_or(|s: &ChangeSet| s.to_seq < seq) {
        let left = deadline.saturating_duration_since(Instant::now());
        got.push(rx.recv_timeout(left).expect("no push in time"));
    }
    got
}

#[test]
fn another_processs_commits_are_published_within_a_second_and_sets_follow_on() {
    let f = Fixture::new();
    f.add_events(3);
    let _ = f.published();
    // Another process: its own connection and feed.
    let mut other = f.store.connect().unwrap();
    let (their_feed, _theirs) = CommitFeed::new();
    let started = Instant::now();
    let id = their_feed
        .write(&mut other, &eventdesk_core::At(T0 + 10_000), |w| {
            w.insert(&new_event(77), &Actor::Simulator)
        })
        .unwrap();
    let sets = wait_for_seq(&f.rx, 4, Duration::from_secs(1));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!((sets[0].from_seq, sets.last().unwrap().to_seq), (4, 4));
    assert!(sets.iter().any(|s| s.created.contains(&id)));
    // Another outside write, then one of ours at once: our set carries both, in order.
    their_feed
        .write(&mut other, &eventdesk_core::At(T0 + 11_000), |w| {
            let e = w.current(1)?;
            w.set_severity(&e, eventdesk_core::Severity::Critical, &Actor::Simulator)
        })
        .unwrap();
    let ours = f.add_events(1)[0];
    let sets = wait_for_seq(&f.rx, 6, Duration::from_secs(1));
    let mut next = 5;
    for s in &sets {
        assert_eq!(s.from_seq, next, "sets follow on");
        next = s.to_seq + 1;
    }
    let rows: Vec<i64> = sets
        .iter()
        .flat_map(|s| s.rows.iter().map(|r| r.id))
        .collect();
    assert!(rows.contains(&1) && rows.contains(&ours), "{rows:?}");
    assert!(sets.iter().any(|s| s.critical.contains(&1)));
}

#[test]
fn an_action_while_another_process_holds_the_write_lock_is_busy_within_the_bound() {
    let f = Fixture::new();
    f.add_events(2);
    let blocker = f.store.connect().unwrap();
    blocker
        .as_sqlite()
        .execute_batch("BEGIN IMMEDIATE")
        .unwrap();
    let started = Instant::now();
    let err = f
        .store
        .act(1, 1, eventdesk_core::Action::Complete)
        .unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    assert!(
        waited >= Duration::from_millis(1_500) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    blocker.as_sqlite().execute_batch("ROLLBACK").unwrap();
    assert!(f.store.act(1, 1, eventdesk_core::Action::Complete).is_ok());
}

#[test]
fn a_database_file_replaced_while_open_stops_every_write_and_says_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    let (tx, problems) = std::sync::mpsc::channel();
    let (feed, _rx) = CommitFeed::new();
    let store = Store::open_with(
        &path,
        feed,
        Arc::new(ManualClock::new(T0)),
        Check::Now,
        move |e| {
            let _ = tx.send(e);
        },
    )
    .unwrap();
    store.save_setting("before", &1).unwrap();
    // A writer of its own, as a source's ingester has, opened before.
    let mut events = store.connect().unwrap();
    // Another program puts another file in its place (a restore, a sync tool).
    let other = dir.path().join("other");
    std::fs::write(&other, b"not a database at all").unwrap();
    std::fs::rename(&other, &path).unwrap();
    let found = problems.recv_timeout(Duration::from_secs(10)).unwrap();
    match &found {
        Error::Replaced { path: p, found } => {
            assert_eq!(p, &path.display().to_string());
            assert!(found.contains("not an Eventdesk database"), "{found}");
        }
        other => panic!("{other:?}"),
    }
    // No write goes to the file Eventdesk opened, nor to the new one.
    assert!(matches!(
        store.save_setting("after", &2),
        Err(Error::Replaced { .. })
    ));
    let refused = store
        .feed()
        .write(&mut events, &*store.clock().clone(), |w| {
            w.insert(&new_event(1), &eventdesk_core::Actor::User)
        });
    assert!(
        matches!(refused, Err(Error::Replaced { .. })),
        "{refused:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"not a database at all");
}
