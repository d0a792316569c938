//! Bounds on what comes in from outside.

use serde::{Deserialize, Serialize};
use specta::Type;

/// How large a message from outside may be: a source's (its setting) or a team's (set by its
/// admins in the log, the same on every desk).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageLimits {
    /// The largest message applied, in bytes; a larger one is refused (and never held).
    pub max_message: u32,
    /// The most alerts one Alertmanager message may hold.
    pub max_alerts: u32,
}

impl MessageLimits {
    /// The smallest and largest message limit: 1 KiB to 4 MiB.
    pub const MESSAGE_RANGE: std::ops::RangeInclusive<u32> = 1024..=4 * 1024 * 1024;
    /// 1 to 10,000 alerts.
    pub const ALERTS_RANGE: std::ops::RangeInclusive<u32> = 1..=10_000;
}

impl Default for MessageLimits {
    fn default() -> Self {
        MessageLimits {
            max_message: 256 * 1024,
            max_alerts: 1_000,
        }
    }
}
