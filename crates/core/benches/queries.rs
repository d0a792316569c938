//! Query and write-path timings on a seeded database (100,000 events by default;
//! `EVENTDESK_BENCH_EVENTS` changes it). `bash scripts/bench.sh` prints them as a table.
#![allow(clippy::expect_used)] // a benchmark that cannot set up should stop loudly

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use eventdesk_core::{db, seed, CommitFeed, EventQuery, SimConfig, Simulator, Store, SystemClock};
use std::hint::black_box;
use std::sync::Arc;

fn events() -> u64 {
    std::env::var("EVENTDESK_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.db");
    db::prepare(&path).expect("prepare");
    let n = events();
    let mut conn = db::connect(&path).expect("connect");
    seed::seed(&mut conn, n, 1, 1_764_000_000_000, |_, _| {}).expect("seed");
    let (feed, rx) = CommitFeed::new();
    // Drain pushes so the channel does not grow during write benchmarks.
    std::thread::spawn(move || while rx.recv().is_ok() {});
    let store = Store::open(&path, feed.clone(), Arc::new(SystemClock)).expect("open");
    let n = i64::try_from(n).expect("count");
    let last_page = (n + 49) / 50;

    let mut g = c.benchmark_group(format!("{n} events"));
    g.bench_function("list_events page 1 (50 rows)", |b| {
        b.iter(|| black_box(store.list_events(&EventQuery::new(1, 50)).expect("page")))
    });
    g.bench_function(format!("list_events last page ({last_page})"), |b| {
        b.iter(|| {
            black_box(
                store
                    .list_events(&EventQuery::new(last_page, 50))
                    .expect("page"),
            )
        })
    });
    g.bench_function("list_events page 1 (500 rows)", |b| {
        b.iter(|| black_box(store.list_events(&EventQuery::new(1, 500)).expect("page")))
    });
    g.bench_function("get_event with history", |b| {
        b.iter(|| black_box(store.get_event(n / 2).expect("event")))
    });
    let mut sim_conn = store.connect().expect("connect");
    let mut sim = Simulator::new(SimConfig::new(3));
    g.bench_function("simulator: 1 change, 1 commit", |b| {
        b.iter(|| {
            sim.run_batch(&mut sim_conn, &feed, 1_764_000_000_000, 1)
                .expect("batch")
        })
    });
    g.bench_function("simulator: 1000 changes, 1 commit", |b| {
        b.iter_batched(
            || (),
            |()| {
                sim.run_batch(&mut sim_conn, &feed, 1_764_000_000_000, 1_000)
                    .expect("batch")
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
