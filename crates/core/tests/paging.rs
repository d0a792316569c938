use crate::support::Fixture;
use eventdesk_core::{Error, EventQuery};

fn page(f: &Fixture, page: i64, page_size: i64) -> Result<eventdesk_core::Page, Error> {
    f.store.list_events(&EventQuery::new(page, page_size))
}

#[test]
fn pages_are_newest_first_and_cover_every_event_once() {
    let f = Fixture::new();
    let ids = f.add_events(23);
    let mut seen = Vec::new();
    for p in 1..=3 {
        let got = page(&f, p, 10).unwrap();
        assert_eq!((got.page, got.page_size, got.total), (p, 10, 23));
        seen.extend(got.rows.iter().map(|r| r.id));
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
    assert_eq!(page(&f, 3, 10).unwrap().rows.len(), 3);
}

#[test]
fn a_page_past_the_end_is_empty_with_the_total() {
    let f = Fixture::new();
    f.add_events(5);
    let got = page(&f, 4, 5).unwrap();
    assert!(got.rows.is_empty());
    assert_eq!(got.total, 5);
}

#[test]
fn a_page_far_past_the_end_is_empty_not_an_overflow() {
    let f = Fixture::new();
    f.add_events(3);
    let got = page(&f, i64::MAX / 500, 500).unwrap();
    assert!(got.rows.is_empty());
    assert_eq!((got.total, got.next, got.prev), (3, None, None));
}

#[test]
fn page_reports_the_last_seq_it_reflects() {
    let f = Fixture::new();
    assert_eq!(page(&f, 1, 10).unwrap().seq, 0);
    f.add_events(4);
    assert_eq!(page(&f, 1, 10).unwrap().seq, 4);
}

#[test]
fn bounds_of_page_and_page_size() {
    let f = Fixture::new();
    f.add_events(2);
    for (p, size, field) in [
        (0, 10, "page"),
        (-3, 10, "page"),
        (1, 0, "pageSize"),
        (1, -1, "pageSize"),
        (1, 501, "pageSize"),
        (1, 10_000, "pageSize"),
        (i64::MAX, 500, "page"),
    ] {
        match page(&f, p, size) {
            Err(Error::InvalidInput { field: got, .. }) => {
                assert_eq!(got, field, "page {p} size {size}")
            }
            other => panic!("page {p} size {size}: expected InvalidInput, got {other:?}"),
        }
    }
    assert_eq!(page(&f, 1, 1).unwrap().rows.len(), 1);
    assert_eq!(page(&f, 1, 500).unwrap().rows.len(), 2);
}
