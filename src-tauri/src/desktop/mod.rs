//! Being a desktop program: log files, signals, the app's home folder, the start-up error
//! box; the tray icon and closing to it (`tray`); desktop notifications for critical events
//! (`notify`).

mod notify;
mod tray;

pub use notify::{run_notifier, start_notifier};
pub use tray::{
    build_tray, on_window_event, show_simulator_state, show_tally, start_tray_counts,
    toggle_simulator, tray_click, tray_template, TrayClick, TRAY_ID,
};

use std::path::{Path, PathBuf};
use std::sync::Arc;
use tauri::{AppHandle, Manager, Runtime};

const MAIN_WINDOW: &str = "main";
/// Log files are rotated daily; this many are kept.
const LOG_FILES_KEPT: usize = 7;

/// The OS log folder for the app (`~/.local/share/<identifier>/logs` on Linux).
pub fn log_dir<R: Runtime>(app: &AppHandle<R>) -> PathBuf {
    app.path()
        .app_log_dir()
        .unwrap_or_else(|_| std::env::temp_dir().join("eventdesk-logs"))
}

/// Logs to stderr and to a daily-rotated file in `dir` (the last [`LOG_FILES_KEPT`] kept).
/// `EVENTDESK_LOG` sets the filter (default `info`).
pub fn init_logging(dir: &Path) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{fmt, EnvFilter, Layer};

    let filter =
        || EnvFilter::try_from_env("EVENTDESK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_filter(filter());
    let file = std::fs::create_dir_all(dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix("eventdesk")
                .filename_suffix("log")
                .max_log_files(LOG_FILES_KEPT)
                .build(dir)
                .map_err(|e| e.to_string())
        });
    let (file_layer, file_error) = match file {
        Ok(appender) => (
            Some(
                fmt::layer()
                    .with_writer(appender)
                    .with_ansi(false)
                    .with_filter(filter()),
            ),
            None,
        ),
        Err(e) => (None, Some(e)),
    };
    // Fails only if a subscriber is already set (tests): keep that one.
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file_layer)
        .try_init();
    match file_error {
        None => tracing::info!(dir = %dir.display(), "logging to files"),
        Some(e) => tracing::warn!(dir = %dir.display(), error = %e, "no log file"),
    }
}

/// Quits cleanly on SIGTERM or SIGINT (a session logging out, `kill`, Ctrl-C in a terminal):
/// the window state is saved and the simulator stopped, as when quitting from the tray.
pub fn quit_on_signals<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut term), Ok(mut int)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) else {
                tracing::warn!("cannot watch for termination signals");
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        tracing::info!("asked to stop: quitting cleanly");
        app.exit(0);
    });
}

/// Whether a reopen (macOS: a Dock or Finder click on the running app) brings the main window
/// back: when none is visible, as after close-to-tray. With a window on screen, macOS does
/// what it always does.
pub fn reopen_shows_window(has_visible_windows: bool) -> bool {
    !has_visible_windows
}

/// Shows, unminimises and focuses the main window.
pub fn show_main_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(MAIN_WINDOW) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// The variable that names one folder for all of the app's own files.
pub const HOME_VAR: &str = "EVENTDESK_HOME";

/// The folder `EVENTDESK_HOME` names, if set: it then holds the app's database (by default),
/// settings of its windows, logs (in `logs`) and the web view's data, in place of the system's
/// per-user folders (on Windows the only way to keep a run's files apart, since the system's
/// folders do not follow variables there). A relative path is taken from `cwd`. `Err` says
/// why the value cannot be used.
pub fn home_folder(
    value: Option<std::ffi::OsString>,
    cwd: impl FnOnce() -> std::io::Result<PathBuf>,
) -> Result<Option<PathBuf>, String> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let path = PathBuf::from(value);
    let path = if path.is_absolute() {
        path
    } else {
        cwd()
            .map_err(|e| format!("{HOME_VAR} is relative and the current folder is unknown: {e}"))?
            .join(path)
    };
    if path.exists() && !path.is_dir() {
        return Err(format!(
            "{HOME_VAR} names {}, which is not a folder",
            path.display()
        ));
    }
    Ok(Some(path))
}

/// Says that the app could not start in a native message box, for a build with no console
/// (Windows) or started from a desktop's menu. Blocks until the operator closes it.
pub fn startup_failed(reason: &str) {
    rfd::MessageDialog::new()
        .set_level(rfd::MessageLevel::Error)
        .set_title("Eventdesk could not start")
        .set_description(format!(
            "Eventdesk could not start: {reason}\n\nThe log folder may say more."
        ))
        .set_buttons(rfd::MessageButtons::Ok)
        .show();
}

/// Opens links in the operator's browser, or with `EVENTDESK_OPENED_LINKS` set (tests), appends
/// each to that file instead.
pub fn link_opener<R: Runtime>(
    app: &tauri::AppHandle<R>,
    record: Option<PathBuf>,
) -> crate::state::LinkOpener {
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

#[cfg(test)]
mod tests {
    use super::{home_folder, reopen_shows_window};
    use std::path::PathBuf;

    #[test]
    fn the_home_folder_is_optional_absolute_and_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = || Ok(dir.path().to_path_buf());
        assert_eq!(home_folder(None, cwd), Ok(None));
        assert_eq!(home_folder(Some("".into()), cwd), Ok(None));
        let absolute = dir.path().join("desk");
        assert_eq!(
            home_folder(
                Some(absolute.clone().into()),
                || -> std::io::Result<PathBuf> {
                    unreachable!("an absolute path needs no current folder")
                }
            ),
            Ok(Some(absolute))
        );
        assert_eq!(
            home_folder(Some("desk".into()), cwd),
            Ok(Some(dir.path().join("desk")))
        );
        let file = dir.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        let refused = home_folder(Some(file.clone().into()), cwd).unwrap_err();
        assert!(refused.contains("not a folder"), "{refused}");
        let lost = home_folder(Some("desk".into()), || {
            Err(std::io::ErrorKind::NotFound.into())
        });
        assert!(lost.unwrap_err().contains("current folder"));
    }

    #[test]
    fn a_reopen_with_no_window_on_screen_shows_the_main_window() {
        // After close-to-tray the window is hidden: a Dock click must bring it back.
        assert!(reopen_shows_window(false));
        // A window on screen: nothing to do beyond what macOS does.
        assert!(!reopen_shows_window(true));
    }
}
