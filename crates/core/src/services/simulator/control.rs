//! [`SimControl`]: the running simulator's settings, shared between its thread and whoever
//! changes them (the window's panel, the tray), and the one place they are persisted.

use crate::error::Result;
use crate::services::simulator::SimConfig;
use crate::store::Store;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// The `settings` key under which the simulator's settings persist.
pub const SIMULATOR_SETTINGS: &str = "simulator";

/// The running simulator's settings, shared between its thread and the commands that change
/// them.
pub struct SimControl {
    config: Mutex<SimConfig>,
    /// Bumped by each update; the thread applies a generation it has not seen.
    generation: AtomicU64,
    /// The generation the thread runs with.
    applied: AtomicU64,
    changes: AtomicU64,
    /// Turns of the simulator thread's loop, paused or not: its heartbeat.
    ticks: AtomicU64,
    stop: AtomicBool,
}

/// The simulator's settings and how many changes it made since the app started.
#[derive(Debug, Clone, PartialEq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SimulatorStatus {
    pub settings: SimConfig,
    pub changes: u64,
}

impl SimControl {
    pub fn new(config: SimConfig) -> Arc<Self> {
        Arc::new(SimControl {
            config: Mutex::new(config),
            generation: AtomicU64::new(0),
            applied: AtomicU64::new(u64::MAX),
            changes: AtomicU64::new(0),
            ticks: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        })
    }

    pub fn config(&self) -> SimConfig {
        self.config.lock().clone()
    }

    /// Validates and applies new settings; the thread picks them up within 50 ms. Nothing is
    /// saved: see [`SimControl::apply`].
    pub fn update(&self, config: SimConfig) -> Result<SimulatorStatus> {
        config.validate()?;
        *self.config.lock() = config;
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(self.status())
    }

    /// Validates, saves in `store` and applies new settings: what an operator's change does,
    /// from the window or the tray. Nothing is saved or applied if the check fails.
    pub fn apply(&self, store: &Store, config: SimConfig) -> Result<SimulatorStatus> {
        config.validate()?;
        store.save_setting(SIMULATOR_SETTINGS, &config)?;
        self.update(config)
    }

    pub fn status(&self) -> SimulatorStatus {
        SimulatorStatus {
            settings: self.config(),
            changes: self.changes.load(Ordering::Relaxed),
        }
    }

    /// How many times the simulator thread has looked at its settings and the clock (about
    /// every 50 ms while paused): a heartbeat, for diagnostics and tests.
    pub fn ticks(&self) -> u64 {
        self.ticks.load(Ordering::Relaxed)
    }

    /// Whether the thread runs with the settings last given to [`SimControl::update`].
    pub fn is_applied(&self) -> bool {
        self.applied.load(Ordering::Acquire) == self.generation.load(Ordering::Acquire)
    }

    /// Ends the simulator thread.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    // The thread's side.

    pub(super) fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Counts a turn of the loop; returns the settings generation to run with.
    pub(super) fn tick(&self) -> u64 {
        self.ticks.fetch_add(1, Ordering::Relaxed);
        self.generation.load(Ordering::Acquire)
    }

    pub(super) fn applied(&self, generation: u64) {
        self.applied.store(generation, Ordering::Release);
    }

    pub(super) fn made(&self, changes: u64) {
        self.changes.fetch_add(changes, Ordering::Relaxed);
    }
}
