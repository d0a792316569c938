//! [`WindowPush`]: where the pusher's merged change sets go. Each becomes the window's
//! `EventsChanged` event, hands the tray its counts (carried in the set, so the tray never
//! reads the store) and hands events that became critical to the notifier. Events a silence
//! mutes are taken out of the set's new and critical events first: they raise no notice and
//! no sound.

use crate::desktop;
use crate::pushed::EventsChanged;
use eventdesk_core::{AppSettings, ChangeSet, Store, Tally};
use parking_lot::Mutex;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use tauri::{AppHandle, Runtime};
use tauri_specta::Event as _;

/// The pusher's sink in the app.
pub struct WindowPush<R: Runtime> {
    app: AppHandle<R>,
    notices: Option<Sender<ChangeSet>>,
    tray: Option<Sender<Tally>>,
    store: Option<Arc<Store>>,
}

impl<R: Runtime> WindowPush<R> {
    /// Starts the notifier thread, which reads `settings` to know whether notices are on.
    pub fn new(
        app: &AppHandle<R>,
        settings: Arc<Mutex<AppSettings>>,
        store: Option<Arc<Store>>,
    ) -> Self {
        WindowPush {
            app: app.clone(),
            notices: desktop::start_notifier(app, settings),
            tray: desktop::start_tray_counts(app),
            store,
        }
    }

    /// Takes one merged set: notices first (they are the slowest to show), then the tray, then
    /// the window.
    pub fn push(&mut self, mut set: ChangeSet) {
        if let Some(store) = &self.store {
            // A failed check leaves the set as it is: a notice too many, never one lost.
            if let Err(e) = store.quiet_muted(&mut set) {
                tracing::warn!(error = %e, "could not tell which new events are silenced");
            }
        }
        if !set.critical.is_empty() {
            if let Some(tx) = &self.notices {
                let _ = tx.send(critical_part(&set));
            }
        }
        if let Some(tx) = &self.tray {
            let _ = tx.send(set.tally);
        }
        if let Err(e) = EventsChanged(set).emit(&self.app) {
            tracing::warn!(error = %e, "push failed");
        }
    }
}

/// What the notifier reads of a set: the rows of the events that became critical.
fn critical_part(set: &ChangeSet) -> ChangeSet {
    let critical: std::collections::HashSet<i64> = set.critical.iter().copied().collect();
    ChangeSet {
        rows: set
            .rows
            .iter()
            .filter(|r| critical.contains(&r.id))
            .cloned()
            .collect(),
        created: Vec::new(),
        ..set.clone()
    }
}
