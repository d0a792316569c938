//! What the shell keeps in Tauri's managed state.

use eventdesk_core::{Error, Store};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

pub struct AppState {
    /// The open store, or why it could not be opened: every command then answers with that
    /// error, so the window can say what is wrong instead of failing silently.
    store: Result<Arc<Store>, Error>,
    /// Set to stop the simulator thread.
    pub simulator_stop: Arc<AtomicBool>,
}

impl AppState {
    pub fn new(store: Result<Arc<Store>, Error>) -> Self {
        AppState {
            store,
            simulator_stop: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn store(&self) -> Result<&Store, Error> {
        self.store.as_deref().map_err(Clone::clone)
    }
}
