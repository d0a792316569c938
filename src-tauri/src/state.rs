//! What the shell keeps in Tauri's managed state.

use eventdesk_core::{Error, SimControl, Store};
use std::sync::Arc;

/// The settings key under which the simulator's settings persist.
pub const SIMULATOR_SETTINGS: &str = "simulator";

pub struct AppState {
    /// The open store, or why it could not be opened: every command then answers with that
    /// error, so the window can say what is wrong instead of failing silently.
    store: Result<Arc<Store>, Error>,
    /// The simulator's controls; absent when there is no store to simulate on.
    simulator: Option<Arc<SimControl>>,
}

impl AppState {
    pub fn new(store: Result<Arc<Store>, Error>, simulator: Option<Arc<SimControl>>) -> Self {
        AppState { store, simulator }
    }

    pub fn store(&self) -> Result<&Store, Error> {
        self.store.as_deref().map_err(Clone::clone)
    }

    pub fn simulator(&self) -> Result<&SimControl, Error> {
        self.store()?;
        self.simulator
            .as_deref()
            .ok_or_else(|| Error::storage("the simulator could not be started; see the log"))
    }

    /// Stops background work before the app exits.
    pub fn shut_down(&self) {
        if let Some(sim) = &self.simulator {
            sim.stop();
        }
    }
}
