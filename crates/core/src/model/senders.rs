//! Who sends events, and whether they went quiet: each sender's rhythm as the desk learned it
//! (how often it is usually heard, and how regularly), the heartbeats among them, and the rule
//! that calls one silent.

use serde::{Deserialize, Serialize};
use specta::Type;

/// How many times a sender must be heard before its rhythm counts.
pub const LEARNED_AFTER: i64 = 5;
/// The shortest quiet that makes a regular sender silent: 5 minutes.
pub const MIN_QUIET_MS: i64 = 5 * 60_000;
/// The most senders a desk learns (what a flood of made-up names could add stops there).
pub const MAX_SENDERS: i64 = 10_000;
/// The most events about quiet senders open at once: a flood of senders that all go quiet
/// raises no more than these (the Sources panel still lists every silent one).
pub const MAX_ALARMS: usize = 100;
/// The dedup keys of the events a desk raises about its senders start with this.
pub const ALARM_KEY_PREFIX: &str = "eventdesk:quiet:";

/// One sender as the desk heard it: through which way in (`pagerduty`, `alertmanager`,
/// `rabbitmq:QUEUE`, `team:STREAM`) and under which name (Alertmanager's `alertname`,
/// PagerDuty's `payload.source`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Sender {
    pub way: String,
    pub name: String,
    /// Its messages are heartbeats (Alertmanager's `Watchdog`, PagerDuty's class `heartbeat`):
    /// heard, never shown as events, and missed when they stop.
    pub heartbeat: bool,
    pub first_at: i64,
    pub last_at: i64,
    /// How many times it was heard (one write counts once).
    pub heard: i64,
    /// The usual time between two messages (a moving average), once heard twice.
    pub gap_ms: Option<i64>,
    /// How far a gap usually is from the usual one (a moving average).
    pub spread_ms: Option<i64>,
    /// Since when it is silent, if it is (as of the read).
    pub silent_since: Option<i64>,
    /// Heard often enough ([`LEARNED_AFTER`]) for its rhythm to count.
    pub learned: bool,
}

impl Sender {
    /// When it becomes silent if nothing comes before: a heartbeat after twice its interval
    /// (a beat missed, and as long again to be sure); another sender once its rhythm is learned and regular (heard
    /// [`LEARNED_AFTER`] times, gaps within half the usual one) after three times its usual
    /// gap, and at least [`MIN_QUIET_MS`]. `None`: it is never called silent (yet).
    pub fn silent_after(&self) -> Option<i64> {
        let gap = self.gap_ms.filter(|g| *g > 0)?;
        if self.heartbeat {
            return Some(self.last_at.saturating_add(gap.saturating_mul(2)));
        }
        let regular = self.spread_ms.unwrap_or(0) <= gap / 2;
        (self.heard >= LEARNED_AFTER && regular).then(|| {
            self.last_at
                .saturating_add(gap.saturating_mul(3).max(MIN_QUIET_MS))
        })
    }

    /// Fills [`Sender::silent_since`] as of `now`, and [`Sender::learned`].
    pub fn as_of(mut self, now: i64) -> Sender {
        self.learned = self.heard >= LEARNED_AFTER;
        self.silent_since = self
            .silent_after()
            .filter(|at| *at <= now)
            .map(|_| self.last_at);
        self
    }

    /// The key of the event the desk raises while it is silent.
    pub fn alarm_key(&self) -> String {
        format!("{ALARM_KEY_PREFIX}{}:{}", self.way, self.name)
    }

    /// The title of that event: "Heartbeat lost: Watchdog (alertmanager), usually every
    /// 1 min" or "db-primary (pagerduty) went silent, usually every 30 s".
    pub fn alarm_title(&self) -> String {
        let every = every(self.gap_ms.unwrap_or(0));
        if self.heartbeat {
            format!(
                "Heartbeat lost: {} ({}), usually every {every}",
                self.name, self.way
            )
        } else {
            format!(
                "{} ({}) went silent, usually every {every}",
                self.name, self.way
            )
        }
    }
}

/// What the desk's own event about a quiet sender says, besides its title and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlarm {
    /// `heartbeat-lost` or `silent-sender`.
    pub kind: &'static str,
    pub title: String,
    /// `way` and `sender`, so that a silence can match them.
    pub labels: crate::model::Labels,
    /// Critical for a lost heartbeat, a warning for a silent sender.
    pub severity: crate::model::Severity,
}

impl NewAlarm {
    pub fn about(sender: &Sender) -> NewAlarm {
        NewAlarm {
            kind: if sender.heartbeat {
                "heartbeat-lost"
            } else {
                "silent-sender"
            },
            title: sender.alarm_title(),
            labels: [
                ("way".to_owned(), sender.way.clone()),
                ("sender".to_owned(), sender.name.clone()),
            ]
            .into(),
            severity: if sender.heartbeat {
                crate::model::Severity::Critical
            } else {
                crate::model::Severity::Warning
            },
        }
    }
}

/// "30 s", "4 min", "2 h", "1 day".
fn every(ms: i64) -> String {
    let s = ms / 1000;
    match s {
        ..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        7200..=172_799 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sender(heard: i64, gap: Option<i64>, spread: Option<i64>, heartbeat: bool) -> Sender {
        Sender {
            way: "pagerduty".into(),
            name: "db-primary".into(),
            heartbeat,
            first_at: 0,
            last_at: 1_000_000,
            heard,
            gap_ms: gap,
            spread_ms: spread,
            silent_since: None,
            learned: false,
        }
    }

    #[test]
    fn a_regular_learned_sender_is_silent_after_three_gaps_a_heartbeat_after_two() {
        let s = sender(10, Some(30_000), Some(2_000), false);
        assert_eq!(s.silent_after(), Some(1_000_000 + MIN_QUIET_MS));
        let slow = sender(10, Some(600_000), Some(10_000), false);
        assert_eq!(slow.silent_after(), Some(1_000_000 + 1_800_000));
        assert_eq!(slow.clone().as_of(2_799_999).silent_since, None);
        assert_eq!(slow.as_of(2_800_000).silent_since, Some(1_000_000));
        // Not learned yet, or irregular (bursts of trouble): never called silent.
        assert!(s.clone().as_of(0).learned);
        assert!(!sender(4, Some(30_000), Some(0), false).as_of(0).learned);
        assert_eq!(sender(4, Some(30_000), Some(0), false).silent_after(), None);
        assert_eq!(
            sender(50, Some(30_000), Some(20_000), false).silent_after(),
            None
        );
        assert_eq!(sender(50, None, None, false).silent_after(), None);
        // A heartbeat is missed after twice its interval, learned or not.
        let beat = sender(2, Some(60_000), None, true);
        assert_eq!(beat.silent_after(), Some(1_000_000 + 120_000));
        assert!(beat
            .alarm_title()
            .starts_with("Heartbeat lost: db-primary (pagerduty)"));
        assert_eq!(
            sender(9, Some(30_000), None, false).alarm_title(),
            "db-primary (pagerduty) went silent, usually every 30 s"
        );
        assert_eq!(every(240_000), "4 min");
        assert_eq!(every(7_200_000), "2 h");
    }
}
