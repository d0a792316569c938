//! What the shell keeps in Tauri's managed state.

use crate::pushed::ExportProgress;
use eventdesk_core::{AppSettings, Error, SimControl, Store};
use serde::Serialize;
use specta::Type;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the About panel shows.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct About {
    pub name: String,
    pub version: String,
    pub identifier: String,
    pub db_path: String,
    /// Where the rotating log files are.
    pub log_dir: String,
}

pub type ProgressSink = Arc<dyn Fn(ExportProgress) + Send + Sync>;
/// Told whether the simulator runs after each change to its settings (the tray's label).
pub type SimulatorWatch = Box<dyn Fn(bool) + Send + Sync>;

pub struct AppState {
    /// The open store, or why it could not be opened: every command then answers with that
    /// error, so the window can say what is wrong instead of failing silently.
    store: Result<Arc<Store>, Error>,
    /// The simulator's controls; absent when there is no store to simulate on.
    simulator: Option<Arc<SimControl>>,
    /// The operator's preferences as last saved, shared with the tray and notifier threads.
    settings: Arc<Mutex<AppSettings>>,
    /// The running export's cancel flag, if one is running.
    export: Mutex<Option<Arc<AtomicBool>>>,
    about: About,
    progress: ProgressSink,
    simulator_watch: SimulatorWatch,
}

/// Marks the running export finished when dropped, however the export ends.
pub struct ExportSlot<'a>(&'a AppState);

impl Drop for ExportSlot<'_> {
    fn drop(&mut self) {
        *lock(&self.0.export) = None;
    }
}

impl AppState {
    pub fn new(
        store: Result<Arc<Store>, Error>,
        simulator: Option<Arc<SimControl>>,
        settings: Arc<Mutex<AppSettings>>,
        about: About,
        progress: ProgressSink,
        simulator_watch: SimulatorWatch,
    ) -> Self {
        AppState {
            store,
            simulator,
            settings,
            export: Mutex::new(None),
            about,
            progress,
            simulator_watch,
        }
    }

    pub fn store(&self) -> Result<&Store, Error> {
        self.store.as_deref().map_err(Clone::clone)
    }

    /// The store, shared, for work that runs on a thread of its own.
    pub fn shared_store(&self) -> Result<Arc<Store>, Error> {
        self.store.clone()
    }

    pub fn simulator(&self) -> Result<&SimControl, Error> {
        self.store()?;
        self.simulator
            .as_deref()
            .ok_or_else(|| Error::storage("the simulator could not be started; see the log"))
    }

    /// Validates, saves and applies new simulator settings (see [`SimControl::apply`]), and
    /// tells the tray whether it runs.
    pub fn apply_simulator(
        &self,
        config: eventdesk_core::SimConfig,
    ) -> Result<eventdesk_core::SimulatorStatus, Error> {
        let status = self.simulator()?.apply(self.store()?, config)?;
        (self.simulator_watch)(status.settings.running);
        Ok(status)
    }

    pub fn settings(&self) -> AppSettings {
        *lock(&self.settings)
    }

    /// Checks, persists and applies new preferences.
    pub fn save_settings(&self, settings: AppSettings) -> Result<AppSettings, Error> {
        settings.save(self.store()?)?;
        *lock(&self.settings) = settings;
        Ok(settings)
    }

    pub fn about(&self) -> &About {
        &self.about
    }

    pub fn progress(&self) -> ProgressSink {
        self.progress.clone()
    }

    /// Claims the export slot: one export at a time.
    pub fn begin_export(&self) -> Result<(ExportSlot<'_>, Arc<AtomicBool>), Error> {
        let mut slot = lock(&self.export);
        if slot.is_some() {
            return Err(Error::invalid(
                "export",
                "another export is running; wait for it or cancel it",
            ));
        }
        let cancel = Arc::new(AtomicBool::new(false));
        *slot = Some(cancel.clone());
        Ok((ExportSlot(self), cancel))
    }

    /// Asks the running export to stop; `false` if none is running.
    pub fn cancel_export(&self) -> bool {
        match &*lock(&self.export) {
            Some(cancel) => {
                cancel.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// Stops background work before the app exits.
    pub fn shut_down(&self) {
        if let Some(sim) = &self.simulator {
            sim.stop();
        }
        self.cancel_export();
    }
}
