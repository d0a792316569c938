//! What committed writes changed, as pushed to the window and read by a catch-up.

use crate::model::Event;
use serde::{Deserialize, Serialize};
use specta::Type;

/// What one or more committed write transactions changed. Pushed to the UI after commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChangeSet {
    /// First change-log `seq` covered (inclusive).
    pub from_seq: i64,
    /// Last change-log `seq` covered (inclusive). The next set starts at `to_seq + 1`.
    pub to_seq: i64,
    /// Every event changed in the range, as it is after the last change; each id once.
    pub rows: Vec<Event>,
    /// Ids of the events created in the range, newest first.
    pub created: Vec<i64>,
    /// Ids of the events that became critical in the range (created critical or escalated to
    /// critical), latest first: what desktop notifications are about.
    pub critical: Vec<i64>,
    /// All events in the store after the last commit in the range.
    pub total: i64,
    /// Unfinished events and the critical ones among them after the last commit in the range:
    /// what the tray shows, carried here so that it never reads the store.
    pub tally: Tally,
    /// True when `rows` do not hold every event changed in the range (another program changed
    /// more than a set carries): a window should read its view again.
    pub reload: bool,
}

/// Events not completed yet, and the critical ones among them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    pub unfinished: i64,
    pub critical: i64,
}

impl ChangeSet {
    /// Folds a later set into this one, keeping each event's latest row.
    pub fn absorb(&mut self, later: ChangeSet) {
        self.from_seq = self.from_seq.min(later.from_seq);
        self.to_seq = self.to_seq.max(later.to_seq);
        let mut index: std::collections::HashMap<i64, usize> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id, i))
            .collect();
        for row in later.rows {
            match index.get(&row.id) {
                Some(&i) if self.rows[i].version <= row.version => self.rows[i] = row,
                Some(_) => {}
                None => {
                    index.insert(row.id, self.rows.len());
                    self.rows.push(row);
                }
            }
        }
        let mut created = later.created;
        created.append(&mut self.created);
        self.created = created;
        let earlier: std::collections::HashSet<i64> = self.critical.iter().copied().collect();
        let mut critical = later.critical;
        critical.retain(|id| !earlier.contains(id));
        critical.append(&mut self.critical);
        self.critical = critical;
        self.total = later.total;
        self.tally = later.tally;
        self.reload |= later.reload;
    }
}
