//! Eventdesk's desktop shell: wires `eventdesk-core` into Tauri (state, commands, pushed
//! events) and starts the simulator and the pusher threads. No domain logic lives here.

pub mod commands;
pub mod desktop;
mod export;
mod push;
pub mod pushed;
mod secrets;
pub mod self_check;
pub mod sources;
pub mod state;
pub mod team;

use eventdesk_core::db::{Access, Check};
use eventdesk_core::services::push::{Pusher, PUSH_INTERVAL};
use eventdesk_core::{
    db, AppSettings, CommitFeed, SimConfig, SimControl, Simulator, Store, SystemClock,
};
use parking_lot::Mutex;
use pushed::{EventsChanged, ExportProgress, SourcesChanged, StorageProblem, TeamChanged};
use state::{About, AppState, Parts};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tauri::{Manager, Runtime};
use tauri_specta::{collect_commands, collect_events, Builder, Event as _};

/// The commands and events the UI sees; also what `src/bindings.ts` is generated from.
pub fn specta_builder<R: Runtime>() -> Builder<R> {
    Builder::<R>::new()
        .commands(collect_commands![
            commands::list_events,
            commands::get_event,
            commands::complete_event,
            commands::acknowledge_event,
            commands::reopen_event,
            commands::bulk_action,
            commands::changes_since,
            commands::simulator_status,
            commands::set_simulator,
            commands::list_facets,
            commands::get_settings,
            commands::save_settings,
            commands::activity,
            commands::export_view,
            commands::cancel_export,
            commands::about,
            commands::open_log_folder,
            commands::warnings,
            commands::sources_status,
            commands::team_status,
            commands::team_setup,
            commands::set_team,
            commands::set_http_endpoint,
            commands::http_token,
            commands::new_http_token,
            commands::add_queue_source,
            commands::change_queue_source,
            commands::remove_queue_source,
            commands::open_link,
            commands::self_check_seen,
            commands::quit_app,
        ])
        .events(collect_events![
            EventsChanged,
            ExportProgress,
            StorageProblem,
            SourcesChanged,
            TeamChanged
        ])
        // The action rules, from the core: the window offers what the core accepts.
        .constant(
            "ACTIONS_FOR",
            eventdesk_core::Action::offered()
                .into_iter()
                .map(|(status, actions)| (status.as_str(), actions))
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
        // Ids, seqs and Unix-ms timestamps are i64 in Rust and stay far below 2^53.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per Rust type: the UI reads what Rust serialises.
        .disable_serde_phases()
}

/// Writes the TypeScript bindings for the UI.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    let ts = specta_typescript::Typescript::default()
        .header("// Generated from src-tauri by `cargo test -p eventdesk-app`. Do not edit.\n");
    specta_builder::<tauri::Wry>()
        .export(ts, path)
        .map_err(|e| e.to_string())
}

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
    let open_link = link_opener(app, var("EVENTDESK_OPENED_LINKS").map(PathBuf::from));
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

/// Opens links in the operator's browser, or with `EVENTDESK_OPENED_LINKS` set (tests), appends
/// each to that file instead.
fn link_opener<R: Runtime>(
    app: &tauri::AppHandle<R>,
    record: Option<PathBuf>,
) -> state::LinkOpener {
    let handle = app.clone();
    Arc::new(move |href: &str| {
        if !eventdesk_core::db::rows::is_web_link(href) {
            return Err(eventdesk_core::Error::invalid(
                "link",
                "only http and https links open",
            ));
        }
        match &record {
            Some(path) => {
                use std::io::Write;
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .and_then(|mut f| writeln!(f, "{href}"))
                    .map_err(eventdesk_core::Error::from)
            }
            None => {
                use tauri_plugin_opener::OpenerExt;
                handle
                    .opener()
                    .open_url(href, None::<&str>)
                    .map_err(|e| eventdesk_core::Error::storage(format!("cannot open {href}: {e}")))
            }
        }
    })
}

fn clock_seed() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() % u128::from(u32::MAX))
        .unwrap_or(0)
}

pub fn run() {
    let check =
        if self_check::requested(std::env::args(), std::env::var("EVENTDESK_SELF_CHECK").ok()) {
            match self_check::SelfCheck::prepare() {
                Ok(check) => Some(check),
                Err(reason) => {
                    println!("self-check: FAILED: {reason}");
                    std::process::exit(1);
                }
            }
        } else {
            None
        };
    let checking = check.is_some();
    // Every folder of the app's own (database, window state, logs, the web view's data) in one
    // place when asked: the self-check's temporary folder, or `EVENTDESK_HOME`.
    let home = match &check {
        Some(check) => Ok(Some(check.dir().to_path_buf())),
        None => desktop::home_folder(std::env::var_os(desktop::HOME_VAR), std::env::current_dir),
    };
    let mut context = tauri::generate_context!();
    match home {
        Ok(Some(home)) => {
            context.config_mut().app.app_directories_override =
                Some(tauri::utils::config::AppDirectoriesOverride::Root(home));
        }
        Ok(None) => {}
        Err(reason) => {
            eprintln!("Eventdesk could not start: {reason}");
            desktop::startup_failed(&reason);
            std::process::exit(1);
        }
    }
    let builder = specta_builder::<tauri::Wry>();
    let mut app = tauri::Builder::default();
    if !checking {
        app = app
            // First: a second launch hands over to the running one and exits.
            .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
                tracing::info!("second launch: showing this window instead");
                desktop::show_main_window(app);
            }))
            .plugin(tauri_plugin_window_state::Builder::default().build());
    }
    let result = app
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            // The log folder follows the app-directory override (the self-check's folder too);
            // the self-check's database is its own whatever `EVENTDESK_DB` says.
            desktop::init_logging(&desktop::log_dir(app.handle()));
            let path = match &check {
                Some(check) => check.db(),
                None => db_path_from_env(app.handle()),
            };
            tracing::info!(
                pid = std::process::id(),
                version = env!("CARGO_PKG_VERSION"),
                "Eventdesk started"
            );
            builder.mount_events(app);
            let state = start(app.handle(), &path, |name| match name {
                // The self-check runs no simulator and never opens the credential store.
                "EVENTDESK_SIM" if checking => Some("off".into()),
                "EVENTDESK_SECRETS" if checking => Some("session".into()),
                _ => std::env::var(name).ok(),
            });
            app.manage(state);
            app.manage(
                check
                    .as_ref()
                    .map_or_else(self_check::Inbox::default, |c| c.inbox()),
            );
            if let Some(check) = check {
                app.manage(check);
                self_check::SelfCheck::start(app.handle());
            }
            desktop::quit_on_signals(app.handle());
            if let Err(e) = desktop::build_tray(app.handle()) {
                tracing::warn!(error = %e, "no tray icon on this desktop");
            }
            Ok(())
        })
        .on_window_event(desktop::on_window_event)
        .build(context)
        .map(|app| {
            app.run(|handle, event| match event {
                tauri::RunEvent::Exit => {
                    if let Some(state) = handle.try_state::<AppState>() {
                        state.shut_down();
                    }
                    if let Some(check) = handle.try_state::<self_check::SelfCheck>() {
                        check.clean_up();
                    }
                }
                // macOS: a Dock or Finder click on the running app. After close-to-tray the
                // window is hidden, and the single-instance callback does not fire there.
                #[cfg(target_os = "macos")]
                tauri::RunEvent::Reopen {
                    has_visible_windows,
                    ..
                } => {
                    if desktop::reopen_shows_window(has_visible_windows) {
                        desktop::show_main_window(handle);
                    }
                }
                _ => {}
            })
        });
    if let Err(e) = result {
        eprintln!("Eventdesk could not start: {e}");
        tracing::error!(error = %e, "Eventdesk could not start");
        // A release build on Windows has no console: say it where the operator looks. A
        // self-check says it on standard output instead, and waits for no one.
        if !checking {
            desktop::startup_failed(&e.to_string());
        }
        std::process::exit(1);
    }
}
