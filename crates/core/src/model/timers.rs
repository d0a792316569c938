//! The desk's timers: an acknowledgement that times out (the event is open again) and expiry
//! (an event with no change for a while completes itself), and the policy that sets them.

use crate::error::{Error, Result};
use crate::model::Severity;
use serde::{Deserialize, Serialize};
use specta::Type;
use std::str::FromStr;

/// What a timer does to an event when its time comes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "kebab-case")]
pub enum Timer {
    /// An acknowledged event was not completed in time: it is open again.
    AckTimeout,
    /// An event had no change for the policy's time: it is completed.
    Expiry,
    /// A sender went quiet (the desk raises an event) or was heard again (it completes it).
    Senders,
}

impl Timer {
    pub fn as_str(self) -> &'static str {
        match self {
            Timer::AckTimeout => "ack-timeout",
            Timer::Expiry => "expiry",
            Timer::Senders => "senders",
        }
    }
}

impl FromStr for Timer {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "ack-timeout" => Ok(Timer::AckTimeout),
            "expiry" => Ok(Timer::Expiry),
            "senders" => Ok(Timer::Senders),
            _ => Err(format!("unknown timer {s:?}")),
        }
    }
}

/// Minutes an acknowledgement lasts, per severity; `None`: it never times out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AckTimeouts {
    pub info: Option<u32>,
    pub warning: Option<u32>,
    pub error: Option<u32>,
    pub critical: Option<u32>,
}

impl AckTimeouts {
    /// The minutes an acknowledgement of a `severity` event lasts.
    pub fn minutes(&self, severity: Severity) -> Option<u32> {
        match severity {
            Severity::Info => self.info,
            Severity::Warning => self.warning,
            Severity::Error => self.error,
            Severity::Critical => self.critical,
        }
    }
}

/// When a desk's (or a team's) timers act. Both are off until set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimerPolicy {
    /// An acknowledged event not completed within this many minutes (by its severity) is open
    /// again, and notifies again.
    pub ack_timeout_minutes: AckTimeouts,
    /// An event that is not completed and had no change for this many hours completes itself.
    pub expire_after_hours: Option<u32>,
}

impl TimerPolicy {
    /// An acknowledgement may last 1 minute to 7 days.
    pub const ACK_MINUTES: std::ops::RangeInclusive<u32> = 1..=7 * 24 * 60;
    /// Expiry may come after 1 hour to a year.
    pub const EXPIRY_HOURS: std::ops::RangeInclusive<u32> = 1..=365 * 24;

    /// The time an acknowledgement of a `severity` event lasts, in ms.
    pub fn ack_timeout_ms(&self, severity: Severity) -> Option<i64> {
        self.ack_timeout_minutes
            .minutes(severity)
            .map(|m| i64::from(m) * 60_000)
    }

    /// The time without change after which an event expires, in ms.
    pub fn expiry_ms(&self) -> Option<i64> {
        self.expire_after_hours.map(|h| i64::from(h) * 3_600_000)
    }

    /// Whether any timer is on.
    pub fn any(&self) -> bool {
        self.expire_after_hours.is_some()
            || Severity::ALL
                .iter()
                .any(|s| self.ack_timeout_minutes.minutes(*s).is_some())
    }

    pub fn validate(&self) -> Result<()> {
        for s in Severity::ALL {
            if let Some(m) = self.ack_timeout_minutes.minutes(*s) {
                if !Self::ACK_MINUTES.contains(&m) {
                    return Err(Error::invalid(
                        "ackTimeoutMinutes",
                        format!("{s}: must be 1 to 10080 minutes (7 days), got {m}"),
                    ));
                }
            }
        }
        if let Some(h) = self.expire_after_hours {
            if !Self::EXPIRY_HOURS.contains(&h) {
                return Err(Error::invalid(
                    "expireAfterHours",
                    format!("must be 1 to 8760 hours (a year), got {h}"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_checked_per_severity() {
        let mut p = TimerPolicy::default();
        assert!(p.validate().is_ok() && !p.any());
        p.ack_timeout_minutes.critical = Some(15);
        assert!(p.validate().is_ok() && p.any());
        assert_eq!(p.ack_timeout_ms(Severity::Critical), Some(900_000));
        assert_eq!(p.ack_timeout_ms(Severity::Info), None);
        p.ack_timeout_minutes.warning = Some(0);
        let e = p.validate().unwrap_err().to_string();
        assert!(e.contains("warning") && e.contains("got 0"), "{e}");
        p.ack_timeout_minutes.warning = None;
        p.expire_after_hours = Some(9000);
        assert!(p.validate().is_err());
        p.expire_after_hours = Some(72);
        assert_eq!(p.expiry_ms(), Some(72 * 3_600_000));
    }

    #[test]
    fn timers_are_named_as_stored() {
        for t in [Timer::AckTimeout, Timer::Expiry, Timer::Senders] {
            assert_eq!(t.as_str().parse::<Timer>(), Ok(t));
        }
        assert!("later".parse::<Timer>().is_err());
    }
}
