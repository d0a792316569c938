//! Start-up wiring: the desk started by `eventdesk_sources::startup`, and the window's parts
//! around it (pushes, export, links) in the state the commands use.

use crate::pushed::{ExportProgress, SourcesChanged, StorageProblem, TeamChanged};
use crate::sources::SourcesStatus;
use crate::state::{About, AppState, Parts};
use crate::{desktop, export, push, secrets, sources, team};
use eventdesk_core::db;
use eventdesk_core::services::push::{Pusher, PUSH_INTERVAL};
use eventdesk_core::AppSettings;
use eventdesk_sources::startup;
use parking_lot::Mutex;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tauri::{Manager, Runtime};
use tauri_specta::Event as _;

/// Where the database is, from `EVENTDESK_DB` (default: `eventdesk.db` in the app's local data
/// folder: on Windows the local profile, since a large database does not belong in a roaming
/// one; on Linux and macOS the same folder as the app-data folder).
pub fn db_path_from_env<R: Runtime>(app: &tauri::AppHandle<R>) -> PathBuf {
    let data_dir = app
        .path()
        .app_local_data_dir()
        .unwrap_or_else(|_| std::env::temp_dir().join("eventdesk"));
    db::resolve_path(std::env::var("EVENTDESK_DB").ok().as_deref(), &data_dir)
}

/// Starts the desk (`eventdesk_sources::startup`: the database, team mode, the simulator, the
/// sources) and adds the window's parts: settings, pushes, export, links. A store that cannot
/// be opened is kept as its error. `var` reads the environment (in the app; the tests give
/// their own), `EVENTDESK_EXPORT_TO` and `EVENTDESK_SECRETS` among it.
pub fn start<R: Runtime>(
    app: &tauri::AppHandle<R>,
    path: &Path,
    var: impl Fn(&str) -> Option<String>,
) -> AppState {
    let secrets = Arc::new(match var("EVENTDESK_SECRETS").as_deref() {
        // For tests and scripts: never the operator's credential store.
        Some("session") => secrets::Secrets::session(),
        _ => secrets::Secrets::open().0,
    });
    let warnings = Arc::new(Mutex::new(Vec::new()));
    let handle = app.clone();
    let problems = warnings.clone();
    let runtime = tauri::async_runtime::handle();
    let desk = startup::start(path, &var, secrets.clone(), runtime.inner(), move |error| {
        tracing::error!(error = %error, "the database cannot be written any more");
        problems.lock().push(error.to_string());
        if let Err(e) = (StorageProblem { error }).emit(&handle) {
            tracing::warn!(error = %e, "the storage problem was not shown");
        }
    });
    warnings.lock().extend(desk.notes);
    let (store, simulator, team, sources) = (desk.store, desk.simulator, desk.team, desk.sources);

    let settings = match &store {
        Ok(store) => {
            let (settings, notes) = AppSettings::load(store);
            warnings.lock().extend(notes);
            settings
        }
        Err(_) => AppSettings::default(),
    };
    let settings = Arc::new(Mutex::new(settings));
    let mut sink = push::WindowPush::new(app, settings.clone(), store.as_ref().ok().cloned());
    if let Err(e) = Pusher::new(desk.changes, PUSH_INTERVAL).spawn(move |set| sink.push(set)) {
        tracing::error!(error = %e, "cannot start the pusher: the table will not update live");
    }
    let info = app.package_info();
    let about = About {
        name: info.name.clone(),
        version: info.version.to_string(),
        identifier: app.config().identifier.clone(),
        db_path: path.display().to_string(),
        log_dir: desktop::log_dir(app).display().to_string(),
    };
    let handle = app.clone();
    let progress = Arc::new(move |p: ExportProgress| {
        if let Err(e) = p.emit(&handle) {
            tracing::warn!(error = %e, "export progress not delivered");
        }
    });
    let handle = app.clone();
    let simulator_watch = Box::new(move |running| desktop::show_simulator_state(&handle, running));
    let fixed = var("EVENTDESK_EXPORT_TO")
        .filter(|p| !p.trim().is_empty())
        .map(PathBuf::from);
    let save_to = export::save_to(app, fixed);

    if let Some(sources) = &sources {
        push_states(app, sources.downgrade(), team.clone());
    }
    let open_link = desktop::link_opener(app, var("EVENTDESK_OPENED_LINKS").map(PathBuf::from));
    AppState::new(Parts {
        store,
        simulator,
        settings,
        about,
        progress,
        simulator_watch,
        save_to,
        warnings,
        sources,
        open_link,
        team,
        secrets,
        quit: {
            let app = app.clone();
            Arc::new(move || app.exit(0))
        },
    })
}

/// Pushes the sources' state and team mode's state to the window whenever they change
/// (checked four times a second: counts move with every message, and the panels need no
/// more), until the app lets the sources go.
fn push_states<R: Runtime>(
    app: &tauri::AppHandle<R>,
    sources: sources::WeakSources,
    team: Option<team::Team>,
) {
    let handle = app.clone();
    let spawned = std::thread::Builder::new()
        .name("sources-push".into())
        .spawn(move || {
            let (mut last, mut last_team) = (None, None);
            let mut pushed = std::time::Instant::now();
            while let Some(sources) = sources.upgrade() {
                let now = sources.status();
                drop(sources);
                if SourcesStatus::push_due(last.as_ref(), &now, pushed.elapsed()) {
                    if let Err(e) = SourcesChanged(now.clone()).emit(&handle) {
                        tracing::warn!(error = %e, "the sources' state was not delivered");
                    }
                    last = Some(now);
                    pushed = std::time::Instant::now();
                }
                if let Some(Ok(now)) = team.as_ref().map(team::Team::status) {
                    if last_team.as_ref() != Some(&now) {
                        if let Err(e) = TeamChanged(now.clone()).emit(&handle) {
                            tracing::warn!(error = %e, "the team's state was not delivered");
                        }
                        last_team = Some(now);
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(250));
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "the Sources and Team panels will not update live");
    }
}
