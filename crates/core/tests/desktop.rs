//! What the desktop shell builds on: persisted preferences, rate-limited critical-event
//! notices, streamed export, and the activity counts.

use crate::support::{Fixture, T0};
use eventdesk_core::db::NewEvent;
use eventdesk_core::model::{AckTimeouts, TimerPolicy};
use eventdesk_core::services::activity::{last_hour, MINUTES, MINUTE_MS};
use eventdesk_core::services::export::{iso_utc, spreadsheet_safe, CSV_HEADER};
use eventdesk_core::{
    Actor, AppSettings, ChangeSet, CommitFeed, Density, Error, Event, EventFilter, EventQuery,
    ExportFormat, ExportOutcome, ManualClock, Notifier, Severity, SimConfig, Simulator, Sort,
    SortKey, Sounds, Status, Store, Theme,
};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

// ---- settings ----

#[test]
fn settings_default_until_saved_then_survive_reopening_the_file() {
    let f = Fixture::new();
    assert_eq!(AppSettings::load(&f.store).0, AppSettings::default());
    assert!(
        AppSettings::default().notifications,
        "notifications are on by default"
    );
    let chosen = AppSettings {
        theme: Theme::Dark,
        notifications: false,
        sounds: Sounds {
            critical: true,
            ..Sounds::default()
        },
        close_to_tray: true,
        page_size: 100,
        density: Density::Compact,
        max_silence_days: 7,
        timers: TimerPolicy {
            ack_timeout_minutes: AckTimeouts {
                critical: Some(15),
                ..AckTimeouts::default()
            },
            expire_after_hours: Some(72),
        },
    };
    chosen.save(&f.store).unwrap();

    let path = f.store.path().to_owned();
    drop(f.store);
    let (feed, _rx) = CommitFeed::new();
    let reopened = Store::open(&path, feed, Arc::new(ManualClock::new(T0))).unwrap();
    assert_eq!(AppSettings::load(&reopened).0, chosen);
}

#[test]
fn invalid_settings_are_refused_and_nothing_is_written() {
    let f = Fixture::new();
    let good = AppSettings {
        theme: Theme::Light,
        ..AppSettings::default()
    };
    good.save(&f.store).unwrap();
    let bad = AppSettings {
        page_size: 7,
        theme: Theme::Dark,
        ..AppSettings::default()
    };
    match bad.save(&f.store) {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "pageSize"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    for days in [0, 366] {
        let bad = AppSettings {
            max_silence_days: days,
            ..AppSettings::default()
        };
        match bad.save(&f.store) {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "maxSilenceDays"),
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }
    assert_eq!(AppSettings::load(&f.store).0, good);
}

#[test]
fn a_silence_longer_than_the_desks_setting_is_refused_saying_so() {
    use eventdesk_core::model::parse_matchers;
    use eventdesk_core::{Actor, Clock, SilenceDraft};
    let f = Fixture::new();
    let now = f.clock.now_ms();
    let draft = |days: i64| SilenceDraft {
        matchers: parse_matchers("source=db-7").unwrap(),
        starts_at: None,
        ends_at: now + days * 86_400_000,
        comment: "maintenance".into(),
    };
    // 30 days by default; a desk may allow up to a year, or less.
    assert!(f.store.add_silence(&draft(31), &Actor::User).is_err());
    AppSettings {
        max_silence_days: 90,
        ..AppSettings::default()
    }
    .save(&f.store)
    .unwrap();
    f.store.add_silence(&draft(60), &Actor::User).unwrap();
    AppSettings {
        max_silence_days: 2,
        ..AppSettings::default()
    }
    .save(&f.store)
    .unwrap();
    match f.store.add_silence(&draft(3), &Actor::User) {
        Err(Error::InvalidInput { field, message }) => {
            assert_eq!(field, "endsAt");
            assert!(message.contains("2 days"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f.store.silences().unwrap().len(), 1);
}

#[test]
fn settings_saved_by_an_older_version_fill_in_defaults() {
    let f = Fixture::new();
    f.store
        .save_setting(
            "app",
            &serde_json::json!({ "theme": "dark", "pageSize": 3, "sounds": { "error": true } }),
        )
        .unwrap();
    let loaded = AppSettings::load(&f.store).0;
    assert_eq!(loaded.theme, Theme::Dark);
    assert_eq!(loaded.page_size, 50, "an out-of-range page size falls back");
    assert!(loaded.notifications);
    assert!(loaded.sounds.error && !loaded.sounds.critical);
    assert_eq!(
        loaded.density,
        Density::Comfortable,
        "rows are comfortable until chosen"
    );
}

// ---- notifications ----

fn critical_event(id: i64) -> Event {
    Event {
        id,
        kind: "ledger.lag".into(),
        source: "ledger".into(),
        severity: Severity::Critical,
        title: format!("Ledger behind by {id} s"),
        status: Status::Open,
        created_at: T0,
        updated_at: T0,
        updated_by: Actor::Simulator,
        completed_at: None,
        completed_by: None,
        reopened_at: None,
        reopened_by: None,
        version: 1,
        dedup_key: None,
        occurrences: 1,
        last_seen_at: T0,
        team_key: None,
        snoozed_until: None,
        assignee: None,
    }
}

fn critical_set(ids: &[i64]) -> ChangeSet {
    ChangeSet {
        from_seq: 1,
        to_seq: 1,
        rows: ids.iter().map(|&id| critical_event(id)).collect(),
        created: ids.iter().rev().copied().collect(),
        critical: ids.iter().rev().copied().collect(),
        total: 10,
        tally: eventdesk_core::Tally::default(),
        reload: false,
    }
}

#[test]
fn notices_come_at_most_once_per_interval_and_count_the_ones_held_back() {
    let mut n = Notifier::new(10_000);
    let mut now = T0;

    let first = n
        .observe(&critical_set(&[1]), now)
        .expect("the first is shown at once");
    assert_eq!(first.title, "Critical: Ledger behind by 1 s");
    assert_eq!((first.event_id, first.count), (1, 1));

    // Three more within the interval: held back.
    for id in [2, 3, 4] {
        now += 2_000;
        assert_eq!(n.observe(&critical_set(&[id]), now), None);
    }
    now += 3_999; // 9,999 ms after the first
    assert_eq!(n.tick(now), None);
    assert_eq!(n.due_at(), Some(T0 + 10_000));
    now += 1;
    let summary = n.tick(now).expect("due after 10 s");
    assert_eq!(summary.body, "2 more critical events");
    assert_eq!((summary.event_id, summary.count), (4, 3));
    assert_eq!(summary.title, "Critical: Ledger behind by 4 s");
    assert_eq!(n.tick(now + 60_000), None, "nothing held back now");
    assert_eq!(n.due_at(), None);

    // Several in one set after a quiet spell: one notice for all of them.
    let burst = n
        .observe(&critical_set(&[5, 6, 7, 8]), now + 60_000)
        .unwrap();
    assert_eq!((burst.event_id, burst.count), (8, 4));
    assert_eq!(burst.body, "3 more critical events");
}

#[test]
fn a_set_without_critical_events_notifies_nothing_and_clear_forgets_held_ones() {
    let mut n = Notifier::new(10_000);
    let mut set = critical_set(&[1]);
    set.critical.clear();
    assert_eq!(n.observe(&set, T0), None);
    n.observe(&critical_set(&[2]), T0).unwrap();
    assert_eq!(n.observe(&critical_set(&[3]), T0 + 1), None);
    n.clear();
    assert_eq!(n.tick(T0 + 20_000), None);
}

#[test]
fn change_sets_name_events_created_critical_and_escalated_to_critical() {
    let f = Fixture::new();
    let mut conn = f.store.connect().unwrap();
    let mk = |severity| NewEvent {
        severity,
        ..crate::support::new_event(0)
    };
    let (crit, err) = f
        .feed
        .write(&mut conn, &eventdesk_core::At(T0), |w| {
            Ok((
                w.insert(&mk(Severity::Critical), &Actor::Simulator)?,
                w.insert(&mk(Severity::Error), &Actor::Simulator)?,
            ))
        })
        .unwrap();
    let set = f.published().pop().unwrap();
    assert_eq!(set.critical, vec![crit]);
    let seq_before = set.to_seq;

    f.feed
        .write(&mut conn, &eventdesk_core::At(T0 + 1), |w| {
            let e = eventdesk_core::db::rows::load_event(&*w, err)?;
            w.set_severity(&e, Severity::Critical, &Actor::Simulator)
        })
        .unwrap();
    assert_eq!(f.published().pop().unwrap().critical, vec![err]);

    // A window catching up learns the same.
    let caught = f.store.changes_since(0).unwrap().changes.unwrap();
    let mut got = caught.critical.clone();
    got.sort_unstable();
    assert_eq!(got, vec![crit, err]);
    let later = f.store.changes_since(seq_before).unwrap().changes.unwrap();
    assert_eq!(later.critical, vec![err]);
}

// ---- export ----

fn populated(changes: u64) -> Fixture {
    let f = Fixture::new();
    let mut conn = f.store.connect().unwrap();
    let mut sim = Simulator::new(SimConfig {
        new_share: 0.6,
        ..SimConfig::new(5)
    });
    for _ in 0..changes / 50 {
        f.clock.advance(1_000);
        sim.run_batch(&mut conn, &f.feed, &*f.clock, 50).unwrap();
    }
    f
}

/// Every row of a view, from the independent reference (a plain `SELECT`, filtered and
/// sorted in test code).
fn view_rows(f: &Fixture, filter: &EventFilter, sort: Sort) -> Vec<Event> {
    crate::oracle::view(&crate::oracle::plain_events(f.store.path()), filter, sort)
}

/// The records of a CSV text (RFC 4180: quoted fields may hold commas, quotes and line breaks).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    // The byte-order mark that tells spreadsheets the file is UTF-8.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the last record ends with a line break"
    );
    records
}

/// `2025-11-25T23:18:40.123Z` as Unix ms, by counting days from 1970 (not how the export
/// formats them).
fn iso_to_ms(text: &str) -> i64 {
    let num = |a: usize, b: usize| text[a..b].parse::<i64>().unwrap();
    assert_eq!(text.len(), 24, "{text}");
    assert_eq!(
        (&text[4..5], &text[10..11], &text[23..]),
        ("-", "T", "Z"),
        "{text}"
    );
    let (year, month, day) = (num(0, 4), num(5, 7), num(8, 10));
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days: i64 = (1970..year).map(|y| if leap(y) { 366 } else { 365 }).sum();
    let lengths = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    days += lengths[..(month - 1) as usize].iter().sum::<i64>() + day - 1;
    ((days * 24 + num(11, 13)) * 60 + num(14, 16)) * 60_000 + num(17, 19) * 1_000 + num(20, 23)
}

/// A text field as the export should write it: a leading formula character defused with `'`.
fn defused(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// Checks one parsed CSV record against the event it should hold.
fn assert_record(record: &[String], e: &Event) {
    let time = |t: Option<i64>, i: usize| match t {
        Some(t) => assert_eq!(iso_to_ms(&record[i]), t, "column {i} of event {}", e.id),
        None => assert_eq!(record[i], "", "column {i} of event {}", e.id),
    };
    let who = |a: Option<&Actor>| match a {
        Some(Actor::User) => "user".to_owned(),
        Some(Actor::Simulator) => "simulator".to_owned(),
        Some(Actor::Operator(name)) => format!("operator:{name}"),
        Some(Actor::Source(name)) => format!("source:{name}"),
        Some(Actor::Timer(timer)) => format!("timer:{}", timer.as_str()),
        None => String::new(),
    };
    assert_eq!(record.len(), 18, "{record:?}");
    assert_eq!(record[0], e.id.to_string());
    time(Some(e.created_at), 1);
    let severity =
        ["info", "warning", "error", "critical"][crate::oracle::badness(e.severity) as usize];
    assert_eq!(
        (record[2].as_str(), record[3].as_str()),
        (severity, status_text(e.status))
    );
    assert_eq!(
        record[4..7],
        [defused(&e.kind), defused(&e.source), defused(&e.title)]
    );
    time(Some(e.updated_at), 7);
    assert_eq!(record[8], who(Some(&e.updated_by)));
    time(e.completed_at, 9);
    assert_eq!(record[10], who(e.completed_by.as_ref()));
    time(e.reopened_at, 11);
    assert_eq!(record[12], who(e.reopened_by.as_ref()));
    assert_eq!(record[13], e.version.to_string());
    assert_eq!(
        record[14],
        e.dedup_key.as_deref().map(defused).unwrap_or_default()
    );
    assert_eq!(record[15], e.occurrences.to_string());
    time(Some(e.last_seen_at), 16);
    assert_eq!(record[17], e.team_key.as_deref().unwrap_or_default());
}

fn status_text(s: Status) -> &'static str {
    match s {
        Status::Open => "open",
        Status::Acknowledged => "acknowledged",
        Status::Completed => "completed",
    }
}

#[test]
fn csv_export_holds_every_row_of_the_view_in_order() {
    let f = populated(2_000);
    let filter = EventFilter {
        statuses: vec![Status::Open, Status::Acknowledged],
        ..Default::default()
    };
    let sort = Sort {
        by: SortKey::Severity,
        descending: true,
    };
    let expected = view_rows(&f, &filter, sort);
    assert!(expected.len() > 100, "{} rows", expected.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("view.csv");
    let mut reports = Vec::new();
    let out = f
        .store
        .export(
            &filter,
            sort,
            ExportFormat::Csv,
            &path,
            &AtomicBool::new(false),
            |r, t| reports.push((r, t)),
        )
        .unwrap();
    let n = expected.len() as i64;
    assert_eq!(
        out,
        ExportOutcome::Done {
            rows: n,
            path: path.display().to_string()
        }
    );
    assert_eq!(reports.first(), Some(&(0, n)));
    assert_eq!(reports.last(), Some(&(n, n)));
    let text = std::fs::read_to_string(&path).unwrap();
    let records = parse_csv(&text);
    assert_eq!(records[0].join(","), CSV_HEADER);
    assert_eq!(records.len() - 1, expected.len());
    for (record, event) in records[1..].iter().zip(&expected) {
        assert_record(record, event);
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
}

#[test]
fn json_export_of_a_search_round_trips_to_the_same_rows() {
    let f = populated(1_500);
    let filter = EventFilter {
        search: Some("ledger".into()),
        ..Default::default()
    };
    let expected = view_rows(&f, &filter, Sort::default());
    assert!(!expected.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("view.json");
    f.store
        .export(
            &filter,
            Sort::default(),
            ExportFormat::Json,
            &path,
            &AtomicBool::new(false),
            |_, _| {},
        )
        .unwrap();
    let parsed: Vec<Event> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(parsed, expected);
}

#[test]
fn a_cancelled_export_leaves_no_file_and_keeps_an_existing_one() {
    let f = populated(12_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("view.csv");
    std::fs::write(&path, "an earlier export\n").unwrap();
    let cancel = AtomicBool::new(false);
    let out = f
        .store
        .export(
            &EventFilter::default(),
            Sort::default(),
            ExportFormat::Csv,
            &path,
            &cancel,
            |rows, _| {
                // The operator presses Cancel once the first progress report arrives.
                if rows >= eventdesk_core::services::export::PROGRESS_EVERY {
                    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            },
        )
        .unwrap();
    assert!(
        matches!(out, ExportOutcome::Cancelled { rows } if rows == eventdesk_core::services::export::PROGRESS_EVERY),
        "{out:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "an earlier export\n"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
}

#[test]
fn export_to_a_missing_folder_is_invalid_input() {
    let f = populated(100);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-folder").join("view.csv");
    match f.store.export(
        &EventFilter::default(),
        Sort::default(),
        ExportFormat::Csv,
        &path,
        &AtomicBool::new(false),
        |_, _| {},
    ) {
        Err(Error::InvalidInput { field, message }) => {
            assert_eq!(field, "path");
            assert!(message.contains("folder does not exist"), "{message}");
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn a_csv_line_is_exactly_as_written_out_by_hand() {
    let f = Fixture::new();
    let mut conn = f.store.connect().unwrap();
    // 2026-03-01T08:30:05.250Z
    let at = 1_772_353_805_250;
    let id = f
        .feed
        .write(&mut conn, &eventdesk_core::At(at), |w| {
            w.insert(
                &NewEvent {
                    kind: "=cmd|' /C calc'!A0".into(),
                    source: "payments, \"eu\"".into(),
                    severity: Severity::Error,
                    title: "Line one\nline two".into(),
                    dedup_key: Some("payments/eu,7".into()),
                    ..NewEvent::default()
                },
                &Actor::Simulator,
            )
        })
        .unwrap();
    f.feed
        .write(&mut conn, &eventdesk_core::At(at + 60_000), |w| {
            let e = w.current(id)?;
            w.set_status(&e, Status::Completed, &Actor::User)
        })
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.csv");
    f.store
        .export(
            &EventFilter::default(),
            Sort::default(),
            ExportFormat::Csv,
            &path,
            &AtomicBool::new(false),
            |_, _| {},
        )
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let expected = "\u{feff}id,created,severity,status,kind,source,title,updated,updated_by,\
completed,completed_by,reopened,reopened_by,version,dedup_key,occurrences,last_seen,team_key\r\n\
1,2026-03-01T08:30:05.250Z,error,completed,'=cmd|' /C calc'!A0,\"payments, \"\"eu\"\"\",\
\"Line one\nline two\",2026-03-01T08:31:05.250Z,user,2026-03-01T08:31:05.250Z,user,,,2,\
\"payments/eu,7\",1,2026-03-01T08:30:05.250Z,\r\n";
    assert_eq!(text, expected);
}

#[test]
fn csv_fields_are_defused_and_times_are_iso_utc() {
    assert_eq!(spreadsheet_safe("plain"), "plain");
    assert_eq!(spreadsheet_safe("a,b"), "a,b");
    assert_eq!(spreadsheet_safe("=SUM(A1)"), "'=SUM(A1)");
    for lead in ["+1", "-1", "@A1", "\tx", "\rx"] {
        assert_eq!(spreadsheet_safe(lead), format!("'{lead}"));
    }
    assert_eq!(iso_utc(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(iso_utc(1_764_112_720_123), "2025-11-25T23:18:40.123Z");
    assert_eq!(iso_utc(951_782_400_000), "2000-02-29T00:00:00.000Z");
    assert_eq!(iso_utc(-1), "1969-12-31T23:59:59.999Z");
}

// ---- activity ----

#[test]
fn activity_counts_each_minute_of_the_last_hour_by_severity() {
    let f = Fixture::new();
    let mut conn = f.store.connect().unwrap();
    let now = T0 + 90 * MINUTE_MS + 30_000;
    // (minutes before now, severity): one event each, and two outside the hour.
    let plan = [
        (0, Severity::Critical),
        (0, Severity::Critical),
        (0, Severity::Info),
        (5, Severity::Warning),
        (59, Severity::Error),
        (60, Severity::Error),
        (75, Severity::Critical),
    ];
    // Oldest first: change times never go backwards.
    for (ago, severity) in plan.into_iter().rev() {
        f.feed
            .write(&mut conn, &eventdesk_core::At(now - ago * MINUTE_MS), |w| {
                w.insert(
                    &NewEvent {
                        severity,
                        ..crate::support::new_event(0)
                    },
                    &Actor::Simulator,
                )
            })
            .unwrap();
    }
    let minutes = last_hour(&conn, now).unwrap();
    assert_eq!(minutes.len() as i64, MINUTES);
    assert!(minutes
        .windows(2)
        .all(|w| w[1].start - w[0].start == MINUTE_MS));
    let last = minutes[59];
    assert!(last.start <= now && now < last.start + MINUTE_MS);
    assert_eq!((last.critical, last.info, last.error), (2, 1, 0));
    assert_eq!(minutes[54].warning, 1);
    assert_eq!(minutes[0].error, 1);
    let total: i64 = minutes
        .iter()
        .map(|m| m.info + m.warning + m.error + m.critical)
        .sum();
    assert_eq!(total, 5, "the two older events are outside the hour");
}

#[test]
fn an_export_waits_while_another_program_holds_the_target_then_says_to_close_it() {
    use eventdesk_core::services::export::replace;
    use std::io::{Error as IoError, ErrorKind};
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let (temp, path) = (dir.path().join(".x.csv.part"), dir.path().join("x.csv"));
    std::fs::write(&path, "old").unwrap();
    std::fs::write(&temp, "new").unwrap();
    // Held twice (as Windows refuses while Excel has the file open), then free.
    let mut held = 2;
    replace(
        &temp,
        &path,
        |from, to| {
            if held > 0 {
                held -= 1;
                return Err(IoError::from(ErrorKind::PermissionDenied));
            }
            std::fs::rename(from, to)
        },
        Duration::ZERO,
    )
    .unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    assert!(!temp.exists());

    // Held for good: the target is left as it was, and the error says what to do.
    std::fs::write(&temp, "newer").unwrap();
    let mut tries = 0;
    let e = replace(
        &temp,
        &path,
        |_, _| {
            tries += 1;
            Err(IoError::from(ErrorKind::PermissionDenied))
        },
        Duration::ZERO,
    )
    .unwrap_err();
    assert_eq!(tries, 5);
    assert!(
        e.to_string().contains("close it there and export again"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");

    // Any other failure is not waited on.
    let mut tries = 0;
    replace(
        &temp,
        &path,
        |_, _| {
            tries += 1;
            Err(IoError::from(ErrorKind::NotFound))
        },
        Duration::ZERO,
    )
    .unwrap_err();
    assert_eq!(tries, 1);
}

#[test]
fn every_kind_of_read_is_answered_while_an_export_holds_its_connection() {
    let f = populated(3_000);
    let first = f.store.list_events(&EventQuery::new(1, 1)).unwrap();
    let (id, seq, total) = (first.rows[0].id, first.seq, first.total);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("view.csv");
    let (paused, started) = std::sync::mpsc::channel();
    let (resume, resumed) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        let (store, path) = (&f.store, &path);
        let export = s.spawn(move || {
            let mut first = true;
            store.export(
                &EventFilter::default(),
                Sort::default(),
                ExportFormat::Csv,
                path,
                &AtomicBool::new(false),
                |_, _| {
                    // Mid-export, inside its read transaction: the other reads go on meanwhile.
                    if std::mem::take(&mut first) {
                        paused.send(()).unwrap();
                        let _ = resumed.recv_timeout(std::time::Duration::from_secs(120));
                    }
                },
            )
        });
        started
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the export started");
        let (read, done) = std::sync::mpsc::channel();
        s.spawn(move || {
            assert_eq!(
                store
                    .list_events(&EventQuery::new(1, 5))
                    .unwrap()
                    .rows
                    .len(),
                5
            );
            assert_eq!(store.get_event(id).unwrap().event.id, id);
            assert!(store.tally().unwrap().unfinished > 0);
            assert!(!store.facets().unwrap().kinds.is_empty());
            let caught_up = store.changes_since(seq - 3).unwrap().changes.unwrap();
            assert_eq!(caught_up.to_seq, seq);
            assert!(store.activity().is_ok());
            store.save_setting("probe", &1).unwrap();
            assert_eq!(store.load_setting::<i32>("probe").unwrap(), Some(1));
            read.send(()).unwrap();
        });
        match done.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(()) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                panic!("reads were held up by the export")
            }
            Err(e) => panic!("a read failed (its panic is above): {e}"),
        }
        resume.send(()).unwrap();
        match export.join().unwrap().unwrap() {
            ExportOutcome::Done { rows, .. } => assert_eq!(rows, total),
            other => panic!("the export did not finish: {other:?}"),
        }
    });
}
