//! Every function behind a command, called with random and extreme arguments: 100,000 calls in
//! all. None may panic; every failure is a typed error of the kind the input deserves.

use crate::support::Fixture;
use eventdesk_core::model::{AckTimeouts, TimerPolicy};
use eventdesk_core::services::export::ExportFormat;
use eventdesk_core::services::ingest::groups::DedupGroups;
use eventdesk_core::{
    Action, AppSettings, Density, Error, EventFilter, EventQuery, Label, Position, Severity,
    SilencedView, SimConfig, SimControl, SnoozedView, Sort, SortKey, Status, Target, Theme,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::AtomicBool;

const CALLS: usize = 100_000;

struct Gen(StdRng);

impl Gen {
    fn int(&mut self) -> i64 {
        const EDGES: [i64; 12] = [
            i64::MIN,
            i64::MIN + 1,
            -1,
            0,
            1,
            2,
            3,
            50,
            300,
            301,
            i64::MAX - 1,
            i64::MAX,
        ];
        match self.0.random_range(0..4) {
            0 => EDGES[self.0.random_range(0..EDGES.len())],
            1 => self.0.random_range(-1_000..1_000),
            2 => self.0.random(),
            _ => self.0.random_range(1..=320),
        }
    }

    fn float(&mut self) -> f64 {
        const EDGES: [f64; 10] = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.0,
            0.1,
            1.0,
            2.0,
            5_000.0,
            1e308,
        ];
        if self.0.random_bool(0.5) {
            EDGES[self.0.random_range(0..EDGES.len())]
        } else {
            self.0.random_range(-10.0..6_000.0)
        }
    }

    fn text(&mut self) -> String {
        const SAMPLES: [&str; 12] = [
            "",
            " ",
            "ledger",
            "\"card declined",
            "\"failed logins\" eu",
            "x') OR 1=1; DROP TABLE events; --",
            "NEAR(a b) OR title:card*",
            "ÉCHEC 💥 ünïcödé",
            "\0\u{1}\u{7f}",
            "*",
            "txn.timeout",
            "payments-api",
        ];
        match self.0.random_range(0..4) {
            0 => "x".repeat(self.0.random_range(190..260)),
            1 => (0..self.0.random_range(0..30))
                .map(|_| char::from_u32(self.0.random_range(0..0x3000)).unwrap_or('?'))
                .collect(),
            _ => SAMPLES[self.0.random_range(0..SAMPLES.len())].to_owned(),
        }
    }

    fn maybe<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        self.0.random_bool(0.4).then(|| f(self))
    }

    fn subset<T: Copy>(&mut self, all: &[T]) -> Vec<T> {
        all.iter()
            .copied()
            .filter(|_| self.0.random_bool(0.4))
            .collect()
    }

    fn filter(&mut self) -> EventFilter {
        EventFilter {
            statuses: self.subset(Status::ALL),
            severities: self.subset(Severity::ALL),
            min_severity: self.maybe(|g| Severity::ALL[g.0.random_range(0..4)]),
            kind: self.maybe(Gen::text),
            source: self.maybe(Gen::text),
            from: self.maybe(Gen::int),
            to: self.maybe(Gen::int),
            search: self.maybe(Gen::text),
            assignee: self.maybe(Gen::text),
            labels: (0..self.0.random_range(0..3))
                .map(|_| Label {
                    key: self.text(),
                    value: self.text(),
                })
                .collect(),
            silenced: [SilencedView::Hide, SilencedView::Show, SilencedView::Only]
                [self.0.random_range(0..3)],
            snoozed: [SnoozedView::Hide, SnoozedView::Show, SnoozedView::Only]
                [self.0.random_range(0..3)],
        }
    }

    fn sort(&mut self) -> Sort {
        Sort {
            by: [SortKey::Time, SortKey::Updated, SortKey::Severity][self.0.random_range(0..3)],
            descending: self.0.random(),
        }
    }

    fn query(&mut self) -> EventQuery {
        let position = match self.0.random_range(0..6) {
            0 => None,
            1 => Some(Position::First),
            2 => Some(Position::Last),
            3 => Some(Position::After {
                value: self.int(),
                id: self.int(),
            }),
            4 => Some(Position::Before {
                value: self.int(),
                id: self.int(),
            }),
            _ => None,
        };
        EventQuery {
            page: if self.0.random_bool(0.7) {
                self.0.random_range(1..30)
            } else {
                self.int()
            },
            page_size: if self.0.random_bool(0.7) {
                self.0.random_range(1..60)
            } else {
                self.int()
            },
            filter: if self.0.random_bool(0.5) {
                self.filter()
            } else {
                EventFilter::default()
            },
            sort: self.sort(),
            position,
        }
    }

    fn action(&mut self) -> Action {
        [Action::Acknowledge, Action::Complete, Action::Reopen][self.0.random_range(0..3)]
    }
}

#[test]
fn a_hundred_thousand_random_and_extreme_calls_never_panic_and_fail_with_typed_errors() {
    let f = Fixture::new();
    let mut conn = f.store.connect().unwrap();
    eventdesk_core::Simulator::new(SimConfig {
        new_share: 0.7,
        ..SimConfig::new(3)
    })
    .run_batch(&mut conn, &f.feed, &*f.clock, 450)
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let control = SimControl::new(SimConfig::new(1));
    let mut g = Gen(StdRng::seed_from_u64(7));
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut panics = Vec::new();
    for call in 0..CALLS {
        let kind = call % 11;
        let result: Result<Result<(), Error>, _> = catch_unwind(AssertUnwindSafe(|| match kind {
            0..=2 => f.store.list_events(&g.query()).map(drop),
            3 if g.0.random_bool(0.5) => f.store.get_event(g.int()).map(drop),
            3 => f.store.event_history(g.int(), g.int(), g.int()).map(drop),
            4 => {
                let (id, version, action) = (g.int(), g.int(), g.action());
                f.store.act(id, version, action).map(drop)
            }
            5 => {
                let n = if g.0.random_bool(0.05) {
                    g.0.random_range(400..700)
                } else {
                    g.0.random_range(0..6)
                };
                let targets: Vec<Target> = (0..n)
                    .map(|_| Target {
                        id: if g.0.random_bool(0.8) {
                            g.0.random_range(1..460)
                        } else {
                            g.int()
                        },
                        expected_version: g.int(),
                    })
                    .collect();
                if g.0.random_bool(0.3) {
                    // Snoozed until a time near now, far off, in the past, or woken.
                    let now = eventdesk_core::Clock::now_ms(&*f.clock);
                    let until = match g.0.random_range(0..4) {
                        0 => Some(now + g.0.random_range(-60_000..3_600_000)),
                        1 => Some(g.int()),
                        2 => Some(now + 40 * 86_400_000),
                        _ => None,
                    };
                    return f.store.snooze(&targets, until).map(drop);
                }
                let action = g.action();
                f.store.bulk(&targets, action).map(drop)
            }
            6 => f.store.changes_since(g.int()).map(drop),
            7 => {
                let config = SimConfig {
                    running: g.0.random(),
                    rate: g.float(),
                    seed: g.0.random(),
                    new_share: g.float(),
                    override_chance: g.float(),
                };
                control.update(config).map(drop)
            }
            8 => AppSettings {
                max_silence_days: g.0.random_range(0..400),
                timers: TimerPolicy {
                    ack_timeout_minutes: AckTimeouts {
                        critical: g.0.random_bool(0.5).then(|| g.0.random_range(0..20_000)),
                        ..AckTimeouts::default()
                    },
                    expire_after_hours: g.0.random_bool(0.5).then(|| g.0.random_range(0..10_000)),
                },
                theme: [Theme::System, Theme::Light, Theme::Dark][g.0.random_range(0..3)],
                notifications: g.0.random(),
                sounds: Default::default(),
                close_to_tray: g.0.random(),
                density: [Density::Comfortable, Density::Compact][g.0.random_range(0..2)],
                page_size: if g.0.random_bool(0.5) {
                    [25, 50, 100, 200][g.0.random_range(0..4)]
                } else {
                    g.int()
                },
            }
            .save(&f.store),
            9 if g.0.random_bool(0.2) => {
                let names = ["pagerduty", "alertmanager", "stdin", "", "a b", "source:x"];
                let groups = (0..g.0.random_range(0..4))
                    .map(|_| {
                        (0..g.0.random_range(0..4))
                            .map(|_| names[g.0.random_range(0..names.len())].to_owned())
                            .collect()
                    })
                    .collect();
                DedupGroups { groups }.save(&f.store).map(drop)
            }
            9 => f
                .store
                .facets()
                .and(f.store.tally())
                .and(f.store.activity())
                .map(drop),
            _ if call % 100 == 10 => {
                // An export now and then: to a good name, a folder, a missing folder, nothing.
                let path = match g.0.random_range(0..4) {
                    0 => out.path().join(format!("view-{call}.csv")),
                    1 => out.path().to_owned(),
                    2 => out.path().join("missing").join("x.json"),
                    _ => std::path::PathBuf::new(),
                };
                let format = if g.0.random() {
                    ExportFormat::Csv
                } else {
                    ExportFormat::Json
                };
                let (filter, sort) = (g.filter(), g.sort());
                f.store
                    .export(
                        &filter,
                        sort,
                        format,
                        &path,
                        &AtomicBool::new(false),
                        |_, _| {},
                    )
                    .map(drop)
            }
            _ => f.store.list_events(&g.query()).map(drop),
        }));
        match result {
            Err(_) => panics.push(call),
            Ok(Ok(())) => *outcomes.entry("ok".into()).or_default() += 1,
            Ok(Err(e)) => {
                let name = match &e {
                    Error::InvalidInput { field, .. } => format!("InvalidInput({field})"),
                    Error::NotFound { .. } => "NotFound".into(),
                    Error::Conflict { .. } => "Conflict".into(),
                    other => panic!("call {call} (kind {kind}) failed with {other:?}"),
                };
                *outcomes.entry(name).or_default() += 1;
            }
        }
    }
    assert!(
        panics.is_empty(),
        "{} calls panicked, the first {:?}",
        panics.len(),
        &panics[..panics.len().min(5)]
    );
    assert_eq!(outcomes.values().sum::<usize>(), CALLS);
    // The calls reached past validation too: many succeeded, every kind of refusal was met.
    assert!(outcomes["ok"] > CALLS / 4, "{outcomes:?}");
    for expected in [
        "NotFound",
        "Conflict",
        "InvalidInput(page)",
        "InvalidInput(pageSize)",
        "InvalidInput(search)",
        "InvalidInput(rate)",
        "InvalidInput(limit)",
        "InvalidInput(groups)",
    ] {
        assert!(
            outcomes.contains_key(expected),
            "{expected} never happened: {outcomes:?}"
        );
    }
}
