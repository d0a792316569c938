//! What a view asks for (filters, sort, a place to start) and the page it gets back.

use crate::error::{Error, Result};
use crate::model::{key_problem, value_problem, Event, Label, Severity, Status};

use serde::{Deserialize, Serialize};
use specta::Type;

/// What `list_events` is asked for: a page of a filtered, sorted view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EventQuery {
    /// 1-based. Shown to the user; it also places the page when `position` is absent.
    pub page: i64,
    /// 1 to [`EventQuery::MAX_PAGE_SIZE`].
    pub page_size: i64,
    #[serde(default)]
    pub filter: EventFilter,
    #[serde(default)]
    pub sort: Sort,
    /// Where the page starts, from a previous page's `next`/`prev` (keyset paging). Absent:
    /// the page is found by its number.
    #[serde(default)]
    pub position: Option<Position>,
}

impl EventQuery {
    pub const MAX_PAGE_SIZE: i64 = 500;

    /// Checks paging and the filter; the error names the first field out of range.
    pub fn validate(&self) -> Result<()> {
        if self.page < 1 {
            return Err(Error::invalid(
                "page",
                format!("must be 1 or more, got {}", self.page),
            ));
        }
        if !(1..=Self::MAX_PAGE_SIZE).contains(&self.page_size) {
            return Err(Error::invalid(
                "pageSize",
                format!(
                    "must be 1 to {}, got {}",
                    Self::MAX_PAGE_SIZE,
                    self.page_size
                ),
            ));
        }
        self.filter.validate()
    }

    /// How many rows precede this page when it is found by its number.
    pub fn offset(&self) -> Result<i64> {
        (self.page - 1)
            .checked_mul(self.page_size)
            .ok_or_else(|| Error::invalid("page", format!("{} is out of range", self.page)))
    }

    /// Page `page` of the default view: every event, newest first.
    pub fn new(page: i64, page_size: i64) -> Self {
        EventQuery {
            page,
            page_size,
            filter: EventFilter::default(),
            sort: Sort::default(),
            position: None,
        }
    }
}

/// Which events a view shows. Empty lists and absent values do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", default)]
pub struct EventFilter {
    pub statuses: Vec<Status>,
    pub severities: Vec<Severity>,
    pub min_severity: Option<Severity>,
    pub kind: Option<String>,
    pub source: Option<String>,
    /// Created at or after (Unix ms).
    pub from: Option<i64>,
    /// Created before (Unix ms).
    pub to: Option<i64>,
    /// Full-text search over title, kind, source and notes: words match as prefixes,
    /// `"quoted phrases"` as phrases; every part must match.
    pub search: Option<String>,
    /// Only events assigned to this operator (an actor's text: `user` for this desk's own,
    /// `operator:NAME`), or, when empty, only events nobody is assigned.
    pub assignee: Option<String>,
    /// Labels an event must carry, each with exactly this value.
    pub labels: Vec<Label>,
    /// What the view does with events an active silence mutes.
    pub silenced: SilencedView,
    /// What the view does with events snoozed now.
    pub snoozed: SnoozedView,
}

/// What a view does with events snoozed now (see [`crate::model::Event::snoozed_until`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum SnoozedView {
    /// Left out, and counted in [`Page::snoozed`].
    #[default]
    Hide,
    /// Shown among the others.
    Show,
    /// Only they are shown: the Snoozed view.
    Only,
}

/// What a view does with muted events (see [`crate::model::Silence`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum SilencedView {
    /// Left out, and counted in [`Page::silenced`].
    #[default]
    Hide,
    /// Shown among the others, each marked with its silence.
    Show,
    /// Only they are shown.
    Only,
}

impl EventFilter {
    /// The most labels a filter may name.
    pub const MAX_LABELS: usize = 16;

    /// The longest kind or source a filter may name.
    pub const MAX_NAME: usize = 200;
    /// The longest search text accepted.
    pub const MAX_SEARCH: usize = 200;

    /// Checks lengths and the time range (the search's syntax is checked when it is parsed).
    pub fn validate(&self) -> Result<()> {
        for (field, value) in [("kind", &self.kind), ("source", &self.source)] {
            if value.as_ref().is_some_and(|v| v.len() > Self::MAX_NAME) {
                return Err(Error::invalid(
                    field,
                    format!("is longer than {} characters", Self::MAX_NAME),
                ));
            }
        }
        if self
            .search
            .as_ref()
            .is_some_and(|s| s.chars().count() > Self::MAX_SEARCH)
        {
            return Err(Error::invalid(
                "search",
                format!("is longer than {} characters", Self::MAX_SEARCH),
            ));
        }
        if let Some(actor) = self.assignee.as_deref().filter(|a| !a.is_empty()) {
            if !actor
                .parse::<crate::model::Actor>()
                .is_ok_and(|a| a.is_operator())
            {
                return Err(Error::invalid(
                    "assignee",
                    "must be an operator (user or operator:NAME), or empty for nobody",
                ));
            }
        }
        if self.labels.len() > Self::MAX_LABELS {
            return Err(Error::invalid(
                "labels",
                format!(
                    "names {} labels, more than the {} a view may",
                    self.labels.len(),
                    Self::MAX_LABELS
                ),
            ));
        }
        for label in &self.labels {
            if let Some(problem) =
                key_problem(&label.key).or_else(|| value_problem(&label.key, &label.value))
            {
                return Err(Error::invalid("labels", problem));
            }
        }
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from >= to {
                return Err(Error::invalid(
                    "to",
                    format!("must be after from ({from}), got {to}"),
                ));
            }
        }
        Ok(())
    }

    /// True when only status and severity filter, so the maintained counts give the total.
    pub fn counts_are_exact(&self) -> bool {
        self.assignee.is_none()
            && self.kind.is_none()
            && self.source.is_none()
            && self.from.is_none()
            && self.to.is_none()
            && self.search.is_none()
            && self.labels.is_empty()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum SortKey {
    /// Creation order.
    #[default]
    Time,
    Updated,
    Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Sort {
    pub by: SortKey,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            by: SortKey::Time,
            descending: true,
        }
    }
}

/// A place in a sorted view: the sort value and id of a row, and which side of it to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "at", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Position {
    First,
    Last,
    /// The rows that follow this one.
    After {
        value: i64,
        id: i64,
    },
    /// The rows that precede this one.
    Before {
        value: i64,
        id: i64,
    },
}

/// A row of a page that a silence mutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SilenceMark {
    pub event_id: i64,
    pub silence_id: i64,
}

/// One page of events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    pub rows: Vec<Event>,
    pub page: i64,
    pub page_size: i64,
    /// Events in the view. Exact when `totalExact`, otherwise a lower bound.
    pub total: i64,
    pub total_exact: bool,
    /// The last change-log `seq` the page reflects: pushes up to it are already included.
    pub seq: i64,
    /// Whether a silence was active when the page was read: then any new event may be muted,
    /// so a window reads the page again rather than adding pushed events to it.
    pub silencing: bool,
    /// How many events of the view (whatever it does with muted events) an active silence
    /// mutes: the "42 silenced" the window shows.
    pub silenced: i64,
    /// The rows an active silence mutes, each with the silence (the lowest-numbered one).
    pub silenced_by: Vec<SilenceMark>,
    /// How many events of the view (whatever it does with snoozed events) are snoozed now:
    /// the "3 snoozed" the window shows.
    pub snoozed: i64,
    /// When the next snoozed event (of any view) comes back: a window reads its page again
    /// then. `None` when no event is snoozed.
    pub next_wake: Option<i64>,
    /// The position of the following page, if any rows follow.
    pub next: Option<Position>,
    /// The position of the preceding page, if any rows precede.
    pub prev: Option<Position>,
}
