//! Desktop notifications for events that become critical, rate-limited: at most one notice per
//! interval; events held back meanwhile are summed up in the next one ("3 more critical
//! events"). Time is passed in, so tests drive it like a clock.

use crate::model::{ChangeSet, Event};

/// The default spacing of notices.
pub const NOTICE_INTERVAL_MS: i64 = 10_000;

/// One desktop notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
    /// The event the notice is about (the latest one), to open when it is clicked.
    pub event_id: i64,
    /// How many critical events the notice stands for.
    pub count: u32,
}

/// Decides when to notify. Feed it every [`ChangeSet`] with [`Notifier::observe`] and call
/// [`Notifier::tick`] now and then so held-back events are announced once the interval passes.
#[derive(Debug)]
pub struct Notifier {
    interval_ms: i64,
    last_shown: Option<i64>,
    /// Critical events not announced yet, and the latest of them.
    pending: u32,
    latest: Option<Event>,
}

impl Notifier {
    pub fn new(interval_ms: i64) -> Self {
        Notifier {
            interval_ms,
            last_shown: None,
            pending: 0,
            latest: None,
        }
    }

    /// Takes note of the events that became critical in `set`; returns a notice if one is due.
    pub fn observe(&mut self, set: &ChangeSet, now: i64) -> Option<Notice> {
        // `critical` is latest first; remember the latest event as it is in this set.
        for id in set.critical.iter().rev() {
            if let Some(row) = set.rows.iter().find(|r| r.id == *id) {
                self.pending += 1;
                self.latest = Some(row.clone());
            }
        }
        self.tick(now)
    }

    /// A notice for the events held back, if there are any and the interval has passed.
    pub fn tick(&mut self, now: i64) -> Option<Notice> {
        if self.pending == 0 {
            return None;
        }
        if self
            .last_shown
            .is_some_and(|last| now - last < self.interval_ms)
        {
            return None;
        }
        let latest = self.latest.take()?;
        let count = std::mem::take(&mut self.pending);
        self.last_shown = Some(now);
        let more = count - 1;
        let body = match more {
            0 => format!("{} on {} · #{}", latest.kind, latest.source, latest.id),
            1 => "1 more critical event".to_owned(),
            n => format!("{n} more critical events"),
        };
        Some(Notice {
            // A critical event, or the desk's own warning that a sender went silent.
            title: match latest.severity {
                crate::model::Severity::Critical => format!("Critical: {}", latest.title),
                _ => format!("Silent sender: {}", latest.title),
            },
            body,
            event_id: latest.id,
            count,
        })
    }

    /// Forgets what was held back (notifications were switched off).
    pub fn clear(&mut self) {
        self.pending = 0;
        self.latest = None;
    }

    /// When the next [`Notifier::tick`] may produce a notice, if anything is held back.
    pub fn due_at(&self) -> Option<i64> {
        (self.pending > 0).then(|| self.last_shown.map_or(0, |t| t + self.interval_ms))
    }
}
