//! The page planner, the one place a page is placed: a position (or a page number) becomes a
//! [`Read`], and the rows that read returns become a [`Page`] with its `prev`/`next`
//! positions. Both ways of reading a view use it: SQL (`sql::rows`) and the reader's columns
//! (`Memory::page_ids`).

use crate::model::{Event, EventQuery, Page, Position, SortKey};

/// One read of a view: in view order (`forward`) or against it, strictly past `from` (a sort
/// value and id), skipping `offset` rows, then `limit` rows. Readers return one row more when
/// there is one, so the planner can tell whether rows follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Read {
    pub forward: bool,
    pub from: Option<(i64, i64)>,
    pub limit: i64,
    pub offset: i64,
}

/// A read, and what is known about the rows around its page before reading (`None`: the
/// extra row read tells).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plan {
    pub read: Read,
    before: Option<bool>,
    after: Option<bool>,
    /// The last page: it holds the remainder when the total is exact, so numbers line up.
    last: bool,
}

/// What a reader knows of a view's total before reading its page: SQL counts first and may
/// then read a deep page from the end; the columns count in the same pass as the read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    Nothing,
    /// The total, whether it is exact, and whether ids run 1..=total without gaps (events
    /// are never deleted, so they do unless the file was edited by hand): then a page of the
    /// unfiltered view in time order starts at a known id, however deep.
    Total {
        total: i64,
        exact: bool,
        dense: bool,
    },
    /// Where the page starts: after this id, in view order (an exclusive keyset bound of a
    /// view in time order, worked out by the caller).
    Start {
        bound: i64,
    },
}

/// Where `q`'s page is, as a read. `offset` is [`EventQuery::offset`].
pub(crate) fn plan(q: &EventQuery, offset: i64, known: Known) -> Plan {
    let size = q.page_size;
    let read = |forward, from, limit, offset| Read {
        forward,
        from,
        limit,
        offset,
    };
    let plan = |read, before, after| Plan {
        read,
        before,
        after,
        last: false,
    };
    match (q.position, known) {
        (
            None,
            Known::Total {
                total, dense: true, ..
            },
        ) => {
            // Exclusive keyset bound: rows after it, in view order, start the page.
            let bound = if q.sort.descending {
                total - offset + 1
            } else {
                offset
            };
            plan(
                read(true, Some((bound, bound)), size, 0),
                Some(offset > 0),
                None,
            )
        }
        (None, Known::Start { bound }) => plan(
            read(true, Some((bound, bound)), size, 0),
            Some(offset > 0),
            None,
        ),
        (Some(Position::First), _) => plan(read(true, None, size, 0), Some(false), None),
        (Some(Position::After { value, id }), _) => {
            plan(read(true, Some((value, id)), size, 0), Some(true), None)
        }
        (Some(Position::Before { value, id }), _) => {
            plan(read(false, Some((value, id)), size, 0), None, Some(true))
        }
        (Some(Position::Last), _) => Plan {
            last: true,
            ..plan(read(false, None, size, 0), None, Some(false))
        },
        (
            None,
            Known::Total {
                total, exact: true, ..
            },
        ) if offset > total / 2 => {
            // Deep pages are read from the end: OFFSET never walks more than half the view.
            let after = total.saturating_sub(offset).saturating_sub(size);
            let (limit, skip) = if after < 0 {
                (size + after, 0)
            } else {
                (size, after)
            };
            plan(read(false, None, limit.max(0), skip), None, Some(skip > 0))
        }
        (None, _) => plan(read(true, None, size, offset), Some(offset > 0), None),
    }
}

/// The page `plan` placed, from the rows its read returned (in read order, at most one more
/// than its limit) and the view's total.
pub(crate) fn assemble(
    q: &EventQuery,
    plan: &Plan,
    mut rows: Vec<Event>,
    (total, total_exact): (i64, bool),
    seq: i64,
) -> Page {
    let limit = usize::try_from(plan.read.limit.max(0)).unwrap_or(0);
    let mut more = rows.len() > limit;
    rows.truncate(limit);
    if plan.last && total_exact && total > 0 {
        // The last page holds the remainder, so page numbers line up.
        let rest = usize::try_from(total - (total - 1) / q.page_size * q.page_size).unwrap_or(0);
        more = rows.len() > rest || (more && rows.len() == rest);
        rows.truncate(rest);
    }
    let (before, after) = if plan.read.forward {
        (plan.before.unwrap_or(false), more)
    } else {
        rows.reverse();
        (more, plan.after.unwrap_or(false))
    };
    let key = |e: &Event| (sort_value(e, q.sort.by), e.id);
    Page {
        prev: rows.first().filter(|_| before).map(|e| {
            let (value, id) = key(e);
            Position::Before { value, id }
        }),
        next: rows.last().filter(|_| after).map(|e| {
            let (value, id) = key(e);
            Position::After { value, id }
        }),
        rows,
        page: q.page,
        page_size: q.page_size,
        total,
        total_exact,
        seq,
        silencing: false,
        silenced: 0,
        silenced_by: Vec::new(),
        snoozed: 0,
        next_wake: None,
    }
}

/// The value `by` sorts `e` by (ties are broken by id).
pub(crate) fn sort_value(e: &Event, by: SortKey) -> i64 {
    match by {
        SortKey::Time => e.id,
        SortKey::Updated => e.updated_at,
        SortKey::Severity => e.severity.rank(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(page: i64, position: Option<Position>) -> EventQuery {
        EventQuery {
            position,
            ..EventQuery::new(page, 10)
        }
    }

    #[test]
    fn positions_become_reads() {
        let total = Known::Total {
            total: 95,
            exact: true,
            dense: false,
        };
        let after = Some(Position::After { value: 7, id: 7 });
        assert_eq!(
            plan(&query(2, after), 10, total).read,
            Read {
                forward: true,
                from: Some((7, 7)),
                limit: 10,
                offset: 0
            }
        );
        // Page 9 of 10 by number, read from the end: 5 rows after it.
        assert_eq!(
            plan(&query(9, None), 80, total).read,
            Read {
                forward: false,
                from: None,
                limit: 10,
                offset: 5
            }
        );
        // The same without a total (the columns): forward, skipping.
        assert_eq!(
            plan(&query(9, None), 80, Known::Nothing).read,
            Read {
                forward: true,
                from: None,
                limit: 10,
                offset: 80
            }
        );
        // Dense ids, newest first: page 3 starts below id 96 - 20.
        let dense = Known::Total {
            total: 95,
            exact: true,
            dense: true,
        };
        assert_eq!(plan(&query(3, None), 20, dense).read.from, Some((76, 76)));
    }
}
