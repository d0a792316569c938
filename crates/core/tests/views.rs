//! Filters, sorts, search and keyset paging, checked against a brute-force filter of the same
//! rows over many generated queries.

use crate::oracle;
use crate::support::Fixture;
use eventdesk_core::read::query::{explain, fts_query, COUNT_LIMIT, SEARCH_COUNT_LIMIT};
use eventdesk_core::{
    Actor, Error, Event, EventFilter, EventQuery, Label, Position, Severity, SimConfig, Simulator,
    Sort, SortKey, Status, Target,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn populated(changes: u64) -> (Fixture, Vec<Event>) {
    let f = Fixture::new();
    let mut conn = f.store.connect().unwrap();
    let mut sim = Simulator::new(SimConfig {
        new_share: 0.55,
        ..SimConfig::new(99)
    });
    for _ in 0..changes / 10 {
        f.clock.advance(1_000);
        sim.run_batch(&mut conn, &f.feed, &*f.clock, 10).unwrap();
    }
    // Some events claimed by this desk's operator, some assigned to ann, one released again.
    let assign = |ids: &mut dyn Iterator<Item = &Event>, to: Option<&Actor>| {
        let targets: Vec<Target> = ids
            .map(|e| Target {
                id: e.id,
                expected_version: e.version,
            })
            .collect();
        f.store.assign(&targets, to).unwrap();
    };
    let all = every_event(&f);
    let ann = Actor::operator("ann").unwrap();
    assign(
        &mut all.iter().filter(|e| e.id % 7 == 0),
        Some(&Actor::User),
    );
    assign(&mut all.iter().filter(|e| e.id % 11 == 0), Some(&ann));
    let all = every_event(&f);
    assign(&mut all.iter().filter(|e| e.id % 77 == 0), None);
    let all = every_event(&f);
    (f, all)
}

fn every_event(f: &Fixture) -> Vec<Event> {
    oracle::plain_events(f.store.path())
}

fn brute(all: &[Event], f: &EventFilter, sort: Sort) -> Vec<i64> {
    oracle::view(all, f, sort).iter().map(|e| e.id).collect()
}

const WORDS: &[&str] = &[
    "ledger",
    "lag",
    "card",
    "declin",
    "visa",
    "pool",
    "eu",
    "\"failed logins\"",
    "timing out",
    "shard",
    "webhooks",
    "503",
    "payments",
];

/// Labels the simulator gives its events, and one nobody carries.
const LABELS: &[(&str, &str)] = &[
    ("env", "prod"),
    ("env", "staging"),
    ("region", "eu-west-1"),
    ("region", "us-west-2"),
    ("team", "nobody"),
];

fn random_query(rng: &mut StdRng, all: &[Event]) -> (EventFilter, Sort) {
    let mut f = EventFilter::default();
    let pick = |rng: &mut StdRng| all[rng.random_range(0..all.len())].clone();
    if rng.random_bool(0.4) {
        f.statuses = Status::ALL
            .iter()
            .copied()
            .filter(|_| rng.random_bool(0.5))
            .collect();
    }
    if rng.random_bool(0.3) {
        f.severities = Severity::ALL
            .iter()
            .copied()
            .filter(|_| rng.random_bool(0.5))
            .collect();
    } else if rng.random_bool(0.3) {
        f.min_severity = Some(Severity::ALL[rng.random_range(0..4)]);
    }
    if rng.random_bool(0.25) {
        f.kind = Some(pick(rng).kind);
    }
    if rng.random_bool(0.2) {
        f.source = Some(pick(rng).source);
    }
    if rng.random_bool(0.25) {
        let (a, b) = (pick(rng).created_at, pick(rng).created_at);
        f.from = Some(a.min(b));
        f.to = Some(a.max(b) + 1);
    }
    if rng.random_bool(0.35) {
        let n = rng.random_range(1..=2);
        f.search = Some(
            (0..n)
                .map(|_| WORDS[rng.random_range(0..WORDS.len())])
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    if rng.random_bool(0.3) {
        f.labels = (0..rng.random_range(1..=2))
            .map(|_| {
                let (key, value) = LABELS[rng.random_range(0..LABELS.len())];
                Label {
                    key: key.into(),
                    value: value.into(),
                }
            })
            .collect();
    }
    if rng.random_bool(0.25) {
        f.assignee =
            Some(["", "user", "operator:ann", "operator:bob"][rng.random_range(0..4)].into());
    }
    let by = [SortKey::Time, SortKey::Updated, SortKey::Severity][rng.random_range(0..3)];
    (
        f,
        Sort {
            by,
            descending: rng.random_bool(0.6),
        },
    )
}

#[test]
fn every_filter_sort_and_search_matches_the_reference_forwards_backwards_and_by_number() {
    let (fx, all) = populated(900);
    assert!(all.len() > 300, "{} events", all.len());
    let labels = oracle::plain_labels(fx.store.path());
    assert_eq!(labels.len(), all.len(), "every simulated event has labels");
    let mut rng = StdRng::seed_from_u64(2024);
    let mut query = None;
    for round in 0..300 {
        // Each query is read once with the reader's memory (hit sets, columns) and once by
        // SQL alone.
        let memory = round % 2 == 0;
        fx.store.set_read_memory(memory);
        if memory {
            let size: usize = [3, 7, 25, 50][rng.random_range(0..4)];
            query = Some((random_query(&mut rng, &all), size));
        }
        let Some(((filter, sort), size)) = query.clone() else {
            unreachable!("set on even rounds")
        };
        let expected = oracle::view_labelled(&all, &labels, &filter, sort);
        let ctx = format!("round {round} (memory: {memory}): {filter:?} {sort:?} size {size}");
        let q = |page: usize, position: Option<Position>| EventQuery {
            page: page as i64,
            page_size: size as i64,
            filter: filter.clone(),
            sort,
            position,
        };
        let pages = expected.len().div_ceil(size).max(1);

        // Forwards with next: page n is the reference's page n, row for row.
        let mut page = fx.store.list_events(&q(1, Some(Position::First))).unwrap();
        assert_eq!(page.total, expected.len() as i64, "{ctx}");
        assert!(page.total_exact, "{ctx}");
        for n in 1..=pages {
            assert_eq!(
                page.rows,
                oracle::page(&expected, n, size),
                "forwards page {n}, {ctx}"
            );
            assert_eq!(page.prev.is_some(), n > 1, "forwards page {n} prev, {ctx}");
            assert_eq!(
                page.next.is_some(),
                n < pages,
                "forwards page {n} next, {ctx}"
            );
            let Some(next) = page.next else { break };
            page = fx.store.list_events(&q(n + 1, Some(next))).unwrap();
        }

        // Backwards with prev from the last page: the last page holds the remainder.
        let mut page = fx
            .store
            .list_events(&q(pages, Some(Position::Last)))
            .unwrap();
        for n in (1..=pages).rev() {
            assert_eq!(
                page.rows,
                oracle::page(&expected, n, size),
                "backwards page {n}, {ctx}"
            );
            assert_eq!(
                page.next.is_some(),
                n < pages,
                "backwards page {n} next, {ctx}"
            );
            assert_eq!(page.prev.is_some(), n > 1, "backwards page {n} prev, {ctx}");
            let Some(prev) = page.prev else { break };
            page = fx.store.list_events(&q(n - 1, Some(prev))).unwrap();
        }

        // Every page by number (no position), and one past the end.
        for n in 1..=pages + 1 {
            let page = fx.store.list_events(&q(n, None)).unwrap();
            assert_eq!(
                page.rows,
                oracle::page(&expected, n, size),
                "page {n} by number, {ctx}"
            );
            assert_eq!(page.total, expected.len() as i64, "page {n} total, {ctx}");
        }
    }
}

#[test]
fn malformed_search_is_invalid_input_naming_the_problem() {
    let f = Fixture::new();
    f.add_events(3);
    for (text, problem) in [
        ("\"card declined", "not closed"),
        ("!!! ???", "no letters or digits"),
        (&"x".repeat(201) as &str, "longer than 200"),
    ] {
        let q = EventQuery {
            filter: EventFilter {
                search: Some(text.to_owned()),
                ..Default::default()
            },
            ..EventQuery::new(1, 10)
        };
        match f.store.list_events(&q) {
            Err(Error::InvalidInput { field, message }) => {
                assert_eq!(field, "search");
                assert!(message.contains(problem), "{text:?}: {message}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
}

#[test]
fn search_text_is_bound_not_spliced() {
    assert_eq!(fts_query("  ").unwrap(), None);
    assert_eq!(
        fts_query("txn.time").unwrap().as_deref(),
        Some("\"txn time\"*")
    );
    assert_eq!(
        fts_query("\"failed logins\" eu").unwrap().as_deref(),
        Some("\"failed logins\" \"eu\"*")
    );
    // SQL and FTS syntax in the text are only words to look for.
    assert_eq!(
        fts_query("x') OR 1=1; DROP TABLE events; --")
            .unwrap()
            .as_deref(),
        Some("\"x\"* \"or\"* \"1 1\"* \"drop\"* \"table\"* \"events\"*")
    );
    assert_eq!(
        fts_query("NEAR(a b) OR title:card*").unwrap().as_deref(),
        Some("\"near a\"* \"b\"* \"or\"* \"title card\"*")
    );
    let f = Fixture::new();
    f.add_events(2);
    let q = EventQuery {
        filter: EventFilter {
            search: Some("x') OR 1=1; DROP TABLE events; --".into()),
            ..Default::default()
        },
        ..EventQuery::new(1, 10)
    };
    assert_eq!(f.store.list_events(&q).unwrap().rows.len(), 0);
    assert_eq!(
        f.store.list_events(&EventQuery::new(1, 10)).unwrap().total,
        2
    );
}

#[test]
fn a_time_range_must_not_be_empty() {
    let f = Fixture::new();
    let q = EventQuery {
        filter: EventFilter {
            from: Some(10),
            to: Some(10),
            ..Default::default()
        },
        ..EventQuery::new(1, 10)
    };
    assert!(
        matches!(f.store.list_events(&q), Err(Error::InvalidInput { field, .. }) if field == "to")
    );
}

#[test]
fn the_main_query_shapes_use_indexes() {
    let f = Fixture::new();
    let conn = f.store.connect().unwrap();
    let shapes = [
        ("default view", EventQuery::new(1, 50)),
        (
            "status filter",
            EventQuery {
                filter: EventFilter {
                    statuses: vec![Status::Open, Status::Acknowledged],
                    ..Default::default()
                },
                ..EventQuery::new(1, 50)
            },
        ),
        (
            "severity sort",
            EventQuery {
                sort: Sort {
                    by: SortKey::Severity,
                    descending: true,
                },
                ..EventQuery::new(1, 50)
            },
        ),
        (
            "updated sort",
            EventQuery {
                sort: Sort {
                    by: SortKey::Updated,
                    descending: false,
                },
                ..EventQuery::new(1, 50)
            },
        ),
        (
            "kind filter",
            EventQuery {
                filter: EventFilter {
                    kind: Some("ledger.lag".into()),
                    ..Default::default()
                },
                ..EventQuery::new(1, 50)
            },
        ),
        (
            "search",
            EventQuery {
                filter: EventFilter {
                    search: Some("ledger".into()),
                    ..Default::default()
                },
                ..EventQuery::new(1, 50)
            },
        ),
    ];
    let expected = [
        "SCAN events",
        "SCAN events",
        "SCAN events USING INDEX events_severity",
        "SCAN events USING INDEX events_updated",
        "SEARCH events USING INDEX events_kind (kind=?)",
        // The full-text index, walked in id order (ORDER BY consumed by FTS5), then each
        // hit's row by id.
        "SCAN events_fts VIRTUAL TABLE INDEX",
    ];
    for ((name, q), first) in shapes.into_iter().zip(expected) {
        let plan = explain(&conn, &q).unwrap();
        // Rows come in the view's order straight from an index or the rowid, so a page reads
        // about a page of rows ("SCAN events" here is a walk in rowid order that LIMIT stops),
        // and nothing is sorted in a temporary b-tree.
        assert!(
            !plan.iter().any(|step| step.contains("TEMP B-TREE")),
            "{name}: sorts in a temp b-tree: {plan:?}"
        );
        assert!(plan.len() == 1 || name == "search", "{name}: {plan:?}");
        if name == "search" {
            assert!(plan[0].starts_with(first), "{name}: {plan:?}");
            assert_eq!(plan[1], "SEARCH events USING INTEGER PRIMARY KEY (rowid=?)");
        } else {
            assert_eq!(plan[0], first, "{name}");
        }
    }
}

/// Every row of a view, read page by page with `next`.
fn read_all(f: &Fixture, filter: &EventFilter, sort: Sort, size: i64) -> Vec<i64> {
    let mut got = Vec::new();
    let mut q = EventQuery {
        filter: filter.clone(),
        sort,
        position: Some(Position::First),
        ..EventQuery::new(1, size)
    };
    loop {
        let page = f.store.list_events(&q).unwrap();
        got.extend(page.rows.iter().map(|e| e.id));
        match page.next {
            Some(next) => q.position = Some(next),
            None => return got,
        }
    }
}

#[test]
fn a_search_sorted_by_update_pages_like_a_brute_force_sort_and_keeps_up_with_new_events() {
    // Enough hits that pages walk the updated_at index against the reader's hit set, which
    // must then take in events created after it was built.
    let f = Fixture::new();
    f.add_events(1_100);
    // Titles end "merchant #N"; the search matches those whose N starts with 1.
    let search = "merchant 1";
    let hit = |e: &Event| {
        e.title
            .rsplit('#')
            .next()
            .is_some_and(|n| n.starts_with('1'))
    };
    let check = |round: &str| {
        let total = f.store.list_events(&EventQuery::new(1, 1)).unwrap().total;
        let mut all: Vec<Event> = (1..=total)
            .map(|id| f.store.get_event(id).unwrap().event)
            .collect();
        all.sort_by_key(|e| (e.updated_at, e.id));
        for statuses in [vec![], vec![Status::Acknowledged]] {
            let filter = EventFilter {
                search: Some(search.into()),
                statuses: statuses.clone(),
                ..Default::default()
            };
            for descending in [true, false] {
                let mut expected: Vec<i64> = all
                    .iter()
                    .filter(|e| hit(e) && (statuses.is_empty() || statuses.contains(&e.status)))
                    .map(|e| e.id)
                    .collect();
                if descending {
                    expected.reverse();
                }
                let sort = Sort {
                    by: SortKey::Updated,
                    descending,
                };
                assert!(!expected.is_empty(), "{round}");
                assert_eq!(
                    read_all(&f, &filter, sort, 20),
                    expected,
                    "{round}, {statuses:?}, descending: {descending}"
                );
            }
        }
    };
    let act = |ids: &mut dyn Iterator<Item = i64>, action: eventdesk_core::Action| {
        for id in ids {
            f.clock.advance(1_000);
            let version = f.store.get_event(id).unwrap().event.version;
            f.store.act(id, version, action).unwrap();
        }
    };
    act(
        &mut (1..=1_100).step_by(7),
        eventdesk_core::Action::Acknowledge,
    );
    check("first read");
    // New matching and non-matching events, and updates to old and new ones.
    let added = f.add_events(300);
    act(
        &mut added.iter().copied().step_by(3),
        eventdesk_core::Action::Acknowledge,
    );
    act(
        &mut (2..=1_100).step_by(11),
        eventdesk_core::Action::Complete,
    );
    check("after new events");
}

#[test]
fn search_totals_and_views_from_memory_are_exact_and_follow_changes() {
    let (f, _) = populated(600);
    let mut conn = f.store.connect().unwrap();
    let mut sim = Simulator::new(SimConfig {
        new_share: 0.2,
        ..SimConfig::new(5)
    });
    let filters = [
        EventFilter::default(),
        EventFilter {
            statuses: vec![Status::Open],
            ..Default::default()
        },
        EventFilter {
            statuses: vec![Status::Acknowledged, Status::Completed],
            severities: vec![Severity::Warning, Severity::Critical],
            ..Default::default()
        },
        EventFilter {
            min_severity: Some(Severity::Error),
            ..Default::default()
        },
    ];
    // Small rounds are taken from the change log; the large one reads status and severity
    // again from their indexes.
    for (round, changes) in [0, 30, 40, 3_000, 20].into_iter().enumerate() {
        f.clock.advance(1_000);
        let now = &*f.clock;
        sim.run_batch(&mut conn, &f.feed, now, changes).unwrap();
        let all = every_event(&f);
        for search in ["card", "lag", "pool eu", "\"failed logins\""] {
            for filter in &filters {
                let filter = EventFilter {
                    search: Some(search.into()),
                    ..filter.clone()
                };
                let expected = brute(&all, &filter, Sort::default()).len() as i64;
                let page = f.store.list_events(&EventQuery {
                    filter: filter.clone(),
                    ..EventQuery::new(1, 5)
                });
                let page = page.unwrap();
                assert!(page.total_exact, "round {round}, {filter:?}");
                assert_eq!(page.total, expected, "round {round}, {filter:?}");
            }
        }
        // Views answered from the reader's columns, which follow the same changes.
        let kind = all[all.len() / 2].kind.clone();
        let source = all[all.len() / 3].source.clone();
        for (filter, by) in [
            (
                EventFilter {
                    kind: Some(kind.clone()),
                    statuses: vec![Status::Open, Status::Acknowledged],
                    ..Default::default()
                },
                SortKey::Updated,
            ),
            (
                EventFilter {
                    source: Some(source.clone()),
                    min_severity: Some(Severity::Warning),
                    ..Default::default()
                },
                SortKey::Severity,
            ),
            (
                EventFilter {
                    kind: Some(kind.clone()),
                    ..Default::default()
                },
                SortKey::Updated,
            ),
        ] {
            let sort = Sort {
                by,
                descending: true,
            };
            let expected = brute(&all, &filter, sort);
            assert_eq!(
                read_all(&f, &filter, sort, 7),
                expected,
                "round {round}, {filter:?}"
            );
        }
    }
}

#[test]
fn a_prefix_finds_terms_that_new_events_bring() {
    // A prefix longer than three characters is expanded into the index's terms, and the
    // expansion is kept between reads: events created later with new terms must still match.
    let f = Fixture::new();
    f.add_events(20);
    let mut conn = f.store.connect().unwrap();
    let mut add = |title: &str| {
        f.clock.advance(1_000);
        let now = &*f.clock;
        f.feed
            .write(&mut conn, now, |w| {
                w.insert(
                    &eventdesk_core::db::NewEvent {
                        title: title.into(),
                        ..crate::support::new_event(0)
                    },
                    &eventdesk_core::Actor::Simulator,
                )
            })
            .unwrap()
    };
    let found = |search: &str| -> Vec<i64> {
        let q = EventQuery {
            filter: EventFilter {
                search: Some(search.into()),
                ..Default::default()
            },
            ..EventQuery::new(1, 100)
        };
        f.store
            .list_events(&q)
            .unwrap()
            .rows
            .iter()
            .map(|e| e.id)
            .collect()
    };
    let before = found("merch");
    assert_eq!(before.len(), 20);
    assert!(found("merchandise").is_empty());
    // An ASCII title with a new term of that prefix.
    let plain = add("Merchandise feed stalled");
    assert_eq!(found("merch").len(), 21);
    assert_eq!(found("merch")[0], plain);
    assert_eq!(found("merchandise"), [plain]);
    // A title the ASCII check cannot judge: the tokenizer folds "É" into "e".
    let accented = add("MÉRCHANTRY backlog");
    assert_eq!(found("merch")[0], accented);
    assert_eq!(found("merchantr"), [accented]);
    // New events without such a term keep the kept expansion.
    f.add_events(3);
    assert_eq!(found("merch").len(), 25);
}

#[test]
fn an_id_the_memory_cannot_hold_leaves_views_to_sql() {
    // Only a hand-edited file has such ids; its views are still read, by SQL alone.
    let mut f = Fixture::new();
    f.add_events(30);
    let conn = f.store.connect().unwrap();
    conn.as_sqlite().execute(
            "INSERT INTO events (id, kind, source, severity, title, status, created_at, updated_at, updated_by) \
             VALUES (-3, 'txn.timeout', 'payments-api', 1, 'Card merchant odd row', 'open', 5, 5, 'user')",
            [],
        )
        .unwrap();
    // Opened again, as the edited file would be.
    f.store = eventdesk_core::Store::open(f.store.path(), f.feed.clone(), f.clock.clone()).unwrap();
    let all = every_event(&f);
    assert_eq!(all.len(), 31);
    for filter in [
        EventFilter {
            kind: Some("txn.timeout".into()),
            statuses: vec![Status::Open],
            ..Default::default()
        },
        EventFilter {
            source: Some("payments-api".into()),
            ..Default::default()
        },
    ] {
        for by in [SortKey::Time, SortKey::Updated, SortKey::Severity] {
            let sort = Sort {
                by,
                descending: false,
            };
            assert_eq!(
                read_all(&f, &filter, sort, 4),
                brute(&all, &filter, sort),
                "{filter:?} {by:?}"
            );
        }
    }
}

#[test]
fn totals_past_the_count_limits_are_bounds_and_say_so() {
    // Without the reader's memory, views the maintained counts cannot total are counted up to
    // a limit; the page says its total is a lower bound, and its rows are still right.
    let f = Fixture::new();
    let mut conn = f.store.connect().unwrap();
    eventdesk_core::services::seed::seed(&mut conn, 12_000, 3, crate::support::T0, |_, _| {})
        .unwrap();
    let all = every_event(&f);
    let word = ["card", "ledger", "timing", "payout", "eu"]
        .into_iter()
        .find(|w| all.iter().filter(|e| oracle::search_matches(e, w)).count() > 600)
        .expect("a common word");
    let cases = [
        (
            EventFilter {
                search: Some(word.into()),
                ..Default::default()
            },
            SEARCH_COUNT_LIMIT,
        ),
        (
            // Every event is in range: more than the count limit, and no count to read it from.
            EventFilter {
                from: Some(0),
                ..Default::default()
            },
            COUNT_LIMIT,
        ),
    ];
    for (filter, limit) in cases {
        let expected = oracle::view(&all, &filter, Sort::default());
        assert!(expected.len() as i64 > limit, "{filter:?}");
        let q = EventQuery {
            filter: filter.clone(),
            ..EventQuery::new(1, 50)
        };
        f.store.set_read_memory(false);
        let page = f.store.list_events(&q).unwrap();
        assert_eq!((page.total, page.total_exact), (limit, false), "{filter:?}");
        assert_eq!(page.rows, oracle::page(&expected, 1, 50), "{filter:?}");
        // The reader's memory counts the same view exactly.
        f.store.set_read_memory(true);
        let page = f.store.list_events(&q).unwrap();
        assert_eq!(
            (page.total, page.total_exact),
            (expected.len() as i64, true),
            "{filter:?}"
        );
    }
}

#[test]
fn silences_and_snoozes_leave_out_what_they_hold_in_every_view_with_and_without_the_memory() {
    use eventdesk_core::model::{parse_matchers, Compiled, Matcher, Subjects};
    use eventdesk_core::{
        Actor, BulkOutcome, Clock, Labels, SilenceDraft, SilencedView, SnoozedView, Target,
    };
    let (fx, _) = populated(900);
    let now = fx.clock.now_ms();
    // Some events snoozed: a few for seconds (back by the second phase), most for hours.
    let mut rng = StdRng::seed_from_u64(1427);
    let targets: Vec<Target> = every_event(&fx)
        .iter()
        .filter(|e| e.status != Status::Completed && rng.random_bool(0.15))
        .map(|e| Target {
            id: e.id,
            expected_version: e.version,
        })
        .collect();
    for (i, chunk) in targets.chunks(10).enumerate() {
        let until = now + if i == 0 { 5_000 } else { 3_600_000 + i as i64 };
        for outcome in fx.store.snooze(chunk, Some(until)).unwrap() {
            assert!(matches!(outcome, BulkOutcome::Done { .. }), "{outcome:?}");
        }
    }
    assert!(targets.len() > 30, "{}", targets.len());
    let draft = |matchers: &str, starts_at: Option<i64>| SilenceDraft {
        matchers: parse_matchers(matchers).unwrap(),
        starts_at,
        ends_at: now + 3_600_000,
        comment: "maintenance".into(),
    };
    let mut made = Vec::new();
    for (matchers, starts) in [
        (r#"{source="payments-api", label.env="prod"}"#, None),
        (r#"{title=~".*(Visa|Amex).*", severity!="info"}"#, None),
        (r#"{label.region!~"eu-.*", kind="ledger.lag"}"#, None),
        // Pending: mutes nothing yet.
        (r#"kind=~".+""#, Some(now + 600_000)),
    ] {
        made.push(
            fx.store
                .add_silence(&draft(matchers, starts), &Actor::User)
                .unwrap(),
        );
    }
    let active: Vec<(i64, Vec<Compiled>)> = made[..3]
        .iter()
        .map(|s| {
            let compiled: eventdesk_core::Result<Vec<Compiled>> =
                s.matchers.iter().map(Matcher::compile).collect();
            (s.id, compiled.unwrap())
        })
        .collect();
    for phase in 0..2 {
        if phase == 1 {
            // New events, and severities and titles changed, after the sets were built.
            let mut conn = fx.store.connect().unwrap();
            let mut sim = Simulator::new(SimConfig::new(7));
            for _ in 0..20 {
                fx.clock.advance(1_000);
                sim.run_batch(&mut conn, &fx.feed, &*fx.clock, 10).unwrap();
            }
        }
        let all = every_event(&fx);
        let labels = oracle::plain_labels(fx.store.path());
        let none = Labels::new();
        let silence_of = |e: &Event| {
            let s = Subjects {
                source: &e.source,
                kind: &e.kind,
                severity: e.severity,
                title: &e.title,
                labels: labels.get(&e.id).unwrap_or(&none),
            };
            active
                .iter()
                .find(|(_, ms)| ms.iter().all(|m| m.matches(&s)))
                .map(|(id, _)| *id)
        };
        assert!(all.iter().filter(|e| silence_of(e).is_some()).count() > 20);
        let now = fx.clock.now_ms();
        let snoozed = |e: &Event| e.snoozed_until.is_some_and(|until| until > now);
        let next_wake = all
            .iter()
            .filter(|e| snoozed(e))
            .filter_map(|e| e.snoozed_until)
            .min();
        assert!(all.iter().filter(|e| snoozed(e)).count() > 20);
        // What the pushes ask: which of these events are muted (no notice, no sound).
        let ids: Vec<i64> = all.iter().map(|e| e.id).collect();
        let want: Vec<i64> = all
            .iter()
            .filter(|e| silence_of(e).is_some())
            .map(|e| e.id)
            .collect();
        for memory in [true, false] {
            fx.store.set_read_memory(memory);
            assert_eq!(fx.store.muted(&ids).unwrap(), want, "memory {memory}");
        }
        for round in 0..64 {
            let memory = round % 2 == 0;
            fx.store.set_read_memory(memory);
            let (mut filter, mut sort) = random_query(&mut rng, &all);
            filter.silenced = [SilencedView::Hide, SilencedView::Show, SilencedView::Only]
                [rng.random_range(0..3)];
            filter.snoozed =
                [SnoozedView::Hide, SnoozedView::Show, SnoozedView::Only][rng.random_range(0..3)];
            if round < 8 {
                // The default view (every event but the muted ones, in time order) has a way
                // of its own: both directions, with and without the memory.
                filter = EventFilter::default();
                sort = Sort {
                    by: SortKey::Time,
                    descending: round < 4,
                };
            }
            let view = oracle::view_labelled(&all, &labels, &filter, sort);
            let silenced = view.iter().filter(|e| silence_of(e).is_some()).count() as i64;
            let snoozed_n = view.iter().filter(|e| snoozed(e)).count() as i64;
            let expected: Vec<Event> = view
                .into_iter()
                .filter(|e| match filter.silenced {
                    SilencedView::Hide => silence_of(e).is_none(),
                    SilencedView::Only => silence_of(e).is_some(),
                    SilencedView::Show => true,
                })
                .filter(|e| match filter.snoozed {
                    SnoozedView::Hide => !snoozed(e),
                    SnoozedView::Only => snoozed(e),
                    SnoozedView::Show => true,
                })
                .collect();
            let ctx = format!("phase {phase} round {round} (memory {memory}): {filter:?} {sort:?}");
            let size = 20;
            let mut q = EventQuery {
                page: 1,
                page_size: size as i64,
                filter: filter.clone(),
                sort,
                position: Some(Position::First),
            };
            for n in 1..=expected.len().div_ceil(size).max(1) {
                let page = fx.store.list_events(&q).unwrap();
                assert_eq!(page.total, expected.len() as i64, "{ctx}");
                assert_eq!(page.silenced, silenced, "{ctx}");
                assert_eq!(page.snoozed, snoozed_n, "{ctx}");
                assert_eq!(page.next_wake, next_wake, "{ctx}");
                assert_eq!(
                    page.rows,
                    oracle::page(&expected, n, size),
                    "page {n}, {ctx}"
                );
                let marks: Vec<(i64, i64)> = page
                    .silenced_by
                    .iter()
                    .map(|m| (m.event_id, m.silence_id))
                    .collect();
                let want: Vec<(i64, i64)> = page
                    .rows
                    .iter()
                    .filter_map(|e| Some((e.id, silence_of(e)?)))
                    .collect();
                assert_eq!(marks, want, "marks of page {n}, {ctx}");
                let Some(next) = page.next else { break };
                q = EventQuery {
                    page: n as i64 + 1,
                    position: Some(next),
                    ..q
                };
            }
            // Every page by number, and the last two pages backwards.
            let pages = expected.len().div_ceil(size).max(1);
            let at = |page: usize, position: Option<Position>| EventQuery {
                page: page as i64,
                page_size: size as i64,
                filter: filter.clone(),
                sort,
                position,
            };
            for n in 1..=pages {
                let page = fx.store.list_events(&at(n, None)).unwrap();
                let want = oracle::page(&expected, n, size);
                assert_eq!(page.rows, want, "page {n} by number, {ctx}");
            }
            let page = fx
                .store
                .list_events(&at(pages, Some(Position::Last)))
                .unwrap();
            assert_eq!(
                page.rows,
                oracle::page(&expected, pages, size),
                "last, {ctx}"
            );
            if let Some(prev) = page.prev {
                let page = fx.store.list_events(&at(pages - 1, Some(prev))).unwrap();
                let want = oracle::page(&expected, pages - 1, size);
                assert_eq!(page.rows, want, "before the last, {ctx}");
            }
        }
    }
    // The pending silence starts: it mutes every event; then they all end.
    fx.store.set_read_memory(true);
    fx.clock.advance(600_000);
    let page = fx.store.list_events(&EventQuery::new(1, 10)).unwrap();
    assert_eq!((page.total, page.rows.len()), (0, 0));
    fx.clock.advance(3_600_000);
    let page = fx.store.list_events(&EventQuery::new(1, 10)).unwrap();
    assert_eq!(page.silenced, 0);
    assert_eq!(page.total, every_event(&fx).len() as i64);
}

#[test]
fn muted_new_and_critical_events_raise_no_notice_or_sound() {
    use crate::support::new_event;
    use eventdesk_core::db::NewEvent;
    use eventdesk_core::model::parse_matchers;
    use eventdesk_core::{Actor, Clock, Notifier, SilenceDraft};
    let f = crate::support::Fixture::new();
    f.add_events(2);
    f.published();
    let now = f.clock.now_ms();
    f.store
        .add_silence(
            &SilenceDraft {
                matchers: parse_matchers(r#"{source="ledger-db", label.team="db"}"#).unwrap(),
                starts_at: None,
                ends_at: now + 3_600_000,
                comment: "failover drill".into(),
            },
            &Actor::User,
        )
        .unwrap();
    let critical = |source: &str| NewEvent {
        source: source.into(),
        severity: Severity::Critical,
        labels: [("team".to_owned(), "db".to_owned())].into(),
        ..new_event(9)
    };
    let mut conn = f.store.connect().unwrap();
    let ids = f
        .feed
        .write(&mut conn, &*f.clock, |w| {
            let muted = w.insert(&critical("ledger-db"), &Actor::Simulator)?;
            let loud = w.insert(&critical("payments-db"), &Actor::Simulator)?;
            Ok((muted, loud))
        })
        .unwrap();
    let mut set = f.published().pop().unwrap();
    assert_eq!(set.created, [ids.1, ids.0], "latest first");
    f.store.quiet_muted(&mut set).unwrap();
    assert_eq!(set.created, [ids.1]);
    assert_eq!(set.critical, [ids.1]);
    // Both rows stay in the set: the window reads the muted one as muted.
    assert_eq!(set.rows.len(), 2);
    let notice = Notifier::new(0).observe(&set, now).unwrap();
    assert_eq!((notice.event_id, notice.count), (ids.1, 1));
}

#[test]
fn snoozed_events_leave_sql_read_views_every_page_by_number_and_by_position() {
    use eventdesk_core::{BulkOutcome, Clock, SnoozedView, Target};
    let (fx, _) = populated(600);
    let now = fx.clock.now_ms();
    let mut rng = StdRng::seed_from_u64(2929);
    // Snoozed: the newest and the oldest events among others, so the bounds move at the ends.
    let all = every_event(&fx);
    let n = all.len();
    let targets: Vec<Target> = all
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            e.status != Status::Completed && (*i < 3 || *i + 3 >= n || rng.random_bool(0.1))
        })
        .map(|(_, e)| Target {
            id: e.id,
            expected_version: e.version,
        })
        .collect();
    for chunk in targets.chunks(100) {
        for o in fx.store.snooze(chunk, Some(now + 3_600_000)).unwrap() {
            assert!(matches!(o, BulkOutcome::Done { .. }), "{o:?}");
        }
    }
    let all = every_event(&fx);
    let labels = oracle::plain_labels(fx.store.path());
    let snoozed = |e: &Event| e.snoozed_until.is_some_and(|u| u > now);
    for round in 0..24 {
        let memory = round % 3 != 0;
        fx.store.set_read_memory(memory);
        let (mut filter, mut sort) = random_query(&mut rng, &all);
        if round < 8 {
            filter = EventFilter::default();
            sort = Sort {
                by: SortKey::Time,
                descending: round < 4,
            };
        }
        filter.snoozed = if round % 4 == 3 {
            SnoozedView::Show
        } else {
            SnoozedView::Hide
        };
        let expected: Vec<Event> = oracle::view_labelled(&all, &labels, &filter, sort)
            .into_iter()
            .filter(|e| filter.snoozed == SnoozedView::Show || !snoozed(e))
            .collect();
        let ctx = format!("round {round} (memory {memory}): {filter:?} {sort:?}");
        let size = 25;
        let pages = expected.len().div_ceil(size).max(1);
        for p in 1..=pages {
            let q = EventQuery {
                page: p as i64,
                page_size: size as i64,
                filter: filter.clone(),
                sort,
                position: None,
            };
            let page = fx.store.list_events(&q).unwrap();
            assert_eq!(
                page.rows,
                oracle::page(&expected, p, size),
                "page {p}, {ctx}"
            );
            if page.total_exact {
                assert_eq!(page.total, expected.len() as i64, "{ctx}");
            }
        }
        let mut q = EventQuery {
            page: 1,
            page_size: size as i64,
            filter: filter.clone(),
            sort,
            position: Some(Position::First),
        };
        for p in 1..=pages {
            let page = fx.store.list_events(&q).unwrap();
            assert_eq!(
                page.rows,
                oracle::page(&expected, p, size),
                "keyset {p}, {ctx}"
            );
            let Some(next) = page.next else { break };
            q = EventQuery {
                page: p as i64 + 1,
                position: Some(next),
                ..q
            };
        }
    }
}
