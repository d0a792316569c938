//! Start-up wiring: the database opened (its problems kept as warnings), the pusher, team
//! mode, the simulator, the sources and the state the commands use.

use crate::pushed::{ExportProgress, SourcesChanged, StorageProblem, TeamChanged};
use crate::state::{About, AppState, Parts};
use crate::{desktop, export, push, secrets, sources, team};
use eventdesk_core::db::{Access, Check};
use eventdesk_core::services::push::{Pusher, PUSH_INTERVAL};
use eventdesk_core::{
    db, AppSettings, CommitFeed, SimConfig, SimControl, Simulator, Store, SystemClock,
};
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

/// Opens the database, starts the pusher and the simulator thread, and returns the state the
/// commands use. A store that cannot be opened is kept as its error. `var` reads the
/// `EVENTDESK_SIM*` settings and `EVENTDESK_EXPORT_TO` (the environment, in the app).
pub fn start<R: Runtime>(
    app: &tauri::AppHandle<R>,
    path: &Path,
    var: impl Fn(&str) -> Option<String>,
) -> AppState {
    let clock = Arc::new(SystemClock);
    let (feed, rx) = CommitFeed::new();
    let warnings = Arc::new(Mutex::new(Vec::new()));
    let handle = app.clone();
    let problems = warnings.clone();
    // The pages are checked in the background: the check reads the whole file.
    let store = Store::open_with(
        path,
        feed.clone(),
        clock.clone(),
        Check::Later,
        move |error| {
            tracing::error!(error = %error, "the database is damaged: writes stopped");
            problems.lock().push(error.to_string());
            if let Err(e) = (StorageProblem { error }).emit(&handle) {
                tracing::warn!(error = %e, "the storage problem was not shown");
            }
        },
    )
    .map(Arc::new);
    match &store {
        Ok(store) => {
            tracing::info!(db = %path.display(), "database open");
            if let Access::ReadOnly(reason) = store.access() {
                warnings.lock().push(format!(
                    "{} is open for reading only: {reason}. Changes cannot be saved.",
                    path.display()
                ));
            }
        }
        Err(e) => tracing::error!(db = %path.display(), error = %e, "database unavailable"),
    }

    let settings = match &store {
        Ok(store) => {
            let (settings, notes) = AppSettings::load(store);
            warnings.lock().extend(notes);
            settings
        }
        Err(_) => AppSettings::default(),
    };
    let settings = Arc::new(Mutex::new(settings));
    let mut sink = push::WindowPush::new(app, settings.clone());
    if let Err(e) = Pusher::new(rx, PUSH_INTERVAL).spawn(move |set| sink.push(set)) {
        tracing::error!(error = %e, "cannot start the pusher: the table will not update live");
    }

    // Team mode: the desk's file is a replica of the team's stream, so nothing but the stream
    // writes to its events; the simulator, when it runs, publishes to the stream.
    let secrets = Arc::new(match var("EVENTDESK_SECRETS").as_deref() {
        // For tests and scripts: never the operator's credential store.
        Some("session") => secrets::Secrets::session(),
        _ => secrets::Secrets::open().0,
    });
    let team_config = match store.as_ref() {
        Ok(store) => match team::resolve(&var, store, &secrets) {
            Ok(config) => config,
            Err(e) => {
                warnings.lock().push(format!("Team mode is off: {e}."));
                None
            }
        },
        Err(_) => None,
    };
    let sim_control = store.as_ref().ok().map(|store| {
        let fallback_seed = u64::try_from(clock_seed()).unwrap_or(0);
        let (config, notes) = SimConfig::starting(store, &var, fallback_seed);
        for note in &notes {
            tracing::warn!("{note}");
        }
        warnings.lock().extend(notes);
        // In a team the simulator's events reach every desk: it starts paused, whatever was
        // saved, until an operator starts it.
        let running = config.running && team_config.is_none();
        SimControl::new(SimConfig { running, ..config })
    });
    let team = match (store.as_ref(), team_config, &sim_control) {
        (Ok(store), Some(config), Some(control)) => {
            let stream = config.team.stream.clone();
            let started = tauri::async_runtime::block_on(async {
                team::start(store.clone(), config, control.clone())
            });
            match started {
                Ok(team) => {
                    warnings.lock().push(format!(
                        "Team mode: this desk replicates the stream {stream}; its simulator, \
                         when running, publishes to the stream."
                    ));
                    Some(team)
                }
                Err(e) => {
                    warnings
                        .lock()
                        .push(format!("Team mode could not start: {e}."));
                    None
                }
            }
        }
        _ => None,
    };
    let simulator = match (&team, sim_control, store.as_ref()) {
        (Some(_), control, _) => control,
        (None, Some(control), Ok(store)) => {
            let local = store.connect().map_err(|e| {
                tracing::warn!(error = %e, "no simulator on this database");
            });
            local.ok().and_then(|conn| {
                let sim = Simulator::new(control.config());
                let thread_control = control.clone();
                std::thread::Builder::new()
                    .name("simulator".into())
                    .spawn(move || sim.run(conn, feed, clock, thread_control))
                    .map_err(|e| tracing::error!(error = %e, "cannot start the simulator"))
                    .ok()
                    .map(|_| control)
            })
        }
        _ => None,
    };
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

    let (from_env, notes) = sources::FromEnvironment::read(&var);
    warnings.lock().extend(notes);
    let sources = store.as_ref().ok().map(|store| {
        let secrets = secrets.clone();
        let sink = team.as_ref().map(team::Team::sink).and_then(|sink| {
            sink.map_err(|e| {
                warnings
                    .lock()
                    .push(format!("The HTTP endpoint is off: {e}."))
            })
            .ok()
        });
        let (sources, notes) = tauri::async_runtime::block_on(sources::Sources::start(
            store.clone(),
            secrets,
            from_env,
            sink,
        ));
        for note in &notes {
            tracing::warn!("{note}");
        }
        warnings.lock().extend(notes);
        sources
    });
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
            while let Some(sources) = sources.upgrade() {
                let now = sources.status();
                drop(sources);
                if last.as_ref() != Some(&now) {
                    if let Err(e) = SourcesChanged(now.clone()).emit(&handle) {
                        tracing::warn!(error = %e, "the sources' state was not delivered");
                    }
                    last = Some(now);
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

fn clock_seed() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() % u128::from(u32::MAX))
        .unwrap_or(0)
}
