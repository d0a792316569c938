use eventdesk_core::services::push::{due, Pusher};
use eventdesk_core::{Actor, ChangeSet, Event, Severity, Status};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn row(id: i64, version: i64) -> Event {
    Event {
        id,
        kind: "ledger.lag".into(),
        source: "ledger".into(),
        severity: Severity::Info,
        title: format!("lag on shard {id}"),
        status: Status::Open,
        created_at: 0,
        updated_at: version,
        updated_by: Actor::Simulator,
        completed_at: None,
        completed_by: None,
        reopened_at: None,
        reopened_by: None,
        version,
        dedup_key: None,
        occurrences: 1,
        last_seen_at: 0,
        team_key: None,
        snoozed_until: None,
        assignee: None,
    }
}

fn set(seq: i64, rows: Vec<Event>, created: Vec<i64>, total: i64) -> ChangeSet {
    ChangeSet {
        from_seq: seq,
        to_seq: seq,
        rows,
        created,
        critical: Vec::new(),
        total,
        tally: eventdesk_core::Tally::default(),
        reload: false,
    }
}

#[test]
fn absorb_keeps_each_events_latest_row_and_the_whole_range() {
    let mut a = set(5, vec![row(1, 1), row(2, 3)], vec![2], 2);
    a.absorb(set(6, vec![row(2, 4), row(3, 1)], vec![3], 3));
    a.absorb(set(7, vec![row(1, 2)], vec![], 3));
    assert_eq!((a.from_seq, a.to_seq, a.total), (5, 7, 3));
    assert_eq!(a.rows, vec![row(1, 2), row(2, 4), row(3, 1)]);
    assert_eq!(a.created, vec![3, 2]);
}

/// Runs a pusher on its own thread; each emit is recorded with the time it began.
fn spawn_pusher(
    rx: mpsc::Receiver<ChangeSet>,
    interval: Duration,
) -> (
    std::thread::JoinHandle<()>,
    mpsc::Receiver<(Instant, ChangeSet)>,
) {
    let (out, emitted) = mpsc::channel();
    let thread = Pusher::new(rx, interval)
        .spawn(move |s| {
            let _ = out.send((Instant::now(), s));
        })
        .unwrap();
    (thread, emitted)
}

#[test]
fn pushes_under_a_flood_are_contiguous_spaced_by_the_interval_and_miss_nothing() {
    let interval = Duration::from_millis(50);
    let (tx, rx) = mpsc::channel();
    let (pusher, emitted) = spawn_pusher(rx, interval);
    // About 0.6 s of sets, one every 0.2 ms or so: far more than one per interval.
    let started = Instant::now();
    for seq in 1..=3_000 {
        tx.send(set(seq, vec![row(seq % 50 + 1, seq)], vec![], seq))
            .unwrap();
        if seq % 10 == 0 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let flood = started.elapsed();
    // Everything is pushed while the sender is still there (a closing channel flushes at once).
    let mut pushes: Vec<(Instant, ChangeSet)> = Vec::new();
    while pushes.last().is_none_or(|(_, p)| p.to_seq < 3_000) {
        pushes.push(emitted.recv_timeout(Duration::from_secs(10)).unwrap());
    }
    drop(tx);
    pusher.join().unwrap();
    let mut next = 1;
    for (_, p) in &pushes {
        assert_eq!(p.from_seq, next, "pushes follow on");
        next = p.to_seq + 1;
    }
    assert_eq!(next, 3_001);
    assert_eq!(pushes.last().unwrap().1.total, 3_000);
    for pair in pushes.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        assert!(gap >= interval, "two pushes {gap:?} apart");
    }
    // Merged, yet still flowing: about one push per interval while the flood lasts.
    let most = flood.as_millis() / interval.as_millis() + 2;
    assert!(
        pushes.len() >= 3 && pushes.len() as u128 <= most,
        "{} pushes in {flood:?}",
        pushes.len()
    );
}

#[test]
fn a_change_after_a_quiet_spell_is_due_at_once_and_one_right_after_a_push_an_interval_later() {
    let interval = Duration::from_millis(50);
    let t0 = Instant::now();
    // The first change of all goes at once.
    assert_eq!(due(None, interval), None);
    // After a quiet spell longer than the interval, the time it was due is already past.
    let pushed = t0;
    let arrives = t0 + interval * 30;
    assert!(due(Some(pushed), interval).is_some_and(|at| at <= arrives));
    // A change right after a push waits for the interval.
    let arrives = t0 + interval / 5;
    assert_eq!(due(Some(pushed), interval), Some(t0 + interval));
    assert!(due(Some(pushed), interval).is_some_and(|at| at > arrives));
}

#[test]
fn a_change_after_a_quiet_spell_is_pushed_without_waiting_for_another() {
    // The interval is far longer than any test waits: a pusher that held the change back for
    // it, or for a further change, would fail the 10 s waits below.
    let interval = Duration::from_secs(60);
    let (tx, rx) = mpsc::channel();
    let (pusher, emitted) = spawn_pusher(rx, interval);
    tx.send(set(1, vec![row(1, 1)], vec![1], 1)).unwrap();
    let (_, first) = emitted.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(first, set(1, vec![row(1, 1)], vec![1], 1));
    // Closing the feed pushes what is pending at once, interval or not.
    tx.send(set(2, vec![row(1, 2)], vec![], 1)).unwrap();
    drop(tx);
    let (_, second) = emitted.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!((second.from_seq, second.to_seq), (2, 2));
    pusher.join().unwrap();
}

#[test]
fn sets_waiting_in_the_queue_leave_as_one_push() {
    let (tx, rx) = mpsc::channel();
    for seq in 1..=1_000 {
        tx.send(set(seq, vec![row(seq % 7 + 1, seq)], vec![], seq))
            .unwrap();
    }
    drop(tx);
    let mut pushes = Vec::new();
    Pusher::new(rx, Duration::from_millis(50)).run(|s| pushes.push(s));
    assert_eq!(pushes.len(), 1);
    assert_eq!((pushes[0].from_seq, pushes[0].to_seq), (1, 1_000));
    assert_eq!(pushes[0].rows.len(), 7);
    assert!(pushes[0].rows.iter().all(|r| r.version > 1_000 - 7));
}
