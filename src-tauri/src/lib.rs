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
mod start;
pub mod state;
pub mod team;

pub use start::{db_path_from_env, start};

use pushed::{EventsChanged, ExportProgress, SourcesChanged, StorageProblem, TeamChanged};
use state::AppState;
use tauri::{Manager, Runtime};
use tauri_specta::{collect_commands, collect_events, Builder};

/// The commands and events the UI sees; also what `src/bindings.ts` is generated from.
pub fn specta_builder<R: Runtime>() -> Builder<R> {
    Builder::<R>::new()
        .commands(collect_commands![
            commands::list_events,
            commands::get_event,
            commands::event_history,
            commands::complete_event,
            commands::acknowledge_event,
            commands::reopen_event,
            commands::bulk_action,
            commands::snooze_events,
            commands::add_note,
            commands::assign_events,
            commands::handover,
            commands::handover_seen,
            commands::changes_since,
            commands::simulator_status,
            commands::set_simulator,
            commands::list_facets,
            commands::first_rows_shown,
            commands::list_silences,
            commands::preview_silence,
            commands::add_silence,
            commands::edit_silence,
            commands::expire_silence,
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
            commands::dedup_groups,
            commands::set_dedup_groups,
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
        // The most changes of a timeline sent at once (earlier ones come page by page).
        .constant("HISTORY_PAGE", eventdesk_core::HISTORY_PAGE)
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
