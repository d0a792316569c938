//! Being a desktop program: the tray icon and its menu, closing to the tray, desktop
//! notifications for critical events, and log files.

use crate::state::AppState;
use eventdesk_core::services::notify::NOTICE_INTERVAL_MS;
use eventdesk_core::{AppSettings, ChangeSet, Clock, Notice, Notifier, SystemClock, Tally};
use parking_lot::Mutex;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tauri::menu::{Menu, MenuEvent, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime, Window, WindowEvent};

pub const TRAY_ID: &str = "main";
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

/// What a click on the tray icon (or Show/Hide) does to the main window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayClick {
    Hide,
    Raise,
}

/// A click hides the window only when the operator is looking at it: shown, not minimised and
/// focused (or focused until the click itself took the focus, as a click on the Windows
/// taskbar does). A window behind others, or minimised, is raised instead.
pub fn tray_click(visible: bool, minimized: bool, focused: bool) -> TrayClick {
    if visible && !minimized && focused {
        TrayClick::Hide
    } else {
        TrayClick::Raise
    }
}

/// How recently the window may have lost the focus for a tray click to count it as focused.
const FOCUS_TAKEN_BY_CLICK: Duration = Duration::from_millis(500);

/// When the main window last lost the focus (see [`on_window_event`]).
#[derive(Default)]
struct LastBlur(Mutex<Option<Instant>>);

fn toggle_main_window<R: Runtime>(app: &AppHandle<R>) {
    let Some(w) = app.get_webview_window(MAIN_WINDOW) else {
        return;
    };
    let just_blurred = app.try_state::<LastBlur>().is_some_and(|b| {
        b.0.lock()
            .is_some_and(|at| at.elapsed() < FOCUS_TAKEN_BY_CLICK)
    });
    let focused = w.is_focused().unwrap_or(false) || just_blurred;
    match tray_click(
        w.is_visible().unwrap_or(false),
        w.is_minimized().unwrap_or(false),
        focused,
    ) {
        TrayClick::Hide => {
            let _ = w.hide();
        }
        TrayClick::Raise => show_main_window(app),
    }
}

/// The tray menu's simulator item, kept to change its label.
struct TrayMenu<R: Runtime> {
    simulator: MenuItem<R>,
}

fn simulator_label(running: bool) -> &'static str {
    if running {
        "Pause simulator"
    } else {
        "Resume simulator"
    }
}

/// The tray icon: counts in its tooltip (and title, where the desktop shows one), a menu with
/// Show/Hide, Pause/Resume simulator and Quit; a left click shows or hides the window.
pub fn build_tray<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let running = app
        .try_state::<AppState>()
        .and_then(|s| s.simulator().ok().map(|sim| sim.config().running))
        .unwrap_or(false);
    let show = MenuItem::with_id(app, "show", "Show/Hide Eventdesk", true, None::<&str>)?;
    let simulator = MenuItem::with_id(
        app,
        "simulator",
        simulator_label(running),
        app.try_state::<AppState>()
            .is_some_and(|s| s.simulator().is_ok()),
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &simulator, &quit])?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Eventdesk")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(on_menu_event)
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                toggle_main_window(tray.app_handle());
            }
        });
    // macOS draws menu-bar icons from a template (black and alpha) in the bar's own colour.
    #[cfg(target_os = "macos")]
    {
        tray = tray.icon(tray_template()).icon_as_template(true);
    }
    #[cfg(not(target_os = "macos"))]
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    app.manage(LastBlur::default());
    app.manage(TrayMenu { simulator });
    if let Some(state) = app.try_state::<AppState>() {
        match state.store().and_then(|store| store.tally()) {
            Ok(tally) => show_tally(app, tally),
            Err(e) => tracing::warn!(error = %e, "tray counts unavailable"),
        }
    }
    Ok(())
}

/// The menu-bar icon for macOS: black on transparent, 22 pt at 2x.
pub fn tray_template() -> tauri::image::Image<'static> {
    tauri::include_image!("icons/tray-template.png")
}

fn on_menu_event<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    match event.id.as_ref() {
        "show" => toggle_main_window(app),
        "simulator" => toggle_simulator(app),
        "quit" => app.exit(0),
        _ => {}
    }
}

/// Pauses or resumes the simulator from the tray, persisting the choice as the panel does.
pub fn toggle_simulator<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let result = state.simulator().and_then(|sim| {
        let mut config = sim.config();
        config.running = !config.running;
        state.apply_simulator(config)
    });
    match result {
        Ok(status) => {
            tracing::info!(
                running = status.settings.running,
                "simulator toggled from the tray"
            );
        }
        Err(e) => tracing::warn!(error = %e, "simulator not toggled"),
    }
}

/// Keeps the tray's simulator item in step with the simulator, however it was changed.
pub fn show_simulator_state<R: Runtime>(app: &AppHandle<R>, running: bool) {
    if let Some(menu) = app.try_state::<TrayMenu<R>>() {
        let _ = menu.simulator.set_text(simulator_label(running));
    }
}

/// The tray's counts are shown at most this often.
const TALLY_EVERY: Duration = Duration::from_secs(1);

/// Starts the thread that shows counts in the tray, at most once per [`TALLY_EVERY`]: the
/// first of a burst at once, the last when the interval ends (so the tray never stays
/// behind). `None` if it cannot start.
pub fn start_tray_counts<R: Runtime>(app: &AppHandle<R>) -> Option<Sender<Tally>> {
    let (tx, rx) = mpsc::channel::<Tally>();
    let app = app.clone();
    std::thread::Builder::new()
        .name("tray-counts".into())
        .spawn(move || {
            let mut shown_at: Option<Instant> = None;
            let mut pending: Option<Tally> = None;
            loop {
                let wait = match (pending, shown_at) {
                    (None, _) => Duration::from_secs(3600),
                    (Some(_), None) => Duration::ZERO,
                    (Some(_), Some(at)) => TALLY_EVERY.saturating_sub(at.elapsed()),
                };
                match rx.recv_timeout(wait) {
                    Ok(tally) => pending = Some(tally),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return,
                }
                let due = shown_at.is_none_or(|at| at.elapsed() >= TALLY_EVERY);
                if let (Some(tally), true) = (pending, due) {
                    show_tally(&app, tally);
                    shown_at = Some(Instant::now());
                    pending = None;
                }
            }
        })
        .map_err(|e| tracing::error!(error = %e, "the tray's counts will not update"))
        .ok()
        .map(|_| tx)
}

/// Shows the counts in the tray's tooltip (and, on Linux, the critical count beside the icon).
pub fn show_tally<R: Runtime>(app: &AppHandle<R>, tally: Tally) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let _ = tray.set_tooltip(Some(format!(
        "Eventdesk: {} open, {} critical",
        tally.unfinished, tally.critical
    )));
    let _ = tray.set_title((tally.critical > 0).then(|| tally.critical.to_string()));
}

/// Closing the main window hides it instead when the operator chose to keep Eventdesk in the
/// tray (and there is a tray to come back from).
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if let WindowEvent::Focused(false) = event {
        if let Some(blur) = window.app_handle().try_state::<LastBlur>() {
            *blur.0.lock() = Some(Instant::now());
        }
    }
    if let WindowEvent::CloseRequested { api, .. } = event {
        let app = window.app_handle();
        let keep = app
            .try_state::<AppState>()
            .is_some_and(|s| s.settings().close_to_tray);
        if keep && app.tray_by_id(TRAY_ID).is_some() {
            api.prevent_close();
            let _ = window.hide();
        }
    }
}

/// Starts the notifier thread, fed critical events by the pusher; `None` if it cannot start.
pub fn start_notifier<R: Runtime>(
    app: &AppHandle<R>,
    settings: Arc<Mutex<AppSettings>>,
) -> Option<Sender<ChangeSet>> {
    let (tx, rx) = mpsc::channel();
    let handle = app.clone();
    std::thread::Builder::new()
        .name("notifier".into())
        .spawn(move || {
            run_notifier(&rx, &settings, NOTICE_INTERVAL_MS, |n| {
                show_notice(&handle, n)
            })
        })
        .map_err(|e| tracing::error!(error = %e, "no desktop notifications"))
        .ok()
        .map(|_| tx)
}

/// Feeds a [`Notifier`] (one notice per `interval_ms`) until the pusher goes away, waking when
/// held-back events are due, and hands each notice to `show`. While the operator has
/// notifications off, critical events are dropped (and logged), not held back.
pub fn run_notifier(
    rx: &Receiver<ChangeSet>,
    settings: &Mutex<AppSettings>,
    interval_ms: i64,
    mut show: impl FnMut(&Notice),
) {
    let clock = SystemClock;
    let mut notifier = Notifier::new(interval_ms);
    loop {
        let wait = notifier.due_at().map_or(Duration::from_secs(3600), |t| {
            Duration::from_millis(u64::try_from(t - clock.now_ms()).unwrap_or(0))
        });
        let received = rx.recv_timeout(wait);
        let enabled = settings.lock().notifications;
        let notice = match received {
            Ok(set) if !enabled => {
                notifier.clear();
                tracing::info!(
                    events = set.critical.len(),
                    "critical events not notified: notifications are off"
                );
                None
            }
            Err(RecvTimeoutError::Timeout) if !enabled => {
                notifier.clear();
                None
            }
            Ok(set) => notifier.observe(&set, clock.now_ms()),
            Err(RecvTimeoutError::Timeout) => notifier.tick(clock.now_ms()),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if let Some(notice) = notice {
            show(&notice);
        }
    }
}

fn show_notice<R: Runtime>(app: &AppHandle<R>, notice: &Notice) {
    tracing::info!(
        event = notice.event_id,
        count = notice.count,
        title = %notice.title,
        "critical notice"
    );
    let Some(plugin) = app.try_state::<tauri_plugin_notification::Notification<R>>() else {
        return;
    };
    if let Err(e) = plugin
        .builder()
        .title(&notice.title)
        .body(&notice.body)
        .show()
    {
        tracing::warn!(error = %e, "the desktop did not show the notification");
    }
}

#[cfg(test)]
mod tests {
    use super::{home_folder, reopen_shows_window, tray_click, tray_template, TrayClick};
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

    #[test]
    fn a_tray_click_raises_a_covered_or_minimised_window_and_hides_only_the_one_in_use() {
        // visible, minimised, focused (or focused until the click took it)
        assert_eq!(tray_click(true, false, true), TrayClick::Hide);
        assert_eq!(
            tray_click(true, false, false),
            TrayClick::Raise,
            "covered: raised"
        );
        assert_eq!(tray_click(true, true, false), TrayClick::Raise, "minimised");
        assert_eq!(
            tray_click(false, false, false),
            TrayClick::Raise,
            "in the tray"
        );
    }

    #[test]
    fn the_macos_tray_template_is_black_on_transparent() {
        let icon = tray_template();
        assert_eq!((icon.width(), icon.height()), (44, 44));
        let pixels = icon.rgba().chunks_exact(4);
        assert!(pixels.clone().all(|p| p[..3] == [0, 0, 0]), "only black");
        let drawn = pixels.filter(|p| p[3] > 0).count();
        assert!(
            drawn > 200 && drawn < 44 * 44 / 2,
            "a glyph, not a box: {drawn}"
        );
    }
}
