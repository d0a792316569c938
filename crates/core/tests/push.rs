use eventdesk_core::push::run_pusher;
use eventdesk_core::{Actor, ChangeSet, Event, Severity, Status};
use std::sync::mpsc;
use std::time::Duration;

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

#[test]
fn pushes_under_a_flood_are_contiguous_and_miss_nothing() {
    let (tx, rx) = mpsc::channel();
    let producer = std::thread::spawn(move || {
        for seq in 1..=2_000 {
            tx.send(set(seq, vec![row(seq % 50 + 1, seq)], vec![], seq))
                .unwrap();
            if seq % 100 == 0 {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    });
    let mut pushes = Vec::new();
    run_pusher(&rx, Duration::from_millis(50), |s| pushes.push(s));
    producer.join().unwrap();
    let mut next = 1;
    for p in &pushes {
        assert_eq!(p.from_seq, next);
        next = p.to_seq + 1;
    }
    assert_eq!(next, 2_001);
    assert_eq!(pushes.last().unwrap().total, 2_000);
}

#[test]
fn a_lone_change_is_pushed_at_once() {
    let (tx, rx) = mpsc::channel();
    tx.send(set(1, vec![row(1, 1)], vec![1], 1)).unwrap();
    drop(tx);
    let mut pushes = Vec::new();
    run_pusher(&rx, Duration::from_secs(3600), |s| pushes.push(s));
    assert_eq!(pushes, vec![set(1, vec![row(1, 1)], vec![1], 1)]);
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
    run_pusher(&rx, Duration::from_millis(50), |s| pushes.push(s));
    assert_eq!(pushes.len(), 1);
    assert_eq!((pushes[0].from_seq, pushes[0].to_seq), (1, 1_000));
    assert_eq!(pushes[0].rows.len(), 7);
    assert!(pushes[0].rows.iter().all(|r| r.version > 1_000 - 7));
}
