//! The tray icon: its menu (Show/Hide, Pause/Resume simulator, Quit), its counts, and closing
//! the main window to it.

use super::{show_main_window, MAIN_WINDOW};
use crate::state::AppState;
use eventdesk_core::Tally;
use parking_lot::Mutex;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};
use tauri::menu::{Menu, MenuEvent, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime, Window, WindowEvent};

pub const TRAY_ID: &str = "main";

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

#[cfg(test)]
mod tests {
    use super::{tray_click, tray_template, TrayClick};

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
