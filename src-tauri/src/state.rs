//! What the shell keeps in Tauri's managed state. [`AppState`] is a cheap handle (an `Arc`),
//! so that a command can move it onto a blocking thread.

use crate::pushed::ExportProgress;
use crate::secrets::Secrets;
use crate::sources::Sources;
use crate::team::{Team, TeamSetup};
use eventdesk_core::{
    Action, Actor, AppSettings, BulkOutcome, Error, Event, ExportFormat, SimConfig, SimControl,
    SimulatorStatus, Store, Target,
};
use parking_lot::Mutex;
use serde::Serialize;
use specta::Type;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

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

/// Where an export goes: the file the operator picks in the system's save dialog, or a path
/// given in advance (`EVENTDESK_EXPORT_TO`, for scripts and automated tests, which cannot
/// click a native dialog); `None` when no file was chosen. The window never names a path.
pub type SaveTo = Arc<dyn Fn(ExportFormat) -> Result<Option<PathBuf>, Error> + Send + Sync>;

/// Opens an event's link in the operator's browser (in tests: records it).
pub type LinkOpener = Arc<dyn Fn(&str) -> Result<(), Error> + Send + Sync>;

/// Ends the app as the tray's Quit does (the window's Ctrl+Q).
pub type Quit = Arc<dyn Fn() + Send + Sync>;

/// Everything [`AppState::new`] needs.
pub struct Parts {
    /// The open store, or why it could not be opened.
    pub store: Result<Arc<Store>, Error>,
    /// The simulator's controls; absent when there is no store to simulate on.
    pub simulator: Option<Arc<SimControl>>,
    /// The operator's preferences as last saved, shared with the tray and notifier threads.
    pub settings: Arc<Mutex<AppSettings>>,
    pub about: About,
    pub progress: ProgressSink,
    pub simulator_watch: SimulatorWatch,
    pub save_to: SaveTo,
    /// What the operator should know: settings that were invalid and replaced by defaults, a
    /// read-only file, and problems found later (a damaged file).
    pub warnings: Arc<Mutex<Vec<String>>>,
    /// The HTTP endpoint and the queues; absent without a store.
    pub sources: Option<Sources>,
    pub open_link: LinkOpener,
    /// Team mode: this desk replicates a team's stream and acts through it.
    pub team: Option<Team>,
    /// Where the RabbitMQ URLs and the endpoint's token are kept.
    pub secrets: Arc<Secrets>,
    pub quit: Quit,
}

struct Inner {
    parts: Parts,
    /// The running export's cancel flag, if one is running.
    export: Mutex<Option<Arc<AtomicBool>>>,
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// Marks the running export finished when dropped, however the export ends.
pub struct ExportSlot(AppState);

impl Drop for ExportSlot {
    fn drop(&mut self) {
        *self.0 .0.export.lock() = None;
    }
}

impl AppState {
    pub fn new(parts: Parts) -> Self {
        AppState(Arc::new(Inner {
            parts,
            export: Mutex::new(None),
        }))
    }

    /// The store, or the error that kept it from opening: every command then answers with
    /// that error, so the window can say what is wrong instead of failing silently.
    pub fn store(&self) -> Result<&Store, Error> {
        self.0.parts.store.as_deref().map_err(Clone::clone)
    }

    pub fn simulator(&self) -> Result<&SimControl, Error> {
        self.store()?;
        self.0.parts.simulator.as_deref().ok_or_else(|| {
            Error::storage("the simulator is not running on this database; see the log")
        })
    }

    /// Ends the app: the window state is saved and the writers stop (at `RunEvent::Exit`).
    pub fn quit(&self) {
        (self.0.parts.quit)();
    }

    /// Validates, saves and applies new simulator settings (see [`SimControl::apply`]), and
    /// tells the tray whether it runs.
    pub fn apply_simulator(&self, config: SimConfig) -> Result<SimulatorStatus, Error> {
        let status = self.simulator()?.apply(self.store()?, config)?;
        (self.0.parts.simulator_watch)(status.settings.running);
        Ok(status)
    }

    pub fn settings(&self) -> AppSettings {
        *self.0.parts.settings.lock()
    }

    /// Checks, persists and applies new preferences.
    pub fn save_settings(&self, settings: AppSettings) -> Result<AppSettings, Error> {
        settings.save(self.store()?)?;
        *self.0.parts.settings.lock() = settings;
        Ok(settings)
    }

    /// The team this desk is part of, if it works in team mode.
    pub fn team(&self) -> Option<&Team> {
        self.0.parts.team.as_ref()
    }

    /// The team this desk joins at its next start, as saved (without the password).
    pub fn team_setup(&self) -> Result<Option<TeamSetup>, Error> {
        crate::team::saved_setup(self.store()?)
    }

    /// Saves the team to join at the next start (the password in the credential store), or
    /// with `None` forgets it. Nothing is saved when a field is wrong.
    pub fn set_team(
        &self,
        setup: Option<crate::team::TeamJoin>,
    ) -> Result<Option<TeamSetup>, Error> {
        crate::team::save_setup(self.store()?, self.0.parts.secrets.as_ref(), setup)
    }

    /// `action` on one event: through the team's stream in team mode, or on this desk.
    pub fn act(&self, id: i64, expected_version: i64, action: Action) -> Result<Event, Error> {
        match self.team() {
            Some(team) => team.act(id, expected_version, action),
            None => self.store()?.act(id, expected_version, action),
        }
    }

    /// `action` on many events, one outcome each; see [`AppState::act`].
    pub fn bulk(&self, targets: &[Target], action: Action) -> Result<Vec<BulkOutcome>, Error> {
        eventdesk_core::db::actions::check_bulk(targets)?;
        match self.team() {
            Some(team) => team.bulk(targets, action),
            None => self.store()?.bulk(targets, action),
        }
    }

    /// Snoozes events until `until`, or wakes them: through the team's stream in team mode,
    /// or on this desk.
    pub fn snooze(
        &self,
        targets: &[Target],
        until: Option<i64>,
    ) -> Result<Vec<BulkOutcome>, Error> {
        eventdesk_core::db::actions::check_bulk(targets)?;
        match self.team() {
            Some(team) => team.snooze(targets, until),
            None => self.store()?.snooze(targets, until),
        }
    }

    /// Assigns events to `assignee` (an actor's text: `user` for this desk's operator,
    /// `operator:NAME` for a member of the team), or to nobody: through the team's stream in
    /// team mode, or on this desk.
    pub fn assign(
        &self,
        targets: &[Target],
        assignee: Option<&str>,
    ) -> Result<Vec<BulkOutcome>, Error> {
        eventdesk_core::db::actions::check_bulk(targets)?;
        let to = assignee
            .map(eventdesk_core::db::actions::parse_assignee)
            .transpose()?;
        match self.team() {
            Some(team) => team.assign(targets, to.as_ref()),
            None => self.store()?.assign(targets, to.as_ref()),
        }
    }

    /// Leaves a note on event `id`: through the team's stream in team mode, or on this desk.
    pub fn note(&self, id: i64, text: &str) -> Result<Event, Error> {
        match self.team() {
            Some(team) => team.note(id, text),
            None => self.store()?.add_note(id, text, Actor::User),
        }
    }

    pub fn sources(&self) -> Result<&Sources, Error> {
        self.store()?;
        self.0
            .parts
            .sources
            .as_ref()
            .ok_or_else(|| Error::storage("no sources run on this database; see the log"))
    }

    /// Opens link `index` of event `id` (http and https only, as stored).
    pub fn open_link(&self, id: i64, index: usize) -> Result<(), Error> {
        let detail = self.store()?.get_event(id)?;
        let link = detail
            .links
            .get(index)
            .ok_or_else(|| Error::invalid("index", format!("event {id} has no link {index}")))?;
        (self.0.parts.open_link)(&link.href)
    }

    pub fn about(&self) -> &About {
        &self.0.parts.about
    }

    pub fn progress(&self) -> ProgressSink {
        self.0.parts.progress.clone()
    }

    pub fn save_to(&self) -> &SaveTo {
        &self.0.parts.save_to
    }

    /// What the operator should know: warnings from the start and problems found since.
    pub fn warnings(&self) -> Vec<String> {
        self.0.parts.warnings.lock().clone()
    }

    /// Claims the export slot: one export at a time.
    pub fn begin_export(&self) -> Result<(ExportSlot, Arc<AtomicBool>), Error> {
        let mut slot = self.0.export.lock();
        if slot.is_some() {
            return Err(Error::invalid(
                "export",
                "another export is running; wait for it or cancel it",
            ));
        }
        let cancel = Arc::new(AtomicBool::new(false));
        *slot = Some(cancel.clone());
        Ok((ExportSlot(self.clone()), cancel))
    }

    /// Asks the running export to stop; `false` if none is running.
    pub fn cancel_export(&self) -> bool {
        match &*self.0.export.lock() {
            Some(cancel) => {
                cancel.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// Stops background work before the app exits.
    pub fn shut_down(&self) {
        if let Some(sim) = &self.0.parts.simulator {
            sim.stop();
        }
        if let Some(sources) = &self.0.parts.sources {
            sources.stop();
        }
        self.cancel_export();
    }
}
