//! Events per minute by severity over the last hour, for the activity strip.

use crate::db::rows;
use crate::db::Handle;
use crate::error::Result;
use serde::Serialize;
use specta::Type;

pub const MINUTE_MS: i64 = 60_000;
/// Minutes the strip covers, the current one included.
pub const MINUTES: i64 = 60;

/// Events created in one minute, by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Type)]
pub struct Minute {
    /// Start of the minute, Unix ms.
    pub start: i64,
    pub info: i64,
    pub warning: i64,
    pub error: i64,
    pub critical: i64,
}

/// The last [`MINUTES`] minutes up to `now`, oldest first, every minute present (zero if none
/// were created). Counted from the `created_at` index: one pass over the hour's events.
pub fn last_hour(conn: &impl Handle, now: i64) -> Result<Vec<Minute>> {
    let first = (now.div_euclid(MINUTE_MS) - (MINUTES - 1)) * MINUTE_MS;
    let mut minutes: Vec<Minute> = (0..MINUTES)
        .map(|i| Minute {
            start: first + i * MINUTE_MS,
            ..Minute::default()
        })
        .collect();
    for (minute, severity, n) in rows::created_per_minute(conn, first, MINUTES)? {
        let Some(m) = usize::try_from(minute)
            .ok()
            .and_then(|i| minutes.get_mut(i))
        else {
            continue;
        };
        match severity {
            0 => m.info += n,
            1 => m.warning += n,
            2 => m.error += n,
            _ => m.critical += n,
        }
    }
    Ok(minutes)
}
