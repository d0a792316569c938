//! Time as the store and the simulator see it, so tests can control it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub trait Clock: Send + Sync {
    /// Unix time in milliseconds.
    fn now_ms(&self) -> i64;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// Unix time in milliseconds by the wall clock: for what is only shown or compared on this
/// machine (a source's "since", a desk last heard). What is written goes through a store's
/// [`Clock`].
pub fn now_ms() -> i64 {
    SystemClock.now_ms()
}

/// A clock that always says the same time: for writes made at a known time (seeding scripts,
/// tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct At(pub i64);

impl Clock for At {
    fn now_ms(&self) -> i64 {
        self.0
    }
}

/// A clock that moves only when told to.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start_ms: i64) -> Self {
        ManualClock(AtomicI64::new(start_ms))
    }

    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
